"""Convolutions: conv1d/2d/3d and conv_transpose1d/2d/3d (one kernel each for any number of spatial
dims); the argument helpers of the neural-network families (conv, spatial, pooling, normalization).

Layout: kernels take and return channels-first arrays (N, C, *spatial), C-contiguous, like torch. The
array algorithms live in `_convolve.py`: batch chunks unfolded into a bounded columns buffer and one
GEMM per group writing each chunk in place (NOTE [ Batch chunks ]), Winograd F(2x2, 3x3) for wide 3x3
stride-1 layers (NOTE [ Winograd ]), the batch shared among `ember.set_num_threads` threads.
Depthwise convolutions (one input channel per group) skip the GEMMs: one broadcast multiply-add per
kernel offset over the whole batch.

geo for a convolution: (stride, padding before, padding after, dilation, groups), tuples per spatial
dim; osz = the output's spatial size.

NOTE [ Adjoint ops ]
Convolution, ConvTranspose (the input-adjoint of a convolution) and ConvWeight (its weight-adjoint)
are each other's backward, so with create_graph=True the backward of any of them is recorded as
the others: double backward through convolutions works. The other nn families pair their kernels
the same way: Im2col/Fold and the separable AxisMaps (spatial), MaxUnpool/PlaneGather and
AvgPool/AvgPoolBackward (pooling; max pooling records its gradient as a MaxUnpool scatter);
the normalisations recompose their rules from differentiable Tensor ops.
"""
from __future__ import annotations

import numpy as np

from .._dtype import scalar_type_name
from .._tensor_base import _apply
from . import _convolve
from ._base import Op, is_array
from ._convolve import _offsets

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

_ndarray = np.ndarray


# ---- kernels ---------------------------------------------------------------------------------

def _depthwise(w_shape, G):
    # one input channel per group: a broadcast multiply-add per kernel offset beats G tiny GEMMs by far
    return G > 1 and w_shape[1] == 1


def _padded(x, lo, hi):
    if not (any(lo) or any(hi)):
        return x
    xp = np.zeros(x.shape[:2] + tuple(n + a + b for n, a, b in zip(x.shape[2:], lo, hi)), x.dtype)
    xp[(slice(None), slice(None)) + tuple(slice(a, a + n) for a, n in zip(lo, x.shape[2:]))] = x
    return xp


def _dw_forward(x, w, geo, osz, b):
    st, lo, hi, dil, G = geo
    N, O, k = x.shape[0], w.shape[0], tuple(w.shape[2:])
    nd = len(k)
    xp = _padded(x, lo, hi)
    wv = w.reshape((1, G, O // G) + k)
    out = np.zeros((N, G, O // G) + tuple(osz), np.result_type(x.dtype, w.dtype))
    for idx, sl in _offsets(k, st, dil, osz):
        out += xp[(slice(None), slice(None), None) + sl] * wv[(Ellipsis,) + idx + (None,) * nd]
    out = out.reshape((N, O) + tuple(osz))
    if b is not None:
        out += b.reshape((1, -1) + (1,) * nd)
    return out


def _dw_weight_grad(x, g, geo, w_shape):
    st, lo, hi, dil, G = geo
    O, k = w_shape[0], tuple(w_shape[2:])
    xp = _padded(x, lo, hi)
    N = g.shape[0]
    g4 = g.reshape(N, G, O // G, -1)
    gw = np.empty((G, O // G) + k, g.dtype)
    for idx, sl in _offsets(k, st, dil, g.shape[2:]):
        gw[(slice(None), slice(None)) + idx] = np.einsum("ngol,ngl->go", g4,
                                                         xp[(slice(None), slice(None)) + sl].reshape(N, G, -1))
    return gw.reshape(w_shape)


def _dw_input_grad(g, w, geo, x_shape):
    st, lo, hi, dil, G = geo
    N, C, sp = x_shape[0], x_shape[1], tuple(x_shape[2:])
    O, k = w.shape[0], tuple(w.shape[2:])
    nd = len(k)
    g5 = g.reshape((N, G, O // G) + g.shape[2:])
    w5 = w.reshape((1, G, O // G) + k)
    gxp = np.zeros((N, C) + tuple(n + a + b for n, a, b in zip(sp, lo, hi)), np.result_type(g.dtype, w.dtype))
    for idx, sl in _offsets(k, st, dil, g.shape[2:]):
        t = g5 * w5[(Ellipsis,) + idx + (None,) * nd]
        gxp[(slice(None), slice(None)) + sl] += t.sum(2) if O != G else t[:, :, 0]
    if any(lo) or any(hi):
        return gxp[(slice(None), slice(None)) + tuple(slice(a, a + n) for a, n in zip(lo, sp))]
    return gxp


def _half(*arrays):
    """float16 operands summed in float32 and rounded once, like torch's half kernels."""
    return [None if a is None else a.astype(np.float32) for a in arrays]


def conv_forward(x, w, geo, osz, b=None):
    """conv(x, w) (+ b): (N, O, *osz). See NOTE [ Batch chunks ] in _convolve.py."""
    if x.dtype == np.float16:
        return conv_forward(*_half(x, w), geo, osz, *_half(b)).astype(np.float16)
    if _depthwise(w.shape, geo[4]):
        return _dw_forward(x, w, geo, osz, b)
    return _convolve.forward(x, w, geo, osz, b)


def conv_backward(x, w, g, geo, need_x, need_w, x_shape=None, w_shape=None):
    """(input gradient, weight gradient) of conv(x, w) under g; either may be skipped (None)."""
    if g.dtype == np.float16:
        return tuple(None if r is None else r.astype(np.float16)
                     for r in conv_backward(*_half(x, w, g), geo, need_x, need_w, x_shape, w_shape))
    ws = tuple(w.shape) if w is not None else tuple(w_shape)
    if _depthwise(ws, geo[4]):
        xs = tuple(x.shape) if x is not None else tuple(x_shape)
        return (_dw_input_grad(g, w, geo, xs) if need_x else None,
                _dw_weight_grad(x, g, geo, ws) if need_w else None)
    return _convolve.backward(x, w, g, geo, need_x, need_w, x_shape, w_shape)


def _bias_grad(g):
    axes = (0,) + tuple(range(2, g.ndim))
    return g.sum(axes) if type(g) is _ndarray else g.sum(dim=axes)


class Convolution(Op):
    """y = conv(x, w): inputs (x, w) or (x, w, b); any number of spatial dims."""
    saves = ("x0", "x1", "c", "c")
    bw_name = "ConvolutionBackward0"

    @staticmethod
    def forward(*args):
        if len(args) == 5:
            x, w, b, geo, osz = args
        else:
            (x, w, geo, osz), b = args, None
        return conv_forward(x, w, geo, osz, b), (x, w, geo, b is not None)

    @staticmethod
    def backward(saved, g, needs):
        x, w, geo, has_b = saved
        if not is_array(g):
            gx = _apply(ConvTranspose, (g, w), geo, tuple(x.shape)) if needs[0] else None
            gw = _apply(ConvWeight, (x, g), geo, tuple(w.shape)) if needs[1] else None
        else:
            gx, gw = conv_backward(x, w, g, geo, needs[0], needs[1])
        if has_b:
            return gx, gw, (_bias_grad(g) if needs[2] else None)
        return gx, gw


class ConvTranspose(Op):
    """y = the input-adjoint of conv(., w) applied to x, of shape out_shape: inputs (x, w) or (x, w, b)."""
    saves = ("x0", "x1", "c", "c")
    bw_name = "ConvolutionBackward0"

    @staticmethod
    def forward(*args):
        if len(args) == 5:
            x, w, b, geo, out_shape = args
        else:
            (x, w, geo, out_shape), b = args, None
        if 0 in out_shape[2:]:
            return np.zeros(out_shape, x.dtype), (x, w, geo, b is not None)
        out = conv_backward(None, w, x, geo, True, False, x_shape=out_shape)[0]
        if b is not None:
            out += b.reshape((1, -1) + (1,) * (out.ndim - 2))
        return out, (x, w, geo, b is not None)

    @staticmethod
    def backward(saved, g, needs):
        x, w, geo, has_b = saved
        osz = tuple(x.shape[2:])
        if 0 in g.shape[2:]:     # empty output: nothing flows back
            z = (x * 0 if needs[0] else None, w * 0 if needs[1] else None)
            return z + ((_bias_grad(g) if needs[2] else None,) if has_b else ())
        if not is_array(g):
            gx = _apply(Convolution, (g, w), geo, osz) if needs[0] else None
            gw = _apply(ConvWeight, (g, x), geo, tuple(w.shape)) if needs[1] else None
        else:
            gx = conv_forward(g, w, geo, osz) if needs[0] else None
            gw = conv_backward(g, None, x, geo, False, True, w_shape=w.shape)[1] if needs[1] else None
        if has_b:
            return gx, gw, (_bias_grad(g) if needs[2] else None)
        return gx, gw


class ConvWeight(Op):
    """gw = the weight-adjoint of conv(x, .) applied to g; used only by double backward."""
    saves = ("x0", "x1", "c")
    bw_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(x, g, geo, w_shape):
        return conv_backward(x, None, g, geo, False, True, w_shape=w_shape)[1], (x, g, geo)

    @staticmethod
    def backward(saved, c, needs):
        x, g, geo = saved
        osz = tuple(g.shape[2:])
        if not is_array(c):
            return (_apply(ConvTranspose, (g, c), geo, tuple(x.shape)) if needs[0] else None,
                    _apply(Convolution, (x, c), geo, osz) if needs[1] else None)
        return (conv_backward(None, c, g, geo, True, False, x_shape=x.shape)[0] if needs[0] else None,
                conv_forward(x, c, geo, osz) if needs[1] else None)


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

def _conv_dtype(dt, nd, transposed):
    """torch's CPU kernels: convolutions of every dtype but bool; transposed ones of int64, floats, complex."""
    if dt.kind == "b" or transposed and dt.kind in "iu" and dt != np.int64:
        kernel = (f"slow_conv_transpose{max(nd, 2)}d_out_cpu" if transposed else
                  "compute_columns3d" if nd == 3 else "slow_conv2d_cpu")
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dt)}'")


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
    _conv_dtype(input._data.dtype, nd, name.startswith("conv_transpose"))
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
    geo = (st, tuple(a for a, _ in pads), tuple(b for _, b in pads), dil, groups)
    out = _apply(Convolution, (x, weight) if bias is None else (x, weight, bias), geo, osz)
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d cross-correlation. Matches `torch.nn.functional.conv1d`."""
    return _conv_nd("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d cross-correlation (im2col + one GEMM per group and batch chunk; Winograd for wide 3x3 stride-1
    layers). Matches `torch.nn.functional.conv2d`."""
    return _conv_nd("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d cross-correlation. Matches `torch.nn.functional.conv3d`."""
    return _conv_nd("conv3d", input, weight, bias, stride, padding, dilation, groups, 3)


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
    geo = (st, p, p, dil, groups)
    out = _apply(ConvTranspose, (x, weight) if bias is None else (x, weight, bias), geo, (x.shape[0], Cout) + out_sp)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-d transposed convolution. Matches `torch.nn.functional.conv_transpose1d`."""
    return _conv_transpose_nd("conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-d transposed convolution (the input-adjoint of conv2d). Matches `torch.nn.functional.conv_transpose2d`."""
    return _conv_transpose_nd("conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-d transposed convolution. Matches `torch.nn.functional.conv_transpose3d`."""
    return _conv_transpose_nd("conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 3)
