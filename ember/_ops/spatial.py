"""Padding and resampling: pad, interpolate/upsample*, pixel_shuffle/unshuffle, unfold/fold (the public
im2col), affine_grid and grid_sample. Kernels, the `torch.nn.functional` functions and their checks.

Pads by reflection, replication or wrapping, nearest/linear/cubic interpolation and adaptive
average pooling are one separable kernel, AxisMaps: along each axis, a gather by index or a small
matrix product; its gradient applies the transposes (NOTE [ Adjoint ops ] in conv.py). The sliding
window helpers (`_pad_fill`, `_offsets`) serve unfold/fold (the pools have N-d ones).
Pools and unfold take cfg = (kh, kw, sh, sw, pt, pb, pl, pr, dh, dw) and the output size.
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _dtype as D
from .._tensor_base import _apply, _unary, _wrap
from ._base import Op, b_matmul, b_transpose, is_array
from .conv import _check_float, _tup

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "unfold", "fold", "affine_grid", "grid_sample"]


# ---- kernels ---------------------------------------------------------------------------------

def _like_layout(shape, like, fill):
    """An array of NCHW `shape` filled with `fill` (uninitialised for None), channels-last in memory
    if `like` is."""
    make = np.empty if fill is None else (np.zeros if fill == 0 else lambda s, d: np.full(s, fill, d))
    if like.ndim == 4 and not like.flags.c_contiguous and like.transpose(0, 2, 3, 1).flags.c_contiguous:
        N, C, H, W = shape
        return make((N, H, W, C), like.dtype).transpose(0, 3, 1, 2)
    return make(shape, like.dtype)


def _pad_fill(x, pt, pb, pl, pr, fill):
    if not (pt or pb or pl or pr):
        return x
    N, C, H, W = x.shape
    xp = _like_layout((N, C, H + pt + pb, W + pl + pr), x, fill)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    return xp


def _offsets(cfg, osz):
    """(slice_h, slice_w) of the padded input seen by each kernel offset, in row-major order."""
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    OH, OW = osz
    he, we = sh * (OH - 1) + 1, sw * (OW - 1) + 1
    return [(slice(i * dh, i * dh + he, sh), slice(j * dw, j * dw + we, sw))
            for i in range(kh) for j in range(kw)]


def unfold_forward(x, cfg, osz):
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    xp = _pad_fill(x, pt, pb, pl, pr, 0)
    xp = np.ascontiguousarray(xp)
    N, C = x.shape[0], x.shape[1]
    OH, OW = osz
    s0, s1, s2, s3 = xp.strides
    win = as_strided(xp, (N, C, kh, kw, OH, OW), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw))
    return win.reshape(N, C * kh * kw, OH * OW)


def fold_forward(cols, cfg, osz, out_hw):
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    N = cols.shape[0]
    C = cols.shape[1] // (kh * kw)
    H, W = out_hw
    OH, OW = osz
    c6 = cols.reshape(N, C, kh, kw, OH, OW)
    out = np.zeros((N, C, H + pt + pb, W + pl + pr), cols.dtype)
    for k, (a, b) in enumerate(_offsets(cfg, osz)):
        out[:, :, a, b] += c6[:, :, k // kw, k % kw]
    return out[:, :, pt:pt + H, pl:pl + W]


class Im2col(Op):
    saves = ("c", "c", "c")
    bw_name = "Im2ColBackward0"

    @staticmethod
    def forward(x, cfg, osz):
        return unfold_forward(x, cfg, osz), (cfg, osz, (x.shape[2], x.shape[3]))

    @staticmethod
    def backward(saved, g, needs):
        cfg, osz, hw = saved
        if not is_array(g):
            return (_apply(Fold, (g,), cfg, osz, hw),)
        return (fold_forward(g, cfg, osz, hw),)


class Fold(Op):
    saves = ("c", "c")
    bw_name = "Col2ImBackward0"

    @staticmethod
    def forward(cols, cfg, osz, out_hw):
        return np.ascontiguousarray(fold_forward(cols, cfg, osz, out_hw)), (cfg, osz)

    @staticmethod
    def backward(saved, g, needs):
        cfg, osz = saved
        if not is_array(g):
            return (_apply(Im2col, (g,), cfg, osz),)
        return (unfold_forward(g, cfg, osz),)


def _crop_pad_slices(shape, pads):
    """pads: ((lo, hi), ...) for the last len(pads) dims; negative values crop."""
    lead = len(shape) - len(pads)
    src, dst, out_shape = [slice(None)] * lead, [slice(None)] * lead, list(shape[:lead])
    for (lo, hi), n in zip(pads, shape[lead:]):
        m = n + lo + hi
        out_shape.append(m)
        src.append(slice(max(-lo, 0), n - max(-hi, 0)))
        dst.append(slice(max(lo, 0), m - max(hi, 0)))
    return tuple(src), tuple(dst), tuple(out_shape)


class PadConstant(Op):
    saves = ("c",)
    bw_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(x, pads, value):
        src, dst, shape = _crop_pad_slices(x.shape, pads)
        out = np.full(shape, value, x.dtype)
        out[dst] = x[src]
        return out, (pads,)

    @staticmethod
    def backward(saved, g, needs):
        neg = tuple((-lo, -hi) for lo, hi in saved[0])
        if not is_array(g):
            return (_unary(PadConstant, g, neg, 0),)
        return (PadConstant.forward(g, neg, 0)[0],)


def _apply_map(x, axis, m):
    """Apply along `axis` either an index map (ints: gather) or a matrix (out, in)."""
    if m.dtype.kind == "i":
        return np.take(x, m, axis=axis)
    xm = np.moveaxis(x, axis, -1)
    return np.moveaxis(np.matmul(xm, m.T.astype(x.dtype, copy=False)), -1, axis)


def _map_matrix(m, n):
    if m.dtype.kind != "i":
        return m
    p = np.zeros((m.shape[0], n), np.float64)
    p[np.arange(m.shape[0]), m] = 1
    return p


class AxisMaps(Op):
    """Separable linear resampling: along each listed axis, gather by index (pads by reflection,
    replication or wrapping; nearest interpolation) or multiply by a small matrix (linear
    interpolation, adaptive average pooling). The gradient applies the transposes."""
    saves = ("c", "c")
    bw_name = "UpsampleBackward0"

    @staticmethod
    def forward(x, maps):
        # half precision is summed in float32 and rounded once, like torch's half kernels
        out = x.astype(np.float32) if x.dtype == np.float16 else x
        for axis, m in maps:
            out = _apply_map(out, axis, m)
        return np.ascontiguousarray(out, dtype=x.dtype if x.dtype.kind == "f" else None), (maps, x.shape)

    @staticmethod
    def backward(saved, g, needs):
        maps, shape = saved
        for axis, m in reversed(maps):
            mt = _map_matrix(m, shape[axis])
            if not is_array(g):
                nd = g.ndim
                perm = list(range(nd))
                perm[axis], perm[-1] = perm[-1], perm[axis]
                perm = tuple(perm)
                g = b_transpose(b_matmul(b_transpose(g, perm), mt.astype(g._data.dtype)), perm)
            else:
                g = np.moveaxis(np.matmul(np.moveaxis(g, axis, -1), mt.astype(g.dtype, copy=False)), -1, axis)
        return (g,)


class ReflectionPad1D(AxisMaps):
    """`F.pad(mode="reflect")` of the last dim: AxisMaps's gather under torch's node name. torch's backward
    takes the input, so under create_graph the gradient stays in the graph (`grad_uses_inputs`)."""
    grad_uses_inputs = True


class ReflectionPad2D(ReflectionPad1D):
    pass


class ReflectionPad3D(ReflectionPad1D):
    pass


class ReplicationPad1D(ReflectionPad1D):
    pass


class ReplicationPad2D(ReflectionPad1D):
    pass


class ReplicationPad3D(ReflectionPad1D):
    pass


_PAD_KERNELS = {("reflect", 1): ReflectionPad1D, ("reflect", 2): ReflectionPad2D, ("reflect", 3): ReflectionPad3D,
                ("replicate", 1): ReplicationPad1D, ("replicate", 2): ReplicationPad2D,
                ("replicate", 3): ReplicationPad3D}


def pad_index(n, lo, hi, mode):
    """Source index of each output position along one axis for reflect/replicate/circular pads."""
    if mode == "circular":
        # torch crops the negative sides first, then wraps around what is left
        start, m = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        return start + np.mod(np.arange(-max(lo, 0), m + max(hi, 0)), m)
    i = np.arange(-lo, n + hi)       # negative pads crop: positions relative to the uncropped input
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    # reflect (edge not repeated); pads are < n, so one fold suffices
    i = np.abs(i)
    return np.where(i > n - 1, 2 * (n - 1) - i, i)


def interp_map(n_in, n_out, mode, align_corners, scale, dt=np.float32):
    """Index map (nearest) or (n_out, n_in) weight matrix (linear, cubic) for one axis; `scale` is the
    user's scale_factor when it sets the sampling step, else None. Coordinates and weights are computed in
    the float dtype `dt` of the input, as torch does (exact in float64, torch's roundings in float32)."""
    if mode == "nearest" and n_out == 2 * n_in:     # torch's shortcut, whatever the scale
        return np.arange(n_out) // 2
    if mode in ("nearest", "nearest-exact"):       # torch computes nearest indices in float32 for every dtype
        o = np.arange(n_out, dtype=np.float32)
        step = np.float32(1.0 / scale) if scale else np.float32(n_in / n_out)
        src = np.floor((o + 0.5) * step) if mode == "nearest-exact" else np.floor(o * step)
        return np.minimum(src.astype(np.int64), n_in - 1)
    t = np.dtype(dt).type
    o = np.arange(n_out, dtype=dt)
    if mode == "cubic":
        return _cubic_matrix(n_in, n_out, align_corners, scale, o, t)
    if align_corners:
        src = o * (t(n_in - 1) / t(n_out - 1)) if n_out > 1 else np.zeros_like(o)
    else:
        src = np.maximum((o + t(0.5)) * _step(n_in, n_out, scale, t) - t(0.5), t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0.astype(dt)
    m = np.zeros((n_out, n_in), dt)
    r = np.arange(n_out)
    np.add.at(m, (r, i0), t(1) - lam)
    np.add.at(m, (r, i1), lam)
    return m


def _step(n_in, n_out, scale, t):
    """torch's source step per output index: 1 / scale_factor when one is given, else n_in / n_out (in `t`)."""
    return t(1.0 / scale) if scale else t(n_in) / t(n_out)


def _cubic_matrix(n_in, n_out, align_corners, scale, o, t):
    """torch's bicubic (Keys, A = -0.75) weights for one axis; taps outside are clamped to the edge."""
    if align_corners:
        src = o * (t(n_in - 1) / t(n_out - 1)) if n_out > 1 else np.zeros_like(o)
    else:
        src = (o + t(0.5)) * _step(n_in, n_out, scale, t) - t(0.5)     # not clamped at 0 for cubic (as torch)
    i0 = np.floor(src)
    d = src - i0
    A = t(-0.75)

    def near(u):   # |u| <= 1
        return ((A + 2) * u - (A + 3)) * u * u + 1

    def far(u):    # 1 < |u| < 2
        return ((A * u - 5 * A) * u + 8 * A) * u - 4 * A

    w = np.stack([far(d + t(1)), near(d), near(t(1) - d), far(t(2) - d)], axis=1)
    idx = np.clip(i0.astype(np.int64)[:, None] + np.arange(-1, 3), 0, n_in - 1)
    m = np.zeros((n_out, n_in), o.dtype)
    np.add.at(m, (np.repeat(np.arange(n_out), 4), idx.ravel()), w.ravel())
    return m


def _keys(d, A):
    """Keys' cubic convolution kernel with parameter A at distances d (|d| < 2; 0 beyond)."""
    d = np.abs(d)
    near = ((A + 2) * d - (A + 3)) * d * d + 1
    far = ((A * d - 5 * A) * d + 8 * A) * d - 4 * A
    return np.where(d <= 1, near, np.where(d < 2, far, 0)).astype(d.dtype, copy=False)


def antialias_matrix(n_in, n_out, cubic, align_corners, scale, dt):
    """(n_out, n_in) weights of torch's antialiased resampling along one axis (PIL's scheme): when shrinking,
    the triangle (bilinear) or Keys A = -0.5 (bicubic) filter is stretched by the scale, and each row's taps
    are renormalised to sum to 1. Computed in `dt` with torch's roundings."""
    t = np.dtype(dt).type
    if align_corners:
        sc = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
    else:
        sc = _step(n_in, n_out, scale, t)
    half = 2.0 if cubic else 1.0
    support = t(half * sc) if sc >= 1.0 else t(half)
    inv = t(1.0 / sc) if sc >= 1.0 else t(1)
    taps = math.ceil(support) * 2 + 1
    center = (np.float64(sc) * (np.arange(n_out) + 0.5)).astype(dt)
    lo = np.maximum(np.trunc((center - support).astype(np.float64) + 0.5).astype(np.int64), 0)
    hi = np.minimum(np.trunc((center + support).astype(np.float64) + 0.5).astype(np.int64), n_in)
    size = np.clip(hi - lo, 0, taps)
    j = np.arange(taps)
    idx = lo[:, None] + j                                             # (n_out, taps)
    x = ((idx.astype(dt) - center[:, None]).astype(np.float64) + 0.5) * np.float64(inv)
    x = np.abs(x.astype(dt))
    w = _keys(x, t(-0.5)) if cubic else np.maximum(t(1) - x, t(0)).astype(dt)
    w = np.where(j < size[:, None], w, t(0))
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, t(1)), w)
    m = np.zeros((n_out, n_in), dt)
    keep = j < size[:, None]
    np.add.at(m, (np.broadcast_to(np.arange(n_out)[:, None], idx.shape)[keep], idx[keep]), w[keep])
    return m


def adaptive_avg_matrix(n, o):
    i = np.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    j = np.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return inside / (end - start)[:, None]


# grid_sample (spatial transformer)

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


def _gs_tap(c, size, padding_mode, align_corners):
    """An integer tap coordinate of bicubic sampling under the padding mode (torch pads taps, not points)."""
    if padding_mode == "border":
        return np.clip(c, 0, size - 1)
    if padding_mode == "reflection":
        c = _gs_reflect(c, 0, 2 * (size - 1))[0] if align_corners else _gs_reflect(c, -1, 2 * size - 1)[0]
        return np.clip(c, 0, size - 1)
    return c


def _keys_grad(d, A):
    """d/dd of Keys' kernel at distances d >= 0 (d < 2)."""
    near = (3 * (A + 2) * d - 2 * (A + 3)) * d
    far = (3 * A * d - 10 * A) * d + 8 * A
    return np.where(d <= 1, near, far).astype(d.dtype, copy=False)


class GridSample2d(Op):
    """out[n, c, i, j] = input[n, c] sampled at grid[n, i, j] = (x, y) in [-1, 1] (bilinear, nearest or
    bicubic); GridSample3d samples (N, C, D, H, W) volumes at (x, y, z) (bilinear or nearest)."""
    saves = ("x0", "x1", "c")
    bw_name = "GridSampler2DBackward0"

    @staticmethod
    def _taps(spatial, grid, mode, padding_mode, align_corners):
        """Per input spatial axis: its taps [(coordinate, weight, d weight / d coordinate)] and d coordinate /
        d grid. grid[..., 0] addresses the last axis (x), grid[..., 1] the one before (y), ..."""
        nd = len(spatial)
        axes = []
        for a, size in enumerate(spatial):
            g = grid[..., nd - 1 - a]
            if mode == "bicubic":
                x, scale = _gs_unnormalize(g, size, align_corners)
                x0 = np.floor(x)
                t = x - x0
                one, two, A = g.dtype.type(1), g.dtype.type(2), g.dtype.type(-0.75)
                dist = [t + one, t, one - t, two - t]
                sign = [1, 1, -1, -1]
                taps = [(_gs_tap(x0 + (k - 1), size, padding_mode, align_corners), _keys(dist[k], A),
                         sign[k] * _keys_grad(dist[k], A)) for k in range(4)]
                axes.append((taps, np.full_like(x, scale)))
                continue
            x, d = _gs_coords(g, size, padding_mode, align_corners)
            if mode == "nearest":
                axes.append(([(np.rint(x), 1, None)], None))
                continue
            x0 = np.floor(x)
            w1 = x - x0
            axes.append(([(x0, 1 - w1, -1), (x0 + 1, w1, 1)], d))
        return axes

    @staticmethod
    def _corners(axes, derivs=False):
        """Every combination of one tap per axis: (coordinates, weight, [d weight / d coordinate per axis] when
        `derivs`)."""
        out = []
        for combo in itertools.product(*[taps for taps, _ in axes]):
            w = combo[0][1]
            for _, wk, _ in combo[1:]:
                w = w * wk
            dws = None
            if derivs and combo[0][2] is not None:
                dws = []
                for a in range(len(combo)):
                    others = [wk for b, (_, wk, _) in enumerate(combo) if b != a]
                    dw = combo[a][2]
                    if type(dw) is int:            # bilinear: d weight / d coordinate is +-1
                        dw = others[0] if dw == 1 else -others[0]
                        others = others[1:]
                    for wk in others:
                        dw = dw * wk
                    dws.append(dw)
            out.append(([c for c, _, _ in combo], w, dws))
        return out

    @staticmethod
    def _gather(inp, coords):
        N, C = inp.shape[:2]
        spatial = inp.shape[2:]
        valid = flat = None
        for c, size in zip(coords, spatial):
            ok = (c >= 0) & (c <= size - 1)
            valid = ok if valid is None else valid & ok
            c = np.clip(c, 0, size - 1)
            flat = c if flat is None else flat * size + c
        flat = flat.astype(np.intp)
        v = np.take_along_axis(inp.reshape(N, C, -1), flat.reshape(N, 1, -1), axis=2).reshape((N, C) + flat.shape[1:])
        return v, valid, flat

    @staticmethod
    def forward(inp, grid, mode, padding_mode, align_corners):
        axes = GridSample2d._taps(inp.shape[2:], grid, mode, padding_mode, align_corners)
        out = None
        for coords, w, _ in GridSample2d._corners(axes):
            v, valid, _ = GridSample2d._gather(inp, coords)
            term = v * (w * valid)[:, None].astype(inp.dtype, copy=False)
            out = term if out is None else out + term
        return out.astype(inp.dtype, copy=False), (inp, grid, (mode, padding_mode, align_corners))

    @staticmethod
    def backward(saved, g, needs):
        inp, grid, (mode, padding_mode, align_corners) = saved
        if not is_array(g):
            raise NotImplementedError("ember: double backward (create_graph=True) through grid_sample is not "
                                      "implemented")
        N, C = inp.shape[:2]
        spatial = inp.shape[2:]
        nd = len(spatial)
        P = int(np.prod(spatial))
        axes = GridSample2d._taps(spatial, grid, mode, padding_mode, align_corners)
        smooth = needs[1] and mode != "nearest"
        gi = np.zeros((N * P, C), inp.dtype) if needs[0] else None
        gg = [np.zeros(grid.shape[:-1], inp.dtype) for _ in range(nd)] if smooth else None
        base = (np.arange(N) * P).reshape((N,) + (1,) * nd)
        gl = np.moveaxis(g, 1, -1).reshape(-1, C) if gi is not None else None
        for coords, w, dws in GridSample2d._corners(axes, smooth):
            v, valid, flat = GridSample2d._gather(inp, coords)
            if gi is not None:
                np.add.at(gi, (flat + base).reshape(-1), gl * (w * valid).reshape(-1, 1).astype(inp.dtype))
            if smooth:
                s = (g * v).sum(1) * valid
                for a in range(nd):
                    gg[a] += s * dws[a]
        ginp = np.moveaxis(gi.reshape((N,) + tuple(spatial) + (C,)), -1, 1) if gi is not None else None
        ggrid = None
        if needs[1]:
            if not smooth:
                ggrid = np.zeros(grid.shape, grid.dtype)
            else:
                ggrid = np.stack([gg[a] * axes[a][1] for a in range(nd - 1, -1, -1)], axis=-1)
                ggrid = ggrid.astype(grid.dtype, copy=False)
        return ginp, ggrid


class GridSample3d(GridSample2d):
    bw_name = "GridSampler3DBackward0"


# ---- public functions ------------------------------------------------------------------------

def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims (last dim first); constant pads may be negative (crop).
    Matches `torch.nn.functional.pad`."""
    if not isinstance(pad, (tuple, list)) and not hasattr(pad, "_data"):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    for i, p in enumerate(pad):
        if not isinstance(p, (int, np.integer)) and not (hasattr(p, "_data") and p._data.dtype.kind in "iu"):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of "
                            f"type {type(p).__name__} at pos {i}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    nd = input._data.ndim
    if n > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {nd}")
    pads = tuple((pad[2 * i], pad[2 * i + 1]) for i in range(n))[::-1]     # outermost padded dim first
    if mode == "constant":
        shape = input.shape
        for (lo, hi), s in zip(pads, shape[nd - n:]):
            if s + min(lo, 0) + min(hi, 0) < 0:      # torch crops first (narrow), then pads
                raise RuntimeError("narrow(): length must be non-negative.")
            if s + lo + hi < 0:
                raise RuntimeError(f"The input size {s}, plus negative padding {lo} and {hi} resulted in a negative "
                                   f"output size, which is invalid. Check dimension {nd - n} of your input.")
        return _unary(PadConstant, input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not ((n == 1 and nd in (2, 3)) or (n == 2 and nd in (3, 4)) or (n == 3 and nd in (4, 5))):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            "padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    maps = []
    for i, (lo, hi) in enumerate(pads):
        axis = nd - n + i
        s = input.shape[axis]
        if mode == "reflect" and (lo >= s or hi >= s):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {axis} of input {list(input.shape)}")
        if mode != "circular" and (lo < 0 or hi < 0) and s + lo + hi <= 0:
            raise RuntimeError(f"input (W: {s}) is too small. Calculated output W: {s + lo + hi}")
        if mode == "circular" and s + lo + hi < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
        if mode == "circular" and s + min(lo, 0) + min(hi, 0) <= 0:
            maps.append((axis, np.zeros(0, np.int64)))      # cropped away entirely: empty, as in torch
            continue
        if mode == "circular" and (lo > s + min(hi, 0) or hi > s + min(lo, 0)):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and s == 0:
            raise RuntimeError(f"Expected input to have non-zero size for dimension {axis}")
        if lo or hi:      # a negative pad crops that side (as in torch)
            maps.append((axis, pad_index(s, lo, hi, mode)))
    if not maps:
        return input * 1 if input._rg else _wrap(input._data.copy())
    return _unary(_PAD_KERNELS.get((mode, n), AxisMaps), input, tuple(maps))


_INTERP_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _check_interp_dtype(dt, mode, nd):
    """torch's interpolation kernels for integer input: uint8 takes nearest, nearest-exact and bilinear (and
    bicubic, which ember does not implement for uint8); the rest is torch's NotImplementedError."""
    name = D.scalar_type_name(dt)
    if dt == np.uint8 and mode in ("nearest", "nearest-exact", "bilinear"):
        return
    if dt == np.uint8 and mode == "bicubic":
        raise NotImplementedError("ember: interpolate(mode='bicubic') on uint8 input is not implemented "
                                  "(torch's fixed-point uint8 kernel); convert the input to float first")
    if mode in ("nearest", "nearest-exact"):
        if nd != 2:
            return
        fn = "upsample_nearest2d_channels_last"
    elif mode == "bilinear":
        fn = "upsample_bilinear2d_channels_last"
    elif mode == "bicubic":
        fn = "compute_indices_weights_cubic"
    elif mode == "area":
        fn = f"adaptive_avg_pool{nd}d"
    else:
        fn = "compute_indices_weights_linear"
    raise NotImplementedError(f"\"{fn}\" not implemented for '{name}'")


def _bilinear_taps(n, o, scale, delta):
    """(o, n) weights of torch's separable uint8 bilinear kernel (at most 3 taps per output)."""
    center = scale * (np.arange(o) + 0.5 - delta)
    lo = np.maximum((center - 0.5 + delta).astype(np.int64), 0)      # torch's int() truncation
    size = np.clip(np.minimum((center + 1.5 + delta).astype(np.int64), n) - lo, 0, 3)
    w = np.zeros((o, n))
    for j in range(3):
        pos = lo + j
        tap = np.maximum(1.0 - np.abs(pos - center + 0.5 - delta), 0.0) * (j < size)
        np.add.at(w, (np.arange(o), np.minimum(pos, n - 1)), tap)
    return w


def _bilinear_uint8(x, out, align_corners, scales, antialias):
    """Bilinear resampling of uint8 images as torch computes it: per axis (the last one first) the
    interpolation weights (antialiased: `antialias_matrix`'s) are normalised, scaled to 16-bit integers with
    as many fraction bits as fit, and each output is the rounded fixed-point sum clamped to [0, 255]."""
    y = x.astype(np.int64)
    for axis in (3, 2):
        n, o = y.shape[axis], out[axis - 2]
        if n == o:
            continue
        if antialias:
            w = antialias_matrix(n, o, False, align_corners, scales[axis - 2], np.float64)
        elif align_corners:
            w = _bilinear_taps(n, o, (n - 1) / (o - 1) if o > 1 else 0.0, 0.5)
        else:
            s = scales[axis - 2]
            w = _bilinear_taps(n, o, 1.0 / s if s else n / o, 0.0)
        total = w.sum(1, keepdims=True)
        w = np.divide(w, total, out=np.zeros_like(w), where=total != 0)
        bits = 0
        while bits < 22 and int(0.5 + w.max() * (1 << (bits + 1))) < (1 << 15):
            bits += 1
        v = w * (1 << bits)
        wi = np.where(v < 0, v - 0.5, v + 0.5).astype(np.int16).astype(np.int64)
        r = np.moveaxis(y, axis, -1) @ wi.T
        y = np.moveaxis(np.clip((r + (1 << (bits - 1))) >> bits, 0, 255), -1, axis)
    return y.astype(np.uint8)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample the spatial dims: modes nearest, nearest-exact, linear, bilinear, bicubic (with
    align_corners, and antialias for bilinear/bicubic), area. Matches `torch.nn.functional.interpolate`."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif mode in _INTERP_DIMS:
        if align_corners is None:
            align_corners = False
    else:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input._data.ndim}D) for the modes: nearest | linear | bilinear | bicubic | "
                                  f"trilinear | area | nearest-exact (got {mode})")
    nd = input._data.ndim - 2
    if antialias and not (mode in ("bilinear", "bicubic") and nd == 2):
        raise ValueError(f"Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor "
                         f"as input (got mode={mode!r} and a {input._data.ndim}-D input)")
    if nd < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input._data.ndim}D) for the "
                         f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
                         f"(got {mode})")
    if mode in _INTERP_DIMS and _INTERP_DIMS[mode] != nd:
        raise NotImplementedError(f"Got {input._data.ndim}D input, but {mode} mode needs {_INTERP_DIMS[mode] + 2}D "
                                  f"input")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    sp = tuple(input.shape[2:])
    scales = [None] * nd
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(sp)} and output size of {list(size)}. Please "
                                 f"provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                                 f"...,oK) format.")
            out = tuple(int(s) for s in size)
        else:
            out = (int(size),) * nd
    elif scale_factor is not None:
        sf = tuple(float(s) for s in scale_factor) if isinstance(scale_factor, (list, tuple)) else \
            (float(scale_factor),) * nd
        if len(sf) != nd:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(sp)} and scale_factor of shape {list(sf)}. Please "
                             f"provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, "
                             f"...,sK) format.")
        out = tuple(int(math.floor(n * s)) for n, s in zip(sp, sf))
        if not recompute_scale_factor:
            scales = list(sf)
    else:
        raise ValueError("either size or scale_factor should be defined")
    if min(out) <= 0 and mode != "area":      # area (adaptive average pooling) allows empty outputs
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({', '.join(map(str, sp))}) "
                           f"and output ({', '.join(map(str, out))})")
    if input._data.dtype.kind != "f":
        _check_interp_dtype(input._data.dtype, mode, nd)
        if mode == "bilinear":
            return _wrap(_bilinear_uint8(input._data, out, align_corners, scales, antialias))
    maps = []
    dt = input._data.dtype      # coordinates in the input's precision (float32 for half and integer inputs)
    dt = dt if dt == np.float64 else np.dtype(np.float32)
    for i, (n, o) in enumerate(zip(sp, out)):
        if mode == "area":
            maps.append((2 + i, adaptive_avg_matrix(n, o)))
        elif n == o and (scales[i] in (None, 1.0) or antialias or mode in ("linear", "bilinear", "trilinear")
                         or mode == "nearest" and nd == 2):
            continue        # torch copies a dim of unchanged size in these modes, whatever the scale
        elif antialias:
            maps.append((2 + i, antialias_matrix(n, o, mode == "bicubic", align_corners, scales[i], dt)))
        else:
            kind = mode if mode in ("nearest", "nearest-exact") else ("cubic" if mode == "bicubic" else "linear")
            maps.append((2 + i, interp_map(n, o, kind, align_corners, scales[i], dt)))
    if not maps:
        return input * 1 if input._rg else _wrap(input._data.copy())
    return _unary(AxisMaps, input, tuple(maps))


def _deprecated_upsample(name):
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                  f"instead.", stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated in torch (it warns): `interpolate`. Matches `torch.nn.functional.upsample`."""
    _deprecated_upsample("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    _deprecated_upsample("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    _deprecated_upsample("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _shuffle_factor(input, factor, fname, argname):
    """pixel_(un)shuffle's checks of the input rank and of the factor; the factor as an int."""
    r = int(factor)
    if input._data.ndim < 3:
        raise RuntimeError(f"{fname} expects input to have at least 3 dimensions, but got input with "
                           f"{input._data.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{fname} expects a positive {argname}, but got {r}")
    return r


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r). Matches `torch.nn.functional.pixel_shuffle`."""
    r = _shuffle_factor(input, upscale_factor, "pixel_shuffle", "upscale_factor")
    *lead, C, H, W = input.shape
    if C % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={C} is not divisible by {r * r}")
    nl = len(lead)
    x = input.reshape(*lead, C // (r * r), r, r, H, W)
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 3, 1, 4, 2))
    return x.permute(*perm).reshape(*lead, C // (r * r), H * r, W * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W). Matches `torch.nn.functional.pixel_unshuffle`."""
    r = _shuffle_factor(input, downscale_factor, "pixel_unshuffle", "downscale_factor")
    *lead, C, H, W = input.shape
    if H % r or W % r:
        which, val = ("height", H) if H % r else ("width", W)
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by downscale_factor, but input.size(-"
                           f"{2 if H % r else 1})={val} is not divisible by {r}")
    nl = len(lead)
    x = input.reshape(*lead, C, H // r, r, W // r, r)
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 2, 4, 1, 3))
    return x.permute(*perm).reshape(*lead, C * r * r, H // r, W // r)


def channel_shuffle(input, groups):
    """(N, g*k, *) -> (N, k*g, *): channel i*k+j goes to j*g+i. Matches `torch.nn.functional.channel_shuffle`
    (its gradient shows as view/permute nodes, not torch's single ChannelShuffleBackward0)."""
    shape = input.shape
    if len(shape) < 3:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(shape)}")
    g = int(groups)
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    n, c, rest = shape[0], shape[1], tuple(shape[2:])
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
    return input.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


def _im2col_cfg(kernel_size, dilation, padding, stride):
    ks = _tup(kernel_size, 2, "kernel_size")
    d = _tup(dilation, 2, "dilation")
    p = _tup(padding, 2, "padding")
    s = _tup(stride, 2, "stride")
    if min(ks) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {ks[0]} kernel_width: "
                           f"{ks[1]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} dilation_width: "
                           f"{d[1]}")
    if min(p) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    return ks, d, p, s


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L). Matches `torch.nn.functional.unfold`."""
    if input._data.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input._data.ndim}D)")
    ks, d, p, s = _im2col_cfg(kernel_size, dilation, padding, stride)
    batched = input._data.ndim == 4
    x = input if batched else input.unsqueeze(0)
    H, W = x.shape[2], x.shape[3]
    osz = tuple((n + 2 * a - dd * (k - 1) - 1) // ss + 1 for n, a, dd, k, ss in zip((H, W), p, d, ks, s))
    if min(osz) < 1:
        raise RuntimeError(f"Given input with spatial size ({H}, {W}), kernel_size=({ks[0]}, {ks[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({osz[0]}, {osz[1]}), but its components must be at least one.")
    cfg = (ks[0], ks[1], s[0], s[1], p[0], p[0], p[1], p[1], d[0], d[1])
    out = _unary(Im2col, x, cfg, osz)
    return out if batched else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back into an image (the adjoint of unfold). Matches `torch.nn.functional.fold`."""
    if input._data.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input._data.ndim}D)")
    ks, d, p, s = _im2col_cfg(kernel_size, dilation, padding, stride)
    oh, ow = _tup(output_size, 2, "output_size")
    batched = input._data.ndim == 3
    x = input if batched else input.unsqueeze(0)
    osz = tuple((n + 2 * a - dd * (k - 1) - 1) // ss + 1 for n, a, dd, k, ss in zip((oh, ow), p, d, ks, s))
    if x.shape[1] % (ks[0] * ks[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size=({ks[0]}, {ks[1]})")
    if x.shape[2] != osz[0] * osz[1]:
        raise RuntimeError(f"Given output_size=({oh}, {ow}), kernel_size=({ks[0]}, {ks[1]}), dilation=({d[0]}, {d[1]}),"
                           f" padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's dimension 2 "
                           f"to match the calculated number of sliding blocks {osz[0]} * {osz[1]} = "
                           f"{osz[0] * osz[1]}, but got input.size(2)={x.shape[2]}.")
    cfg = (ks[0], ks[1], s[0], s[1], p[0], p[0], p[1], p[1], d[0], d[1])
    out = _unary(Fold, x, cfg, osz, (oh, ow))
    return out if batched else out.squeeze(0)


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                  "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                  "documentation of grid_sample for details.")


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) of the 2-D affine maps `theta` (N, 2, 3), or (N, D, H, W, 3) of the 3-D maps
    (N, 3, 4) for a 5-D size. Matches `torch.nn.functional.affine_grid`; differentiable in theta."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {list(size)}.")
    k = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (k, k + 1):
        raise ValueError(f"Expected a batch of {k}D affine matrices of shape Nx{k}x{k + 1} for size {list(size)}. "
                         f"Got {list(theta.shape)}.")
    if not (align_corners and min(size[2:]) == 1) and min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, {k + 1}] but "
                           f"got: [{theta.shape[0]}, {k + 1}].")
    spatial = size[2:]
    dt = theta._data.dtype

    def lin(n):
        # torch's linspace (symmetric halves) and its `* (n - 1) / n`, op for op, so that points on the
        # border land exactly where torch's do
        if n <= 1:
            return np.zeros(n, dt)
        step = float(dt.type(2) / dt.type(n - 1))
        i = np.arange(n, dtype=np.float64)      # products exact in float64, one rounding: torch's fused multiply-add
        v = np.where(i < n // 2, -1.0 + i * step, 1.0 - (n - 1 - i) * step).astype(dt)
        return v if align_corners else (v * dt.type(n - 1)) / dt.type(n)
    base = np.empty(spatial + (k + 1,), dt)
    for a, n in enumerate(spatial):             # column 0 is x (the last axis), then y, then z
        base[..., k - 1 - a] = lin(n).reshape((n,) + (1,) * (k - 1 - a))
    base[..., k] = 1
    grid = _wrap(base.reshape(1, -1, k + 1)) @ theta.transpose(1, 2)      # (N, prod(spatial), k)
    return grid.reshape(size[0], *spatial, k)


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros", align_corners=None):
    """Sample `input` (N, C, H, W) at the normalised locations `grid` (N, Ho, Wo, 2), or a volume (N, C, D, H, W)
    at `grid` (N, Do, Ho, Wo, 3). Matches `torch.nn.functional.grid_sample`: modes bilinear, nearest and bicubic
    (4-D only), padding zeros/border/reflection."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    nd = input.ndim
    if nd not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.ndim != nd:
        raise RuntimeError(f"grid_sampler(): expected {nd}D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != nd - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd - 2} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    for d in range(2, nd):
        if input.shape[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {d} being empty")
    if mode == "bicubic" and nd == 5:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    _check_float(input, f"grid_sampler_{nd - 2}d_cpu_kernel_impl")
    if grid._data.dtype != input._data.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    op = GridSample2d if nd == 4 else GridSample3d
    return _apply(op, (input, grid), mode, padding_mode, bool(align_corners))
