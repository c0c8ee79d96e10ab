"""Start a data-parallel job on MPI with torchrun's command line (console script: `ember-run`).

    python -m ember.distributed.run --nproc-per-node 2 train.py [ARGS...]
    python -m ember.distributed.run --nnodes 2 --node-rank 0 --master-addr 10.0.0.1 --master-port 29500 ...
    python -m ember.distributed.run --hosts node1:2,node2:2 train.py      # one command, ssh or Slurm

Each rank runs the script with torchrun's variables (RANK, LOCAL_RANK, WORLD_SIZE, ...) and `import torch`
resolving to ember. An uncaught exception, a non-zero exit or a killed rank ends the whole job at once with a
non-zero exit code; `--max-restarts N` then runs it again with TORCHELASTIC_RESTART_COUNT raised.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

from ._job import Job

__all__ = ["main", "get_args_parser", "parse_args"]

_OMP_WARNING = ("\n*****************************************\n"
                "Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid "
                "your system being overloaded, please further tune the variable for optimal performance in "
                "your application as needed. \n*****************************************")


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ember-run", description="torchrun's launcher, on MPI (ember)")

    def flag(name, **kw):
        spellings = [f"--{name}"] + ([f"--{name.replace('-', '_')}"] if "-" in name else [])
        p.add_argument(*spellings, **kw)
    flag("nnodes", default="1", help="number of nodes, or MIN:MAX with MIN == MAX (no elasticity)")
    flag("nproc-per-node", default="1", help="ranks per node: a number, 'auto' or 'cpu' (the core count)")
    flag("node-rank", type=int, default=0, help="this node's rank, 0..nnodes-1 (multi-node without --hosts)")
    flag("master-addr", default=None, help="address of node 0 (default localhost)")
    flag("master-port", type=int, default=None, help="port on node 0 (default 29500; free port on one node)")
    flag("standalone", action="store_true", help="single node, any free port")
    flag("rdzv-endpoint", default="", help="HOST:PORT of node 0 (same as --master-addr/--master-port)")
    flag("rdzv-id", default="none", help="job id (TORCHELASTIC_RUN_ID)")
    flag("rdzv-backend", default="static", help="accepted as torchrun does; MPI does the rendezvous")
    flag("max-restarts", type=int, default=0, help="run the whole job again up to N times after a failure")
    flag("no-python", action="store_true", help="run PROGRAM directly instead of with python")
    p.add_argument("-m", "--module", action="store_true", help="PROGRAM is a Python module (python -m)")
    flag("hosts", default=None, help="ember: HOST[:N],... start all nodes from here (ssh or Slurm)")
    flag("hostfile", default=None, help="ember: file of 'HOST' or 'HOST:N' or 'HOST slots=N' lines")
    flag("timeout", type=float, default=None, help="ember: end the whole job after this many seconds")
    p.add_argument("training_script", help="the script (or module with -m, or program with --no-python)")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def parse_args(argv=None):
    return get_args_parser().parse_args(argv)


def _nproc(value: str) -> int:
    if value in ("auto", "cpu"):
        return os.cpu_count() or 1
    if value == "gpu":
        raise SystemExit("ember-run: --nproc-per-node gpu: ember runs on the CPU "
                         "(use a number, 'auto' or 'cpu')")
    try:
        n = int(value)
    except ValueError:
        raise SystemExit(f"ember-run: --nproc-per-node must be a number, 'auto' or 'cpu', "
                         f"got {value!r}") from None
    if n < 1:
        raise SystemExit(f"ember-run: --nproc-per-node must be at least 1, got {n}")
    return n


def _nnodes(value: str) -> int:
    lo, _, hi = value.partition(":")
    if hi and hi != lo:
        raise SystemExit(f"ember-run: --nnodes {value}: elastic node counts are not supported (use N or N:N)")
    return int(lo)


def _host_list(args, nproc: int) -> list[tuple[str, int]] | None:
    if args.hosts and args.hostfile:
        raise SystemExit("ember-run: give --hosts or --hostfile, not both")
    if args.hostfile:
        entries = []
        with open(args.hostfile, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    entries.append(line.replace(" slots=", ":").split()[0])
    elif args.hosts:
        entries = [h.strip() for h in args.hosts.split(",") if h.strip()]
    else:
        return None
    out = []
    for e in entries:
        host, _, n = e.partition(":")
        out.append((host, int(n) if n else nproc))
    return out


def find_mpiexec() -> str:
    """The mpiexec of the MPI library mpi4py loads: $EMBER_MPIEXEC, the one beside python (the mpich wheel's)
    or the first on PATH."""
    exe = os.environ.get("EMBER_MPIEXEC")
    if exe:
        return exe
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.exists(beside):
        return beside
    found = shutil.which("mpiexec")
    if found is None:
        raise SystemExit("ember-run: no mpiexec found: pip install 'ember[distributed]' (it brings MPICH)")
    return found


def _is_open_mpi(mpiexec: str) -> bool:
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "Open MPI" in out or "OpenRTE" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _rank_command(args) -> list[str]:
    cmd = [sys.executable, "-m", "ember.distributed._agent"]
    if args.no_python:
        cmd.append("--no-python")
    elif args.module:
        cmd.append("-m")
    return cmd + [args.training_script] + list(args.training_script_args)


def main(argv=None) -> int:
    args = parse_args(argv)
    nproc = _nproc(args.nproc_per_node)
    nnodes = _nnodes(args.nnodes)
    hosts = _host_list(args, nproc)
    addr, port = args.master_addr, args.master_port
    if args.rdzv_endpoint:
        h, _, p = args.rdzv_endpoint.rpartition(":")
        addr, port = (h or args.rdzv_endpoint), (int(p) if h and p else port)
    if args.standalone:
        if nnodes != 1 or hosts:
            raise SystemExit("ember-run: --standalone is for a single node")
        addr, port = "localhost", None
    if nnodes > 1 and hosts is None and not 0 <= args.node_rank < nnodes:
        raise SystemExit(f"ember-run: --node-rank {args.node_rank} is outside 0..{nnodes - 1}")
    if hosts is not None and nnodes not in (1, len(hosts)):
        raise SystemExit(f"ember-run: --nnodes {nnodes} but {len(hosts)} hosts were given")

    mpiexec = find_mpiexec()
    env = dict(os.environ)
    env.pop("EMBER_NODE_SIZES", None)
    sizes = [n for _, n in hosts] if hosts else [nproc] * nnodes
    env["EMBER_NODE_SIZES"] = ",".join(map(str, sizes))
    multi = nnodes > 1 and hosts is None
    env["MASTER_ADDR"] = addr or ("localhost" if not multi and not hosts else socket.gethostname())
    env["MASTER_PORT"] = str(port if port is not None else (29500 if multi or hosts else _free_port()))
    env["TORCHELASTIC_RUN_ID"] = args.rdzv_id if args.rdzv_id != "none" or multi else str(uuid.uuid4())
    env["TORCHELASTIC_MAX_RESTARTS"] = str(args.max_restarts)
    if max(sizes) > 1 and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = "1"
        print(_OMP_WARNING, file=sys.stderr)
    if multi:
        from . import _multinode
        return _multinode.run(args, mpiexec, env, nnodes, nproc, _rank_command(args), _attempts)
    cmd = [mpiexec]
    if _is_open_mpi(mpiexec):
        cmd += ["--oversubscribe", "--bind-to", "none"]
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        if hosts:
            cmd += ["--host", ",".join(f"{h}:{n}" for h, n in hosts)]
    elif hosts:
        cmd += ["-hosts", ",".join(f"{h}:{n}" for h, n in hosts)]
    cmd += ["-n", str(sum(sizes))] + _rank_command(args)
    return _attempts(lambda e: Job(subprocess.Popen(cmd, env=e, start_new_session=True)), env, args)


def _attempts(start, env, args) -> int:
    """Run the job, again after a failure up to --max-restarts times; the whole run bounded by --timeout."""
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    job = None

    def forward(signum, frame):
        if job is not None:
            job.kill(signum)
    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        for attempt in range(args.max_restarts + 1):
            env["TORCHELASTIC_RESTART_COUNT"] = str(attempt)
            job = start(env)
            code = job.wait(deadline)
            if code is None:
                job.end()
                print(f"ember-run: the job ran past --timeout {args.timeout:g} s and was ended",
                      file=sys.stderr)
                return 124
            if code == 0:
                return 0
            code = 128 - code if code < 0 else code
            left = args.max_restarts - attempt
            print(f"ember-run: the job failed with exit code {code}"
                  + (f"; restarting it ({left} restart(s) left)" if left else ""), file=sys.stderr)
        return code
    finally:
        for s, h in old.items():
            signal.signal(s, h)


if __name__ == "__main__":
    sys.exit(main())
