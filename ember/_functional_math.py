"""`ember.*` function forms left until their families move: softmax/log_softmax, the norms, fill_diagonal_.

Star-imported by `ember/_functional.py`. Each function matches the `torch.*` function of the same name.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from . import _dtype as D
from ._ops import reduction as R
from ._ops._base import normalize_dim
from ._tensor import Tensor
from ._tensor_base import _KIND, _apply, _binary, _result_np, _scalar_np, _unary, _wrap
from ._inplace import can_cast as _can_cast
from .autograd.grad_mode import STATE

__all__ = ["fill_diagonal_"]


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


