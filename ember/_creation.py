"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/full/empty, ranges, random tensors."""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype as D
from ._device import check_device
from ._tensor import Tensor
from ._tensor_base import _infer_array, _wrap
from .random import _gen

_ndarray = np.ndarray


def _np_dtype(dtype):
    return None if dtype is None else D.to_dtype(dtype).np


def _finish(data, requires_grad, device=None):
    if device is not None:
        check_device(device)
    t = _wrap(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of `data`. Matches `torch.tensor` (dtype inferred the same way)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True), "
                      "rather than torch.tensor(sourceTensor).",
                      stacklevel=2)
    a = _infer_array(data)
    if dtype is not None and a.dtype.kind == "f" and not isinstance(data, (Tensor, np.ndarray, np.generic)):
        a = np.array(data, dtype=np.float64)   # Python floats: no detour through the default float32
    a = np.array(a, dtype=_np_dtype(dtype), copy=True)
    return _finish(a, requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like tensor() but shares memory with `data` when it already has the right dtype."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        a = data
        D.from_numpy_dtype(a.dtype)
        if dtype is not None and a.dtype != D.to_dtype(dtype).np:
            a = a.astype(D.to_dtype(dtype).np)
        return _finish(a, False, device)
    a = _infer_array(data)
    if dtype is not None:
        a = a.astype(D.to_dtype(dtype).np)
    return _finish(a, False, device)


asarray = as_tensor


def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with `ndarray`. Matches `torch.from_numpy`."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray)


_MAX_BYTES = 2 ** 63 - 1


def _alloc(make, shape, dt, fill=None):
    """`make(shape, dt)` (np.zeros, np.ones, ...) with torch's errors for sizes NumPy refuses: a storage
    beyond 2**63 bytes, or memory the machine does not have (never NumPy's ValueError)."""
    try:
        return make(shape, dt) if fill is None else make(shape, fill, dt)
    except (MemoryError, ValueError) as e:
        n = np.dtype(dt).itemsize
        for s in shape:
            n *= s
        if n > _MAX_BYTES:
            raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}") from None
        if isinstance(e, ValueError) and "too big" not in str(e) and "Maximum allowed" not in str(e):
            raise
        raise RuntimeError(f"can't allocate memory: you tried to allocate {n} bytes "
                           f"(sizes={list(shape)})") from None


def _number(v, fn, name, position):
    """A Number argument (fill_value, start/end/step): Python/NumPy numbers, 0-d tensors (torch's parser
    refuses one-element tensors of other ranks)."""
    if hasattr(v, "_data") and v._data.ndim == 0:
        return v.item()
    if isinstance(v, (bool, int, float, np.number, np.bool_)):
        return v.item() if isinstance(v, np.generic) else v
    raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Number, not {type(v).__name__}")


def _nonneg_int(v, fn, name, position):
    if type(v) is int or isinstance(v, np.integer) or (hasattr(v, "_data") and v._data.dtype.kind in "iu"):
        return int(v)
    raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be int, not {type(v).__name__}")


def _size(size, kw=None):
    if kw is not None:
        if size:
            raise TypeError("got multiple values for argument 'size'")
        size = (kw,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and hasattr(size[0], "_data") and size[0]._data.ndim == 1:
        size = tuple(size[0].tolist())
    out = []
    for i, s in enumerate(size):
        if hasattr(s, "_data"):
            if s._data.size != 1 or s._data.dtype.kind not in "iu":
                raise TypeError(f"argument 'size' must be tuple of ints, but found element of type Tensor at pos {i}")
            s = int(s._data.reshape(()))
        elif isinstance(s, bool) and i == 0 or not isinstance(s, (int, np.integer)):   # torch: a bool after
            # the first size counts as 0/1
            raise TypeError(f"argument 'size' must be tuple of ints, but found element of type {type(s).__name__} "
                            f"at pos {i}")
        if not -2 ** 63 <= s < 2 ** 63:
            raise TypeError(f"argument 'size' failed to unpack the object at pos {i}: Overflow when "
                            f"unpacking long long")
        out.append(int(s))
    out = tuple(out)
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(out)}")
    return out


def _float_dtype(dtype):
    d = D._default[0] if dtype is None else D.to_dtype(dtype)
    return d.np


def zeros(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    return _finish(_alloc(np.zeros, _size(args, size), _float_dtype(dtype)), requires_grad, device)


def ones(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    return _finish(_alloc(np.ones, _size(args, size), _float_dtype(dtype)), requires_grad, device)


def empty(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    # zero-filled: cheap in NumPy, and no uninitialised garbage leaks into user results
    return _finish(_alloc(np.zeros, _size(args, size), _float_dtype(dtype)), requires_grad, device)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if isinstance(size, (int, np.integer)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    fill_value = _number(fill_value, "full", "fill_value", 2)
    dt = D.scalar_dtype(fill_value).np if dtype is None else D.to_dtype(dtype).np
    return _finish(_alloc(np.full, _size((size,)), dt, fill_value), requires_grad, device)


def _like(input, dtype, name):
    """The shape and NumPy dtype of a `*_like` result (input must be a tensor, as in torch)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input._data.shape, input._data.dtype if dtype is None else D.to_dtype(dtype).np


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.zeros(*_like(input, dtype, "zeros_like")), requires_grad, device)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.ones(*_like(input, dtype, "ones_like")), requires_grad, device)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.zeros(*_like(input, dtype, "empty_like")), requires_grad, device)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    shape, dt = _like(input, dtype, "full_like")
    return _finish(np.full(shape, _number(fill_value, "full_like", "fill_value", 2), dtype=dt), requires_grad,
                   device)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Matches `torch.arange`: integer arguments give int64, any float gives the default float dtype."""
    if end is None:
        start, end = 0, start
        names = (("start", 0), ("end", 1), ("step", 2))
    else:
        names = (("start", 1), ("end", 2), ("step", 3))
    vals = [_number(v, "arange", k, p) for v, (k, p) in zip((start, end, step), names)]
    start, end, step = vals
    if not all(np.isfinite(v) for v in vals):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dt = D._default[0].np if any(isinstance(v, float) for v in vals) else np.dtype(np.int64)
    else:
        dt = D.to_dtype(dtype).np
    n = int(np.ceil((end - start) / step))
    if n * dt.itemsize > _MAX_BYTES:
        raise RuntimeError(f"Storage size calculation overflowed with sizes=[{n}]")
    if dt.kind == "f":
        a = (start + step * np.arange(n, dtype=np.float64)).astype(dt)
    else:
        a = np.arange(start, end, step).astype(dt)
    return _finish(a, requires_grad, device)


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    dt = _float_dtype(dtype)
    n = int(np.floor((end - start) / step)) + 1
    return _finish((start + step * np.arange(n, dtype=np.float64)).astype(dt), requires_grad, device)


def _space_ends(start, end, name):
    for v, arg in ((start, "start"), (end, "end")):
        if hasattr(v, "_data") and v._data.ndim:
            raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but got {arg} with "
                               f"{v._data.ndim} dimension(s).")


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _space_ends(start, end, "linspace")
    start, end = _number(start, "linspace", "start", 1), _number(end, "linspace", "end", 2)
    steps = _space_steps(steps, dtype, "linspace")
    a = np.linspace(start, end, steps, dtype=np.float64).astype(_float_dtype(dtype))
    return _finish(a, requires_grad, device)


def _space_steps(steps, dtype, name):
    steps = _nonneg_int(steps, name, "steps", 3)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if dtype is not None and D.to_dtype(dtype) is D.bool:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
    return steps


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    _space_ends(start, end, "logspace")
    start, end = _number(start, "logspace", "start", 1), _number(end, "logspace", "end", 2)
    steps = _space_steps(steps, dtype, "logspace")
    a = np.logspace(start, end, steps, base=base, dtype=np.float64).astype(_float_dtype(dtype))
    return _finish(a, requires_grad, device)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    n = _nonneg_int(n, "eye", "n", 1)
    m = n if m is None else _nonneg_int(m, "eye", "m", 2)
    for v, k in ((n, "n"), (m, "m")):
        if v < 0:
            raise RuntimeError(f"{k} must be greater or equal to 0, got {v}")
    return _finish(_alloc(lambda shape, dtype: np.eye(*shape, dtype=dtype), (n, m), _float_dtype(dtype)),
                   requires_grad, device)


# ---- random ----------------------------------------------------------------------------------

def _check_float(dtype, name):
    d = _float_dtype(dtype)
    if d.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{D.scalar_type_name(d)}'")
    return d


def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """Uniform on [0, 1). Same distribution as torch.rand, different stream."""
    d = _check_float(dtype, "check_uniform_bounds")
    g = _gen(generator)
    if d == np.float16:   # rounding to half could reach 1.0: keep the interval half-open
        a = np.minimum(g.random(_size(args, size)), 0.99951171875).astype(d)
    else:
        a = g.random(_size(args, size), dtype=d)
    return _finish(a, requires_grad, device)


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """Standard normal. Same distribution as torch.randn, different stream."""
    d = _check_float(dtype, "normal_kernel_cpu")
    g = _gen(generator)
    a = g.standard_normal(_size(args, size), dtype=np.float64 if d == np.float16 else d)
    return _finish(a.astype(d, copy=False), requires_grad, device)


def randint(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    """randint(high, size) or randint(low, high, size): integers in [low, high), int64 by default."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
        if not isinstance(size, (tuple, list)) and not hasattr(size, "_data"):
            raise TypeError(f"randint(): argument 'size' (position {len(args) + 1}) must be tuple of ints, "
                            f"not {type(size).__name__}")
    if high is not None:
        args.append(high)
        if low is not None:
            args.insert(0, low)
    elif low is not None:
        args.insert(0, low)
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    low, high = _nonneg_int(low, "randint", "low", 1), _nonneg_int(high, "randint", "high", 2)
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = np.dtype(np.int64) if dtype is None else D.to_dtype(dtype).np
    a = _gen(generator).integers(low, high, size=_size((size,) if isinstance(size, int) else (size,)))
    return _finish(a.astype(dt), requires_grad, device)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    dt = np.dtype(np.int64) if dtype is None else D.to_dtype(dtype).np
    n = _nonneg_int(n, "randperm", "n", 1)
    _size((n,))                                  # a negative n is torch's RuntimeError
    return _finish(_gen(generator).permutation(n).astype(dt), requires_grad, device)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input) -> int:
    return input._data.size


# ---- legacy typed constructors: torch.FloatTensor(2, 3), torch.LongTensor([1, 2]), isinstance checks ----

class _LegacyTensorType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and type(obj._data) is np.ndarray and obj._data.dtype == cls._dtype.np

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(name, dt):
    def __new__(cls, *args, **kwargs):
        kwargs.pop("dtype", None)
        return Tensor(*args, dtype=dt, **kwargs)
    return _LegacyTensorType(name, (), {"_dtype": dt, "__new__": __new__, "__slots__": ()})


FloatTensor = _legacy_type("FloatTensor", D.float32)
DoubleTensor = _legacy_type("DoubleTensor", D.float64)
HalfTensor = _legacy_type("HalfTensor", D.float16)
LongTensor = _legacy_type("LongTensor", D.int64)
IntTensor = _legacy_type("IntTensor", D.int32)
ShortTensor = _legacy_type("ShortTensor", D.int16)
CharTensor = _legacy_type("CharTensor", D.int8)
ByteTensor = _legacy_type("ByteTensor", D.uint8)
BoolTensor = _legacy_type("BoolTensor", D.bool)
