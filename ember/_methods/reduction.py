"""The softmax family and fill_diagonal_ as Tensor methods (left until their families move)."""
from __future__ import annotations

from .._ops._base import normalize_dim
from .._tensor_base import _unary


class ReductionMixin:
    __slots__ = ()

    # ---- softmax family ------------------------------------------------------------------------------
    def softmax(self, dim=None, dtype=None):
        return _softmax(self, dim, dtype, "softmax")

    def log_softmax(self, dim=None, dtype=None):
        return _softmax(self, dim, dtype, "log_softmax")

    # ---- constructors from an existing tensor ---------------------------------------------------------





    def fill_diagonal_(self, fill_value, wrap=False):
        return _F().fill_diagonal_(self, fill_value, wrap)


_SOFTMAX = {}


def _softmax(self, dim, dtype, name):
    op = _SOFTMAX.get(name)
    if op is None:
        from .._ops import nn as K      # the fused kernels shared with nn.functional
        op = _SOFTMAX[name] = K.Softmax if name == "softmax" else K.LogSoftmax
    src = self.to(dtype) if dtype is not None else self
    if src._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}_lastdim_kernel_impl\" not implemented for '{_short(src)}'")
    nd = src._data.ndim
    if dim is None:
        dim = 0 if nd in (0, 1, 3) else 1   # torch's legacy implicit dim
    if nd == 0:
        normalize_dim(dim, 0)
        return _unary(op, src.reshape(1), 0).reshape(())
    d = normalize_dim(dim, nd)
    if src._data.size == 0:
        return src.clone()          # nothing to normalise (the kernel's max() needs a non-empty dim)
    return _unary(op, src, d)


def _short(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[t.dtype.name]


def _F():
    from .. import _functional_math
    return _functional_math
