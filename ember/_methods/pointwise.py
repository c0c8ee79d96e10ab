"""Arithmetic operators, comparisons and elementwise math as Tensor methods."""
from __future__ import annotations

import numpy as np

from .._inplace import inplace_op as _inplace
from .._ops import pointwise as P
from .._tensor_base import TensorBase as _Tensor, _as_operand, _binary, _unary, _wrap


class PointwiseMixin:
    __slots__ = ()

    # ---- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other):
        return _binary(P.Add, self, other)

    def __radd__(self, other):
        return _binary(P.Add, self, other)

    def __sub__(self, other):
        if self._data.dtype is _BOOL or type(other) is bool or (isinstance(other, _Tensor) and
                                                               other._data.dtype is _BOOL):
            _sub_error(self, other)
        return _binary(P.Sub, self, other)

    def __rsub__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        _sub_check(self, other)
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
        # scalar / x is reciprocal(x) * scalar, as in torch: the same rounding, and only the
        # reciprocal's own output is saved (an in-place change to x afterwards is allowed)
        return _binary(P.Mul, _unary(P.Reciprocal, self), other)

    def __floordiv__(self, other):
        _no_bool_pair(self, other, "div_floor_cpu")
        return _binary(P.FloorDivide, self, other)

    def __rfloordiv__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        return _binary(P.FloorDivide, _as_tensor_like(other, self), self)

    def __mod__(self, other):
        return _binary(P.RemainderTensor if isinstance(other, _Tensor) else P.Remainder, self, other)

    def __rmod__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        return _binary(P.RemainderTensor, _as_tensor_like(other, self), self)

    def __pow__(self, other):
        return _binary(P.PowTensor if isinstance(other, _Tensor) else P.Pow, self, other)

    def __rpow__(self, other):
        other = _as_operand(other)
        if other is NotImplemented:
            return other
        if isinstance(other, _Tensor):
            return _binary(P.PowTensor, other, self)
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
        _sub_check(self, other)
        return _inplace(P.Sub, self, other)

    def __imul__(self, other):
        return _inplace(P.Mul, self, other)

    def __itruediv__(self, other):
        return _inplace(P.Div, self, other)

    def __ifloordiv__(self, other):
        return _inplace(P.FloorDivide, self, other)

    def __imod__(self, other):
        return _inplace(P.RemainderTensor if isinstance(other, _Tensor) else P.Remainder, self, other)

    def __ipow__(self, other):
        return _inplace(P.PowTensor if isinstance(other, _Tensor) else P.Pow, self, other)

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
        if self._data.dtype.kind not in "biu":
            raise TypeError(f"bitwise_not_cpu not implemented for '{_dtname(self)}'")
        return _wrap(np.invert(self._data))

    # ---- named methods -------------------------------------------------------------------------
    def add(self, other, *, alpha=1):
        return _binary(P.Add, self, other if alpha == 1 else _scaled(self, other, alpha))

    def add_(self, other, *, alpha=1):
        return _inplace(P.Add, self, other if alpha == 1 else _scaled(self, other, alpha))

    def sub(self, other, *, alpha=1):
        _sub_check(self, other)
        return _binary(P.Sub, self, other if alpha == 1 else other * alpha)

    def sub_(self, other, *, alpha=1):
        _sub_check(self, other)
        return _inplace(P.Sub, self, other if alpha == 1 else other * alpha)

    subtract, subtract_ = sub, sub_

    def mul(self, other):
        return _binary(P.Mul, self, other)

    def mul_(self, other):
        return _inplace(P.Mul, self, other)

    multiply, multiply_ = mul, mul_

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return _binary(P.Div, self, other)
        op = _rounding_op(rounding_mode, other)
        _no_bool_pair(self, other, f"div_{rounding_mode}_cpu")
        return _binary(op, self, other)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return _inplace(P.Div, self, other)
        op = _rounding_op(rounding_mode, other)
        _no_bool_pair(self, other, f"div_{rounding_mode}_cpu")
        return _inplace(op, self, other)

    divide = div

    def true_divide(self, other):
        return _binary(P.Div, self, other)

    def pow(self, exponent):
        return _binary(P.PowTensor if isinstance(exponent, _Tensor) else P.Pow, self, exponent)

    def pow_(self, exponent):
        return _inplace(P.PowTensor if isinstance(exponent, _Tensor) else P.Pow, self, exponent)

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
        _no_bool_pair(self, other, "div_floor_cpu")
        return _binary(P.FloorDivide, self, other)

    def remainder(self, other):
        return self.__mod__(other)

    def true_divide_(self, other):
        return _inplace(P.Div, self, other)

    divide_ = div_

    def floor_divide_(self, other):
        _no_bool_pair(self, other, "div_floor_cpu")
        return _inplace(P.FloorDivide, self, other)

    def remainder_(self, other):
        return self.__imod__(other)

    def fmod(self, other):
        return _binary(P.FmodTensor if isinstance(other, _Tensor) else P.Fmod, self, other)

    def fmod_(self, other):
        return _inplace(P.FmodTensor if isinstance(other, _Tensor) else P.Fmod, self, other)

    def negative_(self):
        return _inplace(P.Neg, self)

    def absolute_(self):
        return _inplace(P.Abs, self)

    def sign(self):
        return _unary(P.Sign, self)

    def sign_(self):
        return _inplace(P.Sign, self)

    def sgn(self):
        return _unary(P.Sgn, self)

    def sgn_(self):
        return _inplace(P.Sgn, self)

    def float_power(self, exponent):
        return _F().float_power(self, exponent)

    def float_power_(self, exponent):
        if self._data.dtype != np.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype.name.capitalize()} but the "
                               "operation's result requires dtype Double")
        return self.pow_(exponent.double() if hasattr(exponent, "_data") else exponent)

    def reciprocal(self):
        return _unary(P.Reciprocal, self)

    def reciprocal_(self):
        return _inplace(P.Reciprocal, self)

    def exp2(self):
        return _unary(P.Exp2, self)

    def exp2_(self):
        return _inplace(P.Exp2, self)

    def expm1(self):
        return _unary(P.Expm1, self)

    def expm1_(self):
        return _inplace(P.Expm1, self)

    def log2(self):
        return _unary(P.Log2, self)

    def log2_(self):
        return _inplace(P.Log2, self)

    def log10(self):
        return _unary(P.Log10, self)

    def log10_(self):
        return _inplace(P.Log10, self)

    def log1p(self):
        return _unary(P.Log1p, self)

    def log1p_(self):
        return _inplace(P.Log1p, self)

    def rsqrt(self):
        return _unary(P.Rsqrt, self)

    def rsqrt_(self):
        return _inplace(P.Rsqrt, self)

    def square(self):
        return _unary(P.Square, self)

    def square_(self):
        return _inplace(P.Square, self)

    def sin(self):
        return _unary(P.Sin, self)

    def sin_(self):
        return _inplace(P.Sin, self)

    def cos(self):
        return _unary(P.Cos, self)

    def cos_(self):
        return _inplace(P.Cos, self)

    def tan(self):
        return _unary(P.Tan, self)

    def tan_(self):
        return _inplace(P.Tan, self)

    def asin(self):
        return _unary(P.Asin, self)

    def asin_(self):
        return _inplace(P.Asin, self)

    arcsin, arcsin_ = asin, asin_

    def acos(self):
        return _unary(P.Acos, self)

    def acos_(self):
        return _inplace(P.Acos, self)

    arccos, arccos_ = acos, acos_

    def atan(self):
        return _unary(P.Atan, self)

    def atan_(self):
        return _inplace(P.Atan, self)

    arctan, arctan_ = atan, atan_

    def atan2(self, other):
        return _binary(P.Atan2, self, other)

    def atan2_(self, other):
        return _inplace(P.Atan2, self, other)

    arctan2, arctan2_ = atan2, atan2_

    def sinh(self):
        return _unary(P.Sinh, self)

    def sinh_(self):
        return _inplace(P.Sinh, self)

    def cosh(self):
        return _unary(P.Cosh, self)

    def cosh_(self):
        return _inplace(P.Cosh, self)

    def asinh(self):
        return _unary(P.Asinh, self)

    def asinh_(self):
        return _inplace(P.Asinh, self)

    arcsinh, arcsinh_ = asinh, asinh_

    def acosh(self):
        return _unary(P.Acosh, self)

    def acosh_(self):
        return _inplace(P.Acosh, self)

    arccosh, arccosh_ = acosh, acosh_

    def atanh(self):
        return _unary(P.Atanh, self)

    def atanh_(self):
        return _inplace(P.Atanh, self)

    arctanh, arctanh_ = atanh, atanh_

    def logit(self, eps=None):
        return _unary(P.Logit, self, eps)

    def logit_(self, eps=None):
        return _inplace(P.Logit, self, eps, None)

    def erf(self):
        return _unary(P.Erf, self)

    def erf_(self):
        return _inplace(P.Erf, self)

    def erfc(self):
        return _unary(P.Erfc, self)

    def erfc_(self):
        return _inplace(P.Erfc, self)

    def erfinv(self):
        return _unary(P.Erfinv, self)

    def erfinv_(self):
        return _inplace(P.Erfinv, self)

    def lgamma(self):
        return _unary(P.Lgamma, self)

    def lgamma_(self):
        return _inplace(P.Lgamma, self)

    def digamma(self):
        return _unary(P.Digamma, self)

    def digamma_(self):
        return _inplace(P.Digamma, self)

    def polygamma(self, n):
        if n < 0:
            raise RuntimeError("polygamma(n, x) does not support negative n.")
        return _unary(P.Polygamma, self, int(n))

    def polygamma_(self, n):
        return self.copy_(self.clone().polygamma(n) if self._rg else self.polygamma(n))

    def floor(self):
        _no_bool(self, "floor_vml_cpu")
        return _unary(P.Floor, self)

    def floor_(self):
        _no_bool(self, "floor_vml_cpu")
        return _inplace(P.Floor, self)

    def ceil(self):
        _no_bool(self, "ceil_vml_cpu")
        return _unary(P.Ceil, self)

    def ceil_(self):
        _no_bool(self, "ceil_vml_cpu")
        return _inplace(P.Ceil, self)

    def trunc(self):
        _no_bool(self, "trunc_vml_cpu")
        return _unary(P.Trunc, self)

    def trunc_(self):
        _no_bool(self, "trunc_vml_cpu")
        return _inplace(P.Trunc, self)

    fix, fix_ = trunc, trunc_

    def round(self, decimals=0):
        _no_bool(self, "round_vml_cpu" if not decimals else "round_cpu")
        return _unary(P.RoundDecimals, self, decimals) if decimals else _unary(P.Round, self)

    def round_(self, decimals=0):
        _no_bool(self, "round_vml_cpu" if not decimals else "round_cpu")
        return _inplace(P.RoundDecimals, self, decimals, None) if decimals else _inplace(P.Round, self)

    def frac(self):
        if self._data.dtype.kind != "f":
            raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_dtname(self)}'")
        return _unary(P.Frac, self)

    def frac_(self):
        if self._data.dtype.kind != "f":
            raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_dtname(self)}'")
        return _inplace(P.Frac, self)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return _unary(P.NanToNum, self, nan, posinf, neginf)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return _inplace(P.NanToNum, self, nan, posinf, neginf)

    def clamp(self, min=None, max=None):
        if self._data.dtype.kind == "f" and type(min) in _NUMBER and type(max) in _NUMBER and (
                min is not None or max is not None):
            return _unary(P.Clamp, self, min, max)     # fast path: float tensor, number bounds
        return _F().clamp(self, min, max)

    def clamp_(self, min=None, max=None):
        return _F()._clamp_(self, min, max)

    clip, clip_ = clamp, clamp_

    def clamp_min(self, min):
        if self._data.dtype.kind == "f" and type(min) in _NUMBER and min is not None:
            return _unary(P.ClampMin, self, min, None)      # torch names this node ClampMinBackward0
        return _F().clamp(self, min, None)

    def clamp_max(self, max):
        if self._data.dtype.kind == "f" and type(max) in _NUMBER and max is not None:
            return _unary(P.ClampMax, self, None, max)
        return _F().clamp(self, None, max)

    def clamp_min_(self, min):
        return _F()._clamp_(self, min, None)

    def clamp_max_(self, max):
        return _F()._clamp_(self, None, max)

    def lerp(self, end, weight):
        return _F().lerp(self, end, weight)

    def lerp_(self, end, weight):
        return self.copy_(_F().lerp(self.clone() if self._rg else self, end, weight))

    def maximum(self, other):
        return _binary(P.Maximum, self, other)

    def minimum(self, other):
        return _binary(P.Minimum, self, other)

    def fmax(self, other):
        return _binary(P.Fmax, self, other)

    def fmin(self, other):
        return _binary(P.Fmin, self, other)

    def hypot(self, other):
        _tensor_arg(other, "hypot")
        return _binary(P.Hypot, self, other)

    def hypot_(self, other):
        _tensor_arg(other, "hypot_")
        return _inplace(P.Hypot, self, other)

    def logaddexp(self, other):
        _tensor_arg(other, "logaddexp")
        return _binary(P.Logaddexp, self, other)

    def logaddexp2(self, other):
        _tensor_arg(other, "logaddexp2")
        return _binary(P.Logaddexp2, self, other)

    def xlogy(self, other):
        return _binary(P.Xlogy if isinstance(other, _Tensor) else P.XlogyScalarOther, self, other)

    def xlogy_(self, other):
        return _inplace(P.Xlogy if isinstance(other, _Tensor) else P.XlogyScalarOther, self, other)

    def copysign(self, other):
        return _binary(P.Copysign if isinstance(other, _Tensor) else P.CopysignScalar, self, other)

    def copysign_(self, other):
        return _inplace(P.Copysign if isinstance(other, _Tensor) else P.CopysignScalar, self, other)

    def isnan(self):
        return _wrap(np.isnan(self._data))

    def isinf(self):
        return _wrap(np.isinf(self._data))

    def isposinf(self):
        return _wrap(np.isposinf(self._data))

    def isneginf(self):
        return _wrap(np.isneginf(self._data))

    def isfinite(self):
        return _wrap(np.isfinite(self._data))

    def isreal(self):
        return _wrap(np.ones(self._data.shape, bool))

    def signbit(self):
        return _wrap(np.signbit(self._data))

    def logical_and(self, other):
        return _binary(P.LogicalAnd, self, other)

    def logical_or(self, other):
        return _binary(P.LogicalOr, self, other)

    def logical_xor(self, other):
        return _binary(P.LogicalXor, self, other)

    def logical_not(self):
        return _wrap(np.logical_not(self._data))

    def logical_and_(self, other):
        return _inplace(P.LogicalAnd, self, other)

    def logical_or_(self, other):
        return _inplace(P.LogicalOr, self, other)

    def logical_xor_(self, other):
        return _inplace(P.LogicalXor, self, other)

    def logical_not_(self):
        np.copyto(self._data, np.logical_not(self._data), casting="unsafe")
        self._vc[0] += 1
        return self

    def bitwise_and(self, other):
        return _bitwise(P.BitwiseAnd, self, other, "bitwise_and")

    def bitwise_or(self, other):
        return _bitwise(P.BitwiseOr, self, other, "bitwise_or")

    def bitwise_xor(self, other):
        return _bitwise(P.BitwiseXor, self, other, "bitwise_xor")

    def bitwise_not(self):
        return self.__invert__()

    def bitwise_and_(self, other):
        return self.__iand__(other)

    def bitwise_or_(self, other):
        return self.__ior__(other)

    def bitwise_xor_(self, other):
        return self.__ixor__(other)

    def bitwise_not_(self):
        inv = self.__invert__()
        self._data[...] = inv._data
        self._vc[0] += 1
        return self

    def bitwise_left_shift(self, other):
        return _bitwise(P.BitwiseLeftShift, self, other, "lshift")

    def bitwise_right_shift(self, other):
        return _bitwise(P.BitwiseRightShift, self, other, "rshift")

    __lshift__ = bitwise_left_shift
    __rshift__ = bitwise_right_shift

    def __rlshift__(self, other):
        return _bitwise(P.BitwiseLeftShift, _as_tensor_like(other, self), self, "lshift")

    def __rrshift__(self, other):
        return _bitwise(P.BitwiseRightShift, _as_tensor_like(other, self), self, "rshift")

    def __ilshift__(self, other):
        _check_bitwise(self, other, "lshift")
        return _inplace(P.BitwiseLeftShift, self, other)

    def __irshift__(self, other):
        _check_bitwise(self, other, "rshift")
        return _inplace(P.BitwiseRightShift, self, other)

    bitwise_left_shift_ = __ilshift__
    bitwise_right_shift_ = __irshift__

    def eq_(self, other):
        return _inplace(P.Eq, self, other)

    def ne_(self, other):
        return _inplace(P.Ne, self, other)

    def lt_(self, other):
        return _inplace(P.Lt, self, other)

    def le_(self, other):
        return _inplace(P.Le, self, other)

    def gt_(self, other):
        return _inplace(P.Gt, self, other)

    def ge_(self, other):
        return _inplace(P.Ge, self, other)

    less_, less_equal_, greater_, greater_equal_, not_equal_ = lt_, le_, gt_, ge_, ne_

    def addcmul(self, tensor1, tensor2, *, value=1):
        return _F().addcmul(self, tensor1, tensor2, value=value)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        p = tensor1 * tensor2
        return _inplace(P.Add, self, p if value == 1 else p * value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return _F().addcdiv(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        p = tensor1 / tensor2
        return _inplace(P.Add, self, p if value == 1 else p * value)

    def deg2rad(self):
        return _F().deg2rad(self)

    def rad2deg(self):
        return _F().rad2deg(self)

    def deg2rad_(self):
        return self.copy_(_F().deg2rad(self.clone() if self._rg else self))

    def rad2deg_(self):
        return self.copy_(_F().rad2deg(self.clone() if self._rg else self))

    def heaviside_(self, values):
        return self.copy_(_F().heaviside(self, values))

    def gcd_(self, other):
        return self.copy_(_F().gcd(self, other))

    def lcm_(self, other):
        return self.copy_(_F().lcm(self, other))

    def positive(self):
        return _F().positive(self)

    def heaviside(self, values):
        return _F().heaviside(self, values)

    def gcd(self, other):
        return _F().gcd(self, other)

    def lcm(self, other):
        return _F().lcm(self, other)

    def dist(self, other, p=2):
        return _F().dist(self, other, p)

    def sinc(self):
        return _unary(P.Sinc, self)

    def sinc_(self):
        return _inplace(P.Sinc, self)

    def ldexp(self, other):
        return _F().ldexp(self, other)

    def ldexp_(self, other):
        return self.copy_(_F().ldexp(self.clone() if self._rg else self, other))

    def frexp(self):
        return _F().frexp(self)

    def nextafter(self, other):
        return _F().nextafter(self, other)

    def nextafter_(self, other):
        return self.copy_(_F().nextafter(self, other))

    def angle(self):
        return _F().angle(self)

    def mvlgamma(self, p):
        return _F().mvlgamma(self, p)

    def mvlgamma_(self, p):
        return self.copy_(_F().mvlgamma(self.clone() if self._rg else self, p))

    def where(self, condition, y):
        from .._functional import where
        return where(condition, self, y)

    # real tensors only: the complex views are the tensor itself (or an error, like torch)
    def conj(self):
        return self

    conj_physical = conj_physical_ = resolve_conj = resolve_neg = conj

    def is_conj(self):
        return False

    def is_neg(self):
        return False

    @property
    def real(self):
        return self

    @property
    def imag(self):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")

    def __contains__(self, element):
        if isinstance(element, (_Tensor, int, float, bool)):
            return bool((self == element).any())
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                           f"{type(element)}.")

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _F().isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _F().allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return _F().equal(self, other)


_NUMBER = frozenset((float, int, type(None)))


def _rounding_op(mode, other):
    if mode == "trunc":
        return P.DivTruncTensor if isinstance(other, _Tensor) else P.DivTrunc
    if mode == "floor":
        return P.DivFloorTensor if isinstance(other, _Tensor) else P.DivFloor
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")


def _no_bool(t, kernel):
    if t._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _no_bool_pair(a, b, kernel):
    if a._data.dtype.kind == "b" and (type(b) is bool or getattr(getattr(b, "_data", None), "dtype", None) == bool):
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _F():
    from .. import _functional_math
    return _functional_math


def _dtname(t):
    from .._dtype import scalar_type_name
    return scalar_type_name(t._data.dtype)


_BOOL = np.dtype(bool)


def _sub_error(a, b):
    two = a._data.dtype.kind == "b" and (type(b) is bool or (isinstance(b, _Tensor) and b._data.dtype.kind == "b"))
    if two:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                       "invert a mask, use the `~` or `logical_not()` operator instead.")


def _sub_check(a, b):
    """torch refuses subtraction when either operand (tensor or Python bool) is bool."""
    if a._data.dtype.kind == "b" or type(b) is bool or (isinstance(b, _Tensor) and b._data.dtype.kind == "b"):
        _sub_error(a, b)


def _scaled(a, other, alpha):
    # add(alpha=...): for a bool result torch treats alpha as a bool (other * alpha would promote to int)
    if a._data.dtype.kind == "b" and (type(other) is bool or (isinstance(other, _Tensor) and
                                                              other._data.dtype.kind == "b")):
        return other & bool(alpha) if isinstance(other, _Tensor) else (other and bool(alpha))
    return other * alpha


def _tensor_arg(other, name):
    if not isinstance(other, _Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")


def _check_bitwise(a, b, name):
    for t in (a, b):
        k = t._data.dtype.kind if hasattr(t, "_data") else ("f" if isinstance(t, float) else "i")
        if k not in "biu":
            tname = _dtname(t) if hasattr(t, "_data") else "Float"
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{tname}'")


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
