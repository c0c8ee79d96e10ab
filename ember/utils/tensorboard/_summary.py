"""Summary messages (as bytes) for scalars, histograms, images, text and hyperparameters.

The same content as torch.utils.tensorboard.summary writes (checked by decoding both with TensorBoard);
images are PNG-encoded here with zlib (8-bit RGB or RGBA, no filter).
"""
from __future__ import annotations

import math
import struct
import zlib

import numpy as np

from . import _proto as P
from ..._tensor import Tensor


def make_np(x) -> np.ndarray:
    """A NumPy array from a Tensor, an array or a Python/NumPy scalar (torch's `make_np`)."""

    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, Tensor):
        return x.detach().numpy()
    raise NotImplementedError(f"Got {type(x).__name__}, but a numpy array or a Tensor is expected.")


# ---- scalars -------------------------------------------------------------------------------------------

def scalar(tag, value, new_style=False, double_precision=False) -> bytes:
    a = make_np(value).squeeze()
    if a.ndim != 0:
        raise AssertionError(f"add_scalar: the value must have one element (0 dimensions), got shape "
                             f"{tuple(a.shape)} for tag {tag!r}")
    v = float(a)
    if not new_style:
        return P.summary(P.summary_value(tag, simple_value=v))
    if double_precision:
        tensor = P.f_int(1, P.DT_DOUBLE) + P.f_packed_double(6, [v])
    else:
        tensor = P.f_int(1, P.DT_FLOAT) + P.f_packed_float(5, [v])
    return P.summary(P.summary_value(tag, tensor=tensor, metadata=P.plugin_metadata("scalars")))


# ---- histograms ------------------------------------------------------------------------------------------

def default_bins():
    """TensorBoard's default bucket edges: +-1e-12 growing by 10% up to 1e20, and 0."""
    v, pos = 1e-12, []
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return [-x for x in reversed(pos)] + [0] + pos


def histogram_proto(mn, mx, num, total, sum_squares, limits, counts) -> bytes:
    """HistogramProto: min = 1, max = 2, num = 3, sum = 4, sum_squares = 5, bucket_limit = 6, bucket = 7."""
    return (P.f_double(1, mn) + P.f_double(2, mx) + P.f_double(3, num) + P.f_double(4, total)
            + P.f_double(5, sum_squares) + P.f_packed_double(6, limits) + P.f_packed_double(7, counts))


def histogram(tag, values, bins, max_bins=None) -> bytes:
    values = make_np(values).astype(float).reshape(-1)
    if values.size == 0:
        raise ValueError(f"add_histogram: the values for tag {tag!r} are empty.")
    counts, limits = np.histogram(values, bins=bins)
    n = len(counts)
    if max_bins is not None and n > max_bins:
        step = n // max_bins                         # merge `step` neighbouring buckets into one
        pad = (-n) % step
        counts = np.pad(counts, (0, pad)).reshape(-1, step).sum(axis=-1)
        limits = np.concatenate([limits[:-1:step], limits[-1:]])
    # keep the buckets from the first to the last non-empty one; TensorBoard stores right edges only, so
    # one bucket more on the left keeps the leftmost edge (an empty one if the data start at bucket 0)
    nonzero = np.flatnonzero(counts)
    if nonzero.size == 0:
        raise ValueError(f"add_histogram: no value of tag {tag!r} falls in the bins (NaN or infinite "
                         "values?)")
    first, last = int(nonzero[0]), int(nonzero[-1])
    counts = counts[first - 1:last + 1] if first > 0 else np.concatenate([[0], counts[:last + 1]])
    limits = limits[first:last + 2]
    return P.summary(P.summary_value(tag, histo=histogram_proto(
        values.min(), values.max(), len(values), values.sum(), values.dot(values), limits, counts)))


def histogram_raw(tag, mn, mx, num, total, sum_squares, bucket_limits, bucket_counts) -> bytes:
    def arr(v):
        return make_np(v).reshape(-1) if not isinstance(v, (list, tuple)) else np.asarray(v, dtype=float)
    return P.summary(P.summary_value(tag, histo=histogram_proto(mn, mx, num, total, sum_squares,
                                                                 arr(bucket_limits), arr(bucket_counts))))


# ---- images ------------------------------------------------------------------------------------------------

def _grid(a, ncols=8):
    """N x C x H x W (C = 1 or 3) -> 3 x H*rows x W*cols, row-major, empty cells black."""
    if a.shape[1] == 1:
        a = np.concatenate([a, a, a], 1)
    if a.ndim != 4 or a.shape[1] != 3:
        raise AssertionError(f"add_images: a batch of images needs 1 or 3 channels, got shape "
                             f"{tuple(a.shape)}")
    n, _, h, w = a.shape
    cols = min(n, ncols)
    rows = math.ceil(n / cols)
    canvas = np.zeros((rows * cols, 3, h, w), dtype=a.dtype)
    canvas[:n] = a
    return canvas.reshape(rows, cols, 3, h, w).transpose(2, 0, 3, 1, 4).reshape(3, rows * h, cols * w)


def to_hwc(a, dataformats):
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt):
        raise AssertionError(f"dataformats {dataformats!r} uses a dimension letter twice")
    if a.ndim != len(fmt):
        raise AssertionError(f"the image has {a.ndim} dimensions (shape {tuple(a.shape)}) but dataformats "
                             f"{dataformats!r} has {len(fmt)}")
    if len(fmt) == 4:
        return _grid(a.transpose([fmt.find(c) for c in "NCHW"])).transpose(1, 2, 0)
    if len(fmt) == 3:
        a = a.transpose([fmt.find(c) for c in "HWC"])
        return np.concatenate([a, a, a], 2) if a.shape[2] == 1 else a
    if len(fmt) == 2:
        a = a.transpose([fmt.find(c) for c in "HW"])
        return np.stack([a, a, a], 2)
    raise AssertionError(f"dataformats must have 2, 3 or 4 letters (e.g. CHW), got {dataformats!r}")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(img: np.ndarray) -> bytes:
    """PNG bytes of an H x W x C uint8 image, C = 3 (RGB) or 4 (RGBA)."""
    h, w, c = img.shape
    if c not in (3, 4):
        raise ValueError(f"a PNG image needs 3 or 4 channels, got {c}")
    rows = np.zeros((h, w * c + 1), dtype=np.uint8)      # each scanline: filter byte 0, then the pixels
    rows[:, 1:] = img.reshape(h, w * c)
    header = struct.pack(">IIBBBBB", w, h, 8, 2 if c == 3 else 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _png_chunk(b"IEND", b""))


def image(tag, img, dataformats="NCHW") -> bytes:
    a = to_hwc(make_np(img), dataformats)
    scale = 1 if a.dtype == np.uint8 else 255     # uint8 is taken as 0..255, anything else as 0..1
    a = (a.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    h, w, c = a.shape
    body = P.f_int(1, h) + P.f_int(2, w) + P.f_int(3, c) + P.f_bytes(4, encode_png(a))
    return P.summary(P.summary_value(tag, image=body))


# ---- text --------------------------------------------------------------------------------------------------

def text(tag, text_string) -> bytes:
    # TensorProto: dtype = 1, tensor_shape = 2, string_val = 8
    tensor = (P.f_int(1, P.DT_STRING) + P.f_msg(2, P.tensor_shape([1]))
              + P.f_bytes(8, text_string, always=True))
    meta = P.plugin_metadata("text")
    return P.summary(P.summary_value(tag + "/text_summary", tensor=tensor, metadata=meta))


# ---- hyperparameters (the hparams plugin's three summaries) --------------------------------------------

_DATA_TYPE = {"string": 1, "bool": 2, "float64": 3}


def _struct_value(v) -> bytes:
    """google.protobuf.Value: number_value = 2, string_value = 3, bool_value = 4 (a oneof: always written)."""
    if isinstance(v, bool):
        return b"\x20" + P.varint(int(v))
    if isinstance(v, str):
        return P.f_bytes(3, v, always=True)
    return b"\x11" + struct.pack("<d", float(v))


def _kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "float64"
    if isinstance(v, str):
        return "string"
    return None


def _plugin_summary(tag, content: bytes) -> bytes:
    return P.summary(P.summary_value(tag, metadata=P.plugin_metadata("hparams", content)))


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """(experiment, session start, session end) summaries. Deviation: a bool is stored as a bool
    (torch writes True/False as the numbers 1.0/0.0, because it tests int before bool)."""

    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("hparam_dict and metric_dict should be dictionary.")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, vals in domains.items():
        if k not in hparam_dict or not isinstance(vals, list) or \
                not all(isinstance(d, type(hparam_dict[k])) for d in vals):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same type as "
                            f"hparam_dict[{k}].")
    infos, entries = [], []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, Tensor):
            v = float(make_np(v).reshape(-1)[0])
        elif isinstance(v, np.generic):
            v = v.item()
        kind = _kind(v)
        if kind is None:
            raise ValueError(f"add_hparams: the value of {k!r} should be one of int, float, str, bool, or "
                             f"Tensor, got {type(v).__name__}")
        entries.append(P.f_msg(1, P.f_bytes(1, k) + P.f_msg(2, _struct_value(v))))
        info = P.f_bytes(1, k) + P.f_int(4, _DATA_TYPE[kind])
        if k in domains:
            info += P.f_msg(5, b"".join(P.f_msg(1, _struct_value(d)) for d in domains[k]))
        infos.append(P.f_msg(4, info))
    metrics = b"".join(P.f_msg(5, P.f_msg(1, P.f_bytes(2, k))) for k in metric_dict)
    # HParamsPluginData: version = 1 (0), experiment = 2, session_start_info = 3, session_end_info = 4
    exp = _plugin_summary("_hparams_/experiment", P.f_msg(2, b"".join(infos) + metrics))
    ssi = _plugin_summary("_hparams_/session_start_info", P.f_msg(3, b"".join(entries)))
    sei = _plugin_summary("_hparams_/session_end_info", P.f_msg(4, P.f_int(1, 1)))      # STATUS_SUCCESS
    return exp, ssi, sei
