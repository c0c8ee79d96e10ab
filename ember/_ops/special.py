"""Special functions: the erf and gamma families, sinc, xlogy, and the rest of `torch.special` built from
ops (ndtr, ndtri, log_ndtr, entr, xlog1py). Kernels (no SciPy: series, continued fractions and
Chebyshev fits), the public functions and the Tensor methods. Matches torch's.
"""
from __future__ import annotations

import math

import numpy as np

from .._inplace import inplace, inplace_op, write_out
from .._tensor_base import TensorBase, _binary, _scalar_np, _tensor_input, _tensor_of, _unary, _wrap
from ._base import Op, b_cos, b_exp, b_log, b_mask, b_sin, data_of, named
from .binary import clamp, where
from .unary import _Unary

__all__ = ["erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "sinc", "xlogy", "erf_",
           "erfc_", "erfinv_", "lgamma_", "digamma_", "sinc_", "xlogy_"]

_ndarray = np.ndarray
_TWO_OVER_SQRTPI = 2.0 / math.sqrt(math.pi)
_SQRTPI_OVER_TWO = math.sqrt(math.pi) / 2.0
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# Bernoulli numbers B_2k, k = 1..7, for the asymptotic expansions
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)
_SQRT2 = math.sqrt(2.0)


# ---- kernels -------------------------------------------------------------------------------------

def _erfc_tail64(a):
    # erfc(a) for a >= 2.5 (float64): continued fraction exp(-a^2)/sqrt(pi) * 1/(a+ (1/2)/(a+ 1/(a+ ...)))
    f = a
    for k in range(60, 0, -1):
        f = a + (k * 0.5) / f
    return np.exp(-a * a) / (f * math.sqrt(math.pi))


def _erf_series64(x):
    # erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)); accurate to ~1e-15 for |x| <= 2.5
    x2 = x * x
    term = x.copy()
    total = x.copy()
    for n in range(1, 60):
        term *= -x2 / n
        total += term / (2 * n + 1)
    return total * _TWO_OVER_SQRTPI


def _erfc_cheb32(a):
    # erfc(a), a >= 0, fractional error < 1.2e-7 (Chebyshev fit; Numerical Recipes' erfcc)
    t = 1.0 / (1.0 + 0.5 * a)
    p = 0.17087277
    for c in (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
              1.00002368):
        p = c + t * p
    return t * np.exp(-a * a - 1.26551223 + t * p)


def _erf_np(x, complement=False):
    """erf(x) (or erfc(x)) for a float array, to the precision of its dtype."""
    dt = x.dtype
    a = np.abs(x.astype(np.float64))
    small = a < (2.5 if dt == np.float64 else 0.5)
    out = np.empty(a.shape, np.float64)
    if small.any():
        s = _erf_series64(a[small]) if dt == np.float64 else None
        if s is None:   # float32/16: a short series suffices below 0.5
            z = a[small]
            z2 = z * z
            term = z.copy()
            s = z.copy()
            for n in range(1, 14):
                term *= -z2 / n
                s += term / (2 * n + 1)
            s *= _TWO_OVER_SQRTPI
        out[small] = 1.0 - s if complement else s
    big = ~small
    if big.any():
        ab = a[big]
        c = _erfc_tail64(ab) if dt == np.float64 else _erfc_cheb32(ab)
        out[big] = c if complement else 1.0 - c
    neg = np.signbit(x) & ~np.isnan(x)
    if complement:
        out = np.where(neg, 2.0 - out, out)
    else:
        out = np.where(neg, -out, out)
    out[np.isnan(a)] = np.nan
    return out.astype(dt, copy=False)


def _erfinv_np(y):
    dt = y.dtype
    y = y.astype(np.float64)
    # Winitzki's closed-form start (error ~2e-3), then Newton on erf
    w = np.log1p(-y * y)
    a = 0.147
    t = 2 / (np.pi * a) + w / 2
    x = np.sign(y) * np.sqrt(np.sqrt(t * t - w / a) - t)
    fin = np.isfinite(x)
    for _ in range(4):
        err = _erf_np(x) - y
        step = err / (_TWO_OVER_SQRTPI * np.exp(-x * x))
        x = np.where(fin, x - step, x)
    x = np.copysign(x, y, out=np.asarray(x))    # keeps erfinv(-0.0) = -0.0
    x[y == 1] = np.inf
    x[y == -1] = -np.inf
    x[np.abs(y) > 1] = np.nan
    return x.astype(dt, copy=False)


class Erf(_Unary):
    @staticmethod
    def forward(x):
        return _erf_np(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g * _TWO_OVER_SQRTPI * b_exp(-x * x),)


class Erfc(_Unary):
    @staticmethod
    def forward(x):
        return _erf_np(x, complement=True), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (-g * _TWO_OVER_SQRTPI * b_exp(-x * x),)


class Erfinv(Op):
    saves = ("x0",)   # torch saves the input and recomputes erfinv in backward
    to_float = True

    @staticmethod
    def forward(x):
        return _erfinv_np(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        y = _erfinv_np(x) if type(x) is _ndarray else x.erfinv()
        return (g * _SQRTPI_OVER_TWO * b_exp(y * y),)


_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)


def _lgamma_pos(x):
    # Lanczos (g = 7, 9 terms) for x >= 0.5; relative error ~1e-15
    z = x - 1.0
    a = np.full(z.shape, _LANCZOS[0])
    for i in range(1, 9):
        a += _LANCZOS[i] / (z + i)
    t = z + 7.5
    return _HALF_LOG_2PI + (z + 0.5) * np.log(t) - t + np.log(a)


def _lgamma_np(x):
    dt = x.dtype
    x = x.astype(np.float64)
    refl = x < 0.5
    out = _lgamma_pos(np.where(refl, 1.0 - x, x))
    if refl.any():
        # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)
        s = np.abs(np.sin(np.pi * np.where(refl, x, 0.5)))
        out = np.where(refl, np.log(np.pi / s) - out, out)
    out = np.where((x <= 0) & (x == np.floor(x)), np.inf, out)
    out = np.where(np.isinf(x), np.inf, out)
    return out.astype(dt, copy=False)


def _polygamma_np(n, x):
    """psi^(n)(x): shift by 10 with the recurrence, then the asymptotic series (x + 10 >= 6)."""
    dt = x.dtype
    x = x.astype(np.float64)
    shift = 10
    if n == 0:
        refl = x < 0.5
        y = np.where(refl, 1.0 - x, x)           # digamma(x) = digamma(1 - x) - pi / tan(pi x)
        z = y + shift
        out = np.log(z) - 0.5 / z
        z2 = z * z
        zp = z2
        for k, b in enumerate(_B2K, start=1):
            out -= b / (2 * k * zp)
            zp = zp * z2
        for k in range(shift):
            out -= 1.0 / (y + k)
        if refl.any():
            out = np.where(refl, out - np.pi / np.tan(np.pi * np.where(refl, x, 0.25)), out)
        out = np.where((x <= 0) & (x == np.floor(x)), np.where(x == 0, -np.inf, np.nan), out)
    else:
        z = x + shift
        fact_n = math.factorial(n)
        out = math.factorial(n - 1) / z ** n + fact_n / (2 * z ** (n + 1))
        for k, b in enumerate(_B2K, start=1):
            out += b * math.factorial(2 * k + n - 1) / (math.factorial(2 * k) * z ** (2 * k + n))
        for k in range(shift):
            out += fact_n / (x + k) ** (n + 1)
        out = out * (-1) ** (n + 1)
        out = np.where((x <= 0) & (x == np.floor(x)), np.inf if n % 2 else np.nan, out)
    return out.astype(dt, copy=False)


class Lgamma(_Unary):
    @staticmethod
    def forward(x):
        return _lgamma_np(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g * (x.digamma() if hasattr(x, "_data") else _polygamma_np(0, x)),)


class Digamma(_Unary):
    @staticmethod
    def forward(x):
        return _polygamma_np(0, x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g * (x.polygamma(1) if hasattr(x, "_data") else _polygamma_np(1, x)),)


class Polygamma(Op):
    saves = ("x0", "c")
    to_float = True

    @staticmethod
    def forward(x, n):
        return _polygamma_np(n, x), (x, n)

    @staticmethod
    def backward(saved, g, needs):
        x, n = saved
        return (g * (x.polygamma(n + 1) if hasattr(x, "_data") else _polygamma_np(n + 1, x)),)


class Sinc(_Unary):
    @staticmethod
    def forward(x):
        return np.sinc(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        xd = data_of(x)
        # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0
        px = x * math.pi
        safe = x + (xd == 0)
        gx = g * (b_cos(px) - b_sin(px) / (px + (xd == 0))) / safe
        return (gx * (xd != 0),)


class Xlogy(Op):
    saves = ("x0", "x1")
    to_float = True

    @staticmethod
    def forward(x, y):
        ly = np.log(y)
        out = x * (ly if type(y) is _ndarray else float(ly))   # a Python number stays weak
        out = np.where((x == 0) & ~np.isnan(y), 0, out).astype(out.dtype, copy=False)
        return out, (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        xd, yd = data_of(x), data_of(y)
        gx = gy = None
        if needs[0]:
            gx = b_mask(~((xd == 0) & (yd <= 0)), g * b_log(y))
            if not hasattr(gx, "_data"):
                gx = np.where((xd == 0) & (yd <= 0), 0, gx)
        if needs[1]:
            gy = g * x / y
        return gx, gy


class XlogyScalarOther(Xlogy):   # xlogy(tensor, number)
    bw_name = "XlogyBackward2"


class XlogyScalarSelf(Xlogy):    # xlogy(number, tensor): the number arrives as a 0-d array
    bw_name = "XlogyBackward1"


# ---- public functions ------------------------------------------------------------------------------

def _kernel_fns(op, name):
    def f(input, *, out=None):
        r = _unary(op, input)
        return r if out is None else write_out(r, out)

    def f_(input):
        return inplace_op(op, input)
    named(f, name)
    named(f_, name + "_")
    f.__doc__ = f"Elementwise `{name}`. Matches `torch.{name}`."
    return f, f_


# NOTE: these functions share one wrapper; each is spelled out so that grep finds it.
erf, erf_ = _kernel_fns(Erf, "erf")
erfc, erfc_ = _kernel_fns(Erfc, "erfc")
erfinv, erfinv_ = _kernel_fns(Erfinv, "erfinv")
lgamma, lgamma_ = _kernel_fns(Lgamma, "lgamma")
digamma, digamma_ = _kernel_fns(Digamma, "digamma")
sinc, sinc_ = _kernel_fns(Sinc, "sinc")


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma. Matches `torch.polygamma` (n first, as in torch)."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return write_out(_unary(Polygamma, input, int(n)), out)


def _polygamma_method(self, n):
    return polygamma(n, self)


def polygamma_(input, n):
    return inplace(input, polygamma, n, input)


def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma of dimension p. Matches `torch.mvlgamma`."""
    x = _tensor_input(input)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if x._data.size and not (x._data > (p - 1) / 2).all():
        raise RuntimeError("All elements must be greater than (p-1)/2")
    shifts = _wrap(-np.arange(p, dtype=x._data.dtype if x._data.dtype.kind == "f" else np.float32) / 2)
    r = (x.unsqueeze(-1) + shifts).lgamma().sum(-1)
    return write_out(r + p * (p - 1) / 4 * math.log(math.pi), out)


def mvlgamma_(input, p):
    return inplace(input, mvlgamma, input.clone() if input._rg else input, p)


def xlogy(input, other, *, out=None):
    """input * log(other), 0 where input is 0 (unless other is NaN). Matches `torch.xlogy`."""
    if not isinstance(input, TensorBase):
        other = _tensor_of(other)
        input = _wrap(np.asarray(input, dtype=_scalar_np(other._data, input)))
        return write_out(_binary(XlogyScalarSelf, input, other), out)
    return write_out(_binary(Xlogy if isinstance(other, TensorBase) else XlogyScalarOther, input, other), out)


def xlogy_(input, other):
    return inplace_op(Xlogy if isinstance(other, TensorBase) else XlogyScalarOther, input, other)


def _floating(x):
    x = _tensor_of(x)
    return x if x._data.dtype.kind == "f" else x.float()


def ndtr(input, *, out=None):
    """The standard normal CDF. Matches `torch.special.ndtr`."""
    x = _floating(input)
    return write_out(0.5 * (1.0 + (x / _SQRT2).erf()), out)


def ndtri(input, *, out=None):
    """The inverse of the standard normal CDF. Matches `torch.special.ndtri`."""
    p = _floating(input)
    return write_out(_SQRT2 * (2.0 * p - 1.0).erfinv(), out)


def log_ndtr(input, *, out=None):
    """log of the standard normal CDF, through erfc for the lower tail (accurate where ndtr underflows)."""
    x = _floating(input)
    return write_out((0.5 * (-x / _SQRT2).erfc()).log(), out)


def entr(input, *, out=None):
    """-x log x elementwise (0 at 0, -inf for x < 0). Matches `torch.special.entr`."""
    x = _floating(input)
    safe = clamp(x, min=0)
    return write_out(where(x < 0, float("-inf"), -xlogy(safe, safe)), out)


def xlog1py(input, other, *, out=None):
    """x * log1p(y), 0 where x == 0 (and y is not NaN). Matches `torch.special.xlog1py`."""
    x, y = _tensor_of(input), _tensor_of(other)
    return write_out(where((x == 0) & ~y.isnan(), 0.0, x * y.log1p()), out)


# ---- the Tensor methods ------------------------------------------------------------------------------

class SpecialMethods:
    __slots__ = ()

    erf, erf_, erfc, erfc_, erfinv, erfinv_ = erf, erf_, erfc, erfc_, erfinv, erfinv_
    lgamma, lgamma_, digamma, digamma_, sinc, sinc_ = lgamma, lgamma_, digamma, digamma_, sinc, sinc_
    polygamma, polygamma_ = _polygamma_method, polygamma_
    mvlgamma, mvlgamma_, xlogy, xlogy_ = mvlgamma, mvlgamma_, xlogy, xlogy_
