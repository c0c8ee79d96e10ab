"""A short training run (MLP, label-smoothed cross entropy, grad clipping, SGD momentum) tracks torch's."""
from __future__ import annotations

import numpy as np
import pytest

import ember


@pytest.fixture(autouse=True)
def _seeded():
    """Deterministic weights on both sides (torch's default init draws from its global generator)."""
    ember.manual_seed(0)
    try:
        import torch
        torch.manual_seed(0)
    except ImportError:
        pass


def _build(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(20, 32), nn.GELU(), nn.Linear(32, 32), nn.Tanh(), nn.Dropout(0.3),
                         nn.Linear(32, 5))


def test_training_loss_curve_matches_torch(torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 20)).astype(np.float32)
    y = rng.integers(0, 5, 64)
    tm, em = _build(torch), _build(ember)
    em.load_state_dict(tm.state_dict())
    curves = []
    for lib, model in ((ember, em), (torch, tm)):
        model.eval()            # dropout off: the masks come from different generators
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        crit = lib.nn.CrossEntropyLoss(label_smoothing=0.05)
        losses = []
        for _ in range(20):
            opt.zero_grad()
            loss = crit(model(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(loss.item())
        curves.append(losses)
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-5, atol=1e-5)
    assert curves[0][-1] < curves[0][0]
    for (n, pe), (_, pt) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(pe.detach().numpy(), pt.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=n)


# ---- a gradient penalty (double backward through whole models) ---------------------------------------------

_GP_X = np.random.default_rng(0).standard_normal((3, 2, 6, 6)).astype(np.float32)


def _gp_model(lib, kind):
    nn = lib.nn
    if kind == "mlp":
        m = nn.Sequential(nn.Flatten(), nn.Linear(72, 16), nn.LeakyReLU(0.2), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1))
    elif kind == "cnn":
        m = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.SiLU(), nn.AvgPool2d(2),
                          nn.Conv2d(4, 4, 3, stride=2, groups=2), nn.Flatten(), nn.Linear(4, 1))
    elif kind == "norm":
        m = nn.Sequential(nn.Conv2d(2, 4, 3), nn.GroupNorm(2, 4), nn.GELU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.LayerNorm(16), nn.Linear(16, 1), nn.Softplus())
    else:
        m = nn.Sequential(nn.Flatten(), nn.Linear(72, 5))
    m.load_state_dict({k: lib.tensor((np.linspace(-0.3, 0.3, v.numel(), dtype=np.float32)
                                      * (1 + 0.1 * (np.arange(v.numel()) % 7))).reshape(tuple(v.shape)))
                       for k, v in m.state_dict().items()})
    return m


@pytest.mark.parametrize("kind", ["mlp", "cnn", "norm", "ce"])
def test_gradient_penalty_double_backward(same, kind):
    def f(lib):
        m = _gp_model(lib, kind)
        x = lib.tensor(_GP_X, requires_grad=True)
        out = m(x).sum() if kind != "ce" else lib.nn.functional.cross_entropy(m(x), lib.tensor([0, 3, 4]),
                                                                             label_smoothing=0.1)
        g, = lib.autograd.grad(out, x, create_graph=True)
        (g.flatten(1).norm(2, dim=1) - 1).pow(2).mean().backward()
        return [g] + [p.grad if p.grad is not None else np.zeros(1) for p in m.parameters()]
    same(f, rtol=1e-4, atol=1e-6)
