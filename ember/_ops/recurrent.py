"""Fused recurrent kernels: one LSTM/GRU cell step per node (`LstmCell`, `GruCell`) and whole sequences of
one layer and direction per node (`LstmSeq`, `GruSeq`, `RnnSeq`), forward and backward-through-time on
ndarrays. `nn.LSTM`, `nn.GRU`, `nn.RNN` and the cells (`ember/nn/modules/rnn.py`) record them.
"""
from __future__ import annotations

import numpy as np

from .._tensor_base import _apply, _wrap
from ..autograd.engine import grad as _grad
from ..autograd.grad_mode import enable_grad
from ._base import Op, is_array
from .activation import _cat
from .unary import Sigmoid

__all__ = []


# ---- kernels -------------------------------------------------------------------------------------

def _sig(a):
    # dtype-preserving logistic 1 / (1 + exp(-a)), the sigmoid kernel's (exp overflows harmlessly for a < -88)
    return Sigmoid.forward(a)[0]


class LstmCell(Op):
    """(pre-activation gates (N, 4H) in torch's i,f,g,o order, c (N, H)) -> concat(h', c') (N, 2H)."""
    saves = ("x0", "x1", "c")
    bw_name = "LstmCellBackward0"

    @staticmethod
    def forward(gates, c):
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
        if not (is_array(gout) and is_array(gates) and is_array(c)):
            # double backward: the same rule from differentiable Tensor ops
            gates = gates if not is_array(gates) else _wrap(gates)
            c = c if not is_array(c) else _wrap(c)
            gout = gout if not is_array(gout) else _wrap(gout)
            i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
            i, f, o, g = i.sigmoid(), f.sigmoid(), o.sigmoid(), g.tanh()
            tc = (f * c + i * g).tanh()
            dh, dc2 = gout[:, :H], gout[:, H:]
            dc2 = dc2 + dh * o * (1 - tc * tc)
            dg = _cat([dc2 * g * i * (1 - i), dc2 * c * f * (1 - f), dc2 * i * (1 - g * g),
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
        H = h.shape[-1]
        r = _sig(gi[:, :H] + gh[:, :H])
        z = _sig(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        return n + z * (h - n), (gi, gh, h, (r, z, n))

    @staticmethod
    def backward(saved, g, needs):
        gi, gh, h, (r, z, n) = saved
        H = h.shape[-1]
        if not (is_array(g) and is_array(gi) and is_array(gh) and is_array(h)):
            gi, gh, h, g = (v if not is_array(v) else _wrap(v) for v in (gi, gh, h, g))
            r = (gi[:, :H] + gh[:, :H]).sigmoid()
            z = (gi[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
            ghn = gh[:, 2 * H:]
            n = (gi[:, 2 * H:] + r * ghn).tanh()
            dpn = g * (1 - z) * (1 - n * n)
            dpr = dpn * ghn * r * (1 - r)
            dpz = g * (h - n) * z * (1 - z)
            dgi = _cat([dpr, dpz, dpn], 1)
            dgh = _cat([dpr, dpz, dpn * r], 1)
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
    ins = [a if not is_array(a) else _wrap(a) for a in arrays]
    gt = g if not is_array(g) else _wrap(g)
    with enable_grad():
        leaves = [x if x.requires_grad else x.detach().requires_grad_(needs[k]) for k, x in enumerate(ins)]
        outs, gouts = _seq_recompute(kind, leaves, consts, gt)
        wanted = [x for k, x in enumerate(leaves) if needs[k]]
        grads = _grad(outs, wanted, grad_outputs=gouts, create_graph=True, allow_unused=True)
    res, it = [], iter(grads)
    for k, x in enumerate(leaves):
        if needs[k]:
            gr = next(it)
            res.append(gr if gr is not None else ins[k] * 0)
        else:
            res.append(None)
    return tuple(res)


def _seq_recompute(kind, ins, consts, gt):
    """The sequence recomputed from the differentiable per-step ops: its per-step outputs and their slices
    of the output gradient `gt` (the vector-Jacobian product the double backward needs, without stacking)."""
    mask, reverse = consts
    if kind == "lstm":
        gi, w, h, c = ins
    elif kind == "lstm_proj":
        gi, w, wr, h, c = ins
    elif kind == "gru":
        gi, w, bh, h = ins
        c = None
    else:
        gi, w, h = ins
        c = None
    L = gi.shape[0]
    H = h.shape[-1]       # the width of the hidden state (the projection's with proj_size)
    outs, gouts = [], []
    for t in (range(L - 1, -1, -1) if reverse else range(L)):
        if kind == "lstm":
            hc = _apply(LstmCell, (gi[t] + h @ w.t(), c))
            h2, c2 = hc[:, :H], hc[:, H:]
        elif kind == "lstm_proj":
            hc = _apply(LstmCell, (gi[t] + h @ w.t(), c))
            C = c.shape[-1]
            h2, c2 = hc[:, :C] @ wr.t(), hc[:, C:]
        elif kind == "gru":
            h2 = _apply(GruCell, (gi[t], h @ w.t() + bh, h))
            c2 = None
        else:
            pre = gi[t] + h @ w.t()
            h2 = pre.relu() if kind == "rnn_relu" else pre.tanh()
            c2 = None
        if mask is not None:
            m = _wrap(mask[t][:, None])
            h2 = h2.where(m, h)
            c2 = c2.where(m, c) if c2 is not None else None
        h, c = h2, c2
        if kind in ("lstm", "lstm_proj"):
            outs += [h, c]
            gouts += [gt[t, :, :H], gt[t, :, H:]]
        else:
            outs.append(h)
            gouts.append(gt[t])
    return outs, gouts


def _time_order(L, reverse):
    """The order a recurrent backward visits time steps, and each step's predecessor in the forward."""
    order = list(range(L - 1, -1, -1)) if reverse else list(range(L))
    prev = {t: (order[k - 1] if k else None) for k, t in enumerate(order)}
    return order, prev


def _lstm_gates_backward(d, a, tc, c_prev, dc_t, dy, H):
    """One LSTM step backward: the gate pre-activation gradients into d (N, 4H), from dy (the gradient of
    o * tanh(c)) and dc_t (of c). Returns (dc2, f): the gradient of c and the forget gate, which scales it
    into the previous step's c."""
    i, f, gg, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    dc2 = dc_t + dy * o * (1 - tc * tc)
    d[:, :H] = dc2 * gg * i * (1 - i)
    d[:, H:2 * H] = dc2 * c_prev * f * (1 - f)
    d[:, 2 * H:3 * H] = dc2 * i * (1 - gg * gg)
    d[:, 3 * H:] = dy * tc * o * (1 - o)
    return dc2, f


class LstmSeq(Op):
    """(gi (L, N, 4H) = x W_ih^T + b_ih + b_hh, W_hh (4H, H), h0, c0 (N, H)) -> (L, N, 2H): [h_t | c_t] per step.

    consts: (mask (L, N) bool or None: rows past their length keep their state, reverse: bool)."""
    saves = ("x0", "x1", "x2", "x3", "c", "c")
    bw_name = "LstmBackward0"

    @staticmethod
    def forward(gi, w, h0, c0, mask, reverse):
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
        if not (is_array(g) and is_array(gi) and is_array(w) and is_array(h0) and is_array(c0)):
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
            d = dgates[t]
            dc2, f = _lstm_gates_backward(d, acts[t], tcs[t], c_prev, dc_t, dh_t, H)
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


class LstmProjSeq(Op):
    """LSTM with a projection (torch's proj_size): (gi (L, N, 4H), W_hh (4H, P), W_hr (P, H), h0 (N, P), c0 (N, H))
    -> (L, N, P + H): [h_t | c_t] per step, h_t = W_hr (o_t * tanh(c_t)).

    consts: (mask (L, N) bool or None: rows past their length keep their state, reverse: bool)."""
    saves = ("x0", "x1", "x2", "x3", "x4", "c", "c")
    bw_name = "LstmBackward0"

    @staticmethod
    def forward(gi, w, wr, h0, c0, mask, reverse):
        L, N, G = gi.shape
        H, P = G // 4, wr.shape[0]
        out = np.empty((L, N, P + H), gi.dtype)
        acts = np.empty((L, N, G), gi.dtype)
        tcs = np.empty((L, N, H), gi.dtype)
        ms = np.empty((L, N, H), gi.dtype)        # o * tanh(c), before the projection
        wt = np.ascontiguousarray(w.T)
        wrt = np.ascontiguousarray(wr.T)
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
            np.multiply(a[:, 3 * H:], tc, out=ms[t])
            h2 = ms[t] @ wrt
            if mask is not None:
                m = mask[t][:, None]
                h2 = np.where(m, h2, h)
                c2 = np.where(m, c2, c)
            out[t, :, :P] = h2
            out[t, :, P:] = c2
            h, c = out[t, :, :P], out[t, :, P:]
        return out, (gi, w, wr, h0, c0, (mask, reverse), (acts, tcs, ms, out))

    @staticmethod
    def backward(saved, g, needs):
        gi, w, wr, h0, c0, consts, (acts, tcs, ms, out) = saved
        if not (is_array(g) and is_array(gi) and is_array(w) and is_array(wr) and is_array(h0) and is_array(c0)):
            return _seq_double_backward("lstm_proj", (gi, w, wr, h0, c0), consts, g, needs)
        mask, reverse = consts
        L, N, G = gi.shape
        H, P = G // 4, wr.shape[0]
        order, prev = _time_order(L, reverse)
        dgates = np.empty_like(gi)
        dhs = np.empty((L, N, P), gi.dtype)       # the gradient reaching each step's projection
        hprev = np.empty((L, N, P), gi.dtype)
        dh = np.zeros((N, P), gi.dtype)
        dc = np.zeros((N, H), gi.dtype)
        for t in reversed(order):
            p = prev[t]
            h_prev = h0 if p is None else out[p, :, :P]
            c_prev = c0 if p is None else out[p, :, P:]
            hprev[t] = h_prev
            dh_t = g[t, :, :P] + dh
            dc_t = g[t, :, P:] + dc
            dhp = dhs[t]
            if mask is not None:
                m = mask[t][:, None]
                np.multiply(dh_t, m, out=dhp)
            else:
                dhp[...] = dh_t
            d = dgates[t]
            dc2, f = _lstm_gates_backward(d, acts[t], tcs[t], c_prev, dc_t, dhp @ wr, H)
            if mask is not None:
                d *= m
                dh = np.where(m, d @ w, dh_t)
                dc = np.where(m, dc2 * f, dc_t)
            else:
                dh = d @ w
                dc = dc2 * f
        gw = dgates.reshape(-1, G).T @ hprev.reshape(-1, P) if needs[1] else None
        gwr = dhs.reshape(-1, P).T @ ms.reshape(-1, H) if needs[2] else None
        return ((dgates if needs[0] else None), gw, gwr, (dh if needs[3] else None),
                (dc if needs[4] else None))


class GruSeq(Op):
    """(gi (L, N, 3H) = x W_ih^T + b_ih, W_hh (3H, H), b_hh (3H,), h0 (N, H)) -> (L, N, H) hidden states.

    consts: (mask (L, N) bool or None, reverse: bool)."""
    saves = ("x0", "x1", "x2", "x3", "c", "c")
    bw_name = "GruBackward0"

    @staticmethod
    def forward(gi, w, bh, h0, mask, reverse):
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
        if not (is_array(g) and is_array(gi) and is_array(w) and is_array(bh) and is_array(h0)):
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
        if not (is_array(g) and is_array(gi) and is_array(w) and is_array(h0)):
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
