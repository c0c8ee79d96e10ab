"""`make_grid` and `save_image`. Matches `torchvision.utils`."""
from __future__ import annotations

import math
import os
import struct
import zlib

import numpy as np

from .._tensor import Tensor

from .._tensor_base import _wrap
from . import _pil

__all__ = ["make_grid", "save_image"]


def _as_array(tensor) -> np.ndarray:
    if isinstance(tensor, Tensor):
        return tensor.detach()._data
    if isinstance(tensor, (list, tuple)):
        return np.stack([_as_array(t) for t in tensor])
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Tile a (B, C, H, W) batch (or a list of images) into one (3, H', W') image, `nrow` per row.

    Matches `torchvision.utils.make_grid`: 1-channel images are repeated to 3 channels,
    `normalize` rescales to [0, 1] using `value_range` (default: min/max) per image or overall.
    """
    a = _as_array(tensor)
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        a = (np.concatenate([a, a, a], 0) if a.shape[0] == 1 else a)[None]
    if a.ndim != 4:
        raise ValueError(f"make_grid expects a 4-D (B, C, H, W) batch, got shape {a.shape}")
    if a.shape[1] == 1:
        a = np.concatenate([a, a, a], 1)
    if normalize:
        a = a.astype(np.float32 if a.dtype != np.float64 else np.float64, copy=True)
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")

        def norm(x, lo, hi):
            np.clip(x, lo, hi, out=x)
            x -= lo
            x /= max(hi - lo, 1e-5)

        if scale_each:
            for img in a:  # one loop iteration per image, not per pixel
                lo, hi = value_range if value_range is not None else (float(img.min()), float(img.max()))
                norm(img, lo, hi)
        else:
            lo, hi = value_range if value_range is not None else (float(a.min()), float(a.max()))
            norm(a, lo, hi)
    if a.shape[0] == 1:
        return _wrap(np.ascontiguousarray(a[0]))
    nmaps = a.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    h, w = a.shape[2] + padding, a.shape[3] + padding
    grid = np.full((a.shape[1], h * ymaps + padding, w * xmaps + padding), pad_value, dtype=a.dtype)
    # place all images at once: pad each to (h, w) then tile with a reshape/transpose
    tiles = np.full((ymaps * xmaps, a.shape[1], h, w), pad_value, dtype=a.dtype)
    tiles[:nmaps, :, padding:, padding:] = a
    tiled = tiles.reshape(ymaps, xmaps, a.shape[1], h, w).transpose(2, 0, 3, 1, 4)
    tiled = tiled.reshape(a.shape[1], ymaps * h, xmaps * w)
    grid[:, :ymaps * h, :xmaps * w] = tiled
    return _wrap(grid)


def _write_png(fp, rgb: np.ndarray) -> None:
    """Minimal PNG writer (8-bit grey or RGB), used when Pillow is missing."""
    h, w = rgb.shape[:2]
    color = 0 if rgb.ndim == 2 else {3: 2, 4: 6}[rgb.shape[2]]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgb.reshape(h, -1)], axis=1).tobytes()

    def chunk(tag, data):
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    if hasattr(fp, "write"):
        fp.write(png)
    else:
        with open(fp, "wb") as f:
            f.write(png)


def save_image(tensor, fp, format=None, **kwargs) -> None:
    """Save a tensor (or a batch, tiled by `make_grid(**kwargs)`) as an image file.

    Matches `torchvision.utils.save_image`.

    Uses Pillow when installed (any format it knows); otherwise writes PNG with a built-in encoder.
    """
    grid = make_grid(tensor, **kwargs)._data
    arr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image = _pil.image_module()
    if Image is not None:
        Image.fromarray(np.ascontiguousarray(arr)).save(fp, format=format)
        return
    named_other = isinstance(fp, (str, os.PathLike)) and not os.fspath(fp).lower().endswith(".png")
    if format not in (None, "png", "PNG") or (format is None and named_other):
        raise ImportError(f"saving formats other than PNG needs Pillow: {_pil.INSTALL_HINT}")
    _write_png(fp, np.ascontiguousarray(arr))
