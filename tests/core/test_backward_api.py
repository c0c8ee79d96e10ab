"""backward() and autograd.grad vs torch: several roots, gradients of outputs themselves, `inputs=`, a second
backward with and without saved tensors, 0-d roots, retain_grad accumulation, create_graph gradients of
leaves, detach_() and requires_grad on non-leaves."""
from __future__ import annotations

import pytest


def _several_roots(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x.sin()
    L.autograd.backward([h, h * 3, (h * h).sum()], [L.ones(3), L.tensor([1.0, 0.0, 2.0]), None])
    return x.grad


def _grad_of_output_itself(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    return L.autograd.grad(y, [y, x], L.tensor([1.0, 3.0]))


def _grad_outputs_some_none(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    return L.autograd.grad([(x * x).sum(), x * 3], x, grad_outputs=[None, L.tensor([1.0, 2.0])])


def _grad_nonleaf_modified_later(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = (y * 3).sum()
    y.add_(1)
    return L.autograd.grad(z, x)


def _retain_grad_accumulates(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    return y.grad, x.grad


def _create_graph_leaf_grad_not_a_view(L):
    # the gradient of w is an expanded view of a graph tensor: .grad keeps a copy, so that
    # zero_grad(set_to_none=False) can detach it in place
    w = L.ones(3, requires_grad=True)
    v = L.tensor(2.0, requires_grad=True)
    (w.sum() * v).backward(create_graph=True)
    g = w.grad
    w.grad.sum().backward()                 # d(sum of w.grad)/dv = 3
    opt = L.optim.SGD([w], lr=0.1)
    opt.zero_grad(set_to_none=False)
    return g.requires_grad, w.grad, v.grad


def _twice_constants_only(L):
    # sum/expand save only shapes: a second backward works in torch
    x = L.tensor([1.0, 2.0], requires_grad=True)
    z = (x.expand(3, 2) + 1).sum()
    z.backward()
    z.backward()
    return x.grad


def _twice_saved(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    z = (x * x).sum()
    z.backward()
    z.backward()


def _inputs_nonleaf_retained(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward(inputs=[y, x])
    return y.grad, x.grad


def _inputs_nonleaf(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (y * y).sum().backward(inputs=[y])
    return y.grad, x.grad


def _inputs_not_requiring(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward(inputs=[L.tensor([1.0, 2.0])])


def _backward_0d(dtype):
    def f(L):
        x = L.tensor(3.0, dtype=getattr(L, dtype), requires_grad=True)
        y = x * x
        y.backward()
        return x.grad, y
    return f


def _detach_view(make):
    def f(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = make(x)
        v.detach_()
        return v
    return f


def _detach_nonview(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.detach_()
    return y, y.is_leaf, y.grad_fn is None


def _setter_nonleaf(value):
    def f(L):
        y = L.tensor([1.0, 2.0], requires_grad=True) * 2
        y.requires_grad = value
        return y.requires_grad
    return f


def _method_nonleaf_true(L):
    y = L.tensor([1.0, 2.0], requires_grad=True) * 2
    return y.requires_grad_(True).requires_grad


CASES = {
    "several_roots": _several_roots,
    "grad_of_output_itself": _grad_of_output_itself,
    "grad_outputs_some_none": _grad_outputs_some_none,
    "grad_nonleaf_modified_later": _grad_nonleaf_modified_later,
    "retain_grad_accumulates": _retain_grad_accumulates,
    "create_graph_leaf_grad_not_a_view": _create_graph_leaf_grad_not_a_view,
    "twice_constants_only": _twice_constants_only,
    "twice_saved": _twice_saved,
    "inputs_nonleaf_retained": _inputs_nonleaf_retained,
    "inputs_nonleaf": _inputs_nonleaf,
    "inputs_not_requiring": _inputs_not_requiring,
    "backward_0d_float16": _backward_0d("float16"),
    "backward_0d_float64": _backward_0d("float64"),
    "detach_inplace_slice": _detach_view(lambda x: (x * 2)[:2]),
    "detach_inplace_view_of_leaf": _detach_view(lambda x: x.view(3)),
    "detach_inplace_nonview": _detach_nonview,
    "requires_grad_setter_nonleaf_true": _setter_nonleaf(True),
    "requires_grad_setter_nonleaf_false": _setter_nonleaf(False),
    "requires_grad_method_nonleaf_true": _method_nonleaf_true,
}


@pytest.mark.parametrize("case", list(CASES))
def test_backward_vs_torch(same, case):
    same(CASES[case])
