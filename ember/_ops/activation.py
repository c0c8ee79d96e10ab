"""Activation functions and the softmax family: kernels, the one validated function of each op
(`ember.relu`, `ember.softmax`, `F.gelu`, ...) and the Tensor methods (`x.relu()`, `x.softmax(dim)`, ...).
Matches torch's.

Tensor methods need this family, so `import ember` loads it (through `_tensor.py`); the other
neural-network families load with `ember.nn`.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._inplace import inplace_op
from .._tensor_base import TensorBase, _apply, _unary, _wrap, not_a_tensor
from ..random import _gen
from ._base import Op, b_exp, b_sum, b_where, is_array, normalize_dim
from .special import _erf_np

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "rrelu", "rrelu_", "elu", "elu_", "selu",
           "selu_", "celu", "celu_", "gelu", "silu", "mish", "hardswish", "hardsigmoid", "hardtanh", "hardtanh_",
           "softplus", "softsign", "logsigmoid", "threshold", "threshold_", "prelu", "glu", "tanhshrink",
           "softshrink", "hardshrink", "softmax", "log_softmax", "softmin", "gumbel_softmax"]
# NOTE: `softmax` and `log_softmax` are torch.softmax's (a required dim, dtype third); the
# torch.nn.functional forms (dim=None, _stacklevel, dtype) are one-line wrappers in nn/functional.py.

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# ---- kernels -------------------------------------------------------------------------------------

def _tensor_grad_unsupported(name):
    """For backward rules written on ndarrays only (nn families): create_graph=True through them raises."""
    raise NotImplementedError(f"ember: double backward (create_graph=True) through {name} is not implemented")


class Relu(Op):
    grad_uses_inputs = True
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
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


class LeakyRelu(Op):
    grad_uses_inputs = True
    saves = ("x0", "c")
    bw_name = "LeakyReluBackward0"

    @staticmethod
    def forward(x, slope):
        return np.where(x > 0, x, x * x.dtype.type(slope)), (x, slope)

    @staticmethod
    def backward(saved, g, needs):
        x, slope = saved
        return (b_where(x > 0, g, g * slope),)


class LeakyReluInplace(Op):
    """leaky_relu_: the gradient from the result (its sign is the input's for a non-negative slope), so the
    overwritten input is not kept, as in torch (which refuses a negative slope in backward alike)."""
    grad_uses_inputs = True
    saves = ("out", "c")
    bw_name = "LeakyReluBackward1"

    @staticmethod
    def forward(x, slope):
        out = np.where(x > 0, x, x * x.dtype.type(slope))
        return out, (out, slope)

    @staticmethod
    def backward(saved, g, needs):
        out, slope = saved
        if slope < 0:
            raise RuntimeError("In-place leakyReLu backward calculation is triggered with a negative slope which is "
                               "not supported. This is caused by calling in-place forward function with a negative "
                               "slope, please call out-of-place version instead.")
        return (b_where(out > 0, g, g * slope),)


class Hardshrink(Op):
    grad_uses_inputs = True
    saves = ("x0", "c")

    @staticmethod
    def forward(x, lambd):
        keep = (x > lambd) | (x < -lambd)
        return np.where(keep, x, x.dtype.type(0)), (x, lambd)

    @staticmethod
    def backward(saved, g, needs):
        x, lambd = saved
        return (b_where((x > lambd) | (x < -lambd), g, 0.0),)


class Softshrink(Hardshrink):
    # x - lambd above lambd, x + lambd below -lambd, else 0; the same derivative mask as hardshrink
    @staticmethod
    def forward(x, lambd):
        t = x.dtype.type(lambd)
        return np.where(x > t, x - t, np.where(x < -t, x + t, x * x.dtype.type(0))), (x, lambd)   # -0 as torch


class RreluWithNoise(Op):
    grad_uses_inputs = True
    # rrelu in training: x * noise, noise = 1 where x > 0 else a random slope (drawn by the caller)
    saves = ("c",)

    @staticmethod
    def forward(x, noise):
        return x * noise, (noise,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * saved[0],)


class Elu(Op):
    # scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)): ELU, SELU and CELU
    saves = ("x0", "c")
    bw_name = "EluBackward0"

    @staticmethod
    def forward(x, alpha, scale, input_scale):
        t = x.dtype.type
        neg = np.expm1(np.minimum(x, 0) * t(input_scale)) * t(alpha)
        out = np.where(x > 0, x, neg)
        if scale != 1.0:
            out *= t(scale)
        return out, (x, (alpha, scale, input_scale))

    @staticmethod
    def backward(saved, g, needs):
        x, (alpha, scale, input_scale) = saved
        if is_array(x):
            t = x.dtype.type
            d = np.exp(np.minimum(x, 0) * t(input_scale)) * t(alpha * scale * input_scale)
            return (g * np.where(x > 0, t(scale), d),)
        neg = (x.clamp(max=0) * input_scale).exp() * (alpha * scale * input_scale)
        return (g * b_where(x > 0, scale + 0 * x, neg),)


class Gelu(Op):
    saves = ("x0", "c")
    bw_name = "GeluBackward0"

    @staticmethod
    def forward(x, approximate):
        t = x.dtype.type
        if approximate == "tanh":
            k = t(math.sqrt(2.0 / math.pi))
            inner = k * (x + t(0.044715) * x * x * x)
            return t(0.5) * x * (t(1) + np.tanh(inner)), (x, approximate)
        cdf = 0.5 * (1.0 + _erf_np(x * x.dtype.type(_SQRT1_2)))
        return x * cdf, (x, approximate)

    @staticmethod
    def backward(saved, g, needs):
        x, approximate = saved
        if not is_array(x):     # double backward: the same derivative from differentiable Tensor ops
            if approximate == "tanh":
                k = math.sqrt(2.0 / math.pi)
                th = ((x + 0.044715 * x * x * x) * k).tanh()
                return (g * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)),)
            cdf = 0.5 * (1 + (x * _SQRT1_2).erf())
            return (g * (cdf + x * (x * x * -0.5).exp() * _INV_SQRT_2PI),)
        t = x.dtype.type
        if approximate == "tanh":
            k = t(math.sqrt(2.0 / math.pi))
            x2 = x * x
            th = np.tanh(k * (x + t(0.044715) * x2 * x))
            d = t(0.5) * (t(1) + th) + t(0.5) * x * (t(1) - th * th) * k * (t(1) + t(3 * 0.044715) * x2)
            return (g * d,)
        cdf = t(0.5) * (t(1) + _erf_np(x * t(_SQRT1_2)))
        pdf = np.exp(t(-0.5) * x * x) * t(_INV_SQRT_2PI)
        return (g * (cdf + x * pdf),)


def _sigmoid(x):
    # stable for large |x| without overflow warnings
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class Silu(Op):
    saves = ("x0",)
    bw_name = "SiluBackward0"

    @staticmethod
    def forward(x):
        return x * _sigmoid(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        if not is_array(x):
            s = x.sigmoid()
            return (g * s * (1 + x * (1 - s)),)
        s = _sigmoid(x)
        return (g * (s * (1 + x * (1 - s))),)


class Mish(Op):
    saves = ("x0",)
    bw_name = "MishBackward0"

    @staticmethod
    def forward(x):
        return x * np.tanh(_softplus(x)), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        if not is_array(x):
            tsp = _unary(Softplus, x, 1.0, 20.0).tanh()
            return (g * (tsp + x * x.sigmoid() * (1 - tsp * tsp)),)
        tsp = np.tanh(_softplus(x))
        return (g * (tsp + x * _sigmoid(x) * (1 - tsp * tsp)),)


class Hardswish(Op):
    saves = ("x0",)
    bw_name = "HardswishBackward0"

    @staticmethod
    def forward(x):
        t = x.dtype.type
        return x * np.clip(x + t(3), 0, 6) / t(6), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        d = b_where(x < -3, 0 * x, b_where(x <= 3, x / 3 + 0.5, 1 + 0 * x))
        return (g * d,)


class Hardsigmoid(Op):
    grad_uses_inputs = True
    saves = ("x0",)
    bw_name = "HardsigmoidBackward0"

    @staticmethod
    def forward(x):
        t = x.dtype.type
        return np.clip(x + t(3), 0, 6) / t(6), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (b_where((x > -3) & (x < 3), g / 6, 0 * g),)


class Hardtanh(Op):
    grad_uses_inputs = True
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("x0", "c")
    bw_name = "HardtanhBackward0"

    @staticmethod
    def forward(x, lo, hi):
        return np.clip(x, lo, hi), (x, (lo, hi))

    @staticmethod
    def backward(saved, g, needs):
        x, (lo, hi) = saved
        return (b_where((x <= lo) | (x >= hi), 0 * g, g),)


class Softplus(Op):
    saves = ("x0", "c")
    bw_name = "SoftplusBackward0"

    @staticmethod
    def forward(x, beta, threshold):
        t = x.dtype.type
        bx = x * t(beta) if beta != 1 else x
        sp = _softplus(bx)
        if beta != 1:
            sp = sp / t(beta)
        return np.where(bx > threshold, x, sp), (x, (beta, threshold))

    @staticmethod
    def backward(saved, g, needs):
        x, (beta, threshold) = saved
        if not is_array(x):
            bx = x * beta
            return (b_where(bx > threshold, g, g * bx.sigmoid()),)
        bx = x * x.dtype.type(beta) if beta != 1 else x
        return (np.where(bx > threshold, g, g * _sigmoid(bx)),)


class Softsign(Op):
    saves = ("x0",)
    bw_name = "SoftsignBackward0"
    to_float = True

    @staticmethod
    def forward(x):
        return x / (1 + np.abs(x)), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        d = 1 + x.abs() if not is_array(x) else 1 + np.abs(x)
        return (g / (d * d),)


class LogSigmoid(Op):
    saves = ("x0",)
    bw_name = "LogSigmoidBackward0"

    @staticmethod
    def forward(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        if not is_array(x):
            return (g * (-x).sigmoid(),)
        return (g * _sigmoid(-x),)


class Threshold(Op):
    grad_uses_inputs = True
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("x0", "c")
    bw_name = "ThresholdBackward0"

    @staticmethod
    def forward(x, threshold, value):
        return np.where(x > threshold, x, x.dtype.type(value)), (x, threshold)

    @staticmethod
    def backward(saved, g, needs):
        x, threshold = saved
        return (b_where(x > threshold, g, 0 * g),)


class Prelu(Op):
    # w arrives already shaped to broadcast against x (channel dim 1)
    saves = ("x0", "x1")
    bw_name = "PreluKernelBackward0"

    @staticmethod
    def forward(x, w):
        return np.where(x > 0, x, w * x), (x, w)

    @staticmethod
    def backward(saved, g, needs):
        x, w = saved
        pos = x > 0
        gx = b_where(pos, g, w * g) if needs[0] else None
        gw = b_where(pos, 0 * g, x * g) if needs[1] else None
        return gx, gw


def _cat(parts, dim):
    """Concatenate equal-shaped Tensors along `dim` with recorded arithmetic only, for backward rules in
    tensor mode (create_graph). NOTE: the join family's `cat` (earlier in the family order) can replace it."""
    n = len(parts)
    shape = tuple(parts[0].shape)
    out = None
    for k, p in enumerate(parts):
        e = np.zeros((n,) + (1,) * (len(shape) - dim), p._data.dtype)
        e[k] = 1
        term = p.unsqueeze(dim) * _wrap(e)
        out = term if out is None else out + term
    return out.reshape(shape[:dim] + (n * shape[dim],) + shape[dim + 1:])


class Glu(Op):
    saves = ("x0", "c")
    bw_name = "GluBackward0"

    @staticmethod
    def forward(x, dim):
        a, b = np.split(x, 2, axis=dim)
        return a * _sigmoid(b), (x, dim)

    @staticmethod
    def backward(saved, g, needs):
        x, dim = saved
        if not is_array(x):
            h = x.shape[dim] // 2
            pre = (slice(None),) * dim
            a, b = x[pre + (slice(0, h),)], x[pre + (slice(h, None),)]
            sb = b.sigmoid()
            return (_cat([g * sb, g * a * sb * (1 - sb)], dim),)
        a, b = np.split(x, 2, axis=dim)
        s = _sigmoid(b)
        return (np.concatenate([g * s, g * a * s * (1 - s)], axis=dim),)


def _log_softmax(x, dim):
    # NOTE: a row that is all -inf gives nan, as in torch
    m = x.max(axis=dim, keepdims=True)
    z = x - m
    z -= np.log(np.exp(z).sum(axis=dim, keepdims=True))
    return z


class Softmax(Op):
    saves = ("out", "c")
    bw_name = "SoftmaxBackward0"

    @staticmethod
    def forward(x, dim):
        e = x - x.max(axis=dim, keepdims=True)
        np.exp(e, out=e)
        e /= e.sum(axis=dim, keepdims=True)
        return e, (e, dim)

    @staticmethod
    def backward(saved, g, needs):
        y, dim = saved
        gy = g * y
        return (gy - y * b_sum(gy, axis=dim, keepdims=True),)


class LogSoftmax(Op):
    saves = ("out", "c")
    bw_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(x, dim):
        z = _log_softmax(x, dim)
        return z, (z, dim)

    @staticmethod
    def backward(saved, g, needs):
        z, dim = saved
        return (g - b_exp(z) * b_sum(g, axis=dim, keepdims=True),)


# ---- public functions ------------------------------------------------------------------------------

# NOTE [ Activation arguments ]: the shared validation of this family, as torch's argument parser and kernels
# do it: `input` must be a Tensor (`_check_float`, `_check_tensor`, or the hook `_unary` itself), number
# arguments must be numbers or 0-d tensors (`_num`, called only when the value is not already a float, so
# the defaults cost nothing), and float-only kernels refuse other dtypes with torch's NotImplementedError.

def _check_tensor(x, name, arg="input", pos=1):
    if not isinstance(x, TensorBase):
        raise not_a_tensor(name, x, arg, pos)


def _check_float(x, fname, name=None):
    """torch's NotImplementedError of kernel `fname` for a non-float `x` (a non-tensor: TypeError, naming
    `name`, default `fname` without its `_cpu`)."""
    try:
        k = x._data.dtype.kind
    except AttributeError:
        raise not_a_tensor(name or fname.partition("_cpu")[0], x) from None
    if k != "f":
        raise NotImplementedError(f'"{fname}" not implemented for \'{D.scalar_type_name(x._data.dtype)}\'')


def _num(v, name, arg, pos):
    """A number argument as torch's parser takes it (bool, int, float, NumPy number or 0-d tensor); TypeError
    naming the argument otherwise."""
    if isinstance(v, (int, float, np.number)):
        return int(v) if isinstance(v, bool) else v
    if isinstance(v, TensorBase) and v._data.ndim == 0:
        return v.item()
    raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Number, not {type(v).__name__}")


def _act(op, input, inplace, *args):
    if inplace:
        return inplace_op(op, input, *args)
    return _unary(op, input, *args)


def relu(input, inplace: bool = False):
    """max(x, 0). Matches `torch.relu` and `torch.nn.functional.relu`."""
    return inplace_op(Relu, input) if inplace else _unary(Relu, input)


def relu_(input):
    return inplace_op(Relu, input)


def relu6(input, inplace: bool = False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    _check_float(input, "leaky_relu_cpu")
    if type(negative_slope) is not float:
        negative_slope = _num(negative_slope, "leaky_relu", "negative_slope", 2)
    if inplace:
        return inplace_op(LeakyReluInplace, input, float(negative_slope))
    return _unary(LeakyRelu, input, float(negative_slope))


def leaky_relu_(input, negative_slope: float = 0.01):
    return leaky_relu(input, negative_slope, True)


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False):
    """Randomized leaky ReLU: slope ~ U(lower, upper) per negative element in training, else their mean.

    Matches `torch.nn.functional.rrelu`; the slopes are drawn from ember's default generator.
    """
    _check_float(input, "rrelu_with_noise_cpu", "rrelu")
    if type(lower) is not float or type(upper) is not float:
        lower, upper = _num(lower, "rrelu", "lower", 2), _num(upper, "rrelu", "upper", 3)
    if lower > upper:
        raise RuntimeError(f"Lower bound should be less than or equal to the upper bound (got lower={lower}, "
                           f"upper={upper})")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    x = input._data
    slope = _gen(None).uniform(lower, upper, x.shape).astype(x.dtype, copy=False)
    noise = np.where(x > 0, x.dtype.type(1), slope)
    return _act(RreluWithNoise, input, inplace, noise)


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    return rrelu(input, lower, upper, training, True)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    _check_float(input, "elu_cpu")
    if type(alpha) is not float:
        alpha = _num(alpha, "elu", "alpha", 2)
    return _act(Elu, input, inplace, float(alpha), 1.0, 1.0)


def elu_(input, alpha: float = 1.0):
    return elu(input, alpha, True)


def selu(input, inplace: bool = False):
    _check_float(input, "elu_cpu", "selu")
    return _act(Elu, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    return selu(input, True)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    _check_float(input, "elu_cpu", "celu")
    if type(alpha) is not float:
        alpha = _num(alpha, "celu", "alpha", 2)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _act(Elu, input, inplace, float(alpha), 1.0, 1.0 / float(alpha))


def celu_(input, alpha: float = 1.0):
    return celu(input, alpha, True)


def gelu(input, approximate: str = "none"):
    if type(approximate) is not str:
        _check_tensor(input, "gelu")
        raise TypeError(f"gelu(): argument 'approximate' must be str, not {type(approximate).__name__}")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _check_float(input, "GeluKernelImpl", "gelu")
    return _unary(Gelu, input, approximate)


def silu(input, inplace: bool = False):
    _check_float(input, "silu_cpu", "silu")
    return _act(Silu, input, inplace)


def mish(input, inplace: bool = False):
    _check_float(input, "mish_cpu", "mish")
    return _act(Mish, input, inplace)


def hardswish(input, inplace: bool = False):
    _check_float(input, "hardswish_cpu")
    return _act(Hardswish, input, inplace)


def hardsigmoid(input, inplace: bool = False):
    _check_float(input, "hardsigmoid_cpu")
    return _act(Hardsigmoid, input, inplace)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """min(max(x, min_val), max_val); integer inputs keep their dtype (the limits truncated to it). Matches
    `torch.nn.functional.hardtanh`."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if type(min_val) is not float or type(max_val) is not float:
        min_val, max_val = _num(min_val, "hardtanh", "min_val", 2), _num(max_val, "hardtanh", "max_val", 3)
    try:
        dt = input._data.dtype
    except AttributeError:
        raise not_a_tensor("hardtanh", input) from None
    if dt.kind != "f":
        min_val, max_val = _int_limits(dt, min_val, max_val)
    if inplace:
        return inplace_op(Hardtanh, input, min_val, max_val)
    return _unary(Hardtanh, input, min_val, max_val)


def _int_limits(dt, lo, hi):
    """hardtanh's limits for an integer dtype `dt`, truncated as torch converts them; torch's errors."""
    if dt.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    lo, hi = int(lo), int(hi)
    if dt.kind == "u" and lo < 0:
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    info = np.iinfo(dt)
    for v in (lo, hi):
        if not info.min <= v <= info.max:
            raise RuntimeError(f"value {v} cannot be converted to type {dt.name}_t without overflow")
    return dt.type(lo), dt.type(hi)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    return hardtanh(input, min_val, max_val, True)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    _check_float(input, "softplus_cpu")
    if type(beta) is not float or type(threshold) is not float:
        beta, threshold = _num(beta, "softplus", "beta", 2), _num(threshold, "softplus", "threshold", 3)
    return _unary(Softplus, input, beta, threshold)


def softsign(input):
    if input.dtype is D.bool:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return _unary(Softsign, input)


def logsigmoid(input):
    _check_float(input, "log_sigmoid_cpu", "log_sigmoid")
    return _unary(LogSigmoid, input)


def _threshold(input, th, value, inplace):
    name = "threshold_" if inplace else "threshold"
    if type(th) is not float or type(value) is not float:
        th, value = _num(th, name, "threshold", 2), _num(value, name, "value", 3)
    _check_tensor(input, name)
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    return _act(Threshold, input, inplace, th, value)


def threshold(input, threshold: float, value: float, inplace: bool = False):
    """value where x <= threshold, else x. Matches `torch.nn.functional.threshold`."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold: float, value: float):
    return _threshold(input, threshold, value, True)


def prelu(input, weight):
    """max(0,x) + weight * min(0,x), weight per channel (dim 1). Matches `torch.nn.functional.prelu`."""
    _check_tensor(input, "prelu")
    _check_tensor(weight, "prelu", "weight", 2)
    _check_float(input, "prelu_cpu")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {D.scalar_type_name(input._data.dtype)} and "
                           f"{D.scalar_type_name(weight._data.dtype)}")
    n = weight.numel()
    if n != 1:
        if input.ndim == 0:
            raise RuntimeError(f"Not allow zero-dim input tensor (prelu with {n} weights).")
        c = input.shape[1] if input.ndim >= 2 else 1      # a 1-D input is one channel
        if c != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                               f"and channel size = {c}.")
        if input.ndim >= 2:
            weight = weight.reshape(n, *([1] * (input.ndim - 2)))
    elif weight.ndim != 0:
        weight = weight.reshape(())
    return _apply(Prelu, (input, weight))


def glu(input, dim: int = -1):
    _check_tensor(input, "glu")
    if type(dim) is not int:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"glu(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
        dim = int(dim)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    _check_float(input, "glu_cpu")
    return _unary(Glu, input, d)


def tanhshrink(input):
    return input - input.tanh()


def softshrink(input, lambd: float = 0.5):
    """x - lambd above lambd, x + lambd below -lambd, else 0 (lambd in [0, the dtype's max]). Matches
    `torch.nn.functional.softshrink`."""
    _check_float(input, "softshrink_check", "softshrink")
    if type(lambd) is not float:
        lambd = _num(lambd, "softshrink", "lambd", 2)
    dt = input._data.dtype
    top = float(np.finfo(dt).max)
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {D.scalar_type_name(dt)}, but "
                           f"found {lambd:g}")
    return _unary(Softshrink, input, lambd)


def hardshrink(input, lambd: float = 0.5):
    """x where |x| > lambd, else 0. Matches `torch.hardshrink`."""
    _check_float(input, "hardshrink_cpu")
    if type(lambd) is not float:
        lambd = _num(lambd, "hardshrink", "lambd", 2)
    return _unary(Hardshrink, input, lambd)


def softmax(input, dim=None, dtype=None, *, axis=None):
    """exp(x) / sum(exp(x)) along `dim` (one node); `dtype` casts the input first. Matches `torch.softmax`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    if dtype is None and type(dim) is int and isinstance(input, TensorBase):
        x = input._data
        if x.dtype.kind == "f" and x.ndim and x.size:      # fast path
            nd = x.ndim
            return _unary(Softmax, input, dim if 0 <= dim < nd else normalize_dim(dim, nd))
    return _softmax(Softmax, "softmax", input, dim, dtype)


def log_softmax(input, dim=None, dtype=None, *, axis=None):
    """x - logsumexp(x) along `dim` (one node); `dtype` casts the input first. Matches `torch.log_softmax`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    if dtype is None and type(dim) is int and isinstance(input, TensorBase):
        x = input._data
        if x.dtype.kind == "f" and x.ndim and x.size:      # fast path
            nd = x.ndim
            return _unary(LogSoftmax, input, dim if 0 <= dim < nd else normalize_dim(dim, nd))
    return _softmax(LogSoftmax, "log_softmax", input, dim, dtype)


def _softmax(op, name, input, dim, dtype):
    """softmax/log_softmax's checks and edge cases: dim is an int, integer inputs need `dtype`, a 0-d input
    is a 1-element vector, an empty input comes back as a copy."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
    _check_tensor(input, name)
    x = input
    if dtype is not None:
        x = x.to(D.to_dtype(dtype))
    elif x._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for '
                                  f'\'{D.scalar_type_name(x._data.dtype)}\'')
    nd = x._data.ndim
    d = normalize_dim(int(dim), nd)
    if nd == 0:
        return _unary(op, x.reshape(1), 0).reshape(())
    if x._data.size == 0:
        return x.clone()          # nothing to normalise (the kernel's max() needs a non-empty dim)
    return _unary(op, x, d)


def _implicit_dim(name, ndim, stacklevel):
    """torch.nn.functional's legacy dim for softmax/log_softmax/softmin called without one (it warns)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):
    """softmax(-input) along `dim`. Matches `torch.nn.functional.softmin` (no dim: the legacy implicit one)."""
    dim = dim if dim is not None else _implicit_dim("softmin", input.dim(), _stacklevel)
    return softmax(-input, dim, dtype)


def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """Sample from the Gumbel-softmax distribution (straight-through one-hot when `hard`). Matches torch;
    the noise is drawn from ember's default generator."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    x = logits._data
    g = -np.log(_gen(None).exponential(1.0, x.shape)).astype(x.dtype, copy=False)
    y_soft = softmax((logits + _wrap(g)) / tau, dim)
    if not hard:
        return y_soft
    idx = np.argmax(y_soft._data, axis=dim)
    hard_arr = np.zeros_like(y_soft._data)
    np.put_along_axis(hard_arr, np.expand_dims(idx, dim), 1, axis=dim)
    return _wrap(hard_arr) - y_soft.detach() + y_soft


# ---- the Tensor methods ------------------------------------------------------------------------------

class ActivationMethods:
    __slots__ = ()

    relu_, softmax, log_softmax, hardshrink, prelu = relu_, softmax, log_softmax, hardshrink, prelu

    def relu(self):
        return _unary(Relu, self)
