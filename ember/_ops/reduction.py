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
        if np_dtype is None and (x.dtype == np.float32 or x.dtype == np.float64):
            # add.reduce / n is what ndarray.mean does, minus its Python-level bookkeeping
            out = np.add.reduce(x, axis=axes, keepdims=keepdim)
            n = _numel(x.shape, axes)
            if type(out) is np.ndarray:
                out /= n
            else:
                out = out / n if n else out * np.nan
            return out, (x.shape, axes, keepdim)
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


# torch names the node of a reduction over given dims differently from a full reduction
class SumDim(Sum):
    bw_name = "SumBackward1"


class MeanDim(Mean):
    bw_name = "MeanBackward1"


# =================================================================================================
# Issue 3: more reductions, scans and value-selecting reductions (softmax kernels live in _ops/nn.py).
# Rules use operators and b_* helpers (arrays or Tensors) where practical; the few that need
# scatter/gather on Tensors call the TakeAlong/ScatterAlong ops below, which are each other's rule.
# =================================================================================================
from ._base import b_exp  # noqa: E402

builtin_max = max


def _data(x):
    return x._data if hasattr(x, "_data") else x


def _numel(shape, axes):
    n = 1
    if axes is None:
        for s in shape:
            n *= s
    else:
        for a in axes:
            n *= shape[a]
    return n


def _keep(g, shape, axes, keepdim):
    return g if keepdim else b_unsqueeze_like(g, shape, axes)


def _mean_keep(x, axes):
    if hasattr(x, "_data"):
        return x.mean(dim=axes, keepdim=True) if axes is not None else x.mean().reshape((1,) * x.ndim)
    return x.mean(axis=axes, keepdims=True)


class NanSum(Op):
    saves = ("x0", "c", "c")
    bw_name = "NansumBackward0"

    @staticmethod
    def forward(x, axes, keepdim, np_dtype=None):
        return np.nansum(x, axis=axes, keepdims=keepdim, dtype=np_dtype), (x, axes, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        x, axes, keepdim = saved
        g = _keep(g, x.shape, axes, keepdim)
        return (g * ~np.isnan(_data(x)),)


class Prod(Op):
    saves = ("x0", "out", "c", "c")

    @staticmethod
    def forward(x, axis, keepdim, np_dtype=None):
        out = x.prod(axis=axis, keepdims=keepdim, dtype=np_dtype)
        return out, (x, out, axis, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        x, out, axis, keepdim = saved
        axes = None if axis is None else (axis,)
        g = _keep(g, x.shape, axes, keepdim)
        out = _keep(out, x.shape, axes, keepdim)
        xd = _data(x)
        if not (xd == 0).any():
            return (g * out / x,)
        # zeros present: product of all the other elements via exclusive prefix/suffix products
        a = xd.reshape(-1) if axis is None else np.moveaxis(xd, axis, -1)
        ones = np.ones(a.shape[:-1] + (1,), a.dtype)
        pre = np.cumprod(np.concatenate([ones, a[..., :-1]], -1), -1)
        suf = np.cumprod(np.concatenate([ones, a[..., :0:-1]], -1), -1)[..., ::-1]
        others = pre * suf
        others = others.reshape(xd.shape) if axis is None else np.moveaxis(others, -1, axis)
        return (g * others,)


class ProdDim(Prod):
    bw_name = "ProdBackward1"


class Var(Op):
    saves = ("x0", "c", "c", "c")

    @staticmethod
    def forward(x, axes, correction, keepdim):
        n = _numel(x.shape, axes)
        d = x - np.add.reduce(x, axis=axes, keepdims=True) / x.dtype.type(n) if n else x - x
        np.multiply(d, d, out=d)
        out = np.add.reduce(d, axis=axes, keepdims=keepdim)
        # torch divides by max(0, n - correction): inf (or nan for 0/0) when nothing is left
        out = out / x.dtype.type(builtin_max(0, n - correction))
        return out, (x, axes, correction, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        x, axes, correction, keepdim = saved
        n = _numel(x.shape, axes)
        g = _keep(g, x.shape, axes, keepdim)
        # d var / dx = 2 (x - mean) / (n - correction)
        return (g * (x - _mean_keep(x, axes)) * (2.0 / (n - correction) if n - correction > 0 else np.inf),)


class Std(Op):
    saves = ("x0", "out", "c", "c", "c")

    @staticmethod
    def forward(x, axes, correction, keepdim):
        v, _ = Var.forward(x, axes, correction, keepdim)
        out = np.sqrt(v)
        return out, (x, out, axes, correction, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        x, out, axes, correction, keepdim = saved
        n = _numel(x.shape, axes)
        g = _keep(g, x.shape, axes, keepdim)
        out = _keep(out, x.shape, axes, keepdim)
        d = (n - correction) if n - correction > 0 else 0.0
        return (g * (x - _mean_keep(x, axes)) / (out * d),)


class Amax(Op):
    """amax/amin and full max()/min(): the gradient is shared evenly among tied extrema (torch)."""
    saves = ("x0", "out", "c", "c")

    @staticmethod
    def forward(x, axes, keepdim):
        out = np.max(x, axis=axes, keepdims=keepdim)
        return out, (x, out, axes, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        x, out, axes, keepdim = saved
        xd = _data(x)
        od = _keep(_data(out), xd.shape, axes, keepdim)
        m = xd == od
        cnt = m.sum(axis=axes, keepdims=True)
        return (_keep(g, xd.shape, axes, keepdim) * (m / cnt).astype(xd.dtype, copy=False),)


class Amin(Amax):
    @staticmethod
    def forward(x, axes, keepdim):
        out = np.min(x, axis=axes, keepdims=keepdim)
        return out, (x, out, axes, keepdim)


class TakeAlong(Op):
    """out = x gathered at `idx` along `dim` (values of max/min/sort/topk/median/...).

    idx has x's rank; with `squeeze` the (size-1) dim is dropped from the result.
    The rule scatters g back (adding where indices repeat, e.g. cummax).
    """
    saves = ("c", "c", "c", "c", "c")
    bw_name = "GatherBackward0"

    @staticmethod
    def forward(x, idx, dim, squeeze, unique=True, vals=None):
        # `vals`: the values when the caller already has them (max/min compute them directly)
        if vals is None:
            vals = np.take_along_axis(x, idx, axis=dim)
            if squeeze:
                vals = vals.squeeze(dim)
        return vals, (x.shape, idx, dim, squeeze, unique)

    @staticmethod
    def backward(saved, g, needs):
        shape, idx, dim, squeeze, unique = saved
        if hasattr(g, "_data"):
            from ember._tensor_base import _unary
            return (_unary(ScatterAlong, g, idx, dim, squeeze, shape, unique),)
        return (ScatterAlong.forward(g, idx, dim, squeeze, shape, unique)[0],)


class ScatterAlong(Op):
    """The adjoint of TakeAlong: zeros of `shape` with g added at `idx` along `dim`."""
    saves = ("c", "c", "c")
    bw_name = "ScatterAddBackward0"

    @staticmethod
    def forward(g, idx, dim, squeeze, shape, unique=True):
        if squeeze:
            g = np.expand_dims(g, dim)
        out = np.zeros(shape, g.dtype)
        if unique:
            np.put_along_axis(out, idx, g, axis=dim)
        else:
            # repeated indices: accumulate through a flat index
            full = np.indices(idx.shape, sparse=True)
            ix = list(np.broadcast_arrays(*full))
            ix[dim] = idx
            np.add.at(out, tuple(ix), np.broadcast_to(g, idx.shape))
        return out, (idx, dim, squeeze)

    @staticmethod
    def backward(saved, g, needs):
        idx, dim, squeeze = saved
        if hasattr(g, "_data"):
            from ember._tensor_base import _unary
            return (_unary(TakeAlong, g, idx, dim, squeeze),)
        return (TakeAlong.forward(g, idx, dim, squeeze)[0],)


# torch names the node after the op that selected the values
class MaxDim(TakeAlong):
    bw_name = "MaxBackward0"


class MinDim(TakeAlong):
    bw_name = "MinBackward0"


class Sort(TakeAlong):
    bw_name = "SortBackward0"


class Topk(TakeAlong):
    bw_name = "TopkBackward0"


class Kthvalue(TakeAlong):
    bw_name = "KthvalueBackward0"


class Median(TakeAlong):
    bw_name = "MedianBackward1"


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
    saves = TakeAlong.saves + ("x0", "out")
    bw_name = "MedianBackward0"

    @staticmethod
    def forward(x, idx, dim, squeeze, unique=True, vals=None):
        out, saved = TakeAlong.forward(x, idx, dim, squeeze, unique, vals)
        return out, saved + (x, out)


class NanmedianAll(MedianAll):
    bw_name = "NanmedianBackward0"


class Nanmedian(TakeAlong):
    bw_name = "NanmedianBackward1"


class Mode(TakeAlong):
    bw_name = "ModeBackward0"


class Cummax(_TakeAlongSavingInput):
    bw_name = "CummaxBackward0"


class Cummin(_TakeAlongSavingInput):
    bw_name = "CumminBackward0"


class MaxAll(Amax):
    bw_name = "MaxBackward1"


class MinAll(Amin):
    bw_name = "MinBackward1"


class Logsumexp(Op):
    saves = ("x0", "out", "c", "c")

    @staticmethod
    def forward(x, axes, keepdim):
        if x.size == 0:
            out = np.log(np.sum(np.exp(x), axis=axes, keepdims=keepdim))
            return out, (x, out, axes, keepdim)
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        if not keepdim:
            out = out.squeeze(axes) if axes is not None else out.reshape(())
        return out, (x, out, axes, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        x, out, axes, keepdim = saved
        g = _keep(g, x.shape, axes, keepdim)
        out = _keep(out, x.shape, axes, keepdim)
        return (g * b_exp(x - out),)


def _rev_cumsum(g, dim):
    # sum_{j >= i} g_j = total - cumsum + g (only cumsum and elementwise ops: works on Tensors)
    if hasattr(g, "_data"):
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
        xd = _data(x)
        if not (xd == 0).any():
            return (_rev_cumsum(g * out, dim) / x,)
        # zeros: grad_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i, with an n x n triangle per row
        if hasattr(g, "_data"):
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
        if hasattr(g, "_data"):
            return (_rev_cumsum(g * b_exp(-out), dim) * b_exp(x),)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            gp = np.where(g > 0, g, 0)
            gn = np.where(g < 0, -g, 0)
            res = 0
            for part, sign in ((gp, 1), (gn, -1)):
                lg = np.log(part) - out
                # reversed logcumsumexp of lg, then shift by x
                r = np.flip(np.logaddexp.accumulate(np.flip(lg, dim), axis=dim), dim)
                res = res + sign * np.exp(r + x)
        return (np.nan_to_num(res, nan=0.0).astype(x.dtype, copy=False),)


class Norm(Op):
    """vector_norm(x, ord, dim, keepdim)."""
    saves = ("x0", "out", "c", "c", "c")
    bw_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(x, p, axes, keepdim):
        if p == 2:
            out = np.sqrt(np.add.reduce(x * x, axis=axes, keepdims=keepdim))
        elif p == 1:
            out = np.add.reduce(np.abs(x), axis=axes, keepdims=keepdim)
        elif p == np.inf:
            out = np.max(np.abs(x), axis=axes, keepdims=keepdim)
        elif p == -np.inf:
            out = np.min(np.abs(x), axis=axes, keepdims=keepdim)
        elif p == 0:
            out = np.add.reduce(x != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
        else:
            out = np.add.reduce(np.abs(x) ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
        return out, (x, out, p, axes, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        x, out, p, axes, keepdim = saved
        xd = _data(x)
        g = _keep(g, xd.shape, axes, keepdim)
        out = _keep(out, xd.shape, axes, keepdim)
        od = _data(out)
        if p == 0:
            return (g * 0,)
        sgn = np.sign(xd)
        if p == 1:
            return (g * sgn,)
        if p == np.inf or p == -np.inf:
            m = np.abs(xd) == od
            return (g * (sgn * m / m.sum(axis=axes, keepdims=True)).astype(xd.dtype, copy=False),)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                r = x / out
            else:
                r = x * abs(x) ** (p - 2) / out ** (p - 1)
        zero = od == 0
        if zero.any():
            r = r * ~zero if hasattr(r, "_data") else np.where(zero, 0, r)
        return (g * r,)
