"""Leftover methods whose families have not moved yet (linalg and nn spellings)."""
from __future__ import annotations


class MiscMixin:
    __slots__ = ()


    # ---- functional forms as methods ----
    def hardshrink(self, lambd=0.5):
        from ..nn.functional import hardshrink
        return hardshrink(self, lambd)

    def prelu(self, weight):
        from ..nn.functional import prelu
        return prelu(self, weight)


    # ---- device / memory queries scripts make (ember tensors always live in CPU memory) ----
