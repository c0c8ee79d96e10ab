"""Two 'hosts' on one machine: two network namespaces joined by a veth pair, each with its own hostname and
/dev/shm (unshare --uts --ipc --mount); the launcher runs once per namespace, torchrun style. Needs root and
`ip netns` (CI runs as root); leaves no namespace or process behind."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from ember_launch import ROOT, SCRIPTS, env, need_mpi


def _sh(*cmd, check=True):
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=20)


@pytest.fixture
def two_namespaces():
    if os.geteuid() != 0:
        pytest.skip("the two-host test needs root (ip netns)")
    if not shutil.which("ip") or not shutil.which("unshare"):
        pytest.skip("the two-host test needs `ip` (iproute2) and `unshare` (util-linux)")
    tag = f"{os.getpid() % 100000}"
    names = [f"embt{tag}a", f"embt{tag}b"]
    octet = os.getpid() % 200 + 20
    addrs = [f"10.231.{octet}.1", f"10.231.{octet}.2"]
    made = []
    try:
        for n in names:
            r = _sh("ip", "netns", "add", n, check=False)
            if r.returncode:
                pytest.skip(f"ip netns add failed here: {r.stderr.strip()}")
            made.append(n)
        _sh("ip", "link", "add", f"ve{tag}a", "type", "veth", "peer", "name", f"ve{tag}b")
        for n, dev, a in zip(names, (f"ve{tag}a", f"ve{tag}b"), addrs):
            _sh("ip", "link", "set", dev, "netns", n)
            _sh("ip", "-n", n, "addr", "add", f"{a}/24", "dev", dev)
            _sh("ip", "-n", n, "link", "set", dev, "up")
            _sh("ip", "-n", n, "link", "set", "lo", "up")
        yield names, addrs
    finally:
        for n in made:
            pids = _sh("ip", "netns", "pids", n, check=False).stdout.split()
            for p in pids:
                subprocess.run(["kill", "-9", p], check=False)
            _sh("ip", "netns", "del", n, check=False)
        left = _sh("ip", "netns", "list", check=False).stdout
        assert not any(n in left for n in names), f"namespaces left behind: {left}"


def test_two_hosts_torchrun_style(two_namespaces):
    need_mpi()
    names, addrs = two_namespaces
    script = os.path.join(SCRIPTS, "two_hosts.py")
    procs = []
    for i, ns in enumerate(names):
        inner = (f"hostname emberhost{i} && mount -t tmpfs tmpfs /dev/shm && exec {sys.executable} -m "
                 f"ember.distributed.run --nnodes 2 --node-rank {i} --nproc-per-node 2 "
                 f"--master-addr {addrs[0]} --master-port 29400 --rdzv-id twohosts --timeout 60 {script}")
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns, "unshare", "--uts", "--ipc", "--mount",
                                       "--propagation", "private", "sh", "-c", inner], cwd=ROOT, env=env(),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    for p in procs:
        try:
            outs.append(p.communicate(timeout=60))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
    assert [p.returncode for p in procs] == [0, 0], outs
    line = next(x for x in outs[0][0].splitlines() if x.startswith("HOSTS"))
    assert line == ("HOSTS [('emberhost0', '0', '0'), ('emberhost0', '0', '1'), ('emberhost1', '1', '0'), "
                    "('emberhost1', '1', '1')] 10.0 4.0"), outs
    time.sleep(0.2)
    for ns in names:
        assert _sh("ip", "netns", "pids", ns, check=False).stdout.split() == [], "processes left in " + ns


def test_two_launchers_on_one_machine_restart_together():
    """The torchrun-style multi-node route without namespaces (runs without root): node 1's rank fails on
    the first attempt, and both nodes run the second attempt, handed out again by node 0."""
    need_mpi()
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = os.path.join(SCRIPTS, "restart.py")
    flags = ["--nproc-per-node", "1", "--master-addr", "127.0.0.1", "--master-port", str(port),
             "--rdzv-id", "onebox", "--max-restarts", "1", "--timeout", "60"]
    procs = [subprocess.Popen([sys.executable, "-m", "ember.distributed.run", "--nnodes", "2",
                               "--node-rank", str(i), *flags, script],
                              cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in (1, 0)]
    outs = [p.communicate(timeout=90) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(line for line in outs[1][0].splitlines() if line.startswith("attempt")) == \
        ["attempt 1 rank 0 sum 2.0", "attempt 1 rank 1 sum 2.0"], outs
    assert "first attempt fails" in outs[1][1] and "restarting it" in outs[1][1]
