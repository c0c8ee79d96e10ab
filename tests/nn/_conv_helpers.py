"""Shared oracle helpers for the conv/pool/norm/spatial tests: run the same numpy data through
ember and torch, compare outputs and the gradients of every float input under a random cotangent."""
from __future__ import annotations

import numpy as np

import ember


def to_ember(a, rg):
    t = ember.tensor(a)
    if rg:
        t.requires_grad_(True)
    return t


def check(torch, fe, ft, arrays, rtol=1e-5, atol=1e-6, grad=True, seed=0, out_index=None):
    """fe/ft take the same positional tensors; arrays are numpy inputs (None passes through)."""
    rg = [grad and a is not None and a.dtype.kind == "f" for a in arrays]
    te = [None if a is None else to_ember(a, r) for a, r in zip(arrays, rg)]
    tt = [None if a is None else torch.tensor(a, requires_grad=r) for a, r in zip(arrays, rg)]
    oe = fe(*te)
    ot = ft(*tt)
    if out_index is not None:
        oe, ot = oe[out_index], ot[out_index]
    assert tuple(oe.shape) == tuple(ot.shape), (oe.shape, ot.shape)
    assert str(oe.dtype) == str(ot.dtype), (oe.dtype, ot.dtype)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=rtol, atol=atol)
    if not grad or not any(rg):
        return oe, ot
    u = np.random.default_rng(seed + 1).standard_normal(tuple(ot.shape)).astype(arrays[0].dtype)
    (oe * ember.tensor(u)).sum().backward()
    (ot * torch.tensor(u)).sum().backward()
    for i, r in enumerate(rg):
        if r:
            ge, gt = te[i].grad, tt[i].grad
            assert ge is not None, f"input {i} got no gradient"
            np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=rtol, atol=atol * 10,
                                       err_msg=f"gradient of input {i}")
    return oe, ot


def rand(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)
