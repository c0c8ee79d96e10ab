"""The PyTorch training loop of the issue, run unchanged on ember.nn modules and on torch.nn."""
from __future__ import annotations

import numpy as np
import pytest

import ember


def _train(lib, opt_name, opt_kw, steps=20):
    r = np.random.default_rng(0)
    x = r.standard_normal((32, 6)).astype(np.float32)
    y = r.standard_normal((32, 2)).astype(np.float32)
    w1, b1 = r.standard_normal((16, 6)).astype(np.float32) * 0.3, np.zeros(16, np.float32)
    w2, b2 = r.standard_normal((2, 16)).astype(np.float32) * 0.3, np.full(2, 0.1, np.float32)
    net = lib.nn.Sequential(lib.nn.Linear(6, 16), lib.nn.Tanh(), lib.nn.Linear(16, 2))
    with lib.no_grad():
        for layer, (w, b) in zip((net[0], net[2]), ((w1, b1), (w2, b2))):
            layer.weight.copy_(lib.tensor(w))
            layer.bias.copy_(lib.tensor(b))
    optimizer = getattr(lib.optim, opt_name)(net.parameters(), **opt_kw)
    scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
    loss_fn = lib.nn.MSELoss()
    xs, ys = lib.tensor(x), lib.tensor(y)
    losses = []
    for _ in range(steps):
        loss = loss_fn(net(xs), ys)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in net.parameters()], optimizer.state_dict()


@pytest.mark.parametrize("opt_name,opt_kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                             ("RMSprop", dict(lr=0.01, centered=True))])
def test_mlp_training_matches_torch(torch, opt_name, opt_kw):
    tl, tp, tsd = _train(torch, opt_name, opt_kw)
    el, ep, esd = _train(ember, opt_name, opt_kw)
    np.testing.assert_allclose(el, tl, rtol=1e-4)
    assert el[-1] < el[0]
    for a, b in zip(ep, tp):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert esd["param_groups"] == tsd["param_groups"]
    assert [sorted(s) for s in esd["state"].values()] == [sorted(s) for s in tsd["state"].values()]


@pytest.mark.parametrize("mode", ["swa", "ema", "custom", "buffers"])
def test_averaged_model_matches_torch(torch, mode):
    r = np.random.default_rng(3)
    snaps = [[r.standard_normal((3, 4)).astype(np.float32), r.standard_normal(3).astype(np.float32)]
             for _ in range(5)]
    x = r.standard_normal((8, 4)).astype(np.float32)
    out = []
    for lib in (torch, ember):
        su = lib.optim.swa_utils
        net = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.BatchNorm1d(3))
        kw = {"swa": {}, "ema": dict(multi_avg_fn=su.get_ema_multi_avg_fn(0.8)),
              "custom": dict(avg_fn=lambda a, c, n: 0.5 * a + 0.5 * c), "buffers": dict(use_buffers=True)}[mode]
        avg = su.AveragedModel(net, **kw)
        for w, b in snaps:
            with lib.no_grad():
                net[0].weight.copy_(lib.tensor(w))
                net[0].bias.copy_(lib.tensor(b))
            net(lib.tensor(x))          # moves the BatchNorm running stats
            avg.update_parameters(net)
        su.update_bn([lib.tensor(x[:4]), lib.tensor(x[4:])], avg)
        avg.eval()
        out.append(([p.detach().numpy().copy() for p in avg.parameters()],
                    [b.numpy().copy() for b in avg.buffers()], avg(lib.tensor(x)).detach().numpy()))
    for (a, b) in zip(out[1][0], out[0][0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for (a, b) in zip(out[1][1], out[0][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1][2], out[0][2], rtol=1e-4, atol=1e-5)
