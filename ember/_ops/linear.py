"""Linear layers and attention: `linear` (one fused node), `bilinear`, `scaled_dot_product_attention`, and
the `Identity` kernel that module backward hooks record. Kernels and the `torch.nn.functional` functions.
Matches torch's.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _blas
from .. import _dtype as D
from .._tensor_base import _apply, _wrap
from ._base import Op, b_matmul, b_sum, b_swap_last, is_array
from .activation import softmax
from .dropout import dropout

__all__ = ["linear", "bilinear", "identity", "scaled_dot_product_attention"]


# ---- kernels -------------------------------------------------------------------------------------

class Identity(Op):
    bw_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(x):
        return x.view(), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


def _mm_last(x, m):
    # (..., k) @ (k, n): one 2-D GEMM over the flattened leading dims (numpy's batched matmul loops per batch);
    # on ember's threads (_blas.matmul)
    if x.ndim == 2:
        return _blas.matmul(x, m)
    if x.ndim < 2:
        return np.matmul(x, m)
    lead = x.shape[:-1]
    return _blas.matmul(x.reshape(-1, x.shape[-1]), m).reshape(lead + (m.shape[1],))


class Linear(Op):
    # y = x @ W.T + b as one node
    saves = ("x0", "x1")
    bw_name = "AddmmBackward0"

    @staticmethod
    def forward(x, w, b):
        out = _mm_last(x, w.T)
        out += b
        return out, (x, w)

    @staticmethod
    def backward(saved, g, needs):
        x, w = saved
        gx = gw = gb = None
        out_f = g.shape[-1]
        if needs[0]:
            gx = _mm_last(g, w) if is_array(g) else b_matmul(g, w)
        if needs[1]:
            g2 = g.reshape(-1, out_f) if g.ndim != 2 else g
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = b_matmul(b_swap_last(g2), x2)
        if needs[2]:
            gb = b_sum(g.reshape(-1, out_f) if g.ndim != 2 else g, axis=0) if is_array(g) else \
                g.reshape(-1, out_f).sum(dim=0)
        return gx, gw, gb


class LinearNoBias(Op):
    saves = ("x0", "x1")
    bw_name = "MmBackward0"

    @staticmethod
    def forward(x, w):
        return _mm_last(x, w.T), (x, w)

    @staticmethod
    def backward(saved, g, needs):
        gx, gw, _ = Linear.backward(saved, g, (needs[0], needs[1], False))
        return gx, gw


# ---- public functions ------------------------------------------------------------------------------

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
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {D.scalar_type_name(x.dtype)} and "
                           f"{D.scalar_type_name(w.dtype)}")
    if bias is None:
        return _apply(LinearNoBias, (input, weight))
    if bias._data.dtype is not x.dtype and bias._data.dtype != x.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {D.scalar_type_name(x.dtype)} and "
                           f"{D.scalar_type_name(bias._data.dtype)}")
    return _apply(Linear, (input, weight, bias))


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
