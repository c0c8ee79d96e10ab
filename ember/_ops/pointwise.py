"""Pointwise kernels: forward and backward side by side.

Inputs arrive already promoted to one dtype (or with a weak Python scalar); broadcasting is
undone by the engine, so rules return output-shaped gradients.
"""
from __future__ import annotations

import numpy as np

from ._base import Op, b_log, b_sign, b_where

_ndarray = np.ndarray


class Add(Op):
    @staticmethod
    def forward(x, y):
        return x + y, None

    @staticmethod
    def backward(saved, g, needs):
        return g, g


class Sub(Op):
    @staticmethod
    def forward(x, y):
        return x - y, None

    @staticmethod
    def backward(saved, g, needs):
        return g, (-g if needs[1] else None)


class RSub(Op):   # y - x, for python-scalar y (keeps x as input 0)
    bw_name = "RsubBackward1"

    @staticmethod
    def forward(x, y):
        return y - x, None

    @staticmethod
    def backward(saved, g, needs):
        return -g, None


class Mul(Op):
    saves = ("x0", "x1")

    @staticmethod
    def forward(x, y):
        return x * y, (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        return (g * y if needs[0] else None), (g * x if needs[1] else None)


class Div(Op):
    saves = ("x0", "x1")
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


class RDiv(Op):   # y / x for python-scalar y
    saves = ("x0", "c")
    to_float = True
    bw_name = "DivBackward0"

    @staticmethod
    def forward(x, y):
        return y / x, (x, y)

    @staticmethod
    def backward(saved, g, needs):
        x, y = saved
        return -g * y / (x * x), None


class Neg(Op):
    @staticmethod
    def forward(x):
        return -x, None

    @staticmethod
    def backward(saved, g, needs):
        return (-g,)


class Pow(Op):
    saves = ("x0", "x1", "out")

    @staticmethod
    def forward(x, y):
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


class RPow(Op):   # scalar ** tensor: x is the exponent tensor, y the python base
    saves = ("c", "out")
    to_float_if_float_scalar = True
    bw_name = "PowBackward1"

    @staticmethod
    def forward(x, y):
        out = y ** x
        return out, (y, out)

    @staticmethod
    def backward(saved, g, needs):
        y, out = saved
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
        # stable for large |x|: exp(-|x|) never overflows
        e = np.exp(-np.abs(x))
        y = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        if y.dtype != x.dtype:
            y = y.astype(x.dtype)
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
        y = np.maximum(x, 0) if x.dtype.kind != "b" else x.copy()
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * (saved[0] > 0),)


class Abs(Op):
    saves = ("x0",)

    @staticmethod
    def forward(x):
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
        if x.dtype.kind in "iu" and (type(y) is int or getattr(y, "dtype", None) is not None and y.dtype.kind in "iu"):
            if np.any(np.asarray(y) == 0):
                raise RuntimeError("ZeroDivisionError")
        return np.floor_divide(x, y), None


class Remainder(Op):
    saves = ("x0", "x1")

    @staticmethod
    def forward(x, y):
        if x.dtype.kind in "iu" and np.any(np.asarray(y) == 0):
            raise RuntimeError("ZeroDivisionError")
        return np.remainder(x, y), (x, y)

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
