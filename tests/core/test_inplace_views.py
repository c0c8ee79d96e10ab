"""In-place writes through views (torch's CopySlices rebase) and related version checks, vs torch."""
from __future__ import annotations

import numpy as np
import pytest

X = np.arange(1, 13, dtype=np.float32).reshape(3, 4) / 4


def _x(L):
    return L.tensor(X, requires_grad=True)


def _grads(L, f):
    x = _x(L)
    w = L.tensor(np.linspace(-1, 1, 4, dtype=np.float32), requires_grad=True)
    out = f(L, x, w)
    (out * L.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)))).sum().backward()
    return out, x.grad, w.grad


def _mul_row(L, x, w):
    y = x * 1
    y[0].mul_(2)
    return y


def _select_col_add_tensor(L, x, w):
    y = x * 2
    y[:, 1].add_(w[:3])
    return y


def _slice_imul_via_setitem(L, x, w):
    y = x.exp()
    y[1:, ::2] *= 3
    return y


def _view_relu_(L, x, w):
    y = x - 1.5
    y.view(-1).relu_()
    return y


def _flatten_then_mul_by_w(L, x, w):
    y = x * 1
    y.reshape(12)[4:8].mul_(w)
    return y


def _transposed_view(L, x, w):
    y = x + 0
    y.t()[1].mul_(w[:3])
    return y


def _view_of_view(L, x, w):
    y = x * 3
    v = y[1:]
    v[0, 1:3].add_(w[:2] * w[:2])
    return y


def _two_inplace_same_view(L, x, w):
    y = x * 1
    v = y[2]
    v.mul_(w)
    v.add_(1)
    v.mul_(w)
    return y


def _setitem_on_view(L, x, w):
    y = x * 1
    v = y[1]
    v[2] = w[0] * 5
    return y


def _fill_zero_copy_on_views(L, x, w):
    y = x * 1
    y[0].zero_()
    y[1, :2].fill_(7.0)
    y[2].copy_(w)
    return y


def _buffer_without_grad(L, x, w):
    buf = L.zeros(3, 4)
    buf[1].add_(w)
    buf[:, 0].add_(x[:, 0])
    return buf


def _use_view_after(L, x, w):
    y = x * 1
    v = y[0]
    v.mul_(w)
    return y.sum(0) + v * 2


def _unaffected_region(L, x, w):
    y = x.tanh()
    y[0].mul_(0)   # the rest of y keeps tanh's gradient
    return y


VIEW_CASES = [v for k, v in list(globals().items()) if k.startswith("_") and callable(v) and k not in (
    "_x", "_grads") and v.__code__.co_varnames[:3] == ("L", "x", "w")]


@pytest.mark.parametrize("f", VIEW_CASES, ids=[f.__name__ for f in VIEW_CASES])
def test_inplace_on_view_grads(same, f):
    same(lambda L: _grads(L, f), rtol=1e-5, atol=1e-5)


def view_of_leaf(L):
    x = _x(L)
    x[0].mul_(2)


def view_of_leaf_no_grad_ok(L):
    x = _x(L)
    with L.no_grad():
        x[0].mul_(2)
    return x


def view_saved_by_base_op(L):
    x = _x(L)
    y = x.exp()          # saves its output
    y[0].mul_(2)
    y.sum().backward()


def view_saved_after_inplace(L):
    x = _x(L)
    y = x * 1
    y[0].relu_()         # saves its output (the view)
    y[0].add_(1)
    y.sum().backward()


def view_grad_fn_names(L):
    x = _x(L)
    y = x * 1
    v = y[0]
    v.mul_(2)
    return y.grad_fn.name(), v.grad_fn.name(), y.grad_fn.next_functions[0][0].name(), v.is_leaf


def view_backward_twice(L):
    x = _x(L)
    y = x * 1
    y[0].mul_(2)
    s = y.sum()
    s.backward()
    s.backward()


def view_retain_graph(L):
    x = _x(L)
    y = x * 1
    y[0].mul_(x[1])
    s = y.sum()
    s.backward(retain_graph=True)
    s.backward()
    return x.grad


def expanded_view_inplace(L):
    x = _x(L)
    y = (x * 1)[0:1].expand(3, 4)
    y.add_(1)


def noncontiguous_base(L):
    base = L.from_numpy(np.zeros((4, 3), np.float32).T)
    w = L.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    base[1].add_(w * w)
    base.sum().backward()
    return base, w.grad


CASES = [view_of_leaf, view_of_leaf_no_grad_ok, view_saved_by_base_op, view_saved_after_inplace, view_grad_fn_names,
         view_backward_twice, view_retain_graph, expanded_view_inplace, noncontiguous_base]


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_inplace_view_behaviour(same, f):
    same(f)


def test_view_inplace_repr(torch):
    import ember
    out = []
    for L in (torch, ember):
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 1
        v = y[0]
        v.mul_(2)
        out.append((repr(y), repr(v), repr(y.grad_fn).split(" ")[0]))
    assert out[0] == out[1]


def double_backward_through_view_inplace(L):
    x = _x(L)
    w = L.tensor(np.linspace(-1, 1, 4, dtype=np.float32), requires_grad=True)
    y = x * x
    y[1].mul_(w)
    y[:, ::2] += x[:, :2] * w[:2]
    g = L.autograd.grad((y ** 2).sum(), [x, w], create_graph=True)
    g2 = L.autograd.grad(g[0].sum() + (g[1] ** 2).sum(), [x, w])
    return g[0].detach(), g[1].detach(), g2


def test_double_backward_through_view_inplace(same):
    same(double_backward_through_view_inplace, rtol=1e-4, atol=1e-4)
