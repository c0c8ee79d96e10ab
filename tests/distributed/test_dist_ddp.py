"""DistributedDataParallel on 2 ranks (scripts/ddp_checks.py compares with one process doing the same work
by hand), DataParallel and data_parallel against torch's."""
from __future__ import annotations

import numpy as np
import pytest

from ember_launch import launch, ok

CHECKS = ["equivalence view=False", "equivalence view=True", "no_sync", "find_unused_parameters",
          "broadcast_buffers", "join", "unused error"]


@pytest.fixture(scope="module")
def ddp_run():
    return ok(launch("ddp_checks.py", nproc=2))


@pytest.mark.parametrize("check", CHECKS)
def test_ddp(ddp_run, check):
    assert ddp_run.count(f"ok {check}") == 2, ddp_run


def test_ddp_needs_a_process_group_and_no_device_ids():
    import ember
    from ember.nn.parallel import DistributedDataParallel
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(ember.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        DistributedDataParallel(ember.nn.ReLU())


def test_data_parallel_runs_the_module_like_torch_on_cpu(torch):
    import ember
    import ember.nn as enn
    w = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    outs, keys = [], []
    for lib, nn in ((ember, enn), (torch, torch.nn)):
        lin = nn.Linear(4, 3, bias=False)
        with lib.no_grad():
            lin.weight.copy_(lib.from_numpy(w))
        dp = nn.DataParallel(lin, device_ids=[0, 1])
        assert dp.module is lin and dp.device_ids == []
        outs.append(dp(lib.from_numpy(x)).detach().numpy())
        keys.append(list(dp.state_dict()))
        outs.append(lin(lib.from_numpy(x)).detach().numpy())
    np.testing.assert_allclose(outs[0], outs[2], rtol=1e-6)      # ember's DataParallel == torch's
    assert keys[0] == keys[1] == ["module.weight"]
    # torch's data_parallel raises without an accelerator; ember's runs the module (== torch's plain call)
    lin = enn.Linear(4, 3, bias=False)
    with ember.no_grad():
        lin.weight.copy_(ember.from_numpy(w))
    got = enn.parallel.data_parallel(lin, ember.from_numpy(x), device_ids=[0]).detach().numpy()
    np.testing.assert_allclose(got, outs[3], rtol=1e-6)
    scaled = enn.parallel.data_parallel(lambda a, scale: a * scale, (ember.from_numpy(x),),
                                        module_kwargs={"scale": 2.0})
    np.testing.assert_array_equal(scaled.numpy(), x * 2)


def test_torch_nn_parallel_imports_through_compat():
    import subprocess
    import sys
    from ember_launch import ROOT, env
    code = ("import ember.compat; ember.compat.install(); import torch.nn.parallel, torch; "
            "from torch.nn.parallel import DistributedDataParallel, DataParallel, data_parallel; "
            "print(torch.nn.parallel.DistributedDataParallel is DistributedDataParallel, torch.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env(),
                         check=True)
    assert out.stdout.split() == ["True", "ember"]
