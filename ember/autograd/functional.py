"""Higher-level autograd helpers: vjp, jacobian, hessian, hvp. Match `torch.autograd.functional`.

Built on `ember.autograd.grad`: a Jacobian is one reverse pass per output element (rows), so it
suits the small functions these helpers are used on (gradient checks, curvature probes).
"""
from __future__ import annotations

import numpy as np

from .engine import grad
from .grad_mode import enable_grad
from .._tensor_base import TensorBase, _wrap


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs):
    ins, is_tuple = _tuple(inputs)
    fresh = []
    for t in ins:
        if not isinstance(t, TensorBase):
            raise TypeError(f"The inputs given to autograd.functional must be Tensors, got {type(t).__name__}")
        c = t.detach()
        c.requires_grad_(True)
        fresh.append(c)
    return tuple(fresh), is_tuple


def _zeros_if_none(g, like):
    return g if g is not None else _wrap(np.zeros_like(like._data))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J). Matches `torch.autograd.functional.vjp`."""
    ins, in_tuple = _prepare(inputs)
    with enable_grad():
        out = func(*ins)
        outs, out_tuple = _tuple(out)
        vs = None if v is None else _tuple(v)[0]
        gs = grad(outs, ins, grad_outputs=vs, create_graph=create_graph, allow_unused=True)
    gs = tuple(_zeros_if_none(g, x) for g, x in zip(gs, ins))
    res = out if create_graph else (tuple(o.detach() for o in outs) if out_tuple else outs[0].detach())
    return res, (gs if in_tuple else gs[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs, shaped output.shape + input.shape. Matches `torch.autograd.functional.jacobian`."""
    if strategy != "reverse-mode":
        raise NotImplementedError("ember: only strategy='reverse-mode' is implemented")
    ins, in_tuple = _prepare(inputs)
    with enable_grad():
        out = func(*ins)
        outs, out_tuple = _tuple(out)
        rows = []
        for o in outs:
            per_input = [[] for _ in ins]
            flat = o.reshape(-1)
            for k in range(flat.shape[0]):
                gs = grad(flat[k], ins, retain_graph=True, create_graph=create_graph, allow_unused=True)
                for j, (g, x) in enumerate(zip(gs, ins)):
                    per_input[j].append(_zeros_if_none(g, x))
            blocks = []
            for j, x in enumerate(ins):
                if per_input[j]:
                    from .. import _functional as F
                    J = F.stack(per_input[j]).reshape(tuple(o.shape) + tuple(x.shape))
                else:
                    J = _wrap(np.zeros(tuple(o.shape) + tuple(x.shape), dtype=x._data.dtype))
                blocks.append(J if create_graph else J.detach())
            rows.append(tuple(blocks) if in_tuple else blocks[0])
    return tuple(rows) if out_tuple else rows[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function. Matches `torch.autograd.functional.hessian`."""
    ins, in_tuple = _prepare(inputs)

    def gradient(*xs):
        with enable_grad():
            out = func(*xs)
            if out.numel() != 1:
                raise RuntimeError("The function given to hessian should return a single element Tensor")
            gs = grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
        gs = tuple(_zeros_if_none(g, x) for g, x in zip(gs, xs))
        return gs if in_tuple else gs[0]

    return jacobian(gradient, ins if in_tuple else ins[0], create_graph=create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar function. Matches `torch.autograd.functional.hvp`."""
    ins, in_tuple = _prepare(inputs)
    vs = _tuple(v)[0]
    with enable_grad():
        out = func(*ins)
        gs = grad(out, ins, create_graph=True, allow_unused=True)
        gs = tuple(_zeros_if_none(g, x) for g, x in zip(gs, ins))
        dot = sum((g * w).sum() for g, w in zip(gs, vs))
        hv = grad(dot, ins, create_graph=create_graph, allow_unused=True)
    hv = tuple(_zeros_if_none(g, x) for g, x in zip(hv, ins))
    if not create_graph:
        hv = tuple(h.detach() for h in hv)
    return out.detach(), (hv if in_tuple else hv[0])


vhp = hvp   # the Hessian is symmetric for twice-differentiable functions
