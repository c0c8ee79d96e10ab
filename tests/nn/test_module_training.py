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
