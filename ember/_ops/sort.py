"""Sorting and order statistics (sort, topk, kthvalue, median, mode, quantile), the scans (cumsum,
cumprod, cummax/cummin, logcumsumexp), unique values, histograms and searches in sorted sequences.
Kernels, the public functions and the Tensor methods. Matches torch's.

The values of a selecting op are gathered from its input by a `TakeAlong` kernel (see
`_ops/reduction.py`) named after the op, so its gradient is scattered back to the chosen elements.
"""
from __future__ import annotations

import numpy as np

from .. import return_types
from .._inplace import write_out
from .._tensor_base import TensorBase, _tensor_input, _tensor_of, _unary, _wrap
from ._base import Op, b_exp, data_of, is_array, normalize_dim
from .binary import where
from .reduction import TakeAlong, _acc_input, _check_nonempty, _copy_of, _float_of, _zero_index, evenly_shared

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "quantile",
           "nanquantile", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "unique",
           "unique_consecutive", "bincount", "histc", "histogram", "searchsorted", "bucketize", "isin"]


# ---- kernels -------------------------------------------------------------------------------------

# torch names the node after the op that selected the values
class Sort(TakeAlong):
    bw_name = "SortBackward0"


class Topk(TakeAlong):
    bw_name = "TopkBackward0"


class Kthvalue(TakeAlong):
    bw_name = "KthvalueBackward0"


class Median(TakeAlong):
    bw_name = "MedianBackward1"


class Nanmedian(TakeAlong):
    bw_name = "NanmedianBackward1"


class Mode(TakeAlong):
    bw_name = "ModeBackward0"


class _TakeAlongSavingInput(TakeAlong):
    # torch also saves the input (and for full medians the result), so an in-place change to
    # them before backward is a version error; the rule itself does not read them
    saves = TakeAlong.saves + ("x0",)

    @staticmethod
    def forward(x, idx, dim, squeeze, unique=True, vals=None):
        out, saved = TakeAlong.forward(x, idx, dim, squeeze, unique, vals)
        return out, saved + (x,)

    @staticmethod
    def backward(saved, g, needs):
        return TakeAlong.backward(saved[:5], g, needs)


class MedianAll(_TakeAlongSavingInput):
    """The median of all elements: like torch, the gradient is shared evenly among the elements equal to
    it (among the NaNs when it is NaN)."""
    saves = TakeAlong.saves + ("x0", "out")
    bw_name = "MedianBackward0"

    @staticmethod
    def forward(x, idx, dim, squeeze, unique=True, vals=None):
        out, saved = TakeAlong.forward(x, idx, dim, squeeze, unique, vals)
        return out, saved + (x, out)

    @staticmethod
    def backward(saved, g, needs):
        return (evenly_shared(g, saved[5], saved[6]),)


class NanmedianAll(MedianAll):
    bw_name = "NanmedianBackward0"


class Cummax(_TakeAlongSavingInput):
    bw_name = "CummaxBackward0"


class Cummin(_TakeAlongSavingInput):
    bw_name = "CumminBackward0"


def _rev_cumsum(g, dim):
    # sum_{j >= i} g_j = total - cumsum + g (only cumsum and elementwise ops: works on Tensors)
    if not is_array(g):
        return g.sum(dim, keepdim=True) - g.cumsum(dim) + g
    return np.flip(np.cumsum(np.flip(g, dim), axis=dim), dim)


class Cumsum(Op):
    saves = ("c",)

    @staticmethod
    def forward(x, dim, np_dtype=None):
        return np.cumsum(x, axis=dim, dtype=np_dtype), (dim,)

    @staticmethod
    def backward(saved, g, needs):
        return (_rev_cumsum(g, saved[0]),)


class Cumprod(Op):
    saves = ("x0", "out", "c")

    @staticmethod
    def forward(x, dim, np_dtype=None):
        out = np.cumprod(x, axis=dim, dtype=np_dtype)
        return out, (x, out, dim)

    @staticmethod
    def backward(saved, g, needs):
        x, out, dim = saved
        xd = data_of(x)
        if not (xd == 0).any():
            return (_rev_cumsum(g * out, dim) / x,)
        # zeros: grad_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i, with an n x n triangle per row
        if not is_array(g):
            raise RuntimeError("ember: double backward of cumprod through zeros is not implemented")
        a = np.moveaxis(xd, dim, -1)
        gg = np.moveaxis(g, dim, -1)
        n = a.shape[-1]
        k = np.arange(n)
        # P[..., k, j] = prod_{i <= j, i != k} x_i (0 for j < k)
        rep = np.broadcast_to(a[..., None, :], a.shape[:-1] + (n, n)).copy()
        rep[..., k, k] = 1
        P = np.cumprod(rep, axis=-1)
        P = P * (k[None, :] >= k[:, None])
        gx = (P * gg[..., None, :]).sum(-1)
        return (np.moveaxis(gx, -1, dim),)


class Logcumsumexp(Op):
    saves = ("x0", "out", "c")

    @staticmethod
    def forward(x, dim):
        out = np.logaddexp.accumulate(x, axis=dim)
        return out, (x, out, dim)

    @staticmethod
    def backward(saved, g, needs):
        x, out, dim = saved
        # grad_k = sum_{j >= k} g_j exp(x_k - out_j)
        if not is_array(g):
            return (_rev_cumsum(g * b_exp(-out), dim) * b_exp(x),)
        gp = np.where(g > 0, g, 0)
        gn = np.where(g < 0, -g, 0)
        res = 0
        for part, sign in ((gp, 1), (gn, -1)):
            lg = np.log(part) - out
            # reversed logcumsumexp of lg, then shift by x
            r = np.flip(np.logaddexp.accumulate(np.flip(lg, dim), axis=dim), dim)
            res = res + sign * np.exp(r + x)
        return (np.nan_to_num(res, nan=0.0).astype(x.dtype, copy=False),)


# ---- public functions ------------------------------------------------------------------------------

def _argsort(x, d, descending):
    if not descending:
        return np.argsort(x, axis=d, kind="stable")
    if x.dtype.kind == "b":
        x = x.astype(np.int8)
    elif x.dtype.kind == "u":
        x = x.astype(np.int64)
    if x.dtype.kind == "f":
        if not np.isnan(x).any():
            return np.argsort(-x, axis=d, kind="stable")
        # NaN sorts as the largest value (first when descending)
        key = np.where(np.isnan(x), -np.inf, -x)
        idx = np.argsort(key, axis=d, kind="stable")
        nan_first = np.argsort(~np.isnan(np.take_along_axis(x, idx, d)), axis=d, kind="stable")
        return np.take_along_axis(idx, nan_first, d)
    return np.argsort(-x, axis=d, kind="stable")


def _select(input, idx, dim, keepdim, op, rt):
    """(values, indices) named tuple `rt` from int64 indices `idx` (x's rank, size 1 along dim)."""
    vals = _unary(op, input, idx, dim, not keepdim)
    return rt(vals, _wrap(idx if keepdim else idx.squeeze(dim)))


def sort(input, dim=-1, descending=False, stable=False, *, axis=None):
    """(values, indices) sorted along `dim` (always stable; NaN sorts as the largest).
    Matches `torch.sort`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    input = _tensor_input(input)
    x = input._data
    d = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return return_types.sort(_copy_of(input), _zero_index())
    idx = _argsort(x, d, descending)
    return return_types.sort(_unary(Sort, input, idx, d, False), _wrap(idx))


def argsort(input, dim=-1, descending=False, stable=False, *, axis=None):
    """The indices that sort `input` along `dim`. Matches `torch.argsort`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    x = _tensor_input(input)._data
    d = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return _zero_index()
    return _wrap(_argsort(x, d, descending))


def msort(input):
    """`input` sorted along dim 0. Matches `torch.msort`."""
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, axis=None):
    """(values, indices) of the k largest (or smallest) along `dim`, in order. Matches `torch.topk`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    input = _tensor_input(input)
    x = input._data
    d = normalize_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        return return_types.topk(_copy_of(input), _zero_index())
    idx = _argsort(x, d, largest)[(slice(None),) * d + (slice(0, k),)]
    return return_types.topk(_unary(Topk, input, idx, d, False), _wrap(idx))


def kthvalue(input, k, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    """(values, indices) of the k-th smallest along `dim`. Matches `torch.kthvalue`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    x = input._data
    d = normalize_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if k < 1 or k > n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if x.ndim == 0:
        return return_types.kthvalue(_copy_of(input), _zero_index())
    idx = np.take(_argsort(x, d, False), [k - 1], axis=d)
    return _select(input, idx, d, keepdim, Kthvalue, return_types.kthvalue)


def median(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The lower median of all elements, or (values, indices) along `dim`. Matches `torch.median`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    x = input._data
    if dim is None:
        if x.size == 0:
            return _wrap(np.array(np.nan, x.dtype))
        flat = input.reshape(-1)
        nans = int(np.isnan(x).sum()) if x.dtype.kind == "f" else 0
        # a NaN makes the median NaN, as in torch (NaNs sort last: the first of them)
        idx = _argsort(flat._data, 0, False)[[x.size - nans if nans else (x.size - 1) // 2]]
        return _unary(MedianAll, flat, idx, 0, True)
    d = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return return_types.median(_copy_of(input), _zero_index())
    _check_nonempty(x, (d,), "median")
    n = x.shape[d]
    srt = _argsort(x, d, False)
    if x.dtype.kind == "f" and np.isnan(x).any():
        nans = np.isnan(x).sum(axis=d, keepdims=True)
        idx = np.take_along_axis(srt, np.where(nans > 0, n - nans, (n - 1) // 2), axis=d)
    else:
        idx = np.take(srt, [(n - 1) // 2], axis=d)
    return _select(input, idx, d, keepdim, Median, return_types.median)


def nanmedian(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """`median` ignoring NaNs. Matches `torch.nanmedian`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    x = input._data
    if x.dtype.kind != "f":
        return median(input, dim, keepdim)
    if dim is None:
        if x.size == 0:
            return _wrap(np.array(np.nan, x.dtype))
        flat = input.reshape(-1)
        cnt = int((~np.isnan(x)).sum())
        idx = _argsort(flat._data, 0, False)[[max(cnt - 1, 0) // 2]]
        return _unary(NanmedianAll, flat, idx, 0, True)
    d = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return return_types.nanmedian(_copy_of(input), _zero_index())
    _check_nonempty(x, (d,), "nanmedian")
    cnt = (~np.isnan(x)).sum(axis=d, keepdims=True)
    pos = np.maximum(cnt - 1, 0) // 2
    idx = np.take_along_axis(_argsort(x, d, False), pos, axis=d)
    return _select(input, idx, d, keepdim, Nanmedian, return_types.nanmedian)


def mode(input, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    """(values, indices) of the most frequent value along `dim` (the smallest among ties).
    Matches `torch.mode`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    x = input._data
    if x.ndim == 0:
        return return_types.mode(_copy_of(input), _zero_index())
    d = normalize_dim(dim, x.ndim)
    a = np.moveaxis(x, d, -1)
    n = a.shape[-1]
    order = np.argsort(a, axis=-1, kind="stable")
    s = np.take_along_axis(a, order, -1)
    # run lengths of equal values in each sorted row
    new = np.ones(s.shape, bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    pos = np.broadcast_to(np.arange(n), s.shape)
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
    run = pos - start + 1
    # the longest run; among equal lengths the smallest value (first in sorted order)
    best_end = np.argmax(run == run.max(axis=-1, keepdims=True), axis=-1)[..., None]
    # torch reports the last index (in the input) of the modal value
    idx = np.take_along_axis(order, best_end, -1)
    idx = np.moveaxis(idx, -1, d).astype(np.int64)
    return _select(input, idx, d, keepdim, Mode, return_types.mode)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """q-th quantiles along `dim` (all elements by default). Matches `torch.quantile`; differentiable."""
    return write_out(_quantile(input, q, dim, keepdim, interpolation, False), out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """`quantile` ignoring NaNs (a slice of NaNs gives NaN). Matches `torch.nanquantile`."""
    return write_out(_quantile(input, q, dim, keepdim, interpolation, True), out)


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    name = "nanquantile" if ignore_nan else "quantile"
    x = _tensor_input(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or "
                           f"nearest. Got {interpolation}")
    q_tensor = isinstance(q, TensorBase)
    scalar_q = not q_tensor or q._data.ndim == 0
    qa = np.asarray(q._data if q_tensor else q, dtype=np.float64).reshape(-1)
    if q_tensor and q._data.dtype is not x._data.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if q_tensor and q._data.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if qa.size and (qa.min() < 0 or qa.max() > 1):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    nd = x._data.ndim
    src = x.reshape(-1) if dim is None else x
    d = 0 if dim is None else normalize_dim(dim, nd)
    if src._data.ndim == 0:
        src, d = src.reshape(1), 0
    n = src._data.shape[d]
    if n == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    srt = sort(src, d).values                       # NaN sorts last
    isnan = np.isnan(srt._data)
    nans = isnan.sum(axis=d, keepdims=True)
    valid = (n - nans) if ignore_nan else np.full(nans.shape, n)
    qshape = [1] * srt._data.ndim
    qshape[d] = qa.size
    pos = qa.reshape(qshape) * (np.maximum(valid, 1) - 1)     # fractional rank per (q, slice)
    if interpolation == "lower":
        pos = np.floor(pos)
    elif interpolation == "higher":
        pos = np.ceil(pos)
    elif interpolation == "nearest":
        pos = np.round(pos)
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    frac = (0.5 * (hi != lo) if interpolation == "midpoint" else pos - lo).astype(x._data.dtype)
    v_lo = _unary(TakeAlong, srt, lo, d, False)
    v_hi = _unary(TakeAlong, srt, hi, d, False)
    if (frac != 0).any():
        # torch's lerp: from the nearer end (exact at both ends, and -inf..x stays -inf)
        w = _wrap(frac)
        low = frac < 0.5
        if low.all():
            res = v_lo + (v_hi - v_lo) * w
        else:
            res = where(_wrap(low), v_lo + (v_hi - v_lo) * w, v_hi - (v_hi - v_lo) * (1 - w))
    else:
        res = v_lo
    nan_slices = (valid == 0) if ignore_nan else isnan.any(axis=d, keepdims=True)
    if nan_slices.any():
        nan = _wrap(np.array(np.nan, res._data.dtype))
        res = where(_wrap(np.broadcast_to(nan_slices, res._data.shape)), nan, res)
    # result layout: (q, *reduced dims) with the reduced dim kept as 1 under keepdim
    if dim is None:
        res = res.reshape((qa.size,) + ((1,) * nd if keepdim else ()))
    else:
        perm = [d] + [i for i in range(res._data.ndim) if i != d]
        res = res.permute(*perm)
        if keepdim:
            shape = list(x._data.shape)
            shape[d] = 1
            res = res.reshape([qa.size] + shape)
        else:
            res = res.reshape([qa.size] + [s for i, s in enumerate(x._data.shape) if i != d])
    if scalar_q:
        res = res.reshape(tuple(res._data.shape[1:]))
    return res


# ---- scans ----

def _scan_input(input, dim, dtype, name):
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim'")
    return _acc_input(_tensor_input(input), dtype)


def cumsum(input, dim=None, *, dtype=None, out=None, axis=None):
    """Running sums along `dim`; bool/integer inputs sum as int64. Matches `torch.cumsum`."""
    src = _scan_input(input, axis if dim is None else dim, dtype, "cumsum")
    d = normalize_dim(axis if dim is None else dim, src._data.ndim)
    if src._data.ndim == 0:
        return write_out(src.clone(), out)
    return write_out(_unary(Cumsum, src, d), out)


def cumprod(input, dim=None, *, dtype=None, out=None, axis=None):
    """Running products along `dim`; bool/integer inputs multiply as int64. Matches `torch.cumprod`."""
    src = _scan_input(input, axis if dim is None else dim, dtype, "cumprod")
    d = normalize_dim(axis if dim is None else dim, src._data.ndim)
    if src._data.ndim == 0:
        return write_out(src.clone(), out)
    return write_out(_unary(Cumprod, src, d), out)


def logcumsumexp(input, dim=None, *, out=None, axis=None):
    """Running log(sum(exp(input))) along `dim`. Matches `torch.logcumsumexp`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    src = _float_of(_tensor_input(input))
    d = normalize_dim(dim, src._data.ndim)
    if src._data.ndim == 0:
        return write_out(src.clone(), out)
    return write_out(_unary(Logcumsumexp, src, d), out)


def _cumext(input, dim, op, rt):
    input = _tensor_input(input)
    x = input._data
    d = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return rt(input.clone(), _zero_index())
    n = x.shape[d]
    acc = np.maximum.accumulate if op is Cummax else np.minimum.accumulate
    vals = acc(x, axis=d)
    # index of the latest element equal to the running extreme (torch's tie rule)
    shape = [1] * x.ndim
    shape[d] = n
    pos = np.broadcast_to(np.arange(n).reshape(shape), x.shape)
    hit = (x == vals) | (np.isnan(x) if x.dtype.kind == "f" else False)
    idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=d).astype(np.int64)
    return rt(_unary(op, input, idx, d, False, False), _wrap(idx))


def cummax(input, dim=None, *, axis=None):
    """(values, indices) of the running maximum along `dim`. Matches `torch.cummax`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    return _cumext(input, dim, Cummax, return_types.cummax)


def cummin(input, dim=None, *, axis=None):
    """(values, indices) of the running minimum along `dim`. Matches `torch.cummin`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    return _cumext(input, dim, Cummin, return_types.cummin)


# ---- unique values and histograms ----

def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The sorted unique values (of the slices along `dim`), with inverse indices and counts on request.
    Matches `torch.unique`."""
    x = _tensor_input(input)._data
    if dim is not None:
        d = normalize_dim(dim, x.ndim)
        res = np.unique(x, return_inverse=True, return_counts=True, axis=d)
    else:   # every NaN is a value of its own, as in torch
        res = np.unique(x.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
    vals, inv, cnt = res
    out = [_wrap(vals)]
    if return_inverse:
        inv = inv.reshape(x.shape if dim is None else -1).astype(np.int64)
        out.append(_wrap(inv))
    if return_counts:
        out.append(_wrap(cnt.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """`input` with runs of equal consecutive values (or slices along `dim`) collapsed to one.
    Matches `torch.unique_consecutive`."""
    x = _tensor_input(input)._data
    if dim is None:
        v = x.reshape(-1)
        new = np.ones(v.shape[0], bool)
        new[1:] = v[1:] != v[:-1]
        vals = v[new]
    else:
        d = normalize_dim(dim, x.ndim)
        a = np.moveaxis(x, d, 0).reshape(x.shape[d], -1)
        new = np.ones(a.shape[0], bool)
        new[1:] = (a[1:] != a[:-1]).any(axis=1)
        vals = np.compress(new, x, axis=d)
    out = [_wrap(vals)]
    if return_inverse:
        inv = (np.cumsum(new) - 1).astype(np.int64)
        out.append(_wrap(inv.reshape(x.shape) if dim is None else inv))
    if return_counts:
        starts = np.flatnonzero(new)
        out.append(_wrap(np.diff(np.append(starts, new.shape[0])).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """Counts (or summed weights) of each non-negative integer value. Matches `torch.bincount`."""
    t = _tensor_input(input)
    x = t._data
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{t.dtype.name}'")
    if x.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if x.size and x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _wrap(np.bincount(x, minlength=minlength).astype(np.int64))
    w = _tensor_of(weights)._data
    if w.shape != x.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    r = np.bincount(x, weights=w, minlength=minlength)
    return _wrap(r.astype(w.dtype if w.dtype.kind == "f" else np.float64))


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of `bins` equal bins over [min, max] (the data's range when both are 0).
    Matches `torch.histc`."""
    t = _tensor_input(input)
    x = t._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{t.dtype.name}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {lo} max {hi}")
    v = x.reshape(-1)
    v = v[(v >= lo) & (v <= hi)]
    # torch's binning: floor((v - lo) * bins / (hi - lo)), the top edge falls into the last bin
    idx = ((v.astype(np.float64) - lo) * bins / (hi - lo)).astype(np.int64)
    idx = np.minimum(idx, bins - 1)
    return write_out(_wrap(np.bincount(idx, minlength=bins).astype(x.dtype)), out)


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """(hist, bin_edges) for `bins` equal bins or the given edges. Matches `torch.histogram`."""
    x = _tensor_input(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but "
                           f"got input {x.dtype.name} and bins float")
    b = bins._data if isinstance(bins, TensorBase) else bins
    w = None if weight is None else _tensor_of(weight)._data
    if not isinstance(bins, TensorBase):
        lo, hi = (float(range[0]), float(range[1])) if range is not None else (
            (float(x._data.min()), float(x._data.max())) if x._data.size else (0.0, 0.0))
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo:g}, {hi:g}] is not finite")
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} "
                               f"for dimension 0")
    h, edges = np.histogram(x._data.reshape(-1), bins=b, range=range,
                            weights=None if w is None else w.reshape(-1), density=density)
    return return_types.histogram(_wrap(h.astype(x._data.dtype)), _wrap(edges.astype(x._data.dtype)))


# ---- searches in sorted sequences ----

def _searchsorted_np(seq, vals, right, side, sorter):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of "
                               "left while right was True")
        right = side == "right"
    how = "right" if right else "left"
    if seq.ndim <= 1:
        s = seq if sorter is None else seq[sorter]
        return _nan_last(np.searchsorted(s, vals, side=how), np.asarray(vals), s.shape[0])
    if seq.shape[:-1] != vals.shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter, -1)
    flat_s = seq.reshape(-1, seq.shape[-1])
    flat_v = vals.reshape(-1, vals.shape[-1])
    # offset every row into its own range so one searchsorted call handles all rows
    lo = np.minimum(flat_s.min(initial=0), flat_v.min(initial=0)).astype(np.float64)
    span = float(np.maximum(flat_s.max(initial=0), flat_v.max(initial=0)) - lo) + 1.0
    offs = (np.arange(flat_s.shape[0], dtype=np.float64) * span)[:, None]
    s2 = (flat_s - lo + offs).reshape(-1)
    v2 = (flat_v - lo + offs).reshape(-1)
    idx = np.searchsorted(s2, v2, side=how).reshape(flat_v.shape)
    idx -= (np.arange(flat_s.shape[0]) * seq.shape[-1])[:, None]
    return _nan_last(idx.reshape(vals.shape), vals, seq.shape[-1])


def _nan_last(idx, vals, n):
    """torch's binary search compares with `>=`, which a NaN value never passes: it lands after the end."""
    if vals.dtype.kind == "f":
        nan = np.isnan(vals)
        if nan.any():
            idx = np.where(nan, n, idx)
    return idx


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """Indices where `input` values would be inserted to keep each row sorted.
    Matches `torch.searchsorted`."""
    seq = _tensor_input(sorted_sequence)._data
    scalar = not isinstance(input, TensorBase)
    vals = np.asarray(input) if scalar else input._data
    if seq.ndim > 1 and scalar:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                           "dimension is 1")
    idx = _searchsorted_np(seq, vals, right, side, None if sorter is None else _tensor_of(sorter)._data)
    return write_out(_wrap(np.asarray(idx, dtype=np.int32 if out_int32 else np.int64)), out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Bucket index of each value for 1-D `boundaries`. Matches `torch.bucketize`."""
    b = _tensor_of(boundaries)._data
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    vals = input._data if isinstance(input, TensorBase) else np.asarray(input)
    idx = np.searchsorted(b, vals, side="right" if right else "left")
    return write_out(_wrap(np.asarray(idx, dtype=np.int32 if out_int32 else np.int64)), out)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of `elements` is in `test_elements`. Matches `torch.isin`."""
    a = elements._data if isinstance(elements, TensorBase) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, TensorBase) else np.asarray(test_elements)
    return _wrap(np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert)))


# ---- the Tensor methods ------------------------------------------------------------------------------

class SortMethods:
    __slots__ = ()

    sort, argsort, msort, topk, kthvalue = sort, argsort, msort, topk, kthvalue
    median, nanmedian, mode, quantile, nanquantile = median, nanmedian, mode, quantile, nanquantile
    cumsum, cumprod, cummax, cummin, logcumsumexp = cumsum, cumprod, cummax, cummin, logcumsumexp
    unique, unique_consecutive = unique, unique_consecutive
    bincount, histc, histogram = bincount, histc, histogram

    def cumsum_(self, dim=None, *, dtype=None, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        return self.copy_(cumsum(self.clone() if self._rg else self, dim, dtype=dtype))

    def cumprod_(self, dim=None, *, dtype=None, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        return self.copy_(cumprod(self.clone() if self._rg else self, dim, dtype=dtype))
