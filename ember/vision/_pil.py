"""Pillow is optional: images are PIL images when it is installed, HxW(xC) uint8 arrays otherwise."""
from __future__ import annotations

import os

try:
    if os.environ.get("EMBER_VISION_NO_PIL"):
        raise ImportError
    from PIL import Image as _Image
except ImportError:  # pragma: no cover - exercised by tests via monkeypatch
    _Image = None

INSTALL_HINT = "install Pillow with `python -m pip install Pillow`"


def image_module():
    """The PIL.Image module, or None when Pillow is missing (or disabled)."""
    return _Image


def require(what: str):
    if _Image is None:
        raise ImportError(f"{what} needs Pillow, which is not installed: {INSTALL_HINT}")
    return _Image


def is_pil(img) -> bool:
    return _Image is not None and isinstance(img, _Image.Image)


_FAST_MODES = {"L": 1, "RGB": 3, "RGBA": 4}


def to_array(img):
    """HxW(xC) array of a PIL image (read-only for the common modes: the fast path shares no state)."""
    import numpy as np
    c = _FAST_MODES.get(img.mode)
    if c is None:
        return np.asarray(img)
    w, h = img.size
    a = np.frombuffer(img.tobytes(), np.uint8)
    return a.reshape(h, w) if c == 1 else a.reshape(h, w, c)


def from_array(a):
    """PIL image of a uint8 HxW / HxWx3 / HxWx4 array (Image.fromarray, minus its overhead)."""
    if a.dtype.char == "B" and a.flags.c_contiguous:
        mode = "L" if a.ndim == 2 else {3: "RGB", 4: "RGBA"}.get(a.shape[2]) if a.ndim == 3 else None
        if mode is not None:
            # copy-on-write: Pillow marks buffer-backed images read-only and copies before any change
            return _Image.frombuffer(mode, (a.shape[1], a.shape[0]), a, "raw", mode, 0, 1)
    return _Image.fromarray(a)
