"""Reductions, scans, sorting and the softmax family as Tensor methods (plus new_* constructors
and the in-place random fills)."""
from __future__ import annotations

import collections

import numpy as np

from .._ops import reduction as R
from .._ops._base import normalize_dim, normalize_dims
from .._tensor_base import _binary, _unary, _wrap



def _int_sum_dtype(x, dtype):
    if dtype is not None:
        from .._dtype import to_dtype
        return to_dtype(dtype).np
    if x.dtype.kind in "biu":
        return np.dtype(np.int64)   # torch sums bool/integers as int64
    return None


def _axes(dim, ndim):
    """None (reduce all) for dim None or empty; otherwise a tuple of non-negative dims."""
    if dim is None:
        return None
    if type(dim) is int:
        return (normalize_dim(dim, ndim),)
    if len(dim) == 0:
        return None
    return normalize_dims(dim, ndim)


def _rt(name, fields=("values", "indices")):
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "torch.return_types"
    cls.__repr__ = lambda self: f"torch.return_types.{name}(\n" + ",\n".join(
        f"{f}={v!r}" for f, v in zip(fields, self)) + ")"
    return cls


# torch.return_types.* (named tuples of (values, indices))
RT = {n: _rt(n) for n in ("max", "min", "median", "nanmedian", "mode", "kthvalue", "topk", "sort", "cummax",
                         "cummin", "aminmax")}
RT["aminmax"] = _rt("aminmax", ("min", "max"))
RT["frexp"] = _rt("frexp", ("mantissa", "exponent"))
RT["histogram"] = _rt("histogram", ("hist", "bin_edges"))


_SELECT_OPS = {"max": R.MaxDim, "min": R.MinDim, "kthvalue": R.Kthvalue, "median": R.Median, "mode": R.Mode,
               "cummax": R.Cummax, "cummin": R.Cummin, "nanmedian": R.Nanmedian}


def _check_nonempty(x, axes, name):
    if x.size == 0:
        if axes is None:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for a in axes:
            if x.shape[a] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _select(self, idx, dim, keepdim, name):
    """(values, indices) named tuple from int64 indices `idx` (x's rank, size 1 along dim)."""
    vals = _unary(_SELECT_OPS[name], self, idx, dim, not keepdim)
    return RT[name](vals, _wrap(idx if keepdim else idx.squeeze(dim)))


def _float_of(t):
    if t._data.dtype.kind != "f":
        from .._dtype import get_default_dtype
        return t.to(get_default_dtype())
    return t


class ReductionMixin:
    __slots__ = ()

    # ---- sums and means ----------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        x = self._data
        axes = _axes(dim, x.ndim)
        op = R.Sum if dim is None else R.SumDim   # torch: SumBackward0 / SumBackward1
        npd = _int_sum_dtype(x, dtype)
        if npd is not None and npd != x.dtype:
            return _unary(op, self.to(_from_np(npd)), axes, keepdim)
        return _unary(op, self, axes, keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        src = self
        if dtype is not None:
            src = self.to(dtype)
        if src._data.dtype.kind not in "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                f"dtype. Got: {_short(self)}")
        return _unary(R.Mean if dim is None else R.MeanDim, src, _axes(dim, src._data.ndim), keepdim)

    def nansum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        npd = _int_sum_dtype(self._data, dtype)
        src = self.to(_from_np(npd)) if npd is not None and npd != self._data.dtype else self
        return _unary(R.NanSum, src, _axes(dim, self._data.ndim), keepdim)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        src = self.to(dtype) if dtype is not None else self
        if src._data.dtype.kind != "f":
            raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                               f"{_short(src)}")
        axes = _axes(dim, src._data.ndim)
        cnt = (~np.isnan(src._data)).sum(axis=axes, keepdims=keepdim).astype(src._data.dtype)
        return src.nansum(dim, keepdim) / _wrap(cnt)

    def prod(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        x = self._data
        npd = _int_sum_dtype(x, dtype)
        src = self.to(_from_np(npd)) if npd is not None and npd != x.dtype else self
        if dim is None:
            return _unary(R.Prod, src, None, keepdim)
        return _unary(R.ProdDim, src, normalize_dim(dim, x.ndim), keepdim)

    def cumsum(self, dim=None, *, dtype=None, axis=None):
        dim = axis if dim is None else dim
        npd = _int_sum_dtype(self._data, dtype)
        src = self.to(_from_np(npd)) if npd is not None and npd != self._data.dtype else self
        if src._data.ndim == 0:
            return src.clone()
        return _unary(R.Cumsum, src, normalize_dim(dim, src._data.ndim))

    def cumsum_(self, dim, *, dtype=None):
        return self.copy_(self.clone().cumsum(dim, dtype=dtype) if self._rg else self.cumsum(dim, dtype=dtype))

    def cumprod(self, dim=None, *, dtype=None, axis=None):
        dim = axis if dim is None else dim
        npd = _int_sum_dtype(self._data, dtype)
        src = self.to(_from_np(npd)) if npd is not None and npd != self._data.dtype else self
        if src._data.ndim == 0:
            return src.clone()
        return _unary(R.Cumprod, src, normalize_dim(dim, src._data.ndim))

    def cumprod_(self, dim, *, dtype=None):
        return self.copy_(self.clone().cumprod(dim, dtype=dtype) if self._rg else self.cumprod(dim, dtype=dtype))

    def logcumsumexp(self, dim):
        src = _float_of(self)
        if src._data.ndim == 0:
            return src.clone()
        return _unary(R.Logcumsumexp, src, normalize_dim(dim, src._data.ndim))

    def _cumext(self, dim, name):
        x = self._data
        if x.ndim == 0:
            return RT[name](self.clone(), _wrap(np.zeros((), np.int64)))
        d = normalize_dim(dim, x.ndim)
        n = x.shape[d]
        acc = np.maximum.accumulate if name == "cummax" else np.minimum.accumulate
        vals = acc(x, axis=d)
        # index of the latest element equal to the running extreme (torch's tie rule)
        shape = [1] * x.ndim
        shape[d] = n
        pos = np.broadcast_to(np.arange(n).reshape(shape), x.shape)
        hit = (x == vals) | (np.isnan(x) if x.dtype.kind == "f" else False)
        idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=d).astype(np.int64)
        v = _unary(_SELECT_OPS[name], self, idx, d, False, False)
        return RT[name](v, _wrap(idx))

    def cummax(self, dim):
        return self._cumext(dim, "cummax")

    def cummin(self, dim):
        return self._cumext(dim, "cummin")

    # ---- variance ------------------------------------------------------------------------------
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        return _var(self, dim, unbiased, keepdim, correction, R.Var, "var")

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        return _var(self, dim, unbiased, keepdim, correction, R.Std, "std")

    # ---- extrema ---------------------------------------------------------------------------------
    def amax(self, dim=(), keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        axes = _axes(dim, self._data.ndim)
        _check_nonempty(self._data, axes, "amax")
        return _unary(R.Amax, self, axes, keepdim)

    def amin(self, dim=(), keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        axes = _axes(dim, self._data.ndim)
        _check_nonempty(self._data, axes, "amin")
        return _unary(R.Amin, self, axes, keepdim)

    def aminmax(self, *, dim=None, keepdim=False):
        return RT["aminmax"](self.amin(() if dim is None else dim, keepdim), self.amax(() if dim is None else dim,
                                                                                      keepdim))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        if dim is None:
            _check_nonempty(self._data, None, "max")
            return _unary(R.MaxAll, self, None, False)
        if hasattr(dim, "_data"):
            return _binary(_P().Maximum, self, dim)
        return self._extreme(dim, keepdim, "max")

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        if dim is None:
            _check_nonempty(self._data, None, "min")
            return _unary(R.MinAll, self, None, False)
        if hasattr(dim, "_data"):
            return _binary(_P().Minimum, self, dim)
        return self._extreme(dim, keepdim, "min")

    def _extreme(self, dim, keepdim, name):
        x = self._data
        d = normalize_dim(dim, x.ndim)
        if x.ndim == 0:
            return RT[name](self.clone() if not self._rg else self * 1, _wrap(np.zeros((), np.int64)))
        _check_nonempty(x, (d,), name)
        if name == "max":
            idx, vals = np.argmax(x, axis=d, keepdims=True), np.max(x, axis=d, keepdims=keepdim)
        else:
            idx, vals = np.argmin(x, axis=d, keepdims=True), np.min(x, axis=d, keepdims=keepdim)
        return RT[name](_unary(_SELECT_OPS[name], self, idx, d, not keepdim, True, vals),
                        _wrap(idx if keepdim else idx.squeeze(d)))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        return _argext(self, dim, keepdim, np.argmax, "argmax")

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        return _argext(self, dim, keepdim, np.argmin, "argmin")

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        src = _float_of(self)
        return _unary(R.Logsumexp, src, _axes(dim, src._data.ndim), keepdim)

    # ---- norms -------------------------------------------------------------------------------------
    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _F().norm(self, p, dim, keepdim, dtype=dtype)

    # ---- boolean reductions --------------------------------------------------------------------------
    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        x = self._data
        r = np.all(x, axis=_axes(dim, x.ndim), keepdims=keepdim)
        return _wrap(r.astype(np.uint8) if x.dtype == np.uint8 else r)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        x = self._data
        r = np.any(x, axis=_axes(dim, x.ndim), keepdims=keepdim)
        return _wrap(r.astype(np.uint8) if x.dtype == np.uint8 else r)

    def count_nonzero(self, dim=None):
        x = self._data
        return _wrap(np.asarray(np.count_nonzero(x, axis=_axes(dim, x.ndim)), dtype=np.int64))

    # ---- order statistics ------------------------------------------------------------------------------
    def sort(self, dim=-1, descending=False, stable=False):
        x = self._data
        if x.ndim == 0:
            return RT["sort"](self * 1 if self._rg else self.clone(), _wrap(np.zeros((), np.int64)))
        d = normalize_dim(dim, x.ndim)
        idx = _argsort(x, d, descending)
        return RT["sort"](_unary(R.Sort, self, idx, d, False), _wrap(idx))

    def argsort(self, dim=-1, descending=False, stable=False):
        x = self._data
        if x.ndim == 0:
            return _wrap(np.zeros((), np.int64))
        return _wrap(_argsort(x, normalize_dim(dim, x.ndim), descending))

    def msort(self):
        return self.sort(0).values

    def topk(self, k, dim=-1, largest=True, sorted=True):
        x = self._data
        d = normalize_dim(dim, x.ndim)
        n = x.shape[d] if x.ndim else 1
        if k < 0 or k > n:
            raise RuntimeError("selected index k out of range")
        if x.ndim == 0:
            return RT["topk"](self * 1 if self._rg else self.clone(), _wrap(np.zeros((), np.int64)))
        idx = _argsort(x, d, largest)[(slice(None),) * d + (slice(0, k),)]
        return RT["topk"](_unary(R.Topk, self, idx, d, False), _wrap(idx))

    def kthvalue(self, k, dim=-1, keepdim=False):
        x = self._data
        d = normalize_dim(dim, x.ndim)
        n = x.shape[d] if x.ndim else 1
        if k < 1 or k > n:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
        if x.ndim == 0:
            return RT["kthvalue"](self * 1 if self._rg else self.clone(), _wrap(np.zeros((), np.int64)))
        idx = np.take(_argsort(x, d, False), [k - 1], axis=d)
        return _select(self, idx, d, keepdim, "kthvalue")

    def median(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
            dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
        x = self._data
        if dim is None:
            if x.size == 0:
                return _wrap(np.array(np.nan, x.dtype))
            flat = self.reshape(-1)
            idx = _argsort(flat._data, 0, False)[[(x.size - 1) // 2]]
            return _unary(R.MedianAll, flat, idx, 0, True)
        d = normalize_dim(dim, x.ndim)
        if x.ndim == 0:
            return RT["median"](self * 1 if self._rg else self.clone(), _wrap(np.zeros((), np.int64)))
        _check_nonempty(x, (d,), "median")
        n = x.shape[d]
        idx = np.take(_argsort(x, d, False), [(n - 1) // 2], axis=d)
        return _select(self, idx, d, keepdim, "median")

    def nanmedian(self, dim=None, keepdim=False):
        x = self._data
        if x.dtype.kind != "f":
            return self.median(dim, keepdim)
        if dim is None:
            if x.size == 0:
                return _wrap(np.array(np.nan, x.dtype))
            flat = self.reshape(-1)
            cnt = int((~np.isnan(x)).sum())
            idx = _argsort(flat._data, 0, False)[[max(cnt - 1, 0) // 2]]
            return _unary(R.NanmedianAll, flat, idx, 0, True)
        d = normalize_dim(dim, x.ndim)
        if x.ndim == 0:
            return RT["nanmedian"](self * 1 if self._rg else self.clone(), _wrap(np.zeros((), np.int64)))
        _check_nonempty(x, (d,), "nanmedian")
        cnt = (~np.isnan(x)).sum(axis=d, keepdims=True)
        pos = np.maximum(cnt - 1, 0) // 2
        idx = np.take_along_axis(_argsort(x, d, False), pos, axis=d)
        return _select(self, idx, d, keepdim, "nanmedian")

    def cov(self, *, correction=1, fweights=None, aweights=None):
        return _F().cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        return _F().corrcoef(self)

    def histogram(self, bins=100, *, range=None, weight=None, density=False):
        return _F().histogram(self, bins, range=range, weight=weight, density=density)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return _F().unique_consecutive(self, return_inverse, return_counts, dim)

    def mode(self, dim=-1, keepdim=False):
        x = self._data
        if x.ndim == 0:
            return RT["mode"](self * 1 if self._rg else self.clone(), _wrap(np.zeros((), np.int64)))
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
        return _select(self, idx, d, keepdim, "mode")

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return _F().quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return _F().nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    # ---- softmax family ------------------------------------------------------------------------------
    def softmax(self, dim=None, dtype=None):
        return _softmax(self, dim, dtype, "softmax")

    def log_softmax(self, dim=None, dtype=None):
        return _softmax(self, dim, dtype, "log_softmax")

    # ---- misc: histogram-like ---------------------------------------------------------------------------
    def bincount(self, weights=None, minlength=0):
        return _F().bincount(self, weights, minlength)

    def histc(self, bins=100, min=0, max=0):
        return _F().histc(self, bins, min, max)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return _F().unique(self, sorted, return_inverse, return_counts, dim)

    # ---- constructors from an existing tensor ---------------------------------------------------------





    # ---- in-place random fills (draw from ember's generator) --------------------------------------------
    def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
        if "from" in kw:
            from_ = kw.pop("from")
        return _F()._random_fill(self, "uniform", (from_, to), generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _F()._random_fill(self, "normal", (mean, std), generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        return _F()._random_fill(self, "bernoulli", (p,), generator)

    def random_(self, *args, generator=None, **kw):
        # random_(), random_(to) or random_(from, to) (`from` may be passed by keyword)
        if len(args) == 1:
            lo, hi = kw.pop("from", 0), args[0]
        elif len(args) == 2:
            lo, hi = args
        else:
            lo, hi = kw.pop("from", 0), kw.pop("to", None)
        return _F()._random_fill(self, "random", (lo, hi), generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        return _F()._random_fill(self, "exponential", (lambd,), generator)

    def geometric_(self, p, *, generator=None):
        return _F()._random_fill(self, "geometric", (p,), generator)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        return _F()._random_fill(self, "log_normal", (mean, std), generator)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        return _F()._random_fill(self, "cauchy", (median, sigma), generator)

    def bernoulli(self, p=None, *, generator=None):
        return _F().bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return _F().multinomial(self, num_samples, replacement, generator=generator)




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


def _argext(self, dim, keepdim, f, name):
    x = self._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        r = np.asarray(f(x.reshape(-1)), dtype=np.int64)
        return _wrap(r.reshape((1,) * x.ndim) if keepdim else r)
    d = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    _check_nonempty(x, (d,), name)
    return _wrap(f(x, axis=d, keepdims=keepdim).astype(np.int64, copy=False))


def _var(self, dim, unbiased, keepdim, correction, op, name):
    if isinstance(dim, bool):          # legacy var(unbiased)
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): input dtype should be either floating point or complex. Got "
                           f"{_short(self)} instead.")
    return _unary(op, self, _axes(dim, self._data.ndim), correction, keepdim)


_SOFTMAX = {}


def _softmax(self, dim, dtype, name):
    op = _SOFTMAX.get(name)
    if op is None:
        from .._ops import nn as K      # the fused kernels shared with nn.functional
        op = _SOFTMAX[name] = K.Softmax if name == "softmax" else K.LogSoftmax
    src = self.to(dtype) if dtype is not None else self
    if src._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}_lastdim_kernel_impl\" not implemented for '{_short(src)}'")
    nd = src._data.ndim
    if dim is None:
        dim = 0 if nd in (0, 1, 3) else 1   # torch's legacy implicit dim
    if nd == 0:
        normalize_dim(dim, 0)
        return _unary(op, src.reshape(1), 0).reshape(())
    d = normalize_dim(dim, nd)
    if src._data.size == 0:
        return src.clone()          # nothing to normalise (the kernel's max() needs a non-empty dim)
    return _unary(op, src, d)


def _short(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[t.dtype.name]


def _from_np(npd):
    from .._dtype import from_numpy_dtype
    return from_numpy_dtype(npd)


def _F():
    from .. import _functional_math
    return _functional_math


def _P():
    from .._ops import binary
    return binary
