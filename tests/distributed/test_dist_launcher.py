"""The launcher: torchrun's flags and variables, faults that end the whole job at once (the hard time limit
of each launch is the failure criterion for a hang), restarts, --timeout, a torchrun tutorial script."""
from __future__ import annotations

import os
import re

import pytest

from ember_launch import launch, ok


def _gone(tmp_path, nproc=2):
    """Every rank process that wrote a pid file has exited."""
    for r in range(nproc):
        f = tmp_path / f"pid{r}"
        if f.exists():
            pid = int(f.read_text())
            status = f"/proc/{pid}/status"
            alive = os.path.exists(status) and "zombie" not in open(status).read().lower()
            assert not alive, f"rank {r} (pid {pid}) is still running"


@pytest.mark.parametrize("mode,code,says", [
    ("raise", 1, "ValueError: rank one failed on purpose"),
    ("exit", 3, "exit code 3"),
    ("sys_exit", 5, "[rank 1] exited with code 5"),
    ("kill", 9, "signal 9"),
    ("hang", 1, "DistBackendError: all_reduce on rank 0: timed out after 2 s"),
    ("mismatch", 1, "Detected mismatch between collectives on ranks: rank 0: all_reduce float32 [4]; "
                    "rank 1: all_reduce float32 [5]"),
])
def test_a_failing_rank_ends_the_job(tmp_path, mode, code, says):
    proc = launch("faults.py", mode, str(tmp_path), limit=30, extra_env={"TORCH_DISTRIBUTED_DEBUG": "DETAIL"})
    assert proc.returncode == code, proc.stderr
    assert says in proc.stderr + proc.stdout, proc.stderr
    assert "finished" not in proc.stdout
    _gone(tmp_path)


def test_timeout_ends_the_whole_job(tmp_path):
    proc = launch("faults.py", "sleep", str(tmp_path), flags=["--timeout", "3"], limit=30)
    assert proc.returncode == 124 and "--timeout 3 s" in proc.stderr
    _gone(tmp_path)


def test_max_restarts_reruns_with_the_count_raised():
    out = ok(launch("restart.py", flags=["--max-restarts", "1"]))
    assert sorted(re.findall(r"attempt (\d) rank (\d) sum 2.0", out)) == [("1", "0"), ("1", "1")]
    failed = launch("restart.py", flags=["--max_restarts=0"])
    assert failed.returncode == 1 and "first attempt fails" in failed.stderr


def test_tutorial_trainer_resumes_from_its_snapshot(tmp_path):
    snap = str(tmp_path / "snapshot.pt")
    first = ok(launch("trainer.py", "2", snap))
    assert "Epoch 1 | Training snapshot saved" in first and "Resuming" not in first
    second = ok(launch("trainer.py", "4", snap))
    assert second.count("Resuming training from snapshot at Epoch 2") == 2
    assert not re.search(r"Epoch [01] \|", second) and len(re.findall(r"Epoch 3 \| Batches 4", second)) == 2
    losses = [float(x) for x in re.findall(r"\[GPU0\] Epoch \d \| Batches 4 \| loss ([\d.]+)",
                                           first + second)]
    assert len(losses) == 4 and losses[-1] < losses[0]


def test_module_no_python_and_omp_warning():
    proc = launch("pkg.hello", nproc=2, flags=["-m"], extra_env={"PYTHONPATH": os.path.join(
        os.path.dirname(__file__), "scripts") + os.pathsep + os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))})
    out = ok(proc)
    assert sorted(re.findall(r"module rank (\d) of 2 backend gloo", out)) == ["0", "1"]
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    import subprocess
    import sys
    from ember_launch import ROOT
    env["PYTHONPATH"] = ROOT
    proc = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node=2", "--no-python",
                           "sh", "-c", 'echo "rank=$RANK local=$LOCAL_RANK omp=$OMP_NUM_THREADS"'],
                          capture_output=True, text=True, timeout=30, env=env, cwd=ROOT)
    assert sorted(re.findall(r"rank=(\d) local=\d omp=1", proc.stdout)) == ["0", "1"], \
        proc.stdout + proc.stderr
    assert "Setting OMP_NUM_THREADS environment variable for each process to be 1" in proc.stderr


def test_bad_flags_are_refused():
    for flags, says in ((["--nproc-per-node", "gpu"], "ember runs on the CPU"),
                        (["--nnodes", "1:4"], "elastic"),
                        (["--nnodes", "2", "--node-rank", "2"], "outside 0..1")):
        proc = launch("restart.py", nproc=1, flags=flags)
        assert proc.returncode != 0 and says in proc.stderr, proc.stderr


def test_hosts_and_hostfile_set_node_layout(tmp_path):
    # both entries are this machine (Hydra starts local ranks without ssh): the layout comes from the list
    out = ok(launch("two_hosts.py", flags=["--hosts", "localhost:1,localhost:2"]))
    assert re.search(r"HOSTS \[\('[^']+', '0', '0'\), \('[^']+', '1', '0'\), \('[^']+', '1', '1'\)\] "
                     r"6.0 3.0", out)
    hostfile = tmp_path / "hosts"
    hostfile.write_text("# comment\nlocalhost slots=2\n")
    out = ok(launch("two_hosts.py", flags=["--hostfile", str(hostfile)]))
    assert re.search(r"HOSTS \[\('[^']+', '0', '0'\), \('[^']+', '0', '1'\)\] 3.0 2.0", out)
