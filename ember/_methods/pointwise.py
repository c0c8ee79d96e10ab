"""Leftover pointwise methods (dist) until their families move."""
from __future__ import annotations


class PointwiseMixin:
    __slots__ = ()

    def dist(self, other, p=2):
        from .. import _functional_math
        return _functional_math.dist(self, other, p)
