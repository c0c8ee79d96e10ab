"""Random sampling: normal, bernoulli, poisson, multinomial, and the in-place random fills of a tensor
(uniform_, normal_, bernoulli_, random_, exponential_, geometric_, log_normal_, cauchy_). Samples are
drawn from ember's generators (`ember.random`); the streams are not torch's. Matches torch's.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._inplace import _OVERLAP, inplace, write_out
from .._tensor_base import TensorBase, _apply, _tensor_of, _unary, _wrap
from ..random import _gen
from ._base import Op, Quiet
from .convert import _zeros_like

__all__ = ["normal", "bernoulli", "poisson", "multinomial"]


# ---- kernels -------------------------------------------------------------------------------------

class SampleFill(Op):
    """x filled with the samples `r` (called through inplace(): forward writes into x). The old values
    get a zero gradient; each fill has its own subclass for torch's node name."""

    @staticmethod
    def forward(x, r):
        np.copyto(x, r, casting="unsafe")
        return x, None

    @staticmethod
    def backward(saved, g, needs):
        return (_zeros_like(g),)


class UniformFill(SampleFill):
    bw_name = "UniformBackward0"


class NormalFill(SampleFill):
    bw_name = "NormalBackward0"


class BernoulliFill(SampleFill):          # bernoulli_(float p)
    bw_name = "BernoulliBackward2"


class BernoulliTensorFill(SampleFill):    # bernoulli_(tensor p): p is input 1 (a zero gradient, as torch)
    bw_name = "BernoulliBackward1"

    @staticmethod
    def forward(x, p, r):
        np.copyto(x, r, casting="unsafe")
        return x, None

    @staticmethod
    def backward(saved, g, needs):
        z = _zeros_like(g)
        return z, (z if needs[1] else None)


class RandomFromToFill(SampleFill):       # random_(from, to)
    bw_name = "RandomBackward0"


class RandomToFill(SampleFill):           # random_(to)
    bw_name = "RandomBackward1"


class RandomFill(SampleFill):             # random_()
    bw_name = "RandomBackward2"


class ExponentialFill(SampleFill):
    bw_name = "ExponentialBackward0"


class GeometricFill(SampleFill):
    bw_name = "GeometricBackward0"


class LogNormalFill(SampleFill):
    bw_name = "LogNormalBackward0"


class CauchyFill(SampleFill):
    bw_name = "CauchyBackward0"


# ---- public functions ------------------------------------------------------------------------------

def _float_dt(dtype):
    return (D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()).np


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Samples from N(mean, std^2), with tensor or number mean/std (broadcast). Matches `torch.normal`."""
    g = _gen(generator)
    mt, st = isinstance(mean, TensorBase), isinstance(std, TensorBase)
    if mt or st:
        m = mean._data if mt else mean
        s = std._data if st else std
        if np.any(np.asarray(s) < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
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
        z = g.standard_normal(shape, dtype=dt if dt != np.float16 else np.float32)
        r = (z * std + mean).astype(dt, copy=False)
    t = write_out(_wrap(r), out)
    if requires_grad:
        t.requires_grad_(True)
    return t


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities `input` (or the number p), in input's dtype.
    Matches `torch.bernoulli`."""
    x = _tensor_of(input)
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{D.scalar_type_name(x._data.dtype)}'")
    probs = x._data if p is None else np.full(x._data.shape, p, dtype=np.float64)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    u = _gen(generator).random(x._data.shape, dtype=np.float32 if probs.dtype != np.float64 else np.float64)
    return write_out(_wrap((u < probs).astype(x._data.dtype)), out)


def poisson(input, generator=None):
    """Poisson samples with rates `input`. Matches `torch.poisson`."""
    x = _tensor_of(input)
    if np.any(x._data < 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _wrap(_gen(generator).poisson(x._data).astype(x._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from the categorical distribution(s) in the rows of `input` (weights, not
    necessarily normalised). Matches `torch.multinomial`."""
    x = _tensor_of(input)
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
    g = _gen(generator)
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
        with Quiet():
            keys = np.log(P2) - np.log(-np.log(g.random(P2.shape)))
        idx = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64)
    return write_out(_wrap(idx.reshape(p.shape[:-1] + (num_samples,))), out)


def _fill(t, op, r):
    """Write the samples `r` into `t` in place (recorded as `op` when t is in a graph)."""
    if not t._data.flags.writeable:
        raise RuntimeError(_OVERLAP)
    return inplace(t, _unary, op, t, r)


def _fdt(x):
    """The float dtype samples for `x` are drawn in (float64 for non-float32/64 tensors)."""
    dt = x.dtype
    return dt if dt in (np.float32, np.float64) else np.float64


# ---- the Tensor methods ------------------------------------------------------------------------------

class SamplingMethods:
    __slots__ = ()

    bernoulli, multinomial = bernoulli, multinomial

    # the in-place random fills (torch has no function forms)
    def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
        if "from" in kw:
            from_ = kw.pop("from")
        a, b = from_, to
        if a > b:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
        x = self._data
        fdt = _fdt(x)
        g = _gen(generator)
        r = g.random(x.shape, dtype=fdt) * (b - a) + a if fdt != np.float64 else g.uniform(a, b, x.shape)
        return _fill(self, UniformFill, r)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        x = self._data
        return _fill(self, NormalFill, _gen(generator).standard_normal(x.shape, dtype=_fdt(x)) * std + mean)

    def bernoulli_(self, p=0.5, *, generator=None):
        pd = p._data if isinstance(p, TensorBase) else p
        if np.any((np.asarray(pd) < 0) | (np.asarray(pd) > 1)):
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        r = _gen(generator).random(self._data.shape) < pd
        if isinstance(p, TensorBase):      # p joins the graph (its gradient is zero)
            if not self._data.flags.writeable:
                raise RuntimeError(_OVERLAP)
            return inplace(self, _apply, BernoulliTensorFill, (self, p), r)
        return _fill(self, BernoulliFill, r)

    def random_(self, *args, generator=None, **kw):
        # random_(), random_(to) or random_(from, to) (`from` may be passed by keyword)
        if len(args) == 2:
            lo, hi = args
        else:
            lo, hi = kw.pop("from", None), (args[0] if args else kw.pop("to", None))
        op = RandomFill if lo is None and hi is None else RandomToFill if lo is None else RandomFromToFill
        if lo is None:
            lo = 0
        dt = self._data.dtype
        if hi is None:
            if dt.kind == "f":
                hi = 2 ** np.finfo(dt).nmant + 1
            elif dt.kind == "b":
                hi = 2
            else:
                hi = int(np.iinfo(dt).max) + 1
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
        return _fill(self, op, _gen(generator).integers(lo, hi, self._data.shape, dtype=np.int64))

    def exponential_(self, lambd=1.0, *, generator=None):
        if lambd <= 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        x = self._data
        z = _gen(generator).standard_exponential(x.shape, dtype=_fdt(x))
        return _fill(self, ExponentialFill, z / lambd)

    def geometric_(self, p, *, generator=None):
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        return _fill(self, GeometricFill, _gen(generator).geometric(p, self._data.shape))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        x = self._data
        z = _gen(generator).standard_normal(x.shape, dtype=_fdt(x))
        return _fill(self, LogNormalFill, np.exp(z * std + mean))

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        x = self._data
        u = _gen(generator).random(x.shape, dtype=_fdt(x))
        return _fill(self, CauchyFill, median + sigma * np.tan(np.pi * (u - 0.5)))
