"""Elementwise ops of two or three tensors: clamp, maximum/minimum, where, lerp, addcmul/addcdiv, atan2,
hypot, logaddexp, copysign, ldexp/frexp/nextafter. Kernels, the public functions and the Tensor
methods. Matches torch's.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._inplace import inplace, inplace_op, write_out
from .._tensor_base import (_KIND, TensorBase, _apply, _binary, _result_np, _scalar_np, _tensor_input, _tensor_of,
                            _unary, _wrap)
from ._base import Op, b_exp, b_mask, b_unary, b_where, data_of, float_arg, named
from .arith import Add, _check_broadcastable

__all__ = ["clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin", "where", "lerp",
           "addcmul", "addcdiv", "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "copysign", "ldexp",
           "frexp", "nextafter", "clamp_", "clip_", "clamp_min_", "clamp_max_"]


# ---- kernels -------------------------------------------------------------------------------------

class Clamp(Op):
    """clamp(x, min, max) with Python-number bounds (either may be None)."""
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
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
        xd = data_of(x)
        if lo is not None and hi is not None:
            m = (xd >= lo) & (xd <= hi)
        elif lo is not None:
            m = xd >= lo
        else:
            m = xd <= hi
        return (b_mask(m, g),)


class ClampMin(Clamp):   # clamp_min(x, number)
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "ClampMinBackward0"


class ClampMax(Clamp):   # clamp_max(x, number)
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "ClampMaxBackward0"


class ClampTensor(Op):
    """clamp(x, min, max) with tensor bounds: inputs (x, lo, hi), (x, lo) or (x, hi); `mode` says which."""
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
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
        xd, bd = data_of(x), data_of(b)
        if mode == "both":
            cd = data_of(c)
            gx = b_mask((xd >= bd) & (xd <= cd), g) if needs[0] else None
            glo = b_mask((xd < bd) & (bd < cd), g) if needs[1] else None
            ghi = b_mask((xd > cd) | (bd > cd), g) if needs[2] else None
            return gx, glo, ghi
        if mode == "min":
            return (b_mask(xd >= bd, g) if needs[0] else None), (b_mask(xd < bd, g) if needs[1] else None)
        return (b_mask(xd <= bd, g) if needs[0] else None), (b_mask(xd > bd, g) if needs[1] else None)


class _Binary(Op):
    saves = ("x0", "x1")


def _tie_split(x, y, g, needs, wins):
    # maximum/minimum: the winner takes g; ties share it equally (torch)
    xd, yd = data_of(x), data_of(y)
    w = wins(xd, yd).astype(data_of(g).dtype)
    tie = xd == yd
    if tie.any():
        w += 0.5 * tie
    return (g * w if needs[0] else None), ((g - g * w) if needs[1] else None)


class Maximum(_Binary):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

    @staticmethod
    def forward(x, y):
        return np.maximum(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        return _tie_split(x, y, g, needs, np.greater)


class Minimum(_Binary):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

    @staticmethod
    def forward(x, y):
        return np.minimum(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        return _tie_split(x, y, g, needs, np.less)


class Fmax(_Binary):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

    @staticmethod
    def forward(x, y):
        return np.fmax(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        xd, yd = data_of(x), data_of(y)
        m = (xd >= yd) | np.isnan(yd)
        return (b_mask(m, g) if needs[0] else None), (b_mask(~m, g) if needs[1] else None)


class Fmin(_Binary):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

    @staticmethod
    def forward(x, y):
        return np.fmin(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        xd, yd = data_of(x), data_of(y)
        m = (xd <= yd) | np.isnan(yd)
        return (b_mask(m, g) if needs[0] else None), (b_mask(~m, g) if needs[1] else None)


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
        raise NotImplementedError(f"\"{name}\" not implemented for '{D.scalar_type_name(x.dtype)}'")


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
        return (g / (b_exp(y - x) + 1) if needs[0] else None), (g / (b_exp(x - y) + 1) if needs[1] else None)


class Logaddexp2(Op):
    saves = ("x0", "x1")

    @staticmethod
    def forward(x, y):
        _float_only(x, "logaddexp2_cpu")
        return np.logaddexp2(x, y), (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        e2 = b_unary(np.exp2, "exp2")
        return (g / (e2(y - x) + 1) if needs[0] else None), (g / (e2(x - y) + 1) if needs[1] else None)


class Copysign(Op):   # copysign(tensor, tensor); CopysignScalar below for a number `other`
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
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
        xd, od = data_of(x), data_of(out)
        # d/dx copysign(x, y) = out / x, i.e. +-1 (0 at x == 0)
        s = np.where(xd == 0, 0.0, np.sign(xd) * np.sign(od)).astype(xd.dtype, copy=False)
        return (g * s if needs[0] else None), (g * 0 if needs[1] else None)


class CopysignScalar(Copysign):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "CopysignBackward1"


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


class Where(Op):
    """where(cond, x, y); cond is a static boolean array."""
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c",)

    @staticmethod
    def forward(x, y, cond):
        return np.where(cond, x, y), (cond,)

    @staticmethod
    def backward(saved, g, needs):
        cond = saved[0]
        zero = g * 0
        return (b_where(cond, g, zero) if needs[0] else None), (b_where(cond, zero, g) if needs[1] else None)


class Nextafter(Op):
    """torch's derivative: the gradient passes to input unchanged, other gets zeros."""

    @staticmethod
    def forward(x, y):
        return np.nextafter(x, y), None

    @staticmethod
    def backward(saved, g, needs):
        return g, (g * 0 if needs[1] else None)


# ---- public functions ------------------------------------------------------------------------------

def _result_many(arrays):
    """torch's result dtype over several arrays (0-d arrays rank below dimensioned ones)."""
    dt = arrays[0].dtype
    dimmed = arrays[0].ndim > 0
    for a in arrays[1:]:
        dt = _result_np(np.empty((1,) if dimmed else (), dt), a)
        dimmed = dimmed or a.ndim > 0
    return dt


_ndarray = np.ndarray
_NUMBER = frozenset((float, int, type(None)))


def clamp(input, min=None, max=None, *, out=None):
    """Limit input to [min, max] (numbers or broadcast tensors; either may be None). Matches `torch.clamp`."""
    if type(min) in _NUMBER and type(max) in _NUMBER and out is None and (min is not None or max is not None) \
            and isinstance(input, TensorBase) and input._data.dtype.kind == "f":
        return _unary(Clamp, input, min, max)      # fast path: float tensor, number bounds
    x = _tensor_input(input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    for b, k in ((min, "min"), (max, "max")):
        if b is not None and not isinstance(b, TensorBase):
            float_arg(b, k)
    if isinstance(min, TensorBase) or isinstance(max, TensorBase):
        bounds = [b if isinstance(b, TensorBase) or b is None else
                  _wrap(np.asarray(b, dtype=_scalar_np(x._data, b))) for b in (min, max)]
        ts = (x,) + tuple(b for b in bounds if b is not None)
        dt = _result_many([t._data for t in ts])
        ts = tuple(t if t._data.dtype is dt else t.to(D._FROM_NP[dt]) for t in ts)
        mode = "both" if len(ts) == 3 else ("min" if min is not None else "max")
        _check_broadcastable([t._data.shape for t in ts], "clamp")
        return write_out(_apply(ClampTensor, ts, mode), out)
    dt = x._data.dtype
    for b in (min, max):
        if b is not None:
            bd = _scalar_np(x._data, b)
            if bd is not dt and _KIND[bd] > _KIND[dt]:
                dt = bd
    if dt is not x._data.dtype:
        x = x.to(D._FROM_NP[dt])
    return write_out(_unary(Clamp, x, min, max), out)


def clamp_(input, min=None, max=None):
    if not isinstance(min, TensorBase) and not isinstance(max, TensorBase):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        return inplace_op(Clamp, input, min, max)
    return inplace(input, clamp, input, min, max)


def clamp_min(input, min):
    if input._data.dtype.kind == "f" and type(min) in _NUMBER and min is not None:
        return _unary(ClampMin, input, min, None)      # torch names this node ClampMinBackward0
    return clamp(input, min, None)


def clamp_max(input, max):
    if input._data.dtype.kind == "f" and type(max) in _NUMBER and max is not None:
        return _unary(ClampMax, input, None, max)
    return clamp(input, None, max)


def clamp_min_(input, min):
    return clamp_(input, min, None)


def clamp_max_(input, max):
    return clamp_(input, None, max)


clip, clip_ = clamp, clamp_


def _binary_fn(op, name, check=None):
    def f(input, other, *, out=None):
        input = _tensor_input(input)
        if check is not None:
            check(other, name)
        return write_out(_binary(op, input, other), out)

    def f_(input, other):
        if check is not None:
            check(other, name + "_")
        return inplace_op(op, input, other)
    named(f, name)
    named(f_, name + "_")
    f.__doc__ = f"Elementwise `{name}` with broadcasting. Matches `torch.{name}`."
    return f, f_


def _tensor_arg(other, name):
    if not isinstance(other, TensorBase):
        raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")


maximum, _ = _binary_fn(Maximum, "maximum")
minimum, _ = _binary_fn(Minimum, "minimum")
fmax, _ = _binary_fn(Fmax, "fmax")
fmin, _ = _binary_fn(Fmin, "fmin")
atan2, atan2_ = _binary_fn(Atan2, "atan2")
hypot, hypot_ = _binary_fn(Hypot, "hypot", _tensor_arg)
logaddexp, _ = _binary_fn(Logaddexp, "logaddexp", _tensor_arg)
logaddexp2, _ = _binary_fn(Logaddexp2, "logaddexp2", _tensor_arg)
arctan2, arctan2_ = atan2, atan2_


def copysign(input, other, *, out=None):
    return write_out(_binary(Copysign if isinstance(other, TensorBase) else CopysignScalar, _tensor_input(input),
                             other), out)


def copysign_(input, other):
    return inplace_op(Copysign if isinstance(other, TensorBase) else CopysignScalar, input, other)


def where(condition, input=None, other=None, *, out=None):
    """Elements of input where condition is True, else of other (numbers broadcast too); `where(condition)`
    is `nonzero(condition, as_tuple=True)`. Matches `torch.where`."""
    cond = _tensor_of(condition)
    if input is None and other is None:
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(cond._data))
    if cond._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{cond.dtype.name.capitalize()}")
    x = input if isinstance(input, TensorBase) else None
    y = other if isinstance(other, TensorBase) else None
    if x is None and y is None:
        dt = D.PROMOTE[(D.scalar_dtype(input), D.scalar_dtype(other))].np
        return write_out(_wrap(np.where(cond._data, np.asarray(input, dt), np.asarray(other, dt))), out)
    if x is None:
        x = _wrap(np.asarray(input, dtype=_scalar_np(y._data, input)))
    if y is None:
        y = _wrap(np.asarray(other, dtype=_scalar_np(x._data, other)))
    dt = _result_np(x._data, y._data)
    if x._data.dtype is not dt:
        x = x.to(D._FROM_NP[dt])
    if y._data.dtype is not dt:
        y = y.to(D._FROM_NP[dt])
    try:
        np.broadcast_shapes(cond._data.shape, x._data.shape, y._data.shape)
    except ValueError:
        raise RuntimeError(f"The shapes of condition {tuple(cond.shape)}, input {tuple(x.shape)} and other "
                           f"{tuple(y.shape)} are not broadcastable") from None
    return write_out(_apply(Where, (x, y), cond._data), out)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input). Matches `torch.lerp`."""
    s, e = _tensor_input(input), _tensor_input(end, "end", 2)
    if s._data.dtype is not e._data.dtype:
        raise RuntimeError(f"expected dtype {s.dtype.name} for `end` but got dtype {e.dtype.name}")
    if s._data.dtype.kind != "f":
        kernel = "lerp_kernel_tensor" if isinstance(weight, TensorBase) else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{D.scalar_type_name(s._data.dtype)}'")
    shapes = [s._data.shape, e._data.shape] + ([weight._data.shape] if isinstance(weight, TensorBase) else [])
    _check_broadcastable(shapes, "lerp")
    if isinstance(weight, TensorBase):
        if weight._data.dtype is not s._data.dtype:
            raise RuntimeError(f"expected dtype {s.dtype.name} for `weight` but got dtype {weight.dtype.name}")
        return write_out(_apply(Lerp, (s, e, weight)), out)
    return write_out(_apply(LerpScalar, (s, e), float(weight)), out)


def lerp_(input, end, weight):
    return inplace(input, lerp, input, end, weight)


def _fused3(op, input, tensor1, tensor2, value, name):
    """Run Addcmul/Addcdiv when all three are tensors of one float result dtype (else None)."""
    if not (isinstance(input, TensorBase) and isinstance(tensor1, TensorBase) and isinstance(tensor2, TensorBase)):
        return None
    if type(value) is not int and type(value) is not float:
        return None
    ts = (input, tensor1, tensor2)
    dt = input._data.dtype
    if not (tensor1._data.dtype is dt and tensor2._data.dtype is dt):
        dt = _result_many([t._data for t in ts])
        if dt.kind == "f":
            d = D.from_numpy_dtype(dt)
            ts = tuple(t if t._data.dtype is dt else t.to(d) for t in ts)
    if dt.kind != "f":
        return None
    try:
        return _apply(op, ts, value)
    except ValueError:
        _check_broadcastable([t._data.shape for t in ts], name)
        raise


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2. Matches `torch.addcmul`."""
    r = _fused3(Addcmul, input, tensor1, tensor2, value, "addcmul")
    if r is not None:
        return write_out(r, out)
    p = tensor1 * tensor2
    return write_out(_tensor_of(input) + (p if value == 1 else p * value), out)


def addcmul_(input, tensor1, tensor2, *, value=1):
    p = tensor1 * tensor2
    return inplace_op(Add, input, p if value == 1 else p * value)


def _check_addcdiv(tensor1, tensor2):
    for t in (tensor1, tensor2):
        if isinstance(t, TensorBase) and t._data.dtype.kind in "biu" and (
                not isinstance(tensor1, TensorBase) or not isinstance(tensor2, TensorBase) or
                (tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu")):
            raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                               "addcdiv will perform a true division of tensor1 and tensor2.")


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2. Matches `torch.addcdiv`."""
    _check_addcdiv(tensor1, tensor2)
    r = _fused3(Addcdiv, input, tensor1, tensor2, value, "addcdiv")
    if r is not None:
        return write_out(r, out)
    p = tensor1 / tensor2
    return write_out(_tensor_of(input) + (p if value == 1 else p * value), out)


def addcdiv_(input, tensor1, tensor2, *, value=1):
    _check_addcdiv(tensor1, tensor2)
    p = tensor1 / tensor2
    return inplace_op(Add, input, p if value == 1 else p * value)


def ldexp(input, other, *, out=None):
    """input * 2**other. Matches `torch.ldexp`."""
    x, e = _tensor_input(input), _tensor_input(other, "other", 2)
    if x._data.dtype.kind != "f":
        x = x.float()
    return write_out(x * e.to(x.dtype).exp2(), out)


def ldexp_(input, other):
    return inplace(input, ldexp, input, other)


def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2**exponent. Matches `torch.frexp`."""
    x = _tensor_input(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = np.frexp(x._data)
    return return_types.frexp(_wrap(m), _wrap(e.astype(np.int32)))


def nextafter(input, other, *, out=None):
    """The next float after input in the direction of other. Matches `torch.nextafter`."""
    return write_out(_binary(Nextafter, _tensor_input(input), _tensor_input(other, "other", 2)), out)


def nextafter_(input, other):
    return inplace_op(Nextafter, input, _tensor_input(other, "other", 2))


# ---- the Tensor methods ------------------------------------------------------------------------------

class BinaryMethods:
    __slots__ = ()

    clamp, clamp_, clip, clip_ = clamp, clamp_, clip, clip_
    clamp_min, clamp_max, clamp_min_, clamp_max_ = clamp_min, clamp_max, clamp_min_, clamp_max_
    maximum, minimum, fmax, fmin = maximum, minimum, fmax, fmin
    atan2, atan2_, arctan2, arctan2_ = atan2, atan2_, arctan2, arctan2_
    hypot, hypot_, logaddexp, logaddexp2, copysign, copysign_ = hypot, hypot_, logaddexp, logaddexp2, copysign, \
        copysign_
    lerp, lerp_, addcmul, addcmul_, addcdiv, addcdiv_ = lerp, lerp_, addcmul, addcmul_, addcdiv, addcdiv_
    ldexp, ldexp_, frexp, nextafter, nextafter_ = ldexp, ldexp_, frexp, nextafter, nextafter_

    def where(self, condition, y):
        return where(condition, self, y)
