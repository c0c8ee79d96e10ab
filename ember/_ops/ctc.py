"""The Connectionist Temporal Classification loss (`ctc_loss`): the kernel (alpha/beta recursions in log
space) and the `torch.nn.functional` function. Matches torch's.
"""
from __future__ import annotations

import numpy as np

from .._tensor_base import TensorBase, _unary, _wrap
from ._base import Op, is_array
from .activation import _tensor_grad_unsupported
from .binary import where
from .loss import _check_reduction

__all__ = ["ctc_loss"]


# ---- kernels -------------------------------------------------------------------------------------

def _lse(*xs):
    # elementwise log(sum(exp(x_i))) with -inf handled
    m = xs[0]
    for x in xs[1:]:
        m = np.maximum(m, x)
    safe = np.where(np.isfinite(m), m, 0)
    s = sum(np.exp(x - safe) for x in xs)
    return np.log(s) + safe


class CtcLoss(Op):
    """Per-sample CTC negative log likelihood over (T, N, C) log-probabilities (alpha/beta recursions in log space,
    vectorised over the batch and label positions, looping over time)."""
    saves = ("c",)
    bw_name = "CtcLossBackward0"

    @staticmethod
    def forward(lp, ext, ext_len, in_len, blank, zero_infinity):
        T, N, C = lp.shape
        L = ext.shape[1]
        lp64 = lp.astype(np.float64)
        rows = np.arange(N)[:, None]
        # may skip from s-2 to s: label (not blank) that differs from the one two back
        skip = np.zeros((N, L), bool)
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        pos = np.arange(L)[None, :]
        inside = pos < ext_len[:, None]
        ninf = -np.inf
        alpha = np.full((T, N, L), ninf)
        emit = lp64[:, rows, ext]            # (T, N, L): log p of each extended label
        alpha[0, :, 0] = emit[0, :, 0]
        alpha[0, :, 1] = np.where(ext_len > 1, emit[0, :, 1], ninf)
        for t in range(1, T):
            a = alpha[t - 1]
            a1 = np.concatenate([np.full((N, 1), ninf), a[:, :-1]], axis=1)
            a2 = np.where(skip, np.concatenate([np.full((N, 2), ninf), a[:, :-2]], axis=1), ninf)
            alpha[t] = np.where(inside, _lse(a, a1, a2) + emit[t], ninf)
        last = in_len - 1
        n = np.arange(N)
        end1 = alpha[last, n, ext_len - 1]
        end2 = np.where(ext_len > 1, alpha[last, n, np.maximum(ext_len - 2, 0)], ninf)
        nll = -_lse(end1, end2)
        return nll.astype(lp.dtype), ((lp64, ext, ext_len, in_len, skip, inside, alpha, emit, nll, zero_infinity),)

    @staticmethod
    def backward(saved, g, needs):
        lp64, ext, ext_len, in_len, skip, inside, alpha, emit, nll, zero_infinity = saved[0]
        if not is_array(g):
            _tensor_grad_unsupported("ctc_loss")
        T, N, C = lp64.shape
        L = ext.shape[1]
        ninf = -np.inf
        beta = np.full((T, N, L), ninf)
        n = np.arange(N)
        last = in_len - 1
        beta[last, n, ext_len - 1] = emit[last, n, ext_len - 1]
        two = ext_len > 1
        beta[last[two], n[two], ext_len[two] - 2] = emit[last[two], n[two], ext_len[two] - 2]
        skip_next = np.zeros((N, L), bool)       # may jump from s to s+2
        skip_next[:, :-2] = skip[:, 2:]
        for t in range(T - 2, -1, -1):
            b = beta[t + 1]
            b1 = np.concatenate([b[:, 1:], np.full((N, 1), ninf)], axis=1)
            b2 = np.where(skip_next, np.concatenate([b[:, 2:], np.full((N, 2), ninf)], axis=1), ninf)
            val = np.where(inside, _lse(b, b1, b2) + emit[t], ninf)
            active = (t < last)[:, None]
            beta[t] = np.where(active, val, beta[t])
        ab = alpha + beta                          # (T, N, L)
        # log sum over positions s with ext[s] == c, per class
        lcab = np.full((T, N, C), ninf)
        np.logaddexp.at(lcab, (np.arange(T)[:, None, None], n[None, :, None], ext[None, :, :]), ab)
        grad = np.exp(lp64) - np.exp(lcab + nll[None, :, None] - lp64)
        tmask = (np.arange(T)[:, None] < in_len[None, :])[:, :, None]
        grad = np.where(tmask, grad, 0)
        if zero_infinity:
            grad = np.where(np.isinf(nll)[None, :, None], 0, grad)
        grad = np.nan_to_num(grad, nan=0.0) if zero_infinity else grad
        return (grad * g.reshape(1, N, 1),)


# ---- public functions ------------------------------------------------------------------------------

def _int_list(v):
    if isinstance(v, TensorBase):
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
    tg = targets._data.astype(np.int64) if isinstance(targets, TensorBase) else np.asarray(targets, np.int64)
    if unbatched:
        tg = tg.reshape(1, -1)
    if in_len.shape[0] != N:
        raise RuntimeError(f"input_lengths must be of size batch_size ({N}), got {in_len.shape[0]}")
    if tg_len.shape[0] != N:
        raise RuntimeError(f"target_lengths must be of size batch_size ({N}), got {tg_len.shape[0]}")
    if (in_len > T).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(in_len.max())}")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    smax = int(tg_len.max()) if N else 0
    if tg.ndim == 2 and smax > tg.shape[1]:
        raise RuntimeError(f"Expected tensor to have size at least {smax} at dimension 1, but got size "
                           f"{tg.shape[1]} for argument #2 'targets' (while checking arguments for ctc_loss)")
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
    nll = _unary(CtcLoss, lp, ext, ext_len, in_len, blank, zero_infinity)
    if zero_infinity:
        bad = np.isinf(nll._data)
        if bad.any():
            nll = where(_wrap(bad), _wrap(np.zeros_like(nll._data)), nll)
    if reduction == "mean":
        out = (nll / _wrap(np.maximum(tg_len, 1).astype(nll._data.dtype))).mean()
    elif reduction == "sum":
        out = nll.sum()
    else:
        out = nll.reshape(()) if unbatched else nll
    return out
