"""Read and write the safetensors format without the safetensors package.

Layout: an 8-byte little-endian header length N, N bytes of JSON (each tensor's dtype, shape and
byte range, plus optional "__metadata__" of str -> str), then the raw little-endian buffers.
Nothing in a safetensors file can execute code. `load_file(..., mmap=True)` maps the file
instead of reading it (copy-on-write: writing to a tensor never touches the file).

Reading is as strict as the reference `safetensors` package (same accept/reject decision): header
length at most 100,000,000 bytes and inside the file, UTF-8 JSON nested at most 127 levels, no
NaN/Infinity, dtype/shape/data_offsets typed exactly (unsigned ints, two offsets), no duplicate
`__metadata__` or duplicate fields in an entry, `__metadata__` a map of str -> str, and byte ranges
that are contiguous from 0, non-overlapping, each exactly shape x itemsize, and cover the data
section exactly (no holes, no trailing bytes). Every violation raises `SafetensorError`.
dtypes: F64, F32, F16, I64, I32, I16, I8, U8, BOOL load as themselves, BF16 is widened to float32
(ember has no bfloat16 tensors); U16, U32, U64, C64 and the F8/F6/F4 formats are valid in the file
but refused with SafetensorError (ember has no such tensors).
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from ._atomic import atomic_write

from ._tensor import Tensor

from ._tensor_base import _wrap

__all__ = ["save_file", "load_file", "save", "load", "safe_open"]

_CODE = {np.dtype(np.float64): "F64", np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
         np.dtype(np.int64): "I64", np.dtype(np.int32): "I32", np.dtype(np.int16): "I16",
         np.dtype(np.int8): "I8", np.dtype(np.uint8): "U8", np.dtype(np.bool_): "BOOL"}
_DTYPE = {v: k for k, v in _CODE.items()}
_MAX_HEADER = 100_000_000      # the reference package's limit


class SafetensorError(ValueError):
    """A malformed safetensors file, or a dtype ember cannot hold. Matches `safetensors.SafetensorError`."""


def _arrays(tensors):
    if not isinstance(tensors, dict):
        raise TypeError(f"expected a dict of name -> tensor, got {type(tensors).__name__}")
    out = {}
    for k, v in tensors.items():
        if not isinstance(k, str):
            raise TypeError(f"tensor names must be str, got {type(k).__name__}")
        a = v._data if isinstance(v, Tensor) else np.asarray(v)
        if a.dtype not in _CODE:
            raise TypeError(f"dtype {a.dtype} of {k!r} is not supported in safetensors by ember")
        out[k] = np.ascontiguousarray(a)
    return out


def _header(arrays, metadata):
    # larger alignment first (as the reference writer does), then by name: deterministic files
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))
    hdr = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("metadata must be a dict of str -> str")
        hdr["__metadata__"] = dict(metadata)
    off = 0
    for k in order:
        a = arrays[k]
        hdr[k] = {"dtype": _CODE[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        off += a.nbytes
    raw = json.dumps(hdr, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((-len(raw)) % 8)
    return struct.pack("<Q", len(raw)) + raw, order


def save(tensors, metadata=None) -> bytes:
    """Serialise a dict of tensors to safetensors bytes."""
    arrays = _arrays(tensors)
    head, order = _header(arrays, metadata)
    return head + b"".join(arrays[k].astype(arrays[k].dtype.newbyteorder("<"), copy=False).tobytes()
                           for k in order)


def save_file(tensors, filename, metadata=None) -> None:
    """Write a dict of tensors to `filename` atomically (temp file, then rename; written through a symlink).
    Matches `safetensors.torch.save_file`."""
    arrays = _arrays(tensors)
    head, order = _header(arrays, metadata)

    def write(fh):
        fh.write(head)
        for k in order:
            a = arrays[k]
            if a.dtype.byteorder == ">":
                a = a.astype(a.dtype.newbyteorder("<"))
            fh.write(memoryview(a.reshape(-1).view(np.uint8)))

    atomic_write(filename, write)


# bits per element of every dtype the format defines (the reference package's list)
_BITS = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8,
         "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
         "I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64}
_MAX_DEPTH = 127            # serde_json's recursion limit, as the reference parser applies it
_U64 = 2 ** 64 - 1
_FIELDS = ("dtype", "shape", "data_offsets")


class _Obj(dict):
    """A JSON object, remembering which keys appeared more than once (the last one wins, as in serde)."""
    __slots__ = ("dups",)


def _object(pairs):
    d = _Obj(pairs)
    d.dups = ()
    if len(d) != len(pairs):
        seen = set()
        d.dups = {k for k, _ in pairs if k in seen or seen.add(k)}
    return d


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def _int(text):
    # serde reads "-0" (and every negative number) as a float where an unsigned int is expected
    return float(text) if text.startswith("-") else int(text)


def _depth_ok(root):
    stack = [(root, 1)]
    while stack:
        v, d = stack.pop()
        if d > _MAX_DEPTH:
            return False
        children = v.values() if isinstance(v, dict) else v
        stack.extend((c, d + 1) for c in children if isinstance(c, (dict, list)))
    return True


def _uint(v):
    return type(v) is int and 0 <= v <= _U64


def _valid_str(s):
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:      # a lone surrogate escape: serde refuses it
        return False
    return True


def _parse(buf, total, where):
    """Validate a header: ([(begin, end, name, code, shape)] in file order, metadata, data start)."""
    def bad(msg):
        return SafetensorError(f"{where}: {msg}")

    if total < 8:
        raise bad(f"not a safetensors file: {total} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", bytes(buf[:8]))
    if n > _MAX_HEADER:
        raise bad(f"header length {n} is larger than the limit of {_MAX_HEADER} bytes")
    if 8 + n > total:
        raise bad(f"header length {n} does not fit the file of {total} bytes")
    try:
        hdr = json.loads(bytes(buf[8:8 + n]).decode("utf-8"), object_pairs_hook=_object,
                         parse_constant=_no_constant, parse_int=_int)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise bad(f"corrupt header: {type(e).__name__}: {e}") from None
    if type(hdr) is not _Obj:
        raise bad("corrupt header: not a JSON object")
    if not _depth_ok(hdr):
        raise bad(f"corrupt header: JSON nested deeper than {_MAX_DEPTH} levels")
    if "__metadata__" in hdr.dups:
        raise bad("corrupt header: __metadata__ appears twice")
    meta = hdr.pop("__metadata__", None)
    if meta is not None and (type(meta) is not _Obj or not all(
            type(v) is str and _valid_str(v) and _valid_str(k) for k, v in meta.items())):
        raise bad("corrupt header: __metadata__ must be a map of str -> str")
    entries = []
    for name, info in hdr.items():
        if not _valid_str(name) or type(info) is not _Obj or any(f in info.dups for f in _FIELDS) or \
                not all(f in info for f in _FIELDS):
            raise bad(f"corrupt header entry for tensor {name!r}: an object with one dtype, shape and "
                      f"data_offsets expected")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if type(code) is not str or code not in _BITS:
            raise bad(f"tensor {name!r} has an unknown dtype {code!r}")
        if type(shape) is not list or not all(_uint(v) for v in shape):
            raise bad(f"tensor {name!r} has a bad shape {shape!r} (a list of unsigned ints expected)")
        if type(offsets) is not list or len(offsets) != 2 or not all(_uint(v) for v in offsets):
            raise bad(f"tensor {name!r} has bad data_offsets {offsets!r} (two unsigned ints expected)")
        entries.append((offsets[0], offsets[1], name, code, shape))
    entries.sort(key=lambda t: (t[0], t[1], t[2]))
    pos = 0
    for b, e, name, code, shape in entries:
        if b != pos or e < b:
            raise bad(f"tensor {name!r} has byte range [{b}, {e}], but the previous tensor ends at {pos}: "
                      f"ranges must be contiguous, in order, without overlaps or holes")
        count = 1
        for v in shape:
            count *= v
        bits = count * _BITS[code]
        if bits % 8 or e - b != bits // 8:
            raise bad(f"tensor {name!r} of dtype {code} and shape {shape} needs {bits / 8:g} bytes, its byte "
                      f"range [{b}, {e}] holds {e - b}")
        pos = e
    if pos != total - 8 - n:
        raise bad(f"the tensors cover {pos} bytes, but the data section holds {total - 8 - n} bytes")
    return entries, meta, 8 + n


def _array(buf, start, entry, where, copy):
    b, e, name, code, shape = entry
    if code == "BF16":                   # widened to float32 (the high half of a float32)
        u = np.frombuffer(buf, dtype="<u2", count=(e - b) // 2, offset=start + b)
        return (u.astype(np.uint32) << 16).view(np.float32).reshape(shape)
    dt = _DTYPE.get(code)
    if dt is None:
        raise SafetensorError(f"{where}: tensor {name!r} has dtype {code}, which ember cannot hold (no "
                              f"uint16/32/64, complex or float8/6/4 tensors)")
    dt = dt.newbyteorder("<")
    a = np.frombuffer(buf, dtype=dt, count=(e - b) // dt.itemsize, offset=start + b) if e > b else \
        np.zeros(0, dtype=dt)
    a = a.reshape(shape)
    return a.copy() if copy else a


def load(data: bytes):
    """Deserialise safetensors bytes to a dict of tensors. Matches `safetensors.torch.load`."""
    where = "safetensors bytes"
    entries, _, start = _parse(memoryview(data), len(data), where)
    return {en[2]: _wrap(_array(data, start, en, where, copy=True)) for en in entries}


def load_file(filename, device="cpu", *, mmap=False):
    """Read a safetensors file into a dict of tensors; `mmap=True` maps it copy-on-write.
    Matches `safetensors.torch.load_file` (plus `mmap`)."""
    from ._device import check_device
    check_device(device)
    path = os.fspath(filename)
    where = repr(path)
    total = os.path.getsize(path)
    if mmap and total:
        buf = np.memmap(path, dtype=np.uint8, mode="c")
        entries, _, start = _parse(buf, total, where)
        return {en[2]: _wrap(_array(buf, start, en, where, copy=False)) for en in entries}
    with open(path, "rb") as fh:
        data = bytearray(fh.read())
    entries, _, start = _parse(memoryview(data), len(data), where)
    return {en[2]: _wrap(_array(data, start, en, where, copy=False)) for en in entries}


class safe_open:
    """Lazy access to a safetensors file: `with safe_open(path, 'np') as f: f.get_tensor(name)`.
    Matches `safetensors.safe_open` (CPU only)."""

    def __init__(self, filename, framework="pt", device="cpu"):
        from ._device import check_device
        check_device(device)
        self.path = os.fspath(filename)
        self._where = repr(self.path)
        total = os.path.getsize(self.path)
        self._buf = np.memmap(self.path, dtype=np.uint8, mode="c") if total else b""
        entries, self._meta, self._start = _parse(self._buf, total, self._where)
        self._entries = {en[2]: en for en in entries}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._buf = None
        return False

    def keys(self):
        return list(self._entries)

    def metadata(self):
        return self._meta

    def get_tensor(self, name):
        en = self._entries.get(name)
        if en is None:
            raise SafetensorError(f"{self._where}: File does not contain tensor {name}")
        return _wrap(np.array(_array(self._buf, self._start, en, self._where, copy=False)))
