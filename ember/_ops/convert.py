"""Conversion, copying and filling: dtype conversion (`to`, `float`, ...), `clone`, `copy_`, `fill_`,
`zero_`, the `new_*` constructors and the device/memory queries scripts make. Kernels and the Tensor
methods (torch has function forms only for clone, fill and zero_). Matches torch's.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .. import _tensor_base as _tb
from .._device import DeviceUnavailableError, check_device, device as Device
from .._inplace import _OVERLAP, inplace
from .._tensor_base import TensorBase, _apply, _infer_array, _tensor_of, _unary, _wrap
from ._base import Op, Quiet, int_list_arg, writable

__all__ = ["clone", "fill", "fill_", "zero_"]


# ---- kernels -------------------------------------------------------------------------------------

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
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])

    @staticmethod
    def forward(x):
        return x.copy(), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)

def _zeros_like(g):
    if type(g) is np.ndarray:
        return np.zeros(g.shape, dtype=g.dtype)
    return _wrap(np.zeros(g._data.shape, dtype=g._data.dtype))


class CopyFrom(Op):
    """self.copy_(src), called through inplace(): forward writes src into x itself. The old value of
    self gets a zero gradient (as in torch); src gets g (summed to its shape)."""
    bw_name = "torch::autograd::CopyBackwards"

    @staticmethod
    def forward(x, src):
        np.copyto(x, src if src.shape == x.shape else np.broadcast_to(src, x.shape), casting="unsafe")
        return x, None

    @staticmethod
    def backward(saved, g, needs):
        return (_zeros_like(g) if needs[0] else None), g


class Fill(Op):
    """fill_(number), called through inplace() (writes into x): the old value gets a zero gradient."""
    bw_name = "FillBackward2"

    @staticmethod
    def forward(x, value):
        writable(x).fill(value)
        return x, None

    @staticmethod
    def backward(saved, g, needs):
        return (_zeros_like(g) if needs[0] else None,)


class Zero(Fill):
    bw_name = "ZeroBackward0"


class FillTensor(Op):
    """fill_(0-d tensor), called through inplace(): the old value gets zeros, the value gets g (summed
    to its 0-d shape)."""
    bw_name = "FillBackward3"

    @staticmethod
    def forward(x, v):
        x[...] = v
        return x, None

    @staticmethod
    def backward(saved, g, needs):
        return (_zeros_like(g) if needs[0] else None), (g if needs[1] else None)


def _parse_to(args, kwargs):
    """Tensor.to(dtype) / to(device) / to(device, dtype) / to(tensor) -> (dtype or None, copy)."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, (str, Device)):
            dev = a
        elif hasattr(a, "_data"):
            dtype = a.dtype
        elif isinstance(a, bool):
            pass   # non_blocking positional
        elif a is None:
            pass
        else:
            dtype = D.to_dtype(a)
    check_device(dev)
    return (D.to_dtype(dtype) if dtype is not None else None), copy


# ---- functions and the Tensor methods ---------------------------------------------------------------


def clone(input, *, memory_format=None):
    """A copy that keeps the graph (its gradient flows back to input). Matches `torch.clone`."""
    return _unary(Clone, input)


def fill_(input, value, *, _op=Fill):
    """Fill input with value (a number or a 0-d tensor) in place. Matches `torch.fill_`."""
    if hasattr(value, "_data"):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if not input._data.flags.writeable:
            raise RuntimeError(_OVERLAP)
        return inplace(input, _apply, FillTensor, (input, value))
    # an expand()ed tensor (a read-only NumPy view): torch fills its memory when given a number
    return inplace(input, _unary, _op, input, value)


def _new_like(self, size, dtype, requires_grad, make):
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    dt = self._data.dtype if dtype is None else D.to_dtype(dtype).np
    shape = tuple(int_list_arg(size, "size"))
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    t = _wrap(make(shape, dt))
    if requires_grad:
        t.requires_grad_(True)
    return t


def fill(input, value):
    """A new tensor like input filled with value. Matches `torch.fill`."""
    return fill_(clone(input), value)


def zero_(input):
    return fill_(input, 0, _op=Zero)


class ConvertMethods:
    __slots__ = ()

    clone, fill_, zero_ = clone, fill_, zero_

    def to(self, *args, **kwargs):
        dtype, copy = _parse_to(args, kwargs)
        if dtype is None or dtype.np is self._data.dtype:
            return self.clone() if copy else self
        if dtype.is_floating_point:
            return _unary(Cast, self, dtype.np)
        if self._data.dtype.kind == "f":      # NaN/inf to an integer: no NumPy warning (as in torch)
            with Quiet():
                return _wrap(self._data.astype(dtype.np))   # integer results never require grad
        return _wrap(self._data.astype(dtype.np))

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            return D.legacy_type_name(self._data.dtype)
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            rev = {D.legacy_type_name(d).split(".")[-1]: d for d in D.ALL}
            name = dtype.split(".")[-1]
            if name not in rev:
                raise ValueError(f"invalid type: '{dtype}'")
            return self.to(rev[name])
        legacy = getattr(dtype, "_dtype", None)   # a legacy class: x.type(torch.LongTensor)
        if isinstance(dtype, type) and legacy is not None:
            return self.to(legacy)
        return self.to(D.to_dtype(dtype))

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def long(self):
        return self.to(D.int64)

    def int(self):
        return self.to(D.int32)

    def short(self):
        return self.to(D.int16)

    def char(self):
        return self.to(D.int8)

    def byte(self):
        return self.to(D.uint8)

    def bool(self):
        return self.to(D.bool)

    def cpu(self, memory_format=None):
        return self

    def cuda(self, *args, **kwargs):
        # torch without CUDA raises AssertionError; DeviceUnavailableError is also a RuntimeError
        raise DeviceUnavailableError("Torch not compiled with CUDA enabled: ember runs on the CPU only, "
                                     "Tensor.cuda() is not available (torch.cuda.is_available() is False in ember)")

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def is_signed(self):
        return self._data.dtype.kind not in "bu"

    def copy_(self, src, non_blocking=False):
        src = _tensor_of(src)
        dst = self._data
        if src._data.shape != dst.shape:
            try:
                ok = np.broadcast_shapes(src._data.shape, dst.shape) == dst.shape
            except ValueError:
                ok = False
            if not ok:
                raise RuntimeError(f"The size of tensor a ({dst.shape}) must match the size of tensor b "
                                   f"({src._data.shape}) (copy_ of shape {tuple(src.shape)} into "
                                   f"{tuple(self.shape)})")
        if not dst.flags.writeable:
            raise RuntimeError(_OVERLAP)
        return inplace(self, _apply, CopyFrom, (self, src))

    def new(self, *args, **kwargs):
        """Legacy constructor: a new tensor with this tensor's dtype (`x.new(2, 3)`, `x.new([1, 2])`)."""
        kwargs.setdefault("dtype", self.dtype)
        if len(args) == 1 and hasattr(args[0], "_data"):
            return args[0].to(kwargs["dtype"])
        return _tb.Tensor(*args, **kwargs)   # the public class (NOTE [ The one seam ])

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

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _new_like(self, size, dtype, requires_grad, np.zeros)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _new_like(self, size, dtype, requires_grad, np.ones)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _new_like(self, size, dtype, requires_grad, np.zeros)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
                 pin_memory=False):
        return _new_like(self, (size,), dtype, requires_grad, lambda s, dt: np.full(s, fill_value, dt))

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        if isinstance(data, TensorBase):
            warnings.warn("To copy construct from a tensor, it is recommended to use "
                          "sourceTensor.detach().clone() or "
                          "sourceTensor.detach().clone().requires_grad_(True), rather than "
                          "tensor.new_tensor(sourceTensor).", stacklevel=2)
        a = np.array(_infer_array(data), dtype=self._data.dtype if dtype is None else D.to_dtype(dtype).np)
        t = _wrap(a)
        if requires_grad:
            t.requires_grad_(True)
        return t

    @property
    def is_cpu(self):
        return True

    is_sparse = is_quantized = is_meta = is_mps = is_xpu = is_nested = is_mkldnn = property(lambda self: False)

    @property
    def itemsize(self):
        return self._data.dtype.itemsize

    @property
    def nbytes(self):
        return self._data.size * self._data.dtype.itemsize
