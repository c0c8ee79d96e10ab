"""fill_diagonal_ as a Tensor method (left until its family moves)."""
from __future__ import annotations


class ReductionMixin:
    __slots__ = ()

    def fill_diagonal_(self, fill_value, wrap=False):
        from .. import _functional_math
        return _functional_math.fill_diagonal_(self, fill_value, wrap)
