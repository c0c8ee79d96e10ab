"""`ember.special`: torch.special's functions that ember provides (most are the `ember.*` ops under
their SciPy-style names; ndtr, ndtri, log_ndtr, entr and xlog1py are composed from differentiable ops)."""
from __future__ import annotations

import math

from . import _functional as _f

__all__ = ["digamma", "psi", "erf", "erfc", "erfinv", "exp2", "expm1", "log1p", "log_softmax", "softmax", "logit",
           "logsumexp", "polygamma", "round", "sinc", "xlogy", "expit", "gammaln", "multigammaln", "ndtr", "ndtri",
           "log_ndtr", "entr", "xlog1py"]

_SQRT2 = math.sqrt(2.0)


def _t(x):
    return _f._t(x)


def digamma(input, *, out=None):
    return _t(input).digamma()


psi = digamma


def erf(input, *, out=None):
    return _t(input).erf()


def erfc(input, *, out=None):
    return _t(input).erfc()


def erfinv(input, *, out=None):
    return _t(input).erfinv()


def exp2(input, *, out=None):
    return _t(input).exp2()


def expm1(input, *, out=None):
    return _t(input).expm1()


def log1p(input, *, out=None):
    return _t(input).log1p()


def expit(input, *, out=None):
    return _t(input).sigmoid()


def gammaln(input, *, out=None):
    return _t(input).lgamma()


def multigammaln(input, p, *, out=None):
    return _t(input).mvlgamma(p)


def logit(input, eps=None, *, out=None):
    return _t(input).logit(eps)


def polygamma(n, input, *, out=None):
    return _t(input).polygamma(n)


def round(input, *, decimals=0, out=None):  # noqa: A001 - torch's name
    return _t(input).round(decimals=decimals)


def sinc(input, *, out=None):
    return _t(input).sinc()


def xlogy(input, other, *, out=None):
    return _f.xlogy(input, other)


def softmax(input, dim, *, dtype=None):
    return _t(input).softmax(dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return _t(input).log_softmax(dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False, *, out=None):
    return _t(input).logsumexp(dim, keepdim)


def _floating(x):
    x = _t(x)
    return x if x.is_floating_point() else x.to(_f.D.get_default_dtype())


def ndtr(input, *, out=None):
    """Standard normal CDF."""
    x = _floating(input)
    return 0.5 * (1.0 + (x / _SQRT2).erf())


def ndtri(input, *, out=None):
    """Inverse of the standard normal CDF."""
    p = _floating(input)
    return _SQRT2 * (2.0 * p - 1.0).erfinv()


def log_ndtr(input, *, out=None):
    """log of the standard normal CDF, through erfc for the lower tail (accurate where ndtr underflows)."""
    x = _floating(input)
    return (0.5 * (-x / _SQRT2).erfc()).log()


def entr(input, *, out=None):
    """-x log x elementwise (0 at 0, -inf for x < 0)."""
    x = _floating(input)
    safe = x.clamp(min=0)
    core = -_f.xlogy(safe, safe)
    return _f.where(x < 0, float("-inf"), core)


def xlog1py(input, other, *, out=None):
    """x * log1p(y), 0 where x == 0 (and y is not NaN)."""
    x, y = _t(input), _t(other)
    prod = x * y.log1p()
    return _f.where((x == 0) & ~y.isnan(), 0.0, prod)
