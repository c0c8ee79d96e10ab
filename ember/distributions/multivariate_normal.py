"""MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril)."""
from __future__ import annotations

import math

from .. import _creation as C
from .. import linalg
from .._tensor_base import Size
from . import constraints
from .distribution import Distribution

__all__ = ["MultivariateNormal"]


class MultivariateNormal(Distribution):
    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        from .._ops.views import broadcast_shapes
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        given = next(m for m in (scale_tril, covariance_matrix, precision_matrix) if m is not None)
        if given.dim() < 2:
            raise ValueError("scale_tril, covariance_matrix or precision_matrix matrix must be at least "
                             "two-dimensional, with optional leading batch dimensions")
        batch_shape = broadcast_shapes(tuple(given.shape[:-2]), tuple(loc.shape[:-1]))
        k = loc.shape[-1]
        mshape = tuple(batch_shape) + (k, k)
        if covariance_matrix is not None:
            self.covariance_matrix = covariance_matrix.expand(*mshape)
            self._unbroadcasted_scale_tril = linalg.cholesky(covariance_matrix)
        elif precision_matrix is not None:
            self.precision_matrix = precision_matrix.expand(*mshape)
            self._unbroadcasted_scale_tril = linalg.cholesky(linalg.inv(precision_matrix))
        else:
            self._scale_tril = scale_tril.expand(*mshape)
            self._unbroadcasted_scale_tril = scale_tril
        self.loc = loc.expand(*(tuple(batch_shape) + (k,)))
        super().__init__(batch_shape, Size((k,)), validate_args=validate_args)

    @property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(*(tuple(self._batch_shape) + tuple(self._event_shape) * 2))

    def __getattr__(self, name):
        if name == "covariance_matrix":
            L = self._unbroadcasted_scale_tril
            value = (L @ L.mT).expand(*(tuple(self._batch_shape) + tuple(self._event_shape) * 2))
        elif name == "precision_matrix":
            value = linalg.inv(self.covariance_matrix)
        else:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        self.__dict__[name] = value
        return value

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        L = self._unbroadcasted_scale_tril
        return L.pow(2).sum(-1).expand(*(tuple(self._batch_shape) + tuple(self._event_shape)))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = C.randn(*shape, dtype=self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        from .._ops.views import broadcast_shapes
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        L = self._unbroadcasted_scale_tril
        batch = broadcast_shapes(tuple(L.shape[:-2]), tuple(diff.shape[:-1]))
        k = self._event_shape[0]
        Lb = L.expand(*(tuple(batch) + (k, k)))
        sol = linalg.solve_triangular(Lb, diff.expand(*(tuple(batch) + (k,))).unsqueeze(-1), upper=False)
        M = sol.squeeze(-1).pow(2).sum(-1)
        return -0.5 * (k * math.log(2 * math.pi) + M) - self._half_log_det()

    def entropy(self):
        k = self._event_shape[0]
        H = 0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return H if not len(self._batch_shape) else H.expand(*self._batch_shape)
