"""The bytes of a TensorBoard event file, written by hand: protobuf fields and TFRecord framing.

Protobuf (proto3) wire format, only what the event messages use: a field is a key varint
(field_number << 3 | wire_type) then a varint (0), 8 little-endian bytes (1), a length-prefixed
byte string or sub-message (2), or 4 little-endian bytes (5). Fields holding their default value
(0, "", empty) are left out, as protobuf does; fields are written in field-number order.

TFRecord framing of each serialized Event: uint64 length, uint32 masked crc32c of those 8 bytes, the
data, uint32 masked crc32c of the data (little-endian). CRC-32C (Castagnoli) is computed with NumPy
over 256-byte lanes (the CRC is linear, so lanes are combined afterwards) instead of a byte loop.
"""
from __future__ import annotations

import struct

import numpy as np

# ---- protobuf ---------------------------------------------------------------------------------


def varint(n: int) -> bytes:
    if n < 0:
        n &= (1 << 64) - 1          # int64/int32 negatives: ten bytes of two's complement
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return varint(field << 3 | wire)


def f_int(field: int, v) -> bytes:
    """int32/int64/uint/bool/enum field."""
    v = int(v)
    return _key(field, 0) + varint(v) if v else b""


def f_double(field: int, v) -> bytes:
    v = float(v)
    return _key(field, 1) + struct.pack("<d", v) if v != 0.0 or str(v) == "-0.0" else b""


def f_float(field: int, v) -> bytes:
    v = float(v)
    return _key(field, 5) + struct.pack("<f", v) if v != 0.0 or str(v) == "-0.0" else b""


def f_bytes(field: int, b, always: bool = False) -> bytes:
    """bytes/string field (str is UTF-8 encoded); `always` for a repeated element or a set sub-message."""
    if isinstance(b, str):
        b = b.encode("utf-8")
    if not b and not always:
        return b""
    return _key(field, 2) + varint(len(b)) + bytes(b)


def f_msg(field: int, body: bytes) -> bytes:
    """A sub-message that is set (written even when all its fields are defaults)."""
    return _key(field, 2) + varint(len(body)) + body


def f_packed_double(field: int, values) -> bytes:
    a = np.ascontiguousarray(values, dtype="<f8")
    return f_bytes(field, a.tobytes()) if a.size else b""


def f_packed_float(field: int, values) -> bytes:
    a = np.ascontiguousarray(values, dtype="<f4")
    return f_bytes(field, a.tobytes()) if a.size else b""


def f_packed_varint(field: int, values) -> bytes:
    body = b"".join(varint(int(v)) for v in values)
    return f_bytes(field, body) if body else b""


# ---- a few messages shared by several summaries -----------------------------------------------------

DT_FLOAT, DT_DOUBLE, DT_INT32, DT_STRING, DT_INT64 = 1, 2, 3, 7, 9


def tensor_shape(dims) -> bytes:
    """TensorShapeProto: repeated Dim dim = 2 (Dim: int64 size = 1)."""
    return b"".join(f_msg(2, f_int(1, d)) for d in dims)


def plugin_metadata(plugin_name: str, content: bytes = b"") -> bytes:
    """SummaryMetadata with plugin_data = 1 (PluginData: plugin_name = 1, content = 2)."""
    return f_msg(1, f_bytes(1, plugin_name) + f_bytes(2, content))


def summary_value(tag: str, *, simple_value=None, image=None, histo=None, tensor=None,
                  metadata=None) -> bytes:
    """One Summary.Value (tag = 1, simple_value = 2, image = 4, histo = 5, tensor = 8, metadata = 9)."""
    body = f_bytes(1, tag)
    if simple_value is not None:
        body += _key(2, 5) + struct.pack("<f", float(simple_value))      # set in a oneof: always written
    if image is not None:
        body += f_msg(4, image)
    if histo is not None:
        body += f_msg(5, histo)
    if tensor is not None:
        body += f_msg(8, tensor)
    if metadata is not None:
        body += f_msg(9, metadata)
    return body


def summary(*values: bytes) -> bytes:
    """Summary: repeated Value value = 1."""
    return b"".join(f_msg(1, v) for v in values)


def event(wall_time: float, step=None, *, file_version=None, graph_def=None, summary_bytes=None,
          session_log=None, tagged_run_metadata=None, source_metadata=None) -> bytes:
    """Event (wall_time = 1, step = 2, file_version = 3, graph_def = 4, summary = 5, session_log = 7,
    tagged_run_metadata = 8, source_metadata = 10)."""
    out = f_double(1, wall_time) + (f_int(2, step) if step is not None else b"")
    if file_version is not None:
        out += f_bytes(3, file_version, always=True)
    if graph_def is not None:
        out += f_bytes(4, graph_def, always=True)
    if summary_bytes is not None:
        out += f_msg(5, summary_bytes)
    if session_log is not None:
        out += f_msg(7, session_log)
    if tagged_run_metadata is not None:
        out += f_msg(8, tagged_run_metadata)
    if source_metadata is not None:
        out += f_msg(10, source_metadata)
    return out


# ---- CRC-32C and TFRecord framing ---------------------------------------------------------------------

def _make_table():
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ np.uint32(0x82F63B78), t >> 1).astype(np.uint32)
    return t


_TABLE_NP = _make_table()
_TABLE = [int(v) for v in _TABLE_NP]
_LANE = 256
_SHIFT = None        # 4 tables: the CRC state after _LANE zero bytes, per byte of the state


def _advance_zeros(v: int, n: int) -> int:
    for _ in range(n):
        v = _TABLE[v & 0xFF] ^ (v >> 8)
    return v


def _shift_tables():
    global _SHIFT
    if _SHIFT is None:
        basis = [_advance_zeros(1 << b, _LANE) for b in range(32)]
        tables = []
        for j in range(4):
            row = []
            for byte in range(256):
                v = 0
                for b in range(8):
                    if byte >> b & 1:
                        v ^= basis[8 * j + b]
                row.append(v)
            tables.append(row)
        _SHIFT = tables
    return _SHIFT


def crc32c(data: bytes) -> int:
    """CRC-32C of `data`. The update is linear over GF(2), so the state after a lane is (state before it,
    pushed through 256 zero bytes) XOR (the lane's CRC from 0): lanes are computed side by side in NumPy."""
    crc = 0xFFFFFFFF
    n = len(data)
    start = 0
    if n >= 16 * _LANE:
        k = n // _LANE
        lanes = np.frombuffer(data, dtype=np.uint8, count=k * _LANE).reshape(k, _LANE)
        raw = np.zeros(k, dtype=np.uint32)
        for j in range(_LANE):
            raw = _TABLE_NP[(raw ^ lanes[:, j]) & 0xFF] ^ (raw >> 8)
        t0, t1, t2, t3 = _shift_tables()
        for r in raw.tolist():
            crc = t0[crc & 0xFF] ^ t1[(crc >> 8) & 0xFF] ^ t2[(crc >> 16) & 0xFF] ^ t3[crc >> 24] ^ r
        start = k * _LANE
    for byte in data[start:]:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data: bytes) -> bytes:
    """One TFRecord: length, its masked CRC, the data, the data's masked CRC."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))
