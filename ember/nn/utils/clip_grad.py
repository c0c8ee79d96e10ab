"""Gradient clipping, in place on `.grad` arrays. Matches `torch.nn.utils.clip_grad_*`."""
from __future__ import annotations

import math
import types
import warnings

import numpy as np

from ..._ops._base import Quiet
from ..._tensor import Tensor

from ..._tensor_base import _wrap

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _params(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _grads(params):
    out = []
    for p in params:
        g = getattr(p, "_grad", None)
        if g is not None:
            out.append(g)
    return out


def _norm_of(a, norm_type):
    if norm_type == math.inf:
        return float(np.max(np.abs(a))) if a.size else 0.0
    if norm_type == -math.inf:
        return float(np.min(np.abs(a))) if a.size else math.inf
    if norm_type == 2:
        a64 = a.reshape(-1)
        return float(np.sqrt(np.dot(a64, a64))) if a.dtype != np.float16 else float(np.linalg.norm(a64, 2))
    if norm_type == 1:
        return float(np.abs(a).sum())
    return float((np.abs(a.astype(np.float64)) ** norm_type).sum() ** (1.0 / norm_type))


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None):
    """The norm of the norms of `tensors` (as a 0-d tensor)."""
    norm_type = float(norm_type)
    ts = [t._data for t in _params(tensors)]
    if not ts:
        return _wrap(np.array(0.0, dtype=np.float32))
    dt = ts[0].dtype
    with Quiet():             # inf/nan gradients give an inf/nan norm, without NumPy's warnings (as torch)
        norms = [_norm_of(a, norm_type) for a in ts]
        if norm_type == math.inf:
            total = max(norms)
        elif norm_type == -math.inf:
            total = min(norms)
        else:
            total = sum(n ** norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    return _wrap(np.array(total, dtype=dt))


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    params = _params(parameters)
    grads = _grads(params)
    if not grads:
        return
    tn = float(total_norm) if not isinstance(total_norm, Tensor) else float(total_norm._data)
    coef = min(float(max_norm) / (tn + 1e-6), 1.0)
    with Quiet():      # a non-finite total norm scales to nan, as in torch
        for g in grads:
            a = g._data
            np.multiply(a, a.dtype.type(coef), out=a)
            g._vc[0] += 1


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None):
    """Scale gradients in place so their total norm is at most `max_norm`; returns the total norm (0-d tensor).

    Matches `torch.nn.utils.clip_grad_norm_`.
    """
    norm_type = float(norm_type)
    is_generator = isinstance(parameters, types.GeneratorType)
    params = _params(parameters)
    if is_generator and not params:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = _grads(params)
    if not grads:
        return _wrap(np.array(0.0, dtype=np.float32))
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(_params(parameters)):
        a = g._data
        np.clip(a, -clip_value, clip_value, out=a)
        g._vc[0] += 1
