"""`ember.*` function forms left until their families move: softmax/log_softmax, the norms, fill_diagonal_.

Star-imported by `ember/_functional.py`. Each function matches the `torch.*` function of the same name.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from . import _dtype as D
from ._ops import pointwise as P
from ._ops import reduction as R
from ._ops._base import normalize_dim
from ._methods.reduction import _axes
from ._tensor import Tensor
from ._tensor_base import _KIND, _apply, _binary, _result_np, _scalar_np, _unary, _wrap
from ._inplace import can_cast as _can_cast
from .autograd.grad_mode import STATE

__all__ = ["norm", "softmax", "log_softmax", "fill_diagonal_", "_vector_norm", "_matrix_norm"]


def _t(x):
    if isinstance(x, Tensor):
        return x
    from ._creation import tensor
    return tensor(x)


def _out(res, out):
    """Write `res` into a user-supplied `out=` tensor (resized like torch when shapes differ)."""
    if out is None:
        return res
    if not _can_cast(res._data.dtype, out._data.dtype):
        raise RuntimeError(f"result type {D.scalar_type_name(res._data.dtype)} can't be cast to the desired output "
                           f"type {D.scalar_type_name(out._data.dtype)}")
    if out._rg and STATE.enabled:
        raise RuntimeError("functions with out=... arguments don't support automatic differentiation, but one of "
                           "the arguments requires grad.")
    if out._data.shape == res._data.shape:
        np.copyto(out._data, res._data, casting="unsafe")
    else:
        out._data = res._data.astype(out._data.dtype)
    out._vc[0] += 1
    return out


# ---- arithmetic ---------------------------------------------------------------------------------------









































































































def softmax(input, dim=None, dtype=None):
    return _t(input).softmax(dim, dtype)


def log_softmax(input, dim=None, dtype=None):
    return _t(input).log_softmax(dim, dtype)


# ---- norms --------------------------------------------------------------------------------------------

def _ord(p):
    if isinstance(p, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a number as ord, got the string {p!r}")
    return float(p)


def _vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The p-norm of the entries of x over `dim` (all by default). Matches `torch.linalg.vector_norm`."""
    x = _t(x)
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype.name.capitalize()}")
    p = _ord(ord)
    axes = _axes(dim, x._data.ndim)
    if p < 0 and x._data.size == 0 or (p == np.inf and x._data.size == 0 and axes is None):
        raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
                           "operation does not have an identity")
    return _out(_unary(R.Norm, x, p, axes, keepdim), out)


def _matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims `dim`. Matches `torch.linalg.matrix_norm` (fro, nuc, +-1, +-2, +-inf)."""
    A = _t(A)
    if dtype is not None:
        A = A.to(dtype)
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind != "f":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.name.capitalize()}")
    d0, d1 = (normalize_dim(d, A._data.ndim) for d in dim)
    if ord == "fro":
        return _out(_unary(R.Norm, A, 2.0, (d0, d1), keepdim), out)
    if ord == "nuc" or ord in (2, -2):
        # singular values: move the two dims last
        perm = [i for i in range(A._data.ndim) if i not in (d0, d1)] + [d0, d1]
        M = A.permute(*perm) if perm != list(range(A._data.ndim)) else A
        s = _svdvals(M)
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            r = r.unsqueeze(builtins.min(d0, d1)).unsqueeze(builtins.max(d0, d1))
        return _out(r, out)
    if ord in (1, -1, np.inf, -np.inf):
        red, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = A.abs().sum(red, keepdim=True)
        r = s.amax(other, keepdim=True) if ord > 0 else s.amin(other, keepdim=True)
        if not keepdim:
            r = r.squeeze(builtins.max(d0, d1)).squeeze(builtins.min(d0, d1))
        return _out(r, out)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


class _SvdVals(R.Op):
    saves = ("c", "c")
    bw_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return s.astype(a.dtype, copy=False), (u, vh)

    @staticmethod
    def backward(saved, g, needs):
        u, vh = saved
        # d s_i = u_i^T dA v_i  =>  dA = U diag(g) V^H
        if hasattr(g, "_data"):
            raise RuntimeError("ember: double backward through singular values is not implemented")
        return ((u * g[..., None, :]) @ vh,)


def _svdvals(M):
    return _unary(_SvdVals, M)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector or matrix norm. Matches `torch.norm` (prefer ember.linalg.vector_norm/matrix_norm)."""
    x = _t(input)
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return _vector_norm(x, 2, dim, keepdim, dtype=dtype, out=out)
        if p == "nuc":
            return _matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype, out=out)
        raise RuntimeError(f"norm(): unsupported norm type {p!r}")
    return _vector_norm(x, 2 if p is None else p, dim, keepdim, dtype=dtype, out=out)


def fill_diagonal_(self, fill_value, wrap=False):
    x = self._data
    if x.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if x.ndim > 2 and len(set(x.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if STATE.enabled and (self._rg or self._node is not None):
        mask = np.zeros(x.shape, bool)
        np.fill_diagonal(mask, True, wrap=wrap)
        from ._functional import where
        val = _wrap(np.asarray(fill_value, dtype=x.dtype))
        return self.copy_(where(_wrap(mask), val, self.clone()))
    np.fill_diagonal(x, fill_value, wrap=wrap)
    self._vc[0] += 1
    return self


