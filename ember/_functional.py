"""`ember.*` function forms of tensor operations (torch.exp, torch.sum, torch.matmul, ...)."""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._ops import pointwise as P
from ._tensor import Tensor, _apply, _binary, _result_np, _scalar_np, _wrap


def _t(x):
    if isinstance(x, Tensor):
        return x
    from ._creation import tensor
    return tensor(x)


def add(input, other, *, alpha=1, out=None):
    return _t(input).add(other, alpha=alpha)


def sub(input, other, *, alpha=1, out=None):
    return _t(input).sub(other, alpha=alpha)


subtract = sub


def mul(input, other, *, out=None):
    return _t(input).mul(other)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    input = _t(input)
    if rounding_mode is None:
        return input.div(other)
    if rounding_mode == "trunc":
        q = _binary(P.Div, input, other)
        return _wrap(np.trunc(q._data).astype(_result_dtype(input, other)))
    if rounding_mode == "floor":
        return _binary(P.FloorDivide, input, other)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


divide = div
true_divide = div


def _result_dtype(a, b):
    if isinstance(b, Tensor):
        return _result_np(a._data, b._data)
    return _scalar_np(a._data, b)


def neg(input, *, out=None):
    return -_t(input)


negative = neg


def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        return _t(exponent).__rpow__(input)
    return input.pow(exponent)


def exp(input, *, out=None):
    return _t(input).exp()


def log(input, *, out=None):
    return _t(input).log()


def sqrt(input, *, out=None):
    return _t(input).sqrt()


def tanh(input, *, out=None):
    return _t(input).tanh()


def sigmoid(input, *, out=None):
    return _t(input).sigmoid()


def relu(input):
    return _t(input).relu()


def relu_(input):
    return input.relu_()


def abs(input, *, out=None):
    return _t(input).abs()


absolute = abs


def sum(input, dim=None, keepdim=False, *, dtype=None):
    return _t(input).sum(dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    return _t(input).mean(dim, keepdim, dtype=dtype)


def eq(input, other, *, out=None):
    return _t(input).eq(other)


def ne(input, other, *, out=None):
    return _t(input).ne(other)


def lt(input, other, *, out=None):
    return _t(input).lt(other)


def le(input, other, *, out=None):
    return _t(input).le(other)


def gt(input, other, *, out=None):
    return _t(input).gt(other)


def ge(input, other, *, out=None):
    return _t(input).ge(other)


def where(condition, input=None, other=None, *, out=None):
    """where(cond, x, y) picks x where cond is True, else y; where(cond) is nonzero(as_tuple=True)."""
    cond = _t(condition)
    if input is None and other is None:
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(cond._data))
    if cond._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{cond.dtype.name.capitalize()}")
    x = input if isinstance(input, Tensor) else None
    y = other if isinstance(other, Tensor) else None
    if x is None and y is None:
        dt = D.PROMOTE[(D.scalar_dtype(input), D.scalar_dtype(other))].np
        return _wrap(np.where(cond._data, np.asarray(input, dt), np.asarray(other, dt)))
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
    return _apply(P.Where, (x, y), cond._data)
from ._functional_math import *  # noqa

from ._functional_shape import *  # noqa
