"""Fused kernels for the hot ops of a training loop (linear, activations, softmax, losses, dropout,
embedding). One node each, hand-written backward.

Backward rules use operators and the `b_*` helpers where that keeps them valid on Tensors
(double backward); rules that need NumPy-only calls say so with `_tensor_grad_unsupported`.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _tensor_base
from .binary import ClampMin

from ._base import Op, b_exp, b_matmul, b_sum, b_swap_last, b_where

_ndarray = np.ndarray


def _nd(g):
    return type(g) is _ndarray


def _T():
    return _tensor_base


def _tensor_grad_unsupported(name):
    raise NotImplementedError(f"ember: double backward (create_graph=True) through {name} is not implemented")


# ---- identity and linear -------------------------------------------------------------------------

class Identity(Op):
    bw_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(x):
        return x.view(), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


def _mm_last(x, m):
    # (..., k) @ (k, n): one 2-D GEMM over the flattened leading dims (numpy's batched matmul loops per batch)
    if x.ndim <= 2:
        return np.matmul(x, m)
    lead = x.shape[:-1]
    return np.matmul(x.reshape(-1, x.shape[-1]), m).reshape(lead + (m.shape[1],))


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
            gx = _mm_last(g, w) if _nd(g) else b_matmul(g, w)
        if needs[1]:
            g2 = g.reshape(-1, out_f) if g.ndim != 2 else g
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = b_matmul(b_swap_last(g2), x2)
        if needs[2]:
            gb = b_sum(g.reshape(-1, out_f) if g.ndim != 2 else g, axis=0) if _nd(g) else \
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


# ---- activations -----------------------------------------------------------------------------------

class LeakyRelu(Op):
    saves = ("x0", "c")
    bw_name = "LeakyReluBackward0"

    @staticmethod
    def forward(x, slope):
        return np.where(x > 0, x, x * x.dtype.type(slope)), (x, slope)

    @staticmethod
    def backward(saved, g, needs):
        x, slope = saved
        return (b_where(x > 0, g, g * slope),)


class Elu(Op):
    # scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)): ELU, SELU and CELU
    saves = ("x0", "c")
    bw_name = "EluBackward0"

    @staticmethod
    def forward(x, alpha, scale, input_scale):
        t = x.dtype.type
        neg = np.expm1(np.minimum(x, 0) * t(input_scale)) * t(alpha)
        out = np.where(x > 0, x, neg)
        if scale != 1.0:
            out *= t(scale)
        return out, (x, (alpha, scale, input_scale))

    @staticmethod
    def backward(saved, g, needs):
        x, (alpha, scale, input_scale) = saved
        if _nd(x):
            t = x.dtype.type
            d = np.exp(np.minimum(x, 0) * t(input_scale)) * t(alpha * scale * input_scale)
            return (g * np.where(x > 0, t(scale), d),)
        neg = (x.clamp(max=0) * input_scale).exp() * (alpha * scale * input_scale)
        return (g * b_where(x > 0, scale + 0 * x, neg),)


_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def erf(x):
    """Vectorised erf (float64 internally, |error| < 1.2e-7 relative on erfc; Numerical Recipes' erfcc form)."""
    z = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    r = 1.0 - t * np.exp(poly)
    return np.where(x >= 0, r, -r)


try:   # the op library's erf is accurate to the dtype's precision (float64 too)
    from .special import _erf_np as _erf_precise
except ImportError:  # pragma: no cover
    _erf_precise = None


def _erf_for(x):
    if _erf_precise is not None:
        return _erf_precise(x)
    return erf(x)


class Gelu(Op):
    saves = ("x0", "c")
    bw_name = "GeluBackward0"

    @staticmethod
    def forward(x, approximate):
        t = x.dtype.type
        if approximate == "tanh":
            k = t(math.sqrt(2.0 / math.pi))
            inner = k * (x + t(0.044715) * x * x * x)
            return t(0.5) * x * (t(1) + np.tanh(inner)), (x, approximate)
        cdf = 0.5 * (1.0 + _erf_for(x * x.dtype.type(_SQRT1_2)))
        return x * cdf, (x, approximate)

    @staticmethod
    def backward(saved, g, needs):
        x, approximate = saved
        if not _nd(x):     # double backward: the same derivative from differentiable Tensor ops
            if approximate == "tanh":
                k = math.sqrt(2.0 / math.pi)
                th = ((x + 0.044715 * x * x * x) * k).tanh()
                return (g * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)),)
            cdf = 0.5 * (1 + (x * _SQRT1_2).erf())
            return (g * (cdf + x * (x * x * -0.5).exp() * _INV_SQRT_2PI),)
        t = x.dtype.type
        if approximate == "tanh":
            k = t(math.sqrt(2.0 / math.pi))
            x2 = x * x
            th = np.tanh(k * (x + t(0.044715) * x2 * x))
            d = t(0.5) * (t(1) + th) + t(0.5) * x * (t(1) - th * th) * k * (t(1) + t(3 * 0.044715) * x2)
            return (g * d,)
        cdf = t(0.5) * (t(1) + _erf_for(x * t(_SQRT1_2)))
        pdf = np.exp(t(-0.5) * x * x) * t(_INV_SQRT_2PI)
        return (g * (cdf + x * pdf),)


def _sigmoid(x):
    # stable for large |x| without overflow warnings
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class Silu(Op):
    saves = ("x0",)
    bw_name = "SiluBackward0"

    @staticmethod
    def forward(x):
        return x * _sigmoid(x), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        if not _nd(x):
            s = x.sigmoid()
            return (g * s * (1 + x * (1 - s)),)
        s = _sigmoid(x)
        return (g * (s * (1 + x * (1 - s))),)


class Mish(Op):
    saves = ("x0",)
    bw_name = "MishBackward0"

    @staticmethod
    def forward(x):
        return x * np.tanh(_softplus(x)), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        if not _nd(x):
            tsp = _T()._unary(Softplus, x, 1.0, 20.0).tanh()
            return (g * (tsp + x * x.sigmoid() * (1 - tsp * tsp)),)
        tsp = np.tanh(_softplus(x))
        return (g * (tsp + x * _sigmoid(x) * (1 - tsp * tsp)),)


class Hardswish(Op):
    saves = ("x0",)
    bw_name = "HardswishBackward0"

    @staticmethod
    def forward(x):
        t = x.dtype.type
        return x * np.clip(x + t(3), 0, 6) / t(6), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        d = b_where(x < -3, 0 * x, b_where(x <= 3, x / 3 + 0.5, 1 + 0 * x))
        return (g * d,)


class Hardsigmoid(Op):
    saves = ("x0",)
    bw_name = "HardsigmoidBackward0"

    @staticmethod
    def forward(x):
        t = x.dtype.type
        return np.clip(x + t(3), 0, 6) / t(6), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        return (b_where((x > -3) & (x < 3), g / 6, 0 * g),)


class Hardtanh(Op):
    saves = ("x0", "c")
    bw_name = "HardtanhBackward0"

    @staticmethod
    def forward(x, lo, hi):
        return np.clip(x, lo, hi), (x, (lo, hi))

    @staticmethod
    def backward(saved, g, needs):
        x, (lo, hi) = saved
        return (b_where((x <= lo) | (x >= hi), 0 * g, g),)


class Softplus(Op):
    saves = ("x0", "c")
    bw_name = "SoftplusBackward0"

    @staticmethod
    def forward(x, beta, threshold):
        t = x.dtype.type
        bx = x * t(beta) if beta != 1 else x
        sp = _softplus(bx)
        if beta != 1:
            sp = sp / t(beta)
        return np.where(bx > threshold, x, sp), (x, (beta, threshold))

    @staticmethod
    def backward(saved, g, needs):
        x, (beta, threshold) = saved
        if not _nd(x):
            bx = x * beta
            return (b_where(bx > threshold, g, g * bx.sigmoid()),)
        bx = x * x.dtype.type(beta) if beta != 1 else x
        return (np.where(bx > threshold, g, g * _sigmoid(bx)),)


class Softsign(Op):
    saves = ("x0",)
    bw_name = "SoftsignBackward0"

    @staticmethod
    def forward(x):
        return x / (1 + np.abs(x)), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        d = 1 + x.abs() if not _nd(x) else 1 + np.abs(x)
        return (g / (d * d),)


class LogSigmoid(Op):
    saves = ("x0",)
    bw_name = "LogSigmoidBackward0"

    @staticmethod
    def forward(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), (x,)

    @staticmethod
    def backward(saved, g, needs):
        x = saved[0]
        if not _nd(x):
            return (g * (-x).sigmoid(),)
        return (g * _sigmoid(-x),)


class Threshold(Op):
    saves = ("x0", "c")
    bw_name = "ThresholdBackward0"

    @staticmethod
    def forward(x, threshold, value):
        return np.where(x > threshold, x, x.dtype.type(value)), (x, threshold)

    @staticmethod
    def backward(saved, g, needs):
        x, threshold = saved
        return (b_where(x > threshold, g, 0 * g),)


class Prelu(Op):
    # w arrives already shaped to broadcast against x (channel dim 1)
    saves = ("x0", "x1")
    bw_name = "PreluKernelBackward0"

    @staticmethod
    def forward(x, w):
        return np.where(x > 0, x, w * x), (x, w)

    @staticmethod
    def backward(saved, g, needs):
        x, w = saved
        pos = x > 0
        gx = b_where(pos, g, w * g) if needs[0] else None
        gw = b_where(pos, 0 * g, x * g) if needs[1] else None
        return gx, gw


class Glu(Op):
    saves = ("x0", "c")
    bw_name = "GluBackward0"

    @staticmethod
    def forward(x, dim):
        a, b = np.split(x, 2, axis=dim)
        return a * _sigmoid(b), (x, dim)

    @staticmethod
    def backward(saved, g, needs):
        x, dim = saved
        if not _nd(x):
            h = x.shape[dim] // 2
            pre = (slice(None),) * dim
            a, b = x[pre + (slice(0, h),)], x[pre + (slice(h, None),)]
            sb = b.sigmoid()
            from .. import cat
            return (cat([g * sb, g * a * sb * (1 - sb)], dim),)
        a, b = np.split(x, 2, axis=dim)
        s = _sigmoid(b)
        return (np.concatenate([g * s, g * a * s * (1 - s)], axis=dim),)


# ---- softmax family ----------------------------------------------------------------------------------

def _log_softmax(x, dim):
    # NOTE: a row that is all -inf gives nan, as in torch
    m = x.max(axis=dim, keepdims=True)
    z = x - m
    z -= np.log(np.exp(z).sum(axis=dim, keepdims=True))
    return z


class Softmax(Op):
    saves = ("out", "c")
    bw_name = "SoftmaxBackward0"

    @staticmethod
    def forward(x, dim):
        e = x - x.max(axis=dim, keepdims=True)
        np.exp(e, out=e)
        e /= e.sum(axis=dim, keepdims=True)
        return e, (e, dim)

    @staticmethod
    def backward(saved, g, needs):
        y, dim = saved
        gy = g * y
        return (gy - y * b_sum(gy, axis=dim, keepdims=True),)


class LogSoftmax(Op):
    saves = ("out", "c")
    bw_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(x, dim):
        z = _log_softmax(x, dim)
        return z, (z, dim)

    @staticmethod
    def backward(saved, g, needs):
        z, dim = saved
        return (g - b_exp(z) * b_sum(g, axis=dim, keepdims=True),)


# ---- dropout, embedding ------------------------------------------------------------------------------

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


class Embedding(Op):
    saves = ("c",)
    bw_name = "EmbeddingBackward0"

    @staticmethod
    def forward(w, idx, padding_idx):
        return w[idx], ((idx, w.shape, padding_idx),)

    @staticmethod
    def backward(saved, g, needs):
        idx, shape, padding_idx = saved[0]
        if not _nd(g):
            _tensor_grad_unsupported("embedding")
        gw = np.zeros(shape, dtype=g.dtype)
        np.add.at(gw, idx.reshape(-1), g.reshape(-1, shape[1]))
        if padding_idx is not None:
            gw[padding_idx] = 0
        return (gw,)


# ---- norms / clamps used by losses and F.normalize ---------------------------------------------------

class PNorm(Op):
    # vector p-norm over `dims`; the subgradient at 0 is 0, as in torch
    saves = ("x0", "c", "c")
    bw_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(x, p, dims, keepdim):
        a = np.abs(x)
        if p == 2:
            out = np.sqrt(np.sum(x * x, axis=dims, keepdims=True))
        elif p == 1:
            out = np.sum(a, axis=dims, keepdims=True)
        elif p == math.inf:
            out = np.max(a, axis=dims, keepdims=True)
        elif p == 0:
            out = np.sum(a != 0, axis=dims, keepdims=True).astype(x.dtype)
        else:
            out = np.sum(a ** p, axis=dims, keepdims=True) ** (1.0 / p)
        kept = out
        if not keepdim:
            out = np.squeeze(out, axis=dims) if dims is not None else out.reshape(())
        return out, (x, kept, (p, dims, keepdim))

    @staticmethod
    def backward(saved, g, needs):
        x, n, (p, dims, keepdim) = saved
        if not _nd(g) or not _nd(x):
            if p != 2:
                _tensor_grad_unsupported("norm (p != 2)")
            T = _T()
            x = x if not _nd(x) else T._wrap(x)
            if not keepdim:
                shape = list(x.shape)
                for d in (dims if dims is not None else range(x.ndim)):
                    shape[d] = 1
                g = g.reshape(*shape)
            zero = (n == 0)
            nt = T._unary(PNorm, x, 2, dims, True) + zero.astype(n.dtype)
            return (g * x / nt * (~zero).astype(n.dtype),)
        if not keepdim:
            g = np.expand_dims(g, dims) if dims is not None else g.reshape((1,) * x.ndim)
        safe = np.where(n == 0, 1, n)
        if p == 2:
            gx = g * x / safe
        elif p == 1:
            gx = g * np.sign(x)
        elif p == math.inf:
            a = np.abs(x)
            m = (a == n)
            gx = g * np.sign(x) * m / np.maximum(m.sum(axis=dims, keepdims=True), 1)
        elif p == 0:
            gx = np.zeros_like(x)
        else:
            gx = g * x * np.abs(x) ** (p - 2) / safe ** (p - 1)
        return (np.where(n == 0, 0, gx) if p not in (1, 0) else gx,)


# ---- losses --------------------------------------------------------------------------------------------

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
        p = _T()._unary(Softmax, x, 1)
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
        if not _nd(g):
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
            with np.errstate(invalid="ignore", divide="ignore"):
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
        if not _nd(g) or not _nd(x):
            # double backward: recompute softmax / targets with differentiable Tensor ops
            T = _T()
            x = x if not _nd(x) else T._wrap(x)
            t = target if not _nd(target) else T._wrap(target)
            c = logp.shape[1]
            tt = t * (1 - eps) + eps / c if eps else t
            wtt_t = tt * weight if weight is not None else tt
            scale = g.reshape(-1, 1) if reduction == "none" else (g if reduction == "sum" else g / m)
            gx = gt = None
            if needs[0]:
                p = T._unary(Softmax, x, 1)
                gx = (p * wtt_t.sum(1, keepdim=True) - wtt_t) * scale
            if needs[1]:
                gt = -T._unary(LogSoftmax, x, 1) * scale
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
            with np.errstate(invalid="ignore", divide="ignore"):     # all targets ignored: nan, as in torch
                out = loss.sum() / denom
        return out.astype(logp.dtype, copy=False), ((t, wt, logp.shape, logp.dtype, reduction, denom,
                                                     None if all_valid else valid),)

    @staticmethod
    def backward(saved, g, needs):
        t, wt, shape, dtype, reduction, denom, valid = saved[0]
        m = shape[0]
        v = -np.ones(m, dtype=dtype) if wt is None else -wt
        if not _nd(g):     # double backward: linear in g
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
            with np.errstate(invalid="ignore", divide="ignore"):
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
        if not _nd(g) or not _nd(x):
            T = _T()
            x = x if not _nd(x) else T._wrap(x)
            y = y if not _nd(y) else T._wrap(y)
            s = x.sigmoid()
            gx = (s - y) if pw is None else (1 + (pw - 1) * y) * (s - 1) + (1 - y)
            gy = -x if pw is None else -x + (pw - 1) * T._unary(Softplus, -x, 1.0, 20.0)
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
        with np.errstate(divide="ignore"):
            lx = np.maximum(np.log(x), -100)
            l1x = np.maximum(np.log1p(-x), -100)
        loss = -(y * lx + (1 - y) * l1x)
        if w is not None:
            loss = loss * w
        return loss.astype(x.dtype, copy=False), (x, y, w)

    @staticmethod
    def backward(saved, g, needs):
        x, y, w = saved
        if not _nd(g) or not _nd(x):
            T = _T()
            x = x if not _nd(x) else T._wrap(x)
            y = y if not _nd(y) else T._wrap(y)
            gx = gy = None
            if needs[0]:
                gx = (x - y) / T._unary(ClampMin, (1 - x) * x, 1e-12, None) * g
            if needs[1]:
                gy = (T._unary(ClampMin, (1 - x).log(), -100.0, None) - T._unary(ClampMin, x.log(), -100.0, None)) * g
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
            with np.errstate(divide="ignore"):
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
        if not _nd(g) or not _nd(x):
            T = _T()
            x = x if not _nd(x) else T._wrap(x)
            y = y if not _nd(y) else T._wrap(y)
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


class EmbeddingBag(Op):
    # bags of rows of w reduced by sum / mean / max; psw: per-sample weights (ones when not given)
    saves = ("x0", "x1", "c")
    bw_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(w, psw, idx, bag, nbags, mode, padding_idx):
        d = w.shape[1]
        valid = np.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
        rows = w[idx]
        out = np.zeros((nbags, d), w.dtype)
        extra = None
        if mode == "max":
            out.fill(-np.inf)
            vb = bag[valid]
            np.maximum.at(out, vb, rows[valid])
            filled = np.bincount(vb, minlength=nbags) > 0
            out[~filled] = 0
            # first row attaining the max, per (bag, dim), for the backward
            hit = (rows == out[bag]) & valid[:, None]
            i, j = np.nonzero(hit)
            first = np.full((nbags, d), -1, np.int64)
            order = np.argsort(i, kind="stable")[::-1]    # later rows first, so the first row wins
            first[bag[i[order]], j[order]] = i[order]
            extra = first
        else:
            c = psw * valid
            np.add.at(out, bag, rows * c[:, None])
            if mode == "mean":
                counts = np.bincount(bag, weights=valid, minlength=nbags).astype(w.dtype)
                extra = np.maximum(counts, 1)
                out /= extra[:, None]
        return out, (w, psw, (idx, bag, valid, mode, extra))

    @staticmethod
    def backward(saved, g, needs):
        w, psw, (idx, bag, valid, mode, extra) = saved
        if not _nd(g):
            _tensor_grad_unsupported("embedding_bag")
        gw = gp = None
        if mode == "max":
            if needs[0]:
                gw = np.zeros(w.shape, g.dtype)
                b, j = np.nonzero(extra >= 0)
                np.add.at(gw, (idx[extra[b, j]], j), g[b, j])
            return gw, None
        gb = g[bag]
        if mode == "mean":
            gb = gb / extra[bag][:, None]
        if needs[0]:
            gw = np.zeros(w.shape, g.dtype)
            np.add.at(gw, idx, gb * (psw * valid)[:, None])
        if needs[1]:
            gp = (gb * w[idx]).sum(axis=1) * valid
        return gw, gp


def _lse(*xs):
    # elementwise log(sum(exp(x_i))) with -inf handled
    m = xs[0]
    for x in xs[1:]:
        m = np.maximum(m, x)
    safe = np.where(np.isfinite(m), m, 0)
    s = sum(np.exp(x - safe) for x in xs)
    with np.errstate(divide="ignore"):
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
        if not _nd(g):
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
        with np.errstate(invalid="ignore"):
            np.logaddexp.at(lcab, (np.arange(T)[:, None, None], n[None, :, None], ext[None, :, :]), ab)
        with np.errstate(over="ignore", invalid="ignore"):
            grad = np.exp(lp64) - np.exp(lcab + nll[None, :, None] - lp64)
        tmask = (np.arange(T)[:, None] < in_len[None, :])[:, :, None]
        grad = np.where(tmask, grad, 0)
        if zero_infinity:
            grad = np.where(np.isinf(nll)[None, :, None], 0, grad)
        grad = np.nan_to_num(grad, nan=0.0) if zero_infinity else grad
        return (grad * g.reshape(1, N, 1),)


# ---- fused recurrent cells (one node per time step instead of ~12) ---------------------------------------

def _sig(a):
    # dtype-preserving logistic 1 / (1 + exp(-a)); callers silence the (harmless) overflow of exp for a < -88
    out = np.negative(a)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


class LstmCell(Op):
    """(pre-activation gates (N, 4H) in torch's i,f,g,o order, c (N, H)) -> concat(h', c') (N, 2H)."""
    saves = ("x0", "x1", "c")
    bw_name = "LstmCellBackward0"

    @staticmethod
    def forward(gates, c):
        with np.errstate(over="ignore"):
            return LstmCell._forward(gates, c)

    @staticmethod
    def _forward(gates, c):
        H = c.shape[-1]
        i = _sig(gates[:, :H])
        f = _sig(gates[:, H:2 * H])
        g = np.tanh(gates[:, 2 * H:3 * H])
        o = _sig(gates[:, 3 * H:])
        c2 = f * c + i * g
        tc = np.tanh(c2)
        out = np.concatenate([o * tc, c2], 1)
        return out, (gates, c, (i, f, g, o, tc))

    @staticmethod
    def backward(saved, gout, needs):
        gates, c, (i, f, g, o, tc) = saved
        H = c.shape[-1]
        if not (_nd(gout) and _nd(gates) and _nd(c)):
            # double backward: the same rule from differentiable Tensor ops
            T = _T()
            gates = gates if not _nd(gates) else T._wrap(gates)
            c = c if not _nd(c) else T._wrap(c)
            gout = gout if not _nd(gout) else T._wrap(gout)
            i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
            i, f, o, g = i.sigmoid(), f.sigmoid(), o.sigmoid(), g.tanh()
            tc = (f * c + i * g).tanh()
            dh, dc2 = gout[:, :H], gout[:, H:]
            dc2 = dc2 + dh * o * (1 - tc * tc)
            from .. import cat
            dg = cat([dc2 * g * i * (1 - i), dc2 * c * f * (1 - f), dc2 * i * (1 - g * g),
                      dh * tc * o * (1 - o)], 1)
            return (dg if needs[0] else None), (dc2 * f if needs[1] else None)
        dh, dc2 = gout[:, :H], gout[:, H:]
        dc2 = dc2 + dh * o * (1 - tc * tc)
        dg = np.empty_like(gates)
        dg[:, :H] = dc2 * g * i * (1 - i)
        dg[:, H:2 * H] = dc2 * c * f * (1 - f)
        dg[:, 2 * H:3 * H] = dc2 * i * (1 - g * g)
        dg[:, 3 * H:] = dh * tc * o * (1 - o)
        return (dg if needs[0] else None), (dc2 * f if needs[1] else None)


class GruCell(Op):
    """(input gates gi (N, 3H), hidden gates gh (N, 3H) in torch's r,z,n order, h (N, H)) -> h' (N, H)."""
    saves = ("x0", "x1", "x2", "c")
    bw_name = "GruCellBackward0"

    @staticmethod
    def forward(gi, gh, h):
        with np.errstate(over="ignore"):
            return GruCell._forward(gi, gh, h)

    @staticmethod
    def _forward(gi, gh, h):
        H = h.shape[-1]
        r = _sig(gi[:, :H] + gh[:, :H])
        z = _sig(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        return n + z * (h - n), (gi, gh, h, (r, z, n))

    @staticmethod
    def backward(saved, g, needs):
        gi, gh, h, (r, z, n) = saved
        H = h.shape[-1]
        if not (_nd(g) and _nd(gi) and _nd(gh) and _nd(h)):
            T = _T()
            gi, gh, h, g = (v if not _nd(v) else T._wrap(v) for v in (gi, gh, h, g))
            r = (gi[:, :H] + gh[:, :H]).sigmoid()
            z = (gi[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
            ghn = gh[:, 2 * H:]
            n = (gi[:, 2 * H:] + r * ghn).tanh()
            dpn = g * (1 - z) * (1 - n * n)
            dpr = dpn * ghn * r * (1 - r)
            dpz = g * (h - n) * z * (1 - z)
            from .. import cat
            dgi = cat([dpr, dpz, dpn], 1)
            dgh = cat([dpr, dpz, dpn * r], 1)
            return (dgi if needs[0] else None), (dgh if needs[1] else None), (g * z if needs[2] else None)
        dpn = g * (1 - z) * (1 - n * n)
        dpz = g * (h - n) * z * (1 - z)
        dpr = dpn * gh[:, 2 * H:] * r * (1 - r)
        dgi = np.empty_like(gi)
        dgi[:, :H] = dpr
        dgi[:, H:2 * H] = dpz
        dgi[:, 2 * H:] = dpn
        dgh = None
        if needs[1]:
            dgh = dgi.copy()
            dgh[:, 2 * H:] *= r
        return (dgi if needs[0] else None), dgh, (g * z if needs[2] else None)


# ---- fused recurrent sequences: the whole time loop of one layer/direction in one node --------------------
# Per-step slicing of a (L, N, G) tensor costs a full-size zero gradient per step in backward (O(L^2));
# these ops run the recurrence and its backward-through-time in NumPy. Double backward recomputes the
# sequence from the differentiable per-step cells (LstmCell / GruCell) and differentiates that.

def _seq_double_backward(kind, arrays, consts, g, needs):
    T = _T()
    import ember
    ins = [a if not _nd(a) else T._wrap(a) for a in arrays]
    gt = g if not _nd(g) else T._wrap(g)
    with ember.enable_grad():
        leaves = [x if x.requires_grad else x.detach().requires_grad_(needs[k]) for k, x in enumerate(ins)]
        out = _seq_recompute(kind, leaves, consts)
        wanted = [x for k, x in enumerate(leaves) if needs[k]]
        grads = ember.autograd.grad(out, wanted, grad_outputs=gt, create_graph=True, allow_unused=True)
    res, it = [], iter(grads)
    for k, x in enumerate(leaves):
        if needs[k]:
            gr = next(it)
            res.append(gr if gr is not None else ins[k] * 0)
        else:
            res.append(None)
    return tuple(res)


def _seq_recompute(kind, ins, consts):
    T = _T()
    import ember
    mask, reverse = consts
    if kind == "lstm":
        gi, w, h, c = ins
    elif kind == "gru":
        gi, w, bh, h = ins
        c = None
    else:
        gi, w, h = ins
        c = None
    L = gi.shape[0]
    H = h.shape[-1]
    outs = [None] * L
    for t in (range(L - 1, -1, -1) if reverse else range(L)):
        if kind == "lstm":
            hc = T._apply(LstmCell, (gi[t] + h @ w.t(), c))
            h2, c2 = hc[:, :H], hc[:, H:]
        elif kind == "gru":
            h2 = T._apply(GruCell, (gi[t], h @ w.t() + bh, h))
            c2 = None
        else:
            pre = gi[t] + h @ w.t()
            h2 = pre.relu() if kind == "rnn_relu" else pre.tanh()
            c2 = None
        if mask is not None:
            m = T._wrap(mask[t][:, None])
            h2 = ember.where(m, h2, h)
            c2 = ember.where(m, c2, c) if c2 is not None else None
        h, c = h2, c2
        outs[t] = ember.cat([h, c], 1) if kind == "lstm" else h
    return ember.stack(outs, 0)



def _time_order(L, reverse):
    """The order a recurrent backward visits time steps, and each step's predecessor in the forward."""
    order = list(range(L - 1, -1, -1)) if reverse else list(range(L))
    prev = {t: (order[k - 1] if k else None) for k, t in enumerate(order)}
    return order, prev

class LstmSeq(Op):
    """(gi (L, N, 4H) = x W_ih^T + b_ih + b_hh, W_hh (4H, H), h0, c0 (N, H)) -> (L, N, 2H): [h_t | c_t] per step.

    consts: (mask (L, N) bool or None: rows past their length keep their state, reverse: bool)."""
    saves = ("x0", "x1", "x2", "x3", "c", "c")
    bw_name = "LstmBackward0"

    @staticmethod
    def forward(gi, w, h0, c0, mask, reverse):
        with np.errstate(over="ignore"):
            return LstmSeq._forward(gi, w, h0, c0, mask, reverse)

    @staticmethod
    def _forward(gi, w, h0, c0, mask, reverse):
        L, N, G = gi.shape
        H = G // 4
        out = np.empty((L, N, 2 * H), gi.dtype)
        acts = np.empty((L, N, G), gi.dtype)
        tcs = np.empty((L, N, H), gi.dtype)
        wt = np.ascontiguousarray(w.T)     # BLAS is ~2x faster on it than on the transposed view
        h, c = h0, c0
        for t in (range(L - 1, -1, -1) if reverse else range(L)):
            pre = gi[t] + h @ wt
            a = acts[t]
            a[:, :2 * H] = _sig(pre[:, :2 * H])
            a[:, 2 * H:3 * H] = np.tanh(pre[:, 2 * H:3 * H])
            a[:, 3 * H:] = _sig(pre[:, 3 * H:])
            c2 = a[:, H:2 * H] * c + a[:, :H] * a[:, 2 * H:3 * H]
            tc = tcs[t]
            np.tanh(c2, out=tc)
            h2 = a[:, 3 * H:] * tc
            if mask is not None:
                m = mask[t][:, None]
                h2 = np.where(m, h2, h)
                c2 = np.where(m, c2, c)
            out[t, :, :H] = h2
            out[t, :, H:] = c2
            h, c = out[t, :, :H], out[t, :, H:]
        return out, (gi, w, h0, c0, (mask, reverse), (acts, tcs, out))

    @staticmethod
    def backward(saved, g, needs):
        gi, w, h0, c0, consts, (acts, tcs, out) = saved
        if not (_nd(g) and _nd(gi) and _nd(w) and _nd(h0) and _nd(c0)):
            return _seq_double_backward("lstm", (gi, w, h0, c0), consts, g, needs)
        mask, reverse = consts
        L, N, G = gi.shape
        H = G // 4
        order, prev = _time_order(L, reverse)
        dgates = np.empty_like(gi)
        hprev = np.empty((L, N, H), gi.dtype)
        dh = np.zeros((N, H), gi.dtype)
        dc = np.zeros((N, H), gi.dtype)
        for t in reversed(order):
            p = prev[t]
            h_prev = h0 if p is None else out[p, :, :H]
            c_prev = c0 if p is None else out[p, :, H:]
            hprev[t] = h_prev
            dh_t = g[t, :, :H] + dh
            dc_t = g[t, :, H:] + dc
            a = acts[t]
            i, f, gg, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            tc = tcs[t]
            dc2 = dc_t + dh_t * o * (1 - tc * tc)
            d = dgates[t]
            d[:, :H] = dc2 * gg * i * (1 - i)
            d[:, H:2 * H] = dc2 * c_prev * f * (1 - f)
            d[:, 2 * H:3 * H] = dc2 * i * (1 - gg * gg)
            d[:, 3 * H:] = dh_t * tc * o * (1 - o)
            if mask is not None:
                m = mask[t][:, None]
                d *= m
                dh = np.where(m, d @ w, dh_t)
                dc = np.where(m, dc2 * f, dc_t)
            else:
                dh = d @ w
                dc = dc2 * f
        gw = dgates.reshape(-1, G).T @ hprev.reshape(-1, H) if needs[1] else None
        return (dgates if needs[0] else None), gw, (dh if needs[2] else None), (dc if needs[3] else None)


class GruSeq(Op):
    """(gi (L, N, 3H) = x W_ih^T + b_ih, W_hh (3H, H), b_hh (3H,), h0 (N, H)) -> (L, N, H) hidden states.

    consts: (mask (L, N) bool or None, reverse: bool)."""
    saves = ("x0", "x1", "x2", "x3", "c", "c")
    bw_name = "GruBackward0"

    @staticmethod
    def forward(gi, w, bh, h0, mask, reverse):
        with np.errstate(over="ignore"):
            return GruSeq._forward(gi, w, bh, h0, mask, reverse)

    @staticmethod
    def _forward(gi, w, bh, h0, mask, reverse):
        L, N, G = gi.shape
        H = G // 3
        out = np.empty((L, N, H), gi.dtype)
        acts = np.empty((L, N, G), gi.dtype)      # r, z, n
        ghn = np.empty((L, N, H), gi.dtype)
        wt = np.ascontiguousarray(w.T)     # BLAS is ~2x faster on it than on the transposed view
        h = h0
        for t in (range(L - 1, -1, -1) if reverse else range(L)):
            gh = h @ wt + bh
            a = acts[t]
            a[:, :2 * H] = _sig(gi[t, :, :2 * H] + gh[:, :2 * H])
            ghn[t] = gh[:, 2 * H:]
            a[:, 2 * H:] = np.tanh(gi[t, :, 2 * H:] + a[:, :H] * ghn[t])
            n = a[:, 2 * H:]
            h2 = n + a[:, H:2 * H] * (h - n)
            if mask is not None:
                h2 = np.where(mask[t][:, None], h2, h)
            out[t] = h2
            h = out[t]
        return out, (gi, w, bh, h0, (mask, reverse), (acts, ghn, out))

    @staticmethod
    def backward(saved, g, needs):
        gi, w, bh, h0, consts, (acts, ghn, out) = saved
        if not (_nd(g) and _nd(gi) and _nd(w) and _nd(bh) and _nd(h0)):
            return _seq_double_backward("gru", (gi, w, bh, h0), consts, g, needs)
        mask, reverse = consts
        L, N, G = gi.shape
        H = G // 3
        order, prev = _time_order(L, reverse)
        dgi = np.empty_like(gi)
        dgh = np.empty_like(gi)
        hprev = np.empty((L, N, H), gi.dtype)
        dh = np.zeros((N, H), gi.dtype)
        for t in reversed(order):
            p = prev[t]
            h_prev = h0 if p is None else out[p]
            hprev[t] = h_prev
            dh_t = g[t] + dh
            a = acts[t]
            r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
            dpn = dh_t * (1 - z) * (1 - n * n)
            dpz = dh_t * (h_prev - n) * z * (1 - z)
            dpr = dpn * ghn[t] * r * (1 - r)
            d1, d2 = dgi[t], dgh[t]
            d1[:, :H] = dpr
            d1[:, H:2 * H] = dpz
            d1[:, 2 * H:] = dpn
            d2[:, :2 * H] = d1[:, :2 * H]
            d2[:, 2 * H:] = dpn * r
            if mask is not None:
                m = mask[t][:, None]
                d1 *= m
                d2 *= m
                dh = np.where(m, d2 @ w + dh_t * z, dh_t)
            else:
                dh = d2 @ w + dh_t * z
        gw = dgh.reshape(-1, G).T @ hprev.reshape(-1, H) if needs[1] else None
        gb = dgh.reshape(-1, G).sum(0) if needs[2] else None
        return (dgi if needs[0] else None), gw, gb, (dh if needs[3] else None)


class RnnSeq(Op):
    """(gi (L, N, H) = x W_ih^T + b_ih + b_hh, W_hh (H, H), h0 (N, H)) -> (L, N, H) hidden states of an
    Elman RNN (tanh, or relu when `relu`). consts: (mask (L, N) bool or None, reverse, relu)."""
    saves = ("x0", "x1", "x2", "c", "c")
    bw_name = "RnnTanhBackward0"

    @staticmethod
    def forward(gi, w, h0, mask, reverse, relu):
        L, N, H = gi.shape
        out = np.empty((L, N, H), gi.dtype)
        wt = np.ascontiguousarray(w.T)
        h = h0
        for t in (range(L - 1, -1, -1) if reverse else range(L)):
            pre = gi[t] + h @ wt
            h2 = np.maximum(pre, 0, out=pre) if relu else np.tanh(pre, out=pre)
            if mask is not None:
                h2 = np.where(mask[t][:, None], h2, h)
            out[t] = h2
            h = out[t]
        return out, (gi, w, h0, (mask, reverse, relu), out)

    @staticmethod
    def backward(saved, g, needs):
        gi, w, h0, consts, out = saved
        mask, reverse, relu = consts
        if not (_nd(g) and _nd(gi) and _nd(w) and _nd(h0)):
            return _seq_double_backward("rnn_relu" if relu else "rnn_tanh", (gi, w, h0), (mask, reverse), g, needs)
        L, N, H = gi.shape
        order, _ = _time_order(L, reverse)
        dpre = np.empty_like(gi)
        hprev = np.empty_like(gi)
        dh = np.zeros((N, H), gi.dtype)
        for k in range(L - 1, -1, -1):
            t = order[k]
            hprev[t] = h0 if k == 0 else out[order[k - 1]]
            dh_t = g[t] + dh
            y = out[t]
            d = dpre[t]
            if relu:
                np.multiply(dh_t, y > 0, out=d)
            else:
                np.multiply(dh_t, 1 - y * y, out=d)
            if mask is not None:
                m = mask[t][:, None]
                d *= m
                dh = np.where(m, d @ w, dh_t)
            else:
                dh = d @ w
        gw = dpre.reshape(-1, H).T @ hprev.reshape(-1, H) if needs[1] else None
        return (dpre if needs[0] else None), gw, (dh if needs[2] else None)
