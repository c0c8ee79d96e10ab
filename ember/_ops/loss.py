"""Loss functions: cross entropy and NLL (class indices or probabilities, weights, ignore_index, label
smoothing), binary cross entropy, regression and margin losses, Gaussian/Poisson NLL (CTC is in `ctc.py`).
Fused kernels for the hot ones and the `torch.nn.functional` functions. Matches torch's.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor_base import TensorBase, _apply, _result_np, _unary, _wrap
from ..autograd.grad_mode import STATE
from ._base import Op, Quiet, b_where, is_array
from .activation import LogSoftmax, Softmax, Softplus, _check_float, _log_softmax, _sigmoid, logsigmoid, softplus
from .binary import ClampMin, clamp_min, minimum, where
from .distance import pairwise_distance

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss",
           "margin_ranking_loss", "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "hinge_embedding_loss", "multi_margin_loss"]


# ---- kernels -------------------------------------------------------------------------------------

class CrossEntropy(Op):
    """Class-index cross entropy over (M, C) logits (callers move the class dim last and flatten).

    loss_i = valid_i * ((1 - eps) * w[t_i] * -logp[i, t_i] + eps / C * -sum_c w_c logp[i, c])
    reduced by none / sum / mean (mean divides by sum_i valid_i * w[t_i]).
    """
    saves = ("x0", "c")
    bw_name = "NllLossBackward0"

    @staticmethod
    def _tensor_grad(x, g, logp, t, wt, valid, weight, reduction, eps, denom):
        # double backward: the same gradient from differentiable Tensor ops (softmax recomputed from x)
        m, c = logp.shape
        dt = logp.dtype
        p = _unary(Softmax, x, 1)
        coef = np.ones(m, dt) if wt is None else wt.astype(dt)
        if eps:
            coef = coef * dt.type(1 - eps)
        onehot = np.zeros((m, c), dt)
        onehot[np.arange(m), t] = 1
        gx = p * coef[:, None] - onehot * coef[:, None]
        if eps:
            wsum = dt.type(c) if weight is None else weight.sum()
            wvec = np.ones(c, dt) if weight is None else weight
            sm = (p * wsum - wvec) * (eps / c)
            if valid is not None:
                sm = sm * valid[:, None].astype(dt)
            gx = gx + sm
        if reduction == "none":
            return gx * g.reshape(-1, 1)
        if reduction == "sum":
            return gx * g
        return gx * (g / float(denom))

    @staticmethod
    def forward(x, target, weight, ignore_index, reduction, eps):
        m, c = x.shape
        logp = _log_softmax(x, 1)
        valid = target != ignore_index
        all_valid = bool(valid.all())
        t = target if all_valid else np.where(valid, target, 0)
        rows = np.arange(m)
        picked = logp[rows, t]
        if weight is not None:
            wt = weight[t]
            if not all_valid:
                wt = wt * valid
        else:
            wt = None if all_valid else valid.astype(x.dtype)
        loss = -picked if wt is None else -picked * wt
        if eps:
            smooth = -(logp.sum(axis=1) if weight is None else logp @ weight)
            if not all_valid:
                smooth = smooth * valid
            loss = (1 - eps) * loss + (eps / c) * smooth
        if reduction == "none":
            out = loss
            denom = None
        elif reduction == "sum":
            out = loss.sum()
            denom = None
        else:
            denom = m if wt is None else wt.sum()
            if denom == 0:     # all targets ignored / zero-weighted: torch's nll part is 0/0 = nan
                out = np.array(np.nan, x.dtype)
            else:
                out = loss.sum() / denom
        return out.astype(x.dtype, copy=False), (x, (logp, t, wt, None if all_valid else valid, weight,
                                                     reduction, eps, denom))

    @staticmethod
    def backward(saved, g, needs):
        x, (logp, t, wt, valid, weight, reduction, eps, denom) = saved
        m, c = logp.shape
        if not is_array(g):
            return (CrossEntropy._tensor_grad(x, g, logp, t, wt, valid, weight, reduction, eps, denom),)
        p = np.exp(logp)
        # d/dx of -logp[t] is p - onehot(t); of -sum_c w_c logp_c it is sum(w) p - w
        if wt is None:
            k = 1 - eps
            gx = p * k if eps else p
            gx[np.arange(m), t] -= k
        else:
            coef = wt * (1 - eps) if eps else wt
            gx = p * coef[:, None]
            gx[np.arange(m), t] -= coef
        if eps:
            if weight is None:
                sm = (p * c - 1) * (eps / c)
            else:
                sm = (p * weight.sum() - weight) * (eps / c)
            if valid is not None:
                sm *= valid[:, None]
            gx += sm
        if reduction == "none":
            gx *= g.reshape(-1, 1)
        elif reduction == "sum":
            gx *= g
        else:
            gx *= g / denom
            if denom == 0:     # as in torch: nan for the rows that count (0/0), none for ignored rows
                gx[...] = np.nan
                if valid is not None:
                    gx[~valid] = 0
        return (gx.astype(logp.dtype, copy=False),)


class CrossEntropyProbs(Op):
    """Cross entropy with class-probability targets over (M, C): loss_i = -sum_c w_c t'_ic logp_ic."""
    saves = ("x0", "x1", "c")
    bw_name = "SumBackward0"

    @staticmethod
    def forward(x, target, weight, reduction, eps):
        m, c = x.shape
        logp = _log_softmax(x, 1)
        tt = target if not eps else target * (1 - eps) + eps / c
        wtt = tt if weight is None else tt * weight
        loss = -(logp * wtt).sum(axis=1)
        if reduction == "none":
            out = loss
        elif reduction == "sum":
            out = loss.sum()
        else:
            out = loss.sum() / m
        return out.astype(x.dtype, copy=False), (x, target, (logp, wtt, weight, reduction, eps, m))

    @staticmethod
    def backward(saved, g, needs):
        x, target, (logp, wtt, weight, reduction, eps, m) = saved
        if not is_array(g) or not is_array(x):
            # double backward: recompute softmax / targets with differentiable Tensor ops
            x = x if not is_array(x) else _wrap(x)
            t = target if not is_array(target) else _wrap(target)
            c = logp.shape[1]
            tt = t * (1 - eps) + eps / c if eps else t
            wtt_t = tt * weight if weight is not None else tt
            scale = g.reshape(-1, 1) if reduction == "none" else (g if reduction == "sum" else g / m)
            gx = gt = None
            if needs[0]:
                p = _unary(Softmax, x, 1)
                gx = (p * wtt_t.sum(1, keepdim=True) - wtt_t) * scale
            if needs[1]:
                gt = -_unary(LogSoftmax, x, 1) * scale
                if weight is not None:
                    gt = gt * weight
                if eps:
                    gt = gt * (1 - eps)
            return gx, gt
        if reduction == "none":
            scale = g.reshape(-1, 1)
        elif reduction == "sum":
            scale = g
        else:
            scale = g / m
        gx = gt = None
        if needs[0]:
            gx = (np.exp(logp) * wtt.sum(axis=1, keepdims=True) - wtt) * scale
        if needs[1]:
            gt = -logp * scale
            if weight is not None:
                gt = gt * weight
            if eps:
                gt = gt * (1 - eps)
        return gx, gt


class NllLoss(Op):
    grad_uses_inputs = True
    saves = ("c",)
    bw_name = "NllLossBackward0"

    @staticmethod
    def forward(logp, target, weight, ignore_index, reduction):
        m, c = logp.shape
        valid = target != ignore_index
        all_valid = bool(valid.all())
        t = target if all_valid else np.where(valid, target, 0)
        picked = logp[np.arange(m), t]
        if weight is not None:
            wt = weight[t]
            if not all_valid:
                wt = wt * valid
        else:
            wt = None if all_valid else valid.astype(logp.dtype)
        loss = -picked if wt is None else -picked * wt
        denom = None
        if reduction == "none":
            out = loss
        elif reduction == "sum":
            out = loss.sum()
        else:
            denom = m if wt is None else wt.sum()
            # all targets ignored: nan, as in torch
            out = loss.sum() / denom
        return out.astype(logp.dtype, copy=False), ((t, wt, logp.shape, logp.dtype, reduction, denom,
                                                     None if all_valid else valid),)

    @staticmethod
    def backward(saved, g, needs):
        t, wt, shape, dtype, reduction, denom, valid = saved[0]
        m = shape[0]
        v = -np.ones(m, dtype=dtype) if wt is None else -wt
        if not is_array(g):     # double backward: linear in g
            gx = np.zeros(shape, dtype=dtype)
            gx[np.arange(m), t] = v
            if reduction == "none":
                return (g.reshape(-1, 1) * gx,)
            return (g * (gx / denom if reduction == "mean" else gx),)
        gx = np.zeros(shape, dtype=dtype)
        if reduction == "none":
            v = v * g.reshape(-1)
        elif reduction == "sum":
            v = v * g
        else:
            v = v * (g / denom)
            if denom == 0 and valid is not None:
                v[~valid] = 0     # ignored rows get no gradient, as in torch
        gx[np.arange(m), t] = v
        return (gx,)


class BceWithLogits(Op):
    # elementwise: (1 - y) * x + (1 + (pw - 1) * y) * softplus(-x), times weight (given as inputs 2/3)
    saves = ("x0", "x1", "c")
    bw_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(x, y, w, pw):
        sp = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))     # softplus(-x) = -log(sigmoid(x))
        if pw is None:
            loss = (1 - y) * x + sp
        else:
            loss = (1 - y) * x + (1 + (pw - 1) * y) * sp
        if w is not None:
            loss = loss * w
        return loss.astype(np.result_type(x, y), copy=False), (x, y, (w, pw))

    @staticmethod
    def backward(saved, g, needs):
        x, y, (w, pw) = saved
        if not is_array(g) or not is_array(x):
            x = x if not is_array(x) else _wrap(x)
            y = y if not is_array(y) else _wrap(y)
            s = x.sigmoid()
            gx = (s - y) if pw is None else (1 + (pw - 1) * y) * (s - 1) + (1 - y)
            gy = -x if pw is None else -x + (pw - 1) * _unary(Softplus, -x, 1.0, 20.0)
            if w is not None:
                gx, gy = gx * w, gy * w
            return (gx * g if needs[0] else None), (gy * g if needs[1] else None)
        s = _sigmoid(x)
        gx = gy = None
        if needs[0]:
            if pw is None:
                gx = s - y
            else:
                gx = (1 + (pw - 1) * y) * (s - 1) + (1 - y)
            gx = gx * g if w is None else gx * g * w
        if needs[1]:
            if pw is None:
                gy = -x
            else:
                gy = -x + (pw - 1) * (np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x))))
            gy = gy * g if w is None else gy * g * w
        return gx, gy


class Bce(Op):
    # -(y log x + (1 - y) log(1 - x)), logs clamped at -100 as in torch
    saves = ("x0", "x1", "c")
    bw_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(x, y, w):
        lx = np.maximum(np.log(x), -100)
        l1x = np.maximum(np.log1p(-x), -100)
        loss = -(y * lx + (1 - y) * l1x)
        if w is not None:
            loss = loss * w
        return loss.astype(x.dtype, copy=False), (x, y, w)

    @staticmethod
    def backward(saved, g, needs):
        x, y, w = saved
        if not is_array(g) or not is_array(x):
            x = x if not is_array(x) else _wrap(x)
            y = y if not is_array(y) else _wrap(y)
            gx = gy = None
            if needs[0]:
                gx = (x - y) / _unary(ClampMin, (1 - x) * x, 1e-12, None) * g
            if needs[1]:
                gy = (_unary(ClampMin, (1 - x).log(), -100.0, None) - _unary(ClampMin, x.log(), -100.0, None)) * g
            if w is not None:
                gx = None if gx is None else gx * w
                gy = None if gy is None else gy * w
            return gx, gy
        gx = gy = None
        if needs[0]:
            eps = x.dtype.type(1e-12)
            gx = (x - y) / np.maximum((1 - x) * x, eps) * g
            if w is not None:
                gx = gx * w
        if needs[1]:
            gy = (np.maximum(np.log1p(-x), -100) - np.maximum(np.log(x), -100)) * g
            if w is not None:
                gy = gy * w
        return gx, gy


class SmoothL1(Op):
    # beta-smooth L1 (Huber when scaled by delta): 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta
    saves = ("x0", "x1", "c")
    bw_name = "SmoothL1LossBackward0"

    @staticmethod
    def forward(x, y, beta, huber):
        d = x - y
        a = np.abs(d)
        t = d.dtype.type
        if huber:
            loss = np.where(a < beta, t(0.5) * d * d, t(beta) * (a - t(0.5 * beta)))
        elif beta == 0:
            loss = a
        else:
            loss = np.where(a < beta, t(0.5) * d * d / t(beta), a - t(0.5 * beta))
        return loss, (x, y, (beta, huber))

    @staticmethod
    def backward(saved, g, needs):
        x, y, (beta, huber) = saved
        if not is_array(g) or not is_array(x):
            x = x if not is_array(x) else _wrap(x)
            y = y if not is_array(y) else _wrap(y)
            d = x - y
            inside = np.abs(d._data) < beta
            if huber:
                gd = b_where(inside, d, d.sign() * beta)
            elif beta == 0:
                gd = d.sign()
            else:
                gd = b_where(inside, d / beta, d.sign())
            gd = gd * g
            return (gd if needs[0] else None), (-gd if needs[1] else None)
        d = x - y
        if huber:
            gd = np.clip(d, -beta, beta)
        elif beta == 0:
            gd = np.sign(d)
        else:
            gd = np.where(np.abs(d) < beta, d / d.dtype.type(beta), np.sign(d))
        gd = gd * g
        return (gd if needs[0] else None), (-gd if needs[1] else None)



# ---- public functions ------------------------------------------------------------------------------

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction="mean"):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=3)
    return ret


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


def _const(a, like):
    """A Tensor (no grad) holding ndarray `a` in the dtype of `like`."""
    if a.dtype != like._data.dtype:
        a = a.astype(like._data.dtype)
    return _wrap(a)


def _check_target_dtype(target, name):
    dt = target._data.dtype
    if dt != np.int64 and dt != np.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {D.scalar_type_name(dt)}")


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


def _not_differentiable(t, fname, arg):
    """torch's error for a weight that requires grad where the fused kernel has no gradient for it (ember would
    otherwise drop that gradient silently)."""
    if t is not None and t._rg and STATE.enabled:
        raise RuntimeError(f"The function '{fname}' is not differentiable with respect to argument '{arg}'. This "
                           "input cannot have requires_grad True.")


def _check_weight(weight, c, x, fname="nll_loss_forward"):
    if weight is None:
        return None
    _not_differentiable(weight, fname, "weight")
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
        if weight is not None and weight._rg and STATE.enabled:
            return _cross_entropy_probs_wgrad(input, target, weight, c, reduction, float(label_smoothing))
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
        out = _apply(CrossEntropyProbs, (xm, tm), w, reduction, float(label_smoothing))
        return out.reshape(*out_shape) if reduction == "none" else out
    _check_target_dtype(target, "cross_entropy")
    xm, t, out_shape = _class_last(input, target, "cross_entropy")
    c = xm.shape[1]
    _check_targets_in_range(t, c, ignore_index)
    w = _check_weight(weight, c, x)
    out = _unary(CrossEntropy, xm, t, w, ignore_index, reduction, float(label_smoothing))
    if reduction == "none" and out_shape != (out.shape[0],):
        out = out.reshape(*out_shape)
    return out


def _cross_entropy_probs_wgrad(input, target, weight, c, reduction, eps):
    """Cross entropy with class probabilities and a `weight` that requires grad (torch differentiates it here):
    the same loss from recorded ops."""
    if tuple(weight.shape) != (c,):
        _check_weight(weight.detach(), c, input._data)
    shape = (c,) + (1,) * (input.ndim - 2) if input.ndim >= 2 else (c,)
    tt = target * (1 - eps) + eps / c if eps else target
    loss = -(_unary(LogSoftmax, input, 1 if input.ndim >= 2 else 0) * tt * weight.reshape(shape))
    loss = loss.sum(1 if input.ndim >= 2 else 0)
    if reduction == "mean":
        return loss.sum() / (loss.numel() if input.ndim >= 2 else 1)
    return _reduce(loss, reduction)


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
    out = _unary(NllLoss, xm, t, w, ignore_index, reduction)
    if reduction == "none" and out_shape != (out.shape[0],):
        out = out.reshape(*out_shape)
    return out


def _warn_size(input, target, name):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _check_weight_size(weight, input):
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"Weights and input must have the same size (weight {list(weight.shape)}, input "
                         f"{list(input.shape)}).")


def _weighted(loss, weight, input, reduction):
    """`loss * weight` reduced as torch's mse_loss/l1_loss do: 'mean' divides by the sum of the weights."""
    _check_weight_size(weight, input)
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean squared error. Matches `torch.nn.functional.mse_loss`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target, "mse_loss")
    _no_integral_pair(input, target, "mse_cpu")
    d = input - target
    loss = d * d
    if weight is not None:
        return _weighted(loss, weight, input, reduction)
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target, "l1_loss")
    loss = (input - target).abs()
    if weight is not None:
        return _weighted(loss, weight, input, reduction)
    return _reduce(loss, reduction)


def _no_integral_pair(input, target, kernel):
    """torch's pointwise loss kernels have no integer versions: an integer input and target (the result
    type) is its NotImplementedError."""
    if input._data.dtype.kind in "biu" and target._data.dtype.kind in "biu":
        name = D.scalar_type_name(_result_np(input._data, target._data))
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")


def _broadcast_pair(input, target):
    if tuple(input.shape) != tuple(target.shape):
        shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        input = input.expand(*shape) if tuple(input.shape) != shape else input
        target = target.expand(*shape) if tuple(target.shape) != shape else target
    if input._data.dtype != target._data.dtype:
        dt = D._FROM_NP[_result_np(input._data, target._data)]
        input, target = input.to(dt), target.to(dt)
    return input, target


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_size(input, target, "smooth_l1_loss")
    _no_integral_pair(input, target, "smooth_l1_cpu")
    x, y = _broadcast_pair(input, target)
    return _reduce(_apply(SmoothL1, (x, y), float(beta), False), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_size(input, target, "huber_loss")
    _no_integral_pair(input, target, "huber_cpu")
    x, y = _broadcast_pair(input, target)
    loss = _apply(SmoothL1, (x, y), float(delta), True)
    if weight is not None:
        _check_weight_size(weight, input)
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
    if target._data.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {D.scalar_type_name(target._data.dtype)} but expected "
                           f"{D.scalar_type_name(x.dtype)}")
    if x.size and not ((x >= 0) & (x <= 1)).all():       # NaN fails too, as in torch
        raise RuntimeError("all elements of input should be between 0 and 1")
    w = None
    if weight is not None:
        _not_differentiable(weight, "binary_cross_entropy", "weight")
        try:
            w = np.broadcast_to(weight._data, x.shape).astype(x.dtype, copy=False)
        except ValueError:
            raise RuntimeError(f"weight of shape {list(weight.shape)} cannot be broadcast to the input's "
                               f"shape {list(input.shape)}") from None
    return _reduce(_apply(Bce, (input, target), w), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Sigmoid + BCE in one numerically stable node. Matches torch, including `weight` and `pos_weight`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    dt = input._data.dtype
    _not_differentiable(weight, "binary_cross_entropy_with_logits", "weight")
    _not_differentiable(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    if target._data.dtype.kind in "biu":
        raise RuntimeError(f"result type {D.scalar_type_name(dt)} can't be cast to the desired output type "
                           f"{D.scalar_type_name(target._data.dtype)}")
    w = None if weight is None else weight._data.astype(dt, copy=False)
    pw = None if pos_weight is None else pos_weight._data.astype(dt, copy=False)
    tgt = target if target._data.dtype == dt else target.to(input.dtype)
    loss = _apply(BceWithLogits, (input, tgt), w, pw)
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
        loss = target * (clamp_min(target, 1e-38 if target._data.dtype == np.float32 else 1e-300).log() - input)
        if target._data.size and (target._data <= 0).any():
            loss = where(target > 0, loss, loss * 0)
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
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    d = 1 if input1.ndim == 2 else 0
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    m1 = (input1 * input1).sum(d) + eps
    m2 = (input2 * input2).sum(d) + eps
    cos = prod / (m1 * m2).sqrt()
    zero = cos * 0
    pos = where(target == 1, 1 - cos, zero)
    neg = where(target == -1, clamp_min(cos - margin, 0.0), zero)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                        reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce(clamp_min(-target * (input1 - input2) + margin, 0.0), reduction)


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
        d_an = minimum(d_an, d_pn)      # torch.min: a tie splits the gradient between both
    return _reduce(clamp_min(margin + d_ap - d_an, 0.0), reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        if isinstance(target, TensorBase) and target.requires_grad:
            # differentiable in the target too, as torch's (Stirling term kept where target > 1)
            st = target * target.log() - target + 0.5 * (target * (2 * math.pi)).log()
            loss = loss + st.masked_fill(target <= 1, 0)
        else:
            t = target._data
            with Quiet():
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
    margin_clamp = clamp_min(margin - input, 0.0)
    out_margin = where(target != 1, margin_clamp, zero)
    out_self = where(target != -1, input, zero)
    return _reduce(out_margin + out_self, reduction)


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                      reduction: str = "mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    xs = tuple(input.shape)
    if not (len(xs) == 1 and xs[0] or len(xs) == 2 and xs[1]):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(xs)}")
    _check_float(input, "multi_margin_loss_cpu_kernel")
    n, c = xs if len(xs) == 2 else (1, xs[0])
    t = target._data
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {D.scalar_type_name(t.dtype)}")
    if t.ndim > 1 or t.size != n:
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {list(t.shape)}. Input has "
                           f"shape {list(xs)}.")
    t = t.reshape(-1)
    if n and (t.min() < 0 or t.max() >= c):
        raise RuntimeError(f"multi_margin_loss: target out of range (expected class indices in [0, {c}))")
    if weight is not None and weight.shape[0] != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    _not_differentiable(weight, "multi_margin_loss", "weight")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    onehot = np.zeros((n, c), dtype=bool)
    onehot[np.arange(n), t] = True
    xt = (x * _const(onehot.astype(x._data.dtype), x)).sum(1, keepdim=True)
    z = clamp_min(margin - xt + x, 0.0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * _const(weight._data[t][:, None], x)
    z = z * _const((~onehot).astype(x._data.dtype), x)
    loss = z.sum(1) / c
    if input.ndim != 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)
