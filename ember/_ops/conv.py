"""Convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d and the im2col core they share;
the argument helpers of the neural-network families (conv, spatial, pooling, normalization).

Layout: every kernel takes and returns NCHW arrays (1-d forms run the 2-d kernels on a height-1
view). Convolutions run channels-last inside: the padded input is built as (N, Hp, Wp, C), the
im2col matrix (N*OH*OW, kh*kw*C) is one strided copy with contiguous inner rows, and one GEMM per
group does the work. The input gradient is accumulated with one GEMM per kernel offset (kh*kw of
them) into strided slices, never a loop over pixels or batch items. Depthwise convolutions (one
input channel per group) skip im2col: kh*kw broadcast multiply-adds over the whole batch.

cfg for a convolution: (sh, sw, pt, pb, pl, pr, dh, dw, groups); osz = (OH, OW).

NOTE [ Adjoint ops ]
Conv2d, ConvTranspose2d (the input-adjoint of a convolution) and ConvWeight (its weight-adjoint)
are each other's backward, so with create_graph=True the backward of any of them is recorded as
the others: double backward through convolutions works. The other nn families pair their kernels
the same way: Im2col/Fold and the separable AxisMaps (spatial), MaxUnpool2d/PlaneGather and
AvgPool2d/AvgPool2dBackward (pooling; max pooling records its gradient as a MaxUnpool2d scatter);
the normalisations recompose their rules from differentiable Tensor ops.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._dtype import scalar_type_name
from .._tensor_base import _apply
from ._base import Op, is_array

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]

_ndarray = np.ndarray


# ---- kernels ---------------------------------------------------------------------------------

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
        if not is_array(g):
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
        if not is_array(g):
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
        if not is_array(c):
            return (_apply(ConvTranspose2d, (g, c), cfg, tuple(x.shape)) if needs[0] else None,
                    _apply(Conv2d, (x, c), cfg, osz) if needs[1] else None)
        return (conv_input_grad(g, c, cfg, x.shape) if needs[0] else None,
                conv_forward(x, c, cfg, osz)[0] if needs[1] else None)


# ---- argument helpers shared by the nn families ----------------------------------------------

def _tup(v, n, name="argument"):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(v)}")
    return v


def _check_float(t, what):
    """torch's error for a kernel that has no integer or bool version."""
    if t._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{what}\" not implemented for '{scalar_type_name(t._data.dtype)}'")


# ---- public functions ------------------------------------------------------------------------

def _conv_checks(name, input, weight, bias, nd, groups):
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                           f"of size: {list(input.shape)}")
    if weight._data.ndim != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if nd == 1 else
                           f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
                           f"{list(input.shape)}, but got {weight._data.ndim}-dimensional weight of size "
                           f"{list(weight.shape)} instead")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(input._data.dtype)} but found "
                           f"{scalar_type_name(weight._data.dtype)}")
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(input._data.dtype)} but found "
                           f"{scalar_type_name(bias._data.dtype)}")
    _check_float(input, "slow_conv2d_cpu")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _conv_nd(name, input, weight, bias, stride, padding, dilation, groups, nd):
    _conv_checks(name, input, weight, bias, nd, groups)
    batched = input._data.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    st = _tup(stride, nd, "stride")
    dil = _tup(dilation, nd, "dilation")
    if min(st) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dil) <= 0:
        raise RuntimeError("dilation should be greater than zero")
    ks = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in st):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            tot = [d * (k - 1) for d, k in zip(dil, ks)]
            pads = tuple((t // 2, t - t // 2) for t in tot)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _tup(padding, nd, "padding")
        if min(p) < 0:
            raise RuntimeError("negative padding is not supported")
        pads = tuple((a, a) for a in p)
    O = weight.shape[0]
    C = x.shape[1]
    if O % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    if weight.shape[1] * groups != C:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {C} channels instead")
    if bias is not None and (bias._data.ndim != 1 or bias.shape[0] != O):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with {O} "
                           f"elements, but got bias of size {list(bias.shape)} instead")
    spatial = x.shape[2:]
    padded = [n + a + b for n, (a, b) in zip(spatial, pads)]
    eff = [d * (k - 1) + 1 for d, k in zip(dil, ks)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size")
    osz = tuple((p - e) // s + 1 for p, e, s in zip(padded, eff, st))
    if nd == 1:
        x = x.unsqueeze(2)
        weight = weight.unsqueeze(2)
        cfg = (1, st[0], 0, 0, pads[0][0], pads[0][1], 1, dil[0], groups)
        osz = (1, osz[0])
    else:
        cfg = (st[0], st[1], pads[0][0], pads[0][1], pads[1][0], pads[1][1], dil[0], dil[1], groups)
    out = _apply(Conv2d, (x, weight) if bias is None else (x, weight, bias), cfg, osz)
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d cross-correlation. Matches `torch.nn.functional.conv1d`."""
    return _conv_nd("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d cross-correlation (im2col + one GEMM per group). Matches `torch.nn.functional.conv2d`."""
    return _conv_nd("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def _conv_transpose_nd(name, input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    _conv_checks(name, input, weight, bias, nd, groups)
    batched = input._data.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    st = _tup(stride, nd, "stride")
    dil = _tup(dilation, nd, "dilation")
    p = _tup(padding, nd, "padding")
    op = _tup(output_padding, nd, "output_padding")
    if min(st) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dil) <= 0:
        raise RuntimeError("dilation should be greater than zero")
    if min(p) < 0:
        raise RuntimeError("negative padding is not supported")
    if any(o >= s and o >= d for o, s, d in zip(op, st, dil)):
        if nd == 2:
            raise RuntimeError(
                f"output padding must be smaller than either stride or dilation, but got output_padding_height: "
                f"{op[0]} output_padding_width: {op[1]} stride_height: {st[0]} stride_width: {st[1]} "
                f"dilation_height: {dil[0]} dilation_width: {dil[1]}")
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding: {op[0]} stride: {st[0]} dilation: {dil[0]}")
    Cin = weight.shape[0]
    if x.shape[1] != Cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} to "
                           f"have {Cin} channels, but got {x.shape[1]} channels instead")
    if Cin % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    Cout = weight.shape[1] * groups
    if bias is not None and (bias._data.ndim != 1 or bias.shape[0] != Cout):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {Cout} elements, but got bias of size {list(bias.shape)} instead")
    ks = tuple(weight.shape[2:])
    out_sp = tuple((n - 1) * s - 2 * a + d * (k - 1) + o + 1
                   for n, s, a, d, k, o in zip(x.shape[2:], st, p, dil, ks, op))
    if min(out_sp) < 0:
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, out_sp))}). Output size is too small")
    if nd == 1:
        x = x.unsqueeze(2)
        weight = weight.unsqueeze(2)
        cfg = (1, st[0], 0, 0, p[0], p[0], 1, dil[0], groups)
        out_shape = (x.shape[0], Cout, 1, out_sp[0])
    else:
        cfg = (st[0], st[1], p[0], p[0], p[1], p[1], dil[0], dil[1], groups)
        out_shape = (x.shape[0], Cout) + out_sp
    out = _apply(ConvTranspose2d, (x, weight) if bias is None else (x, weight, bias), cfg, out_shape)
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-d transposed convolution. Matches `torch.nn.functional.conv_transpose1d`."""
    return _conv_transpose_nd("conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-d transposed convolution (the input-adjoint of conv2d). Matches `torch.nn.functional.conv_transpose2d`."""
    return _conv_transpose_nd("conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 2)
