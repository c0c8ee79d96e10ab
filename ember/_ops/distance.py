"""Vector norms and distances of `torch.nn.functional`: `normalize`, `cosine_similarity`,
`pairwise_distance`, and the p-norm kernel they (and the losses) share. Matches torch's.
"""
from __future__ import annotations

import math

import numpy as np

from .._inplace import write_out
from .._tensor_base import _unary, _wrap
from ._base import Op, is_array, normalize_dim
from .activation import _tensor_grad_unsupported
from .binary import clamp_min

__all__ = ["normalize", "cosine_similarity", "pairwise_distance"]


# ---- kernels -------------------------------------------------------------------------------------

class PNorm(Op):
    # vector p-norm over `dims`; the subgradient at 0 is 0, as in torch
    saves = ("x0", "c", "c")
    bw_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(x, p, dims, keepdim):
        a = np.abs(x)
        if p == 2:
            out = np.sqrt(np.sum(x * x, axis=dims, keepdims=True))
        elif p == 1:
            out = np.sum(a, axis=dims, keepdims=True)
        elif p == math.inf:
            out = np.max(a, axis=dims, keepdims=True)
        elif p == 0:
            out = np.sum(a != 0, axis=dims, keepdims=True).astype(x.dtype)
        else:
            out = np.sum(a ** p, axis=dims, keepdims=True) ** (1.0 / p)
        kept = out
        if not keepdim:
            out = np.squeeze(out, axis=dims) if dims is not None else out.reshape(())
        return out, (x, kept, (p, dims, keepdim))

    @staticmethod
    def backward(saved, g, needs):
        x, n, (p, dims, keepdim) = saved
        if not is_array(g) or not is_array(x):
            if p != 2:
                _tensor_grad_unsupported("norm (p != 2)")
            x = x if not is_array(x) else _wrap(x)
            if not keepdim:
                shape = list(x.shape)
                for d in (dims if dims is not None else range(x.ndim)):
                    shape[d] = 1
                g = g.reshape(*shape)
            zero = (n == 0)
            nt = _unary(PNorm, x, 2, dims, True) + zero.astype(n.dtype)
            return (g * x / nt * (~zero).astype(n.dtype),)
        if not keepdim:
            g = np.expand_dims(g, dims) if dims is not None else g.reshape((1,) * x.ndim)
        safe = np.where(n == 0, 1, n)
        if p == 2:
            gx = g * x / safe
        elif p == 1:
            gx = g * np.sign(x)
        elif p == math.inf:
            a = np.abs(x)
            m = (a == n)
            gx = g * np.sign(x) * m / np.maximum(m.sum(axis=dims, keepdims=True), 1)
        elif p == 0:
            gx = np.zeros_like(x)
        else:
            gx = g * x * np.abs(x) ** (p - 2) / safe ** (p - 1)
        return (np.where(n == 0, 0, gx) if p not in (1, 0) else gx,)


# ---- public functions ------------------------------------------------------------------------------

def _norm(x, p, dim, keepdim):
    dims = None if dim is None else tuple(normalize_dim(d, x.ndim) for d in (dim if isinstance(dim, (tuple, list))
                                                                            else (dim,)))
    return _unary(PNorm, x, float(p) if p not in (1, 2) else p, dims, keepdim)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """input / max(||input||_p, eps) along `dim`. Matches `torch.nn.functional.normalize`."""
    if isinstance(p, str):      # torch takes the norm's string orders: 'fro' is the 2-norm over dim
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        p = 2
    n = clamp_min(_norm(input, p, dim, True), eps)
    return write_out(input / n, out)


def cosine_similarity(x1, x2, dim: int=1, eps: float=1e-08, *, axis=None):
    """Cosine of the angle between x1 and x2 along `dim`. Matches `torch.nn.functional.cosine_similarity`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    n1 = clamp_min(_norm(x1, 2, dim, True), eps)
    n2 = clamp_min(_norm(x2, 2, dim, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False, *, keepdims=None):
    """||x1 - x2 + eps||_p over the last dim. Matches `torch.nn.functional.pairwise_distance`."""
    if keepdims is not None:   # NumPy-style alias torch accepts
        keepdim = keepdims
    d = x1 - x2 + eps
    return _norm(d, p, -1 if d.ndim else None, keepdim)
