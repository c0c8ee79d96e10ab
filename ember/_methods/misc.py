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
        legacy = getattr(dtype, "_dtype", None)   # a legacy class: x.type(torch.LongTensor)
        if isinstance(dtype, type) and legacy is not None:
            return self.to(legacy)
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
        # torch without CUDA raises AssertionError; DeviceUnavailableError is also a RuntimeError
        from .._device import DeviceUnavailableError
        raise DeviceUnavailableError("Torch not compiled with CUDA enabled: ember runs on the CPU only, "
                                     "Tensor.cuda() is not available (torch.cuda.is_available() is False in ember)")

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

    # ---- older linear-algebra spellings and functional forms as methods ----
    def svd(self, some=True, compute_uv=True):
        from .._functional import svd
        return svd(self, some, compute_uv)

    def qr(self, some=True):
        from .._functional import qr
        return qr(self, some)

    def pinverse(self, rcond=1e-15):
        from .._functional import pinverse
        return pinverse(self, rcond)

    def hardshrink(self, lambd=0.5):
        from ..nn.functional import hardshrink
        return hardshrink(self, lambd)

    def prelu(self, weight):
        from ..nn.functional import prelu
        return prelu(self, weight)

    def renorm(self, p, dim, maxnorm):
        from .._functional import renorm
        return renorm(self, p, dim, maxnorm)

    def renorm_(self, p, dim, maxnorm):
        from .._functional import renorm
        return self.copy_(renorm(self, p, dim, maxnorm))

    def new(self, *args, **kwargs):
        """Legacy constructor: a new tensor with this tensor's dtype (`x.new(2, 3)`, `x.new([1, 2])`)."""
        from .._tensor import Tensor
        kwargs.setdefault("dtype", self.dtype)
        if len(args) == 1 and hasattr(args[0], "_data"):
            return args[0].to(kwargs["dtype"])
        return Tensor(*args, **kwargs)

    # ---- device / memory queries scripts make (ember tensors always live in CPU memory) ----
    @property
    def is_cpu(self):
        return True

    is_sparse = is_quantized = is_meta = is_mps = is_xpu = is_nested = is_mkldnn = property(lambda self: False)

    def get_device(self):
        """-1: the tensor is on the CPU (torch's answer for CPU tensors)."""
        return -1

    def is_inference(self):
        return False

    def pin_memory(self, device=None):
        """Raises like a CPU-only torch: pinning needs an accelerator."""
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def is_pinned(self, device=None):
        return False

    def share_memory_(self):
        """No-op returning self (DataLoader workers already receive copies of the data)."""
        return self

    def is_shared(self):
        return False

    @property
    def itemsize(self):
        return self._data.dtype.itemsize

    @property
    def nbytes(self):
        return self._data.size * self._data.dtype.itemsize

    def is_same_size(self, other):
        return self._data.shape == other._data.shape

    def apply_(self, callable):
        """Applies a Python function to every element in place (slow, as in torch; CPU only)."""
        if self._rg:
            raise RuntimeError("apply_ is not supported on tensors that require grad")
        flat = self._data.reshape(-1)
        vals = np.array([callable(v) for v in flat.tolist()], dtype=self._data.dtype)
        if flat.size:
            self._data[...] = vals.reshape(self._data.shape)
        self._vc[0] += 1
        return self

    def map_(self, tensor, callable):
        """self[i] = callable(self[i], tensor[i]) for every element (tensor broadcast to self), in place."""
        if self._rg:
            raise RuntimeError("map_ is not supported on tensors that require grad")
        other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
        vals = [callable(a, b) for a, b in zip(self._data.reshape(-1).tolist(), other)]
        if vals:
            self._data[...] = np.array(vals, dtype=self._data.dtype).reshape(self._data.shape)
        self._vc[0] += 1
        return self


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
