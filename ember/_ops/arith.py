"""Arithmetic, comparison, logical and bitwise ops: kernels, the public functions (`ember.add`, ...)
and the Tensor operators and methods (`+`, `x.add`, ...). Matches torch's.

The operators (`__add__`, ...) are one-line calls of the same hooks and validators as the named
functions; they skip the functions' optional `alpha=`/`out=` keywords, which cost about a quarter of
a small op's time.
"""
from __future__ import annotations

import builtins

import numpy as np

from .. import _dtype as D
from .._inplace import inplace, inplace_op, write_out, write_untracked
from .._tensor_base import (TensorBase, _as_operand, _binary, _result_np, _tensor_input, _tensor_of, _unary, _wrap,
                           declined, operand_type_error)
from ._base import Op, b_log, b_sign, b_trunc, b_where, data_of, float_arg, named

__all__ = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
           "remainder", "fmod", "pow", "float_power", "neg", "negative", "abs", "absolute", "sign", "sgn",
           "reciprocal", "positive", "eq", "ne", "lt", "le", "gt", "ge", "less", "less_equal", "greater",
           "greater_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
           "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm",
           "heaviside", "isclose", "allclose", "equal", "abs_", "neg_", "negative_", "sign_", "reciprocal_"]

_ndarray = np.ndarray
_BOOL = np.dtype(bool)


# ---- kernels -------------------------------------------------------------------------------------

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
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

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
        x, y, out = saved
        if y == 0:
            # d(0**x)/dx = 0**x log 0: torch's 0 where x >= 0, and inf * -inf = -inf (times g) where x < 0
            return b_where(data_of(x) >= 0, 0.0, g * out * -np.inf), None
        return g * out * float(np.log(y)), None


class Abs(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("x0",)

    @staticmethod
    def forward(x):
        if x.dtype.kind == "b":
            raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
        return np.abs(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * b_sign(saved[0]),)


class _NoGrad(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
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


class _GradNotImplemented(Op):
    """Ops torch gives no derivative: they still record a node (torch::autograd::NotImplemented), and a
    backward that reaches it raises torch's error naming the operator (`aten`)."""
    bw_name = "torch::autograd::NotImplemented"
    aten = ""

    @classmethod
    def backward(cls, saved, g, needs):
        raise RuntimeError(f"derivative for aten::{cls.aten} is not implemented")


class FloorDivide(_GradNotImplemented):
    bw_name = "torch::autograd::NotImplemented"
    aten = "floor_divide"

    @staticmethod
    def forward(x, y):
        if x.dtype.kind == "b":   # both operands bool (after promotion)
            raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
        if x.dtype.kind in "iu" and (type(y) is int or getattr(y, "dtype", None) is not None and y.dtype.kind in "iu"):
            if np.any(np.asarray(y) == 0):
                raise RuntimeError("ZeroDivisionError")
        return np.floor_divide(x, y), None


class FloorDivideInplace(FloorDivide):
    bw_name = "torch::autograd::NotImplemented"
    aten = "floor_divide_"


class Heaviside(_GradNotImplemented):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "torch::autograd::NotImplemented"
    aten = "heaviside"

    @staticmethod
    def forward(x, v):
        return np.where(x == 0, v, (x > 0).astype(x.dtype)).astype(x.dtype, copy=False), None


class HeavisideInplace(Heaviside):
    bw_name = "torch::autograd::NotImplemented"
    aten = "heaviside_"


class _CompareInplace(Op):
    """x.eq_(y), ...: the comparison written in x's dtype; torch records it with a zero gradient."""
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    scalar_array = False

    @staticmethod
    def backward(saved, g, needs):
        z = g * 0
        return (z if needs[0] else None), (z if needs[1] else None)


def _cmp_inplace(fn):
    return staticmethod(lambda x, y: (fn(x, y).astype(x.dtype), None))


class EqInplace(_CompareInplace):
    bw_name = "EqBackward0"
    forward = _cmp_inplace(np.equal)


class NeInplace(_CompareInplace):
    bw_name = "NeBackward0"
    forward = _cmp_inplace(np.not_equal)


class LtInplace(_CompareInplace):
    bw_name = "LtBackward0"
    forward = _cmp_inplace(np.less)


class LeInplace(_CompareInplace):
    bw_name = "LeBackward0"
    forward = _cmp_inplace(np.less_equal)


class GtInplace(_CompareInplace):
    bw_name = "GtBackward0"
    forward = _cmp_inplace(np.greater)


class GeInplace(_CompareInplace):
    bw_name = "GeBackward0"
    forward = _cmp_inplace(np.greater_equal)


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


class Sign(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

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


class FmodTensor(Op):
    saves = ("x0", "x1")
    saved_for = {"x0": (1,), "x1": (1,)}   # see Op.saved_for (core)
    bw_name = "FmodBackward1"

    @staticmethod
    def forward(x, y):
        return Fmod.forward(x, y)[0], (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        # x - trunc(x/y) * y
        gy = -g * b_trunc(data_of(x) / data_of(y)) if needs[1] else None
        return g, gy


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


# ---- validation shared by the functions and the operators ------------------------------------------

def _dtname(t):
    return D.scalar_type_name(t._data.dtype)


def _is_bool(v):
    return type(v) is bool or (isinstance(v, TensorBase) and v._data.dtype is _BOOL)


def _check_sub(a, b):
    """torch refuses subtraction when either operand (tensor or Python bool) is bool."""
    if a._data.dtype is _BOOL or _is_bool(b):
        if a._data.dtype is _BOOL and _is_bool(b):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")


def _check_neg(a):
    if a._data.dtype is _BOOL:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def _check_alpha(a, other, alpha):
    """torch's rule for add/sub's alpha: a number, not a float when the result is integral, a bool only for
    a bool result."""
    if not isinstance(alpha, (int, float)):
        alpha = float_arg(alpha, "alpha")
    if isinstance(other, TensorBase):
        k = _result_np(a._data, other._data).kind
    elif type(other) in (int, float, bool):
        k = "f" if type(other) is float else a._data.dtype.kind if type(other) is bool or \
            a._data.dtype.kind != "b" else "i"
    else:
        return alpha
    if isinstance(alpha, float) and k in "biu":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if type(alpha) is bool and k != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    return alpha


def _scaled(a, other, alpha):
    # add(alpha=...): for a bool result torch treats alpha as a bool (other * alpha would promote to int)
    alpha = _check_alpha(a, other, alpha)
    if a._data.dtype is _BOOL and _is_bool(other):
        return other & bool(alpha) if isinstance(other, TensorBase) else (other and bool(alpha))
    return other * alpha


def _no_bool(t, kernel):
    if t._data.dtype is _BOOL:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _no_bool_pair(a, b, kernel):
    if a._data.dtype is _BOOL and _is_bool(b):
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _rounding_op(mode, other):
    if mode == "trunc":
        return DivTruncTensor if isinstance(other, TensorBase) else DivTrunc
    if mode == "floor":
        return DivFloorTensor if isinstance(other, TensorBase) else DivFloor
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")


def _check_bitwise(a, b, name):
    for t in (a, b):
        k = t._data.dtype.kind if isinstance(t, TensorBase) else ("f" if isinstance(t, float) else "i")
        if k not in "biu":
            tname = _dtname(t) if isinstance(t, TensorBase) else "Float"
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{tname}'")


def _bitwise(op, a, b, name):
    c = _as_operand(b)
    if c is NotImplemented:
        raise operand_type_error(op, b)
    b = c
    _check_bitwise(a, b, name)
    return _binary(op, a, b)


def _done(r, name, other):
    """A named function's result: NotImplemented (an operand type the operators decline) is torch's TypeError."""
    if r is NotImplemented:
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return r


# ---- arithmetic -----------------------------------------------------------------------------------

def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcast. Matches `torch.add`."""
    if not isinstance(input, TensorBase):           # torch.add(number, tensor)
        t = _tensor_of(other)
        return write_out(_binary(Add, t if alpha == 1 else t * alpha, input), out)
    return write_out(_done(_binary(Add, input, other if alpha == 1 else _scaled(input, other, alpha)), "add",
                           other), out)


def add_(input, other, *, alpha=1):
    return inplace_op(Add, input, other if alpha == 1 else _scaled(input, other, alpha))


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other. Matches `torch.sub`."""
    input = _tensor_of(input)
    _check_sub(input, other)
    if alpha != 1:
        alpha = _check_alpha(input, other, alpha)
    return write_out(_done(_binary(Sub, input, other if alpha == 1 else other * alpha), "sub", other), out)


def sub_(input, other, *, alpha=1):
    _check_sub(input, other)
    return inplace_op(Sub, input, other if alpha == 1 else other * alpha)


subtract, subtract_ = sub, sub_


def rsub(input, other, *, alpha=1):
    """other - alpha * input. Matches `torch.rsub`."""
    input = _tensor_input(input)
    _check_sub(input, other)
    x = input if alpha == 1 else input * alpha
    return _binary(RSubTensor if isinstance(other, TensorBase) else RSub, x, other)


def mul(input, other, *, out=None):
    """input * other, broadcast. Matches `torch.mul`."""
    if not isinstance(input, TensorBase):
        input, other = _tensor_of(other), input
    return write_out(_done(_binary(Mul, input, other), "mul", other), out)


def mul_(input, other):
    return inplace_op(Mul, input, other)


multiply, multiply_ = mul, mul_


def div(input, other, *, rounding_mode=None, out=None):
    """input / other (true division; rounding_mode 'trunc' or 'floor'). Matches `torch.div`."""
    input = _tensor_of(input)
    if rounding_mode is None:
        return write_out(_done(_binary(Div, input, other), "div", other), out)
    op = _rounding_op(rounding_mode, other)
    _no_bool_pair(input, other, f"div_{rounding_mode}_cpu")
    return write_out(_binary(op, input, other), out)


def div_(input, other, *, rounding_mode=None):
    if rounding_mode is None:
        return inplace_op(Div, input, other)
    op = _rounding_op(rounding_mode, other)
    _no_bool_pair(input, other, f"div_{rounding_mode}_cpu")
    return inplace_op(op, input, other)


divide, divide_ = div, div_


def true_divide(dividend, divisor, *, out=None):
    return div(dividend, divisor, out=out)


def true_divide_(input, other):
    return inplace_op(Div, input, other)


def floor_divide(input, other, *, out=None):
    input = _tensor_of(input)
    _no_bool_pair(input, other, "div_floor_cpu")
    return write_out(_binary(FloorDivide, input, other), out)


def floor_divide_(input, other):
    _no_bool_pair(input, other, "div_floor_cpu")
    return inplace_op(FloorDivideInplace, input, other)


def remainder(input, other, *, out=None):
    """Python-style modulus (the sign of the divisor). Matches `torch.remainder`."""
    if not isinstance(input, TensorBase):           # torch.remainder(number, tensor)
        if out is not None:                         # torch has no out= form of remainder(Scalar, Tensor)
            raise TypeError("remainder() received an invalid combination of arguments - got a number, a Tensor "
                            "and out=: the number-first form takes no out=")
        return _rmod(other, _scalar_first("remainder", input, other))
    return write_out(_binary(RemainderTensor if isinstance(other, TensorBase) else Remainder, input, other), out)


def remainder_(input, other):
    return inplace_op(RemainderTensor if isinstance(other, TensorBase) else Remainder, input, other)


def _rmod(self, other):
    other = _as_operand(other)
    if other is NotImplemented:
        return other
    return _binary(RemainderTensor, _tensor_of(other), self)


def fmod(input, other, *, out=None):
    """C-style modulus (the sign of the dividend). Matches `torch.fmod`."""
    op = FmodTensor if isinstance(other, TensorBase) else Fmod
    return write_out(_binary(op, _tensor_input(input), other), out)


def fmod_(input, other):
    return inplace_op(FmodTensor if isinstance(other, TensorBase) else Fmod, input, other)


def _scalar_first(name, input, other):
    """torch.<name>(number, tensor): the number (Python or NumPy); anything else is torch's TypeError."""
    if isinstance(input, (bool, int, float, np.number, np.bool_)) and isinstance(other, TensorBase):
        return input
    raise TypeError(f"{name}() received an invalid combination of arguments - got ({type(input).__name__}, "
                    f"{type(other).__name__}): the first argument must be a Tensor, or a number with a Tensor "
                    f"second")


def pow(input, exponent, *, out=None):
    """input ** exponent (either may be a number). Matches `torch.pow`."""
    if not isinstance(input, TensorBase):           # torch.pow(number, tensor)
        return write_out(_rpow(exponent, _scalar_first("pow", input, exponent)), out)
    return write_out(_binary(PowTensor if isinstance(exponent, TensorBase) else Pow, input, exponent), out)


def pow_(input, exponent):
    return inplace_op(PowTensor if isinstance(exponent, TensorBase) else Pow, input, exponent)


def _rpow(self, other):
    other = _as_operand(other)
    if other is NotImplemented:
        return other
    if isinstance(other, TensorBase):
        return _binary(PowTensor, other, self)
    return _binary(RPow, self, other)


def float_power(input, exponent, *, out=None):
    """pow computed in float64. Matches `torch.float_power`."""
    a = _tensor_of(input).to(D.float64)
    e = exponent.to(D.float64) if isinstance(exponent, TensorBase) else builtins.float(exponent)
    return write_out(a.pow(e), out)


def float_power_(input, exponent):
    if input._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {input.dtype.name.capitalize()} but the "
                           "operation's result requires dtype Double")
    return pow_(input, exponent.double() if isinstance(exponent, TensorBase) else exponent)


def neg(input, *, out=None):
    input = _tensor_input(input)
    _check_neg(input)
    return write_out(_unary(Neg, input), out)


def neg_(input):
    return inplace_op(Neg, input)


negative, negative_ = neg, neg_


def positive(input):
    if _tensor_input(input)._data.dtype is _BOOL:
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return input


def abs(input, *, out=None):
    return write_out(_unary(Abs, _tensor_input(input)), out)


def abs_(input):
    return inplace_op(Abs, input)


absolute, absolute_ = abs, abs_


def sign(input, *, out=None):
    return write_out(_unary(Sign, _tensor_input(input)), out)


def sign_(input):
    return inplace_op(Sign, input)


def sgn(input, *, out=None):
    return write_out(_unary(Sgn, _tensor_input(input)), out)


def sgn_(input):
    return inplace_op(Sgn, input)


def reciprocal(input, *, out=None):
    return write_out(_unary(Reciprocal, _tensor_input(input)), out)


def reciprocal_(input):
    return inplace_op(Reciprocal, input)


# ---- comparisons, logical and bitwise ----------------------------------------------------------------

def _compare(op, name, op_=None):
    def f(input, other, *, out=None):
        return write_out(_done(_binary(op, _tensor_input(input), other), name, other), out)

    def f_(input, other):
        if op_ is None:             # logical ops: torch has no derivative, the write is not recorded
            return write_untracked(input, _binary, op, input, other)
        return inplace_op(op_, input, other)
    named(f, name)
    named(f_, name + "_")
    f.__doc__ = f"Elementwise `{name}` with broadcasting (a bool tensor). Matches `torch.{name}`."
    return f, f_


# NOTE: the comparisons share one wrapper; each is spelled out so that grep finds it.
eq, eq_ = _compare(Eq, "eq", EqInplace)
ne, ne_ = _compare(Ne, "ne", NeInplace)
lt, lt_ = _compare(Lt, "lt", LtInplace)
le, le_ = _compare(Le, "le", LeInplace)
gt, gt_ = _compare(Gt, "gt", GtInplace)
ge, ge_ = _compare(Ge, "ge", GeInplace)
logical_and, logical_and_ = _compare(LogicalAnd, "logical_and")
logical_or, logical_or_ = _compare(LogicalOr, "logical_or")
logical_xor, logical_xor_ = _compare(LogicalXor, "logical_xor")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_


def logical_not(input, *, out=None):
    return write_out(_wrap(np.logical_not(_tensor_input(input)._data)), out)


def logical_not_(input):
    return write_untracked(input, logical_not, input)


def _bitwise_fn(op, name, kernel):
    def f(input, other, *, out=None):
        return write_out(_done(_bitwise(op, _tensor_of(input), other, kernel), name, other), out)

    def f_(input, other):
        _check_bitwise(input, other, kernel)
        return inplace_op(op, input, other)
    named(f, name)
    named(f_, name + "_")
    f.__doc__ = f"Elementwise `{name}` of integer or bool tensors. Matches `torch.{name}`."
    return f, f_


bitwise_and, bitwise_and_ = _bitwise_fn(BitwiseAnd, "bitwise_and", "bitwise_and")
bitwise_or, bitwise_or_ = _bitwise_fn(BitwiseOr, "bitwise_or", "bitwise_or")
bitwise_xor, bitwise_xor_ = _bitwise_fn(BitwiseXor, "bitwise_xor", "bitwise_xor")
bitwise_left_shift, bitwise_left_shift_ = _bitwise_fn(BitwiseLeftShift, "bitwise_left_shift", "lshift")
bitwise_right_shift, bitwise_right_shift_ = _bitwise_fn(BitwiseRightShift, "bitwise_right_shift", "rshift")


def bitwise_not(input, *, out=None):
    input = _tensor_of(input)
    if input._data.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not_cpu not implemented for '{_dtname(input)}'")
    return write_out(_wrap(np.invert(input._data)), out)


def bitwise_not_(input):
    return inplace(input, bitwise_not, input)


def gcd(input, other, *, out=None):
    a, b = _tensor_input(input), _tensor_input(other, "other", 2)
    if a._data.dtype.kind not in "iu" or b._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"gcd_cpu\" not implemented for '{_dtname(a)}'")
    return write_out(_wrap(np.gcd(a._data, b._data).astype(_result_np(a._data, b._data))), out)


def gcd_(input, other):
    return inplace(input, gcd, input, other)


def lcm(input, other, *, out=None):
    a, b = _tensor_input(input), _tensor_input(other, "other", 2)
    if a._data.dtype.kind not in "iu" or b._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"lcm_cpu\" not implemented for '{_dtname(a)}'")
    return write_out(_wrap(np.lcm(a._data, b._data).astype(_result_np(a._data, b._data))), out)


def lcm_(input, other):
    return inplace(input, lcm, input, other)


def heaviside(input, values, *, out=None):
    x, v = _tensor_input(input), _tensor_input(values, "values", 2)
    if x._data.dtype is not v._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return write_out(_binary(Heaviside, x, v), out)


def heaviside_(input, values):
    return inplace_op(HeavisideInplace, input, _tensor_input(values, "values", 2))


def _check_broadcastable(shapes, name):
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"{name}: the shapes " + ", ".join(str(tuple(s)) for s in shapes)
                           + " are not broadcastable") from None


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _tensor_input(input), _tensor_input(other, "other", 2)
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"{a.dtype.name.capitalize()} did not match {b.dtype.name.capitalize()}")
    x, y = a._data, b._data
    _check_broadcastable([x.shape, y.shape], "isclose")
    if x.dtype.kind == "b":
        return _wrap(np.equal(x, y))
    return _wrap(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    a, b = _tensor_input(input), _tensor_input(other, "other", 2)
    return a._data.shape == b._data.shape and builtins.bool(np.array_equal(a._data, b._data))


# ---- the Tensor methods ------------------------------------------------------------------------------

def _operator(op, name):
    """`x <op> other` through the hook: an operand the op does not take gives NotImplemented (Python then
    tries the other side), as torch's operators do. A closure, not a wrapper: no extra frame."""
    def f(self, other):
        try:
            return _binary(op, self, other)
        except TypeError as e:
            return declined(e)
    return named(f, name)


def _bitwise_operator(op, kernel, name):
    def f(self, other):
        try:
            return _bitwise(op, self, other, kernel)
        except TypeError as e:
            return declined(e)
    return named(f, name)


class ArithMethods:
    __slots__ = ()

    __add__ = __radd__ = _operator(Add, "__add__")
    __mul__ = __rmul__ = _operator(Mul, "__mul__")
    __truediv__ = _operator(Div, "__truediv__")
    __eq__, __ne__, __lt__ = _operator(Eq, "__eq__"), _operator(Ne, "__ne__"), _operator(Lt, "__lt__")
    __le__, __gt__, __ge__ = _operator(Le, "__le__"), _operator(Gt, "__gt__"), _operator(Ge, "__ge__")
    __and__ = __rand__ = _bitwise_operator(BitwiseAnd, "bitwise_and", "__and__")
    __or__ = __ror__ = _bitwise_operator(BitwiseOr, "bitwise_or", "__or__")
    __xor__ = __rxor__ = _bitwise_operator(BitwiseXor, "bitwise_xor", "__xor__")
    __lshift__ = _bitwise_operator(BitwiseLeftShift, "lshift", "__lshift__")
    __rshift__ = _bitwise_operator(BitwiseRightShift, "rshift", "__rshift__")

    def __sub__(self, other):
        if self._data.dtype is _BOOL or type(other) is bool or (isinstance(other, TensorBase) and
                                                                 other._data.dtype is _BOOL):
            _check_sub(self, other)
        try:
            return _binary(Sub, self, other)
        except TypeError as e:
            return declined(e)

    def __rsub__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        _check_sub(self, other)
        if isinstance(other, TensorBase):
            return _binary(Sub, other, self)
        return _binary(RSub, self, other)

    def __rtruediv__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        if isinstance(other, TensorBase):
            return _binary(Div, other, self)
        # scalar / x is reciprocal(x) * scalar, as in torch: the same rounding, and only the
        # reciprocal's own output is saved (an in-place change to x afterwards is allowed)
        return _binary(Mul, _unary(Reciprocal, self), other)

    def __floordiv__(self, other):
        try:
            return floor_divide(self, other)
        except TypeError as e:
            return declined(e)

    def __rfloordiv__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        return _binary(FloorDivide, _tensor_of(other), self)

    def __mod__(self, other):
        try:
            return _binary(RemainderTensor if isinstance(other, TensorBase) else Remainder, self, other)
        except TypeError as e:
            return declined(e)

    __rmod__ = _rmod

    def __pow__(self, other):
        try:
            return _binary(PowTensor if isinstance(other, TensorBase) else Pow, self, other)
        except TypeError as e:
            return declined(e)

    __rpow__ = _rpow

    def __neg__(self):
        _check_neg(self)
        return _unary(Neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary(Abs, self)

    def __iadd__(self, other):
        return inplace_op(Add, self, other)

    def __isub__(self, other):
        _check_sub(self, other)
        return inplace_op(Sub, self, other)

    def __imul__(self, other):
        return inplace_op(Mul, self, other)

    def __itruediv__(self, other):
        return inplace_op(Div, self, other)

    __ifloordiv__ = floor_divide_
    __imod__ = remainder_
    __ipow__ = pow_

    __iand__, __ior__, __ixor__ = bitwise_and_, bitwise_or_, bitwise_xor_

    def __rlshift__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        return _bitwise(BitwiseLeftShift, _tensor_of(other), self, "lshift")

    def __rrshift__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        return _bitwise(BitwiseRightShift, _tensor_of(other), self, "rshift")

    __ilshift__, __irshift__ = bitwise_left_shift_, bitwise_right_shift_
    __invert__ = bitwise_not

    def __contains__(self, element):
        if isinstance(element, (TensorBase, int, float, bool)):
            return builtins.bool((self == element).any())
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                           f"{type(element)}.")

    add, add_, sub, sub_, subtract, subtract_ = add, add_, sub, sub_, subtract, subtract_
    mul, mul_, multiply, multiply_ = mul, mul_, multiply, multiply_
    div, div_, divide, divide_, true_divide, true_divide_ = div, div_, divide, divide_, true_divide, true_divide_
    floor_divide, floor_divide_, remainder, remainder_, fmod, fmod_ = (floor_divide, floor_divide_, remainder,
                                                                       remainder_, fmod, fmod_)
    pow, pow_, float_power, float_power_ = pow, pow_, float_power, float_power_
    neg, neg_, negative, negative_, positive = neg, neg_, negative, negative_, positive
    abs, abs_, absolute, absolute_ = abs, abs_, absolute, absolute_
    sign, sign_, sgn, sgn_, reciprocal, reciprocal_ = sign, sign_, sgn, sgn_, reciprocal, reciprocal_
    eq, eq_, ne, ne_, lt, lt_, le, le_, gt, gt_, ge, ge_ = eq, eq_, ne, ne_, lt, lt_, le, le_, gt, gt_, ge, ge_
    greater, greater_equal, less, less_equal, not_equal = greater, greater_equal, less, less_equal, not_equal
    greater_, greater_equal_, less_, less_equal_, not_equal_ = (greater_, greater_equal_, less_, less_equal_,
                                                                not_equal_)
    logical_and, logical_and_, logical_or, logical_or_ = logical_and, logical_and_, logical_or, logical_or_
    logical_xor, logical_xor_, logical_not, logical_not_ = logical_xor, logical_xor_, logical_not, logical_not_
    bitwise_and, bitwise_and_, bitwise_or, bitwise_or_ = bitwise_and, bitwise_and_, bitwise_or, bitwise_or_
    bitwise_xor, bitwise_xor_, bitwise_not, bitwise_not_ = bitwise_xor, bitwise_xor_, bitwise_not, bitwise_not_
    bitwise_left_shift, bitwise_left_shift_ = bitwise_left_shift, bitwise_left_shift_
    bitwise_right_shift, bitwise_right_shift_ = bitwise_right_shift, bitwise_right_shift_
    gcd, gcd_, lcm, lcm_, heaviside, heaviside_ = gcd, gcd_, lcm, lcm_, heaviside, heaviside_
    isclose, allclose, equal = isclose, allclose, equal
