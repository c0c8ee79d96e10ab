"""`ember.special`: the `torch.special` functions ember has, under torch.special's names (aliases of the
op families' functions)."""
from __future__ import annotations

from ._ops.activation import log_softmax, softmax  # noqa: F401
from ._ops.reduction import logsumexp  # noqa: F401
from ._ops.special import (digamma, entr, erf, erfc, erfinv, log_ndtr, mvlgamma, ndtr, ndtri, polygamma,  # noqa: F401
                           sinc, xlog1py, xlogy)
from ._ops.special import digamma as psi, lgamma as gammaln, mvlgamma as multigammaln  # noqa: F401
from ._ops.unary import exp2, expm1, log1p, logit, round, sigmoid as expit  # noqa: F401

__all__ = ["digamma", "psi", "erf", "erfc", "erfinv", "exp2", "expm1", "log1p", "log_softmax", "softmax", "logit",
           "logsumexp", "polygamma", "round", "sinc", "xlogy", "expit", "gammaln", "multigammaln", "ndtr", "ndtri",
           "log_ndtr", "entr", "xlog1py"]
