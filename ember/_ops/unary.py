"""Elementwise math of one tensor: exp/log, powers and roots, trigonometric and hyperbolic functions,
rounding, sigmoid/logit, NaN tests. Kernels, the public functions (`ember.exp`, ...) and the Tensor
methods (`x.exp()`, `x.exp_()`, ...). Matches torch's.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._inplace import inplace_op, write_out
from .._tensor_base import _tensor_input, _unary, _wrap
from ._base import Op, b_cos, b_cosh, b_mask, b_sin, b_sinh, b_sqrt, data_of, float_arg, int_arg, named

__all__ = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "sin", "cos", "tan",
           "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
           "arcsinh", "arccosh", "arctanh", "sigmoid", "logit", "floor", "ceil", "round", "trunc", "fix", "frac",
           "deg2rad", "rad2deg", "nan_to_num", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal",
           "signbit", "angle", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg", "real",
           "imag", "exp_", "log_", "sqrt_", "tanh_", "sigmoid_", "rsqrt_", "sin_", "cos_", "square_", "floor_",
           "ceil_", "round_", "trunc_", "fix_", "frac_", "nan_to_num_", "deg2rad_", "rad2deg_", "logit_"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_DEG2RAD = math.pi / 180.0
_RAD2DEG = 180.0 / math.pi


# ---- kernels -------------------------------------------------------------------------------------

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
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
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


class _Unary(Op):
    saves = ("x0",)
    to_float = True


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
        return (g * b_cos(saved[0]),)


class Cos(_Unary):
    @staticmethod
    def forward(x):
        return np.cos(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (-g * b_sin(saved[0]),)


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
        return (g / b_sqrt(1 - x * x),)


class Acos(_Unary):
    @staticmethod
    def forward(x):
        return np.arccos(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (-g / b_sqrt(1 - x * x),)


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
        return (g * b_cosh(saved[0]),)


class Cosh(_Unary):
    @staticmethod
    def forward(x):
        return np.cosh(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * b_sinh(saved[0]),)


class Asinh(_Unary):
    @staticmethod
    def forward(x):
        return np.arcsinh(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g / b_sqrt(x * x + 1),)


class Acosh(_Unary):
    @staticmethod
    def forward(x):
        return np.arccosh(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (g / b_sqrt(x * x - 1),)


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
        return np.log(z / (1 - z)), (x, eps)

    @staticmethod
    def backward(saved, g, needs):
        x, eps = saved
        gx = g / (x * (1 - x))
        if eps is not None:
            xd = data_of(x)
            gx = b_mask((xd >= eps) & (xd <= 1 - eps), gx)
        return (gx,)


class _ZeroGrad(Op):
    @staticmethod
    def backward(saved, g, needs):
        return (g * 0,)


class Floor(_ZeroGrad):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

    @staticmethod
    def forward(x):
        return (np.floor(x) if x.dtype.kind == "f" else x.copy()), None


class Ceil(_ZeroGrad):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

    @staticmethod
    def forward(x):
        return (np.ceil(x) if x.dtype.kind == "f" else x.copy()), None


class Trunc(_ZeroGrad):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

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


class RoundDecimals(Round):
    bw_name = "RoundBackward1"


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
        return (b_mask(np.isfinite(data_of(saved[0])), g),)


class Angle(_ZeroGrad):
    to_float = True

    @staticmethod
    def forward(x):
        # the argument of a real number: pi for negatives, 0 otherwise (NaN stays NaN)
        return np.where(x < 0, x.dtype.type(math.pi), x * 0), None


# ---- public functions ------------------------------------------------------------------------------

def _kernel_fns(op, name, check=None):
    """The function and its in-place form for a kernel of one input and no arguments."""
    def f(input, *, out=None):
        if check is not None:
            check(_tensor_input(input), name)
        r = _unary(op, input)
        return r if out is None else write_out(r, out)

    def f_(input):
        if check is not None:
            check(input, name)
        return inplace_op(op, input)
    named(f, name)
    named(f_, name + "_")
    f.__doc__ = f"Elementwise `{name}`. Matches `torch.{name}`."
    return f, f_


def _no_bool(t, name):
    if t._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{name}_vml_cpu\" not implemented for 'Bool'")


# NOTE: the plain unary functions share one wrapper; each is spelled out so that grep finds it.
exp, exp_ = _kernel_fns(Exp, "exp")
exp2, exp2_ = _kernel_fns(Exp2, "exp2")
expm1, expm1_ = _kernel_fns(Expm1, "expm1")
log, log_ = _kernel_fns(Log, "log")
log2, log2_ = _kernel_fns(Log2, "log2")
log10, log10_ = _kernel_fns(Log10, "log10")
log1p, log1p_ = _kernel_fns(Log1p, "log1p")
sqrt, sqrt_ = _kernel_fns(Sqrt, "sqrt")
rsqrt, rsqrt_ = _kernel_fns(Rsqrt, "rsqrt")
square, square_ = _kernel_fns(Square, "square")
sin, sin_ = _kernel_fns(Sin, "sin")
cos, cos_ = _kernel_fns(Cos, "cos")
tan, tan_ = _kernel_fns(Tan, "tan")
asin, asin_ = _kernel_fns(Asin, "asin")
acos, acos_ = _kernel_fns(Acos, "acos")
atan, atan_ = _kernel_fns(Atan, "atan")
sinh, sinh_ = _kernel_fns(Sinh, "sinh")
cosh, cosh_ = _kernel_fns(Cosh, "cosh")
tanh, tanh_ = _kernel_fns(Tanh, "tanh")
asinh, asinh_ = _kernel_fns(Asinh, "asinh")
acosh, acosh_ = _kernel_fns(Acosh, "acosh")
atanh, atanh_ = _kernel_fns(Atanh, "atanh")
sigmoid, sigmoid_ = _kernel_fns(Sigmoid, "sigmoid")
deg2rad, deg2rad_ = _kernel_fns(Deg2Rad, "deg2rad")
rad2deg, rad2deg_ = _kernel_fns(Rad2Deg, "rad2deg")
floor, floor_ = _kernel_fns(Floor, "floor", _no_bool)
ceil, ceil_ = _kernel_fns(Ceil, "ceil", _no_bool)
trunc, trunc_ = _kernel_fns(Trunc, "trunc", _no_bool)
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
arcsin_, arccos_, arctan_, arcsinh_, arccosh_, arctanh_ = asin_, acos_, atan_, asinh_, acosh_, atanh_
fix, fix_ = trunc, trunc_


def round(input, *, decimals=0, out=None):
    """Round half to even (to `decimals` places). Matches `torch.round`."""
    input = _tensor_input(input)
    if type(decimals) is not int:
        decimals = int_arg(decimals, "decimals")
    if input._data.dtype.kind == "b" or decimals and input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{'round_vml_cpu' if not decimals else 'round_cpu'}\" not implemented for "
                                  f"'{D.scalar_type_name(input._data.dtype)}'")
    return write_out(_unary(RoundDecimals, input, decimals) if decimals else _unary(Round, input), out)


def round_(input, *, decimals=0):
    if input._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{'round_vml_cpu' if not decimals else 'round_cpu'}\" not implemented for "
                                  "'Bool'")
    return inplace_op(RoundDecimals, input, decimals, None) if decimals else inplace_op(Round, input)


def _float_only(input, name):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{D.scalar_type_name(input._data.dtype)}'")


frac, frac_ = _kernel_fns(Frac, "frac", _float_only)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given. Matches `torch.logit`."""
    return write_out(_unary(Logit, _tensor_input(input), eps if eps is None else float_arg(eps, "eps")), out)


def logit_(input, eps=None):
    return inplace_op(Logit, input, eps, None)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN -> nan, +inf -> posinf, -inf -> neginf (the dtype's extremes by default). Matches `torch.nan_to_num`."""
    nan, posinf, neginf = (v if v is None else float_arg(v, k) for v, k in ((nan, "nan"), (posinf, "posinf"),
                                                                             (neginf, "neginf")))
    return write_out(_unary(NanToNum, _tensor_input(input), nan, posinf, neginf), out)


def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):
    return inplace_op(NanToNum, input, nan, posinf, neginf)


def angle(input, *, out=None):
    return write_out(_unary(Angle, _tensor_input(input)), out)


def _test_fn(np_fn, name):
    def f(input, *, out=None):
        return write_out(_wrap(np_fn(_tensor_input(input)._data)), out)
    named(f, name)
    f.__doc__ = f"Elementwise `{name}` (a bool tensor). Matches `torch.{name}`."
    return f


isnan = _test_fn(np.isnan, "isnan")
isinf = _test_fn(np.isinf, "isinf")
isfinite = _test_fn(np.isfinite, "isfinite")
isposinf = _test_fn(np.isposinf, "isposinf")
isneginf = _test_fn(np.isneginf, "isneginf")
signbit = _test_fn(np.signbit, "signbit")


def isreal(input):
    return _wrap(np.ones(_tensor_input(input)._data.shape, bool))


# real tensors only: the complex views are the tensor itself (or an error, like torch)
def conj(input):
    return _tensor_input(input)


conj_physical = resolve_conj = resolve_neg = conj


class ConjPhysical(Op):
    """conj_physical_ of a real tensor: the values stay, but torch records the write (and bumps the version)."""
    bw_name = "ConjPhysicalBackward1"

    @staticmethod
    def forward(x):
        return x, None               # called through inplace(): x is the tensor's own memory

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


def conj_physical_(input):
    return inplace_op(ConjPhysical, input)


def is_conj(input):
    return False


def is_neg(input):
    return False


def real(input):
    return _tensor_input(input)


def imag(input):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


# ---- the Tensor methods ------------------------------------------------------------------------------

class UnaryMethods:
    __slots__ = ()

    exp, exp_, exp2, exp2_, expm1, expm1_ = exp, exp_, exp2, exp2_, expm1, expm1_
    log, log_, log2, log2_, log10, log10_, log1p, log1p_ = log, log_, log2, log2_, log10, log10_, log1p, log1p_
    sqrt, sqrt_, rsqrt, rsqrt_, square, square_ = sqrt, sqrt_, rsqrt, rsqrt_, square, square_
    sin, sin_, cos, cos_, tan, tan_ = sin, sin_, cos, cos_, tan, tan_
    asin, asin_, acos, acos_, atan, atan_ = asin, asin_, acos, acos_, atan, atan_
    arcsin, arcsin_, arccos, arccos_, arctan, arctan_ = arcsin, arcsin_, arccos, arccos_, arctan, arctan_
    sinh, sinh_, cosh, cosh_, tanh, tanh_ = sinh, sinh_, cosh, cosh_, tanh, tanh_
    asinh, asinh_, acosh, acosh_, atanh, atanh_ = asinh, asinh_, acosh, acosh_, atanh, atanh_
    arcsinh, arcsinh_, arccosh, arccosh_, arctanh, arctanh_ = arcsinh, arcsinh_, arccosh, arccosh_, arctanh, arctanh_
    sigmoid, sigmoid_, logit, logit_ = sigmoid, sigmoid_, logit, logit_
    floor, floor_, ceil, ceil_, trunc, trunc_, fix, fix_ = floor, floor_, ceil, ceil_, trunc, trunc_, fix, fix_
    round, round_, frac, frac_ = round, round_, frac, frac_
    deg2rad, deg2rad_, rad2deg, rad2deg_ = deg2rad, deg2rad_, rad2deg, rad2deg_
    nan_to_num, nan_to_num_, angle = nan_to_num, nan_to_num_, angle
    isnan, isinf, isfinite, isposinf, isneginf, isreal, signbit = (isnan, isinf, isfinite, isposinf, isneginf,
                                                                   isreal, signbit)
    conj, conj_physical, conj_physical_, resolve_conj, resolve_neg = (conj, conj_physical, conj_physical_,
                                                                      resolve_conj, resolve_neg)
    is_conj, is_neg = is_conj, is_neg

    @property
    def real(self):
        return self

    @property
    def imag(self):
        return imag(self)
