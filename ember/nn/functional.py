"""`ember.nn.functional` (imported as `F`): stateless layer functions. Matches `torch.nn.functional`.

The functions live in their op families in `ember/_ops/` (activation, dropout, embedding, linear,
distance, loss, ctc, ...) and are re-exported here under torch.nn.functional's names; this module
defines only the forms torch.nn.functional spells differently from torch (`F.softmax`'s implicit dim).
Convolution, pooling, normalisation, padding and resampling live in `_functional_conv.py`
(star-imported at the end).
"""
from __future__ import annotations

import numpy as np

from .._ops import activation as _activation, ctc as _ctc, distance as _distance, dropout as _dropout
from .._ops import embedding as _embedding, linear as _linear, loss as _loss
from .._ops import nn as K
from .._ops.activation import *  # noqa: F401,F403
from .._ops.activation import _check_float, _implicit_dim
from .._ops.ctc import *  # noqa: F401,F403
from .._ops.distance import *  # noqa: F401,F403
from .._ops.dropout import *  # noqa: F401,F403
from .._ops.embedding import *  # noqa: F401,F403
from .._ops.linear import *  # noqa: F401,F403
from .._ops.loss import *  # noqa: F401,F403
from .._ops.unary import sigmoid, tanh  # noqa: F401
from .._tensor_base import _apply, _wrap

__all__ = (_activation.__all__ + _dropout.__all__ + _embedding.__all__ + _linear.__all__ + _distance.__all__
           + _loss.__all__ + _ctc.__all__ + ["tanh", "sigmoid", "rms_norm", "affine_grid", "grid_sample"])


# ---- torch.nn.functional's own spellings ---------------------------------------------------------------

def softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """`ember.softmax`, with torch's legacy implicit dim (and its warning) when `dim` is None. Matches
    `torch.nn.functional.softmax`."""
    dim = dim if dim is not None else _implicit_dim("softmax", input.dim(), _stacklevel)
    return _activation.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """`ember.log_softmax`, with torch's legacy implicit dim (and its warning) when `dim` is None. Matches
    `torch.nn.functional.log_softmax`."""
    dim = dim if dim is not None else _implicit_dim("log_softmax", input.dim(), _stacklevel)
    return _activation.log_softmax(input, dim, dtype)


# ---- normalisation and spatial transformers (moving to their families) ---------------------------------

def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2 over the trailing dims) + eps) * weight. Matches `torch.nn.functional.rms_norm`
    (eps None = the dtype's machine epsilon)."""
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (int(normalized_shape),)
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0 or input._data.ndim < k or tuple(input.shape[input._data.ndim - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*"
                           f"{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(ns)}")
    _check_float(input, "rms_norm")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input._data.ndim - k, input._data.ndim))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out if weight is None else out * weight


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) of the 2-D affine maps `theta` (N, 2, 3). Matches
    `torch.nn.functional.affine_grid` (4-D sizes); differentiable in theta."""
    if align_corners is None:
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) != 4:
        raise NotImplementedError("ember: affine_grid supports 4-D sizes (N, C, H, W) only")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(size)}. Got "
                         f"{list(theta.shape)}.")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, 3] but got: "
                           f"[{theta.shape[0]}, 3].")
    N, _, H, W = size
    dt = theta._data.dtype

    def lin(n):
        # torch's linspace (symmetric halves) and its `* (n - 1) / n`, op for op, so that points on the
        # border land exactly where torch's do
        if n <= 1:
            return np.zeros(n, dt)
        step = float(dt.type(2) / dt.type(n - 1))
        i = np.arange(n, dtype=np.float64)      # products exact in float64, one rounding: torch's fused multiply-add
        v = np.where(i < n // 2, -1.0 + i * step, 1.0 - (n - 1 - i) * step).astype(dt)
        return v if align_corners else (v * dt.type(n - 1)) / dt.type(n)
    base = np.empty((H, W, 3), dt)
    base[..., 0] = lin(W)
    base[..., 1] = lin(H)[:, None]
    base[..., 2] = 1
    grid = _wrap(base.reshape(1, H * W, 3)) @ theta.transpose(1, 2)      # (N, H*W, 2)
    return grid.reshape(N, H, W, 2)


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros", align_corners=None):
    """Sample `input` (N, C, H, W) at the normalised locations `grid` (N, Ho, Wo, 2). Matches
    `torch.nn.functional.grid_sample` for 4-D inputs, modes bilinear/nearest, padding zeros/border/reflection."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("ember: grid_sample mode='bicubic' is not supported")
    if align_corners is None:
        align_corners = False
    if input.ndim != 4:
        raise NotImplementedError("ember: grid_sample supports 4-D inputs only")
    if grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension and the same batch size "
                           f"as input, but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    _check_float(input, "grid_sampler_2d_cpu")
    if grid._data.dtype != input._data.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    return _apply(K.GridSample2d, (input, grid), mode, padding_mode, bool(align_corners))


from ._functional_conv import *  # noqa: E402,F401,F403
from . import _functional_conv as _fc  # noqa: E402

__all__ = __all__ + [n for n in getattr(_fc, "__all__", []) if n not in __all__]
