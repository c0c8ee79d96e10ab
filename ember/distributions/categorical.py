"""Categorical(probs | logits) over the last dimension, and OneHotCategorical."""
from __future__ import annotations

from .. import _creation as C
from .. import _dtype as D
from .._tensor_base import Size
from ..autograd.grad_mode import no_grad
from . import constraints
from .distribution import Distribution

__all__ = ["Categorical", "OneHotCategorical", "probs_to_logits", "logits_to_probs", "clamp_probs"]


def clamp_probs(probs):
    eps = D.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (-ps).log1p()
    return ps.log()


def logits_to_probs(logits, is_binary=False):
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def _one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class Categorical(Distribution):
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    def __getattr__(self, name):
        # the other parametrisation, computed on first use and cached like torch's lazy_property
        if name == "probs":
            value = logits_to_probs(self.__dict__["logits"])
        elif name == "logits":
            value = probs_to_logits(self.__dict__["probs"])
        else:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        self.__dict__[name] = value
        return value

    @property
    def param_shape(self):
        return self._param.shape

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self):
        return C.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return C.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    def expand(self, batch_shape):
        shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__ and self._param is self.__dict__["probs"]:
            return type(self)(probs=self.probs.expand(*shape), validate_args=False)
        return type(self)(logits=self.logits.expand(*shape), validate_args=False)

    def sample(self, sample_shape=Size()):
        from .._ops.sampling import multinomial
        if not isinstance(sample_shape, (tuple, list)):
            sample_shape = (int(sample_shape),)
        sample_shape = tuple(sample_shape)
        n = 1
        for s in sample_shape:
            n *= s
        with no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            if n == 0:
                return C.zeros(*(sample_shape + tuple(self._batch_shape)), dtype=D.int64)
            samples_2d = multinomial(probs_2d, n, True).t()
            return samples_2d.reshape(*(sample_shape + tuple(self._batch_shape)))

    def log_prob(self, value):
        from .._ops.views import broadcast_tensors
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        min_real = D.finfo(self.logits.dtype).min
        logits = self.logits.clamp(min=min_real)
        p_log_p = logits * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand=True):
        values = C.arange(self._num_events, dtype=D.int64)
        values = values.view(-1, *((1,) * len(self._batch_shape)))
        if expand:
            values = values.expand(-1, *self._batch_shape)
        return values


class OneHotCategorical(Distribution):
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.Constraint()
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        param = self._categorical._param
        super().__init__(param.shape[:-1], param.shape[-1:], validate_args=False)
        self._validate_args = self._categorical._validate_args

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def mean(self):
        return self._categorical.probs

    @property
    def mode(self):
        from .._ops.embedding import one_hot
        return one_hot(self.probs.argmax(-1), self._categorical._num_events).to(self.probs.dtype)

    @property
    def variance(self):
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape=Size()):
        from .._ops.embedding import one_hot
        idx = self._categorical.sample(sample_shape)
        return one_hot(idx, self._categorical._num_events).to(self.probs.dtype)

    def log_prob(self, value):
        indices = value.max(-1)[1]
        return self._categorical.log_prob(indices)

    def entropy(self):
        return self._categorical.entropy()
