"""`ember.vision.transforms.v2`: the v1 transforms plus v2's ToImage / ToDtype / ToPureTensor.

Matches the everyday part of `torchvision.transforms.v2` (single images; no bounding boxes/masks).
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor

from ..._tensor_base import _wrap
from . import functional  # noqa: F401
from .functional import convert_image_dtype, pil_to_tensor
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _v1_all
from .transforms import _Transform

__all__ = list(_v1_all) + ["ToImage", "ToDtype", "ToPureTensor"]


class ToImage(_Transform):
    """PIL image / HxW(xC) array -> CxHxW Tensor keeping the dtype (uint8 stays uint8)."""

    def forward(self, img):
        return img if isinstance(img, Tensor) else pil_to_tensor(img)


class ToDtype(_Transform):
    """Cast a tensor image; with `scale=True`, rescale values between integer and float ranges."""

    def __init__(self, dtype, scale: bool = False):
        self.dtype, self.scale = dtype, scale

    def forward(self, img):
        dtype = self.dtype.get(Tensor, None) if isinstance(self.dtype, dict) else self.dtype
        if dtype is None or not isinstance(img, Tensor):
            return img
        if self.scale:
            return convert_image_dtype(img, dtype)
        return _wrap(np.asarray(img._data, dtype=dtype.np))

    def extra_repr(self) -> str:
        return f"dtype={self.dtype}, scale={self.scale}"


class ToPureTensor(_Transform):
    def forward(self, img):
        return img
