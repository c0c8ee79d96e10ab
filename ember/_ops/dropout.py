"""Dropout: elementwise, channel-wise (dropout1d/2d/3d) and alpha dropout. The mask kernel and the
`torch.nn.functional` functions; masks are drawn from ember's default generator. Matches torch's.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._inplace import inplace_op
from .._tensor_base import _unary
from ..random import _gen
from ._base import Op

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_ALPHA_P = 1.7580993408473766   # -SELU scale * alpha


# ---- kernels -------------------------------------------------------------------------------------

class DropoutMask(Op):
    # x * mask (+ shift, for alpha dropout); mask/shift are constants drawn by the caller
    saves = ("c",)
    bw_name = "MulBackward0"

    @staticmethod
    def forward(x, mask, shift):
        out = x * mask
        if shift is not None:
            out += shift
        return out, (mask,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * saved[0],)


# ---- public functions ------------------------------------------------------------------------------

def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p, dtype, generator=None):
    r = _gen(generator).random(shape, dtype=np.float32)
    keep = r >= np.float32(p)
    return keep


def _apply_mask(input, mask, shift, inplace):
    if inplace:
        return inplace_op(DropoutMask, input, mask, shift)
    return _unary(DropoutMask, input, mask, shift)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    Matches `torch.nn.functional.dropout`; the mask is drawn from ember's default generator.
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    x = input._data
    dt = x.dtype
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=dt)
    else:
        mask = _keep_mask(x.shape, p, dt)
        mask = mask.astype(dt) * dt.type(1.0 / (1.0 - p)) if dt != np.float32 else \
            np.multiply(mask, np.float32(1.0 / (1.0 - p)), dtype=np.float32)
    return _apply_mask(input, mask, None, inplace)


def _feature_dropout(input, p, training, inplace, batched_ndim, name):
    _check_p(p)
    x = input._data
    nd = x.ndim
    if nd not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, but received a {nd}D "
                           f"input. ")
    return _channel_dropout(input, p, training, inplace, 1 if nd == batched_ndim - 1 else 2)


def _channel_dropout(input, p, training, inplace, lead):
    """Zero whole channels: the mask has the input's first `lead` dims and size 1 elsewhere."""
    if not training or p == 0.0:
        return input
    x = input._data
    if x.ndim < lead:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = x.shape[:lead] + (1,) * (x.ndim - lead)
    dt = x.dtype
    if p == 1.0:
        mask = np.zeros(shape, dtype=dt)
    else:
        mask = _keep_mask(shape, p, dt).astype(dt) * dt.type(1.0 / (1.0 - p))
    return _apply_mask(input, mask, None, inplace)


def _deprecated_rank(name, nd, ok):
    warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an "
                  f"error in a future release. To retain the behavior and silence this warning, please use "
                  f"dropout instead. Note that {name} exists to provide channel-wise dropout on inputs with "
                  f"{ok[0] - 1} spatial dimensions, a channel dimension, and an optional batch dimension "
                  f"(i.e. {ok[0]}D or {ok[1]}D inputs).",
                  stacklevel=3)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    return _feature_dropout(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels (dims 0-1 of the input; torch's deprecated 2-D and 5-D inputs warn and keep its
    behavior). Matches `torch.nn.functional.dropout2d`."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (3, 4):
        _deprecated_rank("dropout2d", nd, (3, 4))
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _channel_dropout(input, p, training, inplace, 2)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, D, H, W) or unbatched (C, D, H, W) input (other ranks: torch's
    deprecation warning, then the unbatched rule). Matches `torch.nn.functional.dropout3d`."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (4, 5):
        _deprecated_rank("dropout3d", nd, (4, 5))
    return _channel_dropout(input, p, training, inplace, 2 if nd == 5 else 1)


def _alpha_dropout(input, p, training, inplace, feature):
    _check_p(p)
    if not training or p == 0.0:
        return input
    x = input._data
    dt = x.dtype
    shape = x.shape if not feature else x.shape[:2] + (1,) * (x.ndim - 2)
    if p == 1.0:
        keep = np.zeros(shape, dtype=dt)
    else:
        keep = _keep_mask(shape, p, dt).astype(dt)
    a = 1.0 / math.sqrt((_ALPHA_P * _ALPHA_P * p + 1) * (1 - p))
    shift = ((keep - 1) * (_ALPHA_P * a) + _ALPHA_P * a * p).astype(dt)
    mask = (keep * a).astype(dt)
    return _apply_mask(input, mask, shift, inplace)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    return _alpha_dropout(input, p, training, inplace, True)
