"""Hooks vs torch: tensor hooks, grad_fn (Node) hooks and pre-hooks, post-accumulate-grad hooks."""
from __future__ import annotations

import pytest


def _hooks_none_and_tensor(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seen = []
    y = x * 2
    y.register_hook(lambda g: seen.append(g.clone()))
    y.register_hook(lambda g: g * 10)
    y.register_hook(lambda g: seen.append(g.clone()))
    (y * y + y).sum().backward()       # used twice: the hooks run once, on the summed gradient
    return x.grad, seen


def _shared_subgraph_retain(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x.exp()
    calls = []
    h.register_hook(lambda g: calls.append(1))
    a, b = h.sum(), (h * h).sum()
    L.autograd.backward([a, b], retain_graph=True)
    a.backward()
    return x.grad, len(calls)


def _post_accumulate_hooks(L):
    x = L.ones(2, requires_grad=True)
    seen = []
    h = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    x.register_hook(lambda g: g * 2)
    (x * 3).sum().backward()
    (x * x).sum().backward()              # sees the accumulated .grad
    L.autograd.grad((x * 5).sum(), x)     # autograd.grad accumulates nothing: no call
    h.remove()
    (x * 3).sum().backward()
    w = L.ones(3, requires_grad=True)     # the optimizer-in-backward pattern

    def step(p):
        with L.no_grad():
            p.sub_(0.1 * p.grad)
        p.grad = None
    w.register_post_accumulate_grad_hook(step)
    (w * w).sum().backward()
    return seen, x.grad, w, w.grad


def _post_accumulate_hook_nonleaf(L):
    (L.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(print)


def _grad_fn_hooks(L):
    x = L.ones(2, requires_grad=True)
    w = L.ones(2, requires_grad=True)
    y = x * w * 3
    calls = []

    def post(gi, go):
        calls.append(("post", tuple(None if g is None else g.clone() for g in gi), go[0].clone()))
        return gi[0] * 10, gi[1]

    def pre(go):
        calls.append(("pre", go[0].clone()))
        return (go[0] + 1,)
    y.grad_fn.register_hook(post)
    h = y.grad_fn.register_prehook(pre)
    y.register_hook(lambda g: calls.append(("tensor", g.clone())))   # registered last, runs first
    y.retain_grad()                                                   # sees the value before pre-hooks
    y.sum().backward(retain_graph=True)
    h.remove()
    y.sum().backward()
    z = (x.expand(3, 2) * 2).sum()
    z.grad_fn.next_functions[0][0].register_hook(lambda gi, go: calls.append(("expand", gi[0].clone())))
    z.backward()
    return calls, x.grad, w.grad, y.grad


def _grad_fn_hook_changes_size(L):
    z = L.ones(2, requires_grad=True).sum()
    z.grad_fn.register_hook(lambda gi, go: (gi[0].sum(),))
    z.backward()


CASES = {
    "tensor_hooks_none_and_tensor": _hooks_none_and_tensor,
    "tensor_hook_shared_subgraph_retain": _shared_subgraph_retain,
    "grad_fn_hooks": _grad_fn_hooks,
    "grad_fn_hook_changes_size": _grad_fn_hook_changes_size,
    "post_accumulate_hooks": _post_accumulate_hooks,
    "post_accumulate_hook_nonleaf": _post_accumulate_hook_nonleaf,
    "post_accumulate_hook_no_grad": lambda L: L.ones(2).register_post_accumulate_grad_hook(print),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hooks_vs_torch(same, case):
    same(CASES[case])
