"""grid_sample's kernel (the rest of this file moved to the op families activation, dropout, embedding,
linear, distance, loss, ctc and recurrent).
"""
from __future__ import annotations

import numpy as np

from ._base import Op, is_array as _nd
from .activation import _tensor_grad_unsupported


# ---- grid_sample (spatial transformer) -----------------------------------------------------------------

def _gs_unnormalize(c, size, align_corners):
    # [-1, 1] -> pixel coordinates; returns (coords, d coords / d normalized)
    # the same operation order as torch, so points on a border land exactly where torch's do
    if align_corners:
        return ((c + 1) / 2) * (size - 1), (size - 1) / 2
    return ((c + 1) * size - 1) / 2, size / 2


def _gs_reflect(c, lo2, hi2):
    # reflect c into [lo2/2, hi2/2]; returns (coords, d out / d in = +-1)
    if lo2 == hi2:
        return np.zeros_like(c), np.zeros_like(c)
    mn = lo2 / 2
    span = (hi2 - lo2) / 2
    x = c - mn
    sign = np.where(x < 0, -1.0, 1.0).astype(c.dtype)
    x = np.abs(x)
    flips = np.floor(x / span)
    extra = x - flips * span
    even = (flips % 2) == 0
    out = np.where(even, extra + mn, span - extra + mn)
    d = np.where(even, sign, -sign)
    return out.astype(c.dtype, copy=False), d


def _gs_coords(c, size, padding_mode, align_corners):
    """Pixel coordinates for one axis after padding-mode handling, and d coords / d grid."""
    x, scale = _gs_unnormalize(c, size, align_corners)
    d = np.full_like(x, scale)
    if padding_mode == "border":
        inside = (x > 0) & (x < size - 1)     # torch: the borders themselves get no gradient
        x = np.clip(x, 0, size - 1)
        d = d * inside
    elif padding_mode == "reflection":
        if align_corners:
            x, dr = _gs_reflect(x, 0, 2 * (size - 1))
        else:
            x, dr = _gs_reflect(x, -1, 2 * size - 1)
        d = d * dr
        inside = (x > 0) & (x < size - 1)     # torch: the borders themselves get no gradient
        x = np.clip(x, 0, size - 1)
        d = d * inside
    return x, d


class GridSample2d(Op):
    """out[n, c, i, j] = input[n, c] sampled at grid[n, i, j] = (x, y) in [-1, 1] (bilinear or nearest)."""
    saves = ("x0", "x1", "c")
    bw_name = "GridSampler2DBackward0"

    @staticmethod
    def _corners(shape, gx, gy, mode, padding_mode, align_corners):
        N, C, H, W = shape
        x, dx = _gs_coords(gx, W, padding_mode, align_corners)
        y, dy = _gs_coords(gy, H, padding_mode, align_corners)
        if mode == "nearest":
            xs, ys = np.rint(x), np.rint(y)
            corners = [(ys, xs, np.ones_like(x))]
            return corners, None
        x0, y0 = np.floor(x), np.floor(y)
        wx1, wy1 = x - x0, y - y0
        wx0, wy0 = 1 - wx1, 1 - wy1
        corners = [(y0, x0, wy0 * wx0), (y0, x0 + 1, wy0 * wx1), (y0 + 1, x0, wy1 * wx0), (y0 + 1, x0 + 1, wy1 * wx1)]
        # d weight / d x and d weight / d y of each corner
        dw = [(-wx0, -wy0), (-wx1, wy0), (wx0, -wy1), (wx1, wy1)]     # (d w / d y, d w / d x) per corner
        return corners, (dw, dx, dy)

    @staticmethod
    def _gather(inp, yy, xx):
        N, C, H, W = inp.shape
        valid = (xx >= 0) & (xx <= W - 1) & (yy >= 0) & (yy <= H - 1)
        idx = (np.clip(yy, 0, H - 1) * W + np.clip(xx, 0, W - 1)).astype(np.intp)       # (N, Ho, Wo)
        flat = inp.reshape(N, C, H * W)
        v = np.take_along_axis(flat, idx.reshape(N, 1, -1), axis=2).reshape((N, C) + idx.shape[1:])
        return v, valid, idx

    @staticmethod
    def forward(inp, grid, mode, padding_mode, align_corners):
        gx, gy = grid[..., 0], grid[..., 1]
        corners, _ = GridSample2d._corners(inp.shape, gx, gy, mode, padding_mode, align_corners)
        out = None
        for yy, xx, w in corners:
            v, valid, _ = GridSample2d._gather(inp, yy, xx)
            term = v * (w * valid)[:, None].astype(inp.dtype, copy=False)
            out = term if out is None else out + term
        return out.astype(inp.dtype, copy=False), (inp, grid, (mode, padding_mode, align_corners))

    @staticmethod
    def backward(saved, g, needs):
        inp, grid, (mode, padding_mode, align_corners) = saved
        if not _nd(g):
            _tensor_grad_unsupported("grid_sample")
        N, C, H, W = inp.shape
        gx, gy = grid[..., 0], grid[..., 1]
        corners, deriv = GridSample2d._corners(inp.shape, gx, gy, mode, padding_mode, align_corners)
        gi = np.zeros((N * H * W, C), inp.dtype) if needs[0] else None
        ggx = np.zeros(gx.shape, inp.dtype) if needs[1] and deriv is not None else None
        ggy = np.zeros(gy.shape, inp.dtype) if ggx is not None else None
        base = (np.arange(N) * (H * W)).reshape(N, 1, 1)
        for k, (yy, xx, w) in enumerate(corners):
            v, valid, idx = GridSample2d._gather(inp, yy, xx)
            if gi is not None:
                vals = g * (w * valid)[:, None]                      # (N, C, Ho, Wo)
                np.add.at(gi, (idx + base).reshape(-1), vals.transpose(0, 2, 3, 1).reshape(-1, C))
            if ggx is not None:
                s = (g * v).sum(1) * valid                           # (N, Ho, Wo)
                dwy, dwx = deriv[0][k]
                ggx += s * dwx
                ggy += s * dwy
        ginp = gi.reshape(N, H, W, C).transpose(0, 3, 1, 2) if gi is not None else None
        ggrid = None
        if needs[1]:
            if ggx is None:
                ggrid = np.zeros(grid.shape, grid.dtype)
            else:
                ggrid = np.stack([ggx * deriv[1], ggy * deriv[2]], axis=-1).astype(grid.dtype, copy=False)
        return ginp, ggrid
