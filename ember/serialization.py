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
Tensors that share memory (views) share one storage and keep sharing after a round trip.

Safety: `load(weights_only=True)` (the default, as in torch >= 2.6) unpickles with an allowlist of
the globals a checkpoint needs; anything else (e.g. `os.system` in a crafted file) raises
`UnpicklingError` before it can run. `weights_only=False` runs arbitrary pickle code: only use
it on files you trust. Unlike torch, a rejected file never half-loads.

Saving is atomic: the archive is written to a temporary file beside the target, flushed to
disk, then renamed over it, so a crash or a full disk never destroys the previous checkpoint.
"""
from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import tempfile
import zipfile

import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from ._tensor_base import Size, _wrap

__all__ = ["save", "load", "UnpicklingError", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

DEFAULT_PROTOCOL = 2


class UnpicklingError(pickle.UnpicklingError):
    """A checkpoint asked for a global that weights_only loading does not allow (or is corrupt)."""


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
        g = obj if isinstance(obj, _Global) else _Global("torch", obj.name)
        self.write(pickle.GLOBAL + f"{g.module}\n{g.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = _save_global
    dispatch[D.dtype] = _save_global

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
        folder = os.path.dirname(os.path.abspath(path))
        stem = os.path.splitext(os.path.basename(path))[0] or "archive"
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_archive(obj, fh, _archive_name(stem), pickle_protocol)
                fh.flush()
                (getattr(os, "fdatasync", None) or os.fsync)(fh.fileno())   # data + size, not atime
            try:
                mode = os.stat(path).st_mode & 0o777
            except FileNotFoundError:
                um = os.umask(0)
                os.umask(um)
                mode = 0o666 & ~um
            os.chmod(tmp, mode)
            os.replace(tmp, path)
            _fsync_dir(folder)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    else:
        if not hasattr(f, "write"):
            raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' "
                                 f"attribute, got {type(f).__name__}")
        _write_archive(obj, f, "archive", pickle_protocol)


def _archive_name(stem):
    safe = "".join(c if c.isalnum() or c in "_-." else "_" for c in stem)
    return safe or "archive"


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- reading -----------------------------------------------------------------------------------

class _StorageType:
    """Stand-in for torch.<X>Storage classes named in a checkpoint."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


def _rebuild_tensor(storage, storage_offset, size, stride):
    if isinstance(storage, _LazyStorage):      # legacy format: data comes after the pickle
        t = _wrap(np.zeros(0, dtype=np.float32))
        storage.collect.append((t, storage, storage_offset, tuple(size), stride))
        return t
    arr = storage
    size = tuple(size)
    n = 1
    for s in size:
        n *= s
    if n == 0:
        return _wrap(np.zeros(size, dtype=arr.dtype))
    itemsize = arr.itemsize
    if stride is None:
        stride = []
        acc = 1
        for s in reversed(size):
            stride.insert(0, acc)
            acc *= s
    stride = tuple(stride)
    end = storage_offset + 1 + sum((s - 1) * st for s, st in zip(size, stride))
    if storage_offset < 0 or end > arr.size or any(st < 0 for st in stride):
        raise UnpicklingError(f"corrupt checkpoint: a tensor of size {size} and stride {stride} at offset "
                              f"{storage_offset} does not fit its storage of {arr.size} elements")
    view = np.lib.stride_tricks.as_strided(arr[storage_offset:], shape=size,
                                           strides=tuple(s * itemsize for s in stride))
    return _wrap(view)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad and t._data.dtype.kind == "f":
        t._rg = True
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad)
    return p


def _rebuild_from_type_v2(func, new_type, args, state):
    return func(*args)


def _torch_dtype(name):
    if name == "bfloat16":
        return D.float32
    return D._BY_NAME[name]


def _torch_size(t=()):
    return Size(t)


def _torch_device(*args):
    from ._device import device
    return device(*args)


# (module, name) -> object: the globals a weights_only load may resolve
_SAFE = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("torch", "Size"): _torch_size,
    ("torch", "device"): _torch_device,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "slice"): slice,
    ("builtins", "bytearray"): bytearray,
    ("_codecs", "encode"): __import__("_codecs").encode,
}
for _n in _DTYPE_OF_STORAGE:
    _SAFE[("torch", _n)] = _StorageType(_n)
_USER_SAFE: dict = {}


def add_safe_globals(safe_globals):
    """Allow these objects (classes or functions) in weights_only loads. Matches torch's function."""
    for g in safe_globals:
        if isinstance(g, tuple):
            g, name = g
            mod = g.__module__
        else:
            mod, name = g.__module__, getattr(g, "__qualname__", g.__name__)
        _USER_SAFE[(mod, name)] = g


def get_safe_globals():
    return list(_USER_SAFE.values())


def clear_safe_globals():
    _USER_SAFE.clear()


class safe_globals:
    """Context manager: allow these globals inside the block only."""

    def __init__(self, safe_globals):
        self.globals = safe_globals

    def __enter__(self):
        self.saved = dict(_USER_SAFE)
        add_safe_globals(self.globals)

    def __exit__(self, *exc):
        _USER_SAFE.clear()
        _USER_SAFE.update(self.saved)
        return False


def _resolve_torch_global(module, name):
    obj = _SAFE.get((module, name))
    if obj is not None:
        return obj
    if module == "torch" and name in _TORCH_DTYPE_NAMES:
        return _torch_dtype(name)
    return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, load_storage, weights_only):
        super().__init__(file, encoding="utf-8")
        self._load_storage = load_storage
        self._weights_only = weights_only

    def find_class(self, module, name):
        obj = _resolve_torch_global(module, name)
        if obj is not None:
            return obj
        obj = _USER_SAFE.get((module, name))
        if obj is not None:
            return obj
        if module.startswith("ember"):
            # ember's own classes are referenced by their real path; only pass in full mode
            if not self._weights_only:
                return super().find_class(module, name)
        elif not self._weights_only and not module.startswith("torch"):
            return super().find_class(module, name)
        if not self._weights_only:
            # a torch class ember has no stand-in for
            raise UnpicklingError(f"this checkpoint needs the torch global {module}.{name}, which ember cannot "
                                  "rebuild without torch")
        raise UnpicklingError(
            f"Weights only load failed: unsupported global {module}.{name} is not an allowed global by default. "
            f"Nothing in the file was run. If you trust this file, allow it with "
            f"`ember.serialization.add_safe_globals([{module}.{name}])`, or load with weights_only=False "
            f"(which can run arbitrary code: only for files you trust).")

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise UnpicklingError(f"corrupt checkpoint: unknown persistent id {pid!r}")
        _, stype, key, location, numel = pid[:5]
        if not isinstance(stype, _StorageType):
            raise UnpicklingError(f"corrupt checkpoint: bad storage type {stype!r}")
        return self._load_storage(stype.name, str(key), str(location), int(numel))


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
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'read' attribute, "
                             f"got {type(f).__name__}")
    return f, False, None


def _itemsize(storage_name):
    dt = _DTYPE_OF_STORAGE[storage_name]
    return 2 if isinstance(dt, str) else dt.itemsize


def _storage_array(raw, storage_name, numel, big_endian):
    if _DTYPE_OF_STORAGE[storage_name] == "bfloat16":
        u = np.frombuffer(raw, dtype=">u2" if big_endian else "<u2", count=numel)
        return (u.astype(np.uint32) << 16).view(np.float32)
    dt = _DTYPE_OF_STORAGE[storage_name]
    if big_endian and dt.itemsize > 1:
        return np.frombuffer(raw, dtype=dt.newbyteorder(">"), count=numel).astype(dt)
    return np.frombuffer(raw, dtype=dt, count=numel)


def _load_zip(fh, path, map_location, weights_only, mmap):
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as e:
        raise UnpicklingError(f"not a valid checkpoint (zip archive expected): {e}") from None
    names = zf.namelist()
    pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1] or \
        [n for n in names if n == "data.pkl"]
    if not pkl:
        raise UnpicklingError("not a PyTorch checkpoint: no data.pkl record in the archive")
    prefix = pkl[0][: -len("data.pkl")]
    big = False
    if prefix + "byteorder" in names:
        big = zf.read(prefix + "byteorder").strip() == b"big"
    cache = {}
    mm = None
    if mmap:
        if path is None:
            raise ValueError("mmap=True requires a file path")
        mm = np.memmap(path, dtype=np.uint8, mode="c")

    def load_storage(dtype_name, key, location, numel):
        _map_check(map_location, location)
        if key in cache:
            return cache[key]
        name = prefix + "data/" + key
        try:
            info = zf.getinfo(name)
        except KeyError:
            raise UnpicklingError(f"corrupt checkpoint: storage record {name!r} is missing") from None
        dt_size = _itemsize(dtype_name)
        if info.file_size < numel * dt_size:
            raise UnpicklingError(f"corrupt checkpoint: storage {name!r} holds {info.file_size} bytes, "
                                  f"{numel * dt_size} expected")
        is_bf16 = isinstance(_DTYPE_OF_STORAGE[dtype_name], str)
        if info.compress_type == zipfile.ZIP_STORED and not big and not is_bf16 and hasattr(fh, "readinto"):
            # read the record's bytes straight into the array (one copy, as torch does); the size
            # is checked, the zip CRC is not (torch doesn't either)
            fh.seek(info.header_offset + 26)
            nl, el = struct.unpack("<HH", fh.read(4))
            start = info.header_offset + 30 + nl + el
            dt = _DTYPE_OF_STORAGE[dtype_name]
            if mm is not None:
                arr = mm[start:start + numel * dt_size].view(dt)
            else:
                arr = np.empty(numel, dtype=dt)
                fh.seek(start)
                got = fh.readinto(memoryview(arr.view(np.uint8)))
                if got != numel * dt_size:
                    raise UnpicklingError(f"corrupt checkpoint: storage {name!r} is truncated")
        else:
            raw = bytearray(zf.read(name))        # writable, owned by the tensor
            arr = _storage_array(raw, dtype_name, numel, big)
            if not arr.flags.writeable:
                arr = arr.copy()
        if callable(map_location) and not isinstance(map_location, (str, dict)):
            res = map_location(_wrap(arr), location)
            if res is not None:
                arr = res._data if isinstance(res, Tensor) else np.asarray(res)
        cache[key] = arr
        return arr

    data = zf.read(pkl[0])
    up = _Unpickler(io.BytesIO(data), load_storage, weights_only)
    try:
        return up.load()
    except UnpicklingError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, struct.error, IndexError, KeyError) as e:
        raise UnpicklingError(f"corrupt checkpoint: {type(e).__name__}: {e}") from None


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _load_legacy(fh, map_location, weights_only):
    """torch < 1.6's non-zip format: pickled magic, version, sys info, object, keys, raw storages."""
    storages = {}
    pending = []

    class _LegacyUnpickler(_Unpickler):
        def persistent_load(self, pid):
            if isinstance(pid, tuple) and pid and pid[0] == "storage":
                _, stype, key, location, numel = pid[:5]
                view = pid[5] if len(pid) > 5 else None
                _map_check(map_location, location)
                if key not in storages:
                    storages[key] = [stype.name, int(numel), None]
                    pending.append(key)
                return _LazyStorage(storages, key, view)
            raise UnpicklingError(f"corrupt checkpoint: unknown persistent id {pid!r}")

    def plain(): return _Unpickler(fh, None, True)
    magic = plain().load()
    if magic != _LEGACY_MAGIC:
        raise UnpicklingError("not a PyTorch checkpoint (invalid magic number)")
    version = plain().load()
    if version != 1001:
        raise UnpicklingError(f"unsupported legacy checkpoint version {version}")
    plain().load()  # sys info
    up = _LegacyUnpickler(fh, None, weights_only)
    lazy = []
    _LazyStorage.collect = lazy
    result = up.load()
    keys = plain().load()
    for key in keys:
        name, numel, _ = storages[key]
        (size,) = struct.unpack("<q", fh.read(8))
        dt = _itemsize(name)
        raw = bytearray(fh.read(size * dt))
        if len(raw) != size * dt:
            raise UnpicklingError("corrupt checkpoint: truncated storage data")
        storages[key][2] = _storage_array(raw, name, size, False).copy()
    for t, ls, offset, size, stride in lazy:
        root = storages[ls.key][2]
        if ls.view is not None:       # (view_key, offset, view_size)
            _, voff, vsize = ls.view
            root = root[voff:voff + vsize]
        t._data = _rebuild_tensor(root, offset, size, stride)._data
    return result


class _LazyStorage:
    collect = None

    def __init__(self, storages, key, view):
        self.storages, self.key, self.view = storages, key, view


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=False, **pickle_load_args):
    """Load an object saved by ember.save or torch.save, without torch. Matches `torch.load`.

    weights_only=True (default) refuses any global outside tensors, containers and primitives.
    map_location may be 'cpu', a device, a dict or a callable; storages saved on CUDA load to CPU.
    """
    if weights_only is None:
        weights_only = True
    fh, close, path = _open_for_read(f)
    try:
        start = fh.tell() if hasattr(fh, "tell") else 0
        head = fh.read(4)
        fh.seek(start)
        if head[:2] == b"PK":
            return _load_zip(fh, path, map_location, weights_only, mmap)
        if not head:
            raise EOFError("Ran out of input: the checkpoint file is empty")
        return _load_legacy_safe(fh, map_location, weights_only)
    finally:
        if close:
            fh.close()


def _load_legacy_safe(fh, map_location, weights_only):
    try:
        return _load_legacy(fh, map_location, weights_only)
    except UnpicklingError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, struct.error, KeyError, AttributeError) as e:
        raise UnpicklingError(f"not a valid checkpoint: {type(e).__name__}: {e}") from None
