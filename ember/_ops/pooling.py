"""Pooling: max, average, power-average (lp) and adaptive pooling in 1-d, 2-d and 3-d, max_unpool, and
the `*_with_indices` forms. Kernels, the `torch.nn.functional` functions and their checks.

Pools take cfg = (kernel, stride, padding before, padding after, dilation), tuples per spatial dim, the
padding after already holding ceil_mode's extra rows, and the output size; 1-d forms run the 2-d
kernels on a height-1 view (as torch, whose 1-d pools' grad_fn is a squeeze). A pool is one strided
slice per kernel offset over the padded input (`_convolve._offsets`), never a loop over pixels. Max
pooling records its gradient as a MaxUnpool scatter; adaptive average pooling is the separable
AxisMaps of spatial.py unless the windows tile the input. The 3-d kernels are the 2-d ones under
torch's 3-d grad_fn names.
"""
from __future__ import annotations

import math

import numpy as np

from .._dtype import scalar_type_name
from .._tensor_base import _apply, _unary, _wrap
from ._base import Op, is_array
from ._convolve import _offsets
from .conv import _tup
from .spatial import AxisMaps, _like_layout, adaptive_avg_matrix

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d"]


# ---- kernels ---------------------------------------------------------------------------------

def _lowest(dt):
    return -np.inf if dt.kind == "f" else (np.iinfo(dt).min if dt.kind in "iu" else False)


def _pad_nd(x, lo, hi, fill):
    """x (N, C, *S) padded by lo/hi per spatial dim with `fill` (x itself without padding)."""
    if not (any(lo) or any(hi)):
        return x
    sp = x.shape[2:]
    xp = _like_layout(x.shape[:2] + tuple(n + a + b for n, a, b in zip(sp, lo, hi)), x, fill)
    xp[(slice(None), slice(None)) + tuple(slice(a, a + n) for a, n in zip(lo, sp))] = x
    return xp


def _inner(lo, sp):
    return (slice(None), slice(None)) + tuple(slice(a, a + n) for a, n in zip(lo, sp))


def max_pool_forward(x, cfg, osz, with_indices=False):
    """cfg = (kernel, stride, pad before, pad after (ceil_mode's overflow included), dilation), tuples
    per spatial dim. Returns (out, flat indices into each input plane or None)."""
    k, st, lo, hi, dil = cfg
    xp = _pad_nd(x, lo, hi, _lowest(x.dtype))
    pre = (slice(None), slice(None))
    out = idx = None
    for n, (_, sl) in enumerate(_offsets(k, st, dil, osz)):
        v = xp[pre + sl]
        if out is None:
            out = v.copy()
            if with_indices:
                idx = np.zeros(out.shape, np.int64)
        elif with_indices:
            upd = (v > out) | (v != v)
            np.copyto(out, v, where=upd)
            np.copyto(idx, n, where=upd)
        else:
            np.maximum(out, v, out=out)
    if not with_indices:
        return out, None
    # window offset n -> flat index into the (unpadded) input plane
    sp = x.shape[2:]
    nd = len(sp)
    parts = np.unravel_index(idx, k)
    flat = 0
    for d in range(nd):
        pos = (np.arange(osz[d]) * st[d] - lo[d]).reshape((-1,) + (1,) * (nd - 1 - d)) + parts[d] * dil[d]
        flat = flat * sp[d] + pos
    return out, flat


def max_pool_backward(x, out, g, cfg, osz):
    k, st, lo, hi, dil = cfg
    xp = _pad_nd(x, lo, hi, _lowest(x.dtype))
    disjoint = all(s >= d * (kk - 1) + 1 for s, d, kk in zip(st, dil, k))
    # windows that tile the padded input exactly write every element: no zero fill needed
    tiles = disjoint and all(d == 1 and s == kk and o * s == n for d, s, kk, o, n in zip(dil, st, k, osz, xp.shape[2:]))
    gxp = _like_layout(xp.shape, g, None if tiles else 0)
    nan = np.isnan(out).any() if out.dtype.kind == "f" else False
    taken = None
    pre = (slice(None), slice(None))
    offs = _offsets(k, st, dil, osz)
    last = len(offs) - 1
    for n, (_, sl) in enumerate(offs):
        v = xp[pre + sl]
        m = v == out
        if nan:
            m |= (v != v) & (out != out)
        if taken is None:
            taken = m
        else:
            np.greater(m, taken, out=m)          # m & ~taken, in place
            if n < last:
                taken |= m
        if disjoint:
            np.multiply(g, m, out=gxp[pre + sl])
        else:
            gxp[pre + sl] += g * m
    return gxp[_inner(lo, x.shape[2:])]


class MaxPool2d(Op):
    """Max pooling over the trailing spatial dims (1-d runs as 2-d, like torch)."""
    grad_uses_inputs = True
    saves = ("x0", "out", "c", "c")
    bw_name = "MaxPool2DWithIndicesBackward0"

    @classmethod
    def forward(cls, x, cfg, osz):
        out, _ = max_pool_forward(x, cfg, osz)
        return out, (x, out, cfg, osz)

    @classmethod
    def backward(cls, saved, g, needs):
        x, out, cfg, osz = saved
        if not is_array(g):
            # the rule is a scatter of g to the argmax positions: record it as MaxUnpool2d
            xa = x._data if hasattr(x, "_data") else x
            idx = max_pool_forward(xa, cfg, osz, with_indices=True)[1]
            return (_apply(MaxUnpool2d, (g,), idx, tuple(xa.shape)),)
        return (max_pool_backward(x, out, g, cfg, osz),)


class MaxPool3d(MaxPool2d):
    bw_name = "MaxPool3DWithIndicesBackward0"


def avg_divisor(sp, cfg, osz, count_include_pad, divisor_override):
    """Per-output divisor: a float, or an array over the output positions where windows differ (torch's
    rules: padding counts when count_include_pad, ceil_mode's overflow never does)."""
    if divisor_override:
        return float(divisor_override)
    k, st, lo, hi, dil = cfg

    def counts(no, kk, s, p, n):
        start = np.arange(no) * s - p
        end = np.minimum(start + kk, n + p)
        if count_include_pad:
            return end - start
        return np.minimum(end, n) - np.maximum(start, 0)

    nd = len(sp)
    d = 1
    for i in range(nd):
        d = d * counts(osz[i], k[i], st[i], lo[i], sp[i]).reshape((-1,) + (1,) * (nd - 1 - i))
    if (d == math.prod(k)).all():
        return float(math.prod(k))
    return d.astype(np.float64)


def avg_pool_forward(x, cfg, osz, div):
    if x.dtype == np.float16:      # summed in float32 and rounded once, like torch's half kernels
        return avg_pool_forward(x.astype(np.float32), cfg, osz, div).astype(np.float16)
    k, st, lo, hi, dil = cfg
    xp = _pad_nd(x, lo, hi, 0)
    out = None
    pre = (slice(None), slice(None))
    for _, sl in _offsets(k, st, dil, osz):
        v = xp[pre + sl]
        if out is None:
            out = v.copy()
        else:
            out += v
    if out.dtype.kind != "f":       # integer pooling truncates like torch's integer division
        return np.trunc(out / div).astype(out.dtype)
    if type(div) is float:
        out *= np.asarray(1.0 / div, out.dtype)
    else:
        out /= div.astype(out.dtype)
    return out


def avg_pool_backward(g, x_shape, cfg, osz, div):
    k, st, lo, hi, dil = cfg
    sp = tuple(x_shape[2:])
    gd = g * np.asarray(1.0 / div, g.dtype) if type(div) is float else g / div.astype(g.dtype)
    disjoint = all(s >= kk for s, kk in zip(st, k))
    padded = tuple(n + a + b for n, a, b in zip(sp, lo, hi))
    tiles = all(s == kk and o * s == n for s, kk, o, n in zip(st, k, osz, padded))
    gxp = _like_layout(tuple(x_shape[:2]) + padded, g, None if tiles else 0)
    pre = (slice(None), slice(None))
    for _, sl in _offsets(k, st, dil, osz):
        if disjoint:
            gxp[pre + sl] = gd
        else:
            gxp[pre + sl] += gd
    return gxp[_inner(lo, sp)]


class AvgPool2d(Op):
    grad_uses_inputs = True
    saves = ("c", "c", "c", "c")
    bw_name = "AvgPool2DBackward0"

    @classmethod
    def forward(cls, x, cfg, osz, div):
        return avg_pool_forward(x, cfg, osz, div), (x.shape, cfg, osz, div)

    @classmethod
    def backward(cls, saved, g, needs):
        x_shape, cfg, osz, div = saved
        if not is_array(g):
            return (_apply(AvgPool2dBackward, (g,), x_shape, cfg, osz, div),)
        return (avg_pool_backward(g, x_shape, cfg, osz, div),)


class AvgPool3d(AvgPool2d):
    bw_name = "AvgPool3DBackward0"


class AvgPool2dBackward(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(g, x_shape, cfg, osz, div):
        return np.ascontiguousarray(avg_pool_backward(g, x_shape, cfg, osz, div)), (cfg, osz, div)

    @staticmethod
    def backward(saved, c, needs):
        cfg, osz, div = saved
        if not is_array(c):
            return (_apply(AvgPool3d if len(osz) == 3 else AvgPool2d, (c,), cfg, osz, div),)
        return (avg_pool_forward(c, cfg, osz, div),)


class AdaptiveMaxPool2d(Op):
    """Variable windows gathered through index arrays (a window is padded by repeating its last
    element, which cannot change a max); the gradient is scattered by flat index."""
    grad_uses_inputs = True
    saves = ("c", "c")
    bw_name = "AdaptiveMaxPool2DBackward0"

    @classmethod
    def forward(cls, x, osz):
        out, idx = adaptive_max_pool(x, osz)
        return out, (x.shape, idx)

    @classmethod
    def backward(cls, saved, g, needs):
        shape, idx = saved
        if not is_array(g):
            return (_apply(MaxUnpool2d, (g,), idx, tuple(shape)),)
        return (MaxUnpool2d.forward(g, idx, tuple(shape))[0],)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    bw_name = "AdaptiveMaxPool3DBackward0"


def _adaptive_windows(n, o):
    i = np.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    k = int((end - start).max())
    win = np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)
    return win, k


def adaptive_max_pool(x, osz):
    N, C = x.shape[:2]
    sp = x.shape[2:]
    nd = len(sp)
    # flat plane index of every (output position, window element): (*osz, prod of window sizes)
    flat = np.zeros((1,) * (2 * nd), np.int64)
    for d in range(nd):
        win, _ = _adaptive_windows(sp[d], osz[d])
        shape = [1] * (2 * nd)
        shape[d], shape[nd + d] = win.shape
        flat = flat * sp[d] + win.reshape(shape)
    flat = flat.reshape(tuple(osz) + (-1,))
    v = x.reshape(N, C, -1)[:, :, flat]                     # (N, C, *osz, window)
    a = np.argmax(v, axis=-1)[..., None]
    if v.dtype.kind == "f":
        nanpos = np.isnan(v)
        if nanpos.any():
            a = np.where(nanpos.any(-1, keepdims=True), np.argmax(nanpos, axis=-1)[..., None], a)
    out = np.take_along_axis(v, a, -1)[..., 0]
    idx = np.take_along_axis(np.broadcast_to(flat, v.shape), a, -1)[..., 0]
    return out, idx


class MaxUnpool2d(Op):
    """Scatter-add of x into zeros of out_shape at flat plane indices idx (also the max pools'
    gradient scatter). Duplicate indices accumulate."""
    saves = ("c",)
    bw_name = "MaxUnpool2DBackward0"

    @classmethod
    def forward(cls, x, idx, out_shape):
        N, C = x.shape[0], x.shape[1]
        plane = int(np.prod(out_shape[2:]))
        out = np.zeros((N * C * plane,), x.dtype)
        base = (np.arange(N * C, dtype=np.int64) * plane).reshape((N, C) + (1,) * (idx.ndim - 2))
        np.add.at(out, (idx + base).ravel(), x.ravel())
        return out.reshape(out_shape), (idx,)

    @classmethod
    def backward(cls, saved, g, needs):
        (idx,) = saved
        if not is_array(g):
            return (_apply(PlaneGather, (g,), idx),)
        return (PlaneGather.forward(g, idx)[0],)


class MaxUnpool3d(MaxUnpool2d):
    bw_name = "MaxUnpool3DBackward0"


class PlaneGather(Op):
    """out[n, c, ...] = x[n, c].flat[idx[n, c, ...]] (the adjoint of MaxUnpool2d)."""
    saves = ("c", "c")

    @staticmethod
    def forward(x, idx):
        N, C = x.shape[0], x.shape[1]
        f = x.reshape(N, C, -1)
        out = np.take_along_axis(f, idx.reshape(N, C, -1), 2).reshape(idx.shape)
        return out, (idx, x.shape)

    @staticmethod
    def backward(saved, g, needs):
        idx, shape = saved
        if not is_array(g):
            return (_apply(MaxUnpool2d, (g,), idx, tuple(shape)),)
        return (MaxUnpool2d.forward(g, idx, tuple(shape))[0],)


# ---- public functions ------------------------------------------------------------------------

def _pool_out(n, k, s, p, d, ceil_mode):
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    o = num // s + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    return o


def _pool_setup(name, input, kernel_size, stride, padding, dilation, ceil_mode, nd, is_max):
    if input._data.ndim not in (nd + 1, nd + 2) or input._data.size == 0 and input._data.ndim == nd + 1:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    ks = _tup(kernel_size, nd, "kernel_size")
    st = ks if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _tup(stride, nd, "stride")
    p = _tup(padding, nd, "padding")
    dil = _tup(dilation, nd, "dilation")
    if min(ks) <= 0:
        raise RuntimeError(f"kernel_size must be greater than zero, but got kernel_size={list(ks)}")
    if min(st) <= 0:
        raise RuntimeError(f"stride must be greater than zero, but got stride={list(st)}")
    if min(dil) <= 0:
        raise RuntimeError(f"dilation must be greater than zero, but got dilation={list(dil)}")
    for k, a, d in zip(ks, p, dil):
        if is_max and a > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={a}, "
                               f"kernel_size={k} and dilation={d}")
        if not is_max and a > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={a}, "
                               f"kernel_size={k} and dilation={d}")
    batched = input._data.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    sp = x.shape[2:]
    osz = tuple(_pool_out(n, k, s, a, d, ceil_mode) for n, k, s, a, d in zip(sp, ks, st, p, dil))
    if min(osz) < 1:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (x.shape[1],) + tuple(sp)))}). Calculated output "
                           f"size: ({'x'.join(map(str, (x.shape[1],) + osz))}). Output size is too small")
    # bottom/right padding actually read by the windows (ceil_mode may run past the padding)
    ends = tuple(max((o - 1) * s + d * (k - 1) + 1 - (n + a), 0)
                 for o, s, d, k, n, a in zip(osz, st, dil, ks, sp, p))
    if nd == 1:        # 1-d pools run as 2-d ones on a height-1 view, like torch's
        x = x.unsqueeze(2)
        return x, ((1,) + ks, (1,) + st, (0,) + p, (0,) + ends, (1,) + dil), (1,) + osz, batched
    return x, (ks, st, p, ends, dil), osz, batched


def _pool_dtype(x, kernel, accepts):
    """torch's CPU pooling kernels by dtype: accepts "all" (but bool), "long" (int64 and floats), "long3d"
    (int64, float32, float64) or "float"; NotImplementedError naming torch's kernel otherwise."""
    dt = x._data.dtype
    ok = (dt.kind != "b" if accepts == "all" else dt.kind == "f" if accepts == "float" else
          dt.kind == "f" or dt == np.int64 if accepts == "long" else dt in (np.int64, np.float32, np.float64))
    if not ok:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dt)}'")


def _finish(out, nd, batched):
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    x, cfg, osz, batched = _pool_setup(f"max_pool{nd}d", input, kernel_size, stride, padding, dilation,
                                       ceil_mode, nd, True)
    if nd == 1 and not return_indices:
        _pool_dtype(x, "max_pool1d_impl", "float")
    _pool_dtype(x, f"max_pool{max(nd, 2)}d", "all")
    out = _unary(MaxPool3d if nd == 3 else MaxPool2d, x, cfg, osz)
    if not return_indices:
        return _finish(out, nd, batched)
    _, idx = max_pool_forward(x._data, cfg, osz, with_indices=True)
    return _finish(out, nd, batched), _finish(_wrap(idx), nd, batched)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Matches `torch.nn.functional.max_pool1d`."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Matches `torch.nn.functional.max_pool2d` (first maximum wins ties, as in torch)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Matches `torch.nn.functional.max_pool3d` (first maximum wins ties, as in torch)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 3)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, cfg, osz, batched = _pool_setup(f"avg_pool{nd}d", input, kernel_size, stride, padding, 1, ceil_mode, nd,
                                       False)
    _pool_dtype(x, "avg_pool3d_out_frame" if nd == 3 else "avg_pool2d", "long3d" if nd == 3 else "long")
    div = avg_divisor(tuple(x.shape[2:]), cfg, osz, count_include_pad, divisor_override)
    return _finish(_unary(AvgPool3d if nd == 3 else AvgPool2d, x, cfg, osz, div), nd, batched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Matches `torch.nn.functional.avg_pool1d`."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Matches `torch.nn.functional.avg_pool2d`."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Matches `torch.nn.functional.avg_pool3d`."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling. Matches `torch.nn.functional.lp_pool2d`."""
    kh, kw = _tup(kernel_size, 2)
    out = avg_pool2d(input.pow(norm_type), (kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kh * kw).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over 3 dims. Matches `torch.nn.functional.lp_pool3d`."""
    k = _tup(kernel_size, 3)
    out = avg_pool3d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Matches `torch.nn.functional.lp_pool1d`."""
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kernel_size).pow(1.0 / norm_type)


def _adaptive_setup(name, input, output_size, nd):
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    sp = input.shape[-nd:]
    osz = tuple(int(n if o is None else o) for o, n in zip(output_size, sp))
    if any(o < 0 for o in osz):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{list(osz)}")
    for i in range(1, input._data.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {i} being empty")
    batched = input._data.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    if nd == 1:
        x = x.unsqueeze(2)
        osz = (1,) + osz
    return x, osz, batched


def _adaptive_avg(input, output_size, nd):
    x, osz, batched = _adaptive_setup(f"adaptive_avg_pool{nd}d", input, output_size, nd)
    _pool_dtype(x, "adaptive_avg_pool3d_cpu" if nd == 3 else "adaptive_avg_pool2d", "float")
    sp = tuple(x.shape[2:])
    if all(osz) and all(n % o == 0 for n, o in zip(sp, osz)):
        k = tuple(n // o for n, o in zip(sp, osz))
        if all(kk == 1 for kk in k):
            out = x * 1.0 if x._rg else _wrap(x._data.copy())
        else:
            z = (0,) * len(k)
            out = _unary(AvgPool3d if nd == 3 else AvgPool2d, x, (k, k, z, z, (1,) * len(k)), osz,
                         float(math.prod(k)))
    else:
        maps = tuple((2 + d, adaptive_avg_matrix(n, o)) for d, (n, o) in enumerate(zip(sp, osz)) if n != o)
        out = _unary(AxisMaps, x, maps)
    return _finish(out, nd, batched)


def adaptive_avg_pool1d(input, output_size):
    """Matches `torch.nn.functional.adaptive_avg_pool1d`."""
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    """Matches `torch.nn.functional.adaptive_avg_pool2d` (None keeps that size)."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    """Matches `torch.nn.functional.adaptive_avg_pool3d` (None keeps that size)."""
    return _adaptive_avg(input, output_size, 3)


def _adaptive_max(input, output_size, return_indices, nd):
    x, osz, batched = _adaptive_setup(f"adaptive_max_pool{nd}d", input, output_size, nd)
    _pool_dtype(x, "adaptive_max_pool3d_cpu" if nd == 3 else "adaptive_max_pool2d", "float")
    out = _unary(AdaptiveMaxPool3d if nd == 3 else AdaptiveMaxPool2d, x, osz)
    if not return_indices:
        return _finish(out, nd, batched)
    if out._node is not None:
        idx = out._node.saved[1]
    else:
        idx = adaptive_max_pool(x._data, osz)[1]
    return _finish(out, nd, batched), _finish(_wrap(idx), nd, batched)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool1d`."""
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool2d`."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool3d`."""
    return _adaptive_max(input, output_size, return_indices, 3)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, True, 1)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, True, 2)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, True, 3)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    ks = _tup(kernel_size, nd, "kernel_size")
    st = ks if stride is None else _tup(stride, nd, "stride")
    p = _tup(padding, nd, "padding")
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d Tensor, but got a tensor "
                           f"with {input._data.ndim} dimensions.")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    sp = input.shape[-nd:]
    default = tuple((n - 1) * s - 2 * a + k for n, s, a, k in zip(sp, st, p, ks))
    if output_size is None:
        out_sp = default
    else:
        out_sp = tuple(int(v) for v in output_size)
        if len(out_sp) == nd + 2:
            out_sp = out_sp[2:]
        if len(out_sp) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                             f"length of '{len(out_sp)}'")
        for i, (o, d, s) in enumerate(zip(out_sp, default, st)):
            if not d - s < o < d + s:        # both ends exclusive (torch)
                raise ValueError(f"invalid output_size \"{list(out_sp)}\" (dim {i} must be between {d - s} and "
                                 f"{d + s}, exclusive)")
            if o < 0:
                raise ValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                                 f"output_size[{i}]={o}")
    batched = input._data.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    idx = indices._data if batched else indices._data[None]
    plane = int(np.prod(out_sp))
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        raise RuntimeError(f"Found an invalid max index: {int(idx.max())} (output volumes are of size "
                           f"{'x'.join(map(str, out_sp))})")
    out = _apply(MaxUnpool3d if nd == 3 else MaxUnpool2d, (x,), idx, (x.shape[0], x.shape[1]) + out_sp)
    return out if batched else out.squeeze(0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool1d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool2d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool3d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


# ---- torch.* forms whose behaviour differs from the F.* forms --------------------------------

def torch_adaptive_max_pool1d(input, output_size):
    """`torch.adaptive_max_pool1d`: always returns (values, indices), unlike `F.adaptive_max_pool1d`."""
    return _adaptive_max(input, output_size, True, 1)
