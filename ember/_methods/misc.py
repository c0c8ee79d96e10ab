"""Leftover methods whose families have not moved yet (linalg and nn spellings)."""
from __future__ import annotations


class MiscMixin:
    __slots__ = ()


    # ---- older linear-algebra spellings and functional forms as methods ----
    def svd(self, some=True, compute_uv=True):
        from .._functional import svd
        return svd(self, some, compute_uv)

    def qr(self, some=True):
        from .._functional import qr
        return qr(self, some)

    def pinverse(self, rcond=1e-15):
        from .._functional import pinverse
        return pinverse(self, rcond)

    def renorm(self, p, dim, maxnorm):
        from .._functional import renorm
        return renorm(self, p, dim, maxnorm)

    def renorm_(self, p, dim, maxnorm):
        from .._functional import renorm
        return self.copy_(renorm(self, p, dim, maxnorm))


    # ---- device / memory queries scripts make (ember tensors always live in CPU memory) ----
