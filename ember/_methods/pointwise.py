"""Leftover pointwise methods (relu) until their families move."""
from __future__ import annotations

from .._inplace import inplace_op as _inplace
from .._ops import pointwise as P
from .._tensor_base import _unary


class PointwiseMixin:
    __slots__ = ()

    def relu(self):
        return _unary(P.Relu, self)

    def relu_(self):
        return _inplace(P.Relu, self)
