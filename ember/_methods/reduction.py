"""Reductions as Tensor methods."""
from __future__ import annotations

import numpy as np

from .._ops import reduction as R
from .._ops._base import normalize_dims


def _int_sum_dtype(x, dtype):
    if dtype is not None:
        from .._dtype import to_dtype
        return to_dtype(dtype).np
    if x.dtype.kind in "biu":
        return np.dtype(np.int64)   # torch sums bool/integers as int64
    return None


class ReductionMixin:
    __slots__ = ()

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        x = self._data
        axes = normalize_dims(dim, x.ndim) if dim is not None and dim != () else None
        npd = _int_sum_dtype(x, dtype)
        if npd is not None and npd != x.dtype:
            return _unary(R.Sum, self.to(_from_np(npd)), axes, keepdim)
        return _unary(R.Sum, self, axes, keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        src = self
        if dtype is not None:
            src = self.to(dtype)
        if src._data.dtype.kind not in "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                f"dtype. Got: {_short(self)}")
        axes = normalize_dims(dim, src._data.ndim) if dim is not None and dim != () else None
        return _unary(R.Mean, src, axes, keepdim)


def _short(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[t.dtype.name]


def _from_np(npd):
    from .._dtype import from_numpy_dtype
    return from_numpy_dtype(npd)


_unary = None


def _bind():
    global _unary
    from .._tensor import _unary as u
    _unary = u
