"""`ember.nn.functional` (imported as `F`): stateless layer functions. Matches `torch.nn.functional`.

Each function normalises and validates its arguments (torch's exception types and wording), then
calls one fused kernel from `ember._ops.nn` where the op is hot, or composes differentiable ember
ops. Convolution, pooling, normalisation, padding and resampling are the op families
`ember._ops.conv`, `pooling`, `normalization` and `spatial`, re-exported at the end.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._ops import nn as K
from .._ops.binary import ClampMin
from .._ops._base import normalize_dim
from .._tensor import Tensor
from .._tensor_base import _apply, _unary, _wrap
from .._inplace import inplace_op as _inplace
from ..autograd.grad_mode import STATE
from ..random import _gen

__all__ = [
    "linear", "bilinear", "identity",
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "rrelu", "rrelu_", "gumbel_softmax", "prelu", "elu", "elu_", "selu", "selu_", "celu",
    "celu_", "gelu", "silu", "mish", "hardswish", "hardsigmoid", "hardtanh", "hardtanh_", "softplus", "softsign",
    "tanh", "sigmoid", "logsigmoid", "softmax", "log_softmax", "softmin", "threshold", "threshold_", "glu",
    "tanhshrink", "softshrink", "hardshrink",
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "embedding", "embedding_bag", "one_hot", "normalize", "cosine_similarity", "pairwise_distance",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
    "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "hinge_embedding_loss", "multi_margin_loss", "ctc_loss",
    "scaled_dot_product_attention",
]



def _check_float(x, fname):
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f'"{fname}" not implemented for \'{_dtname(x)}\'')


def _dtname(x):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[x.dtype.name]


def _const(a, like):
    """A Tensor (no grad) holding ndarray `a` in the dtype of `like`."""
    if a.dtype != like._data.dtype:
        a = a.astype(like._data.dtype)
    return _wrap(a)


# ---- linear --------------------------------------------------------------------------------------------

def linear(input, weight, bias=None):
    """y = input @ weight.T + bias, recorded as one node. Matches `torch.nn.functional.linear`."""
    x = input._data
    w = weight._data
    if w.ndim == 1 and x.ndim >= 1 and x.shape[-1] == w.shape[0]:     # torch allows a 1-D weight
        out = input @ weight
        return out if bias is None else out + bias
    if x.shape[-1:] != w.shape[-1:] or w.ndim != 2:
        if w.ndim != 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {w.ndim}D") if w.ndim > 2 \
                else RuntimeError(f"linear(): weight must be 2-D, got shape {tuple(w.shape)}")
        rows = x.size // x.shape[-1] if x.ndim and x.shape[-1] else (1 if x.ndim <= 1 else int(np.prod(x.shape[:-1])))
        # torch's words first (code may match on them), then who is who: PyTorch's users ask for this
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1] if x.ndim else 1} and "
                           f"{w.shape[1]}x{w.shape[0]}): the input of shape {tuple(x.shape)} has "
                           f"{x.shape[-1] if x.ndim else 1} features in its last dimension, but the weight of shape "
                           f"{tuple(w.shape)} expects in_features={w.shape[1]}")
    if x.dtype is not w.dtype and x.dtype != w.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_dtname(input)} and {_dtname(weight)}")
    if bias is None:
        return _apply(K.LinearNoBias, (input, weight))
    if bias._data.dtype is not x.dtype and bias._data.dtype != x.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_dtname(input)} and {_dtname(bias)}")
    return _apply(K.Linear, (input, weight, bias))


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T W_k x2 + b_k. Matches `torch.nn.functional.bilinear`."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
                           f"{list(input2.shape[:-1])}")
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input sizes {tuple(input1.shape)}, {tuple(input2.shape)} do not match weight "
                           f"{tuple(weight.shape)}")
    # (..., 1, 1, i) @ (o, i, j) -> (..., o, 1, j); then @ x2 (..., 1, j, 1)
    t = input1.unsqueeze(-2).unsqueeze(-2) @ weight
    y = (t @ input2.unsqueeze(-2).unsqueeze(-1)).reshape(*input1.shape[:-1], weight.shape[0])
    return y if bias is None else y + bias


def identity(input):
    return input


# ---- activations ----------------------------------------------------------------------------------------

def _act(op, input, inplace, *args):
    if inplace:
        return _inplace(op, input, *args)
    return _unary(op, input, *args)


def relu(input, inplace: bool = False):
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def relu6(input, inplace: bool = False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    _check_float(input, "leaky_relu_cpu")
    if inplace:
        return _inplace(K.LeakyRelu, input, float(negative_slope))
    return _unary(K.LeakyRelu, input, float(negative_slope))


def leaky_relu_(input, negative_slope: float = 0.01):
    return leaky_relu(input, negative_slope, True)


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False):
    """Randomized leaky ReLU: slope ~ U(lower, upper) per negative element in training, else their mean.

    Matches `torch.nn.functional.rrelu`; the slopes are drawn from ember's default generator.
    """
    _check_float(input, "rrelu_with_noise_cpu")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    x = input._data
    slope = _gen(None).uniform(lower, upper, x.shape).astype(x.dtype, copy=False)
    mask = np.where(x > 0, x.dtype.type(1), slope)
    return _apply_mask(input, mask, None, inplace)


def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """Sample from the Gumbel-softmax distribution (straight-through one-hot when `hard`). Matches torch;
    the noise is drawn from ember's default generator."""
    x = logits._data
    g = -np.log(_gen(None).exponential(1.0, x.shape)).astype(x.dtype, copy=False)
    y_soft = softmax((logits + _wrap(g)) / tau, dim=dim)
    if not hard:
        return y_soft
    idx = np.argmax(y_soft._data, axis=dim)
    hard_arr = np.zeros_like(y_soft._data)
    np.put_along_axis(hard_arr, np.expand_dims(idx, dim), 1, axis=dim)
    return _wrap(hard_arr) - y_soft.detach() + y_soft


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    return rrelu(input, lower, upper, training, True)


def prelu(input, weight):
    """max(0,x) + weight * min(0,x), weight per channel (dim 1). Matches `torch.nn.functional.prelu`."""
    n = weight.numel()
    if n != 1:
        c = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim == 1 else 1)
        if c != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                               f"and channel size = {c}.")
        if input.ndim >= 2:
            weight = weight.reshape(n, *([1] * (input.ndim - 2)))
    elif weight.ndim != 0:
        weight = weight.reshape(())
    return _apply(K.Prelu, (input, weight))


def elu(input, alpha: float = 1.0, inplace: bool = False):
    _check_float(input, "elu_cpu")
    return _act(K.Elu, input, inplace, float(alpha), 1.0, 1.0)


def elu_(input, alpha: float = 1.0):
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace: bool = False):
    _check_float(input, "elu_cpu")
    return _act(K.Elu, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    return selu(input, True)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    _check_float(input, "elu_cpu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _act(K.Elu, input, inplace, float(alpha), 1.0, 1.0 / float(alpha))


def celu_(input, alpha: float = 1.0):
    return celu(input, alpha, True)


def gelu(input, approximate: str = "none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    _check_float(input, "GeluKernelImpl")
    return _unary(K.Gelu, input, approximate)


def silu(input, inplace: bool = False):
    _check_float(input, "silu_cpu")
    return _act(K.Silu, input, inplace)


def mish(input, inplace: bool = False):
    _check_float(input, "mish_cpu")
    return _act(K.Mish, input, inplace)


def hardswish(input, inplace: bool = False):
    _check_float(input, "hardswish_cpu")
    return _act(K.Hardswish, input, inplace)


def hardsigmoid(input, inplace: bool = False):
    _check_float(input, "hardsigmoid_cpu")
    return _act(K.Hardsigmoid, input, inplace)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _act(K.Hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    return hardtanh(input, min_val, max_val, True)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    _check_float(input, "softplus_cpu")
    return _unary(K.Softplus, input, beta, threshold)


def softsign(input):
    return _unary(K.Softsign, input)


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def logsigmoid(input):
    _check_float(input, "log_sigmoid_cpu")
    return _unary(K.LogSigmoid, input)


def threshold(input, threshold: float, value: float, inplace: bool = False):
    return _act(K.Threshold, input, inplace, threshold, value)


def threshold_(input, threshold: float, value: float):
    return _act(K.Threshold, input, True, threshold, value)


def glu(input, dim: int = -1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return _unary(K.Glu, input, d)


def tanhshrink(input):
    return input - input.tanh()


def softshrink(input, lambd: float = 0.5):
    x = input
    return _where(x > lambd, x - lambd, _where(x < -lambd, x + lambd, x * 0))


def hardshrink(input, lambd: float = 0.5):
    x = input
    return _where((x > lambd) | (x < -lambd), x, x * 0)


def _where(cond, a, b):
    from .._functional import where
    return where(cond, a, b)


def _softmax_dim(ndim):
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(input, dim, dtype, fname):
    if dim is None:
        dim = _softmax_dim(input.ndim)
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    elif input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{fname}_lastdim_kernel_impl" not implemented for \'{_dtname(input)}\'')
    return input, normalize_dim(dim, input.ndim)


def softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """exp(x) / sum(exp(x)) along `dim` (one fused node). Matches `torch.nn.functional.softmax`."""
    if dtype is None and dim is not None and input._data.dtype.kind == "f" and input._data.ndim and input._data.size:
        nd = input._data.ndim
        return _unary(K.Softmax, input, dim if 0 <= dim < nd else normalize_dim(dim, nd))
    input, d = _softmax_input(input, dim, dtype, "softmax")
    if input._data.size == 0:
        return input.clone()
    if input.ndim == 0:
        return _unary(K.Softmax, input.reshape(1), 0).reshape(())
    return _unary(K.Softmax, input, d)


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """x - logsumexp(x) along `dim` (one fused node). Matches `torch.nn.functional.log_softmax`."""
    if dtype is None and dim is not None and input._data.dtype.kind == "f" and input._data.ndim and input._data.size:
        nd = input._data.ndim
        return _unary(K.LogSoftmax, input, dim if 0 <= dim < nd else normalize_dim(dim, nd))
    input, d = _softmax_input(input, dim, dtype, "log_softmax")
    if input._data.size == 0:
        return input.clone()
    if input.ndim == 0:
        return _unary(K.LogSoftmax, input.reshape(1), 0).reshape(())
    return _unary(K.LogSoftmax, input, d)


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    return softmax(-input, dim)


# ---- dropout ---------------------------------------------------------------------------------------------

def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p, dtype, generator=None):
    r = _gen(generator).random(shape, dtype=np.float32)
    keep = r >= np.float32(p)
    return keep


def _apply_mask(input, mask, shift, inplace):
    if inplace:
        if STATE.enabled and input._rg:
            from .._inplace import check_inplace as _check_inplace
            _check_inplace(input)
        out = _unary(K.DropoutMask, input, mask, shift)
        np.copyto(input._data, out._data)
        input._vc[0] += 1
        if out._node is not None:
            input._node = out._node
            input._rg = True
        return input
    return _unary(K.DropoutMask, input, mask, shift)


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
    if not training or p == 0.0:
        return input
    x = input._data
    nd = x.ndim
    if nd not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, but received a {nd}D "
                           f"input. ")
    lead = 1 if nd == batched_ndim - 1 else 2
    shape = x.shape[:lead] + (1,) * (nd - lead)
    dt = x.dtype
    if p == 1.0:
        mask = np.zeros(shape, dtype=dt)
    else:
        mask = _keep_mask(shape, p, dt).astype(dt) * dt.type(1.0 / (1.0 - p))
    return _apply_mask(input, mask, None, inplace)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    return _feature_dropout(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
        return _feature_dropout(input, p, training, inplace, 3, "dropout2d")
    return _feature_dropout(input, p, training, inplace, 4, "dropout2d")


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    return _feature_dropout(input, p, training, inplace, 5, "dropout3d")


_ALPHA_P = 1.7580993408473766   # -SELU scale * alpha


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


# ---- embedding, one_hot, distances ---------------------------------------------------------------------

def _norm_padding_idx(padding_idx, num_embeddings, msg="Padding_idx must be within num_embeddings"):
    """padding_idx counted from the end when negative; out of range: torch's AssertionError with `msg`."""
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num_embeddings, msg
        elif padding_idx < 0:
            assert padding_idx >= -num_embeddings, msg
            padding_idx = num_embeddings + padding_idx
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of `weight` picked by integer `input`. Matches `torch.nn.functional.embedding`."""
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{_dtname(input)}Tensor instead (while checking arguments for "
                           "embedding)")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        padding_idx = _norm_padding_idx(padding_idx, n)
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    if scale_grad_by_freq or sparse:
        warnings.warn("ember: embedding(scale_grad_by_freq/sparse) is not supported; computing a dense gradient",
                      stacklevel=2)
    return _unary(K.Embedding, weight, idx, padding_idx)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2, scale_grad_by_freq=False,
                  mode: str = "mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxes of bags of embedding rows, without materialising the per-index rows.

    Matches `torch.nn.functional.embedding_bag` (2-D input of fixed-size bags, or 1-D input + offsets).
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max")
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError("embedding_bag: expected input to be an integer tensor")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({tuple(input.shape)})")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        nbags, length = idx.shape
        flat = idx.reshape(-1)
        bag = np.repeat(np.arange(nbags), length)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        off = offsets._data.astype(np.int64)
        if off.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        if off.size and off[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                               f"position 0. However, got {int(off[0])}")
        if include_last_offset:
            off, nbags = off[:-1], off.size - 1
        else:
            nbags = off.size
        flat = idx
        bag = np.searchsorted(off, np.arange(idx.size), side="right") - 1
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    n = weight.shape[0]
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _embedding_renorm(weight, flat, max_norm, norm_type)
    dt = weight._data.dtype
    psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else _wrap(np.ones(flat.shape, dt))
    return _apply(K.EmbeddingBag, (weight, psw), flat, bag, nbags, mode, padding_idx)


def _embedding_renorm(weight, idx, max_norm, norm_type):
    w = weight._data
    rows = np.unique(idx.reshape(-1))
    sub = w[rows]
    norms = np.linalg.norm(sub.astype(np.float64), ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] = (sub * scale[:, None]).astype(w.dtype)
    weight._vc[0] += 1


def one_hot(tensor, num_classes: int = -1):
    """int64 one-hot encoding with a new last dim. Matches `torch.nn.functional.one_hot`."""
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size:
        if a.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if a.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(a.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, a[..., None], 1, axis=-1)
    return _wrap(out)


def _norm(x, p, dim, keepdim):
    dims = None if dim is None else tuple(normalize_dim(d, x.ndim) for d in (dim if isinstance(dim, (tuple, list))
                                                                            else (dim,)))
    return _unary(K.PNorm, x, float(p) if p not in (1, 2) else p, dims, keepdim)


def _clamp_min(x, lo):
    return _unary(ClampMin, x, lo, None)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """input / max(||input||_p, eps) along `dim`. Matches `torch.nn.functional.normalize`."""
    n = _clamp_min(_norm(input, p, dim, True), eps)
    return input / n


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Cosine of the angle between x1 and x2 along `dim`. Matches `torch.nn.functional.cosine_similarity`."""
    n1 = _clamp_min(_norm(x1, 2, dim, True), eps)
    n2 = _clamp_min(_norm(x2, 2, dim, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """||x1 - x2 + eps||_p over the last dim. Matches `torch.nn.functional.pairwise_distance`."""
    d = x1 - x2 + eps
    return _norm(d, p, -1 if d.ndim else None, keepdim)


# ---- losses --------------------------------------------------------------------------------------------

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction="mean"):
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  f"{'sum' if size_average is False else 'mean'}' instead.", stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    _check_reduction(reduction)
    return loss


def _check_target_dtype(target, name):
    dt = target._data.dtype
    if dt != np.int64 and dt != np.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_dtname(target)}")


def _class_last(input, target, fname):
    """Move the class dim (1) of (N, C, d1, ...) to the end and flatten to (M, C); validate target's shape."""
    x = input._data
    t = target._data
    if x.ndim == 1:
        if t.ndim > 1 or t.size != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return input.reshape(1, x.shape[0]), t.reshape(1), ()
    if x.ndim == 0:
        raise RuntimeError("input tensor should be 1D or 2D")
    if t.ndim == 0 or x.shape[0] != t.shape[0]:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 0}).")
    if x.ndim == 2:
        if t.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return input, t, (x.shape[0],)
    expect = (x.shape[0],) + x.shape[2:]
    if t.shape != expect:
        raise RuntimeError(f"Expected target size {list(expect)}, got {list(t.shape)}")
    perm = (0,) + tuple(range(2, x.ndim)) + (1,)
    xm = input.permute(*perm).reshape(-1, x.shape[1])
    return xm, t.reshape(-1), expect


def _check_targets_in_range(t, c, ignore_index):
    if t.size:
        if t.min() >= 0 and t.max() < c:      # the common case: two cheap reductions
            return
        bad = (t < 0) | (t >= c)
        if ignore_index is not None:
            bad &= t != ignore_index
        if bad.any():
            raise IndexError(f"Target {int(t[bad][0])} is out of bounds.")


def _check_weight(weight, c, x):
    if weight is None:
        return None
    w = weight._data
    if w.ndim != 1 or w.shape[0] != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got weight "
                           f"tensor of shape: {list(w.shape)}")
    return w.astype(x.dtype, copy=False)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0):
    """log_softmax + nll_loss as one fused node (class indices) or soft targets (class probabilities).

    Matches `torch.nn.functional.cross_entropy`, including `weight`, `ignore_index`,
    `label_smoothing` and K-dimensional inputs (N, C, d1, ...).
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not (0.0 <= label_smoothing <= 1.0):
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _check_float(input, "log_softmax_lastdim_kernel_impl")
    x = input._data
    if target._data.dtype.kind == "f":       # class probabilities
        if target.shape != input.shape:
            raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
        c = x.shape[1] if x.ndim >= 2 else x.shape[0]
        w = _check_weight(weight, c, x)
        if x.ndim == 1:
            xm, tm, out_shape = input.reshape(1, c), target.reshape(1, c), ()
        elif x.ndim == 2:
            xm, tm, out_shape = input, target, (x.shape[0],)
        else:
            perm = (0,) + tuple(range(2, x.ndim)) + (1,)
            xm = input.permute(*perm).reshape(-1, c)
            tm = target.permute(*perm).reshape(-1, c)
            out_shape = (x.shape[0],) + x.shape[2:]
        if tm._data.dtype != xm._data.dtype:
            tm = tm.to(input.dtype)
        out = _apply(K.CrossEntropyProbs, (xm, tm), w, reduction, float(label_smoothing))
        return out.reshape(*out_shape) if reduction == "none" else out
    _check_target_dtype(target, "cross_entropy")
    xm, t, out_shape = _class_last(input, target, "cross_entropy")
    c = xm.shape[1]
    _check_targets_in_range(t, c, ignore_index)
    w = _check_weight(weight, c, x)
    out = _unary(K.CrossEntropy, xm, t, w, ignore_index, reduction, float(label_smoothing))
    if reduction == "none" and out_shape != (out.shape[0],):
        out = out.reshape(*out_shape)
    return out


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean"):
    """-input[i, target[i]] (weighted) over (N, C, d1, ...) log-probabilities. Matches torch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_target_dtype(target, "nll_loss")
    xm, t, out_shape = _class_last(input, target, "nll_loss")
    c = xm.shape[1]
    _check_targets_in_range(t, c, ignore_index)
    w = _check_weight(weight, c, input._data)
    out = _unary(K.NllLoss, xm, t, w, ignore_index, reduction)
    if reduction == "none" and out_shape != (out.shape[0],):
        out = out.reshape(*out_shape)
    return out


def _warn_size(input, target, name):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _as_tensor_like(v, like):
    if isinstance(v, Tensor):
        return v
    return _wrap(np.asarray(v, dtype=like._data.dtype))


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean squared error. Matches `torch.nn.functional.mse_loss`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target, "mse_loss")
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target, "l1_loss")
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _broadcast_pair(input, target):
    if tuple(input.shape) != tuple(target.shape):
        shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        input = input.expand(*shape) if tuple(input.shape) != shape else input
        target = target.expand(*shape) if tuple(target.shape) != shape else target
    if input._data.dtype != target._data.dtype:
        from .._tensor_base import _result_np
        dt = D._FROM_NP[_result_np(input._data, target._data)]
        input, target = input.to(dt), target.to(dt)
    return input, target


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_size(input, target, "smooth_l1_loss")
    x, y = _broadcast_pair(input, target)
    return _reduce(_apply(K.SmoothL1, (x, y), float(beta), False), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_size(input, target, "huber_loss")
    x, y = _broadcast_pair(input, target)
    loss = _apply(K.SmoothL1, (x, y), float(delta), True)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
    """-(y log x + (1-y) log(1-x)), logs clamped at -100. Matches `torch.nn.functional.binary_cross_entropy`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                         "is deprecated. Please ensure they have the same size.")
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    w = None
    if weight is not None:
        w = np.broadcast_to(weight._data, x.shape).astype(x.dtype, copy=False)
    tgt = target if target._data.dtype == x.dtype else target.to(input.dtype)
    return _reduce(_apply(K.Bce, (input, tgt), w), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Sigmoid + BCE in one numerically stable node. Matches torch, including `weight` and `pos_weight`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    dt = input._data.dtype
    w = None if weight is None else weight._data.astype(dt, copy=False)
    pw = None if pos_weight is None else pos_weight._data.astype(dt, copy=False)
    tgt = target if target._data.dtype == dt else target.to(input.dtype)
    loss = _apply(K.BceWithLogits, (input, tgt), w, pw)
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
    """Pointwise KL divergence with `input` given as log-probabilities. Matches `torch.nn.functional.kl_div`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target * (_clamp_min(target, 1e-38 if target._data.dtype == np.float32 else 1e-300).log() - input)
        if target._data.size and (target._data <= 0).any():
            loss = _where(target > 0, loss, loss * 0)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                          reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.shape != input2.shape:
        raise RuntimeError(f"cosine_embedding_loss: input1 and input2 must have the same shape, got "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    d = 1 if input1.ndim == 2 else 0
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    m1 = (input1 * input1).sum(d) + eps
    m2 = (input2 * input2).sum(d) + eps
    cos = prod / (m1 * m2).sqrt()
    zero = cos * 0
    pos = _where(target == 1, 1 - cos, zero)
    neg = _where(target == -1, _clamp_min(cos - margin, 0.0), zero)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                        reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce(_clamp_min(-target * (input1 - input2) + margin, 0.0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None, reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_pn = pairwise_distance(positive, negative, p, eps)
        from .._functional import minimum
        d_an = minimum(d_an, d_pn)      # torch.min: a tie splits the gradient between both
    return _reduce(_clamp_min(margin + d_ap - d_an, 0.0), reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        if isinstance(target, Tensor) and target.requires_grad:
            # differentiable in the target too, as torch's (Stirling term kept where target > 1)
            st = target * target.log() - target + 0.5 * (target * (2 * math.pi)).log()
            loss = loss + st.masked_fill(target <= 1, 0)
        else:
            t = target._data
            with np.errstate(divide="ignore", invalid="ignore"):
                st = t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t)
            st = np.where(t > 1, st, 0).astype(input._data.dtype)
            loss = loss + _wrap(st)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
    """Gaussian negative log likelihood with predicted variance. Matches `torch.nn.functional.gaussian_nll_loss`."""
    if isinstance(var, (int, float)):
        var = _wrap(np.full(input.shape, var, dtype=input._data.dtype))
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    _check_reduction(reduction)
    if (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    # clamp for stability without changing the gradient path (torch clamps under no_grad)
    v = var._data
    shift = np.maximum(v, eps) - v
    if shift.any():
        var = var + _wrap(shift.astype(v.dtype))
    d = input - target
    loss = 0.5 * (var.log() + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce(softplus(-target * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.ndim - 1) / input.shape[-1]
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    zero = input * 0
    margin_clamp = _clamp_min(margin - input, 0.0)
    out_margin = _where(target != 1, margin_clamp, zero)
    out_self = _where(target != -1, input, zero)
    return _reduce(out_margin + out_self, reduction)


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                      reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    t = target._data.reshape(-1)
    n, c = x.shape
    onehot = np.zeros((n, c), dtype=bool)
    onehot[np.arange(n), t] = True
    xt = (x * _const(onehot.astype(x._data.dtype), x)).sum(1, keepdim=True)
    z = _clamp_min(margin - xt + x, 0.0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * _const(weight._data[t][:, None], x)
    z = z * _const((~onehot).astype(x._data.dtype), x)
    loss = z.sum(1) / c
    if input.ndim != 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def _int_list(v):
    if isinstance(v, Tensor):
        return v._data.astype(np.int64).reshape(-1)
    return np.asarray(v, dtype=np.int64).reshape(-1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False):
    """Connectionist Temporal Classification loss. Matches `torch.nn.functional.ctc_loss`.

    `log_probs` is (T, N, C) (or unbatched (T, C)); `targets` is padded (N, S) or concatenated 1-D.
    """
    _check_reduction(reduction)
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    T, N, C = lp.shape
    in_len = _int_list(input_lengths)
    tg_len = _int_list(target_lengths)
    tg = targets._data.astype(np.int64) if isinstance(targets, Tensor) else np.asarray(targets, np.int64)
    if unbatched:
        tg = tg.reshape(1, -1)
    if in_len.shape[0] != N:
        raise RuntimeError(f"input_lengths must be of size batch_size ({N}), got {in_len.shape[0]}")
    if tg_len.shape[0] != N:
        raise RuntimeError(f"target_lengths must be of size batch_size ({N}), got {tg_len.shape[0]}")
    if (in_len > T).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(in_len.max())}")
    smax = int(tg_len.max()) if N else 0
    width = max(smax, 1)
    cols = np.arange(width)[None, :]
    keep = cols < tg_len[:, None]
    if tg.ndim == 2:
        src = tg[:, :width] if tg.shape[1] >= width else np.pad(tg, ((0, 0), (0, width - tg.shape[1])))
    else:
        starts = np.concatenate([[0], np.cumsum(tg_len)[:-1]])
        src = tg[np.clip(starts[:, None] + cols, 0, max(tg.size - 1, 0))] if tg.size else np.zeros((N, width), int)
    labels = np.where(keep, src, blank)
    L = 2 * max(smax, 1) + 1
    ext = np.full((N, L), blank, np.int64)
    ext[:, 1::2] = labels
    ext_len = 2 * tg_len + 1
    nll = _unary(K.CtcLoss, lp, ext, ext_len, in_len, blank, zero_infinity)
    if zero_infinity:
        bad = np.isinf(nll._data)
        if bad.any():
            nll = _where(_wrap(bad), _wrap(np.zeros_like(nll._data)), nll)
    if reduction == "mean":
        out = (nll / _wrap(np.maximum(tg_len, 1).astype(nll._data.dtype))).mean()
    elif reduction == "sum":
        out = nll.sum()
    else:
        out = nll.reshape(()) if unbatched else nll
    return out


# ---- attention -------------------------------------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
                                 scale=None, enable_gqa: bool = False):
    """softmax(Q K^T * scale + mask) V, with optional causal masking and dropout.

    Matches `torch.nn.functional.scaled_dot_product_attention` (math backend).
    """
    L, S = query.shape[-2], key.shape[-2]
    sc = (1.0 / math.sqrt(query.shape[-1])) if scale is None else scale
    if enable_gqa and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = _repeat_heads(key, rep)
        value = _repeat_heads(value, rep)
    scores = (query @ key.transpose(-2, -1)) * sc
    dt = scores._data.dtype
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        bias = np.where(np.tril(np.ones((L, S), dtype=bool)), 0, -np.inf).astype(dt)
        scores = scores + _wrap(bias)
    elif attn_mask is not None:
        m = attn_mask._data
        if m.dtype == np.bool_:
            scores = scores + _wrap(np.where(m, 0, -np.inf).astype(dt))
        else:
            scores = scores + attn_mask
    attn = softmax(scores, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return attn @ value


def _repeat_heads(x, rep):
    shape = tuple(x.shape)
    x = x.unsqueeze(-3).expand(*shape[:-2], rep, *shape[-2:])
    return x.reshape(*shape[:-3], shape[-3] * rep, *shape[-2:])


# the nn op families of ember/_ops: functions, checks and kernels in one module each
from .._ops import conv as _conv, normalization as _normalization  # noqa: E402
from .._ops import pooling as _pooling, spatial as _spatial  # noqa: E402
from .._ops.conv import *  # noqa: E402,F401,F403
from .._ops.normalization import *  # noqa: E402,F401,F403
from .._ops.pooling import *  # noqa: E402,F401,F403
from .._ops.spatial import *  # noqa: E402,F401,F403

__all__ = __all__ + _conv.__all__ + _pooling.__all__ + _normalization.__all__ + _spatial.__all__
