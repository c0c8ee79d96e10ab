"""`ember.*` function forms of tensor operations (torch.exp, torch.sum, torch.matmul, ...)."""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._tensor import Tensor
from ._tensor_base import _tensor_of as _t, _wrap


from ._ops.convert import *  # noqa: F401,F403
from ._ops.arith import *  # noqa: F401,F403
from ._ops.unary import *  # noqa: F401,F403
from ._ops.binary import *  # noqa: F401,F403
from ._ops.special import *  # noqa: F401,F403
from ._ops.reduction import *  # noqa: F401,F403
from ._ops.sort import *  # noqa: F401,F403
from ._ops.sampling import *  # noqa: F401,F403
from ._ops.sparse import *  # noqa: F401,F403
from ._ops.matmul import *  # noqa: F401,F403
from ._ops.linalg import *  # noqa: F401,F403
# the activations torch also has at top level (the rest of the family is torch.nn.functional's)
from ._ops.activation import (celu, celu_, hardshrink, log_softmax, prelu, relu, relu_, selu, selu_,  # noqa: F401
                              softmax, threshold, threshold_)
from ._ops.views import *  # noqa: F401,F403
from ._ops.indexing import *  # noqa: F401,F403
from ._ops.scatter import *  # noqa: F401,F403
from ._ops.join import *  # noqa: F401,F403



# ---------------------------------------------------------------------------------------------
# Runtime settings, constants and small helpers that everyday scripts call at top level.
# ---------------------------------------------------------------------------------------------
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
    """Sets the thread count of NumPy's BLAS (OpenBLAS / MKL, through ctypes), which runs ember's matmuls,
    and of ember's worker pool, which shares large batches among threads (convolutions); `torch.set_num_threads(1)`
    matters on a busy machine, where a spinning BLAS pool can make a matmul tens of times slower."""
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










def autocast(device_type="cpu", dtype=None, enabled=True, cache_enabled=None):
    """`with torch.autocast(...)`: accepted and ignored (ember computes in the tensors' own dtypes)."""
    from .amp import autocast as _ac
    return _ac(device_type, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def is_autocast_enabled(device_type=None) -> bool:
    return False


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
