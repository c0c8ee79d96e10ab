"""`ember.*` function forms of the math ops: pointwise, reductions, softmax, random sampling.

Star-imported at the end of `ember/_functional.py`. Each function matches the `torch.*` function
of the same name; most are one call into the Tensor method or a recording hook.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from . import _dtype as D
from ._ops import pointwise as P
from ._ops import reduction as R
from ._ops._base import normalize_dim
from ._methods.reduction import _axes
from ._tensor import Tensor
from ._tensor_base import _KIND, _apply, _binary, _result_np, _scalar_np, _unary, _wrap
from ._inplace import can_cast as _can_cast
from .autograd.grad_mode import STATE

__all__ = [
    "sum", "mean", "nansum", "nanmean", "prod", "var", "std", "var_mean",
    "std_mean", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin",
    "logsumexp", "logcumsumexp", "norm", "cumsum", "cumprod", "cummax", "cummin", "all",
    "any", "count_nonzero", "median", "mode", "kthvalue", "topk", "sort", "argsort",
    "msort", "unique", "bincount", "histc", "softmax", "log_softmax", "normal", "bernoulli",
    "multinomial", "poisson", "dist", "quantile", "nanquantile", "nanmedian", "cov", "corrcoef",
    "histogram", "unique_consecutive", "_vector_norm", "_matrix_norm", "return_types",
]


def _t(x):
    if isinstance(x, Tensor):
        return x
    from ._creation import tensor
    return tensor(x)


def _out(res, out):
    """Write `res` into a user-supplied `out=` tensor (resized like torch when shapes differ)."""
    if out is None:
        return res
    if not _can_cast(res._data.dtype, out._data.dtype):
        raise RuntimeError(f"result type {D.scalar_type_name(res._data.dtype)} can't be cast to the desired output "
                           f"type {D.scalar_type_name(out._data.dtype)}")
    if out._rg and STATE.enabled:
        raise RuntimeError("functions with out=... arguments don't support automatic differentiation, but one of "
                           "the arguments requires grad.")
    if out._data.shape == res._data.shape:
        np.copyto(out._data, res._data, casting="unsafe")
    else:
        out._data = res._data.astype(out._data.dtype)
    out._vc[0] += 1
    return out


class return_types:
    """Named-tuple classes returned by max/min/sort/topk/... (torch.return_types)."""
    from ._methods.reduction import RT as _RT
    max = _RT["max"]
    min = _RT["min"]
    median = _RT["median"]
    mode = _RT["mode"]
    kthvalue = _RT["kthvalue"]
    topk = _RT["topk"]
    sort = _RT["sort"]
    cummax = _RT["cummax"]
    cummin = _RT["cummin"]
    aminmax = _RT["aminmax"]
    del _RT


# ---- arithmetic ---------------------------------------------------------------------------------------









































































































def nanmedian(input, dim=None, keepdim=False):
    return _t(input).nanmedian(dim, keepdim)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) over the columns (observations). Matches `torch.cov` (no weights)."""
    x = _t(input)
    if fweights is not None or aweights is not None:
        raise NotImplementedError("ember: torch.cov with fweights/aweights is not implemented")
    if x._data.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                         f"{x._data.ndim} dimensions")
    if x._data.ndim < 2:
        x = x.reshape(1, -1)
    if x._data.dtype.kind != "f":
        x = x.float()
    n = x._data.shape[1]
    xm = x - x.mean(1, keepdim=True)
    c = xm.matmul(xm.transpose(0, 1)) / builtins.max(0, n - correction)
    return c.reshape(()) if _t(input)._data.ndim < 2 else c


def corrcoef(input):
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    d = _wrap(np.sqrt(np.diagonal(c._data)).copy()) if not c._rg else None
    if d is None:
        s = _t(input)
        s = (s if s._data.dtype.kind == "f" else s.float())
        d = s.var(1).sqrt()
    r = c / d.unsqueeze(1) / d.unsqueeze(0)
    return r.clamp(-1, 1)


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    x = _t(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                           f"input {x.dtype.name} and bins float")
    b = bins._data if isinstance(bins, Tensor) else bins
    w = None if weight is None else _t(weight)._data
    h, edges = np.histogram(x._data.reshape(-1), bins=b, range=range, weights=None if w is None else w.reshape(-1),
                            density=density)
    from ._methods.reduction import RT
    return RT["histogram"](_wrap(h.astype(x._data.dtype)), _wrap(edges.astype(x._data.dtype)))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    x = _t(input)._data
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














def dist(input, other, p=2):
    """p-norm of input - other (broadcast). Matches `torch.dist`."""
    return _vector_norm(_t(input) - other, p)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """q-th quantiles along `dim` (all elements by default). Matches `torch.quantile`; differentiable."""
    return _out(_quantile(input, q, dim, keepdim, interpolation, False), out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """`quantile` ignoring NaNs (a slice of NaNs gives NaN). Matches `torch.nanquantile`."""
    return _out(_quantile(input, q, dim, keepdim, interpolation, True), out)


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    name = "nanquantile" if ignore_nan else "quantile"
    x = _t(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                           f"Got {interpolation}")
    scalar_q = not isinstance(q, Tensor) or q._data.ndim == 0
    qa = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64).reshape(-1)
    if isinstance(q, Tensor) and q._data.dtype is not x._data.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if isinstance(q, Tensor) and q._data.ndim > 1:
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
        raise IndexError(f"{name}() input tensor must be non-empty")
    srt = src.sort(d).values                       # NaN sorts last
    isnan = np.isnan(srt._data)
    valid = (n - isnan.sum(axis=d, keepdims=True)) if ignore_nan else np.full(isnan.sum(axis=d, keepdims=True).shape, n)
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
    v_lo = _unary(R.TakeAlong, srt, lo, d, False)
    v_hi = _unary(R.TakeAlong, srt, hi, d, False)
    res = v_lo + (v_hi - v_lo) * _wrap(frac) if (frac != 0).any() else v_lo
    nan_slices = (valid == 0) if ignore_nan else isnan.any(axis=d, keepdims=True)
    if nan_slices.any():
        from ._functional import where
        res = where(_wrap(np.broadcast_to(nan_slices, res._data.shape)), _wrap(np.array(np.nan, res._data.dtype)),
                    res)
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


# ---- reductions --------------------------------------------------------------------------------------

def sum(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    return _out(_t(input).sum(dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims), out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    return _out(_t(input).mean(dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims), out)


def nansum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    return _t(input).nansum(dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    return _out(_t(input).nanmean(dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims), out)


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    return _t(input).prod(dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None, axis=None, keepdims=None):
    return _out(_t(input).var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None, axis=None, keepdims=None):
    return _out(_t(input).std(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    x = _t(input)
    if isinstance(dim, builtins.bool):
        unbiased, dim = dim, None
    return x.var(dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    x = _t(input)
    if isinstance(dim, builtins.bool):
        unbiased, dim = dim, None
    return x.std(dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)


def max(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    return _t(input).max(dim, keepdim, axis=axis, keepdims=keepdims)


def min(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    return _t(input).min(dim, keepdim, axis=axis, keepdims=keepdims)


def amax(input, dim=(), keepdim=False, *, out=None, axis=None, keepdims=None):
    return _out(_t(input).amax(dim, keepdim, axis=axis, keepdims=keepdims), out)


def amin(input, dim=(), keepdim=False, *, out=None, axis=None, keepdims=None):
    return _out(_t(input).amin(dim, keepdim, axis=axis, keepdims=keepdims), out)


def aminmax(input, *, dim=None, keepdim=False):
    return _t(input).aminmax(dim=dim, keepdim=keepdim)


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _t(input).argmax(dim, keepdim, axis=axis, keepdims=keepdims)


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _t(input).argmin(dim, keepdim, axis=axis, keepdims=keepdims)


def logsumexp(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    return _out(_t(input).logsumexp(dim, keepdim, axis=axis, keepdims=keepdims), out)


def logcumsumexp(input, dim, *, out=None):
    return _out(_t(input).logcumsumexp(dim), out)


def cumsum(input, dim, *, dtype=None, out=None):
    return _out(_t(input).cumsum(dim, dtype=dtype), out)


def cumprod(input, dim, *, dtype=None, out=None):
    return _out(_t(input).cumprod(dim, dtype=dtype), out)


def cummax(input, dim):
    return _t(input).cummax(dim)


def cummin(input, dim):
    return _t(input).cummin(dim)


def all(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    return _t(input).all(dim, keepdim, axis=axis, keepdims=keepdims)


def any(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    return _t(input).any(dim, keepdim, axis=axis, keepdims=keepdims)


def count_nonzero(input, dim=None):
    return _t(input).count_nonzero(dim)


def median(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _t(input).median(dim, keepdim, axis=axis, keepdims=keepdims)


def mode(input, dim=-1, keepdim=False):
    return _t(input).mode(dim, keepdim)


def kthvalue(input, k, dim=-1, keepdim=False):
    return _t(input).kthvalue(k, dim, keepdim)


def topk(input, k, dim=-1, largest=True, sorted=True):
    return _t(input).topk(k, dim, largest, sorted)


def sort(input, dim=-1, descending=False, stable=False):
    return _t(input).sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):
    return _t(input).argsort(dim, descending, stable)


def msort(input):
    return _t(input).msort()


def softmax(input, dim=None, dtype=None):
    return _t(input).softmax(dim, dtype)


def log_softmax(input, dim=None, dtype=None):
    return _t(input).log_softmax(dim, dtype)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    x = _t(input)._data
    if dim is not None:
        d = normalize_dim(dim, x.ndim)
        res = np.unique(x, return_inverse=True, return_counts=True, axis=d)
    else:
        res = np.unique(x.reshape(-1), return_inverse=True, return_counts=True)
    vals, inv, cnt = res
    out = [_wrap(vals)]
    if return_inverse:
        inv = inv.reshape(x.shape if dim is None else -1).astype(np.int64)
        out.append(_wrap(inv))
    if return_counts:
        out.append(_wrap(cnt.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    x = _t(input)._data
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_t(input).dtype.name}'")
    if x.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if x.size and x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _wrap(np.bincount(x, minlength=minlength).astype(np.int64))
    w = _t(weights)._data
    if w.shape != x.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    r = np.bincount(x, weights=w, minlength=minlength)
    return _wrap(r.astype(w.dtype if w.dtype.kind == "f" else np.float64))


def histc(input, bins=100, min=0, max=0, *, out=None):
    x = _t(input)._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_t(input).dtype.name}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {lo} max {hi}")
    v = x.reshape(-1)
    v = v[(v >= lo) & (v <= hi)]
    # torch's binning: floor((v - lo) * bins / (hi - lo)), the top edge falls into the last bin
    idx = ((v.astype(np.float64) - lo) * bins / (hi - lo)).astype(np.int64)
    idx = np.minimum(idx, bins - 1)
    return _out(_wrap(np.bincount(idx, minlength=bins).astype(x.dtype)), out)


# ---- norms --------------------------------------------------------------------------------------------

def _ord(p):
    if isinstance(p, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a number as ord, got the string {p!r}")
    return float(p)


def _vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The p-norm of the entries of x over `dim` (all by default). Matches `torch.linalg.vector_norm`."""
    x = _t(x)
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype.name.capitalize()}")
    p = _ord(ord)
    axes = _axes(dim, x._data.ndim)
    if p < 0 and x._data.size == 0 or (p == np.inf and x._data.size == 0 and axes is None):
        raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
                           "operation does not have an identity")
    return _out(_unary(R.Norm, x, p, axes, keepdim), out)


def _matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims `dim`. Matches `torch.linalg.matrix_norm` (fro, nuc, +-1, +-2, +-inf)."""
    A = _t(A)
    if dtype is not None:
        A = A.to(dtype)
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind != "f":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.name.capitalize()}")
    d0, d1 = (normalize_dim(d, A._data.ndim) for d in dim)
    if ord == "fro":
        return _out(_unary(R.Norm, A, 2.0, (d0, d1), keepdim), out)
    if ord == "nuc" or ord in (2, -2):
        # singular values: move the two dims last
        perm = [i for i in range(A._data.ndim) if i not in (d0, d1)] + [d0, d1]
        M = A.permute(*perm) if perm != list(range(A._data.ndim)) else A
        s = _svdvals(M)
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            r = r.unsqueeze(builtins.min(d0, d1)).unsqueeze(builtins.max(d0, d1))
        return _out(r, out)
    if ord in (1, -1, np.inf, -np.inf):
        red, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = A.abs().sum(red, keepdim=True)
        r = s.amax(other, keepdim=True) if ord > 0 else s.amin(other, keepdim=True)
        if not keepdim:
            r = r.squeeze(builtins.max(d0, d1)).squeeze(builtins.min(d0, d1))
        return _out(r, out)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


class _SvdVals(R.Op):
    saves = ("c", "c")
    bw_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return s.astype(a.dtype, copy=False), (u, vh)

    @staticmethod
    def backward(saved, g, needs):
        u, vh = saved
        # d s_i = u_i^T dA v_i  =>  dA = U diag(g) V^H
        if hasattr(g, "_data"):
            raise RuntimeError("ember: double backward through singular values is not implemented")
        return ((u * g[..., None, :]) @ vh,)


def _svdvals(M):
    return _unary(_SvdVals, M)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector or matrix norm. Matches `torch.norm` (prefer ember.linalg.vector_norm/matrix_norm)."""
    x = _t(input)
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return _vector_norm(x, 2, dim, keepdim, dtype=dtype, out=out)
        if p == "nuc":
            return _matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype, out=out)
        raise RuntimeError(f"norm(): unsupported norm type {p!r}")
    return _vector_norm(x, 2 if p is None else p, dim, keepdim, dtype=dtype, out=out)


# ---- random sampling ------------------------------------------------------------------------------------

def _np_gen(generator):
    from .random import _gen
    return _gen(generator)


def _float_dt(dtype):
    return (D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()).np


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Samples from N(mean, std^2), with tensor or number mean/std (broadcast). Matches `torch.normal`."""
    g = _np_gen(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if mt or st:
        m = mean._data if mt else mean
        s = std._data if st else std
        if np.any(np.asarray(s) < 0):
            raise RuntimeError(f"normal expects all elements of std >= 0.0")
        dt = (mean if mt else std)._data.dtype
        if dt.kind != "f":
            raise RuntimeError("normal expects floating-point mean/std")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        z = g.standard_normal(shape, dtype=dt if dt != np.float16 else np.float32)
        r = (z * s + m).astype(dt, copy=False)
    else:
        if size is None:
            raise TypeError("normal() missing the `size` argument for number mean and std")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        dt = _float_dt(dtype)
        shape = tuple(size) if not isinstance(size, int) else (size,)
        r = (g.standard_normal(shape, dtype=dt if dt != np.float16 else np.float32) * std + mean).astype(dt, copy=False)
    t = _out(_wrap(r), out)
    if requires_grad:
        t.requires_grad_(True)
    return t


def bernoulli(input, p=None, *, generator=None, out=None):
    x = _t(input)
    probs = x._data if p is None else np.full(x._data.shape, p, dtype=np.float64)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    u = _np_gen(generator).random(x._data.shape, dtype=np.float32 if probs.dtype != np.float64 else np.float64)
    return _out(_wrap((u < probs).astype(x._data.dtype)), out)


def poisson(input, generator=None):
    x = _t(input)
    if np.any(x._data < 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _wrap(_np_gen(generator).poisson(x._data).astype(x._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    x = _t(input)
    p = x._data
    if p.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {p.ndim}")
    if p.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {x.dtype.name}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = p.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    P2 = p.reshape(-1, n).astype(np.float64)
    if np.any(P2 < 0) or not np.all(np.isfinite(P2)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    tot = P2.sum(-1, keepdims=True)
    if np.any(tot <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    g = _np_gen(generator)
    rows = P2.shape[0]
    if replacement:
        cdf = np.cumsum(P2 / tot, -1)
        cdf[:, -1] = 1.0
        u = g.random((rows, num_samples))
        off = np.arange(rows)[:, None]
        idx = np.searchsorted((cdf + off).reshape(-1), (u + off).reshape(-1), side="right").reshape(rows, -1)
        idx = np.minimum(idx - off * n, n - 1)
    else:
        # Gumbel-top-k: without-replacement sampling in one vectorised pass
        with np.errstate(divide="ignore"):
            keys = np.log(P2) - np.log(-np.log(g.random(P2.shape)))
        idx = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64)
    return _out(_wrap(idx.reshape(p.shape[:-1] + (num_samples,))), out)


def _random_fill(self, kind, args, generator):
    """Fill `self` in place with samples (the in-place random methods)."""
    g = _np_gen(generator)
    x = self._data
    dt = x.dtype
    fdt = dt if dt in (np.float32, np.float64) else np.float64
    shape = x.shape
    if kind == "uniform":
        a, b = args
        if a > b:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
        r = g.random(shape, dtype=fdt) * (b - a) + a if fdt != np.float64 else g.uniform(a, b, shape)
    elif kind == "normal":
        m, s = args
        if s < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {s}")
        r = g.standard_normal(shape, dtype=fdt) * s + m
    elif kind == "bernoulli":
        p = args[0]
        pd = p._data if isinstance(p, Tensor) else p
        if np.any((np.asarray(pd) < 0) | (np.asarray(pd) > 1)):
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        r = g.random(shape) < pd
    elif kind == "random":
        lo, hi = args
        if hi is None:
            if dt.kind == "f":
                hi = 2 ** np.finfo(dt).nmant + 1
            elif dt.kind == "b":
                hi = 2
            else:
                hi = int(np.iinfo(dt).max) + 1
            if lo and lo >= hi:
                raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
        r = g.integers(lo, hi, shape, dtype=np.int64)
    elif kind == "exponential":
        lam = args[0]
        if lam <= 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lam}")
        r = g.standard_exponential(shape, dtype=fdt) / lam
    elif kind == "geometric":
        p = args[0]
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        r = g.geometric(p, shape)
    elif kind == "log_normal":
        m, s = args
        r = np.exp(g.standard_normal(shape, dtype=fdt) * s + m)
    else:   # cauchy
        m, s = args
        r = m + s * np.tan(np.pi * (g.random(shape, dtype=fdt) - 0.5))
    if STATE.enabled and (self._rg or self._node is not None):
        return self.copy_(_wrap(np.asarray(r)))
    np.copyto(x, r, casting="unsafe")
    self._vc[0] += 1
    return self
