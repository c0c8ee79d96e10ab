"""nn.utils.weight_norm / spectral_norm (hook-based) vs torch: keys, outputs, grads, power iteration, removal."""
from __future__ import annotations

import numpy as np
import pytest

import ember

_X = {"lin": np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4),
      "conv": np.linspace(-1, 1, 36, dtype=np.float32).reshape(1, 2, 3, 6)}
_X["convT"] = _X["conv"]


def _mk(lib, kind):
    m = {"lin": lambda: lib.nn.Linear(4, 3), "conv": lambda: lib.nn.Conv2d(2, 3, 2),
         "convT": lambda: lib.nn.ConvTranspose2d(2, 3, 2)}[kind]()
    m.load_state_dict({k: lib.tensor(np.sin(np.arange(v.numel(), dtype=np.float32) + len(k)).reshape(tuple(v.shape)))
                       for k, v in m.state_dict().items()})
    return m


def _wn(lib, kind, dim):
    m = lib.nn.utils.weight_norm(_mk(lib, kind), dim=dim)
    x = lib.tensor(_X[kind], requires_grad=True)
    y = m(x)
    (y * y).sum().backward()
    res = [t.detach().numpy() for t in (y, x.grad, m.weight_g.grad, m.weight_v.grad, m.weight_g)]
    keys = list(m.state_dict())
    lib.nn.utils.remove_weight_norm(m)
    return res + [m(x).detach().numpy()], keys, list(m.state_dict())


def _sn(lib, kind, n_iter, ref_sd=None):
    m = lib.nn.utils.spectral_norm(_mk(lib, kind), n_power_iterations=n_iter)
    keys = list(m.state_dict())
    if ref_sd is not None:     # the random u, v start vectors: take torch's
        m.load_state_dict({k: lib.tensor(v) for k, v in ref_sd.items()})
    sd0 = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    x = lib.tensor(_X[kind], requires_grad=True)
    outs = []
    for _ in range(2):
        y = m(x)
        (y * y).sum().backward()
        outs.append(y.detach().numpy())
    m.eval()
    outs.append(m(x).detach().numpy())
    outs += [x.grad.numpy(), m.weight_orig.grad.numpy(), m.weight_u.numpy(), m.weight_v.numpy()]
    lib.nn.utils.remove_spectral_norm(m)
    outs.append(m(x).detach().numpy())
    return outs, keys, sd0, list(m.state_dict())


@pytest.mark.parametrize("kind", ["lin", "conv", "convT"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(torch, kind, dim):
    t, e = _wn(torch, kind, dim), _wn(ember, kind, dim)
    assert e[1:] == t[1:]
    for a, b in zip(t[0], e[0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["lin", "conv", "convT"])
@pytest.mark.parametrize("n_iter", [1, 3])
def test_spectral_norm_matches_torch(torch, kind, n_iter):
    t = _sn(torch, kind, n_iter)
    e = _sn(ember, kind, n_iter, t[2])
    assert e[1] == t[1] and e[3] == t[3]
    for a, b in zip(t[0], e[0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_spectral_norm_converges_to_unit_sigma():
    m = ember.nn.utils.spectral_norm(ember.nn.Linear(6, 5), n_power_iterations=30)
    m(ember.ones(1, 6))
    assert abs(np.linalg.svd(m.weight.detach().numpy(), compute_uv=False)[0] - 1) < 1e-4


def test_double_registration_errors():
    m = ember.nn.utils.weight_norm(ember.nn.Linear(2, 2))
    with pytest.raises(RuntimeError):
        ember.nn.utils.weight_norm(m)
    with pytest.raises(ValueError):
        ember.nn.utils.remove_spectral_norm(m)
