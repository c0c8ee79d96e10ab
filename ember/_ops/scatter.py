"""Gather and scatter along a dim: gather, take_along_dim, scatter, scatter_add, scatter_reduce (and their
in-place forms). Kernels, the public functions and the Tensor methods. Matches torch's.

An index tensor addresses `input` element by element along `dim` (its other dims pick the positions
directly); torch checks the index's shape and bounds first, and so do these functions.
"""
from __future__ import annotations

import numpy as np

from .._inplace import inplace, write_out
from .._tensor_base import TensorBase, _apply, _unary, _wrap
from ._base import Op, normalize_dim
from .indexing import _check_bounds, _index_arr, _keep_mask, _pad_to
from .views import reshape

__all__ = ["gather", "take_along_dim", "scatter", "scatter_add", "scatter_reduce"]


# ---- kernels -------------------------------------------------------------------------------------

def _add_elements(shape, fi, g):
    """zeros(shape) plus g added element-wise at the index tuple fi (repeats accumulate)."""
    if g.dtype.kind == "f" and g.size:
        flat = np.ravel_multi_index(np.broadcast_arrays(*fi), shape, mode="wrap")
        size = 1
        for s_ in shape:
            size *= s_
        return np.bincount(flat.reshape(-1), weights=g.reshape(-1), minlength=size).astype(g.dtype).reshape(shape)
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, fi, g)
    return out



def _full_index(idx, axis):
    """The open-grid index tuple that addresses x[..., idx[...], ...] element-wise (gather/scatter)."""
    nd = idx.ndim
    out = []
    for d in range(nd):
        if d == axis:
            out.append(idx)
        else:
            shp = [1] * nd
            shp[d] = idx.shape[d]
            out.append(np.arange(idx.shape[d]).reshape(shp))
    return tuple(out)


def _leading(x, shape):
    """x[:shape[0], :shape[1], ...]: the part of x that an index of `shape` addresses (torch's rule)."""
    if x.shape == tuple(shape):
        return x
    return x[tuple(slice(0, s) for s in shape)]


class Gather(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, axis, idx):
        sub = tuple(s if d != axis else x.shape[d] for d, s in enumerate(idx.shape))
        return np.take_along_axis(_leading(x, sub), idx, axis), (x.shape, axis, idx)

    @staticmethod
    def backward(saved, g, needs):
        shape, axis, idx = saved
        if type(g) is np.ndarray:
            return (_add_elements(shape, _full_index(idx, axis), g),)
        z = _wrap(np.zeros(shape, dtype=g._data.dtype))
        return (_apply(ScatterAdd, (z, g), axis, idx),)


class ScatterAdd(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, src, axis, idx):
        out = x.copy()
        np.add.at(out, _full_index(idx, axis), _leading(src, idx.shape))
        return out, (axis, idx, src.shape)

    @staticmethod
    def backward(saved, g, needs):
        axis, idx, sshape = saved
        gs = None
        if needs[1]:
            gs = _pad_to(_gather(g, axis, idx), idx.shape, sshape)
        return (g if needs[0] else None), gs


class Scatter(Op):
    """x.scatter(dim, index, src): src a tensor (input 1)."""
    saves = ("c", "c", "c", "c")

    @staticmethod
    def forward(x, src, axis, idx):
        out = x.copy()
        fi = _full_index(idx, axis)
        out[fi] = _leading(src, idx.shape)
        return out, (axis, idx, src.shape, _keep_mask(x.shape, fi))

    @staticmethod
    def backward(saved, g, needs):
        axis, idx, sshape, keep = saved
        gs = None
        if needs[1]:
            gs = _pad_to(_gather(g, axis, idx), idx.shape, sshape)
        return (g * keep if needs[0] else None), gs


class ScatterValue(Op):
    """x.scatter(dim, index, value) with a Python scalar value."""
    saves = ("c",)
    bw_name = "ScatterBackward1"

    @staticmethod
    def forward(x, axis, idx, value):
        out = x.copy()
        fi = _full_index(idx, axis)
        out[fi] = value
        return out, (_keep_mask(x.shape, fi),)

    @staticmethod
    def backward(saved, g, needs):
        return (g * saved[0],)


def _gather(g, axis, idx):
    if type(g) is np.ndarray:
        return np.take_along_axis(_leading(g, tuple(s if d != axis else g.shape[d]
                                                      for d, s in enumerate(idx.shape))), idx, axis)
    return _apply(Gather, (g,), axis, idx)


class ScatterReduce(Op):
    saves = ("x0", "x1", "out", "c", "c", "c", "c")

    @staticmethod
    def forward(x, src, axis, idx, reduce, include_self):
        fi = _full_index(idx, axis)
        src = _leading(src, idx.shape)
        out = x.copy()
        if reduce in ("sum", "mean"):
            if not include_self:
                out[fi] = 0
            np.add.at(out, fi, src)
            count = None
            if reduce == "mean":
                count = np.ones(x.shape, dtype=np.int64) if include_self else np.zeros(x.shape, dtype=np.int64)
                np.add.at(count, fi, 1)
                c = np.maximum(count, 1)
                if out.dtype.kind == "f":
                    out = out / c.astype(out.dtype)
                else:
                    out = out // c
            return out.astype(x.dtype, copy=False), (x, src, out, axis, idx, reduce, (include_self, count))
        if reduce == "prod":
            if not include_self:
                out[fi] = 1
            np.multiply.at(out, fi, src)
        elif reduce in ("amax", "amin"):
            if not include_self:
                if x.dtype.kind == "f":
                    out[fi] = -np.inf if reduce == "amax" else np.inf
                else:
                    info = np.iinfo(x.dtype) if x.dtype.kind in "iu" else None
                    out[fi] = (info.min if reduce == "amax" else info.max) if info else (reduce != "amax")
            (np.maximum if reduce == "amax" else np.minimum).at(out, fi, src)
        return out, (x, src, out, axis, idx, reduce, (include_self, None))

    @staticmethod
    def backward(saved, g, needs):
        x, src, out, axis, idx, reduce, (include_self, count) = saved
        if type(g) is not np.ndarray:
            raise NotImplementedError("ember: double backward through scatter_reduce is not implemented")
        fi = _full_index(idx, axis)
        scattered = ~_keep_mask(x.shape, fi)
        gx = gs = None
        if reduce == "sum":
            gx = g if include_self else g * ~scattered
            gs = g[fi]
        elif reduce == "mean":
            c = np.maximum(count, 1).astype(g.dtype)
            gx = g / c if include_self else g * ~scattered
            gs = (g / c)[fi]
        elif reduce == "prod":
            gx = np.where(scattered, g * out / x, g) if include_self else g * ~scattered
            gs = (g * out)[fi] / src
            # zeros: recompute the product of the others where a factor is zero
            if (include_self and np.any(x[scattered] == 0)) or np.any(src == 0):
                gx, gs = _prod_grad_with_zeros(x, src, g, fi, include_self, scattered)
        else:
            hit_self = (x == out) & scattered if include_self else np.zeros(x.shape, dtype=bool)
            hit_src = src == out[fi]
            cnt = hit_self.astype(g.dtype)
            np.add.at(cnt, fi, hit_src.astype(g.dtype))
            cnt = np.maximum(cnt, 1)
            share = g / cnt
            gx = np.where(scattered, share * hit_self, g) if include_self else g * ~scattered
            gs = share[fi] * hit_src
        return (gx if needs[0] else None), (_pad_to(gs, idx.shape, saved[1].shape) if needs[1] else None)


def _prod_grad_with_zeros(x, src, g, fi, include_self, scattered):
    # product over the other contributors, element by element of src (no division)
    n = src.size
    flat_targets = np.ravel_multi_index(np.broadcast_arrays(*fi), x.shape).reshape(-1)
    sv = src.reshape(-1)
    gs = np.empty(n, dtype=g.dtype)
    gflat = g.reshape(-1)
    xflat = x.reshape(-1)
    order = np.argsort(flat_targets, kind="stable")
    gx = g * ~scattered if not include_self else g.copy()
    gxf = gx.reshape(-1)
    # group by target: few groups in practice; vectorised per group
    tsorted = flat_targets[order]
    bounds = np.flatnonzero(np.diff(tsorted)) + 1
    for grp in np.split(order, bounds):
        if grp.size == 0:
            continue
        t = flat_targets[grp[0]]
        vals = sv[grp]
        if include_self:
            vals = np.concatenate([[xflat[t]], vals])
        left = np.concatenate([[1], np.cumprod(vals)[:-1]])
        right = np.concatenate([np.cumprod(vals[::-1])[:-1][::-1], [1]])
        others = left * right
        if include_self:
            gxf[t] = gflat[t] * others[0]
            others = others[1:]
        gs[grp] = gflat[t] * others
    return gx, gs.reshape(src.shape)



# ---- public functions ------------------------------------------------------------------------------

def _same_dtype(a, b, name, msg):
    if not isinstance(b, TensorBase):
        raise TypeError(f"{name}: argument 'src' must be Tensor, not {type(b).__name__}")
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"{name}: {msg}")


def _check_gather_shapes(x, idx, d, name, src):
    xs = x._data.shape
    if idx.ndim != max(len(xs), 1) and not (idx.ndim == 0 and len(xs) == 0):
        if idx.size == 0 and idx.ndim == 1:
            return
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    for i in range(idx.ndim):
        if i != d and len(xs) and idx.shape[i] > xs[i]:
            raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be "
                               f"smaller than self {list(xs)} apart from dimension {d}")
    if src is not None:
        ss = src._data.shape
        if len(ss) != idx.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        for i in range(idx.ndim):
            if idx.shape[i] > ss[i]:
                raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be "
                                   f"smaller than src {list(ss)} apart from dimension {d}")


def gather(input, dim=None, index=None, *, sparse_grad=False, out=None, axis=None):
    """out[i][j] = input[index[i][j]][j] (for dim 0; likewise for other dims). Matches `torch.gather`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    idx = _index_arr(index, "gather")
    nd = input._data.ndim
    d = normalize_dim(dim, nd)
    _check_gather_shapes(input, idx, d, "gather", None)
    _check_bounds(idx, input._data.shape if nd else (1,), d)
    if not nd:
        return write_out(reshape(_unary(Gather, reshape(input, 1), 0, idx.reshape(1)), ()), out)
    return write_out(_unary(Gather, input, d, idx), out)


def take_along_dim(input, indices, dim=None, *, out=None, axis=None):
    """Gather with broadcasting between input and indices (flattened when dim is None).
    Matches `torch.take_along_dim`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    idx = _index_arr(indices, "take_along_dim", int64_only=True)
    if dim is None:
        n = input._data.size
        return write_out(gather(reshape(input, -1), 0, _wrap(np.where(idx < 0, idx + n, idx).reshape(-1))), out)
    nd = input._data.ndim
    d = normalize_dim(dim, nd)
    if idx.size and idx.min() < 0:   # take_along_dim wraps negative indices (gather does not)
        idx = np.where(idx < 0, idx + input._data.shape[d], idx)
    if idx.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {nd} dimensions for input, and {idx.ndim} dimensions for "
                           f"indices")
    shp = list(np.broadcast_shapes(tuple(s for i, s in enumerate(input._data.shape) if i != d),
                                   tuple(s for i, s in enumerate(idx.shape) if i != d)))
    xs = shp[:d] + [input._data.shape[d]] + shp[d:]
    ishape = shp[:d] + [idx.shape[d]] + shp[d:]
    x = input if list(input._data.shape) == xs else input.expand(xs)
    return write_out(gather(x, d, _wrap(np.broadcast_to(idx, ishape))), out)


def scatter(input, dim=None, index=None, src=None, value=None, *, reduce=None, axis=None):
    """A copy with src (or a scalar value) written at the index positions. Matches `torch.scatter`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    if src is None and value is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if src is None:
        src = value
    idx = _index_arr(index, "scatter")
    d = normalize_dim(dim, input._data.ndim)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
        if not isinstance(src, TensorBase):
            src = _wrap(np.full(idx.shape, src, dtype=input._data.dtype))
        return scatter_reduce(input, d, index, src, "sum" if reduce == "add" else "prod")
    if isinstance(src, TensorBase):
        _same_dtype(input, src, "scatter()", "Expected self.dtype to be equal to src.dtype")
        _check_gather_shapes(input, idx, d, "scatter", src)
        _check_bounds(idx, input._data.shape, d)
        return _apply(Scatter, (input, src), d, idx)
    _check_gather_shapes(input, idx, d, "scatter", None)
    _check_bounds(idx, input._data.shape, d)
    return _unary(ScatterValue, input, d, idx, src)


def scatter_add(input, dim=None, index=None, src=None, *, axis=None):
    """A copy with src added at the index positions (repeats accumulate). Matches `torch.scatter_add`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    idx = _index_arr(index, "scatter_add")
    d = normalize_dim(dim, input._data.ndim)
    _same_dtype(input, src, "scatter_add()", "Expected self.dtype to be equal to src.dtype")
    _check_gather_shapes(input, idx, d, "scatter_add", src)
    _check_bounds(idx, input._data.shape, d)
    return _apply(ScatterAdd, (input, src), d, idx)


def scatter_reduce(input, dim=None, index=None, src=None, reduce=None, *, include_self=True, axis=None):
    """A copy reducing src into the index positions with sum/prod/mean/amax/amin. Matches `torch.scatter_reduce`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    if not isinstance(reduce, str):
        raise TypeError(f"scatter_reduce(): argument 'reduce' must be str, not {type(reduce).__name__}")
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    idx = _index_arr(index, "scatter_reduce")
    d = normalize_dim(dim, input._data.ndim)
    _same_dtype(input, src, "scatter_reduce()", "Expected self.dtype to be equal to src.dtype")
    _check_gather_shapes(input, idx, d, "scatter_reduce", src)
    _check_bounds(idx, input._data.shape, d)
    if reduce == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError("\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
    return _apply(ScatterReduce, (input, src), d, idx, reduce, bool(include_self))


# ---- the Tensor methods ------------------------------------------------------------------------------

class ScatterMethods:
    __slots__ = ()

    gather, take_along_dim, scatter, scatter_add, scatter_reduce = (gather, take_along_dim, scatter, scatter_add,
                                                                    scatter_reduce)

    # in-place forms (torch has them as methods only)
    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        return inplace(self, lambda: scatter(self, dim, index, src, value, reduce=reduce))

    def scatter_add_(self, dim=None, index=None, src=None, *, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        return inplace(self, scatter_add, self, dim, index, src)

    def scatter_reduce_(self, dim=None, index=None, src=None, reduce=None, *, include_self=True, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        return inplace(self, lambda: scatter_reduce(self, dim, index, src, reduce, include_self=include_self))
