"""Convolution on arrays, for 1 to 3 spatial dims: the forward, the input gradient (which is also the
transposed convolution) and the weight gradient. Used by the conv family (`conv.py`).

geo = (st, lo, hi, dil, G): stride, padding before and after, dilation (tuples, one entry per
spatial dim) and groups. Arrays are channels-first (N, C, *spatial), like torch's.

NOTE [ Batch chunks ]
The batch is processed in chunks of `nb` samples. A chunk is copied into a zero-bordered buffer
(when there is padding) and unfolded into a columns buffer (G, Kg, nb*P) (Kg = Cg * kernel volume,
P = output positions per sample) of at most _COLS_LIMIT bytes; one GEMM per group, W (Og, Kg) @
cols, writes the chunk's output in its channels-first place (straight into the output when
nb == 1, no transposes). The weight gradient accumulates g_chunk @ cols^T over chunks; the input
gradient is W^T @ g_chunk followed by one strided add per kernel offset (col2im). Nothing of the
size kernel-volume x input is ever kept: the backward unfolds again (cheap next to the GEMMs), so
a step's memory is the activations, as in torch. Chunks are independent: with several threads
(`ember.set_num_threads`) each worker takes a contiguous share of the batch with its own buffers
(`_blas.parallel`; the weight gradient sums the workers' partial sums).

NOTE [ Winograd ]
Dense 2-d convolutions with a 3x3 kernel, stride 1 and dilation 1 run Winograd's F(2x2, 3x3) when
the channels are wide enough to pay for the transforms: every 4x4 input tile (step 2) is mapped by
B^T d B, 16 GEMMs (one per tile position) multiply it with the transformed weight G w G^T, and A^T m A
maps each product back to a 2x2 output tile: 16 multiplications per 2x2 outputs instead of 36. The
transforms have coefficients 0, +-1 and 1/2 only, so float32 rounding stays that of a direct sum
(tests/nn/test_conv_winograd.py measures it against float64). The input gradient is the same
algorithm on the output gradient with the flipped, transposed kernel; the weight gradient is its
adjoint: 16 GEMMs of the transformed output gradient with the transformed input tiles. F(4x4, 3x3)
(36 products per 16 outputs) was measured too: its transforms cost more than they save at the
sizes of CIFAR and MNIST networks, and its float32 error is ~20x the direct sum's.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _blas

# NOTE [ Batch chunks ]: the columns buffer of one chunk stays below this many bytes (a test lowers it)
_COLS_LIMIT = 1 << 22
_WINO_LIMIT = 1 << 20     # Winograd's transformed tiles of one chunk: cache-sized (measured best)
_TARGET_COLS = 1024       # columns (nb * P) a chunk aims at: small outputs batch several samples per GEMM
_PHASES = True            # strided input gradients by phase images (_Col2imPhases); a test turns it off
_PARALLEL_MIN = 1 << 22   # multiply-adds below which a call stays on one thread (a test lowers it)


def _chunk(N, K, P, itemsize):
    nb = max(1, -(-_TARGET_COLS // max(P, 1)))
    nb = min(nb, max(1, _COLS_LIMIT // max(K * P * itemsize, 1)))
    return min(nb, N)


def _balanced(N, nb, macs):
    """nb, lowered so that the chunks split evenly among the threads (when the call is shared at all)."""
    t = _blas.num_threads()
    if t <= 1 or macs < _PARALLEL_MIN:
        return nb
    n = -(-N // nb)
    return max(1, -(-N // (-(-n // t) * t)))


def _run(work, N, nb, macs):
    """work(n0, n1) over the batch in whole chunks of nb samples, shared among the threads when the call
    has at least _PARALLEL_MIN multiply-adds; the workers' results in batch order."""
    n_chunks = -(-N // nb)
    if macs < _PARALLEL_MIN:
        return [work(0, N)]
    return _blas.parallel(lambda c0, c1: work(c0 * nb, min(c1 * nb, N)), n_chunks)


class _Padder:
    """Copies chunks of x into a zero-bordered buffer (reused: only the interior is written)."""

    def __init__(self, x, lo, hi, nb):
        self.x = x
        self.pad = any(lo) or any(hi)
        if self.pad:
            sp = x.shape[2:]
            self.buf = np.zeros((nb, x.shape[1]) + tuple(n + a + b for n, a, b in zip(sp, lo, hi)), x.dtype)
            self.inner = tuple(slice(a, a + n) for a, n in zip(lo, sp))

    def __call__(self, n0, n1):
        if not self.pad:
            return self.x[n0:n1]
        xc = self.buf[:n1 - n0]
        xc[(slice(None), slice(None)) + self.inner] = self.x[n0:n1]
        return xc


def _unfold(xc, k, st, dil, osz, cols, klast):
    """Write the columns of the padded chunk xc (b, C, *Sp) into cols (G, Kg, b*P). Kg is ordered (kernel
    offset, channel) when klast, as torch's CPU kernels sum (the same float32 rounding on small layers):
    cols = (G, *k, Cg, b, *osz); else (channel, kernel offset), the weight's own order (see _weight_rows)."""
    s = xc.strides
    nd = len(k)
    G = cols.shape[0]
    Cg = xc.shape[1] // G
    ks = tuple(s[2 + i] * dil[i] for i in range(nd))
    tail = (s[0],) + tuple(s[2 + i] * st[i] for i in range(nd))
    if klast:
        shape = (G,) + tuple(k) + (Cg, xc.shape[0]) + tuple(osz)
        strides = (s[1] * Cg,) + ks + (s[1],) + tail
    else:
        shape = (G, Cg) + tuple(k) + (xc.shape[0],) + tuple(osz)
        strides = (s[1] * Cg, s[1]) + ks + tail
    np.copyto(cols.reshape(shape), as_strided(xc, shape, strides))


# weights up to this size are reordered for torch's summation order; larger ones are used in place (a
# reordered copy would cost their size in memory and time on every call)
_REORDER_MAX = 1 << 20


def _weight_rows(w, G):
    """(klast, the weight (O, Cg, *k) as GEMM rows (G, Og, Kg) in _unfold's column order)."""
    O = w.shape[0]
    if w.nbytes > _REORDER_MAX:
        return False, np.ascontiguousarray(w).reshape(G, O // G, -1)
    nd = w.ndim - 2
    wt = w.reshape((G, O // G, w.shape[1]) + tuple(w.shape[2:])).transpose((0, 1) + tuple(range(3, 3 + nd)) + (2,))
    return True, np.ascontiguousarray(wt).reshape(G, O // G, -1)


def _offsets(k, st, dil, osz):
    """(kernel offset index, slices into the padded input) for every kernel offset."""
    out = [((), ())]
    for kk, s, d, o in zip(k, st, dil, osz):
        ext = s * (o - 1) + 1
        out = [(i + (a,), sl + (slice(a * d, a * d + ext, s),)) for i, sl in out for a in range(kk)]
    return out


def _is_winograd(x_shape, w_shape, geo, dt):
    st, lo, hi, dil, G = geo
    if dt.kind != "f" or dt.itemsize < 4 or len(st) != 2 or G != 1 or tuple(w_shape[2:]) != (3, 3) or st != (1, 1) or dil != (1, 1):
        return False
    if max(lo + hi) > 2:
        return False
    C, O = x_shape[1], w_shape[0]
    OH, OW = (n + a + b - 2 for n, a, b in zip(x_shape[2:], lo, hi))
    # the transforms cost ~C + O per output position, the GEMMs ~C * O: wide layers only (64 x 64 and up: the
    # MNIST example's 32 -> 64 layer is faster as im2col); below 8x8 outputs the tiles (and the junk tile ending
    # each tile row) do not pay (measured)
    return C >= 16 and O >= 16 and C * O >= 4096 and OH >= 8 and OW >= 8


# ---- im2col forward --------------------------------------------------------------------------

@_blas.serial_blas
def forward(x, w, geo, osz, b=None):
    """conv(x, w) (+ b) of output spatial size osz: (N, O, *osz), C-contiguous."""
    st, lo, hi, dil, G = geo
    if _is_winograd(x.shape, w.shape, geo, np.result_type(x.dtype, w.dtype)):
        return _wino_forward(x, _wino_weight(w), lo, hi, osz, b)
    N = x.shape[0]
    O = w.shape[0]
    k = tuple(w.shape[2:])
    Kg = w[0].size
    P = math.prod(osz)
    dt = np.result_type(x.dtype, w.dtype)
    out = np.empty((N, O) + tuple(osz), dt)
    if N == 0 or P == 0:
        return out
    klast, wm = _weight_rows(w, G)
    nb = _balanced(N, _chunk(N, Kg * G, P, dt.itemsize), N * P * O * Kg)
    pointwise = all(kk == 1 for kk in k) and all(s == 1 for s in st) and not (any(lo) or any(hi))
    bias = None if b is None else b.reshape((1, G, O // G, 1))

    def work(n0, n1):
        pad = _Padder(x, lo, hi, nb)
        cols = None
        for m0 in range(n0, n1, nb):
            m1 = min(m0 + nb, n1)
            bsz = m1 - m0
            xc = pad(m0, m1)
            if pointwise and bsz == 1 and xc[0].flags.c_contiguous:
                cm = xc[0].reshape(G, Kg, P)
            else:
                if cols is None:
                    cols = np.empty((G, Kg, nb * P), dt)
                cm = cols[:, :, :bsz * P]
                _unfold(xc, k, st, dil, osz, cm, klast)
            dst = out[m0:m1].reshape(bsz, G, O // G, P)
            if bsz == 1:
                np.matmul(wm, cm, out=dst[0])
            else:
                dst[...] = np.matmul(wm, cm).reshape(G, O // G, bsz, P).transpose(2, 0, 1, 3)
            if bias is not None:
                dst += bias

    _run(work, N, nb, N * P * O * Kg)
    return out


# ---- im2col backward -------------------------------------------------------------------------

class _Col2imPhases:
    """col2im of a strided convolution (dilation 1) in long contiguous runs. The padded input positions
    congruent to p modulo the stride receive the kernel taps congruent to p, each shifted by tap // stride:
    one "phase image" per p. Given g with (kernel - 1) // stride zero columns appended in every spatial dim
    but the first, W^T @ g lays each tap's block out with the phase image's row strides, so a tap's
    contribution is ONE flat add at a fixed offset (the zero columns add nothing where they land); each phase
    image is then copied to its strided place in the input gradient. Measured against one strided add per
    tap (inner loops as short as the output rows): NOTE in backward()."""

    def __init__(self, geo, k, osz, x_sp, C, O, nb, dt, klast):
        st, lo, hi, dil, G = geo
        self.G, self.Og, self.Cg, self.k, self.osz, self.klast = G, O // G, C // G, tuple(k), tuple(osz), klast
        e = tuple((kk - 1) // s for kk, s in zip(k, st))
        self.Q = tuple(o + a for o, a in zip(osz, e))                       # a phase image
        self.jsz = (osz[0],) + self.Q[1:]                                  # g's block, zero columns appended
        self.Lj = math.prod(self.jsz)
        plane = math.prod(self.Q[1:])
        zstr = [math.prod(self.Q[d + 1:]) for d in range(len(k))]
        self.Z = np.empty((C, nb, math.prod(self.Q) + plane), dt)          # + the last flat add's overhang
        self.gj = np.zeros((G, O // G, nb) + self.jsz, dt)
        phases = {}
        for idx in itertools.product(*(range(kk) for kk in k)):
            ph = tuple(i % s for i, s in zip(idx, st))
            phases.setdefault(ph, []).append((idx, sum((i // s) * z for i, s, z in zip(idx, st, zstr))))
        self.phases = []
        for ph, taps in phases.items():
            dst, src = [], []
            for p, s, a, n, q in zip(ph, st, lo, x_sp, self.Q):
                h0 = (p - a) % s                      # the first input index of this phase, phase index q0
                q0 = (h0 + a - p) // s
                cnt = max(0, min(len(range(h0, n, s)), q - q0))
                dst.append(slice(h0, h0 + s * cnt, s))
                src.append(slice(q0, q0 + cnt))
            self.phases.append((taps, tuple(dst), tuple(src)))

    def __call__(self, g, wmt, cols, gx):
        """gx (b, C, *x_sp), zeros where no tap reaches, += the input gradient of the chunk g (b, O, *osz)."""
        b = g.shape[0]
        G, Og, Cg, Lj = self.G, self.Og, self.Cg, self.Lj
        gj = self.gj[:, :, :b]
        gj[(slice(None),) * 3 + tuple(slice(0, o) for o in self.osz)] = \
            g.reshape((b, G, Og) + self.osz).transpose((1, 2, 0) + tuple(range(3, 3 + len(self.osz))))
        cm = np.matmul(wmt, self.gj.reshape(G, Og, -1)[:, :, :b * Lj], out=cols[:, :, :b * Lj])
        c6 = cm.reshape(((G,) + self.k + (Cg,) if self.klast else (G, Cg) + self.k) + (b, Lj))
        Zb = self.Z[:, :b]
        Z4 = Zb.reshape((G, Cg, b, -1))
        zq = Zb[..., :math.prod(self.Q)].reshape((G * Cg, b) + self.Q)
        for taps, dst, src in self.phases:
            Z4.fill(0)
            for idx, off in taps:
                Z4[..., off:off + Lj] += c6[(slice(None),) + idx] if self.klast else c6[(slice(None),) * 2 + idx]
            gx[(slice(None), slice(None)) + dst] = zq[(slice(None), slice(None)) + src].swapaxes(0, 1)


def _flip_t(w, G):
    """The kernel of the input gradient: (O, Cg, *k) -> (C, Og, *k), each group transposed, space reversed."""
    O, Cg = w.shape[:2]
    k = w.shape[2:]
    nd = len(k)
    wg = w.reshape((G, O // G, Cg) + k).transpose((0, 2, 1) + tuple(range(3, 3 + nd)))
    return np.ascontiguousarray(wg[(Ellipsis,) + (slice(None, None, -1),) * nd]).reshape((G * Cg, O // G) + k)


@_blas.serial_blas
def backward(x, w, g, geo, need_x, need_w, x_shape=None, w_shape=None):
    """(input gradient or None, weight gradient or None) of conv(x, w) under the output gradient g.
    x may be None when only the input gradient is needed (x_shape given); w likewise (w_shape)."""
    st, lo, hi, dil, G = geo
    x_shape = tuple(x.shape) if x is not None else tuple(x_shape)
    w_shape = tuple(w.shape) if w is not None else tuple(w_shape)
    osz = tuple(g.shape[2:])
    dt = g.dtype
    gx = gw = None
    if need_x and _is_winograd(x_shape, w_shape, geo, dt):
        gx = _wino_input_grad(g, w, lo, hi, x_shape)
        need_x = False
    if need_w and _is_winograd(x_shape, w_shape, geo, dt):
        gw = _wino_weight_grad(x, g, lo, hi, w_shape)
        need_w = False
    if need_x and all(s == 1 for s in st):
        # stride 1: the input gradient is the convolution of g with the flipped, transposed kernel (no col2im)
        k = w_shape[2:]
        lo2 = tuple(d * (kk - 1) - a for d, kk, a in zip(dil, k, lo))
        hi2 = tuple(n + d * (kk - 1) - o - a for n, d, kk, o, a in zip(x_shape[2:], dil, k, osz, lo2))
        if min(lo2 + hi2) >= 0:
            gx = forward(g, _flip_t(w, G), (st, lo2, hi2, dil, G), tuple(x_shape[2:]))
            need_x = False
    if not (need_x or need_w):
        return gx, gw
    N, C = x_shape[0], x_shape[1]
    sp = x_shape[2:]
    O = w_shape[0]
    Og = O // G
    k = w_shape[2:]
    Kg = math.prod(w_shape[1:])
    P = math.prod(osz)
    g = np.ascontiguousarray(g)
    # NOTE: strided input gradients (dilation 1) use _Col2imPhases: measured 1.0-2.1x faster than one strided
    # add per tap (whose inner loops are as short as an output row) on DCGAN's and ResNet's strided layers
    phased = _PHASES and need_x and all(d == 1 for d in dil) and any(s > 1 for s in st)
    if need_x:
        gx = np.zeros(x_shape, dt) if phased else np.empty(x_shape, dt)
        if N * math.prod(sp) and not P:
            gx.fill(0)
    if N == 0 or P == 0:
        return gx, (np.zeros(w_shape, dt) if need_w else gw)
    nb = _balanced(N, _chunk(N, Kg * G, P, dt.itemsize), N * P * O * Kg * (need_x + need_w))
    klast = w_shape[0] * Kg * np.dtype(dt).itemsize <= _REORDER_MAX
    wmt = _weight_rows(w, G)[1].transpose(0, 2, 1) if need_x else None
    padded = tuple(n + a + b for n, a, b in zip(sp, lo, hi))
    inner = (slice(None), slice(None)) + tuple(slice(a, a + n) for a, n in zip(lo, sp))
    offs = _offsets(k, st, dil, osz) if need_x else None

    def work(n0, n1):
        pad = _Padder(x, lo, hi, nb) if need_w else None
        c2i = _Col2imPhases(geo, k, osz, sp, C, O, nb, dt, klast) if phased else None
        cols = np.empty((G, Kg, nb * (c2i.Lj if phased else P)), dt)
        gbuf = np.empty((G, Og, nb * P), dt) if nb > 1 else None
        acc = tmp = None
        gxp = np.empty((nb, C) + padded, dt) if need_x and not phased else None
        for m0 in range(n0, n1, nb):
            m1 = min(m0 + nb, n1)
            bsz = m1 - m0
            cm = cols[:, :, :bsz * P]
            if bsz == 1:
                gc = g[m0].reshape(G, Og, P)
            else:
                gc = gbuf[:, :, :bsz * P]
                gc.reshape(G, Og, bsz, P)[...] = g[m0:m1].reshape(bsz, G, Og, P).transpose(1, 2, 0, 3)
            if need_w:
                _unfold(pad(m0, m1), k, st, dil, osz, cm, klast)
                if acc is None:
                    acc = np.matmul(gc, cm.transpose(0, 2, 1))
                    tmp = np.empty_like(acc)
                else:
                    acc += np.matmul(gc, cm.transpose(0, 2, 1), out=tmp)
            if phased:
                c2i(g[m0:m1], wmt, cols, gx[m0:m1])
            elif need_x:
                np.matmul(wmt, gc, out=cm)
                c6 = cm.reshape(((G,) + tuple(k) + (C // G,) if klast else (G, C // G) + tuple(k)) + (bsz,) + osz)
                gp = gxp[:bsz]
                gp.fill(0)
                g5 = gp.reshape((bsz, G, C // G) + padded)
                for idx, sl in offs:
                    part = c6[(slice(None),) + idx] if klast else c6[(slice(None), slice(None)) + idx]
                    g5[(slice(None),) * 3 + sl] += part.transpose((2, 0, 1) + tuple(range(3, 3 + len(k))))
                gx[m0:m1] = gp[inner]
        return acc

    parts = _run(work, N, nb, N * P * O * Kg * (need_x + need_w))
    if need_w:
        acc = parts[0]
        for p_ in parts[1:]:
            acc += p_
        nd = len(k)
        if klast:
            gw = np.ascontiguousarray(acc.reshape((O,) + tuple(k) + (w_shape[1],)).transpose(
                (0, nd + 1) + tuple(range(1, nd + 1))))
        else:
            gw = acc.reshape(w_shape)
    return gx, gw


# ---- Winograd F(2x2, 3x3) --------------------------------------------------------------------
# B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
# G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
# A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
_KG = np.kron(_G, _G)                   # (16, 9): U[xi*4+nu] = sum over (i, j) of G[xi, i] G[nu, j] w[i*3+j]
_KG_FLIP = np.kron(_G[:, ::-1], _G[:, ::-1])


def _wino_weight(w, flip=False):
    """G w G^T for every (o, c) as the GEMM's left operand: (16, O, C); flip: of the flipped, transposed
    kernel (the input gradient's), (16, C, O). One small GEMM over all (o, c)."""
    O, C = w.shape[:2]
    u = np.matmul((_KG_FLIP if flip else _KG).astype(w.dtype), w.reshape(O * C, 9).T).reshape(16, O, C)
    return u.transpose(0, 2, 1) if flip else u


def _bt(d, out):
    """The four rows of B^T applied to the four slices d (each written to out[i])."""
    np.subtract(d[0], d[2], out=out[0])
    np.add(d[1], d[2], out=out[1])
    np.subtract(d[2], d[1], out=out[2])
    np.subtract(d[1], d[3], out=out[3])


class _WinoPadder:
    """Chunks of x (b, C, H, W), zero-padded to (2th+2, 2tw+2) and split by row and column parity:
    (b, C, 2, 2, th+1, tw+1) = [.., row % 2, column % 2, row // 2, column // 2]. The tile transform then
    reads long contiguous runs (see _wino_tiles)."""

    def __init__(self, x, lo, th, tw, nb):
        self.x = x
        H, W = x.shape[2:]
        self.buf = np.zeros((nb, x.shape[1], 2, 2, th + 1, tw + 1), x.dtype)
        self.parts = []
        for pr in (0, 1):
            h0 = (pr - lo[0]) % 2
            nr = len(range(h0, H, 2))
            for pc in (0, 1):
                w0 = (pc - lo[1]) % 2
                nc = len(range(w0, W, 2))
                if nr and nc:
                    m0, k0 = (h0 + lo[0]) // 2, (w0 + lo[1]) // 2
                    self.parts.append((pr, pc, slice(m0, m0 + nr), slice(k0, k0 + nc), slice(h0, None, 2),
                                       slice(w0, None, 2)))

    def __call__(self, n0, n1):
        xc = self.buf[:n1 - n0]
        src = self.x[n0:n1]
        for pr, pc, rows, cols, hs, ws in self.parts:
            xc[:, :, pr, pc, rows, cols] = src[:, :, hs, ws]
        return xc


def _scratch(C, nb, th, tw, dt):
    """The row pass's output: (4, C, nb, 2, L + 1), L = th * (tw + 1) per (row, channel, sample, column parity),
    zeros; the element after each run is read by the run's last (junk) tile only (see _wino_tiles)."""
    return np.zeros((4, C, nb, 2, th * (tw + 1) + 1), dt)


def _wino_tiles(xc, th, tw, R, V):
    """V (4, 4, C, b, L) = B^T d B for every 4x4 tile (step 2) of xc (from _WinoPadder), L = th * (tw + 1)
    tiles per sample: each tile row ends with a junk tile (its products are never used), which makes every
    slice below one contiguous run of L elements per (channel, sample). R from _scratch."""
    L = th * (tw + 1)
    C, b = R.shape[1:3]
    # rows: tile row t reads padded rows 2t + i: row parity i % 2, row pair t + i // 2
    _bt([xc[:, :, i % 2, :, i // 2:i // 2 + th].swapaxes(0, 1) for i in range(4)],
        R[..., :L].reshape(4, C, b, 2, th, tw + 1))
    for r in range(4):
        q = R[r]
        # columns: tile column s reads padded columns 2s + j: parity j % 2, pair s + j // 2 (one element on)
        _bt([q[:, :, 0, :L], q[:, :, 1, :L], q[:, :, 0, 1:], q[:, :, 1, 1:]], V[r])


def _wino_geometry(osz):
    """(th, tw): the 2x2 output tiles per column and per row."""
    return -(-osz[0] // 2), -(-osz[1] // 2)


def _wino_forward(x, U, lo, hi, osz, b=None):
    """Winograd forward: x (N, C, H, W) zero-padded by lo (and by hi or more), U from _wino_weight."""
    N, C = x.shape[:2]
    O = U.shape[1]
    dt = np.result_type(x.dtype, U.dtype)
    out = np.empty((N, O) + tuple(osz), dt)
    if N == 0 or 0 in osz:
        return out
    th, tw = _wino_geometry(osz)
    L = th * (tw + 1)
    nb = max(1, min(N, -(-_TARGET_COLS // L), _WINO_LIMIT // max(16 * C * L * dt.itemsize, 1)))
    nb = _balanced(N, nb, N * L * 16 * C * O)
    OH, OW = osz
    bias = None if b is None else b.reshape(1, -1, 1, 1)

    def work(n0, n1):
        pad = _WinoPadder(x, lo, th, tw, nb)
        R = _scratch(C, nb, th, tw, dt)
        V = np.empty((4, 4, C, nb * L), dt)
        M = np.empty((16, O, nb * L), dt)
        S = np.empty((2, 4, O, nb * L), dt)
        Y = np.empty((O, nb, th, 2 * tw + 2), dt)
        for m0 in range(n0, n1, nb):
            m1 = min(m0 + nb, n1)
            bsz = m1 - m0
            _wino_tiles(pad(m0, m1), th, tw, R[:, :, :bsz], V[..., :bsz * L].reshape(4, 4, C, bsz, L))
            Mb = np.matmul(U, V.reshape(16, C, -1)[..., :bsz * L], out=M[..., :bsz * L])
            _wino_out(Mb.reshape(4, 4, O, bsz, th, tw + 1), S[..., :bsz * L].reshape(2, 4, O, bsz, th, tw + 1),
                      Y[:, :bsz], out[m0:m1], OH, OW)
            if bias is not None:
                out[m0:m1] += bias

    _run(work, N, nb, N * L * 16 * C * O)
    return out


def _wino_out(M, S, Y, y, OH, OW):
    """y (b, O, OH, OW) = A^T m A for every tile of M (4, 4, O, b, th, tw+1). Scratch: S (2, 4, O, b, th, tw+1)
    and Y (O, b, th, 2tw+2), one output row parity at a time with its columns interleaved in long runs."""
    np.add(M[0], M[1], out=S[0])
    S[0] += M[2]
    np.subtract(M[1], M[2], out=S[1])
    S[1] -= M[3]
    for a in range(2):
        s = S[a]
        even, odd = Y[..., 0::2], Y[..., 1::2]
        np.add(s[0], s[1], out=even)
        even += s[2]
        np.subtract(s[1], s[2], out=odd)
        odd -= s[3]
        dst = y[:, :, a::2]
        dst[...] = Y[:, :, :dst.shape[2], :OW].swapaxes(0, 1)


def _wino_input_grad(g, w, lo, hi, x_shape):
    """The input gradient: Winograd forward of g with the flipped, transposed kernel, padded by 2 - pad."""
    return _wino_forward(g, _wino_weight(w, flip=True), (2 - lo[0], 2 - lo[1]), (2 - hi[0], 2 - hi[1]),
                         tuple(x_shape[2:]))


def _wino_weight_grad(x, g, lo, hi, w_shape):
    """dU[xi] = dM[xi] @ V[xi]^T summed over chunks (dM = A g A^T per output tile), then dw = G^T dU G."""
    N, C = x.shape[:2]
    O = g.shape[1]
    dt = g.dtype
    OH, OW = g.shape[2:]
    th, tw = _wino_geometry((OH, OW))
    L = th * (tw + 1)
    nb = max(1, min(N, -(-_TARGET_COLS // L), _WINO_LIMIT // max(16 * (C + O) * L * dt.itemsize, 1)))
    nb = _balanced(N, nb, N * L * 16 * C * O)
    nrows = [len(range(a, OH, 2)) for a in range(2)]

    def work(n0, n1):
        pad = _WinoPadder(x, lo, th, tw, nb)
        R = _scratch(C, nb, th, tw, dt)
        V = np.empty((4, 4, C, nb * L), dt)
        # g split by row parity, zero past the output and in the junk tiles' columns (their dM is zero)
        gq = np.zeros((nb, O, 2, th, 2 * tw + 2), dt)
        Q = np.empty((4, O, nb, th, 2 * tw + 2), dt)
        dM = np.empty((4, 4, O, nb * L), dt)
        acc = tmp = None
        for m0 in range(n0, n1, nb):
            m1 = min(m0 + nb, n1)
            bsz = m1 - m0
            _wino_tiles(pad(m0, m1), th, tw, R[:, :, :bsz], V[..., :bsz * L].reshape(4, 4, C, bsz, L))
            for a in range(2):
                gq[:bsz, :, a, :nrows[a], :OW] = g[m0:m1, :, a::2]
            _at_adj([gq[:bsz, :, a].swapaxes(0, 1) for a in range(2)], Q[:, :, :bsz])
            dMb = dM[..., :bsz * L].reshape(4, 4, O, bsz, th, tw + 1)
            for r in range(4):
                _at_adj([Q[r][:, :bsz, :, c::2] for c in range(2)], dMb[r])
            p = np.matmul(dM.reshape(16, O, -1)[..., :bsz * L], V.reshape(16, C, -1)[..., :bsz * L].transpose(0, 2, 1),
                          out=tmp)
            if acc is None:
                acc, tmp = p, np.empty_like(p)
            else:
                acc += p
        return acc

    parts = _run(work, N, nb, N * L * 16 * C * O)
    dU = parts[0]
    for p_ in parts[1:]:
        dU += p_
    # dw[o, c, i, j] = sum over (xi, nu) of G[xi, i] G[nu, j] dU[xi, nu, o, c]: the adjoint of _wino_weight
    return np.matmul(dU.reshape(16, O * C).T, _KG.astype(dt)).reshape(w_shape)


def _at_adj(d, out):
    """The adjoint of A^T's rows on two slices d: out[0..3] = d0, d0 + d1, d0 - d1, -d1."""
    np.copyto(out[0], d[0])
    np.add(d[0], d[1], out=out[1])
    np.subtract(d[0], d[1], out=out[2])
    np.negative(d[1], out=out[3])
