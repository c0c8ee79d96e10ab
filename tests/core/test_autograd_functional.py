"""ember.autograd.functional (jacobian, hessian, vjp, hvp) and Variable against torch."""
import numpy as np

import ember


def _f_np(lib):
    def f(x, y):
        return (x.sin() * y).sum(0) + x.pow(2).mean() * y[0]
    return f


def _g(lib):
    def g(x):
        return (x.exp() * x.tanh()).sum() + (x[0] * x[1]) ** 2
    return g


def _pair(torch, *arrays):
    return [ember.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def test_jacobian_vjp_hessian_hvp_match_torch(torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2)).astype(np.float64)
    y = rng.standard_normal(2).astype(np.float64)
    (ex, ey), (tx, ty) = _pair(torch, x, y)
    je = ember.autograd.functional.jacobian(_f_np(ember), (ex, ey))
    jt = torch.autograd.functional.jacobian(_f_np(torch), (tx, ty))
    for a, b in zip(je, jt):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    v = rng.standard_normal(2)
    oe, ge = ember.autograd.functional.vjp(_f_np(ember), (ex, ey), ember.tensor(v))
    ot, gt = torch.autograd.functional.vjp(_f_np(torch), (tx, ty), torch.tensor(v))
    np.testing.assert_allclose(oe.numpy(), ot.numpy(), rtol=1e-12)
    for a, b in zip(ge, gt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    z = rng.standard_normal(4)
    (ez,), (tz,) = _pair(torch, z)
    he = ember.autograd.functional.hessian(_g(ember), ez)
    ht = torch.autograd.functional.hessian(_g(torch), tz)
    np.testing.assert_allclose(he.numpy(), ht.numpy(), rtol=1e-9, atol=1e-12)
    w = rng.standard_normal(4)
    _, hve = ember.autograd.functional.hvp(_g(ember), ez, ember.tensor(w))
    _, hvt = torch.autograd.functional.hvp(_g(torch), tz, torch.tensor(w))
    np.testing.assert_allclose(hve.numpy(), hvt.numpy(), rtol=1e-9, atol=1e-12)


def test_variable_returns_the_tensor():
    t = ember.ones(2)
    v = ember.autograd.Variable(t, requires_grad=True)
    assert v is t and v.requires_grad
