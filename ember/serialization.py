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

Whole objects: `ember.save(model)` writes torch's module paths for ember's classes and functions
(`torch.nn.modules.linear.Linear`, `torch.nn.functional.relu`: `_torch_names.py`), so torch loads a model
ember pickled whole; `load(weights_only=False)` maps torch's paths back to ember's, and with
`weights_only=True` an allowlisted ember class also answers to its torch path (`safe_globals([nn.Linear])`).
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
from ._tensor_base import Size
from ._atomic import atomic_write
from ._unpickler import Interpreter, Ref, UnpicklingError, short_repr

# the reading tables and rebuild functions (NOTE in _checkpoint.py); imported here for the tests' view
from ._checkpoint import (_DTYPE_OF_STORAGE, _GLOBALS, _STORAGE_OF, _STORAGE_REFS, _USER_SAFE,  # noqa: F401
                          _Loader, _Pending, _codecs_encode, _itemsize, _make_bytearray, _make_complex,
                          _make_device, _make_size, _make_slice, _get_layout, _storage_from_bytes, _view,
                          add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals)
from ._layout import layout, sparse_coo
from ._torch_names import torch_name

__all__ = ["save", "load", "UnpicklingError", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

DEFAULT_PROTOCOL = 2


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

    def save_global(self, obj, name=None):
        """ember's classes and functions are written under torch's names (`torch.nn.modules.linear.Linear`),
        so torch loads a model ember pickled whole; a trusted ember load maps them back."""
        path = torch_name(obj, name)
        if path is None:
            return super().save_global(obj, name)
        self.write(pickle.GLOBAL + f"{path[0]}\n{path[1]}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[type(_root)] = save_global          # Python functions (their type, without importing types)

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
            if type(obj._data) is not np.ndarray:          # a sparse COO tensor, as torch writes it
                return (_Global("torch._utils", "_rebuild_sparse_tensor"),
                        (sparse_coo, (obj._indices(), obj._values(), Size(obj.shape), obj.is_coalesced())))
            if type(obj) is not Tensor and type(obj).__name__ == "Parameter":
                inner = _PlainTensor(obj)
                return (_Global("torch._utils", "_rebuild_parameter"),
                        (inner, bool(obj._rg), collections.OrderedDict()))
            return self._tensor_reduce(obj)
        if type(obj) is _PlainTensor:
            return self._tensor_reduce(obj.t, as_plain=True)
        if type(obj) is Size:
            return (_Global("torch", "Size"), (tuple(obj),))
        if type(obj) is layout:
            return (_Global("torch.serialization", "_get_layout"), (repr(obj),))
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
# The loader, the allowlist tables and the rebuild functions live in _checkpoint.py.

_MAX_DEFLATE_RATIO = 1032          # deflate cannot expand data more than this (zlib's bound)
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
            zipfile.ZIP_LZMA: "lzma"}


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
