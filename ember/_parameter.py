"""`Parameter` (a Tensor that a Module registers as learnable) and `Buffer` (a registered tensor).

Public as `ember.nn.Parameter` / `ember.nn.parameter.Parameter` (torch's paths); defined with the core so
that loading a checkpoint can rebuild parameters without importing `ember.nn`.
"""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._device import check_device
from ._tensor import Tensor

__all__ = ["Parameter", "Buffer"]

_new = object.__new__


def _factory_dtype(dtype, device=None) -> np.dtype:
    """The NumPy dtype a layer's `dtype=` argument names (None: the default dtype), after checking its `device=`
    (anything but the CPU raises)."""
    check_device(device)
    return (D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()).np


def empty_array(shape, dt):
    """np.empty(shape, dt) for a layer's parameter, after torch's checks of the sizes its constructor was
    given (integers, not negative): `nn.Linear(-1, 3)` and `nn.Linear("a", 3)` get torch's errors, not
    NumPy's."""
    shape = tuple(int(s) if i and isinstance(s, bool) else s for i, s in enumerate(shape))  # torch: a bool
    for i, s in enumerate(shape):                                                           # after the first
        if type(s) is not int and not isinstance(s, np.integer):
            raise TypeError(f"empty(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                            f"\"type must be tuple of ints,but got {type(s).__name__}\"")
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return np.empty(shape, dt)


def _array_of(data):
    if data is None:
        return np.empty((0,), dtype=np.float32)
    if isinstance(data, Tensor):
        if type(data._data) is not np.ndarray:
            raise NotImplementedError("nn.Parameter/nn.Buffer of a sparse COO tensor is not supported in ember; "
                                      "register a sparse tensor with Module.register_buffer, or use a dense one")
        return data._data
    if isinstance(data, np.ndarray):
        return data
    raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and that a Module registers when assigned to it.

    Matches `torch.nn.Parameter`: it shares the memory of `data`.
    """

    __slots__ = ()
    __module__ = "ember.nn.parameter"     # torch.nn.parameter.Parameter's path (pickles, reprs)

    def __new__(cls, data=None, requires_grad=True):
        p = _new(cls)
        p._data = _array_of(data)
        p._rg = False
        p._node = None
        p._vc = [0]
        if requires_grad:
            p.requires_grad_(True)   # raises torch's error for integer data
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (np.array(self._data), self._rg, getattr(self, "_grad", None)))


def _rebuild_parameter(data, requires_grad, grad):
    p = Parameter(data, requires_grad)
    if grad is not None:
        p._grad = grad
    return p


class Buffer(Tensor):
    """A tensor that, assigned to a Module attribute, is registered as a buffer. Matches `torch.nn.Buffer`.

    The module stores a plain Tensor sharing this one's memory; `persistent=False` keeps it out of
    the state_dict.
    """

    __slots__ = ("persistent",)
    __module__ = "ember.nn.parameter"

    def __new__(cls, data=None, *, persistent=True):
        b = _new(cls)
        b._data = _array_of(data)
        b._rg = False
        b._node = None
        b._vc = [0]
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass
