"""Core ops: float64 finite-difference gradcheck (first and second order) and gradients vs torch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck

R = np.random.default_rng(7)


def _pos(shape):
    return R.uniform(0.5, 2.0, shape)


def _any(shape):
    # values away from 0 so abs/relu are differentiable at every sample
    v = R.uniform(0.3, 2.0, shape)
    return v * np.where(R.random(shape) < 0.5, -1, 1)


def _IDX(like, values):
    """An int64 index tensor of the same library as `like`."""
    return type(like)(values).long() if type(like).__module__.startswith("torch") else ember.tensor(values)


# name -> (function of lib tensors, list of input arrays)
OPS = {
    "exp": (lambda a: a.exp(), [_any((3, 4))]),
    "log": (lambda a: a.log(), [_pos((3, 4))]),
    "sqrt": (lambda a: a.sqrt(), [_pos((3, 4))]),
    "tanh": (lambda a: a.tanh(), [_any((3, 4))]),
    "sigmoid": (lambda a: a.sigmoid(), [_any((3, 4))]),
    "relu": (lambda a: a.relu(), [_any((3, 4))]),
    "neg": (lambda a: -a, [_any((3, 4))]),
    "abs": (lambda a: a.abs(), [_any((3, 4))]),
    "pow_scalar": (lambda a: a ** 3, [_any((3, 4))]),
    "pow_frac": (lambda a: a ** 0.5, [_pos((3, 4))]),
    "pow_tensor": (lambda a, b: a ** b, [_pos((3, 4)), _any((4,))]),
    "rpow": (lambda a: 2.0 ** a, [_any((3,))]),
    "sum": (lambda a: a.sum(), [_any((3, 4))]),
    "sum_dim": (lambda a: a.sum(dim=1), [_any((3, 4, 2))]),
    "sum_dims_keepdim": (lambda a: a.sum(dim=(0, 2), keepdim=True), [_any((3, 4, 2))]),
    "mean": (lambda a: a.mean(), [_any((3, 4))]),
    "mean_dim": (lambda a: a.mean(dim=-1, keepdim=True), [_any((3, 4))]),
    "reshape": (lambda a: a.reshape(2, 6) * 2, [_any((3, 4))]),
    "view": (lambda a: a.view(-1) * 2, [_any((3, 4))]),
    "matmul_2d": (lambda a, b: a @ b, [_any((3, 4)), _any((4, 2))]),
    "matmul_vec": (lambda a, b: a @ b, [_any((3, 4)), _any((4,))]),
    "matmul_vecmat": (lambda a, b: a @ b, [_any((4,)), _any((4, 2))]),
    "matmul_dot": (lambda a, b: a @ b, [_any((4,)), _any((4,))]),
    "matmul_batched_bcast": (lambda a, b: a @ b, [_any((2, 3, 4)), _any((4, 2))]),
    "add_bcast": (lambda a, b: a + b, [_any((3, 1, 4)), _any((2, 1))]),
    "sub_bcast": (lambda a, b: a - b, [_any((3, 4)), _any((4,))]),
    "mul_bcast": (lambda a, b: a * b, [_any((3, 1)), _any((1, 4))]),
    "div_bcast": (lambda a, b: a / b, [_any((2, 3, 4)), _pos((3, 1))]),
    "mul_0d": (lambda a, b: a * b, [_any((3, 4)), _any(())]),
    "scalar_ops": (lambda a: (2 - a) * 3 / (a + 4) - 1 / a, [_pos((5,))]),
    "index_basic": (lambda a: a[1:, None, ..., ::2] * 2, [_any((3, 4, 5))]),
    "index_int": (lambda a: a[-1, 2], [_any((3, 4))]),
    "index_list_repeated": (lambda a: a[[0, 0, 2]], [_any((3, 4))]),
    "index_tensor_pair": (lambda a: a[_IDX(a, [0, 2, 2]), _IDX(a, [1, 1, 3])], [_any((3, 4))]),
    "index_mask": (lambda a: a[a > 0], [_any((3, 4))]),
    "iterate_rows": (lambda a: [r for r in a][1] * 3, [_any((3, 4))]),
    "composite": (lambda a, b: ((a @ b).tanh() * b.sum(0)).sigmoid().mean(), [_any((3, 4)), _any((4, 2))]),
}


@pytest.mark.parametrize("name", list(OPS))
def test_gradcheck(name):
    f, xs = OPS[name]
    inputs = [ember.tensor(x, dtype=ember.float64, requires_grad=True) for x in xs]
    assert gradcheck(f, inputs)


SECOND = ["exp", "log", "sqrt", "tanh", "sigmoid", "pow_scalar", "pow_tensor", "sum_dim", "mean_dim", "reshape",
          "matmul_2d", "matmul_batched_bcast", "mul_bcast", "div_bcast", "scalar_ops", "composite"]


@pytest.mark.parametrize("name", SECOND)
def test_gradgradcheck(name):
    f, xs = OPS[name]
    inputs = [ember.tensor(x, dtype=ember.float64, requires_grad=True) for x in xs]
    assert gradgradcheck(f, inputs)


@pytest.mark.parametrize("name", list(OPS))
def test_grads_vs_torch(torch, name):
    f, xs = OPS[name]
    u = None
    res = []
    for lib in (torch, ember):
        ins = [lib.tensor(x.astype(np.float32), requires_grad=True) for x in xs]
        out = f(*ins)
        if u is None:
            u = R.standard_normal(tuple(out.shape)).astype(np.float32)
        out.backward(lib.tensor(u))
        res.append((out, [i.grad for i in ins]))
    (to, tg), (eo, eg) = res
    assert repr(eo.dtype) == repr(to.dtype) and tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(eg, tg):
        assert repr(a.dtype) == repr(b.dtype) and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


def test_gradcheck_detects_wrong_gradient():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x    # should be 2 * g * x

    x = ember.tensor(_any((3,)), requires_grad=True)
    with pytest.raises(RuntimeError):
        gradcheck(Bad.apply, (x,))
    assert gradcheck(Bad.apply, (x,), raise_exception=False) is False


def test_gradcheck_noncontiguous_input_and_fast_mode():
    base = R.standard_normal((4, 3))
    x = ember.from_numpy(base.T).requires_grad_()      # a non-contiguous leaf
    assert gradcheck(lambda a: (a * a).sum(1), (x,))
    y = ember.tensor(R.standard_normal((30, 30)), requires_grad=True)
    assert gradcheck(lambda a: (a @ a).tanh(), (y,), fast_mode=True)
