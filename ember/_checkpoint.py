"""What the pickle of a checkpoint may name and call, and one load's rebuild functions.

A weights-only load (`ember._unpickler.Interpreter`) resolves every GLOBAL through `_GLOBALS`: torch's
default weights-only allowlist (tensors, storages, dtypes, Size, device, Parameter, containers, sparse
COO tensors), plus the user's `add_safe_globals` entries. Callables are handed out as `Ref` tokens and
run only through the `_Loader` of that load; what torch allows but ember cannot hold (complex and
quantized dtypes, nested tensors, ...) is refused with the reason (`Unsupported`). A trusted load
(`weights_only=False`, `_FullUnpickler`) resolves torch's module paths to ember's (`_torch_names`).

Every load builds one `_Loader`: it owns the rebuild functions the pickle may call (so nothing
module-level is ever handed to a file), reads storages through a callback that checks their sizes
against the file before anything is allocated, and names the file and record in every error.
"""
from __future__ import annotations

import collections
import pickle
import struct

import numpy as np

from . import _creation, _dtype as D, sparse as _sparse
from ._layout import sparse_coo, strided
from ._tensor import Tensor
from ._tensor_base import Size, _wrap
from ._torch_names import ember_modules, torch_name
from ._unpickler import Interpreter, PassThrough, Ref, Unsupported, UnpicklingError, short_repr

__all__ = ["add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

# ---- dtype <-> storage names -------------------------------------------------------------------

_STORAGE_OF = {D.float32: "FloatStorage", D.float64: "DoubleStorage", D.float16: "HalfStorage",
               D.int64: "LongStorage", D.int32: "IntStorage", D.int16: "ShortStorage", D.int8: "CharStorage",
               D.uint8: "ByteStorage", D.bool: "BoolStorage"}
_DTYPE_OF_STORAGE = {v: k.np for k, v in _STORAGE_OF.items()}
_DTYPE_OF_STORAGE["BFloat16Storage"] = "bfloat16"      # widened to float32 on load
_DTYPE_OF_STORAGE["UntypedStorage"] = np.dtype(np.uint8)
_LEGACY_TYPES = ("FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
                 "CharTensor", "ByteTensor", "BoolTensor")
_TORCH_DTYPE_NAMES = {"float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
                      "float", "double", "half", "long", "int", "short", "bfloat16"}



# ---- the globals a checkpoint may name -----------------------------------------------------------

_STORAGE_REFS = {n: Ref("torch", n) for n in _DTYPE_OF_STORAGE}
_CALLABLE = [("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"),
             ("torch._utils", "_rebuild_tensor_v3"), ("torch._utils", "_rebuild_parameter"),
             ("torch._utils", "_rebuild_parameter_with_state"), ("torch._utils", "_rebuild_sparse_tensor"),
             ("torch._utils", "_rebuild_device_tensor_from_cpu_tensor"),
             ("torch._utils", "_rebuild_device_tensor_from_numpy"),
             ("torch._tensor", "_rebuild_from_type_v2"), ("torch.serialization", "_get_layout"),
             ("torch.nn.parameter", "Parameter"), ("torch", "Size"), ("torch", "device"),
             ("collections", "OrderedDict"), ("collections", "Counter"), ("builtins", "set"),
             ("builtins", "frozenset"), ("builtins", "slice"), ("builtins", "bytearray"),
             ("builtins", "complex"), ("_codecs", "encode")]
_REFS = {k: Ref(*k) for k in _CALLABLE}
# allowed as values (arguments of the rebuild functions), never called
_TOKENS = {k: Ref(*k) for k in [("torch", "Tensor"), ("torch.storage", "UntypedStorage"),
                                 ("torch.storage", "TypedStorage")]}


def _torch_dtype(name):
    return D.float32 if name == "bfloat16" else D._BY_NAME[name]


# (module, name) -> what GLOBAL pushes: dtypes and the legacy tensor types as themselves, everything else
# as an immutable Ref
_GLOBALS = dict(_REFS)
_GLOBALS.update(_TOKENS)
_GLOBALS.update({("torch", n): r for n, r in _STORAGE_REFS.items()})
_GLOBALS.update({("torch.cuda", n): Ref("torch.cuda", n) for n in _STORAGE_REFS})   # old GPU checkpoints
_GLOBALS.update({("torch", n): _torch_dtype(n) for n in _TORCH_DTYPE_NAMES})
_GLOBALS.update({("torch", n): getattr(_creation, n) for n in _LEGACY_TYPES})
_GLOBALS.update({("torch.sparse", n): getattr(_sparse, n) for n in _LEGACY_TYPES})
for _m, _n in list(_GLOBALS):      # Python 2 pickles name the builtins module __builtin__
    if _m == "builtins":
        _GLOBALS[("__builtin__", _n)] = _GLOBALS[(_m, _n)]


def _unsupported():
    """The rest of torch's default weights-only allowlist: what ember cannot hold, with the reason."""
    out = {}
    no_dtype = "ember has no dtype torch.{}"
    names = ["complex32", "complex64", "complex128", "chalf", "cfloat", "cdouble", "uint16", "uint32",
             "uint64", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu",
             "float4_e2m1fn_x2", "bits16", "bits1x8", "bits2x4", "bits4x2", "bits8"]
    names += [f"int{i}" for i in range(1, 8)] + [f"uint{i}" for i in range(1, 8)]
    out.update({("torch", n): Unsupported(no_dtype.format(n)) for n in names})
    quantized = Unsupported("ember has no quantized tensors")
    out.update({("torch", n): quantized for n in ["qint32", "qint8", "quint2x4", "quint4x2", "quint8",
                                                   "per_channel_affine", "per_channel_affine_float_qparams",
                                                   "per_channel_symmetric", "per_tensor_affine",
                                                   "per_tensor_symmetric", "QInt32Storage", "QInt8Storage",
                                                   "QUInt2x4Storage", "QUInt4x2Storage", "QUInt8Storage"]})
    out[("torch._utils", "_rebuild_qtensor")] = quantized
    for mod in ("torch", "torch.cuda"):
        for n in ("ComplexFloatStorage", "ComplexDoubleStorage"):
            out[(mod, n)] = Unsupported("ember has no complex dtypes")
    out[("torch._utils", "_rebuild_nested_tensor")] = Unsupported("ember has no nested tensors")
    out[("torch._utils", "_rebuild_wrapper_subclass")] = Unsupported(
        "ember cannot rebuild tensor wrapper subclasses (such as DTensor)")
    out[("torch._utils", "_rebuild_meta_tensor_no_storage")] = Unsupported(
        "ember has no 'meta' device (tensors without data)")
    cuda = Unsupported("ember runs on the CPU and has no CUDA tensor types")
    out.update({("torch.cuda", n): cuda for n in _LEGACY_TYPES + ("BFloat16Tensor",)})
    out.update({("torch.cuda.sparse", n): cuda for n in _LEGACY_TYPES + ("BFloat16Tensor",)})
    out[("torch", "BFloat16Tensor")] = Unsupported("ember stores bfloat16 tensors as float32 and has no "
                                                   "torch.BFloat16Tensor type")
    out[("torch.sparse", "BFloat16Tensor")] = out[("torch", "BFloat16Tensor")]
    return out


_GLOBALS.update(_unsupported())
_USER_SAFE: dict = {}



def add_safe_globals(safe_globals):
    """Allow these objects (classes or functions) in weights_only loads. Matches torch's function."""
    for g in safe_globals:
        if isinstance(g, tuple):
            g, name = g
            mod, _, name = name.rpartition(".") if "." in name else (g.__module__, "", name)
        else:
            mod, name = g.__module__, getattr(g, "__qualname__", g.__name__)
        _USER_SAFE[(mod, name)] = g


def _user_table():
    """add_safe_globals' entries, each ember object also under torch's name for it (files name
    `torch.nn.modules.linear.Linear`; a program allowlists `ember.nn.Linear` under either name)."""
    table = dict(_USER_SAFE)
    for obj in _USER_SAFE.values():
        path = torch_name(obj)
        if path is not None:
            table.setdefault(path, obj)
    return table


def get_safe_globals():
    """The objects add_safe_globals allowed. Matches torch's function."""
    return list(_USER_SAFE.values())


def clear_safe_globals():
    """Forget every add_safe_globals entry. Matches torch's function."""
    _USER_SAFE.clear()


class safe_globals:
    """Context manager: allow these globals inside the block only. Matches torch's."""

    def __init__(self, safe_globals):
        self.globals = safe_globals

    def __enter__(self):
        self.saved = dict(_USER_SAFE)
        add_safe_globals(self.globals)

    def __exit__(self, *exc):
        _USER_SAFE.clear()
        _USER_SAFE.update(self.saved)
        return False


def _ints(value, what, n=None):
    if not isinstance(value, (tuple, list)) or not all(type(v) is int and v >= 0 for v in value):
        raise UnpicklingError(f"tensor {what} must be a tuple of non-negative ints, got {short_repr(value)}")
    if n is not None and len(value) != n:
        raise UnpicklingError(f"tensor stride {short_repr(value)} does not match its size of {n} dims")
    return tuple(value)


def _view(arr, offset, size, stride):
    """The tensor (offset, size, stride) of storage `arr`, refused unless it lies inside it."""
    n = 1
    for s in size:
        n *= s
    if n == 0:
        return _wrap(np.zeros(size, dtype=arr.dtype))
    if stride is None:
        stride, acc = [], 1
        for s in reversed(size):
            stride.insert(0, acc)
            acc *= s
        stride = tuple(stride)
    if n * arr.itemsize >= 1 << 62:
        raise UnpicklingError(f"a tensor of size {short_repr(size)} is larger than any storage")
    end = offset + 1 + sum((s - 1) * st for s, st in zip(size, stride))
    if end > arr.size:
        raise UnpicklingError(f"a tensor of size {short_repr(size)} and stride {short_repr(stride)} at "
                              f"offset {short_repr(offset)} does not fit its storage of {arr.size} elements")
    return _wrap(np.lib.stride_tricks.as_strided(arr[offset:], shape=size,
                                                 strides=tuple(s * arr.itemsize for s in stride)))


class _Pending:
    """A legacy-format storage: its bytes come after the pickle, so tensors on it are filled in later.
    `view` is (offset, numel) for a view of the storage `key`, else None."""
    __slots__ = ("key", "storage_name", "dtype", "view")

    def __init__(self, key, storage_name, view=None):
        self.key, self.storage_name, self.dtype, self.view = key, storage_name, _np_dtype(storage_name), view


def _np_dtype(storage_name):
    dt = _DTYPE_OF_STORAGE[storage_name]
    return np.dtype(np.float32) if isinstance(dt, str) else dt


def _itemsize(storage_name):
    dt = _DTYPE_OF_STORAGE[storage_name]
    return 2 if isinstance(dt, str) else dt.itemsize


def _storage_from_bytes(raw, storage_name, big_endian):
    """A storage array from its raw uint8 bytes (no copy unless bf16 must be widened)."""
    dt = _DTYPE_OF_STORAGE[storage_name]
    if isinstance(dt, str):              # bfloat16: the high half of a float32
        u = raw.view(">u2" if big_endian else "<u2")
        return (u.astype(np.uint32) << 16).view(np.float32)
    if big_endian and dt.itemsize > 1:
        a = raw.view(dt.newbyteorder(">"))
        a.byteswap(inplace=True)
        return a.view(dt)
    return raw.view(dt)


class _Loader:
    """One load: the callables a pickle may reach, persistent ids, and where errors happened."""

    def __init__(self, label, map_location, storage):
        self.label = label
        self.map_location = map_location
        self._storage = storage       # (storage_name, key, location, numel, view) -> array or _Pending
        self.pending = {}      # id(placeholder tensor) -> [tensor, pending, offset, size, stride, params]
        self.calls = {
            _REFS[("torch._utils", "_rebuild_tensor_v2")]: self.rebuild_tensor_v2,
            _REFS[("torch._utils", "_rebuild_tensor")]: self.rebuild_tensor,
            _REFS[("torch._utils", "_rebuild_parameter")]: self.rebuild_parameter,
            _REFS[("torch._utils", "_rebuild_parameter_with_state")]: self.rebuild_parameter_with_state,
            _REFS[("torch._utils", "_rebuild_tensor_v3")]: self.rebuild_tensor_v3,
            _REFS[("torch._utils", "_rebuild_sparse_tensor")]: self.rebuild_sparse_tensor,
            _REFS[("torch._utils", "_rebuild_device_tensor_from_cpu_tensor")]: self.rebuild_from_cpu_tensor,
            _REFS[("torch._utils", "_rebuild_device_tensor_from_numpy")]: self.rebuild_from_numpy,
            _REFS[("torch._tensor", "_rebuild_from_type_v2")]: self.rebuild_from_type_v2,
            _REFS[("torch.serialization", "_get_layout")]: _get_layout,
            _REFS[("torch.nn.parameter", "Parameter")]: self.make_parameter,
            _REFS[("collections", "Counter")]: self._counter,
            _REFS[("builtins", "complex")]: _make_complex,
            _REFS[("torch", "Size")]: _make_size,
            _REFS[("torch", "device")]: _make_device,
            _REFS[("collections", "OrderedDict")]: self._ordered_dict,
            _REFS[("builtins", "set")]: self._set,
            _REFS[("builtins", "frozenset")]: self._frozenset,
            _REFS[("builtins", "slice")]: _make_slice,
            _REFS[("builtins", "bytearray")]: _make_bytearray,
            _REFS[("_codecs", "encode")]: _codecs_encode,
        }
        self.interp = None

    # -- the callables --

    def rebuild_tensor(self, storage, storage_offset, size, stride):
        if type(storage_offset) is not int or storage_offset < 0:
            raise UnpicklingError(f"tensor storage offset must be a non-negative int, got "
                                  f"{short_repr(storage_offset)}")
        size = _ints(size, "size")
        if stride is not None:
            stride = _ints(stride, "stride", len(size))
        if type(storage) is _Pending:
            t = _wrap(np.zeros(0, dtype=storage.dtype))
            self.pending[id(t)] = [t, storage, storage_offset, size, stride, []]
            return t
        if not isinstance(storage, np.ndarray):
            raise UnpicklingError(f"the storage argument of a tensor is {short_repr(storage)}, not a storage")
        return _view(storage, storage_offset, size, stride)

    def rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad=False,
                          backward_hooks=None, metadata=None):
        t = self.rebuild_tensor(storage, storage_offset, size, stride)
        if requires_grad and t._data.dtype.kind == "f":
            t._rg = True
        return t

    def rebuild_parameter(self, data, requires_grad, backward_hooks=None):
        from ._parameter import Parameter
        if type(data) is not Tensor:
            raise UnpicklingError(f"a Parameter's data must be a tensor, got {short_repr(data)}")
        p = Parameter(data, bool(requires_grad))
        entry = self.pending.get(id(data))
        if entry is not None and entry[0] is data:
            entry[5].append(p)
        return p

    def rebuild_parameter_with_state(self, data, requires_grad, backward_hooks, state):
        return self.rebuild_parameter(data, requires_grad)

    def make_parameter(self, data=None, requires_grad=True):
        if data is None:
            data = _wrap(np.zeros(0, dtype=np.float32))
        return self.rebuild_parameter(data, requires_grad)

    def rebuild_tensor_v3(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                          metadata=None):
        if type(dtype) is not D.dtype:
            raise UnpicklingError(f"the dtype of a tensor is {short_repr(dtype)}, not a dtype")
        if isinstance(storage, np.ndarray) and storage.dtype != dtype.np:
            if storage.nbytes % dtype.itemsize:
                raise UnpicklingError(f"a storage of {storage.nbytes} bytes cannot hold {dtype} elements")
            storage = storage.view(np.uint8).view(dtype.np)
        return self.rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad)

    def rebuild_sparse_tensor(self, layout, data):
        from ._ops.sparse import sparse_coo_tensor
        if layout is not sparse_coo:
            raise UnpicklingError(f"ember rebuilds sparse COO tensors only, not layout {short_repr(layout)}")
        if type(data) is not tuple or len(data) not in (3, 4):
            raise UnpicklingError(f"a sparse tensor takes (indices, values, size[, is_coalesced]), got "
                                  f"{short_repr(data)}")
        indices, values, size = data[:3]
        if type(indices) is not Tensor or type(values) is not Tensor:
            raise UnpicklingError("the indices and values of a sparse tensor must be tensors")
        try:
            return sparse_coo_tensor(indices, values, _ints(size, "size"),
                                     is_coalesced=bool(data[3]) if len(data) == 4 and data[3] else None)
        except (RuntimeError, ValueError, TypeError) as e:
            raise UnpicklingError(f"invalid sparse tensor: {e}") from None

    def rebuild_from_cpu_tensor(self, data, dtype, device, requires_grad):
        if type(data) is not Tensor or type(dtype) is not D.dtype:
            raise UnpicklingError(f"a device tensor is rebuilt from a tensor and a dtype, got "
                                  f"{short_repr(data)}")
        t = data if data.dtype is dtype else _wrap(data._data.astype(dtype.np))
        if requires_grad and t._data.dtype.kind == "f":
            t._rg = True
        return t

    def rebuild_from_numpy(self, data, dtype, device, requires_grad):
        if type(data) is not np.ndarray or data.dtype not in D._FROM_NP:
            raise UnpicklingError(f"a device tensor is rebuilt from a numpy array of a dtype ember has, got "
                                  f"{short_repr(data)}")
        return self.rebuild_from_cpu_tensor(_wrap(data), dtype, device, requires_grad)

    def rebuild_from_type_v2(self, func, new_type, args, state):
        fn = self.calls.get(func) if type(func) is Ref else None
        if fn is None or func.module != "torch._utils" or type(args) is not tuple:
            raise UnpicklingError(f"_rebuild_from_type_v2 takes a tensor rebuild function, got "
                                  f"{short_repr(func)}")
        t = fn(*args)
        if state and state != ({}, None) and state != (None, {}):
            raise UnpicklingError(f"ember tensors hold no Python attributes; this tensor has "
                                  f"{short_repr(state)}")
        from ._parameter import Parameter
        if new_type in (_TOKENS[("torch", "Tensor")], Tensor):
            return t
        if new_type in (_REFS[("torch.nn.parameter", "Parameter")], Parameter):
            return t if type(t) is Parameter else self.rebuild_parameter(t, t.requires_grad)
        raise UnpicklingError(f"ember cannot rebuild a tensor of type {short_repr(new_type)}")

    def _counter(self, items=None):
        if items is None:
            return collections.Counter()
        if type(items) is not dict:
            raise UnpicklingError("Counter takes a dict")
        self._keys(items)
        return collections.Counter(items)

    def _keys(self, items):
        for k in items:
            self.interp.check_key(k) if self.interp is not None else None
        return items

    def _ordered_dict(self, items=()):
        if not isinstance(items, (list, tuple)) or not all(type(p) in (list, tuple) and len(p) == 2
                                                           for p in items):
            raise UnpicklingError("OrderedDict takes a list of (key, value) pairs")
        self._keys(p[0] for p in items)
        return collections.OrderedDict(items)

    def _set(self, items=()):
        if not isinstance(items, (list, tuple)):
            raise UnpicklingError("set takes a list")
        return set(self._keys(items))

    def _frozenset(self, items=()):
        if not isinstance(items, (list, tuple)):
            raise UnpicklingError("frozenset takes a list")
        return frozenset(self._keys(items))

    # -- persistent ids --

    def persistent_load(self, pid):
        if type(pid) is not tuple or len(pid) < 5 or pid[0] not in ("storage", b"storage"):
            raise UnpicklingError(f"unknown persistent id {short_repr(pid)}")
        _, stype, key, location, numel = pid[:5]
        if type(stype) is not Ref or stype.module not in ("torch", "torch.cuda", "torch.storage") or \
                stype.name not in _DTYPE_OF_STORAGE or (stype.module == "torch.storage") != (
                    stype.name == "UntypedStorage"):
            raise UnpicklingError(f"bad storage type {short_repr(stype)}")
        if type(key) not in (str, int) or type(location) is not str or type(numel) is not int or numel < 0:
            raise UnpicklingError(f"bad storage reference {short_repr(pid)}")
        try:
            _map_check(self.map_location, location)
        except Exception as e:  # noqa: BLE001 - the user's map_location is wrong: their error, unchanged
            raise PassThrough(e) from None
        return self._storage(stype.name, str(key), location, numel, pid[5] if len(pid) > 5 else None)

    def mapped(self, arr, location):
        ml = self.map_location
        if callable(ml) and not isinstance(ml, (str, dict)):
            res = ml(_wrap(arr), location)
            if res is not None:
                arr = res._data if isinstance(res, Tensor) else np.asarray(res)
        return arr

    # -- running a pickle --

    def unpickle(self, fh, where, limit, weights_only, encoding):
        if weights_only:
            self.interp = Interpreter(fh, where, limit, _GLOBALS, self.calls, _user_table(),
                                      self.persistent_load, encoding, self.label)
            return self.interp.load()
        up = _FullUnpickler(fh, self, encoding)
        try:
            return up.load()
        except PassThrough as e:
            raise e.exc from None
        except UnpicklingError as e:
            raise UnpicklingError(f"{where}: {e}") from None
        except (pickle.UnpicklingError, EOFError, ValueError, struct.error, IndexError, KeyError) as e:
            raise UnpicklingError(f"{where}: corrupt checkpoint: {type(e).__name__}: {e}") from None


def _make_size(t=()):
    return Size(_ints(t, "size"))


def _make_device(*args):
    from ._device import device
    if not 1 <= len(args) <= 2 or type(args[0]) is not str or (len(args) == 2 and type(args[1]) is not int):
        raise UnpicklingError(f"torch.device takes a string and an optional index, got {short_repr(args)}")
    return device(*args)


def _make_complex(real=0.0, imag=0.0):
    if type(real) not in (int, float) or type(imag) not in (int, float):
        raise UnpicklingError(f"complex takes two numbers, got {short_repr((real, imag))}")
    return complex(real, imag)


def _get_layout(name):
    found = {"torch.strided": strided, "torch.sparse_coo": sparse_coo}.get(name)
    if found is None:
        raise UnpicklingError(f"ember has no layout {short_repr(name)} (only torch.strided and "
                              f"torch.sparse_coo)")
    return found


def _make_slice(*args):
    if len(args) > 3 or not all(a is None or type(a) is int for a in args):
        raise UnpicklingError(f"slice takes up to three ints, got {short_repr(args)}")
    return slice(*args)


def _make_bytearray(*args):
    if not args:
        return bytearray()
    if len(args) == 1 and type(args[0]) is bytes:
        return bytearray(args[0])
    if len(args) == 2 and type(args[0]) is str and args[1] in ("latin1", "latin-1"):
        return bytearray(args[0], "latin-1")
    raise UnpicklingError(f"bytearray takes bytes, got {short_repr(args)}")


def _codecs_encode(obj, encoding="utf-8", errors="strict"):
    if type(obj) is not str or encoding not in ("latin1", "latin-1"):
        raise UnpicklingError(f"_codecs.encode is only allowed for latin-1 strings, got {short_repr(obj)}")
    return obj.encode("latin-1")


class _FullUnpickler(pickle.Unpickler):
    """weights_only=False: the C unpickler, any global (only for trusted files)."""

    def __init__(self, file, loader, encoding):
        super().__init__(file, encoding=encoding)
        self._loader = loader

    def find_class(self, module, name):
        obj = _USER_SAFE.get((module, name))
        if obj is not None:
            return obj
        obj = _GLOBALS.get((module, name))
        if type(obj) is Unsupported:
            raise UnpicklingError(f"this checkpoint needs {module}.{name}, but {obj}")
        if obj is not None and obj is not _TOKENS[("torch", "Tensor")]:     # (torch.Tensor: ember's class)
            return self._loader.calls.get(obj, obj) if type(obj) is Ref else obj
        places = ember_modules(module)
        if not places:
            return super().find_class(module, name)
        for place in places:        # torch's path with torch -> ember: ember's class or function
            try:
                return super().find_class(place, name)
            except (ImportError, AttributeError):
                continue
        raise UnpicklingError(f"this checkpoint needs {module}.{name}, which ember does not implement "
                              f"(looked for it at {' and '.join(f'{p}.{name}' for p in places)})")

    def persistent_load(self, pid):
        return self._loader.persistent_load(pid)


def _map_check(map_location, location):
    if map_location is None:
        return
    if callable(map_location) and not isinstance(map_location, str):
        return
    from ._device import check_device
    if isinstance(map_location, dict):
        target = map_location.get(location, "cpu")
        check_device(target)
        return
    check_device(map_location)
