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
    # arithmetic
    "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "float_power", "neg", "negative", "abs", "absolute", "sign", "sgn", "reciprocal",
    # exponential / log / power
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square",
    # trigonometric / hyperbolic
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "arctan2", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh",
    # special
    "sigmoid", "logit", "erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "lerp", "clamp", "clip",
    "clamp_min", "clamp_max",
    "maximum", "minimum", "fmax", "fmin", "floor", "ceil", "round", "trunc", "fix", "frac",
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit", "nan_to_num", "hypot",
    "logaddexp", "logaddexp2", "xlogy", "copysign",
    # comparison / logical / bitwise
    "lt", "le", "gt", "ge", "eq", "ne", "less", "less_equal", "greater", "greater_equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "allclose", "isclose", "equal",
    # reductions
    "sum", "mean", "nansum", "nanmean", "prod", "var", "std", "var_mean", "std_mean", "max", "min", "amax",
    "amin", "aminmax", "argmax", "argmin", "logsumexp", "logcumsumexp", "norm", "cumsum", "cumprod", "cummax",
    "cummin", "all", "any", "count_nonzero", "median", "mode", "kthvalue", "topk", "sort", "argsort", "msort",
    "unique", "bincount", "histc", "softmax", "log_softmax",
    # random
    "normal", "bernoulli", "multinomial", "poisson",
    # more pointwise / statistics
    "addcmul", "addcdiv", "deg2rad", "rad2deg", "heaviside", "gcd", "lcm", "positive", "dist", "quantile",
    "nanquantile", "sinc", "ldexp", "frexp", "nextafter", "angle", "mvlgamma", "nanmedian", "cov", "corrcoef",
    "histogram", "unique_consecutive", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj",
    "is_neg", "real", "imag",
    # misc
    "fill_diagonal_", "_vector_norm", "_matrix_norm", "return_types",
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

def add(input, other, *, alpha=1, out=None):
    if not isinstance(input, Tensor):
        return _out(_t(other).mul(alpha).add(input) if alpha != 1 else _t(other).add(input), out)
    return _out(input.add(other, alpha=alpha), out)


def sub(input, other, *, alpha=1, out=None):
    return _out(_t(input).sub(other, alpha=alpha), out)


def rsub(input, other, *, alpha=1):
    """`other - alpha * input`. Matches `torch.rsub`."""
    from ._methods.pointwise import _sub_check
    input = _t(input)
    _sub_check(input, other)
    x = input if alpha == 1 else input * alpha
    if isinstance(other, Tensor):
        return _binary(P.RSubTensor, x, other)
    return _binary(P.RSub, x, other)


subtract = sub


def mul(input, other, *, out=None):
    if not isinstance(input, Tensor):
        return _out(_t(other).mul(input), out)
    return _out(input.mul(other), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    return _out(_t(input).div(other, rounding_mode=rounding_mode), out)


divide = div


def true_divide(dividend, divisor, *, out=None):
    return _out(_t(dividend).div(divisor), out)


def floor_divide(input, other, *, out=None):
    return _out(_t(input).floor_divide(other), out)


def remainder(input, other, *, out=None):
    if not isinstance(input, Tensor):
        return _t(other).__rmod__(input)
    return _out(input.remainder(other), out)


def fmod(input, other, *, out=None):
    return _out(_t(input).fmod(other), out)


def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        return _out(_t(exponent).__rpow__(input), out)
    return _out(input.pow(exponent), out)


def float_power(input, exponent, *, out=None):
    a = _t(input).to(D.float64)
    e = exponent.to(D.float64) if isinstance(exponent, Tensor) else float(exponent)
    return _out(a.pow(e), out)


def neg(input, *, out=None):
    return _out(-_t(input), out)


negative = neg


def abs(input, *, out=None):
    return _out(_t(input).abs(), out)


absolute = abs


def _unary_fn(name):
    def f(input, *, out=None):
        return _out(getattr(_t(input), name)(), out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise `{name}`. Matches `torch.{name}`."
    return f


# NOTE: plain unary functions share one wrapper; each is spelled out so that grep finds it.
sign = _unary_fn("sign")
sgn = _unary_fn("sgn")
reciprocal = _unary_fn("reciprocal")
exp = _unary_fn("exp")
exp2 = _unary_fn("exp2")
expm1 = _unary_fn("expm1")
log = _unary_fn("log")
log2 = _unary_fn("log2")
log10 = _unary_fn("log10")
log1p = _unary_fn("log1p")
sqrt = _unary_fn("sqrt")
rsqrt = _unary_fn("rsqrt")
square = _unary_fn("square")
sin = _unary_fn("sin")
cos = _unary_fn("cos")
tan = _unary_fn("tan")
asin = arcsin = _unary_fn("asin")
acos = arccos = _unary_fn("acos")
atan = arctan = _unary_fn("atan")
sinh = _unary_fn("sinh")
cosh = _unary_fn("cosh")
tanh = _unary_fn("tanh")
asinh = arcsinh = _unary_fn("asinh")
acosh = arccosh = _unary_fn("acosh")
atanh = arctanh = _unary_fn("atanh")
sigmoid = _unary_fn("sigmoid")
erf = _unary_fn("erf")
erfc = _unary_fn("erfc")
erfinv = _unary_fn("erfinv")
lgamma = _unary_fn("lgamma")
sinc = _unary_fn("sinc")
digamma = _unary_fn("digamma")
floor = _unary_fn("floor")
ceil = _unary_fn("ceil")
trunc = fix = _unary_fn("trunc")
frac = _unary_fn("frac")
isnan = _unary_fn("isnan")
isinf = _unary_fn("isinf")
isfinite = _unary_fn("isfinite")
isposinf = _unary_fn("isposinf")
isneginf = _unary_fn("isneginf")
isreal = _unary_fn("isreal")
signbit = _unary_fn("signbit")
logical_not = _unary_fn("logical_not")
bitwise_not = _unary_fn("bitwise_not")


def _binary_fn(name):
    def f(input, other, *, out=None):
        if not isinstance(input, Tensor):
            input = _t(input)
        return _out(getattr(input, name)(other), out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise `{name}` with broadcasting. Matches `torch.{name}`."
    return f


atan2 = arctan2 = _binary_fn("atan2")
maximum = _binary_fn("maximum")
minimum = _binary_fn("minimum")
fmax = _binary_fn("fmax")
fmin = _binary_fn("fmin")
hypot = _binary_fn("hypot")
logaddexp = _binary_fn("logaddexp")
logaddexp2 = _binary_fn("logaddexp2")
copysign = _binary_fn("copysign")
lt = less = _binary_fn("lt")
le = less_equal = _binary_fn("le")
gt = greater = _binary_fn("gt")
ge = greater_equal = _binary_fn("ge")
eq = _binary_fn("eq")
ne = not_equal = _binary_fn("ne")
logical_and = _binary_fn("logical_and")
logical_or = _binary_fn("logical_or")
logical_xor = _binary_fn("logical_xor")
bitwise_and = _binary_fn("bitwise_and")
bitwise_or = _binary_fn("bitwise_or")
bitwise_xor = _binary_fn("bitwise_xor")
bitwise_left_shift = _binary_fn("bitwise_left_shift")
bitwise_right_shift = _binary_fn("bitwise_right_shift")


def xlogy(input, other, *, out=None):
    if not isinstance(input, Tensor):
        other = _t(other)
        input = _wrap(np.asarray(input, dtype=_scalar_np(other._data, input)))
        return _out(_binary(P.XlogyScalarSelf, input, other), out)
    return _out(input.xlogy(other), out)


def round(input, *, decimals=0, out=None):
    return _out(_t(input).round(decimals=decimals), out)


def polygamma(n, input, *, out=None):
    return _out(_t(input).polygamma(n), out)


def logit(input, eps=None, *, out=None):
    return _out(_t(input).logit(eps), out)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    return _out(_t(input).nan_to_num(nan, posinf, neginf), out)


def _result_many(arrays):
    """torch's result dtype over several arrays (0-d arrays rank below dimensioned ones)."""
    dt = arrays[0].dtype
    dimmed = arrays[0].ndim > 0
    for a in arrays[1:]:
        dt = _result_np(np.empty((1,) if dimmed else (), dt), a)
        dimmed = dimmed or a.ndim > 0
    return dt


def _check_broadcastable(shapes, name):
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"{name}: the shapes " + ", ".join(str(tuple(s)) for s in shapes)
                           + " are not broadcastable") from None


def clamp(input, min=None, max=None, *, out=None):
    x = _t(input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        bounds = [b if isinstance(b, Tensor) or b is None else _wrap(np.asarray(b, dtype=_scalar_np(x._data, b)))
                  for b in (min, max)]
        ts = (x,) + tuple(b for b in bounds if b is not None)
        dt = _result_many([t._data for t in ts])
        ts = tuple(t if t._data.dtype is dt else t.to(D._FROM_NP[dt]) for t in ts)
        mode = "both" if len(ts) == 3 else ("min" if min is not None else "max")
        _check_broadcastable([t._data.shape for t in ts], "clamp")
        return _out(_apply(P.ClampTensor, ts, mode), out)
    dt = x._data.dtype
    for b in (min, max):
        if b is not None:
            bd = _scalar_np(x._data, b)
            if bd is not dt and _KIND[bd] > _KIND[dt]:
                dt = bd
    if dt is not x._data.dtype:
        x = x.to(D._FROM_NP[dt])
    return _out(_unary(P.Clamp, x, min, max), out)


clip = clamp


def clamp_min(input, min):
    return _t(input).clamp_min(min)


def clamp_max(input, max):
    return _t(input).clamp_max(max)


def _clamp_(self, min, max):
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        from ._inplace import inplace_op as _inplace
        return _inplace(P.Clamp, self, min, max)
    return self.copy_(clamp(self.clone() if self._rg else self, min, max))


def lerp(input, end, weight, *, out=None):
    s, e = _t(input), _t(end)
    if s._data.dtype is not e._data.dtype:
        raise RuntimeError(f"expected dtype {s.dtype.name} for `end` but got dtype {e.dtype.name}")
    if s._data.dtype.kind != "f":
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{D.scalar_type_name(s._data.dtype)}'")
    shapes = [s._data.shape, e._data.shape] + ([weight._data.shape] if isinstance(weight, Tensor) else [])
    _check_broadcastable(shapes, "lerp")
    if isinstance(weight, Tensor):
        if weight._data.dtype is not s._data.dtype:
            raise RuntimeError(f"expected dtype {s.dtype.name} for `weight` but got dtype {weight.dtype.name}")
        return _out(_apply(P.Lerp, (s, e, weight)), out)
    return _out(_apply(P.LerpScalar, (s, e), float(weight)), out)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _t(input), _t(other)
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"{a.dtype.name.capitalize()} did not match {b.dtype.name.capitalize()}")
    x, y = a._data, b._data
    _check_broadcastable([x.shape, y.shape], "isclose")
    if x.dtype.kind == "b":
        return _wrap(np.equal(x, y))
    return _wrap(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    a, b = _t(input), _t(other)
    return a._data.shape == b._data.shape and builtins.bool(np.array_equal(a._data, b._data))


def _fused3(op, input, tensor1, tensor2, value, name):
    """Run Addcmul/Addcdiv when all three are tensors of one float result dtype (else None)."""
    if not (isinstance(input, Tensor) and isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor)):
        return None
    if type(value) is not int and type(value) is not float:
        return None
    ts = (input, tensor1, tensor2)
    dt = input._data.dtype
    if not (tensor1._data.dtype is dt and tensor2._data.dtype is dt):
        dt = _result_many([t._data for t in ts])
        if dt.kind == "f":
            d = D.from_numpy_dtype(dt)
            ts = tuple(t if t._data.dtype is dt else t.to(d) for t in ts)
    if dt.kind != "f":
        return None
    try:
        return _apply(op, ts, value)
    except ValueError:
        _check_broadcastable([t._data.shape for t in ts], name)
        raise


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2. Matches `torch.addcmul`."""
    r = _fused3(P.Addcmul, input, tensor1, tensor2, value, "addcmul")
    if r is not None:
        return _out(r, out)
    p = tensor1 * tensor2
    return _out(_t(input) + (p if value == 1 else p * value), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2. Matches `torch.addcdiv`."""
    for t in (tensor1, tensor2):
        if isinstance(t, Tensor) and t._data.dtype.kind in "biu" and (
                not isinstance(tensor1, Tensor) or not isinstance(tensor2, Tensor) or
                (tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu")):
            raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                               "addcdiv will perform a true division of tensor1 and tensor2.")
    r = _fused3(P.Addcdiv, input, tensor1, tensor2, value, "addcdiv")
    if r is not None:
        return _out(r, out)
    p = tensor1 / tensor2
    return _out(_t(input) + (p if value == 1 else p * value), out)


def deg2rad(input, *, out=None):
    return _out(_unary(P.Deg2Rad, _t(input)), out)


def rad2deg(input, *, out=None):
    return _out(_unary(P.Rad2Deg, _t(input)), out)


def positive(input):
    if _t(input)._data.dtype.kind == "b":
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return input


def heaviside(input, values, *, out=None):
    x, v = _t(input), _t(values)
    if x._data.dtype is not v._data.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes")
    r = np.where(x._data == 0, v._data, (x._data > 0).astype(x._data.dtype))
    return _out(_wrap(r.astype(x._data.dtype, copy=False)), out)


def gcd(input, other, *, out=None):
    a, b = _t(input), _t(other)
    if a._data.dtype.kind not in "iu" or b._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"gcd_cpu\" not implemented for '{D.scalar_type_name(a._data.dtype)}'")
    return _out(_wrap(np.gcd(a._data, b._data).astype(_result_np(a._data, b._data))), out)


def lcm(input, other, *, out=None):
    a, b = _t(input), _t(other)
    if a._data.dtype.kind not in "iu" or b._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"lcm_cpu\" not implemented for '{D.scalar_type_name(a._data.dtype)}'")
    return _out(_wrap(np.lcm(a._data, b._data).astype(_result_np(a._data, b._data))), out)


def ldexp(input, other, *, out=None):
    """input * 2**other. Matches `torch.ldexp`."""
    x, e = _t(input), _t(other)
    if x._data.dtype.kind != "f":
        x = x.float()
    return _out(x * e.to(x.dtype).exp2(), out)


def frexp(input, *, out=None):
    x = _t(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = np.frexp(x._data)
    from ._methods.reduction import RT
    return RT["frexp"](_wrap(m), _wrap(e.astype(np.int32)))


def nextafter(input, other, *, out=None):
    a, b = _t(input), _t(other)
    dt = _result_np(a._data, b._data)
    return _out(_wrap(np.nextafter(a._data.astype(dt), b._data.astype(dt))), out)


def angle(input, *, out=None):
    return _out(_unary(P.Angle, _t(input)), out)


def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma of dimension p. Matches `torch.mvlgamma`."""
    x = _t(input)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if x._data.size and not (x._data > (p - 1) / 2).all():
        raise RuntimeError(f"All elements must be greater than (p-1)/2")
    shifts = _wrap(-np.arange(p, dtype=x._data.dtype if x._data.dtype.kind == "f" else np.float32) / 2)
    r = (x.unsqueeze(-1) + shifts).lgamma().sum(-1)
    return _out(r + p * (p - 1) / 4 * math.log(math.pi), out)


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


def conj(input):
    return input


conj_physical = resolve_conj = resolve_neg = conj


def is_conj(input):
    return False


def is_neg(input):
    return False


def real(input):
    return input


def imag(input):
    return _t(input).imag


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


def fill_diagonal_(self, fill_value, wrap=False):
    x = self._data
    if x.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if x.ndim > 2 and len(set(x.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if STATE.enabled and (self._rg or self._node is not None):
        mask = np.zeros(x.shape, bool)
        np.fill_diagonal(mask, True, wrap=wrap)
        from ._functional import where
        val = _wrap(np.asarray(fill_value, dtype=x.dtype))
        return self.copy_(where(_wrap(mask), val, self.clone()))
    np.fill_diagonal(x, fill_value, wrap=wrap)
    self._vc[0] += 1
    return self


