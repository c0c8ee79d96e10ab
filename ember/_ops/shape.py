"""Shape and indexing kernels. View-producing forwards return NumPy views (memory is shared)."""
from __future__ import annotations

import numpy as np

from .._inplace import AsStrided
from .._tensor_base import _apply, _wrap
from ._base import Op, b_reshape, b_sum, b_transpose, writable


class Reshape(Op):
    saves = ("c",)
    bw_name = "ViewBackward0"

    @staticmethod
    def forward(x, shape):
        return x.reshape(shape), (x.shape,)

    @staticmethod
    def backward(saved, g, needs):
        return (b_reshape(g, saved[0]),)


class Permute(Op):
    saves = ("c",)

    @staticmethod
    def forward(x, axes):
        return x.transpose(axes), (axes,)

    @staticmethod
    def backward(saved, g, needs):
        inv = tuple(np.argsort(saved[0]).tolist())
        return (b_transpose(g, inv),)


class Transpose(Permute):
    pass


class Expand(Op):
    @staticmethod
    def forward(x, shape):
        return np.broadcast_to(x, shape), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)   # the engine sums g back to the input's shape


def _add_rows(shape, axis, idx, g):
    """zeros(shape) plus g's slices along `axis` added at positions idx (1-D, repeats accumulate).

    Sort + reduceat instead of np.add.at, which is several times slower for row scatters.
    """
    n = shape[axis]
    gm = np.moveaxis(g, axis, 0) if axis else g
    if idx.size and idx.min() < 0:
        idx = np.where(idx < 0, idx + n, idx)
    out = np.zeros((n,) + tuple(gm.shape[1:]), dtype=g.dtype)
    if idx.size:
        order = np.argsort(idx, kind="stable")
        si = idx[order]
        starts = np.flatnonzero(np.concatenate(([True], si[1:] != si[:-1])))
        if starts.size == si.size:
            out[idx] = gm
        else:
            out[si[starts]] = np.add.reduceat(gm[order], starts, axis=0)
    return np.moveaxis(out, 0, axis) if axis else out


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


def _int_index(idx):
    """np.add.at mistreats boolean masks: spell each k-d mask as its k integer index arrays."""
    items = idx if type(idx) is tuple else (idx,)
    if not any(type(k) is np.ndarray and k.dtype == bool and k.ndim for k in items):
        return idx
    out = []
    for k in items:
        if type(k) is np.ndarray and k.dtype == bool and k.ndim:
            out.extend(np.nonzero(k))
        else:
            out.append(k)
    return tuple(out)


class Index(Op):
    """x[idx]; idx is a key NumPy understands (ints, slices, None, Ellipsis, int/bool arrays)."""
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, idx, basic):
        out = x[idx]
        if type(out) is not np.ndarray:   # all-integer index: NumPy gives a scalar, torch a 0-d view
            out = x[(idx if type(idx) is tuple else (idx,)) + (Ellipsis,)]
        return out, (x.shape, idx, basic)

    @staticmethod
    def backward(saved, g, needs):
        shape, idx, basic = saved
        if type(g) is np.ndarray:
            return (_index_backward(g, shape, idx, basic),)
        return (_apply(IndexBackward, (g,), shape, idx, basic),)


def _index_backward(g, shape, idx, basic):
    """zeros(shape) with g scattered back through the index (repeated positions accumulate)."""
    if basic:
        gx = np.zeros(shape, dtype=g.dtype)
        gx[idx] = g
        return gx
    if type(idx) is np.ndarray and idx.dtype != np.bool_ and idx.ndim:
        # x[int_array]: a row scatter along dim 0
        return _add_rows(shape, 0, idx.reshape(-1), g.reshape((idx.size,) + tuple(shape[1:])))
    items = idx if type(idx) is tuple else (idx,)
    if all(not (type(k) is np.ndarray and k.dtype != np.bool_) for k in items):
        gx = np.zeros(shape, dtype=g.dtype)   # only masks, ints and slices: no position repeats
        gx[idx] = g
        return gx
    gx = np.zeros(shape, dtype=g.dtype)
    np.add.at(gx, _int_index(idx), g)
    return gx


class IndexBackward(Op):
    """The adjoint of Index: scatter-add g into zeros (differentiable for double backward)."""
    saves = ("c", "c")
    bw_name = "IndexPutBackward0"

    @staticmethod
    def forward(g, shape, idx, basic):
        return _index_backward(g, shape, idx, basic), (idx, basic)

    @staticmethod
    def backward(saved, gg, needs):
        idx, basic = saved
        if type(gg) is np.ndarray:
            return (gg[idx],)
        return (_apply(Index, (gg,), idx, basic),)


class SetItem(Op):
    """x[idx] = v. Called through inplace(): forward writes into x itself (x's values are not needed
    in backward: the written region's gradient goes to v, the rest to the old x)."""
    saves = ("c", "c", "c")
    bw_name = "CopySlices"

    @staticmethod
    def forward(x, v, idx, basic):
        writable(x)[idx] = v
        return x, (idx, basic, v.shape)

    @staticmethod
    def backward(saved, g, needs):
        idx, basic, vshape = saved
        gx = gv = None
        if needs[0]:
            if type(g) is np.ndarray:
                gx = g.copy()
                gx[idx] = 0
            else:
                mask = np.ones(g.shape, dtype=bool)
                mask[idx] = False
                gx = g * mask
        if needs[1]:
            if type(g) is np.ndarray:
                gv = g[idx]
            else:
                gv = _apply(Index, (g,), idx, basic)
            # several writes to one element keep only the last: torch's gradient is then unspecified
        return gx, gv


class SetItemScalar(SetItem):
    """x[idx] = number (called through inplace(), like SetItem)."""
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, idx, basic, value):
        writable(x)[idx] = value
        return x, (idx, basic, ())

    @staticmethod
    def backward(saved, g, needs):
        return SetItem.backward(saved, g, (needs[0], False))[:1]


# ---- helpers (arrays) --------------------------------------------------------------------------

def _axis_index(axis, idx):
    return (slice(None),) * axis + (idx,)


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


def _pad_to(g, sub_shape, shape):
    """Zeros of `shape` with g written into the leading `sub_shape` block (adjoint of _leading)."""
    if tuple(sub_shape) == tuple(shape):
        return g
    if type(g) is np.ndarray:
        out = np.zeros(shape, dtype=g.dtype)
        out[tuple(slice(0, s) for s in sub_shape)] = g
        return out
    return _apply(IndexBackward, (g,), tuple(shape), tuple(slice(0, s) for s in sub_shape), True)


def _keep_mask(shape, idx):
    keep = np.ones(shape, dtype=bool)
    keep[idx] = False
    return keep


def _diag_view(x, offset, d1, d2):
    """A writable strided view of x's diagonal (dims d1, d2 removed, the diagonal appended last)."""
    n1, n2 = x.shape[d1], x.shape[d2]
    if offset >= 0:
        s1, s2, L = 0, offset, max(0, min(n1, n2 - offset))
    else:
        s1, s2, L = -offset, 0, max(0, min(n1 + offset, n2))
    if L > 0:
        sl = [slice(None)] * x.ndim
        sl[d1] = slice(s1, None)
        sl[d2] = slice(s2, None)
        x = x[tuple(sl)]
    keep = [d for d in range(x.ndim) if d != d1 and d != d2]
    shape = tuple(x.shape[d] for d in keep) + (L,)
    strides = tuple(x.strides[d] for d in keep) + (x.strides[d1] + x.strides[d2],)
    return np.lib.stride_tricks.as_strided(x, shape, strides)


def _unfold_view(x, dim, size, step):
    n = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
    st = x.strides
    strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
    return np.lib.stride_tricks.as_strided(x, shape, strides)


def _const(a):
    return _wrap(a)


# ---- joining and splitting ---------------------------------------------------------------------

class Cat(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(*args):
        axis = args[-1]
        xs = args[:-1]
        nd = max(x.ndim for x in xs)
        # torch's legacy rule: 1-D empty inputs are skipped when the others have more dims
        sizes = tuple(None if (x.ndim == 1 and x.shape[0] == 0 and nd > 1) else x.shape[axis] for x in xs)
        keep = [x for x, s in zip(xs, sizes) if s is not None]
        return np.concatenate(keep, axis=axis), (axis, sizes)

    @staticmethod
    def backward(saved, g, needs):
        axis, sizes = saved
        out = []
        o = 0
        for s, n in zip(sizes, needs):
            if s is None:
                out.append(g.reshape(-1)[0:0] if n else None)
                continue
            out.append(g[_axis_index(axis, slice(o, o + s))] if n else None)
            o += s
        return tuple(out)


class Stack(Op):
    saves = ("c",)

    @staticmethod
    def forward(*args):
        axis = args[-1]
        return np.stack(args[:-1], axis=axis), (axis,)

    @staticmethod
    def backward(saved, g, needs):
        axis = saved[0]
        return tuple(g[_axis_index(axis, i)] if n else None for i, n in enumerate(needs))


# ---- reordering --------------------------------------------------------------------------------

class Flip(Op):
    saves = ("c",)

    @staticmethod
    def forward(x, axes):
        return np.flip(x, axes).copy(), (axes,)

    @staticmethod
    def backward(saved, g, needs):
        axes = saved[0]
        return (np.flip(g, axes) if type(g) is np.ndarray else g.flip(axes),)


class Roll(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(x, shifts, axes):
        return np.roll(x, shifts, axes), (shifts, axes)

    @staticmethod
    def backward(saved, g, needs):
        shifts, axes = saved
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        if type(g) is np.ndarray:
            return (np.roll(g, neg, axes),)
        return (g.roll(neg, axes),)


class Repeat(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(x, reps):
        pad = (1,) * (len(reps) - x.ndim) + x.shape
        return np.tile(x.reshape(pad), reps), (x.shape, reps)

    @staticmethod
    def backward(saved, g, needs):
        shape, reps = saved
        pad = (1,) * (len(reps) - len(shape)) + tuple(shape)
        inter = []
        for r, s in zip(reps, pad):
            inter += [r, s]
        g = b_reshape(g, tuple(inter))
        return (b_reshape(b_sum(g, axis=tuple(range(0, 2 * len(reps), 2))), tuple(shape)),)


# ---- gather / scatter / index_* ---------------------------------------------------------------

class IndexSelect(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, axis, idx):
        return np.take(x, idx, axis=axis), (x.shape, axis, idx)

    @staticmethod
    def backward(saved, g, needs):
        shape, axis, idx = saved
        if type(g) is np.ndarray:
            return (_add_rows(shape, axis, idx, g),)
        return (_apply(IndexAdd, (_const(np.zeros(shape, dtype=g._data.dtype)), g), axis, idx, 1),)


class IndexAdd(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, src, axis, idx, alpha):
        out = x.copy()
        np.add.at(out, _axis_index(axis, idx), src * alpha if alpha != 1 else src)
        return out, (axis, idx, alpha)

    @staticmethod
    def backward(saved, g, needs):
        axis, idx, alpha = saved
        gs = None
        if needs[1]:
            gs = np.take(g, idx, axis=axis) if type(g) is np.ndarray else _apply(IndexSelect, (g,), axis, idx)
            if alpha != 1:
                gs = gs * alpha
        return (g if needs[0] else None), gs


class IndexCopy(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, src, axis, idx):
        out = x.copy()
        out[_axis_index(axis, idx)] = src
        return out, (axis, idx, _keep_mask(x.shape, _axis_index(axis, idx)))

    @staticmethod
    def backward(saved, g, needs):
        axis, idx, keep = saved
        gs = None
        if needs[1]:
            gs = np.take(g, idx, axis=axis) if type(g) is np.ndarray else _apply(IndexSelect, (g,), axis, idx)
        return (g * keep if needs[0] else None), gs


class MaskedFill(Op):
    """where(mask, value, x) for a Python scalar value (mask broadcasts to x)."""
    saves = ("c",)

    @staticmethod
    def forward(x, mask, value):
        out = x.copy()
        np.copyto(out, np.asarray(value).astype(x.dtype, casting="unsafe"), where=mask)
        return out, (mask,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * ~saved[0],)


class MaskedScatter(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(x, src, mask):
        out = x.copy()
        k = int(np.count_nonzero(mask))
        out[mask] = src.reshape(-1)[:k]
        return out, (mask, src.shape)

    @staticmethod
    def backward(saved, g, needs):
        mask, sshape = saved
        gx = gs = None
        if needs[0]:
            gx = g * ~mask
        if needs[1]:
            n = 1
            for s in sshape:
                n *= s
            if type(g) is np.ndarray:
                flat = np.zeros(n, dtype=g.dtype)
                sel = g[mask]
                flat[:sel.shape[0]] = sel
                gs = flat.reshape(sshape)
            else:
                sel = g[_const(mask)]
                gs = _pad_to(sel, sel.shape, (n,)).reshape(sshape)
        return gx, gs


class Gather(Op):
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
        z = _const(np.zeros(shape, dtype=g._data.dtype))
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
            with np.errstate(divide="ignore", invalid="ignore"):
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


# ---- diagonals, triangles, windows ------------------------------------------------------------

class Diagonal(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(x, offset, d1, d2):
        return _diag_view(x, offset, d1, d2), (x.shape, (offset, d1, d2))

    @staticmethod
    def backward(saved, g, needs):
        shape, args = saved
        if type(g) is np.ndarray:
            return (DiagEmbed.forward(g, shape, *args)[0],)
        return (_apply(DiagonalBackward, (g,), shape, *args),)


class DiagEmbed(Op):
    """Zeros of `shape` with g on the (offset, d1, d2) diagonal: the adjoint of Diagonal."""
    saves = ("c",)

    @staticmethod
    def forward(g, shape, offset, d1, d2):
        out = np.zeros(shape, dtype=g.dtype)
        _diag_view(out, offset, d1, d2)[...] = g
        return out, ((offset, d1, d2),)

    @staticmethod
    def backward(saved, gg, needs):
        offset, d1, d2 = saved[0]
        if type(gg) is np.ndarray:
            return (_diag_view(gg, offset, d1, d2),)
        return (gg.diagonal(offset, d1, d2),)


class DiagonalBackward(DiagEmbed):
    pass


class Tril(Op):
    saves = ("c",)

    @staticmethod
    def forward(x, k):
        return np.tril(x, k), (k,)

    @staticmethod
    def backward(saved, g, needs):
        return (np.tril(g, saved[0]) if type(g) is np.ndarray else g.tril(saved[0]),)


class Triu(Op):
    saves = ("c",)

    @staticmethod
    def forward(x, k):
        return np.triu(x, k), (k,)

    @staticmethod
    def backward(saved, g, needs):
        return (np.triu(g, saved[0]) if type(g) is np.ndarray else g.triu(saved[0]),)


class Unfold(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(x, dim, size, step):
        return _unfold_view(x, dim, size, step), (x.shape, (dim, size, step))

    @staticmethod
    def backward(saved, g, needs):
        shape, args = saved
        if type(g) is np.ndarray:
            return (UnfoldBackward.forward(g, shape, *args)[0],)
        return (_apply(UnfoldBackward, (g,), shape, *args),)


class UnfoldBackward(Op):
    saves = ("c",)

    @staticmethod
    def forward(g, shape, dim, size, step):
        out = np.zeros(shape, dtype=g.dtype)
        n = g.shape[dim]
        for j in range(size):     # a loop over the window length, not over elements
            sl = _axis_index(dim, slice(j, j + step * (n - 1) + 1, step))
            out[sl] += g[..., j]
        return out, ((dim, size, step),)

    @staticmethod
    def backward(saved, gg, needs):
        dim, size, step = saved[0]
        if type(gg) is np.ndarray:
            return (_unfold_view(gg, dim, size, step),)
        return (gg.unfold(dim, size, step),)



class IndexPut(Op):
    """x.index_put(indices, values, accumulate): indices is a NumPy advanced-index tuple."""
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, v, idx, accumulate):
        out = x.copy()
        if accumulate:
            np.add.at(out, _int_index(idx), np.broadcast_to(v, out[idx].shape))
            return out, (idx, accumulate, None)
        out[idx] = v
        return out, (idx, accumulate, _keep_mask(x.shape, idx))

    @staticmethod
    def backward(saved, g, needs):
        idx, accumulate, keep = saved
        gx = gv = None
        if needs[0]:
            gx = g if accumulate else g * keep
        if needs[1]:
            gv = g[idx] if type(g) is np.ndarray else _apply(Index, (g,), idx, False)
        return gx, gv


class AsStridedView(AsStrided):   # the user-facing as_strided
    """x.as_strided(size, stride, offset) on a C-contiguous x: a NumPy strided view of x's memory."""
    bw_name = "AsStridedBackward0"

    @staticmethod
    def forward(x, size, stride, offset, pos, overlap):
        isz = x.itemsize
        out = np.lib.stride_tricks.as_strided(x.reshape(-1)[offset:], size, tuple(s * isz for s in stride))
        return out, (pos, x.shape, overlap)


# ---- torch's grad_fn names --------------------------------------------------------------------
# The same kernels under the names torch gives their backward nodes (`grad_fn.name()`): the engine
# reads `op.bw_name` only, so a subclass that renames costs nothing at run time.

class Unsqueeze(Reshape):
    bw_name = "UnsqueezeBackward0"


class SqueezeAll(Reshape):
    bw_name = "SqueezeBackward0"       # squeeze()


class SqueezeDim(Reshape):
    bw_name = "SqueezeBackward1"       # squeeze(int)


class SqueezeDims(Reshape):
    bw_name = "SqueezeBackward2"       # squeeze(tuple)


class TransposeT(Transpose):
    bw_name = "TBackward0"             # t()


class Select(Index):
    bw_name = "SelectBackward0"        # x[i], select, unbind


class Slice(Index):
    bw_name = "SliceBackward0"         # x[a:b], narrow, tensor_split


class Alias(Index):
    bw_name = "AliasBackward0"         # x[...], x[:, :]


class IndexUnsqueeze(Index):
    bw_name = "UnsqueezeBackward0"     # x[None]


class Split(Index):
    bw_name = "SplitBackward0"         # split(int), chunk


class SplitWithSizes(Index):
    bw_name = "SplitWithSizesBackward0"


class Unbind(Index):
    bw_name = "UnbindBackward0"


class MaskedSelect(Index):
    bw_name = "MaskedSelectBackward0"


class Take(Index):
    bw_name = "TakeBackward0"


class IndexFill(MaskedFill):
    bw_name = "IndexFillBackward0"


class Trace(Op):
    saves = ("c",)

    @staticmethod
    def forward(x):
        # integer traces accumulate in int64, like torch's sum
        return np.asarray(np.trace(x, dtype=np.int64 if x.dtype.kind in "biu" else x.dtype)), (x.shape,)

    @staticmethod
    def backward(saved, g, needs):
        # d trace / dx = the identity (rectangular: ones on the main diagonal)
        n, m = saved[0]
        if type(g) is np.ndarray:
            return (np.eye(n, m, dtype=g.dtype) * g,)
        return (_const(np.eye(n, m, dtype=g._data.dtype)) * g,)


class Rot90(Op):
    saves = ("c",)

    @staticmethod
    def forward(x, k, d0, d1):
        # torch's layout: a flipped copy, then (k odd) a transposed view of it
        if k == 1:
            out = np.swapaxes(np.flip(x, d1).copy(), d0, d1)
        elif k == 2:
            out = np.flip(x, (d0, d1)).copy()
        elif k == 3:
            out = np.swapaxes(np.flip(x, d0).copy(), d0, d1)
        else:
            out = x.copy()
        return out, ((k, d0, d1),)

    @staticmethod
    def backward(saved, g, needs):
        k, d0, d1 = saved[0]
        if type(g) is np.ndarray:
            return (np.rot90(g, -k, (d0, d1)),)
        return (g.rot90(-k, (d0, d1)),)


class RepeatInterleave(IndexSelect):
    bw_name = "ViewBackward0"          # repeat_interleave(int): torch views an expanded copy


from .convert import Clone as _Clone  # noqa: E402


class DiagonalCopy(_Clone):
    bw_name = "DiagonalBackward0_copy"   # diag() of a matrix


class ReshapeCopy(Reshape):
    bw_name = "UnsafeViewBackward0"      # reshape that had to copy


class ExpandSame(Reshape):
    bw_name = "ExpandBackward0"          # expand to the same shape: a plain (writable) view
