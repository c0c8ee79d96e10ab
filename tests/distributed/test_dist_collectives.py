"""ember.distributed's collectives on 2 and 3 ranks started by the launcher, against NumPy and against
the same torchrun + gloo script run by real torch."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from ember_launch import ROOT, env, launch, ok, torchrun


@pytest.mark.parametrize("nproc", [2, 3])
def test_every_collective_op_and_dtype_against_numpy(nproc):
    out = ok(launch("collectives.py", nproc=nproc))
    counts = sorted(int(m) for m in re.findall(r"rank \d+ checked (\d+)", out))
    assert len(counts) == nproc and min(counts) > 300, out




def _rank_files(d):
    return {int(f[4:-5]): json.load(open(os.path.join(d, f))) for f in os.listdir(d) if f.startswith("rank")}


def test_torchrun_gloo_script_runs_unchanged_and_agrees_with_torch(torch, tmp_path):
    (tmp_path / "torch").mkdir()
    (tmp_path / "ember").mkdir()
    ok(torchrun("oracle.py", str(tmp_path / "torch")))
    theirs = _rank_files(tmp_path / "torch")
    ok(launch("oracle.py", str(tmp_path / "ember")))
    ours = _rank_files(tmp_path / "ember")
    assert sorted(ours) == sorted(theirs) == [0, 1]
    for rank in (0, 1):
        a, b = theirs[rank], ours[rank]
        assert a.keys() == b.keys()
        for key in a:
            if key in ("ddp_params", "ddp_buffers"):   # printed rounded to 5 decimals: one step apart at most
                for x, y in zip(a[key], b[key]):
                    np.testing.assert_allclose(np.array(y), np.array(x), rtol=0, atol=2e-5, err_msg=key)
            else:
                assert b[key] == a[key], f"rank {rank} {key}:\n torch {a[key]}\n ember {b[key]}"


def test_import_does_not_load_mpi():
    code = ("import sys, ember, ember.distributed as d, ember.nn.parallel, ember.utils.data; "
            "print(d.is_available(), 'mpi4py' in sys.modules, d.is_initialized(), d.group.WORLD)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env(),
                         check=True).stdout.split()
    assert out == ["True", "False", "False", "None"]


def test_api_without_a_process_group():
    import ember.distributed as dist
    from ember.utils.data import DistributedSampler
    assert dist.is_gloo_available() and dist.is_mpi_available() and not dist.is_nccl_available()
    assert dist.get_default_backend_for_device("cpu") == "gloo"
    assert dist.Backend("GLOO") == "gloo" and repr(dist.ReduceOp.SUM) == "<RedOpType.SUM: 0>"
    assert issubclass(dist.DistBackendError, RuntimeError)
    for fn in (dist.get_rank, dist.get_world_size, lambda: DistributedSampler(range(4))):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
    assert dist.get_node_local_rank(fallback_rank=3) == 3
    with pytest.raises(RuntimeError, match="LOCAL_RANK is not in the environment"):
        dist.get_node_local_rank()


_SINGLETON = """
import datetime, ember, ember.distributed as dist
for backend in ("nccl", "cpu:nccl"):
    try:
        dist.init_process_group(backend)
    except RuntimeError as e:
        print("refused", backend, "NCCL" in str(e))
try:
    dist.init_process_group("gloo", world_size=2, rank=0)
except RuntimeError as e:
    print("refused world_size", "ember.distributed.run" in str(e))
dist.init_process_group("cpu:gloo", timeout=datetime.timedelta(seconds=5))
t = ember.ones(3)
dist.all_reduce(t, dist.ReduceOp.AVG)
print(dist.get_backend(), dist.get_rank(), dist.get_world_size(), t.tolist())
dist.destroy_process_group()
print(dist.is_initialized())
"""


def test_plain_python_is_a_world_of_one():
    import ember_launch
    ember_launch.need_mpi()
    out = subprocess.run([sys.executable, "-c", _SINGLETON], capture_output=True, text=True, cwd=ROOT,
                         env=env(), timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:5] == ["refused nccl True", "refused cpu:nccl True",
                                         "refused world_size True", "cpu:gloo 0 1 [1.0, 1.0, 1.0]",
                                         "False"], out.stdout
