"""Pointwise kernels: forward and backward side by side.

Inputs arrive already promoted to one dtype (or with a weak Python scalar); broadcasting is
undone by the engine, so rules return output-shaped gradients.
"""
from __future__ import annotations

import numpy as np

from ._base import Op, b_log, b_sign, b_where

_ndarray = np.ndarray


class Add(Op):
    scalar_array = True      # NOTE [ Python scalars as 0-d arrays ] (_tensor_base.py)
    @staticmethod
    def forward(x, y):
        return x + y, None

    @staticmethod
    def backward(saved, g, needs):
        return g, g


class Sub(Op):
    scalar_array = True      # NOTE [ Python scalars as 0-d arrays ] (_tensor_base.py)
    @staticmethod
    def forward(x, y):
        return x - y, None

    @staticmethod
    def backward(saved, g, needs):
        return g, (-g if needs[1] else None)


class RSub(Op):   # y - x, for python-scalar y (keeps x as input 0)
    scalar_array = True      # NOTE [ Python scalars as 0-d arrays ] (_tensor_base.py)
    bw_name = "RsubBackward1"

    @staticmethod
    def forward(x, y):
        return y - x, None

    @staticmethod
    def backward(saved, g, needs):
        return -g, None


class RSubTensor(Op):   # torch.rsub(x, y) = y - x for tensors x, y
    bw_name = "RsubBackward0"

    @staticmethod
    def forward(x, y):
        return y - x, None

    @staticmethod
    def backward(saved, g, needs):
        return (-g if needs[0] else None), g


class Mul(Op):
    scalar_array = True      # NOTE [ Python scalars as 0-d arrays ] (_tensor_base.py)
    saves = ("x0", "x1")
    saved_for = {"x0": (1,), "x1": (0,)}   # see Op.saved_for (core)

    @staticmethod
    def forward(x, y):
        return x * y, (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        return (g * y if needs[0] else None), (g * x if needs[1] else None)


class Div(Op):
    scalar_array = True      # NOTE [ Python scalars as 0-d arrays ] (_tensor_base.py)
    saves = ("x0", "x1")
    saved_for = {"x0": (1,), "x1": (0, 1)}   # see Op.saved_for (core)
    to_float = True

    @staticmethod
    def forward(x, y):
        return x / y, (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        gx = g / y if needs[0] else None
        # d(x/y)/dy = -x / y^2
        gy = -g * x / (y * y) if needs[1] else None
        return gx, gy


class Neg(Op):
    @staticmethod
    def forward(x):
        return -x, None

    @staticmethod
    def backward(saved, g, needs):
        return (-g,)


class Pow(Op):
    saves = ("x0", "x1", "out")
    saved_for = {"x0": (0, 1), "x1": (0,), "out": (1,)}   # see Op.saved_for (core)

    @staticmethod
    def forward(x, y):
        k = x.dtype.kind
        if k in "iub":
            if k == "b":
                return _bool_pow(x, y)
            if type(y) is int:
                if y < 0:
                    raise RuntimeError("Integers to negative integer powers are not allowed.")
            elif type(y) is _ndarray and y.dtype.kind in "iu" and (y < 0).any():
                return _int_pow_negative(x, y), (x, y, None)
        out = x ** y
        return out, (x, y, out)

    @staticmethod
    def backward(saved, g, needs):
        x, y, out = saved
        gx = gy = None
        if needs[0]:
            if type(y) is not _ndarray and not hasattr(y, "_data"):   # python scalar exponent
                gx = g * 0.0 if y == 0 else g * y * x ** (y - 1)
            else:
                # d x^y / dx = y x^(y-1); torch defines it as 0 where y == 0
                gx = b_where(y == 0, 0.0, g * y * x ** (y - 1))
        if needs[1]:
            # d x^y / dy = x^y log x; torch uses 0 where x == 0 and y >= 0
            gy = b_where((x == 0) & (y >= 0), 0.0, g * out * b_log(x))
        return gx, gy


class PowTensor(Pow):   # tensor ** tensor
    bw_name = "PowBackward1"


def _bool_pow(x, y):
    # torch: bool ** bool-scalar stays bool (x ** True = x, x ** False = 1); bool ** bool tensor is refused
    if type(y) is bool:
        out = x.copy() if y else np.ones_like(x)
        return out, (x, y, out)
    raise NotImplementedError("\"pow\" not implemented for 'Bool'")


def _int_pow_negative(x, y):
    # torch's integer pow with negative exponents: 1 -> 1, -1 -> +-1, anything else -> 0
    ay = np.abs(y)
    out = x ** ay
    neg = np.where(x == 1, 1, np.where(x == -1, np.where(ay % 2 == 0, 1, -1), 0)).astype(out.dtype)
    return np.where(y < 0, neg, out)


class RPow(Op):   # scalar ** tensor: x is the exponent tensor, y the python base
    # torch (pow.Scalar) saves the exponent too: an in-place change to it is a version error
    saves = ("x0", "c", "out")
    to_float_if_float_scalar = True
    bw_name = "PowBackward2"

    @staticmethod
    def forward(x, y):
        k = x.dtype.kind
        if k in "biu" and type(y) is not float:
            if k == "b" and type(y) is bool:
                raise NotImplementedError("\"pow\" not implemented for 'Bool'")
            if k != "b" and (x < 0).any():   # int ** negative int: torch's integer rule, not NumPy's error
                out = _int_pow_negative(np.asarray(y, dtype=x.dtype), x)
                return out, (x, y, out)
        out = y ** x
        return out, (x, y, out)

    @staticmethod
    def backward(saved, g, needs):
        _, y, out = saved
        if y == 0:
            return b_where(out == 0, 0.0, g * out * 0.0), None   # ties: torch gives 0 for 0**x
        return g * out * float(np.log(y)), None


class Exp(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        y = np.exp(x)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * saved[0],)


class Log(Op):
    saves = ("x0",)
    to_float = True

    @staticmethod
    def forward(x):
        return np.log(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g / saved[0],)


class Sqrt(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        y = np.sqrt(x)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        return (g / (2 * saved[0]),)


class Tanh(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        y = np.tanh(x)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        y = saved[0]
        return (g * (1 - y * y),)


class Sigmoid(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        # 1 / (1 + exp(-x)): exp overflows to inf for x < -88 and gives exactly 0 there, with full
        # relative precision elsewhere (no cancellation); the overflow warning is filtered below
        y = np.negative(x, out=np.empty_like(x))
        np.exp(y, out=y)
        y += 1
        np.reciprocal(y, out=y)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        y = saved[0]
        return (g * y * (1 - y),)


class Relu(Op):
    saves = ("out",)
    bw_name = "ReluBackward0"

    @staticmethod
    def forward(x):
        if x.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        y = np.maximum(x, 0)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * (saved[0] > 0),)


class Abs(Op):
    saves = ("x0",)

    @staticmethod
    def forward(x):
        if x.dtype.kind == "b":
            raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
        return np.abs(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * b_sign(saved[0]),)


class Cast(Op):
    """Differentiable dtype conversion (`Tensor.to(dtype)`); the engine casts the gradient back."""
    bw_name = "ToCopyBackward0"

    @staticmethod
    def forward(x, np_dtype):
        return x.astype(np_dtype), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


class Clone(Op):
    @staticmethod
    def forward(x):
        return x.copy(), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


# ---- non-differentiable ops (no rules; results never require grad) -----------------------------

class _NoGrad(Op):
    differentiable = False

    @staticmethod
    def backward(saved, g, needs):
        raise RuntimeError("internal: backward of a non-differentiable op")


def _cmp(fn):
    return staticmethod(lambda x, y: (fn(x, y), None))


class Eq(_NoGrad):
    forward = _cmp(np.equal)


class Ne(_NoGrad):
    forward = _cmp(np.not_equal)


class Lt(_NoGrad):
    forward = _cmp(np.less)


class Le(_NoGrad):
    forward = _cmp(np.less_equal)


class Gt(_NoGrad):
    forward = _cmp(np.greater)


class Ge(_NoGrad):
    forward = _cmp(np.greater_equal)


class BitwiseAnd(_NoGrad):
    forward = _cmp(np.bitwise_and)


class BitwiseOr(_NoGrad):
    forward = _cmp(np.bitwise_or)


class BitwiseXor(_NoGrad):
    forward = _cmp(np.bitwise_xor)


class FloorDivide(_NoGrad):
    @staticmethod
    def forward(x, y):
        if x.dtype.kind == "b":   # both operands bool (after promotion)
            raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
        if x.dtype.kind in "iu" and (type(y) is int or getattr(y, "dtype", None) is not None and y.dtype.kind in "iu"):
            if np.any(np.asarray(y) == 0):
                raise RuntimeError("ZeroDivisionError")
        return np.floor_divide(x, y), None


class Remainder(Op):   # tensor % scalar: gradient 1, nothing saved (torch's RemainderBackward0)
    @staticmethod
    def forward(x, y):
        k = x.dtype.kind
        if k in "iub":
            if k == "b":
                raise NotImplementedError("\"remainder_cpu\" not implemented for 'Bool'")
            if np.any(np.asarray(y) == 0):
                raise RuntimeError("ZeroDivisionError")
        return np.remainder(x, y), None

    @staticmethod
    def backward(saved, g, needs):
        return g, None


class RemainderTensor(Op):   # tensor % tensor
    saves = ("x0", "x1")
    saved_for = {"x0": (1,), "x1": (1,)}   # see Op.saved_for (core)
    bw_name = "RemainderBackward1"

    @staticmethod
    def forward(x, y):
        out, _ = Remainder.forward(x, y)
        return out, (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        # x - floor(x/y) * y: d/dx = 1, d/dy = -floor(x/y)
        gy = None
        if needs[1]:
            q = np.floor(np.asarray(x) / np.asarray(y)) if type(x) is _ndarray else (x / y).floor()
            gy = -g * q
        return g, gy


class Where(Op):
    """where(cond, x, y); cond is a static boolean array."""
    saves = ("c",)

    @staticmethod
    def forward(x, y, cond):
        return np.where(cond, x, y), (cond,)

    @staticmethod
    def backward(saved, g, needs):
        cond = saved[0]
        zero = g * 0
        return (b_where(cond, g, zero) if needs[0] else None), (b_where(cond, zero, g) if needs[1] else None)


# =================================================================================================
# Elementwise math (issue 3). Rules use operators and `_on(...)` helpers, which dispatch to NumPy
# for arrays and to Tensor methods for Tensors, so create_graph=True can record them.
# =================================================================================================
import math as _math  # noqa: E402
import warnings as _warnings  # noqa: E402

# NOTE: torch computes log(-1) = nan, 1/0 = inf silently. NumPy warns; np.errstate would cost ~1 us
# per op, so instead ignore NumPy's RuntimeWarnings raised from inside ember's kernels (zero cost).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\._ops\.")


def _on(np_fn, name):
    def f(x):
        return getattr(x, name)() if hasattr(x, "_data") else np_fn(x)
    return f


_sin, _cos, _exp, _sqrt = _on(np.sin, "sin"), _on(np.cos, "cos"), _on(np.exp, "exp"), _on(np.sqrt, "sqrt")
_sinh, _cosh, _log, _trunc = _on(np.sinh, "sinh"), _on(np.cosh, "cosh"), _on(np.log, "log"), _on(np.trunc, "trunc")


def _data(x):
    return x._data if hasattr(x, "_data") else x


def _mask(cond, g):
    """g where cond (a constant boolean array) else 0; arrays or Tensors."""
    return g * _data(cond)


_LN2 = _math.log(2.0)
_LN10 = _math.log(10.0)
_TWO_OVER_SQRTPI = 2.0 / _math.sqrt(_math.pi)
_SQRTPI_OVER_TWO = _math.sqrt(_math.pi) / 2.0


class _Unary(Op):
    saves = ("x0",)
    to_float = True


class Sign(Op):
    @staticmethod
    def forward(x):
        if x.dtype.kind == "b":
            return x.copy(), None
        if x.dtype.kind == "f":
            return np.where(np.isnan(x), 0, np.sign(x)), None     # torch: sign(nan) = 0
        return np.sign(x), None

    @staticmethod
    def backward(saved, g, needs):
        return (g * 0,)


class Sgn(Sign):
    saves = ("x0", "out")   # torch saves both (its complex rule needs them); kept for version checks

    @staticmethod
    def forward(x):
        out = Sign.forward(x)[0]
        return out, (x, out)


class Reciprocal(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        y = np.reciprocal(x)   # x is float (to_float); 1/0 -> inf, its warning is filtered above
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        y = saved[0]
        return (-g * y * y,)


class Exp2(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        y = np.exp2(x)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * saved[0] * _LN2,)


class Expm1(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        y = np.expm1(x)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * (saved[0] + 1),)


class Log2(_Unary):
    @staticmethod
    def forward(x):
        return np.log2(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g / (saved[0] * _LN2),)


class Log10(_Unary):
    @staticmethod
    def forward(x):
        return np.log10(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g / (saved[0] * _LN10),)


class Log1p(_Unary):
    bw_name = "Log1PBackward0"

    @staticmethod
    def forward(x):
        return np.log1p(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g / (saved[0] + 1),)


class Rsqrt(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = 1 / np.sqrt(x)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        y = saved[0]
        # d x^(-1/2) = -1/2 x^(-3/2)
        return (g * -0.5 * y * y * y,)


class Square(Op):
    saves = ("x0",)
    bw_name = "PowBackward0"

    @staticmethod
    def forward(x):
        if x.dtype.kind == "b":
            x = x.astype(np.int64)
        return x * x, (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * 2 * saved[0],)


class Sin(_Unary):
    @staticmethod
    def forward(x):
        return np.sin(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * _cos(saved[0]),)


class Cos(_Unary):
    @staticmethod
    def forward(x):
        return np.cos(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (-g * _sin(saved[0]),)


class Tan(Op):
    saves = ("out",)
    to_float = True

    @staticmethod
    def forward(x):
        y = np.tan(x)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        y = saved[0]
        return (g * (1 + y * y),)


class Asin(_Unary):
    @staticmethod
    def forward(x):
        return np.arcsin(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g / _sqrt(1 - x * x),)


class Acos(_Unary):
    @staticmethod
    def forward(x):
        return np.arccos(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (-g / _sqrt(1 - x * x),)


class Atan(_Unary):
    @staticmethod
    def forward(x):
        return np.arctan(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g / (1 + x * x),)


class Sinh(_Unary):
    @staticmethod
    def forward(x):
        return np.sinh(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * _cosh(saved[0]),)


class Cosh(_Unary):
    @staticmethod
    def forward(x):
        return np.cosh(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * _sinh(saved[0]),)


class Asinh(_Unary):
    @staticmethod
    def forward(x):
        return np.arcsinh(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g / _sqrt(x * x + 1),)


class Acosh(_Unary):
    @staticmethod
    def forward(x):
        return np.arccosh(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g / _sqrt(x * x - 1),)


class Atanh(_Unary):
    @staticmethod
    def forward(x):
        return np.arctanh(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g / (1 - x * x),)


class Logit(Op):
    saves = ("x0", "c")
    to_float = True

    @staticmethod
    def forward(x, eps, _unused=None):
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z)), (x, eps)

    @staticmethod
    def backward(saved, g, needs):
        x, eps = saved
        gx = g / (x * (1 - x))
        if eps is not None:
            xd = _data(x)
            gx = _mask((xd >= eps) & (xd <= 1 - eps), gx)
        return (gx,)


# ---- erf family (no SciPy): series near 0, continued fraction / Chebyshev fit in the tails ----

def _erfc_tail64(a):
    # erfc(a) for a >= 2.5 (float64): continued fraction exp(-a^2)/sqrt(pi) * 1/(a+ (1/2)/(a+ 1/(a+ ...)))
    f = a
    for k in range(60, 0, -1):
        f = a + (k * 0.5) / f
    return np.exp(-a * a) / (f * _math.sqrt(_math.pi))


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
    with np.errstate(divide="ignore", invalid="ignore"):
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
        return (g * _TWO_OVER_SQRTPI * _exp(-x * x),)


class Erfc(_Unary):
    @staticmethod
    def forward(x):
        return _erf_np(x, complement=True), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (-g * _TWO_OVER_SQRTPI * _exp(-x * x),)


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
        return (g * _SQRTPI_OVER_TWO * _exp(y * y),)


# ---- rounding (zero gradient almost everywhere) -------------------------------------------------

class _ZeroGrad(Op):
    @staticmethod
    def backward(saved, g, needs):
        return (g * 0,)


class Floor(_ZeroGrad):
    @staticmethod
    def forward(x):
        return (np.floor(x) if x.dtype.kind == "f" else x.copy()), None


class Ceil(_ZeroGrad):
    @staticmethod
    def forward(x):
        return (np.ceil(x) if x.dtype.kind == "f" else x.copy()), None


class Trunc(_ZeroGrad):
    @staticmethod
    def forward(x):
        return (np.trunc(x) if x.dtype.kind == "f" else x.copy()), None


class Round(_ZeroGrad):
    @staticmethod
    def forward(x, decimals=0, _unused=None):
        if x.dtype.kind != "f":
            return (x.copy() if decimals >= 0 else np.round(x, decimals)), None
        if decimals == 0:
            return np.rint(x), None
        # like torch: scale, round half to even, unscale (in the input's precision)
        s = x.dtype.type(10.0 ** abs(decimals))
        return ((np.rint(x * s) / s) if decimals > 0 else (np.rint(x / s) * s)), None


class Deg2Rad(Op):
    to_float = True

    @staticmethod
    def forward(x):
        return x * _DEG2RAD, None

    @staticmethod
    def backward(saved, g, needs):
        return (g * _DEG2RAD,)


class Rad2Deg(Op):
    to_float = True

    @staticmethod
    def forward(x):
        return x * _RAD2DEG, None

    @staticmethod
    def backward(saved, g, needs):
        return (g * _RAD2DEG,)


_DEG2RAD = _math.pi / 180.0
_RAD2DEG = 180.0 / _math.pi


class RoundDecimals(Round):
    bw_name = "RoundBackward1"


class Frac(Op):
    @staticmethod
    def forward(x):
        return x - np.trunc(x), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


class NanToNum(Op):
    saves = ("x0",)

    @staticmethod
    def forward(x, nan, posinf, neginf):
        if x.dtype.kind != "f":
            return x.copy(), (x,)
        fi = np.finfo(x.dtype)
        return np.nan_to_num(x, nan=0.0 if nan is None else nan, posinf=fi.max if posinf is None else posinf,
                             neginf=fi.min if neginf is None else neginf), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (_mask(np.isfinite(_data(saved[0])), g),)


class Clamp(Op):
    """clamp(x, min, max) with Python-number bounds (either may be None)."""
    saves = ("x0", "c", "c")
    bw_name = "ClampBackward1"

    @staticmethod
    def forward(x, lo, hi):
        if lo is not None and hi is not None:
            out = np.maximum(x, lo)
            if type(out) is _ndarray and out.dtype == x.dtype:
                np.minimum(out, hi, out=out)
            else:
                out = np.minimum(out, hi)
        elif lo is not None:
            out = np.maximum(x, lo)
        else:
            out = np.minimum(x, hi)
        if out.dtype != x.dtype:
            out = out.astype(x.dtype)
        return out, (x, lo, hi)

    @staticmethod
    def backward(saved, g, needs):
        x, lo, hi = saved
        xd = _data(x)
        if lo is not None and hi is not None:
            m = (xd >= lo) & (xd <= hi)
        elif lo is not None:
            m = xd >= lo
        else:
            m = xd <= hi
        return (_mask(m, g),)


class ClampMin(Clamp):   # clamp_min(x, number)
    bw_name = "ClampMinBackward0"


class ClampMax(Clamp):   # clamp_max(x, number)
    bw_name = "ClampMaxBackward0"


class ClampTensor(Op):
    """clamp(x, min, max) with tensor bounds: inputs (x, lo, hi), (x, lo) or (x, hi); `mode` says which."""
    saves = ("x0", "x1", "x2", "c")
    bw_name = "ClampBackward0"

    @staticmethod
    def forward(*args):
        mode = args[-1]
        x, b = args[0], args[1]
        if mode == "both":
            out = np.minimum(np.maximum(x, b), args[2])
            return out, (x, b, args[2], mode)
        out = np.maximum(x, b) if mode == "min" else np.minimum(x, b)
        return out, (x, b, None, mode)

    @staticmethod
    def backward(saved, g, needs):
        x, b, c, mode = saved
        xd, bd = _data(x), _data(b)
        if mode == "both":
            cd = _data(c)
            gx = _mask((xd >= bd) & (xd <= cd), g) if needs[0] else None
            glo = _mask((xd < bd) & (bd < cd), g) if needs[1] else None
            ghi = _mask((xd > cd) | (bd > cd), g) if needs[2] else None
            return gx, glo, ghi
        if mode == "min":
            return (_mask(xd >= bd, g) if needs[0] else None), (_mask(xd < bd, g) if needs[1] else None)
        return (_mask(xd <= bd, g) if needs[0] else None), (_mask(xd > bd, g) if needs[1] else None)


# ---- binary math ---------------------------------------------------------------------------------

class _Binary(Op):
    saves = ("x0", "x1")


def _tie_split(x, y, g, needs, wins):
    # maximum/minimum: the winner takes g; ties share it equally (torch)
    xd, yd = _data(x), _data(y)
    w = wins(xd, yd).astype(_data(g).dtype)
    tie = xd == yd
    if tie.any():
        w += 0.5 * tie
    return (g * w if needs[0] else None), ((g - g * w) if needs[1] else None)


class Maximum(_Binary):
    @staticmethod
    def forward(x, y):
        return np.maximum(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        return _tie_split(x, y, g, needs, np.greater)


class Minimum(_Binary):
    @staticmethod
    def forward(x, y):
        return np.minimum(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        return _tie_split(x, y, g, needs, np.less)


class Fmax(_Binary):
    @staticmethod
    def forward(x, y):
        return np.fmax(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        xd, yd = _data(x), _data(y)
        m = (xd >= yd) | np.isnan(yd)
        return (_mask(m, g) if needs[0] else None), (_mask(~m, g) if needs[1] else None)


class Fmin(_Binary):
    @staticmethod
    def forward(x, y):
        return np.fmin(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        xd, yd = _data(x), _data(y)
        m = (xd <= yd) | np.isnan(yd)
        return (_mask(m, g) if needs[0] else None), (_mask(~m, g) if needs[1] else None)


class Atan2(_Binary):
    to_float = True

    @staticmethod
    def forward(x, y):
        return np.arctan2(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        # atan2(x, y): d/dx = y / (x^2 + y^2), d/dy = -x / (x^2 + y^2)
        r = g / (x * x + y * y)
        return (r * y if needs[0] else None), (-r * x if needs[1] else None)


def _float_only(x, name):
    if x.dtype.kind != "f":
        from .._dtype import scalar_type_name
        raise NotImplementedError(f"\"{name}\" not implemented for '{scalar_type_name(x.dtype)}'")


class Hypot(Op):
    saves = ("x0", "x1", "out")

    @staticmethod
    def forward(x, y):
        _float_only(x, "hypot_cpu")
        out = np.hypot(x, y)
        return out, (x, y, out)

    @staticmethod
    def backward(saved, g, needs):
        x, y, out = saved
        r = g / out
        return (r * x if needs[0] else None), (r * y if needs[1] else None)


class Logaddexp(Op):
    # saves the inputs only (torch): d/dx log(e^x + e^y) = 1 / (1 + e^(y - x))
    saves = ("x0", "x1")

    @staticmethod
    def forward(x, y):
        _float_only(x, "logaddexp_cpu")
        return np.logaddexp(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        return (g / (_exp(y - x) + 1) if needs[0] else None), (g / (_exp(x - y) + 1) if needs[1] else None)


class Logaddexp2(Op):
    saves = ("x0", "x1")

    @staticmethod
    def forward(x, y):
        _float_only(x, "logaddexp2_cpu")
        return np.logaddexp2(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        e2 = _on(np.exp2, "exp2")
        return (g / (e2(y - x) + 1) if needs[0] else None), (g / (e2(x - y) + 1) if needs[1] else None)


class Xlogy(_Binary):
    to_float = True

    @staticmethod
    def forward(x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            ly = np.log(y)
            out = x * (ly if type(y) is _ndarray else float(ly))   # a Python number stays weak
        out = np.where((x == 0) & ~np.isnan(y), 0, out).astype(out.dtype, copy=False)
        return out, (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        xd, yd = _data(x), _data(y)
        gx = gy = None
        if needs[0]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gx = _mask(~((xd == 0) & (yd <= 0)), g * _log(y))
            if not hasattr(gx, "_data"):
                gx = np.where((xd == 0) & (yd <= 0), 0, gx)
        if needs[1]:
            gy = g * x / y
        return gx, gy


class XlogyScalarOther(Xlogy):   # xlogy(tensor, number)
    bw_name = "XlogyBackward2"


class XlogyScalarSelf(Xlogy):    # xlogy(number, tensor): the number arrives as a 0-d array
    bw_name = "XlogyBackward1"


class Copysign(Op):   # copysign(tensor, tensor); CopysignScalar below for a number `other`
    # saves the input and the result, like torch (not `other`)
    saves = ("x0", "out")
    to_float = True

    @staticmethod
    def forward(x, y):
        out = np.copysign(x, y)
        return out, (x, out)

    @staticmethod
    def backward(saved, g, needs):
        x, out = saved
        xd, od = _data(x), _data(out)
        # d/dx copysign(x, y) = out / x, i.e. +-1 (0 at x == 0)
        s = np.where(xd == 0, 0.0, np.sign(xd) * np.sign(od)).astype(xd.dtype, copy=False)
        return (g * s if needs[0] else None), (g * 0 if needs[1] else None)


class CopysignScalar(Copysign):
    bw_name = "CopysignBackward1"


class Fmod(Op):   # fmod(tensor, scalar): gradient 1, nothing saved (torch's FmodBackward0)
    @staticmethod
    def forward(x, y):
        k = x.dtype.kind
        if k in "iub":
            if k == "b":
                raise NotImplementedError("\"fmod_cpu\" not implemented for 'Bool'")
            if np.any(np.asarray(y) == 0):
                raise RuntimeError("ZeroDivisionError")
        return np.fmod(x, y), None

    @staticmethod
    def backward(saved, g, needs):
        return g, None


class FmodTensor(_Binary):
    saved_for = {"x0": (1,), "x1": (1,)}   # see Op.saved_for (core)
    bw_name = "FmodBackward1"

    @staticmethod
    def forward(x, y):
        return Fmod.forward(x, y)[0], (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        # x - trunc(x/y) * y
        gy = -g * _trunc(_data(x) / _data(y)) if needs[1] else None
        return g, gy


class Lerp(Op):
    """lerp(start, end, weight) with a tensor weight."""
    saves = ("x0", "x1", "x2")
    bw_name = "LerpBackward1"

    @staticmethod
    def forward(s, e, w):
        return s + w * (e - s), (s, e, w)

    @staticmethod
    def backward(saved, g, needs):
        s, e, w = saved
        return ((g * (1 - w)) if needs[0] else None, (g * w) if needs[1] else None,
                (g * (e - s)) if needs[2] else None)


class LerpScalar(Op):
    saves = ("c",)
    bw_name = "LerpBackward0"

    @staticmethod
    def forward(s, e, w):
        out = s + w * (e - s)
        return out, (w,)

    @staticmethod
    def backward(saved, g, needs):
        w = saved[0]
        return (g * (1 - w) if needs[0] else None), (g * w if needs[1] else None)


class Addcmul(Op):
    """input + value * t1 * t2 in one node (torch's AddcmulBackward0); inputs share one float dtype."""
    saves = ("x1", "x2", "c")
    saved_for = {"x1": (2,), "x2": (1,)}   # see Op.saved_for (core)

    @staticmethod
    def forward(x, t1, t2, value):
        p = t1 * t2 if value == 1 else value * t1 * t2
        return x + p, (t1, t2, value)

    @staticmethod
    def backward(saved, g, needs):
        t1, t2, value = saved
        gv = g if value == 1 else g * value
        return g, (gv * t2 if needs[1] else None), (gv * t1 if needs[2] else None)


class Addcdiv(Op):
    """input + value * t1 / t2 in one node (torch's AddcdivBackward0)."""
    saves = ("x1", "x2", "c")
    saved_for = {"x1": (2,), "x2": (1, 2)}   # see Op.saved_for (core)

    @staticmethod
    def forward(x, t1, t2, value):
        p = t1 / t2 if value == 1 else value * t1 / t2
        return x + p, (t1, t2, value)

    @staticmethod
    def backward(saved, g, needs):
        t1, t2, value = saved
        gv = g if value == 1 else g * value
        # d/dt2 (t1 / t2) = -t1 / t2^2
        return g, (gv / t2 if needs[1] else None), (-gv * t1 / (t2 * t2) if needs[2] else None)


class DivTrunc(Op):
    """div(rounding_mode='trunc'): piecewise constant, gradient 0 (torch)."""
    bw_name = "DivBackward2"

    @staticmethod
    def forward(x, y):
        if x.dtype.kind in "iu":
            if np.any(np.asarray(y) == 0):
                raise RuntimeError("ZeroDivisionError")
            q = np.floor_divide(x, y)
            r = np.remainder(x, y)
            # floor -> trunc: add one where the signs differ and the division is inexact
            fix = (r != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0))
            return (q + fix).astype(q.dtype, copy=False), None
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.trunc(x / y), None

    @staticmethod
    def backward(saved, g, needs):
        return g * 0, g * 0


class DivFloor(Op):
    bw_name = "DivBackward2"

    @staticmethod
    def forward(x, y):
        if x.dtype.kind in "iu" and np.any(np.asarray(y) == 0):
            raise RuntimeError("ZeroDivisionError")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(x, y), None

    @staticmethod
    def backward(saved, g, needs):
        return g * 0, g * 0


class DivTruncTensor(DivTrunc):   # tensor divisor: torch saves both operands (version checks)
    saves = ("x0", "x1")
    bw_name = "DivBackward2"

    @staticmethod
    def forward(x, y):
        return DivTrunc.forward(x, y)[0], (x, y)


class DivFloorTensor(DivFloor):
    saves = ("x0", "x1")
    bw_name = "DivBackward2"

    @staticmethod
    def forward(x, y):
        return DivFloor.forward(x, y)[0], (x, y)


# ---- non-differentiable elementwise ----------------------------------------------------------------

class LogicalAnd(_NoGrad):
    forward = _cmp(np.logical_and)


class LogicalOr(_NoGrad):
    forward = _cmp(np.logical_or)


class LogicalXor(_NoGrad):
    forward = _cmp(np.logical_xor)


class BitwiseLeftShift(_NoGrad):
    forward = _cmp(np.left_shift)


class BitwiseRightShift(_NoGrad):
    forward = _cmp(np.right_shift)


# ---- gamma family (no SciPy): Lanczos lgamma, shifted asymptotic series for polygamma -------------

_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * _math.log(2 * _math.pi)
# Bernoulli numbers B_2k, k = 1..7, for the asymptotic expansions
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


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
    with np.errstate(divide="ignore", invalid="ignore"):
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
    with np.errstate(divide="ignore", invalid="ignore"):
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
            fact_n = _math.factorial(n)
            out = _math.factorial(n - 1) / z ** n + fact_n / (2 * z ** (n + 1))
            for k, b in enumerate(_B2K, start=1):
                out += b * _math.factorial(2 * k + n - 1) / (_math.factorial(2 * k) * z ** (2 * k + n))
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
        xd = _data(x)
        # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0
        px = x * _math.pi
        safe = x + (xd == 0)
        gx = g * (_cos(px) - _sin(px) / (px + (xd == 0))) / safe
        return (gx * (xd != 0),)


class Angle(_ZeroGrad):
    to_float = True

    @staticmethod
    def forward(x):
        # the argument of a real number: pi for negatives, 0 otherwise (NaN stays NaN)
        return np.where(x < 0, x.dtype.type(_math.pi), x * 0), None
