"""Arithmetic operators, comparisons and elementwise math as Tensor methods."""
from __future__ import annotations

from .._ops import pointwise as P


class PointwiseMixin:
    __slots__ = ()

    # ---- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other):
        return _binary(P.Add, self, other)

    def __radd__(self, other):
        return _binary(P.Add, self, other)

    def __sub__(self, other):
        return _binary(P.Sub, self, other)

    def __rsub__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        if isinstance(other, _Tensor):
            return _binary(P.Sub, other, self)
        return _binary(P.RSub, self, other)

    def __mul__(self, other):
        return _binary(P.Mul, self, other)

    def __rmul__(self, other):
        return _binary(P.Mul, self, other)

    def __truediv__(self, other):
        return _binary(P.Div, self, other)

    def __rtruediv__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        if isinstance(other, _Tensor):
            return _binary(P.Div, other, self)
        return _binary(P.RDiv, self, other)

    def __floordiv__(self, other):
        return _binary(P.FloorDivide, self, other)

    def __rfloordiv__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        return _binary(P.FloorDivide, _as_tensor_like(other, self), self)

    def __mod__(self, other):
        return _binary(P.Remainder, self, other)

    def __rmod__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        return _binary(P.Remainder, _as_tensor_like(other, self), self)

    def __pow__(self, other):
        return _binary(P.Pow, self, other)

    def __rpow__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        if isinstance(other, _Tensor):
            return _binary(P.Pow, other, self)
        return _binary(P.RPow, self, other)

    def __neg__(self):
        if self._data.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return _unary(P.Neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary(P.Abs, self)

    def __iadd__(self, other):
        return _inplace(P.Add, self, other)

    def __isub__(self, other):
        return _inplace(P.Sub, self, other)

    def __imul__(self, other):
        return _inplace(P.Mul, self, other)

    def __itruediv__(self, other):
        return _inplace(P.Div, self, other)

    def __ifloordiv__(self, other):
        return _inplace(P.FloorDivide, self, other)

    def __imod__(self, other):
        return _inplace(P.Remainder, self, other)

    def __ipow__(self, other):
        return _inplace(P.Pow, self, other)

    # ---- comparisons and bitwise ----------------------------------------------------------------
    def __eq__(self, other):
        return _binary(P.Eq, self, other)

    def __ne__(self, other):
        return _binary(P.Ne, self, other)

    def __lt__(self, other):
        return _binary(P.Lt, self, other)

    def __le__(self, other):
        return _binary(P.Le, self, other)

    def __gt__(self, other):
        return _binary(P.Gt, self, other)

    def __ge__(self, other):
        return _binary(P.Ge, self, other)

    def __and__(self, other):
        return _bitwise(P.BitwiseAnd, self, other, "bitwise_and")

    __rand__ = __and__

    def __or__(self, other):
        return _bitwise(P.BitwiseOr, self, other, "bitwise_or")

    __ror__ = __or__

    def __xor__(self, other):
        return _bitwise(P.BitwiseXor, self, other, "bitwise_xor")

    __rxor__ = __xor__

    def __iand__(self, other):
        _check_bitwise(self, other, "bitwise_and")
        return _inplace(P.BitwiseAnd, self, other)

    def __ior__(self, other):
        _check_bitwise(self, other, "bitwise_or")
        return _inplace(P.BitwiseOr, self, other)

    def __ixor__(self, other):
        _check_bitwise(self, other, "bitwise_xor")
        return _inplace(P.BitwiseXor, self, other)

    def __invert__(self):
        import numpy as np
        if self._data.dtype.kind not in "biu":
            raise TypeError(f"bitwise_not_cpu not implemented for '{_dtname(self)}'")
        return _wrap(np.invert(self._data))

    # ---- named methods -------------------------------------------------------------------------
    def add(self, other, *, alpha=1):
        return _binary(P.Add, self, other if alpha == 1 else other * alpha)

    def add_(self, other, *, alpha=1):
        return _inplace(P.Add, self, other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        return _binary(P.Sub, self, other if alpha == 1 else other * alpha)

    def sub_(self, other, *, alpha=1):
        return _inplace(P.Sub, self, other if alpha == 1 else other * alpha)

    subtract = sub

    def mul(self, other):
        return _binary(P.Mul, self, other)

    def mul_(self, other):
        return _inplace(P.Mul, self, other)

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return _binary(P.Div, self, other)
        from .. import _functional
        return _functional.div(self, other, rounding_mode=rounding_mode)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return _inplace(P.Div, self, other)
        return self.copy_(self.div(other, rounding_mode=rounding_mode))

    divide = div
    true_divide = div

    def pow(self, exponent):
        return _binary(P.Pow, self, exponent)

    def pow_(self, exponent):
        return _inplace(P.Pow, self, exponent)

    def neg(self):
        return self.__neg__()

    negative = neg

    def neg_(self):
        return _inplace(P.Neg, self)

    def abs(self):
        return _unary(P.Abs, self)

    absolute = abs

    def abs_(self):
        return _inplace(P.Abs, self)

    def exp(self):
        return _unary(P.Exp, self)

    def exp_(self):
        return _inplace(P.Exp, self)

    def log(self):
        return _unary(P.Log, self)

    def log_(self):
        return _inplace(P.Log, self)

    def sqrt(self):
        return _unary(P.Sqrt, self)

    def sqrt_(self):
        return _inplace(P.Sqrt, self)

    def tanh(self):
        return _unary(P.Tanh, self)

    def tanh_(self):
        return _inplace(P.Tanh, self)

    def sigmoid(self):
        return _unary(P.Sigmoid, self)

    def sigmoid_(self):
        return _inplace(P.Sigmoid, self)

    def relu(self):
        return _unary(P.Relu, self)

    def relu_(self):
        return _inplace(P.Relu, self)

    def eq(self, other):
        return _binary(P.Eq, self, other)

    def ne(self, other):
        return _binary(P.Ne, self, other)

    def lt(self, other):
        return _binary(P.Lt, self, other)

    def le(self, other):
        return _binary(P.Le, self, other)

    def gt(self, other):
        return _binary(P.Gt, self, other)

    def ge(self, other):
        return _binary(P.Ge, self, other)

    greater = gt
    greater_equal = ge
    less = lt
    less_equal = le
    not_equal = ne

    def floor_divide(self, other):
        return _binary(P.FloorDivide, self, other)

    def remainder(self, other):
        return _binary(P.Remainder, self, other)


def _dtname(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(t.dtype.name, t.dtype.name)


def _check_bitwise(a, b, name):
    import numpy as np
    for t in (a, b):
        k = t._data.dtype.kind if hasattr(t, "_data") else ("f" if isinstance(t, float) else "i")
        if k not in "biu":
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_dtname(t) if hasattr(t, '_data') else 'Float'}'")
    del np


def _bitwise(op, a, b, name):
    b = _as_operand(b)
    if b is NotImplemented:
        return b
    _check_bitwise(a, b, name)
    return _binary(op, a, b)


def _as_tensor_like(v, like):
    if isinstance(v, _Tensor):
        return v
    from .._creation import tensor
    return tensor(v)


# bound at the end of _tensor's import (avoids an import cycle)
_binary = _unary = _inplace = _wrap = _as_operand = _Tensor = None


def _bind():
    global _binary, _unary, _inplace, _wrap, _as_operand, _Tensor
    from .. import _tensor as t
    _binary, _unary, _inplace, _wrap, _as_operand, _Tensor = (
        t._binary, t._unary, t._inplace, t._wrap, t._as_operand, t.Tensor)
