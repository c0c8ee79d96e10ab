"""Read and write the safetensors format without the safetensors package.

Layout: an 8-byte little-endian header length N, N bytes of JSON (each tensor's dtype, shape and
byte range, plus optional "__metadata__" of str -> str), then the raw little-endian buffers.
Nothing in a safetensors file can execute code. `load_file(..., mmap=True)` maps the file
instead of reading it (copy-on-write: writing to a tensor never touches the file).
"""
from __future__ import annotations

import json
import os
import struct
import tempfile

import numpy as np

from ._tensor import Tensor

from ._tensor_base import _wrap

__all__ = ["save_file", "load_file", "save", "load", "safe_open"]

_CODE = {np.dtype(np.float64): "F64", np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
         np.dtype(np.int64): "I64", np.dtype(np.int32): "I32", np.dtype(np.int16): "I16",
         np.dtype(np.int8): "I8", np.dtype(np.uint8): "U8", np.dtype(np.bool_): "BOOL"}
_DTYPE = {v: k for k, v in _CODE.items()}
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorError(ValueError):
    pass


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
    """Write a dict of tensors to `filename` (atomically: temp file, then rename)."""
    arrays = _arrays(tensors)
    head, order = _header(arrays, metadata)
    path = os.fspath(filename)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head)
            for k in order:
                a = arrays[k]
                if a.dtype.byteorder == ">":
                    a = a.astype(a.dtype.newbyteorder("<"))
                fh.write(memoryview(a.reshape(-1).view(np.uint8)))
            fh.flush()
            (getattr(os, "fdatasync", None) or os.fsync)(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _parse(buf, total):
    if total < 8:
        raise SafetensorError("not a safetensors file: shorter than its 8-byte header length")
    (n,) = struct.unpack("<Q", bytes(buf[:8]))
    if n > _MAX_HEADER or 8 + n > total:
        raise SafetensorError(f"not a safetensors file: header length {n} does not fit the file of {total} bytes")
    try:
        hdr = json.loads(bytes(buf[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorError(f"corrupt safetensors header: {e}") from None
    if not isinstance(hdr, dict):
        raise SafetensorError("corrupt safetensors header: not a JSON object")
    meta = hdr.pop("__metadata__", None)
    start = 8 + n
    for k, info in hdr.items():
        try:
            code, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorError(f"corrupt safetensors header entry for {k!r}") from None
        if code not in _DTYPE:
            raise SafetensorError(f"tensor {k!r} has dtype {code}, which ember does not support")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if e - b != count * _DTYPE[code].itemsize or b < 0 or start + e > total:
            raise SafetensorError(f"corrupt safetensors file: byte range of {k!r} does not match its shape {shape}")
    return hdr, meta, start


def _build(buf, hdr, start, copy):
    out = {}
    for k, info in hdr.items():
        b, e = info["data_offsets"]
        dt = _DTYPE[info["dtype"]].newbyteorder("<")
        a = np.frombuffer(buf, dtype=dt, count=(e - b) // dt.itemsize, offset=start + b) if e > b else \
            np.zeros(0, dtype=dt)
        a = a.reshape(info["shape"])
        if copy:
            a = a.copy()
        out[k] = _wrap(a)
    return out


def load(data: bytes):
    """Deserialise safetensors bytes to a dict of tensors."""
    hdr, _, start = _parse(memoryview(data), len(data))
    return _build(data, hdr, start, copy=True)


def load_file(filename, device="cpu", *, mmap=False):
    """Read a safetensors file into a dict of tensors; `mmap=True` maps it copy-on-write."""
    from ._device import check_device
    check_device(device)
    path = os.fspath(filename)
    total = os.path.getsize(path)
    if mmap and total:
        buf = np.memmap(path, dtype=np.uint8, mode="c")
        hdr, _, start = _parse(buf, total)
        out = {}
        for k, info in hdr.items():
            b, e = info["data_offsets"]
            dt = _DTYPE[info["dtype"]].newbyteorder("<")
            out[k] = _wrap(buf[start + b:start + e].view(dt).reshape(info["shape"]))
        return out
    with open(path, "rb") as fh:
        data = bytearray(fh.read())
    hdr, _, start = _parse(memoryview(data), len(data))
    return _build(data, hdr, start, copy=False)


class safe_open:
    """Lazy access to a safetensors file: `with safe_open(path, 'np') as f: f.get_tensor(name)`."""

    def __init__(self, filename, framework="pt", device="cpu"):
        self.path = os.fspath(filename)
        total = os.path.getsize(self.path)
        self._buf = np.memmap(self.path, dtype=np.uint8, mode="c") if total else b""
        self._hdr, self._meta, self._start = _parse(self._buf, total)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._buf = None
        return False

    def keys(self):
        return list(self._hdr)

    def metadata(self):
        return self._meta

    def get_tensor(self, name):
        info = self._hdr[name]
        b, e = info["data_offsets"]
        dt = _DTYPE[info["dtype"]].newbyteorder("<")
        return _wrap(np.array(self._buf[self._start + b:self._start + e].view(dt).reshape(info["shape"])))
