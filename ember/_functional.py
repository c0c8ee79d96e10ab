"""`ember.*` function forms of tensor operations (torch.exp, torch.sum, torch.matmul, ...)."""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._ops import pointwise as P
from ._tensor import Tensor
from ._tensor_base import _apply, _binary, _result_np, _scalar_np, _tensor_of as _t, _wrap


from ._ops.convert import *  # noqa: F401,F403
from ._ops.arith import *  # noqa: F401,F403
from ._ops.unary import *  # noqa: F401,F403
from ._ops.binary import *  # noqa: F401,F403
from ._ops.special import *  # noqa: F401,F403
from ._ops.views import *  # noqa: F401,F403
from ._ops.indexing import *  # noqa: F401,F403
from ._ops.scatter import *  # noqa: F401,F403
from ._ops.join import *  # noqa: F401,F403
from ._methods.pointwise import PointwiseMixin as _PM

relu, relu_ = _PM.relu, _PM.relu_
from ._functional_math import *  # noqa

from ._functional_shape import *  # noqa


# ---------------------------------------------------------------------------------------------
# Runtime settings, constants and small helpers that everyday scripts call at top level.
# ---------------------------------------------------------------------------------------------
import builtins as _builtins
import math as _math
import os as _os

pi = _math.pi
e = _math.e
inf = _math.inf
nan = _math.nan
newaxis = None

_SETTINGS = {"num_threads": _os.cpu_count() or 1, "interop_threads": _os.cpu_count() or 1,
             "deterministic": False, "warn_only": False, "matmul_precision": "highest"}


def set_num_threads(num: int) -> None:
    """Sets the thread count of NumPy's BLAS (OpenBLAS / MKL, through ctypes), which runs ember's matmuls
    and convolutions; `torch.set_num_threads(1)` matters on a busy machine, where a spinning BLAS pool
    can make a matmul tens of times slower."""
    if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {num!r}")
    from . import _blas
    _blas.set_threads(num)
    _SETTINGS["num_threads"] = num


def get_num_threads() -> int:
    from . import _blas
    n = _blas.get_threads()
    return n if n else _SETTINGS["num_threads"]


def set_num_interop_threads(num: int) -> None:
    if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
        raise RuntimeError(f"set_num_interop_threads expects a positive integer, but got {num!r}")
    _SETTINGS["interop_threads"] = num


def get_num_interop_threads() -> int:
    return _SETTINGS["interop_threads"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded only: every ember op is deterministic already."""
    _SETTINGS["deterministic"] = bool(mode)
    _SETTINGS["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _SETTINGS["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _SETTINGS["warn_only"]


def set_deterministic_debug_mode(debug_mode) -> None:
    modes = {"default": 0, "warn": 1, "error": 2}
    level = modes.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if level not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                           f"but got {debug_mode}")
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> int:
    if not _SETTINGS["deterministic"]:
        return 0
    return 1 if _SETTINGS["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """Recorded only (ember's float32 matmul is always full precision)."""
    if precision not in ("highest", "high", "medium"):
        import warnings
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      f"set_float32_matmul_precision call has no effect.", stacklevel=2)
        return
    _SETTINGS["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _SETTINGS["matmul_precision"]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """Returns the model or function unchanged (ember has no compiler); usable as a decorator too."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError(f"torch.compile expects a callable (a Module or a function), got {type(model).__name__}")
    return model


def get_default_device():
    from ._device import CPU
    return CPU


def set_default_device(device) -> None:
    """Only the CPU exists in ember: 'cpu' (or None) is accepted, any other device raises."""
    if device is not None:
        from ._device import check_device
        check_device(device)


def is_complex(input) -> bool:
    return False


def is_nonzero(input) -> bool:
    t = _t(input)
    if t._data.size != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous" if t._data.size else
                           "Boolean value of Tensor with no values is ambiguous")
    return bool(t._data.reshape(()))


def is_same_size(input, other) -> bool:
    return input._data.shape == other._data.shape


def is_signed(input) -> bool:
    return input.is_signed()


def is_inference(input) -> bool:
    return False


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    from ._creation import tensor
    return tensor(s, dtype=dtype if dtype is not None else D.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


def detach(input):
    return input.detach()


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
        return np.searchsorted(s, vals, side=how)
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
    idx = np.searchsorted(s2, v2, side=how).reshape(flat_v.shape) - (np.arange(flat_s.shape[0]) * seq.shape[-1])[:, None]
    return idx.reshape(vals.shape)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """Indices where `input` values would be inserted to keep each row sorted. Matches `torch.searchsorted`."""
    seq = _t(sorted_sequence)._data
    scalar = not isinstance(input, Tensor)
    vals = np.asarray(input) if scalar else input._data
    if seq.ndim > 1 and scalar:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                           "dimension is 1")
    idx = _searchsorted_np(seq, vals, right, side, None if sorter is None else _t(sorter)._data)
    return _wrap(np.asarray(idx, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Bucket index of each value for 1-D `boundaries`. Matches `torch.bucketize`."""
    b = _t(boundaries)._data
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    idx = np.searchsorted(b, vals, side="right" if right else "left")
    return _wrap(np.asarray(idx, dtype=np.int32 if out_int32 else np.int64))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of `elements` is in `test_elements`. Matches `torch.isin`."""
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return _wrap(np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert)))


# nn.functional forms that torch also exposes at top level (same signatures)
_F_ALIASES = ("cosine_similarity", "pairwise_distance", "dropout", "alpha_dropout", "feature_alpha_dropout",
              "selu", "celu", "prelu", "threshold", "hardshrink", "binary_cross_entropy_with_logits", "kl_div",
              "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss", "triplet_margin_loss",
              "poisson_nll_loss", "bilinear")


def _f_alias(name):
    def fn(*args, **kwargs):
        from .nn import functional as F
        f = getattr(F, name, None)
        if f is None:
            raise AttributeError(f"module 'ember' has no attribute '{name}' (not implemented in ember)")
        return f(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Same as `ember.nn.functional.{name}`."
    return fn


for _n in _F_ALIASES:
    globals()[_n] = _f_alias(_n)
del _n


def autocast(device_type="cpu", dtype=None, enabled=True, cache_enabled=None):
    """`with torch.autocast(...)`: accepted and ignored (ember computes in the tensors' own dtypes)."""
    from .amp import autocast as _ac
    return _ac(device_type, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def is_autocast_enabled(device_type=None) -> bool:
    return False


# ---- older linear-algebra spellings (torch.svd returns V, not Vh) ----
def svd(input, some=True, compute_uv=True, *, out=None):
    """(U, S, V) with input = U diag(S) V^T. Matches `torch.svd` (some=False: square U and V)."""
    from . import linalg
    if not compute_uv:
        S = linalg.svdvals(input)
        m, n = input.shape[-2:]
        zu = _wrap(np.zeros(tuple(input.shape[:-2]) + (m, m if not some else min(m, n)), input._data.dtype))
        zv = _wrap(np.zeros(tuple(input.shape[:-2]) + (n, n if not some else min(m, n)), input._data.dtype))
        return _SVD(zu, S, zv)
    U, S, Vh = linalg.svd(input, full_matrices=not some)
    return _SVD(U, S, Vh.mT)


def _svd_type():
    from collections import namedtuple
    return namedtuple("torch_return_types_svd", ["U", "S", "V"])


_SVD = _svd_type()


def qr(input, some=True, *, out=None):
    from . import linalg
    return linalg.qr(input, mode="reduced" if some else "complete")


def pinverse(input, rcond=1e-15):
    from . import linalg
    return linalg.pinv(input, rtol=rcond)


# ---- window functions ----
def _window(name, window_length, periodic, dtype, requires_grad, fn):
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window length, got window_length={window_length}")
    dt = dtype if dtype is not None else D.get_default_dtype()
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length == 0:
        arr = np.zeros(0)
    elif window_length == 1:
        arr = np.ones(1)
    else:
        n = window_length + 1 if periodic else window_length
        k = np.arange(n, dtype=np.float64)
        arr = fn(k, n)[:window_length]
    t = _wrap(arr.astype(dt.np))
    if requires_grad:
        t.requires_grad_(True)
    return t


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("hann_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: 0.5 - 0.5 * np.cos(2 * np.pi * k / (n - 1)))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False):
    return _window("hamming_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1)))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("blackman_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: 0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1)) + 0.08 * np.cos(4 * np.pi * k / (n - 1)))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1))


# ---- trapezoid rule (differentiable: composed of ember ops) ----
def _trap_parts(y, x, dx, dim):
    y = _t(y)
    d = dim if dim >= 0 else dim + y.dim()
    m = y.shape[d]
    avg = (y.narrow(d, 1, m - 1) + y.narrow(d, 0, m - 1)) / 2 if m > 0 else y
    if x is not None:
        x = _t(x)
        if x.dim() == 1:
            shp = [1] * y.dim()
            shp[d] = m
            x = x.reshape(*shp)
        w = x.diff(dim=d)
    else:
        w = 1.0 if dx is None else dx
    return avg, w, d, m


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integral of y along dim by the trapezoid rule (spacing x, or constant dx). Matches `torch.trapezoid`."""
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"trapezoid(): argument 'x' must be Tensor, not {type(x).__name__} (use dx= for a constant "
                        f"spacing)")
    avg, w, d, m = _trap_parts(y, x, dx, dim)
    if m == 0:
        return _t(y).sum(d)
    return (avg * w).sum(d)


trapz = trapezoid


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"cumulative_trapezoid(): argument 'x' must be Tensor, not {type(x).__name__} (use dx= for "
                        f"a constant spacing)")
    avg, w, d, m = _trap_parts(y, x, dx, dim)
    if m == 0:
        return _t(y)
    return (avg * w).cumsum(d)


def range(start, end, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Deprecated torch.range: like arange but including `end`, default dtype float."""
    import warnings
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values "
                  "in [start, end).", UserWarning, stacklevel=2)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and start > end) or (step < 0 and start < end):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    dt = dtype if dtype is not None else D.get_default_dtype()
    n = int(_math.floor((end - start) / step)) + 1
    t = _wrap((start + step * np.arange(n, dtype=np.float64)).astype(dt.np))
    if requires_grad:
        t.requires_grad_(True)
    return t


def typename(obj) -> str:
    """'torch.FloatTensor' for a float32 tensor, else the object's qualified type name."""
    if isinstance(obj, Tensor):
        return obj.type()
    t = type(obj)
    mod = t.__module__
    return t.__qualname__ if mod in ("builtins", None) else f"{mod}.{t.__qualname__}"


def is_storage(obj) -> bool:
    return False


def matrix_exp(input):
    from . import linalg
    return linalg.matrix_exp(input)


def cholesky_solve(input, input2, upper=False, *, out=None):
    """Solve A X = B given B (`input`) and the Cholesky factor of A (`input2`). Matches `torch.cholesky_solve`."""
    from . import linalg
    L = input2.mT if upper else input2
    y = linalg.solve_triangular(L, input, upper=False)
    return linalg.solve_triangular(L.mT, y, upper=True)


def cholesky_inverse(input, upper=False, *, out=None):
    """Inverse of A from its Cholesky factor. Matches `torch.cholesky_inverse`."""
    from ._creation import eye
    n = input.shape[-1]
    ident = eye(n, dtype=input.dtype).expand(*input.shape)
    return cholesky_solve(ident, input, upper)


def renorm(input, p, dim, maxnorm, *, out=None):
    """Rescale each slice along `dim` whose p-norm exceeds `maxnorm` to norm `maxnorm`. Matches `torch.renorm`."""
    from . import linalg
    x = _t(input)
    nd = x.dim()
    if nd <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = dim % nd
    others = tuple(i for i in _builtins.range(nd) if i != d)
    norms = linalg.vector_norm(x, p, dim=others, keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return x * factor
