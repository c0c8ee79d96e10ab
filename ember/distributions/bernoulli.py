"""Bernoulli(probs | logits)."""
from __future__ import annotations

from .. import _creation as C
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from . import constraints
from .categorical import _one_of, logits_to_probs, probs_to_logits
from .distribution import Distribution, broadcast_all

__all__ = ["Bernoulli"]


class Bernoulli(Distribution):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            self._param = self.probs
        else:
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        super().__init__(self._param.shape, validate_args=validate_args)

    def __getattr__(self, name):
        if name == "probs":
            value = logits_to_probs(self.__dict__["logits"], is_binary=True)
        elif name == "logits":
            value = probs_to_logits(self.__dict__["probs"], is_binary=True)
        else:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        self.__dict__[name] = value
        return value

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        m = (self.probs >= 0.5).to(self.probs.dtype)
        return m.masked_fill(self.probs == 0.5, float("nan"))

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def expand(self, batch_shape):
        if "probs" in self.__dict__ and self._param is self.__dict__["probs"]:
            return Bernoulli(probs=self.probs.expand(*batch_shape), validate_args=False)
        return Bernoulli(logits=self.logits.expand(*batch_shape), validate_args=False)

    def sample(self, sample_shape=()):
        from .._ops.sampling import bernoulli
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return bernoulli(self.probs.expand(*shape))

    def log_prob(self, value):
        from .._ops.loss import binary_cross_entropy_with_logits
        if self._validate_args:
            self._validate_sample(value)
        if not isinstance(value, Tensor):
            value = C.tensor(value, dtype=self.logits.dtype)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        from .._ops.loss import binary_cross_entropy_with_logits
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = C.arange(2, dtype=self._param.dtype).view(-1, *((1,) * len(self._batch_shape)))
        if expand:
            values = values.expand(-1, *self._batch_shape)
        return values
