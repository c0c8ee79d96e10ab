"""Run a script on several ranks through `python -m ember.distributed.run`, with a hard time limit."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")
ROOT = os.path.dirname(os.path.dirname(HERE))


def need_mpi():
    """mpi4py and the MPICH wheel: required in CI (an error there), skipped elsewhere when missing."""
    from ember_testutil import require
    require("mpi4py")


def env(**extra):
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    e.setdefault("OMP_NUM_THREADS", "1")
    e.update({k: str(v) for k, v in extra.items()})
    return e


def launch(script, *args, nproc=2, flags=(), limit=60, extra_env=None):
    """`ember-run --nproc-per-node N [flags] scripts/SCRIPT ARGS`; returns the CompletedProcess."""
    need_mpi()
    path = script if os.path.isabs(script) or "-m" in flags else os.path.join(SCRIPTS, script)
    cmd = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(nproc), *flags, path, *args]
    e = env()
    e.update(extra_env or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=limit, cwd=ROOT, env=e)


def ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


def torchrun(script, *args, nproc=2, limit=90):
    """The same script under the real torchrun + gloo (the oracle)."""
    pytest.importorskip("torch") if not os.environ.get("CI") else None
    exe = os.path.join(os.path.dirname(sys.executable), "torchrun")
    path = script if os.path.isabs(script) else os.path.join(SCRIPTS, script)
    e = env()
    e["PYTHONPATH"] = ""
    return subprocess.run([exe, "--nproc-per-node", str(nproc), path, *args], capture_output=True, text=True,
                          timeout=limit, cwd="/", env=e)
