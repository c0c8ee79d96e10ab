"""Pointwise kernels: forward and backward side by side.

Inputs arrive already promoted to one dtype (or with a weak Python scalar); broadcasting is
undone by the engine, so rules return output-shaped gradients.
"""
from __future__ import annotations

import numpy as np

from ._base import Op, b_log, b_sign, b_where

_ndarray = np.ndarray




































class Relu(Op):
    saves = ("out",)
    bw_name = "ReluBackward0"

    @staticmethod
    def forward(x):
        if x.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        y = np.maximum(x, 0)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * (saved[0] > 0),)








# ---- non-differentiable ops (no rules; results never require grad) -----------------------------































# =================================================================================================
# Elementwise math (issue 3). Rules use operators and `_on(...)` helpers, which dispatch to NumPy
# for arrays and to Tensor methods for Tensors, so create_graph=True can record them.
# =================================================================================================
import math as _math  # noqa: E402
import warnings as _warnings  # noqa: E402

# NOTE: torch computes log(-1) = nan, 1/0 = inf silently. NumPy warns; np.errstate would cost ~1 us
# per op, so instead ignore NumPy's RuntimeWarnings raised from inside ember's kernels (zero cost).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\._ops\.")


def _on(np_fn, name):
    def f(x):
        return getattr(x, name)() if hasattr(x, "_data") else np_fn(x)
    return f


_sin, _cos, _exp, _sqrt = _on(np.sin, "sin"), _on(np.cos, "cos"), _on(np.exp, "exp"), _on(np.sqrt, "sqrt")
_sinh, _cosh, _log, _trunc = _on(np.sinh, "sinh"), _on(np.cosh, "cosh"), _on(np.log, "log"), _on(np.trunc, "trunc")


def _data(x):
    return x._data if hasattr(x, "_data") else x


def _mask(cond, g):
    """g where cond (a constant boolean array) else 0; arrays or Tensors."""
    return g * _data(cond)


_LN2 = _math.log(2.0)
_LN10 = _math.log(10.0)
_TWO_OVER_SQRTPI = 2.0 / _math.sqrt(_math.pi)
_SQRTPI_OVER_TWO = _math.sqrt(_math.pi) / 2.0
















































# ---- erf family (no SciPy): series near 0, continued fraction / Chebyshev fit in the tails ----

















# ---- rounding (zero gradient almost everywhere) -------------------------------------------------















_DEG2RAD = _math.pi / 180.0
_RAD2DEG = 180.0 / _math.pi
















# ---- binary math ---------------------------------------------------------------------------------





















































# ---- non-differentiable elementwise ----------------------------------------------------------------











# ---- gamma family (no SciPy): Lanczos lgamma, shifted asymptotic series for polygamma -------------

_HALF_LOG_2PI = 0.5 * _math.log(2 * _math.pi)
# Bernoulli numbers B_2k, k = 1..7, for the asymptotic expansions
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)
















