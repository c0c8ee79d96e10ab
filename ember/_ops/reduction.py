"""Reduction kernels. `axes` arrive normalised (a tuple of non-negative ints, or None for all)."""
from __future__ import annotations

import numpy as np

from ._base import Op, b_broadcast_to, b_unsqueeze_like


class Sum(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, axes, keepdim, np_dtype=None):
        out = x.sum(axis=axes, keepdims=keepdim, dtype=np_dtype)
        return out, (x.shape, axes, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        shape, axes, keepdim = saved
        if not keepdim:
            g = b_unsqueeze_like(g, shape, axes)
        return (b_broadcast_to(g, shape),)


class Mean(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, axes, keepdim, np_dtype=None):
        out = x.mean(axis=axes, keepdims=keepdim, dtype=np_dtype)
        if out.dtype != x.dtype and np_dtype is None:
            out = out.astype(x.dtype)
        return out, (x.shape, axes, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        shape, axes, keepdim = saved
        if axes is None:
            n = 1
            for s in shape:
                n *= s
        else:
            n = 1
            for a in axes:
                n *= shape[a]
        if not keepdim:
            g = b_unsqueeze_like(g, shape, axes)
        return (b_broadcast_to(g / n if n else g * np.nan, shape),)
