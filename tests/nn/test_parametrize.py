"""nn.utils.parametrize and parametrizations.weight_norm / spectral_norm vs torch."""
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
    P = lib.nn.utils.parametrize
    m = lib.nn.utils.parametrizations.weight_norm(_mk(lib, kind), dim=dim)
    x = lib.tensor(_X[kind], requires_grad=True)
    y = m(x)
    (y * y).sum().backward()
    pl = m.parametrizations.weight
    res = [y, x.grad, pl.original0.grad, pl.original1.grad, pl.original0, m.weight]
    meta = (list(m.state_dict()), repr(m), [n for n, _ in m.named_parameters()], type(m).__name__,
            P.is_parametrized(m), P.is_parametrized(m, "weight"), P.is_parametrized(m, "bias"))
    with lib.no_grad():
        m.weight = m.weight * 2          # the setter goes through right_inverse
    res.append(m.weight)
    P.remove_parametrizations(m, "weight")
    res.append(m(x))
    return [t.detach().numpy() for t in res], meta, (type(m).__name__, list(m.state_dict()), type(m.weight).__name__)


def _sn(lib, kind, ref=None):
    m = lib.nn.utils.parametrizations.spectral_norm(_mk(lib, kind))
    keys = list(m.state_dict())
    if ref is not None:      # the random start vectors: take torch's
        m.load_state_dict({k: lib.tensor(v) for k, v in ref.items()})
    sd0 = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    x = lib.tensor(_X[kind], requires_grad=True)
    outs = []
    for _ in range(2):
        y = m(x)
        (y * y).sum().backward()
        outs.append(y)
    m.eval()
    outs.append(m(x))
    outs += [x.grad, m.parametrizations.weight.original.grad, m.parametrizations.weight[0]._u]
    rep = repr(m)
    lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
    outs.append(m(x))
    return [t.detach().numpy() for t in outs], keys, sd0, rep, list(m.state_dict())


@pytest.mark.parametrize("kind", ["lin", "conv", "convT"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrized_weight_norm_matches_torch(torch, kind, dim):
    t, e = _wn(torch, kind, dim), _wn(ember, kind, dim)
    assert e[1:] == t[1:]
    for a, b in zip(t[0], e[0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["lin", "conv", "convT"])
def test_parametrized_spectral_norm_matches_torch(torch, kind):
    t = _sn(torch, kind)
    e = _sn(ember, kind, t[2])
    assert e[1] == t[1] and e[3:] == t[3:]
    for a, b in zip(t[0], e[0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def _symmetric(lib):
    # the parametrization tutorial's example: a symmetric weight from its upper triangle
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    m = lib.nn.Linear(3, 3)
    m.load_state_dict({"weight": lib.tensor(np.arange(9, dtype=np.float32).reshape(3, 3) / 9),
                       "bias": lib.zeros(3)})
    lib.nn.utils.parametrize.register_parametrization(m, "weight", Symmetric())
    x = lib.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3))
    with lib.nn.utils.parametrize.cached():
        y = m(x) + m(x)
    y.sum().backward()
    return [m.weight.detach().numpy(), y.detach().numpy(), m.parametrizations.weight.original.grad.numpy()], \
        list(m.state_dict()), repr(m)


def test_custom_parametrization_and_cached(torch):
    t, e = _symmetric(torch), _symmetric(ember)
    assert e[1:] == t[1:]
    for a, b in zip(t[0], e[0]):
        np.testing.assert_allclose(b, a, rtol=1e-6)


def test_remove_unknown_parametrization_raises():
    with pytest.raises(ValueError):
        ember.nn.utils.parametrize.remove_parametrizations(ember.nn.Linear(2, 2), "weight")


def test_deepcopy_of_parametrized_module(torch):
    import copy
    outs = []
    for lib in (torch, ember):
        m = lib.nn.utils.parametrizations.weight_norm(_mk(lib, "lin"))
        m2 = copy.deepcopy(m)
        with lib.no_grad():
            m2.parametrizations.weight.original1.mul_(2)
        x = lib.tensor(_X["lin"])
        outs.append((m(x).detach().numpy(), m2(x).detach().numpy(), type(m2).__name__,
                     m2.parametrizations.weight.original0 is m.parametrizations.weight.original0))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-6)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-6)
    assert outs[1][2:] == outs[0][2:]
