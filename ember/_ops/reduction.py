"""Reductions: sums and means, products, variances, extremes and their indices, logsumexp, boolean
reductions, the vector-norm kernel, dist, cov/corrcoef and the trapezoid rule. Kernels, the public
functions (`ember.sum`, ...) and the Tensor methods (`x.sum()`, ...). Matches torch's.

`axes` reach the kernels normalised: a tuple of non-negative ints, or None for all dims.
"""
from __future__ import annotations

import builtins
import warnings

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._inplace import write_out
from .._tensor_base import TensorBase, _tensor_input, _tensor_of, _unary, _wrap
from ._base import (Op, b_broadcast_to, b_exp, b_unsqueeze_like, b_where, data_of, float_arg, is_array,
                    normalize_dim, normalize_dims)
from .binary import maximum, minimum

__all__ = ["sum", "mean", "nansum", "nanmean", "prod", "var", "std", "var_mean", "std_mean", "max", "min",
           "amax", "amin", "aminmax", "argmax", "argmin", "logsumexp", "all", "any", "count_nonzero", "dist", "cov",
           "corrcoef", "trapezoid", "trapz", "cumulative_trapezoid"]


# ---- kernels -------------------------------------------------------------------------------------

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
    if isinstance(x, TensorBase):
        return x.mean(dim=axes, keepdim=True) if axes is not None else x.mean().reshape((1,) * x.ndim)
    return x.mean(axis=axes, keepdims=True)


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
        n = _numel(shape, axes)
        if not keepdim:
            g = b_unsqueeze_like(g, shape, axes)
        return (b_broadcast_to(g / n if n else g * np.nan, shape),)


# torch names the node of a reduction over given dims differently from a full reduction
class SumDim(Sum):
    bw_name = "SumBackward1"


class MeanDim(Mean):
    bw_name = "MeanBackward1"


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
        return (g * ~np.isnan(data_of(x)),)


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
        xd = data_of(x)
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
        d = np.multiply(d, d, out=d) if x.ndim else d * d    # a 0-d x gives a NumPy scalar d
        out = np.add.reduce(d, axis=axes, keepdims=keepdim)
        # torch divides by max(0, n - correction): inf (or nan for 0/0) when nothing is left
        out = out / x.dtype.type(builtins.max(0, n - correction))
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
        zero = data_of(out) == 0
        if zero.any():      # torch: no gradient where the std is 0 (constant input)
            out = b_where(zero, np.inf, out)
        return (g * (x - _mean_keep(x, axes)) / (out * d),)


class Amax(Op):
    """amax/amin and full max()/min(): the gradient is shared evenly among tied extrema (torch)."""
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("x0", "out", "c", "c")

    @staticmethod
    def forward(x, axes, keepdim):
        out = np.max(x, axis=axes, keepdims=keepdim)
        return out, (x, out, axes, keepdim)

    @staticmethod
    def backward(saved, g, needs):
        x, out, axes, keepdim = saved
        xd = data_of(x)
        od = _keep(data_of(out), xd.shape, axes, keepdim)
        m = xd == od
        cnt = m.sum(axis=axes, keepdims=True)
        return (_keep(g, xd.shape, axes, keepdim) * (m / cnt).astype(xd.dtype, copy=False),)


class Amin(Amax):
    @staticmethod
    def forward(x, axes, keepdim):
        out = np.min(x, axis=axes, keepdims=keepdim)
        return out, (x, out, axes, keepdim)


def evenly_shared(g, x, out):
    """torch's gradient of a full max/min/median: g shared evenly among the elements equal to the result
    (among the NaNs when the result is NaN). Arrays or Tensors (`g`); x and out are the saved values."""
    xd, od = data_of(x), data_of(out)
    m = np.isnan(xd) if od.dtype.kind == "f" and np.isnan(od) else xd == od
    return g * (m / m.sum()).astype(xd.dtype, copy=False)


class MaxAll(Amax):
    bw_name = "MaxBackward1"

    @staticmethod
    def backward(saved, g, needs):
        return (evenly_shared(g, saved[0], saved[1]),)


class MinAll(Amin):
    bw_name = "MinBackward1"

    @staticmethod
    def backward(saved, g, needs):
        return (evenly_shared(g, saved[0], saved[1]),)


class TakeAlong(Op):
    """out = x gathered at `idx` along `dim` (the values of max/min/sort/topk/median/...).

    idx has x's rank; with `squeeze` the (size-1) dim is dropped from the result.
    The rule scatters g back (adding where indices repeat, e.g. cummax). TakeAlong and
    ScatterAlong are each other's backward rule, so double backward records through them.
    """
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
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
        if not is_array(g):
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
        if not is_array(g):
            return (_unary(TakeAlong, g, idx, dim, squeeze),)
        return (TakeAlong.forward(g, idx, dim, squeeze)[0],)


# torch names the node after the op that selected the values
class MaxDim(TakeAlong):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "MaxBackward0"


class MinDim(TakeAlong):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "MinBackward0"


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


class Norm(Op):
    """vector_norm(x, ord, dim, keepdim) (also dist and the Frobenius matrix norm)."""
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
        xd = data_of(x)
        g = _keep(g, xd.shape, axes, keepdim)
        out = _keep(out, xd.shape, axes, keepdim)
        od = data_of(out)
        if p == 0:
            return (g * 0,)
        sgn = np.sign(xd)
        if p == 1:
            return (g * sgn,)
        if p == np.inf or p == -np.inf:
            m = np.abs(xd) == od
            return (g * (sgn * m / m.sum(axis=axes, keepdims=True)).astype(xd.dtype, copy=False),)
        if p == 2:
            r = x / out
        else:
            r = x * abs(x) ** (p - 2) / out ** (p - 1)
        zero = od == 0
        if zero.any():
            r = r * ~zero if isinstance(r, TensorBase) else np.where(zero, 0, r)
        return (g * r,)


# ---- public functions ------------------------------------------------------------------------------

def _axes(dim, ndim, keepdim=False):
    """None (reduce all) for dim None or empty; otherwise a tuple of non-negative dims. Checks `keepdim` is a
    bool, as torch does."""
    if keepdim is not False and keepdim is not True:
        keep_arg(keepdim)
    if dim is None:
        return None
    if type(dim) is int or not isinstance(dim, (tuple, list)):
        # an int, an integer-like (NumPy int, 0-d tensor), or torch's TypeError
        d = normalize_dim(dim, ndim)
        return (d,) if ndim else None           # a 0-d tensor takes dim 0 / -1 (reducing nothing)
    if len(dim) == 0:
        return None
    axes = normalize_dims(dim, ndim)
    return axes if ndim else None


def keep_arg(keepdim):
    """`keepdim` as a bool: torch takes bools only (NumPy's bool too)."""
    if isinstance(keepdim, (bool, np.bool_)):
        return bool(keepdim)
    raise TypeError(f"argument 'keepdim' must be bool, not {type(keepdim).__name__}")


def _acc_dtype(x, dtype):
    """The NumPy dtype sum/prod/cumsum accumulate in: `dtype` if given, int64 for bool/integers (torch)."""
    if dtype is not None:
        return D.to_dtype(dtype).np
    if x.dtype.kind in "biu":
        return np.dtype(np.int64)
    return None


def _acc_input(input, dtype):
    """`input` cast to its accumulation dtype (see _acc_dtype), or itself."""
    npd = _acc_dtype(input._data, dtype)
    if npd is not None and npd != input._data.dtype:
        return input.to(D.from_numpy_dtype(npd))
    return input


def _check_nonempty(x, axes, name):
    if x.size == 0:
        if axes is None:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for a in axes:
            if x.shape[a] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _float_of(t):
    """`t`, or `t` converted to the default float dtype when it is not floating point."""
    if t._data.dtype.kind != "f":
        return t.to(D.get_default_dtype())
    return t


def _zero_index():
    return _wrap(np.zeros((), np.int64))


def _copy_of(t):
    """A result equal to `t` (a 0-d input of a selecting reduction) that keeps the graph."""
    return t * 1 if t._rg else t.clone()


def _write_out(res, out):
    """write_out for a single result or a (values, indices) named tuple written into a tuple `out`."""
    if out is None:
        return res
    if isinstance(res, tuple):
        return type(res)(write_out(res[0], out[0]), write_out(res[1], out[1]))
    return write_out(res, out)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    """Sum over `dim` (all dims by default); bool/integer inputs sum as int64. Matches `torch.sum`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    if not isinstance(input, TensorBase):
        input = _tensor_input(input)
    x = input._data
    axes = _axes(dim, x.ndim, keepdim)
    op = Sum if dim is None else SumDim   # torch: SumBackward0 / SumBackward1
    npd = _acc_dtype(x, dtype)
    if npd is not None and npd != x.dtype:
        input = input.to(D.from_numpy_dtype(npd))
    r = _unary(op, input, axes, keepdim)
    return r if out is None else write_out(r, out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    """Mean over `dim` (all dims by default) of a floating-point input. Matches `torch.mean`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    if not isinstance(input, TensorBase):
        input = _tensor_input(input)
    src = input if dtype is None else input.to(dtype)
    if src._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {D.scalar_type_name(input._data.dtype)}")
    r = _unary(Mean if dim is None else MeanDim, src, _axes(dim, src._data.ndim, keepdim), keepdim)
    return r if out is None else write_out(r, out)


def nansum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Sum treating NaN as zero. Matches `torch.nansum`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    return _unary(NanSum, _acc_input(input, dtype), _axes(dim, input._data.ndim, keepdim), keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    """Mean of the non-NaN elements. Matches `torch.nanmean`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    src = input.to(dtype) if dtype is not None else input
    if src._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{D.scalar_type_name(src._data.dtype)}")
    axes = _axes(dim, src._data.ndim, keepdim)
    cnt = (~np.isnan(src._data)).sum(axis=axes, keepdims=keepdim).astype(src._data.dtype)
    return write_out(nansum(src, dim, keepdim) / _wrap(cnt), out)


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Product over one dim (all elements by default). Matches `torch.prod`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    src = _acc_input(input, dtype)
    if dim is None:
        return _unary(Prod, src, None, keepdim)
    return _unary(ProdDim, src, normalize_dim(dim, input._data.ndim), keepdim)


def _var(input, dim, unbiased, keepdim, correction, op, name):
    input = _tensor_input(input)
    if isinstance(dim, bool):          # legacy var(unbiased)
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    elif type(correction) is not int:
        correction = float_arg(correction, "correction")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): input dtype should be either floating point or complex. Got "
                           f"{D.scalar_type_name(input._data.dtype)} instead.")
    axes = _axes(dim, input._data.ndim, keepdim)
    if _numel(input._data.shape, axes) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      f"reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return _unary(op, input, axes, correction, keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None, axis=None,
        keepdims=None):
    """Variance over `dim` with Bessel's `correction` (1 by default). Matches `torch.var`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    return write_out(_var(input, dim, unbiased, keepdim, correction, Var, "var"), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None, axis=None,
        keepdims=None):
    """Standard deviation over `dim` with Bessel's `correction` (1 by default). Matches `torch.std`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    return write_out(_var(input, dim, unbiased, keepdim, correction, Std, "std"), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """(var, mean) over `dim`. Matches `torch.var_mean`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """(std, mean) over `dim`. Matches `torch.std_mean`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def _extreme(input, dim, keepdim, name):
    """(values, indices) of max/min along `dim`."""
    x = input._data
    d = normalize_dim(dim, x.ndim)
    rt = return_types.max if name == "max" else return_types.min
    if x.ndim == 0:
        return rt(_copy_of(input), _zero_index())
    _check_nonempty(x, (d,), name)
    if name == "max":
        idx, vals = np.argmax(x, axis=d, keepdims=True), np.max(x, axis=d, keepdims=keepdim)
    else:
        idx, vals = np.argmin(x, axis=d, keepdims=True), np.min(x, axis=d, keepdims=keepdim)
    return rt(_unary(MaxDim if name == "max" else MinDim, input, idx, d, not keepdim, True, vals),
              _wrap(idx if keepdim else idx.squeeze(d)))


def max(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    """The largest element; (values, indices) along `dim`; or `maximum(input, other)` given a tensor.
    Matches `torch.max`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    if dim is None:
        _check_nonempty(input._data, None, "max")
        r = _unary(MaxAll, input, None, False)
    elif isinstance(dim, TensorBase):
        r = maximum(input, dim)
    else:
        r = _extreme(input, dim, keepdim, "max")
    return r if out is None else _write_out(r, out)


def min(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    """The smallest element; (values, indices) along `dim`; or `minimum(input, other)` given a tensor.
    Matches `torch.min`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    if dim is None:
        _check_nonempty(input._data, None, "min")
        r = _unary(MinAll, input, None, False)
    elif isinstance(dim, TensorBase):
        r = minimum(input, dim)
    else:
        r = _extreme(input, dim, keepdim, "min")
    return r if out is None else _write_out(r, out)


def amax(input, dim=(), keepdim=False, *, out=None, axis=None, keepdims=None):
    """The largest values over `dim` (all dims by default); ties share the gradient. Matches `torch.amax`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    axes = _axes(dim, input._data.ndim, keepdim)
    _check_nonempty(input._data, axes, "amax")
    return write_out(_unary(Amax, input, axes, keepdim), out)


def amin(input, dim=(), keepdim=False, *, out=None, axis=None, keepdims=None):
    """The smallest values over `dim` (all dims by default); ties share the gradient. Matches `torch.amin`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    input = _tensor_input(input)
    axes = _axes(dim, input._data.ndim, keepdim)
    _check_nonempty(input._data, axes, "amin")
    return write_out(_unary(Amin, input, axes, keepdim), out)


def aminmax(input, *, dim=None, keepdim=False, axis=None, keepdims=None):
    """(min, max) over `dim` (all dims by default). Matches `torch.aminmax`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    d = () if dim is None else dim
    return return_types.aminmax(amin(input, d, keepdim), amax(input, d, keepdim))


def _argext(input, dim, keepdim, f, name):
    input = _tensor_input(input)
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        r = np.asarray(f(x.reshape(-1)), dtype=np.int64)
        return _wrap(r.reshape((1,) * x.ndim) if keepdim else r)
    d = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return _zero_index()
    _check_nonempty(x, (d,), name)
    return _wrap(f(x, axis=d, keepdims=keepdim).astype(np.int64, copy=False))


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the (first) largest element, over all elements or along `dim`. Matches `torch.argmax`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    return _argext(input, dim, keepdim, np.argmax, "argmax")


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the (first) smallest element, over all elements or along `dim`. Matches `torch.argmin`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    return _argext(input, dim, keepdim, np.argmin, "argmin")


def logsumexp(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    """log(sum(exp(input))) over `dim`, computed stably. Matches `torch.logsumexp`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    src = _float_of(_tensor_input(input))
    return write_out(_unary(Logsumexp, src, _axes(dim, src._data.ndim, keepdim), keepdim), out)


def _bool_reduce(f, input, dim, keepdim, out):
    x = _tensor_input(input)._data
    r = f(x, axis=_axes(dim, x.ndim, keepdim), keepdims=keepdim)
    return write_out(_wrap(r.astype(np.uint8) if x.dtype == np.uint8 else r), out)


def all(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    """Whether every element (along `dim`) is nonzero; uint8 stays uint8. Matches `torch.all`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    return _bool_reduce(np.all, input, dim, keepdim, out)


def any(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    """Whether some element (along `dim`) is nonzero; uint8 stays uint8. Matches `torch.any`."""
    if axis is not None or keepdims is not None:   # NumPy-style aliases torch accepts
        dim, keepdim = (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)
    return _bool_reduce(np.any, input, dim, keepdim, out)


def count_nonzero(input, dim=None, *, axis=None):
    """The number of nonzero elements (along `dim`), as int64. Matches `torch.count_nonzero`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    x = _tensor_input(input)._data
    return _wrap(np.asarray(np.count_nonzero(x, axis=_axes(dim, x.ndim)), dtype=np.int64))


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The p-norm of the entries of x over `dim` (all by default). Matches `torch.linalg.vector_norm`."""
    x = _tensor_input(x)
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype.name.capitalize()}")
    if not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    p = float(ord)
    axes = _axes(dim, x._data.ndim, keepdim)    # None or () reduce every dim
    if p < 0 and x._data.size == 0 or (p == np.inf and x._data.size == 0 and axes is None):
        raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
                           "operation does not have an identity")
    return write_out(_unary(Norm, x, p, axes, keepdim), out)


def dist(input, other, p=2):
    """p-norm of input - other (broadcast). Matches `torch.dist`."""
    return vector_norm(_tensor_input(input) - _tensor_input(other, "other", 2), p)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) over the columns (observations). Matches `torch.cov`
    (without fweights/aweights)."""
    x = _tensor_input(input)
    nd = x._data.ndim
    if fweights is not None or aweights is not None:
        raise NotImplementedError("ember: torch.cov with fweights/aweights is not implemented")
    if nd > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with {nd} "
                         f"dimensions")
    if nd < 2:
        x = x.reshape(1, -1)
    if x._data.dtype.kind != "f":
        x = x.float()
    n = x._data.shape[1]
    xm = x - x.mean(1, keepdim=True)
    c = xm.matmul(xm.transpose(0, 1)) / builtins.max(0, n - correction)
    return c.reshape(()) if nd < 2 else c


def corrcoef(input):
    """Pearson correlation coefficients of the rows (variables). Matches `torch.corrcoef`."""
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    d = _wrap(np.sqrt(np.diagonal(c._data)).copy()) if not c._rg else None
    if d is None:
        s = _tensor_input(input)
        d = (s if s._data.dtype.kind == "f" else s.float()).var(1).sqrt()
    r = c / d.unsqueeze(1) / d.unsqueeze(0)
    return r.clamp(-1, 1)


def _trap_parts(y, x, dx, dim):
    y = _tensor_of(y)
    d = dim if dim >= 0 else dim + y.dim()
    m = y.shape[d]
    avg = (y.narrow(d, 1, m - 1) + y.narrow(d, 0, m - 1)) / 2 if m > 0 else y
    if x is not None:
        x = _tensor_of(x)
        if x.dim() == 1:
            shp = [1] * y.dim()
            shp[d] = m
            x = x.reshape(*shp)
        w = x.diff(dim=d)
    else:
        w = 1.0 if dx is None else dx
    return avg, w, d, m


def trapezoid(y, x=None, *, dx=None, dim=-1, axis=None):
    """Integral of y along dim by the trapezoid rule (spacing x, or constant dx).
    Matches `torch.trapezoid`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    if x is not None and not isinstance(x, TensorBase):
        raise TypeError(f"trapezoid(): argument 'x' must be Tensor, not {type(x).__name__} (use dx= for a "
                        f"constant spacing)")
    avg, w, d, m = _trap_parts(y, x, dx, dim)
    if m == 0:
        return sum(_tensor_of(y), d)
    return sum(avg * w, d)


trapz = trapezoid


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1, axis=None):
    """Running integrals of y along dim by the trapezoid rule. Matches `torch.cumulative_trapezoid`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    if x is not None and not isinstance(x, TensorBase):
        raise TypeError(f"cumulative_trapezoid(): argument 'x' must be Tensor, not {type(x).__name__} "
                        f"(use dx= for a constant spacing)")
    avg, w, d, m = _trap_parts(y, x, dx, dim)
    if m == 0:
        return _tensor_of(y)
    return (avg * w).cumsum(d)


# ---- the Tensor methods ------------------------------------------------------------------------------

class ReductionMethods:
    __slots__ = ()

    sum, mean, nansum, nanmean, prod, var, std = sum, mean, nansum, nanmean, prod, var, std
    max, min, amax, amin, aminmax, argmax, argmin = max, min, amax, amin, aminmax, argmax, argmin
    logsumexp, all, any, count_nonzero = logsumexp, all, any, count_nonzero
    dist, cov, corrcoef = dist, cov, corrcoef
