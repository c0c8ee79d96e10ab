"""Convolution, pooling, normalisation and resampling kernels (fused, hand-written backward).

Layout: every kernel takes and returns NCHW arrays (1-d variants are reshaped to H=1 by the
API layer). Convolutions run channels-last inside: the padded input is built as (N, Hp, Wp, C),
the im2col matrix (N*OH*OW, kh*kw*C) is one strided copy with contiguous inner rows, and one
GEMM per group does the work. The input gradient is accumulated with one GEMM per kernel
offset (kh*kw of them) into strided slices, never a loop over pixels or batch items.
Depthwise convolutions (one input channel per group) skip im2col: kh*kw broadcast
multiply-adds over the whole batch.

cfg for a convolution: (sh, sw, pt, pb, pl, pr, dh, dw, groups); osz = (OH, OW).
Pools take (kh, kw, sh, sw, pt, pb, pl, pr, dh, dw) with pb/pr already holding ceil_mode's
extra rows, and the output size.

NOTE [ Adjoint ops ]
Conv2d, ConvTranspose2d (the input-adjoint of a convolution) and ConvWeight (its weight-adjoint)
are each other's backward, so with create_graph=True the backward of any of them is recorded
as the others: double backward through convolutions works. Unfold/Fold, MaxUnpool/PlaneGather,
AvgPool2d/AvgPool2dBackward and the separable axis maps (pads, interpolation, adaptive average
pooling) pair the same way; max pooling records its gradient as a MaxUnpool2d scatter, and the
normalisations recompose their rules from differentiable Tensor ops.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._base import Op, b_matmul, b_transpose

_ndarray = np.ndarray


def _tensor_mode(g):
    return type(g) is not _ndarray


def _apply(op, inputs, *args):
    from ember._tensor_base import _apply as ap
    return ap(op, inputs, *args)


# ---- convolution core ------------------------------------------------------------------------

def _padded_cl(x, pt, pb, pl, pr):
    """x (N,C,H,W) -> zero-padded channels-last (N, H+pt+pb, W+pl+pr, C), C-contiguous."""
    N, C, H, W = x.shape
    xt = x.transpose(0, 2, 3, 1)
    if not (pt or pb or pl or pr):
        return np.ascontiguousarray(xt)
    xp = np.zeros((N, H + pt + pb, W + pl + pr, C), x.dtype)
    xp[:, pt:pt + H, pl:pl + W] = xt
    return xp


def _im2col(x, w_shape, cfg, osz):
    """Channels-last im2col: (G, N*OH*OW, kh*kw*Cg), or (N*OH*OW, kh*kw*C) when groups == 1."""
    sh, sw, pt, pb, pl, pr, dh, dw, G = cfg
    OH, OW = osz
    kh, kw = w_shape[2], w_shape[3]
    N, C = x.shape[0], x.shape[1]
    xp = _padded_cl(x, pt, pb, pl, pr)
    s0, s1, s2, s3 = xp.strides
    if G == 1:
        win = as_strided(xp, (N, OH, OW, kh, kw, C), (s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3))
        return win.reshape(N * OH * OW, kh * kw * C)
    Cg = C // G
    win = as_strided(xp, (G, N, OH, OW, kh, kw, Cg), (s3 * Cg, s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3))
    return win.reshape(G, N * OH * OW, kh * kw * Cg)


def _wmat(w, G):
    """Weight (O, Cg, kh, kw) as the GEMM right operand: (kh*kw*Cg, O), or (G, kh*kw*Cg, Og)."""
    O, Cg, kh, kw = w.shape
    if G == 1:
        return w.transpose(2, 3, 1, 0).reshape(kh * kw * Cg, O)
    return w.reshape(G, O // G, Cg, kh, kw).transpose(0, 3, 4, 2, 1).reshape(G, kh * kw * Cg, O // G)


def _g_rows(g, G):
    """Output gradient (N, O, OH, OW) as GEMM rows: (N*OH*OW, O), or (G, N*OH*OW, Og)."""
    N, O, OH, OW = g.shape
    if G == 1:
        return g.transpose(0, 2, 3, 1).reshape(N * OH * OW, O)
    return g.reshape(N, G, O // G, OH, OW).transpose(1, 0, 3, 4, 2).reshape(G, N * OH * OW, O // G)


def _rows_to_nchw(r, N, OH, OW, G):
    if G == 1:
        return np.ascontiguousarray(r.reshape(N, OH, OW, -1).transpose(0, 3, 1, 2))
    Og = r.shape[2]
    return np.ascontiguousarray(r.reshape(G, N, OH, OW, Og).transpose(1, 0, 4, 2, 3)).reshape(N, G * Og, OH, OW)


def _depthwise(w_shape, G):
    # one input channel per group: kh*kw broadcast multiply-adds beat G tiny GEMMs by far
    return G > 1 and w_shape[1] == 1


def _dw_slices(cfg, osz, kh, kw):
    sh, sw, pt, pb, pl, pr, dh, dw, G = cfg
    he, we = sh * (osz[0] - 1) + 1, sw * (osz[1] - 1) + 1
    return [(i, j, slice(i * dh, i * dh + he, sh), slice(j * dw, j * dw + we, sw))
            for i in range(kh) for j in range(kw)]


def _dw_padded(x, cfg):
    sh, sw, pt, pb, pl, pr, dh, dw, G = cfg
    N, C, H, W = x.shape
    if not (pt or pb or pl or pr):
        return x
    xp = np.zeros((N, C, H + pt + pb, W + pl + pr), x.dtype)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    return xp


def _dw_forward(x, w, cfg, osz, b):
    """Depthwise (Cg == 1) convolution; `cols` is the padded input."""
    G = cfg[8]
    N = x.shape[0]
    O, _, kh, kw = w.shape
    xp = _dw_padded(x, cfg)
    w5 = w.reshape(1, G, O // G, kh, kw)
    out = np.zeros((N, G, O // G) + tuple(osz), np.result_type(x.dtype, w.dtype))
    for i, j, a, c in _dw_slices(cfg, osz, kh, kw):
        out += xp[:, :, None, a, c] * w5[:, :, :, i, j, None, None]
    out = out.reshape(N, O, osz[0], osz[1])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out, xp


def _dw_weight_grad(xp, g, cfg, w_shape):
    G = cfg[8]
    O, _, kh, kw = w_shape
    N = g.shape[0]
    g5 = g.reshape(N, G, O // G, g.shape[2], g.shape[3])
    gw = np.empty((G, O // G, kh, kw), g.dtype)
    for i, j, a, c in _dw_slices(cfg, g.shape[2:], kh, kw):
        gw[:, :, i, j] = np.einsum("ngohw,nghw->go", g5, xp[:, :, a, c])
    return gw.reshape(w_shape)


def _dw_input_grad(g, w, cfg, x_shape):
    sh, sw, pt, pb, pl, pr, dh, dw, G = cfg
    N, C, H, W = x_shape
    O, _, kh, kw = w.shape
    g5 = g.reshape(N, G, O // G, g.shape[2], g.shape[3])
    w5 = w.reshape(1, G, O // G, kh, kw)
    gxp = np.zeros((N, C, H + pt + pb, W + pl + pr), np.result_type(g.dtype, w.dtype))
    for i, j, a, c in _dw_slices(cfg, g.shape[2:], kh, kw):
        t = g5 * w5[:, :, :, i, j, None, None]
        gxp[:, :, a, c] += t.sum(2) if O != G else t[:, :, 0]
    return gxp[:, :, pt:pt + H, pl:pl + W] if (pt or pb or pl or pr) else gxp


# NOTE [ im2col memory ]
# The im2col matrix is kh*kw times the input. Up to _COLS_LIMIT bytes it is built once and kept for
# the weight gradient; above, the batch is processed in chunks of that size and the weight gradient
# rebuilds each chunk's columns (bounded memory instead of gigabytes on large images).
_COLS_LIMIT = 1 << 27


def _batch_chunk(x_shape, w_shape, osz, itemsize):
    per_sample = osz[0] * osz[1] * w_shape[1] * w_shape[2] * w_shape[3] * itemsize
    if per_sample * x_shape[0] <= _COLS_LIMIT:
        return 0
    return max(1, _COLS_LIMIT // max(per_sample, 1))


def conv_forward(x, w, cfg, osz, b=None):
    """(output, cols): cols is what conv_weight_grad needs (None when chunked: it rebuilds them)."""
    G = cfg[8]
    if _depthwise(w.shape, G):
        return _dw_forward(x, w, cfg, osz, b)
    N = x.shape[0]
    chunk = _batch_chunk(x.shape, w.shape, osz, x.itemsize)
    if chunk:
        out = np.empty((N, w.shape[0]) + tuple(osz), np.result_type(x.dtype, w.dtype))
        for n in range(0, N, chunk):
            out[n:n + chunk] = _conv_rows(x[n:n + chunk], w, cfg, osz, b)[0]
        return out, None
    return _conv_rows(x, w, cfg, osz, b)


def _conv_rows(x, w, cfg, osz, b):
    G = cfg[8]
    cols = _im2col(x, w.shape, cfg, osz)
    r = np.matmul(cols, _wmat(w, G))
    if b is not None:
        if G == 1:
            r += b
        else:
            r += b.reshape(G, 1, -1)
    return _rows_to_nchw(r, x.shape[0], osz[0], osz[1], G), cols


def conv_weight_grad(cols, g, cfg, w_shape, x=None):
    """Gradient of the weight from the im2col matrix (or, when cols is None, from x in batch
    chunks) and the output gradient."""
    G = cfg[8]
    if _depthwise(w_shape, G):
        return _dw_weight_grad(cols if cols is not None else _dw_padded(x, cfg), g, cfg, w_shape)
    osz = (g.shape[2], g.shape[3])
    if cols is None:
        chunk = _batch_chunk(x.shape, w_shape, osz, x.itemsize) or x.shape[0]
        gw = None
        for n in range(0, x.shape[0], chunk):
            part = _weight_grad_cols(_im2col(x[n:n + chunk], w_shape, cfg, osz), g[n:n + chunk], G, w_shape)
            gw = part if gw is None else gw + part
        return gw
    return _weight_grad_cols(cols, g, G, w_shape)


def _weight_grad_cols(cols, g, G, w_shape):
    O, Cg, kh, kw = w_shape
    N, _, OH, OW = g.shape
    # NOTE: a C-contiguous (O, N*OH*OW) left operand; numpy's matmul on a transposed view is ~3x slower here
    if G == 1:
        g2t = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(O, N * OH * OW)
        gw = np.matmul(g2t, cols)                        # (O, kh*kw*C)
        return np.ascontiguousarray(gw.reshape(O, kh, kw, Cg).transpose(0, 3, 1, 2))
    g2t = np.ascontiguousarray(g.reshape(N, G, O // G, OH, OW).transpose(1, 2, 0, 3, 4)).reshape(G, O // G, -1)
    gw = np.matmul(g2t, cols)                            # (G, Og, kh*kw*Cg)
    return np.ascontiguousarray(gw.reshape(G, O // G, kh, kw, Cg).transpose(0, 1, 4, 2, 3)).reshape(w_shape)


def conv_input_grad(g, w, cfg, x_shape):
    """The input-adjoint of a convolution (= transposed convolution): one GEMM per kernel offset."""
    sh, sw, pt, pb, pl, pr, dh, dw, G = cfg
    if _depthwise(w.shape, G):
        return _dw_input_grad(g, w, cfg, x_shape)
    N, C, H, W = x_shape
    O, Cg, kh, kw = w.shape
    OH, OW = g.shape[2], g.shape[3]
    g2 = _g_rows(g, G)
    gxp = np.zeros((N, H + pt + pb, W + pl + pr, C), np.result_type(g.dtype, w.dtype))
    if G == 1:
        wt = np.ascontiguousarray(w.transpose(2, 3, 0, 1))                     # (kh, kw, O, C)
    else:
        wt = np.ascontiguousarray(w.reshape(G, O // G, Cg, kh, kw).transpose(3, 4, 0, 1, 2))   # (kh, kw, G, Og, Cg)
        gx5 = gxp.reshape(N, H + pt + pb, W + pl + pr, G, Cg)
    he, we = sh * (OH - 1) + 1, sw * (OW - 1) + 1
    for i in range(kh):
        for j in range(kw):
            r = np.matmul(g2, wt[i, j])
            hs, ws = i * dh, j * dw
            if G == 1:
                gxp[:, hs:hs + he:sh, ws:ws + we:sw] += r.reshape(N, OH, OW, C)
            else:
                gx5[:, hs:hs + he:sh, ws:ws + we:sw] += r.reshape(G, N, OH, OW, Cg).transpose(1, 2, 3, 0, 4)
    # NOTE: hand back torch's (contiguous NCHW) layout: a channels-last gradient makes every
    # following elementwise backward (relu's g * mask) several times slower
    return np.ascontiguousarray(gxp[:, pt:pt + H, pl:pl + W].transpose(0, 3, 1, 2))


def _bias_grad(g):
    return g.sum((0, 2, 3)) if type(g) is _ndarray else g.sum(dim=(0, 2, 3))


class Conv2d(Op):
    """y = conv(x, w): inputs (x, w) or (x, w, b)."""
    saves = ("x0", "x1", "c", "c", "c")
    bw_name = "ConvolutionBackward0"

    @staticmethod
    def forward(*args):
        if len(args) == 5:
            x, w, b, cfg, osz = args
        else:
            (x, w, cfg, osz), b = args, None
        out, cols = conv_forward(x, w, cfg, osz, b)
        return out, (x, w, cols, cfg, b is not None)

    @staticmethod
    def backward(saved, g, needs):
        x, w, cols, cfg, has_b = saved
        if _tensor_mode(g):
            gx = _apply(ConvTranspose2d, (g, w), cfg, tuple(x.shape)) if needs[0] else None
            gw = _apply(ConvWeight, (x, g), cfg, tuple(w.shape)) if needs[1] else None
        else:
            gx = conv_input_grad(g, w, cfg, x.shape) if needs[0] else None
            gw = conv_weight_grad(cols, g, cfg, w.shape, x) if needs[1] else None
        if has_b:
            return gx, gw, (_bias_grad(g) if needs[2] else None)
        return gx, gw


class ConvTranspose2d(Op):
    """y = conv_input_grad(x, w) of shape out_shape: inputs (x, w) or (x, w, b)."""
    saves = ("x0", "x1", "c", "c")
    bw_name = "ConvolutionBackward0"

    @staticmethod
    def forward(*args):
        if len(args) == 5:
            x, w, b, cfg, out_shape = args
        else:
            (x, w, cfg, out_shape), b = args, None
        if 0 in out_shape[2:]:
            return np.zeros(out_shape, x.dtype), (x, w, cfg, b is not None)
        out = conv_input_grad(x, w, cfg, out_shape)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out, (x, w, cfg, b is not None)

    @staticmethod
    def backward(saved, g, needs):
        x, w, cfg, has_b = saved
        osz = (x.shape[2], x.shape[3])
        if g.shape[2] * g.shape[3] == 0:     # empty output: nothing flows back
            z = (x * 0 if needs[0] else None, w * 0 if needs[1] else None)
            return z + ((g.sum((0, 2, 3)) if needs[2] else None,) if has_b else ())
        if _tensor_mode(g):
            gx = _apply(Conv2d, (g, w), cfg, osz) if needs[0] else None
            gw = _apply(ConvWeight, (g, x), cfg, tuple(w.shape)) if needs[1] else None
        else:
            gx = gw = None
            if needs[0] or needs[1]:
                gx, cols = conv_forward(g, w, cfg, osz)
                if not needs[0]:
                    gx = None
                if needs[1]:
                    gw = conv_weight_grad(cols, x, cfg, w.shape, g)
        if has_b:
            return gx, gw, (_bias_grad(g) if needs[2] else None)
        return gx, gw


class ConvWeight(Op):
    """gw = the weight-adjoint of conv(x, .) applied to g; used only by double backward."""
    saves = ("x0", "x1", "c")
    bw_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(x, g, cfg, w_shape):
        return conv_weight_grad(None, g, cfg, w_shape, x), (x, g, cfg)

    @staticmethod
    def backward(saved, c, needs):
        x, g, cfg = saved
        osz = (g.shape[2], g.shape[3])
        if _tensor_mode(c):
            return (_apply(ConvTranspose2d, (g, c), cfg, tuple(x.shape)) if needs[0] else None,
                    _apply(Conv2d, (x, c), cfg, osz) if needs[1] else None)
        return (conv_input_grad(g, c, cfg, x.shape) if needs[0] else None,
                conv_forward(x, c, cfg, osz)[0] if needs[1] else None)


# ---- pooling ---------------------------------------------------------------------------------

def _like_layout(shape, like, fill):
    """An array of NCHW `shape` filled with `fill` (uninitialised for None), channels-last in memory
    if `like` is."""
    make = np.empty if fill is None else (np.zeros if fill == 0 else lambda s, d: np.full(s, fill, d))
    if like.ndim == 4 and not like.flags.c_contiguous and like.transpose(0, 2, 3, 1).flags.c_contiguous:
        N, C, H, W = shape
        return make((N, H, W, C), like.dtype).transpose(0, 3, 1, 2)
    return make(shape, like.dtype)


def _pad_fill(x, pt, pb, pl, pr, fill):
    if not (pt or pb or pl or pr):
        return x
    N, C, H, W = x.shape
    xp = _like_layout((N, C, H + pt + pb, W + pl + pr), x, fill)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    return xp


def _offsets(cfg, osz):
    """(slice_h, slice_w) of the padded input seen by each kernel offset, in row-major order."""
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    OH, OW = osz
    he, we = sh * (OH - 1) + 1, sw * (OW - 1) + 1
    return [(slice(i * dh, i * dh + he, sh), slice(j * dw, j * dw + we, sw))
            for i in range(kh) for j in range(kw)]


def _lowest(dt):
    return -np.inf if dt.kind == "f" else (np.iinfo(dt).min if dt.kind in "iu" else False)


def max_pool_forward(x, cfg, osz, with_indices=False):
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    xp = _pad_fill(x, pt, pb, pl, pr, _lowest(x.dtype))
    offs = _offsets(cfg, osz)
    out = idx = None
    for k, (a, b) in enumerate(offs):
        v = xp[:, :, a, b]
        if out is None:
            out = v.copy()
            if with_indices:
                idx = np.zeros(out.shape, np.int64)
        elif with_indices:
            upd = (v > out) | (v != v)
            np.copyto(out, v, where=upd)
            np.copyto(idx, k, where=upd)
        else:
            np.maximum(out, v, out=out)
    if not with_indices:
        return out, None
    # window offset k -> flat index into the (unpadded) input plane
    W = x.shape[3]
    ki, kj = np.divmod(idx, kw)
    OH, OW = osz
    rows = np.arange(OH).reshape(-1, 1) * sh - pt + ki * dh
    cols = np.arange(OW) * sw - pl + kj * dw
    return out, rows * W + cols


def max_pool_backward(x, out, g, cfg, osz):
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    xp = _pad_fill(x, pt, pb, pl, pr, _lowest(x.dtype))
    disjoint = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1
    # windows that tile the padded input exactly write every element: no zero fill needed
    tiles = (disjoint and dh == 1 and dw == 1 and sh == kh and sw == kw
             and osz[0] * sh == xp.shape[2] and osz[1] * sw == xp.shape[3])
    gxp = _like_layout(xp.shape, g, None if tiles else 0)
    nan = np.isnan(out).any() if out.dtype.kind == "f" else False
    taken = None
    offs = _offsets(cfg, osz)
    last = len(offs) - 1
    for k, (a, b) in enumerate(offs):
        v = xp[:, :, a, b]
        m = v == out
        if nan:
            m |= (v != v) & (out != out)
        if taken is None:
            taken = m
        else:
            np.greater(m, taken, out=m)          # m & ~taken, in place
            if k < last:
                taken |= m
        if disjoint:
            np.multiply(g, m, out=gxp[:, :, a, b])
        else:
            gxp[:, :, a, b] += g * m
    H, W = x.shape[2], x.shape[3]
    return gxp[:, :, pt:pt + H, pl:pl + W]


class MaxPool2d(Op):
    saves = ("x0", "out", "c", "c")
    bw_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(x, cfg, osz):
        out, _ = max_pool_forward(x, cfg, osz)
        return out, (x, out, cfg, osz)

    @staticmethod
    def backward(saved, g, needs):
        x, out, cfg, osz = saved
        if _tensor_mode(g):
            # the rule is a scatter of g to the argmax positions: record it as MaxUnpool2d
            xa = x._data if hasattr(x, "_data") else x
            idx = max_pool_forward(xa, cfg, osz, with_indices=True)[1]
            return (_apply(MaxUnpool2d, (g,), idx, tuple(xa.shape)),)
        return (max_pool_backward(x, out, g, cfg, osz),)


def avg_divisor(H, W, cfg, osz, count_include_pad, divisor_override):
    """Per-output divisor: a float, or an (OH, OW) array where windows differ (torch's rules:
    padding counts when count_include_pad, ceil_mode's overflow never does)."""
    if divisor_override:
        return float(divisor_override)
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg

    def counts(no, k, s, p, n):
        start = np.arange(no) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            return end - start
        return np.minimum(end, n) - np.maximum(start, 0)

    d = counts(osz[0], kh, sh, pt, H)[:, None] * counts(osz[1], kw, sw, pl, W)[None, :]
    if (d == kh * kw).all():
        return float(kh * kw)
    return d.astype(np.float64)


def avg_pool_forward(x, cfg, osz, div):
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    xp = _pad_fill(x, pt, pb, pl, pr, 0)
    out = None
    for a, b in _offsets(cfg, osz):
        v = xp[:, :, a, b]
        if out is None:
            out = v.copy()
        else:
            out += v
    if out.dtype.kind != "f":       # integer pooling truncates like torch's integer division
        return np.trunc(out / div).astype(out.dtype)
    if type(div) is float:
        out *= np.asarray(1.0 / div, out.dtype)
    else:
        out /= div.astype(out.dtype)
    return out


def avg_pool_backward(g, x_shape, cfg, osz, div):
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    N, C, H, W = x_shape
    gd = g * np.asarray(1.0 / div, g.dtype) if type(div) is float else g / div.astype(g.dtype)
    disjoint = sh >= kh and sw >= kw
    tiles = sh == kh and sw == kw and osz[0] * sh == H + pt + pb and osz[1] * sw == W + pl + pr
    gxp = _like_layout((N, C, H + pt + pb, W + pl + pr), g, None if tiles else 0)
    for a, b in _offsets(cfg, osz):
        if disjoint:
            gxp[:, :, a, b] = gd
        else:
            gxp[:, :, a, b] += gd
    return gxp[:, :, pt:pt + H, pl:pl + W]


class AvgPool2d(Op):
    saves = ("c", "c", "c", "c")
    bw_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(x, cfg, osz, div):
        return avg_pool_forward(x, cfg, osz, div), (x.shape, cfg, osz, div)

    @staticmethod
    def backward(saved, g, needs):
        x_shape, cfg, osz, div = saved
        if _tensor_mode(g):
            return (_apply(AvgPool2dBackward, (g,), x_shape, cfg, osz, div),)
        return (avg_pool_backward(g, x_shape, cfg, osz, div),)


class AvgPool2dBackward(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(g, x_shape, cfg, osz, div):
        return np.ascontiguousarray(avg_pool_backward(g, x_shape, cfg, osz, div)), (cfg, osz, div)

    @staticmethod
    def backward(saved, c, needs):
        cfg, osz, div = saved
        if _tensor_mode(c):
            return (_apply(AvgPool2d, (c,), cfg, osz, div),)
        return (avg_pool_forward(c, cfg, osz, div),)


class AdaptiveMaxPool2d(Op):
    """Variable windows gathered through index arrays (a window is padded by repeating its last
    element, which cannot change a max); the gradient is scattered by flat index."""
    saves = ("c", "c")
    bw_name = "AdaptiveMaxPool2DBackward0"

    @staticmethod
    def forward(x, osz):
        out, idx = adaptive_max_pool(x, osz)
        return out, (x.shape, idx)

    @staticmethod
    def backward(saved, g, needs):
        shape, idx = saved
        if _tensor_mode(g):
            return (_apply(MaxUnpool2d, (g,), idx, tuple(shape)),)
        return (MaxUnpool2d.forward(g, idx, tuple(shape))[0],)


def _adaptive_windows(n, o):
    i = np.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    k = int((end - start).max())
    win = np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)
    return win, k


def adaptive_max_pool(x, osz):
    N, C, H, W = x.shape
    OH, OW = osz
    wh, kh = _adaptive_windows(H, OH)
    ww, kw = _adaptive_windows(W, OW)
    flat = (wh[:, None, :, None] * W + ww[None, :, None, :]).reshape(OH, OW, kh * kw)
    v = x.reshape(N, C, H * W)[:, :, flat]                  # (N, C, OH, OW, kh*kw)
    a = np.argmax(v, axis=-1)[..., None]
    if v.dtype.kind == "f":
        nanpos = np.isnan(v)
        if nanpos.any():
            a = np.where(nanpos.any(-1, keepdims=True), np.argmax(nanpos, axis=-1)[..., None], a)
    out = np.take_along_axis(v, a, -1)[..., 0]
    idx = np.take_along_axis(np.broadcast_to(flat, v.shape), a, -1)[..., 0]
    return out, idx


class MaxUnpool2d(Op):
    """Scatter-add of x into zeros of out_shape at flat plane indices idx (also the max pools'
    gradient scatter). Duplicate indices accumulate."""
    saves = ("c",)
    bw_name = "MaxUnpool2DBackward0"

    @staticmethod
    def forward(x, idx, out_shape):
        N, C = x.shape[0], x.shape[1]
        plane = int(np.prod(out_shape[2:]))
        out = np.zeros((N * C * plane,), x.dtype)
        base = (np.arange(N * C, dtype=np.int64) * plane).reshape((N, C) + (1,) * (idx.ndim - 2))
        np.add.at(out, (idx + base).ravel(), x.ravel())
        return out.reshape(out_shape), (idx,)

    @staticmethod
    def backward(saved, g, needs):
        (idx,) = saved
        if _tensor_mode(g):
            return (_apply(PlaneGather, (g,), idx),)
        return (PlaneGather.forward(g, idx)[0],)


class PlaneGather(Op):
    """out[n, c, ...] = x[n, c].flat[idx[n, c, ...]] (the adjoint of MaxUnpool2d)."""
    saves = ("c", "c")

    @staticmethod
    def forward(x, idx):
        N, C = x.shape[0], x.shape[1]
        f = x.reshape(N, C, -1)
        out = np.take_along_axis(f, idx.reshape(N, C, -1), 2).reshape(idx.shape)
        return out, (idx, x.shape)

    @staticmethod
    def backward(saved, g, needs):
        idx, shape = saved
        if _tensor_mode(g):
            return (_apply(MaxUnpool2d, (g,), idx, tuple(shape)),)
        return (MaxUnpool2d.forward(g, idx, tuple(shape))[0],)


# ---- unfold / fold (public im2col) -----------------------------------------------------------

def unfold_forward(x, cfg, osz):
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    xp = _pad_fill(x, pt, pb, pl, pr, 0)
    xp = np.ascontiguousarray(xp)
    N, C = x.shape[0], x.shape[1]
    OH, OW = osz
    s0, s1, s2, s3 = xp.strides
    win = as_strided(xp, (N, C, kh, kw, OH, OW), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw))
    return win.reshape(N, C * kh * kw, OH * OW)


def fold_forward(cols, cfg, osz, out_hw):
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = cfg
    N = cols.shape[0]
    C = cols.shape[1] // (kh * kw)
    H, W = out_hw
    OH, OW = osz
    c6 = cols.reshape(N, C, kh, kw, OH, OW)
    out = np.zeros((N, C, H + pt + pb, W + pl + pr), cols.dtype)
    for k, (a, b) in enumerate(_offsets(cfg, osz)):
        out[:, :, a, b] += c6[:, :, k // kw, k % kw]
    return out[:, :, pt:pt + H, pl:pl + W]


class Im2col(Op):
    saves = ("c", "c", "c")
    bw_name = "Im2ColBackward0"

    @staticmethod
    def forward(x, cfg, osz):
        return unfold_forward(x, cfg, osz), (cfg, osz, (x.shape[2], x.shape[3]))

    @staticmethod
    def backward(saved, g, needs):
        cfg, osz, hw = saved
        if _tensor_mode(g):
            return (_apply(Fold, (g,), cfg, osz, hw),)
        return (fold_forward(g, cfg, osz, hw),)


class Fold(Op):
    saves = ("c", "c")
    bw_name = "Col2ImBackward0"

    @staticmethod
    def forward(cols, cfg, osz, out_hw):
        return np.ascontiguousarray(fold_forward(cols, cfg, osz, out_hw)), (cfg, osz)

    @staticmethod
    def backward(saved, g, needs):
        cfg, osz = saved
        if _tensor_mode(g):
            return (_apply(Unfold, (g,), cfg, osz),)
        return (unfold_forward(g, cfg, osz),)


# ---- normalisation ---------------------------------------------------------------------------

def _chan_shape(ndim):
    return (1, -1) + (1,) * (ndim - 2)


def batch_stats(x):
    """Per-channel mean and biased variance of (N, C, *) over every axis but 1."""
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(axes)
    xc = x - mean.reshape(_chan_shape(x.ndim))
    x3 = xc.reshape(x.shape[0], x.shape[1], -1)
    var = np.einsum("ncl,ncl->c", x3, x3) / (x.size // x.shape[1])
    return mean, var.astype(x.dtype, copy=False)


def _norm_grad_tensor(x, g, w, view, axes, eps, stats):
    """create_graph form of the normalisation rules, composed of differentiable Tensor ops.

    x is viewed as `view`; statistics over `axes` of that view, recomputed from x when `stats`
    is None (so second derivatives see them), else the constants (mean, invstd) in the view's
    broadcast shape. w (or None) multiplies in x's own shape."""
    gh = g * w if w is not None else g
    xv = x.reshape(view)
    ghv = gh.reshape(view)
    if stats is None:
        mean = xv.mean(dim=axes, keepdim=True)
        xc = xv - mean
        invstd = ((xc * xc).mean(dim=axes, keepdim=True) + eps).rsqrt()
        xhat = xc * invstd
        gx = (ghv - ghv.mean(dim=axes, keepdim=True) - xhat * (ghv * xhat).mean(dim=axes, keepdim=True)) * invstd
    else:
        mean, invstd = stats
        xhat = (xv - mean) * invstd
        gx = ghv * invstd
    return gx.reshape(tuple(x.shape)), xhat.reshape(tuple(x.shape))


class BatchNorm(Op):
    """y = (x - mean) * invstd * w + b with per-channel constants mean/invstd (batch statistics in
    training, where the gradient flows through them; running statistics in eval)."""
    saves = ("x0", "x1", "c", "c", "c", "c")
    bw_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(x, w, b, mean, invstd, training, eps):
        cs = _chan_shape(x.ndim)
        scale = (w * invstd).astype(x.dtype, copy=False)
        shift = (b - mean * scale).astype(x.dtype, copy=False)
        out = x * scale.reshape(cs)
        out += shift.reshape(cs)
        return out, (x, w, mean, invstd, training, eps)

    @staticmethod
    def backward(saved, g, needs):
        x, w, mean, invstd, training, eps = saved
        cs = _chan_shape(x.ndim)
        axes = (0,) + tuple(range(2, x.ndim))
        if _tensor_mode(g):
            stats = None if training else (mean.reshape(cs), invstd.reshape(cs))
            gx, xhat = _norm_grad_tensor(x, g, w.reshape(cs), tuple(x.shape), axes, eps, stats)
            return (gx if needs[0] else None, (g * xhat).sum(dim=axes) if needs[1] else None,
                    g.sum(dim=axes) if needs[2] else None)
        M = x.size // x.shape[1]
        gb = g.sum(axes)
        xc = x - mean.reshape(cs)
        N, C = x.shape[0], x.shape[1]
        sgx = np.einsum("ncl,ncl->c", g.reshape(N, C, -1), xc.reshape(N, C, -1))    # sum g*(x-mean)
        gw = sgx * invstd if needs[1] else None
        gx = None
        if needs[0]:
            scale = w * invstd
            gx = g * scale.reshape(cs)
            if training:
                gx -= (scale * gb / M).reshape(cs)
                xc *= (scale * invstd * invstd * sgx / M).reshape(cs)
                gx -= xc
        return gx, gw, (gb if needs[2] else None)


def _rowdot(a, b):
    """Sum over the last axis of a*b (keepdims), without materialising the product."""
    return np.einsum("...k,...k->...", a, b)[..., None]


def _norm_grad(gh, xhat, invstd, n):
    """Gradient through xhat = (x - mean) * invstd, statistics over the LAST axis (n elements).
    Overwrites gh (a fresh array)."""
    m1 = gh.sum(-1, keepdims=True) / n
    m2 = _rowdot(gh, xhat) / n
    gh -= m1
    t = xhat * m2
    gh -= t
    gh *= invstd
    return gh


def _moments_last(xr, eps):
    """Centered x, and 1/sqrt(var + eps), over the last axis."""
    n = xr.shape[-1]
    xc = xr - xr.mean(-1, keepdims=True)
    var = _rowdot(xc, xc) / n
    return xc, (1.0 / np.sqrt(var + eps)).astype(xr.dtype, copy=False)


class LayerNorm(Op):
    """Normalise over the last k dims; inputs (x), (x, w) or (x, w, b)."""
    saves = ("x0", "c", "c", "x1", "c")
    bw_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(*args):
        *arrays, k, eps = args
        x = arrays[0]
        axes = tuple(range(x.ndim - k, x.ndim))
        lead = x.shape[:x.ndim - k]
        xr = x.reshape(lead + (-1,))
        xhat, invstd = _moments_last(xr, eps)
        xhat *= invstd
        xhat = xhat.reshape(x.shape)
        if len(arrays) > 1:
            out = xhat * arrays[1]
            if len(arrays) > 2:
                out += arrays[2]
        else:
            out = xhat.copy()
        return out, (x, xhat, invstd, arrays[1] if len(arrays) > 1 else None, (len(arrays), axes, eps))

    @staticmethod
    def backward(saved, g, needs):
        x, xhat, invstd, w, (n_in, axes, eps) = saved
        lead = tuple(range(x.ndim - len(axes)))
        res = [None] * n_in
        if _tensor_mode(g):
            gx, xh = _norm_grad_tensor(x, g, w, tuple(x.shape), axes, eps, None)
            res[0] = gx if needs[0] else None
            if n_in > 1 and needs[1]:
                res[1] = (g * xh).sum(dim=lead) if lead else g * xh
            if n_in > 2 and needs[2]:
                res[2] = g.sum(dim=lead) if lead else g
            return tuple(res)
        lshape = x.shape[:len(lead)]
        if needs[0]:
            gh = g * w if w is not None else g.copy()
            n = x.size // max(1, int(np.prod(lshape)))
            res[0] = _norm_grad(gh.reshape(lshape + (-1,)), xhat.reshape(lshape + (-1,)), invstd, n).reshape(x.shape)
        if n_in > 1 and needs[1]:
            m = int(np.prod(lshape))
            res[1] = np.einsum("nk,nk->k", g.reshape(m, -1), xhat.reshape(m, -1)).reshape(w.shape)
        if n_in > 2 and needs[2]:
            res[2] = g.sum(lead)
        return tuple(res)


class GroupNorm(Op):
    """x (N, C, *) normalised per (sample, group); per-channel affine. Inputs (x) or (x, w, b)."""
    saves = ("x0", "c", "c", "x1", "c")
    bw_name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(*args):
        *arrays, G, eps = args
        x = arrays[0]
        N = x.shape[0]
        xhat, invstd = _moments_last(x.reshape(N, G, -1), eps)
        xhat *= invstd
        xhat = xhat.reshape(x.shape)
        w = None
        if len(arrays) > 1:
            cs = _chan_shape(x.ndim)
            out = xhat * arrays[1].reshape(cs)
            out += arrays[2].reshape(cs)
            w = arrays[1]
        else:
            out = xhat.copy()
        return out, (x, xhat, invstd, w, (G, eps))

    @staticmethod
    def backward(saved, g, needs):
        x, xhat, invstd, w, (G, eps) = saved
        N = x.shape[0]
        cs = _chan_shape(x.ndim)
        axes = (0,) + tuple(range(2, x.ndim))
        if _tensor_mode(g):
            wb = w.reshape(cs) if w is not None else None
            gx, xh = _norm_grad_tensor(x, g, wb, (N, G, -1), (2,), eps, None)
            if w is None:
                return (gx if needs[0] else None,)
            return (gx if needs[0] else None, (g * xh).sum(dim=axes) if needs[1] else None,
                    g.sum(dim=axes) if needs[2] else None)
        gx = None
        if needs[0]:
            gh = (g * w.reshape(cs) if w is not None else g.copy()).reshape(N, G, -1)
            xr = xhat.reshape(N, G, -1)
            gx = _norm_grad(gh, xr, invstd, xr.shape[2]).reshape(x.shape)
        if w is None:
            return (gx,)
        C = x.shape[1]
        gw = np.einsum("ncl,ncl->c", g.reshape(N, C, -1), xhat.reshape(N, C, -1)) if needs[1] else None
        return (gx, gw, g.sum(axes) if needs[2] else None)


# ---- padding and separable resampling --------------------------------------------------------

def _crop_pad_slices(shape, pads):
    """pads: ((lo, hi), ...) for the last len(pads) dims; negative values crop."""
    lead = len(shape) - len(pads)
    src, dst, out_shape = [slice(None)] * lead, [slice(None)] * lead, list(shape[:lead])
    for (lo, hi), n in zip(pads, shape[lead:]):
        m = n + lo + hi
        out_shape.append(m)
        src.append(slice(max(-lo, 0), n - max(-hi, 0)))
        dst.append(slice(max(lo, 0), m - max(hi, 0)))
    return tuple(src), tuple(dst), tuple(out_shape)


class PadConstant(Op):
    saves = ("c",)
    bw_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(x, pads, value):
        src, dst, shape = _crop_pad_slices(x.shape, pads)
        out = np.full(shape, value, x.dtype)
        out[dst] = x[src]
        return out, (pads,)

    @staticmethod
    def backward(saved, g, needs):
        neg = tuple((-lo, -hi) for lo, hi in saved[0])
        if _tensor_mode(g):
            from ember._tensor_base import _unary
            return (_unary(PadConstant, g, neg, 0),)
        return (PadConstant.forward(g, neg, 0)[0],)


def _apply_map(x, axis, m):
    """Apply along `axis` either an index map (ints: gather) or a matrix (out, in)."""
    if m.dtype.kind == "i":
        return np.take(x, m, axis=axis)
    xm = np.moveaxis(x, axis, -1)
    return np.moveaxis(np.matmul(xm, m.T.astype(x.dtype, copy=False)), -1, axis)


def _map_matrix(m, n):
    if m.dtype.kind != "i":
        return m
    p = np.zeros((m.shape[0], n), np.float64)
    p[np.arange(m.shape[0]), m] = 1
    return p


class AxisMaps(Op):
    """Separable linear resampling: along each listed axis, gather by index (pads by reflection,
    replication or wrapping; nearest interpolation) or multiply by a small matrix (linear
    interpolation, adaptive average pooling). The gradient applies the transposes."""
    saves = ("c", "c")
    bw_name = "UpsampleBackward0"

    @staticmethod
    def forward(x, maps):
        out = x
        for axis, m in maps:
            out = _apply_map(out, axis, m)
        return np.ascontiguousarray(out), (maps, x.shape)

    @staticmethod
    def backward(saved, g, needs):
        maps, shape = saved
        for axis, m in reversed(maps):
            mt = _map_matrix(m, shape[axis])
            if _tensor_mode(g):
                nd = g.ndim
                perm = list(range(nd))
                perm[axis], perm[-1] = perm[-1], perm[axis]
                perm = tuple(perm)
                g = b_transpose(b_matmul(b_transpose(g, perm), mt.astype(g._data.dtype)), perm)
            else:
                g = np.moveaxis(np.matmul(np.moveaxis(g, axis, -1), mt.astype(g.dtype, copy=False)), -1, axis)
        return (g,)


def pad_index(n, lo, hi, mode):
    """Source index of each output position along one axis for reflect/replicate/circular pads."""
    i = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return np.mod(i, n)
    # reflect (edge not repeated); pads are < n, so one fold suffices
    i = np.abs(i)
    return np.where(i > n - 1, 2 * (n - 1) - i, i)


def interp_map(n_in, n_out, mode, align_corners, scale):
    """Index map (nearest) or (n_out, n_in) weight matrix (linear) for one axis; `scale` is the
    user's scale_factor when it sets the sampling step, else None."""
    o = np.arange(n_out, dtype=np.float32)
    if mode == "nearest" and n_out == 2 * n_in:     # torch's shortcut, whatever the scale
        return np.arange(n_out) // 2
    if mode in ("nearest", "nearest-exact"):
        step = np.float32(1.0 / scale) if scale else np.float32(n_in / n_out)
        src = np.floor((o + 0.5) * step) if mode == "nearest-exact" else np.floor(o * step)
        return np.minimum(src.astype(np.int64), n_in - 1)
    if mode == "cubic":
        return _cubic_matrix(n_in, n_out, align_corners, scale)
    if align_corners:
        src = o * np.float32((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros_like(o)
    else:
        step = np.float32(1.0 / scale) if scale else np.float32(n_in / n_out)
        src = np.maximum((o + np.float32(0.5)) * step - np.float32(0.5), np.float32(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = (src - i0).astype(np.float64)
    m = np.zeros((n_out, n_in), np.float64)
    r = np.arange(n_out)
    np.add.at(m, (r, i0), 1 - lam)
    np.add.at(m, (r, i1), lam)
    return m


def _cubic_matrix(n_in, n_out, align_corners, scale):
    """torch's bicubic (Keys, A = -0.75) weights for one axis; taps outside are clamped to the edge."""
    o = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = o * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros_like(o)
    else:
        step = np.float32(1.0 / scale) if scale else np.float32(n_in / n_out)
        src = (o + 0.5) * float(step) - 0.5           # not clamped at 0 for cubic (as torch)
    i0 = np.floor(src)
    t = src - i0
    A = -0.75

    def near(d):   # |d| <= 1
        return ((A + 2) * d - (A + 3)) * d * d + 1

    def far(d):    # 1 < |d| < 2
        return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A

    w = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)
    idx = np.clip(i0.astype(np.int64)[:, None] + np.arange(-1, 3), 0, n_in - 1)
    m = np.zeros((n_out, n_in), np.float64)
    np.add.at(m, (np.repeat(np.arange(n_out), 4), idx.ravel()), w.ravel())
    return m


def adaptive_avg_matrix(n, o):
    i = np.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    j = np.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return inside / (end - start)[:, None]
