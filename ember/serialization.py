"""ember.save / ember.load in PyTorch's own checkpoint format, safely, without torch.

Format (what torch >= 1.6 writes, and reads): a zip archive, every record stored uncompressed
and 64-byte aligned, under one folder named after the file:

    <name>/data.pkl        pickle (protocol 2) of the object; tensors are references
                           `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`
                           whose storages are pickle persistent ids
                           ('storage', torch.<Type>Storage, key, location, numel)
    <name>/data/<key>      raw little-endian bytes of each storage
    <name>/byteorder, <name>/version, <name>/.format_version, <name>/.storage_alignment

So `torch.load` reads what `ember.save` writes and `ember.load` reads what `torch.save` writes.
Tensors that share memory (views) share one storage and keep sharing after a round trip. torch's
older non-zip format (`_use_new_zipfile_serialization=False`) is read too.

Safety of `load(weights_only=True)` (the default, as in torch >= 2.6), for any file:
* no code from the file runs: the pickle is interpreted by ember (`ember._unpickler`), with an
  allowlist of the opcodes and globals a checkpoint needs; anything else raises `UnpicklingError`;
* the process is unchanged: opcodes that modify objects (BUILD, SETITEM(S), APPEND(S)) only act on
  containers the load itself created, never on a dtype, a storage type or a function;
* memory is bounded by the file: every size (pickle lengths, storage sizes, zip records) is checked
  against the bytes the file holds before anything is allocated; only stored and deflate records
  are read (deflate inflated at most to its declared size, straight into the storage).
Every malformed file raises `UnpicklingError` naming the file and the record (and byte offset in
the pickle). `weights_only=False` runs the full pickle machinery: only use it on files you trust.

Saving is atomic: the archive is written to a temporary file beside the target (through a symlink:
beside the file it points to, which then gets the new content), flushed to disk, then renamed over
it, so a crash or a full disk never destroys the previous checkpoint. A temporary file left by a
killed save is removed by the next save of the same path.
"""
from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import zipfile
import zlib

import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from ._tensor_base import Size, _wrap
from ._atomic import atomic_write
from ._unpickler import Interpreter, PassThrough, Ref, UnpicklingError, short_repr

__all__ = ["save", "load", "UnpicklingError", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

DEFAULT_PROTOCOL = 2


# ---- dtype <-> storage names -------------------------------------------------------------------

_STORAGE_OF = {D.float32: "FloatStorage", D.float64: "DoubleStorage", D.float16: "HalfStorage",
               D.int64: "LongStorage", D.int32: "IntStorage", D.int16: "ShortStorage", D.int8: "CharStorage",
               D.uint8: "ByteStorage", D.bool: "BoolStorage"}
_DTYPE_OF_STORAGE = {v: k.np for k, v in _STORAGE_OF.items()}
_DTYPE_OF_STORAGE["BFloat16Storage"] = "bfloat16"      # widened to float32 on load
_DTYPE_OF_STORAGE["UntypedStorage"] = np.dtype(np.uint8)
_TORCH_DTYPE_NAMES = {"float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
                      "float", "double", "half", "long", "int", "short", "bfloat16"}


# ---- writing -----------------------------------------------------------------------------------

class _Global:
    """A module.name reference written as a pickle GLOBAL without importing the module (torch)."""
    __slots__ = ("module", "name")
    _cache: dict = {}

    def __new__(cls, module, name):
        key = (module, name)
        g = cls._cache.get(key)
        if g is None:
            g = object.__new__(cls)
            g.module, g.name = module, name
            cls._cache[key] = g
        return g

    def __call__(self, *args):   # pickle requires reduce functions to be callable
        raise TypeError(f"{self.module}.{self.name} is a reference for pickling only")


class _StorageRef:
    __slots__ = ("key", "dtype", "numel")

    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel


def _root(a):
    """The ndarray owning a's memory (following views), or None if it can't serve as a storage."""
    r = a
    while isinstance(r.base, np.ndarray):
        r = r.base
    if not r.flags.c_contiguous or r.dtype != a.dtype:
        return None
    return r


class _Pickler(pickle._Pickler):
    """Pure-Python pickler that writes torch's tensor references (no torch import needed)."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}      # id(root array) -> (key, root array)

    def _save_global(self, obj):
        g = obj if isinstance(obj, (_Global, Ref)) else _Global("torch", obj.name)
        self.write(pickle.GLOBAL + f"{g.module}\n{g.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = _save_global
    dispatch[D.dtype] = _save_global
    dispatch[Ref] = _save_global        # a global read from a checkpoint, saved again

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return ("storage", _Global("torch", _STORAGE_OF[obj.dtype]), obj.key, "cpu", obj.numel)
        return None

    def _storage_for(self, a):
        root = _root(a)
        if root is None or (a.size and any(s < 0 or s % a.itemsize for s in a.strides)):
            root = np.ascontiguousarray(a)
            a = root
        k = id(root)
        if k not in self.storages:
            self.storages[k] = (str(len(self.storages)), root)
        key = self.storages[k][0]
        item = a.itemsize
        if a.size:
            offset = (a.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // item
        else:
            offset = 0
        stride = tuple(s // item for s in a.strides)
        return _StorageRef(key, D._FROM_NP[a.dtype], root.size), offset, stride

    def _tensor_reduce(self, t, as_plain=False):
        a = t._data
        ref, offset, stride = self._storage_for(a)
        args = (ref, offset, Size(a.shape), stride, bool(t._rg) if not as_plain else False,
                collections.OrderedDict())
        return (_Global("torch._utils", "_rebuild_tensor_v2"), args)

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            if type(obj) is not Tensor and type(obj).__name__ == "Parameter":
                inner = _PlainTensor(obj)
                return (_Global("torch._utils", "_rebuild_parameter"),
                        (inner, bool(obj._rg), collections.OrderedDict()))
            return self._tensor_reduce(obj)
        if type(obj) is _PlainTensor:
            return self._tensor_reduce(obj.t, as_plain=True)
        if type(obj) is Size:
            return (_Global("torch", "Size"), (tuple(obj),))
        from ._device import device
        if type(obj) is device:
            return (_Global("torch", "device"), (str(obj),))
        return NotImplemented


class _PlainTensor:
    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t


def _aligned_info(zf, name, nbytes, align=64):
    """A ZipInfo whose data will start on an `align`-byte boundary (torch's 'FB' padding field)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    offset = zf.fp.tell()
    zip64 = nbytes >= zipfile.ZIP64_LIMIT
    base = offset + 30 + len(name.encode("utf-8")) + (20 if zip64 else 0) + 4
    pad = (-base) % align
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    info.file_size = nbytes
    return info, zip64


def _write_record(zf, name, data):
    if isinstance(data, np.ndarray):
        data = data.reshape(-1).view(np.uint8)     # root storages are C-contiguous: no copy
    mv = memoryview(data)
    info, zip64 = _aligned_info(zf, name, mv.nbytes)
    with zf.open(info, "w", force_zip64=zip64) as w:
        step = 1 << 26
        for i in range(0, mv.nbytes, step):
            w.write(mv[i:i + step])


def _write_archive(obj, fileobj, archive_name, protocol):
    buf = io.BytesIO()
    p = _Pickler(buf, protocol)
    p.dump(obj)
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        prefix = archive_name + "/"
        _write_record(zf, prefix + "data.pkl", buf.getvalue())
        _write_record(zf, prefix + ".format_version", b"1")
        _write_record(zf, prefix + ".storage_alignment", b"64")
        _write_record(zf, prefix + "byteorder", b"little")
        for key, root in sorted(p.storages.values(), key=lambda kv: int(kv[0])):
            arr = root if root.dtype.byteorder in "=|<" else root.astype(root.dtype.newbyteorder("<"))
            _write_record(zf, prefix + "data/" + key, arr)
        _write_record(zf, prefix + "version", b"3\n")
        _write_record(zf, prefix + ".data/serialization_id", b"%040d" % (id(obj) % 10 ** 40))


def save(obj, f, pickle_module=None, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save `obj` (tensors, state_dicts, nested containers) in PyTorch's format. Matches `torch.save`.

    A path is written atomically (temp file + rename). A file object is written in place.
    """
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        stem = os.path.splitext(os.path.basename(path))[0] or "archive"
        atomic_write(path, lambda fh: _write_archive(obj, fh, _archive_name(stem), pickle_protocol))
    else:
        if not hasattr(f, "write"):
            raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' "
                                 f"attribute, got {type(f).__name__}")
        _write_archive(obj, f, "archive", pickle_protocol)


def _archive_name(stem):
    safe = "".join(c if c.isalnum() or c in "_-." else "_" for c in stem)
    return safe or "archive"
















# ---- reading -----------------------------------------------------------------------------------
#
# Every load builds one `_Loader`: it owns the rebuild functions the pickle may call (so nothing
# module-level is ever handed to a file), reads storages with their sizes checked against the file
# before anything is allocated, and names the file and record in every error.

_STORAGE_REFS = {n: Ref("torch", n) for n in _DTYPE_OF_STORAGE}
_CALLABLE = [("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"),
             ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"),
             ("torch", "Size"), ("torch", "device"), ("collections", "OrderedDict"), ("builtins", "set"),
             ("builtins", "frozenset"), ("builtins", "slice"), ("builtins", "bytearray"),
             ("_codecs", "encode")]
_REFS = {k: Ref(*k) for k in _CALLABLE}


def _torch_dtype(name):
    return D.float32 if name == "bfloat16" else D._BY_NAME[name]


# (module, name) -> what GLOBAL pushes: dtypes as themselves, everything else as an immutable Ref
_GLOBALS = dict(_REFS)
_GLOBALS.update({("torch", n): r for n, r in _STORAGE_REFS.items()})
_GLOBALS.update({("torch", n): _torch_dtype(n) for n in _TORCH_DTYPE_NAMES})
for _m, _n in list(_GLOBALS):      # Python 2 pickles name the builtins module __builtin__
    if _m == "builtins":
        _GLOBALS[("__builtin__", _n)] = _GLOBALS[(_m, _n)]
_USER_SAFE: dict = {}

_MAX_DEFLATE_RATIO = 1032          # deflate cannot expand data more than this (zlib's bound)
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
            zipfile.ZIP_LZMA: "lzma"}


def add_safe_globals(safe_globals):
    """Allow these objects (classes or functions) in weights_only loads. Matches torch's function."""
    for g in safe_globals:
        if isinstance(g, tuple):
            g, name = g
            mod, _, name = name.rpartition(".") if "." in name else (g.__module__, "", name)
        else:
            mod, name = g.__module__, getattr(g, "__qualname__", g.__name__)
        _USER_SAFE[(mod, name)] = g


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
        if type(stype) is not Ref or stype.module != "torch" or stype.name not in _DTYPE_OF_STORAGE:
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
            self.interp = Interpreter(fh, where, limit, _GLOBALS, self.calls, dict(_USER_SAFE),
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
        obj = _GLOBALS.get((module, name))
        if obj is not None:
            return self._loader.calls.get(obj, obj) if type(obj) is Ref else obj
        obj = _USER_SAFE.get((module, name))
        if obj is not None:
            return obj
        if module == "torch" or module.startswith("torch."):
            raise UnpicklingError(f"this checkpoint needs the torch global {module}.{name}, which ember "
                                  "cannot rebuild without torch")
        return super().find_class(module, name)

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


def _open_for_read(f):
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if not os.path.exists(path):
            raise FileNotFoundError(f"[Errno 2] No such file or directory: '{path}'")
        return open(path, "rb"), True, path
    if not hasattr(f, "read"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'read' "
                             f"attribute, got {type(f).__name__}")
    return f, False, None


def _label(f, path):
    if path is not None:
        return repr(path)
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"the checkpoint ({type(f).__name__})"


def _readinto(fh, arr, nbytes):
    """Fill the first `nbytes` of uint8 array `arr` from fh; the byte count read."""
    view = memoryview(arr)[:nbytes]
    if hasattr(fh, "readinto"):
        got = 0
        while got < nbytes:
            n = fh.readinto(view[got:])
            if not n:
                break
            got += n
        return got
    got = 0
    while got < nbytes:
        chunk = fh.read(min(1 << 24, nbytes - got))
        if not chunk:
            break
        view[got:got + len(chunk)] = chunk
        got += len(chunk)
    return got


class _Zip:
    """Reads records of a checkpoint archive with every size checked against the file first."""

    def __init__(self, fh, label, total):
        self.fh, self.label, self.total = fh, label, total
        try:
            self.zf = zipfile.ZipFile(fh)
        except Exception as e:  # noqa: BLE001 - BadZipFile, ValueError, OverflowError, ... on a damaged file
            raise UnpicklingError(f"{label}: not a valid checkpoint (zip archive expected): "
                                  f"{type(e).__name__}: {e}") from None
        self.names = self.zf.namelist()

    def error(self, name, msg):
        return UnpicklingError(f"{self.label}, record {name!r}: {msg}")

    def info(self, name):
        try:
            return self.zf.getinfo(name)
        except KeyError:
            raise self.error(name, "is missing from the archive") from None

    def _start(self, info):
        """Offset of the record's data, after checking its compression, encryption and extent."""
        name = info.filename
        if info.flag_bits & 0x1:
            raise self.error(name, "is encrypted; checkpoints never are")
        ct = info.compress_type
        if ct not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self.error(name, f"uses compression method {ct} ({_METHODS.get(ct, 'unknown')}), which "
                                   f"PyTorch never writes and ember does not read (only stored and deflate "
                                   f"records)")
        fh = self.fh
        fh.seek(info.header_offset)
        head = fh.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise self.error(name, f"its local header at byte {info.header_offset} is missing or corrupt")
        nl, el = struct.unpack("<HH", head[26:30])
        try:
            expected = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        except UnicodeEncodeError:
            expected = None
        if fh.read(nl) != expected:
            raise self.error(name, f"its local header at byte {info.header_offset} names another record")
        start = info.header_offset + 30 + nl + el
        extent = info.file_size if ct == zipfile.ZIP_STORED else info.compress_size
        if start + extent > self.total:
            raise self.error(name, f"declares {extent} bytes at byte {start}, past the end of the file "
                                   f"({self.total} bytes)")
        if ct == zipfile.ZIP_DEFLATED and info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024:
            raise self.error(name, f"declares {info.file_size} bytes inflated from {info.compress_size} "
                                   f"compressed bytes, more than deflate can produce")
        return start

    def read_small(self, name, cap=None):
        info = self.info(name)
        if cap is not None and info.file_size > cap:
            raise self.error(name, f"holds {info.file_size} bytes, at most {cap} expected")
        start = self._start(info)
        try:
            if info.compress_type == zipfile.ZIP_STORED:
                self.fh.seek(start)
                data = self.fh.read(info.file_size)
            else:
                data = self.zf.read(name)
        except Exception as e:  # noqa: BLE001 - zlib.error, BadZipFile (CRC), ...
            raise self.error(name, f"cannot be read: {type(e).__name__}: {e}") from None
        if len(data) != info.file_size:
            raise self.error(name, f"is truncated ({len(data)} of {info.file_size} bytes)")
        if zlib.crc32(data) != info.CRC:       # small records only: storages are not checksummed (torch)
            raise self.error(name, "fails its CRC check (the file is corrupt)")
        return data

    def read_array(self, name, nbytes, mm=None):
        """The first `nbytes` of a record as a writable uint8 array (one copy; a memmap view with mm)."""
        info = self.info(name)
        if nbytes > info.file_size:
            raise self.error(name, f"holds {info.file_size} bytes, but the pickle declares {nbytes}")
        start = self._start(info)
        if info.compress_type == zipfile.ZIP_STORED:
            if mm is not None:
                return mm[start:start + nbytes]
            arr = np.empty(nbytes, dtype=np.uint8)
            self.fh.seek(start)
            got = _readinto(self.fh, arr, nbytes)
            if got != nbytes:
                raise self.error(name, f"is truncated ({got} of {nbytes} bytes)")
            return arr
        arr = np.empty(nbytes, dtype=np.uint8)       # inflate straight into it, never more than declared
        view = memoryview(arr)
        got = 0
        try:
            with self.zf.open(info) as r:
                while got < nbytes:
                    chunk = r.read(min(1 << 20, nbytes - got))
                    if not chunk:
                        break
                    view[got:got + len(chunk)] = chunk
                    got += len(chunk)
        except Exception as e:  # noqa: BLE001
            raise self.error(name, f"cannot be inflated: {type(e).__name__}: {e}") from None
        if got != nbytes:
            raise self.error(name, f"inflates to {got} bytes, {nbytes} expected")
        return arr


def _load_zip(fh, label, total, path, map_location, weights_only, mmap, encoding):
    z = _Zip(fh, label, total)
    names = z.names
    pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1] or \
        [n for n in names if n == "data.pkl"]
    if not pkl:
        raise UnpicklingError(f"{label}: not a PyTorch checkpoint: no data.pkl record in the archive")
    prefix = pkl[0][: -len("data.pkl")]
    big = False
    if prefix + "byteorder" in names:
        big = z.read_small(prefix + "byteorder", cap=16).strip() == b"big"
    mm = None
    if mmap:
        if path is None:
            raise ValueError("mmap=True requires a file path")
        mm = np.memmap(path, dtype=np.uint8, mode="c")
    cache = {}

    def storage(dtype_name, key, location, numel, view):
        if key in cache:
            return cache[key]
        name = prefix + "data/" + key
        nbytes = numel * _itemsize(dtype_name)
        raw = z.read_array(name, nbytes, mm if not big else None)
        arr = loader.mapped(_storage_from_bytes(raw, dtype_name, big), location)
        cache[key] = arr
        return arr

    loader = _Loader(label, map_location, storage)
    data = z.read_small(pkl[0])
    return loader.unpickle(io.BytesIO(data), f"{label}, record {pkl[0]!r}", len(data), weights_only, encoding)


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _load_legacy(fh, label, total, map_location, weights_only, encoding):
    """torch < 1.6's non-zip format: pickled magic, version, sys info, object, keys, then raw storages."""
    storages = {}           # key -> _Pending

    def storage(dtype_name, key, location, numel, view):
        p = storages.get(key)
        if p is None:
            p = storages[key] = _Pending(key, dtype_name)
        if view is None:
            return p
        if type(view) is not tuple or len(view) != 3 or not all(type(v) is int and v >= 0 for v in view[1:]):
            raise UnpicklingError(f"bad storage view {short_repr(view)}")
        return _Pending(key, p.storage_name, (view[1], view[2]))

    def header(what):
        where = f"{label} (legacy format, {what})"
        return Interpreter(fh, where, total - fh.tell(), {}, {}, {}, _no_persistent, encoding).load()

    loader = _Loader(label, map_location, storage)
    if header("magic number") != _LEGACY_MAGIC:
        raise UnpicklingError(f"{label}: not a PyTorch checkpoint (invalid magic number)")
    version = header("version")
    if version != 1001:
        raise UnpicklingError(f"{label}: unsupported legacy checkpoint version {short_repr(version)}")
    info = header("system info")
    big = isinstance(info, dict) and info.get("little_endian") is False
    result = loader.unpickle(fh, f"{label} (legacy format, object)", total - fh.tell(), weights_only,
                             encoding)
    keys = header("storage keys")
    if type(keys) is not list or not all(type(k) in (str, int) for k in keys):
        raise UnpicklingError(f"{label} (legacy format): the storage key list is malformed")
    arrays = {}
    for i, key in enumerate(keys):
        key = str(key)
        where = f"{label} (legacy format), storage {i} (key {key!r})"
        p = storages.get(key)
        if p is None or key in arrays:
            raise UnpicklingError(f"{where}: {'listed twice' if p is not None else 'not used by the pickle'}")
        head = fh.read(8)
        if len(head) != 8:
            raise UnpicklingError(f"{where}: the file is truncated before the storage")
        (numel,) = struct.unpack("<q", head)
        item = _itemsize(p.storage_name)
        left = total - fh.tell()
        if numel < 0 or numel * item > left:
            raise UnpicklingError(f"{where}: declares {numel} elements ({numel * item} bytes), but only "
                                  f"{left} bytes are left in the file")
        raw = np.empty(numel * item, dtype=np.uint8)
        if _readinto(fh, raw, numel * item) != numel * item:
            raise UnpicklingError(f"{where}: the file is truncated")
        arrays[key] = loader.mapped(_storage_from_bytes(raw, p.storage_name, big), "cpu")
    for t, p, offset, size, stride, params in loader.pending.values():
        root = arrays.get(p.key)
        if root is None:
            raise UnpicklingError(f"{label} (legacy format): storage {p.key!r} is used but never stored")
        if p.view is not None:
            voff, vsize = p.view
            if voff + vsize > root.size:
                raise UnpicklingError(f"{label} (legacy format): a view of storage {p.key!r} at {voff} of "
                                      f"{vsize} elements does not fit its {root.size} elements")
            root = root[voff:voff + vsize]
        try:
            data = _view(root, offset, size, stride)._data
        except UnpicklingError as e:
            raise UnpicklingError(f"{label} (legacy format), storage {p.key!r}: {e}") from None
        t._data = data
        for prm in params:
            prm._data = data
    return result


def _no_persistent(pid):
    raise UnpicklingError("a persistent id in a legacy header")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=False, **pickle_load_args):
    """Load an object saved by ember.save or torch.save, without torch. Matches `torch.load`.

    weights_only=True (default) interprets the pickle itself: tensors, containers and primitives
    only; no code runs, shared objects are never modified, memory stays bounded by the file.
    map_location may be 'cpu', a device, a dict or a callable; storages saved on CUDA load to CPU.
    """
    if weights_only is None:
        weights_only = True
    encoding = pickle_load_args.get("encoding", "utf-8")
    fh, close, path = _open_for_read(f)
    label = _label(f, path)
    try:
        start = fh.tell() if hasattr(fh, "tell") else 0
        head = fh.read(4)
        try:
            total = fh.seek(0, 2)
        finally:
            fh.seek(start)
        if head[:2] == b"PK":
            return _load_zip(fh, label, total, path, map_location, weights_only, mmap, encoding)
        if not head:
            raise EOFError(f"Ran out of input: the checkpoint {label} is empty")
        return _load_legacy(fh, label, total, map_location, weights_only, encoding)
    finally:
        if close:
            fh.close()
