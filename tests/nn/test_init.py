"""nn.init distributions and deterministic initialisers; nn.utils clipping and vector conversion."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init


@pytest.fixture(autouse=True)
def _seeded():
    """Deterministic weights on both sides (torch's default init draws from its global generator)."""
    ember.manual_seed(0)
    try:
        import torch
        torch.manual_seed(0)
    except ImportError:
        pass


@pytest.mark.parametrize("nonlinearity,param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                                ("tanh", None), ("relu", None), ("leaky_relu", None),
                                                ("leaky_relu", 0.2), ("selu", None)])
def test_calculate_gain_matches_torch(torch, nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "x")


def _p(*shape):
    return nn.Parameter(ember.empty(*shape))


# (id, call(tensor), shape, expected mean, expected std, (lo, hi) bounds or None)
FAN_IN, FAN_OUT = 200 * 9, 300 * 9
DIST = [
    ("uniform", lambda t: init.uniform_(t, -2.0, 3.0), (300, 400), 0.5, 5 / math.sqrt(12), (-2.0, 3.0)),
    ("normal", lambda t: init.normal_(t, 1.0, 0.5), (300, 400), 1.0, 0.5, None),
    ("xavier_uniform", lambda t: init.xavier_uniform_(t, gain=2.0), (300, 200, 3, 3), 0.0,
     2.0 * math.sqrt(2.0 / (FAN_IN + FAN_OUT)), None),
    ("xavier_normal", lambda t: init.xavier_normal_(t), (300, 200, 3, 3), 0.0, math.sqrt(2.0 / (FAN_IN + FAN_OUT)),
     None),
    ("kaiming_uniform", lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), (300, 200, 3, 3), 0.0,
     math.sqrt(2.0 / 6) / math.sqrt(FAN_IN), (-1 / math.sqrt(FAN_IN), 1 / math.sqrt(FAN_IN))),
    ("kaiming_normal_fan_out", lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
     (300, 200, 3, 3), 0.0, math.sqrt(2.0) / math.sqrt(FAN_OUT), None),
    ("trunc_normal", lambda t: init.trunc_normal_(t, 0.0, 1.0, -1.0, 2.0), (300, 400),
     # N(0,1) truncated to [-1, 2]: Z = Phi(2) - Phi(-1), mean = (phi(-1) - phi(2)) / Z,
     # var = 1 + (-phi(-1) - 2 phi(2)) / Z - mean^2
     0.22964, 0.72095, (-1.0, 2.0)),
]


@pytest.mark.parametrize("name,call,shape,mean,std,bounds", DIST, ids=[d[0] for d in DIST])
def test_init_distributions(name, call, shape, mean, std, bounds):
    ember.manual_seed(0)
    t = _p(*shape)
    v0 = t._version
    out = call(t)
    assert out is t and t.requires_grad and t.grad_fn is None and t._version > v0
    a = t.detach().numpy()
    assert a.dtype == np.float32
    assert abs(a.mean() - mean) < 0.02 * max(std, 1e-3) * 10
    assert abs(a.std() - std) < 0.02 * std
    if bounds is not None:
        assert a.min() >= bounds[0] and a.max() <= bounds[1]


def test_init_generator_reproducible():
    g1, g2 = ember.Generator().manual_seed(5), ember.Generator().manual_seed(5)
    a = init.normal_(ember.empty(10), generator=g1).numpy().copy()
    b = init.normal_(ember.empty(10), generator=g2).numpy()
    np.testing.assert_array_equal(a, b)
    ember.manual_seed(1)
    c = init.kaiming_uniform_(ember.empty(4, 4)).numpy().copy()
    ember.manual_seed(1)
    np.testing.assert_array_equal(init.kaiming_uniform_(ember.empty(4, 4)).numpy(), c)


@pytest.mark.parametrize("name,call,shape", [
    ("constant", lambda L, t: L.nn.init.constant_(t, 0.3), (3, 4)),
    ("ones", lambda L, t: L.nn.init.ones_(t), (3, 4)),
    ("zeros", lambda L, t: L.nn.init.zeros_(t), (3, 4)),
    ("eye", lambda L, t: L.nn.init.eye_(t), (3, 5)),
    ("dirac", lambda L, t: L.nn.init.dirac_(t), (4, 3, 3, 3)),
    ("dirac_groups", lambda L, t: L.nn.init.dirac_(t, groups=2), (4, 2, 3)),
])
def test_deterministic_inits_match_torch(torch, name, call, shape):
    e = call(ember, nn.Parameter(ember.empty(*shape)))
    t = call(torch, torch.nn.Parameter(torch.empty(*shape)))
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())


def test_orthogonal_and_errors():
    ember.manual_seed(0)
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        w = init.orthogonal_(ember.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        if w.shape[0] <= w.shape[1]:
            np.testing.assert_allclose(w @ w.T, 4 * np.eye(w.shape[0]), atol=1e-5)
        else:
            np.testing.assert_allclose(w.T @ w, 4 * np.eye(w.shape[1]), atol=1e-5)
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        init.xavier_uniform_(ember.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(2, 2), mode="fan_avg")
    with pytest.raises(ValueError):
        init.eye_(ember.empty(2, 2, 2))


# ---- nn.utils -------------------------------------------------------------------------------------------

def _pair(torch, seed=0):
    rng = np.random.default_rng(seed)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    em = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    em.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    x = rng.standard_normal((6, 4)).astype(np.float32) * 3
    (tm(torch.tensor(x)) ** 2).sum().backward()
    (em(ember.tensor(x)) ** 2).sum().backward()
    return tm, em


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (0.5, 1.0), (2.0, math.inf), (1e6, 2.0), (1.0, 3.0)])
def test_clip_grad_norm_matches_torch(torch, max_norm, norm_type):
    tm, em = _pair(torch)
    tn = torch.nn.utils.clip_grad_norm_(tm.parameters(), max_norm, norm_type)
    en = nn.utils.clip_grad_norm_(em.parameters(), max_norm, norm_type)
    assert isinstance(en, ember.Tensor) and en.dtype == ember.float32 and en.shape == ()
    np.testing.assert_allclose(en.item(), tn.item(), rtol=1e-5)
    for pe, pt in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_clip_grad_value_and_nonfinite(torch):
    tm, em = _pair(torch, 1)
    torch.nn.utils.clip_grad_value_(tm.parameters(), 0.5)
    nn.utils.clip_grad_value_(em.parameters(), 0.5)
    for pe, pt in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-5)
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isinf(nn.utils.clip_grad_norm_(p, 1.0).item())
    assert nn.utils.clip_grad_norm_([nn.Parameter(ember.ones(1))], 1.0).item() == 0.0


def test_parameters_vector_roundtrip(torch):
    m = nn.Linear(3, 2)
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (8,)
    np.testing.assert_array_equal(v.detach().numpy()[:6], m.weight.detach().numpy().ravel())
    nn.utils.vector_to_parameters(ember.arange(8, dtype=ember.float32), m.parameters())
    assert m.weight.detach().numpy().ravel().tolist() == [0, 1, 2, 3, 4, 5]
    assert m.bias.detach().numpy().tolist() == [6, 7]
    with pytest.raises(TypeError):
        nn.utils.vector_to_parameters([1.0], m.parameters())
