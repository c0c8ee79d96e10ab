"""Conversion, copying and filling methods."""
from __future__ import annotations

import numpy as np

from .._ops.pointwise import Cast, Clone
from .._ops._base import Op


def _zeros_like(g):
    if type(g) is np.ndarray:
        return np.zeros(g.shape, dtype=g.dtype)
    return _wrap(np.zeros(g._data.shape, dtype=g._data.dtype))


class CopyFrom(Op):
    """self.copy_(src): the old value of self gets a zero gradient (as in torch); src gets g (summed to
    its shape)."""
    bw_name = "torch::autograd::CopyBackwards"

    @staticmethod
    def backward(saved, g, needs):
        return (_zeros_like(g) if needs[0] else None), g


class Fill(Op):
    """fill_(number): the old value gets a zero gradient."""
    bw_name = "FillBackward2"

    @staticmethod
    def backward(saved, g, needs):
        return (_zeros_like(g) if needs[0] else None,)


class Zero(Fill):
    bw_name = "ZeroBackward0"


class FillTensor(Op):
    """fill_(0-d tensor): the old value gets zeros, the value gets g (summed to its 0-d shape)."""
    bw_name = "FillBackward3"

    @staticmethod
    def backward(saved, g, needs):
        return (_zeros_like(g) if needs[0] else None), (g if needs[1] else None)


def _parse_to(args, kwargs):
    """Tensor.to(dtype) / to(device) / to(device, dtype) / to(tensor) -> (dtype or None, copy)."""
    from .._dtype import dtype as DT, to_dtype
    from .._device import check_device, device as Dev
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, DT):
            dtype = a
        elif isinstance(a, (str, Dev)):
            dev = a
        elif hasattr(a, "_data"):
            dtype = a.dtype
        elif isinstance(a, bool):
            pass   # non_blocking positional
        elif a is None:
            pass
        else:
            dtype = to_dtype(a)
    check_device(dev)
    return (to_dtype(dtype) if dtype is not None else None), copy


class MiscMixin:
    __slots__ = ()

    def to(self, *args, **kwargs):
        dtype, copy = _parse_to(args, kwargs)
        if dtype is None or dtype.np is self._data.dtype:
            return self.clone() if copy else self
        if dtype.is_floating_point:
            return _unary(Cast, self, dtype.np)
        return _wrap(self._data.astype(dtype.np))   # integer results never require grad

    def type(self, dtype=None, non_blocking=False, **kwargs):
        from .._dtype import to_dtype
        if dtype is None:
            return "torch." + _LEGACY[self.dtype.name]
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            rev = {v: k for k, v in _LEGACY.items()}
            name = dtype.split(".")[-1]
            if name not in rev:
                raise ValueError(f"invalid type: '{dtype}'")
            return self.to(to_dtype(rev[name]))
        return self.to(to_dtype(dtype))

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(_d().float32)

    def double(self):
        return self.to(_d().float64)

    def half(self):
        return self.to(_d().float16)

    def long(self):
        return self.to(_d().int64)

    def int(self):
        return self.to(_d().int32)

    def short(self):
        return self.to(_d().int16)

    def char(self):
        return self.to(_d().int8)

    def byte(self):
        return self.to(_d().uint8)

    def bool(self):
        return self.to(_d().bool)

    def cpu(self, memory_format=None):
        return self

    def cuda(self, *args, **kwargs):
        raise RuntimeError("ember runs on the CPU only: Tensor.cuda() is not available "
                           "(torch.cuda.is_available() is False in ember)")

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def is_signed(self):
        return self._data.dtype.kind not in "bu"

    def clone(self, *, memory_format=None):
        return _unary(Clone, self)

    def copy_(self, src, non_blocking=False):
        if not hasattr(src, "_data"):
            from .._creation import tensor
            src = tensor(src)
        recording = _STATE.enabled and (self._rg or src._rg)
        if recording:
            _check_inplace(self)
        before = _edge(self)
        try:
            np.copyto(self._data, np.broadcast_to(src._data, self._data.shape), casting="unsafe")
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({self._data.shape}) must match the size of tensor b "
                               f"({src._data.shape}) (copy_ of shape {tuple(src.shape)} into {tuple(self.shape)})") from None
        self._vc[0] += 1
        if recording:
            _attach(self, CopyFrom, (before, _edge(src)), (self._data.shape, src._data.shape),
                    (self._data.dtype, src._data.dtype), None)
        return self

    def fill_(self, value, *, _op=Fill):
        vt = None
        if hasattr(value, "_data"):
            if value._data.ndim:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value._data.ndim} dimensions.")
            vt = value
            value = value._data
        recording = _STATE.enabled and (self._rg or (vt is not None and vt._rg))
        if recording:
            _check_inplace(self)
        before = _edge(self)
        try:
            self._data.fill(value)
        except ValueError:
            # an expand()ed tensor (a read-only NumPy view): torch fills its memory when given a number
            if vt is not None:
                raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers "
                                   "to a single memory location. Please clone() the tensor before performing the "
                                   "operation.") from None
            from .shape import _writable
            _writable(self._data).fill(value)
        self._vc[0] += 1
        if recording:
            if vt is not None:
                _attach(self, FillTensor, (before, _edge(vt)), (self._data.shape, ()),
                        (self._data.dtype, vt._data.dtype), None)
            else:
                _attach(self, _op, (before,), (self._data.shape,), (self._data.dtype,), None)
        return self

    def zero_(self):
        return self.fill_(0, _op=Zero)


_LEGACY = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
           "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
           "bool": "BoolTensor"}


def _d():
    from .. import _dtype
    return _dtype


_unary = _wrap = _edge = _attach = _check_inplace = _STATE = None


def _bind():
    global _unary, _wrap, _edge, _attach, _check_inplace, _STATE
    from .. import _tensor as t
    from ..autograd.grad_mode import STATE
    _unary, _wrap, _edge, _attach, _check_inplace, _STATE = (
        t._unary, t._wrap, t._edge, t._attach, t._check_inplace, STATE)
