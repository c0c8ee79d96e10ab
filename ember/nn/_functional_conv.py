"""nn.functional: convolution, pooling, normalisation, padding and resampling.

torch's signatures and argument checks (torch's exception types and messages, naming the
shapes); the work is done by the fused kernels in ember/_ops/conv.py. 1-d forms run the 2-d
kernels on a height-1 view. Star-imported by ember.nn.functional.
"""
from __future__ import annotations

import math

import numpy as np

from .._ops import conv as K
from .._tensor_base import _apply, _unary, _wrap

__all__ = [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    "max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "max_unpool1d", "max_unpool2d", "lp_pool1d", "lp_pool2d",
    "batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm",
    "pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
    "pixel_shuffle", "pixel_unshuffle", "unfold", "fold",
]

_DT_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


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
    if t._data.dtype.kind != "f":
        raise RuntimeError(f"\"{what}\" not implemented for '{_DT_NAME.get(t._data.dtype.name, t._data.dtype.name)}'")


def _unsq(t, dim):
    return t.unsqueeze(dim)


# ---- convolution -----------------------------------------------------------------------------

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
        raise RuntimeError(f"expected scalar type {_DT_NAME.get(input._data.dtype.name)} but found "
                           f"{_DT_NAME.get(weight._data.dtype.name)}")
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_DT_NAME.get(input._data.dtype.name)} but found "
                           f"{_DT_NAME.get(bias._data.dtype.name)}")
    _check_float(input, "slow_conv2d_cpu")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _conv_nd(name, input, weight, bias, stride, padding, dilation, groups, nd):
    _conv_checks(name, input, weight, bias, nd, groups)
    batched = input._data.ndim == nd + 2
    x = input if batched else _unsq(input, 0)
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
        x = _unsq(x, 2)
        weight = _unsq(weight, 2)
        cfg = (1, st[0], 0, 0, pads[0][0], pads[0][1], 1, dil[0], groups)
        osz = (1, osz[0])
    else:
        cfg = (st[0], st[1], pads[0][0], pads[0][1], pads[1][0], pads[1][1], dil[0], dil[1], groups)
    out = _apply(K.Conv2d, (x, weight) if bias is None else (x, weight, bias), cfg, osz)
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
    x = input if batched else _unsq(input, 0)
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
        x = _unsq(x, 2)
        weight = _unsq(weight, 2)
        cfg = (1, st[0], 0, 0, p[0], p[0], 1, dil[0], groups)
        out_shape = (x.shape[0], Cout, 1, out_sp[0])
    else:
        cfg = (st[0], st[1], p[0], p[0], p[1], p[1], dil[0], dil[1], groups)
        out_shape = (x.shape[0], Cout) + out_sp
    out = _apply(K.ConvTranspose2d, (x, weight) if bias is None else (x, weight, bias), cfg, out_shape)
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


# ---- pooling ---------------------------------------------------------------------------------

def _pool_out(n, k, s, p, d, ceil_mode):
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    o = num // s + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    return o


def _pool_setup(name, input, kernel_size, stride, padding, dilation, ceil_mode, nd, is_max):
    if input._data.ndim not in (nd + 1, nd + 2) or input._data.size == 0 and input._data.ndim == nd + 1:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    ks = _tup(kernel_size, nd, "kernel_size")
    st = ks if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _tup(stride, nd, "stride")
    p = _tup(padding, nd, "padding")
    dil = _tup(dilation, nd, "dilation")
    if min(ks) <= 0:
        raise RuntimeError(f"kernel_size must be greater than zero, but got kernel_size={list(ks)}")
    if min(st) <= 0:
        raise RuntimeError(f"stride must be greater than zero, but got stride={list(st)}")
    if min(dil) <= 0:
        raise RuntimeError(f"dilation must be greater than zero, but got dilation={list(dil)}")
    for k, a, d in zip(ks, p, dil):
        if is_max and a > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={a}, "
                               f"kernel_size={k} and dilation={d}")
        if not is_max and a > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={a}, "
                               f"kernel_size={k} and dilation={d}")
    batched = input._data.ndim == nd + 2
    x = input if batched else _unsq(input, 0)
    sp = x.shape[2:]
    osz = tuple(_pool_out(n, k, s, a, d, ceil_mode) for n, k, s, a, d in zip(sp, ks, st, p, dil))
    if min(osz) < 1:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (x.shape[1],) + tuple(sp)))}). Calculated output "
                           f"size: ({'x'.join(map(str, (x.shape[1],) + osz))}). Output size is too small")
    # bottom/right padding actually read by the windows (ceil_mode may run past the padding)
    ends = tuple(max((o - 1) * s + d * (k - 1) + 1 - (n + a), 0)
                 for o, s, d, k, n, a in zip(osz, st, dil, ks, sp, p))
    if nd == 1:
        x = _unsq(x, 2)
        cfg = (1, ks[0], 1, st[0], 0, 0, p[0], ends[0], 1, dil[0])
        osz = (1, osz[0])
    else:
        cfg = (ks[0], ks[1], st[0], st[1], p[0], ends[0], p[1], ends[1], dil[0], dil[1])
    return x, cfg, osz, batched


def _finish(out, nd, batched):
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    x, cfg, osz, batched = _pool_setup(f"max_pool{nd}d", input, kernel_size, stride, padding, dilation,
                                       ceil_mode, nd, True)
    out = _unary(K.MaxPool2d, x, cfg, osz)
    if not return_indices:
        return _finish(out, nd, batched)
    _, idx = K.max_pool_forward(x._data, cfg, osz, with_indices=True)
    return _finish(out, nd, batched), _finish(_wrap(idx), nd, batched)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Matches `torch.nn.functional.max_pool1d`."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Matches `torch.nn.functional.max_pool2d` (first maximum wins ties, as in torch)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, cfg, osz, batched = _pool_setup(f"avg_pool{nd}d", input, kernel_size, stride, padding, 1, ceil_mode, nd,
                                       False)
    div = K.avg_divisor(x.shape[2], x.shape[3], cfg, osz, count_include_pad, divisor_override)
    return _finish(_unary(K.AvgPool2d, x, cfg, osz, div), nd, batched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Matches `torch.nn.functional.avg_pool1d`."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Matches `torch.nn.functional.avg_pool2d`."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling. Matches `torch.nn.functional.lp_pool2d`."""
    kh, kw = _tup(kernel_size, 2)
    out = avg_pool2d(input.pow(norm_type), (kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kh * kw).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Matches `torch.nn.functional.lp_pool1d`."""
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kernel_size).pow(1.0 / norm_type)


def _adaptive_setup(name, input, output_size, nd):
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    sp = input.shape[-nd:]
    osz = tuple(int(n if o is None else o) for o, n in zip(output_size, sp))
    if any(o < 0 for o in osz):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{list(osz)}")
    for i in range(1, input._data.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {i} being empty")
    batched = input._data.ndim == nd + 2
    x = input if batched else _unsq(input, 0)
    if nd == 1:
        x = _unsq(x, 2)
        osz = (1,) + osz
    return x, osz, batched


def _adaptive_avg(input, output_size, nd):
    x, osz, batched = _adaptive_setup(f"adaptive_avg_pool{nd}d", input, output_size, nd)
    H, W = x.shape[2], x.shape[3]
    OH, OW = osz
    if OH and OW and H % OH == 0 and W % OW == 0:
        kh, kw = H // OH, W // OW
        if kh == 1 and kw == 1:
            out = x * 1.0 if x._rg else _wrap(x._data.copy())
        else:
            cfg = (kh, kw, kh, kw, 0, 0, 0, 0, 1, 1)
            out = _unary(K.AvgPool2d, x, cfg, osz, float(kh * kw))
    else:
        maps = ((2, K.adaptive_avg_matrix(H, OH)), (3, K.adaptive_avg_matrix(W, OW)))
        out = _unary(K.AxisMaps, x, maps)
    return _finish(out, nd, batched)


def adaptive_avg_pool1d(input, output_size):
    """Matches `torch.nn.functional.adaptive_avg_pool1d`."""
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    """Matches `torch.nn.functional.adaptive_avg_pool2d` (None keeps that size)."""
    return _adaptive_avg(input, output_size, 2)


def _adaptive_max(input, output_size, return_indices, nd):
    x, osz, batched = _adaptive_setup(f"adaptive_max_pool{nd}d", input, output_size, nd)
    out = _unary(K.AdaptiveMaxPool2d, x, osz)
    if not return_indices:
        return _finish(out, nd, batched)
    if out._node is not None:
        idx = out._node.saved[1]
    else:
        idx = K.adaptive_max_pool(x._data, osz)[1]
    return _finish(out, nd, batched), _finish(_wrap(idx), nd, batched)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool1d`."""
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool2d`."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, True, 1)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, True, 2)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    ks = _tup(kernel_size, nd, "kernel_size")
    st = ks if stride is None else _tup(stride, nd, "stride")
    p = _tup(padding, nd, "padding")
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d Tensor, but got a tensor "
                           f"with {input._data.ndim} dimensions.")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    sp = input.shape[-nd:]
    default = tuple((n - 1) * s - 2 * a + k for n, s, a, k in zip(sp, st, p, ks))
    if output_size is None:
        out_sp = default
    else:
        out_sp = tuple(int(v) for v in output_size)[-nd:]
        if len(out_sp) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                             f"length of '{len(tuple(output_size))}'")
        for o, d, s in zip(out_sp, default, st):
            if o < d - s or o > d + s:
                raise ValueError(f"invalid output_size \"{list(out_sp)}\" (dim {len(out_sp) - 1} must be between "
                                 f"{d - s} and {d + s})")
    batched = input._data.ndim == nd + 2
    x = input if batched else _unsq(input, 0)
    idx = indices._data if batched else indices._data[None]
    plane = int(np.prod(out_sp))
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        raise RuntimeError(f"Found an invalid max index: {int(idx.max())} (output volumes are of size "
                           f"{'x'.join(map(str, out_sp))}")
    out = _apply(K.MaxUnpool2d, (x,), idx, (x.shape[0], x.shape[1]) + out_sp)
    return out if batched else out.squeeze(0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool1d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool2d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


# ---- normalisation ---------------------------------------------------------------------------

def _affine_args(input, weight, bias, n):
    """weight/bias as Tensors (identity constants when None)."""
    dt = input._data.dtype
    w = weight if weight is not None else _wrap(np.ones(n, dt))
    b = bias if bias is not None else _wrap(np.zeros(n, dt))
    return w, b


def _update_running(buf, value, momentum):
    if buf is None:
        return
    d = buf._data
    d *= (1 - momentum)
    d += (momentum * value).astype(d.dtype, copy=False)
    buf._vc[0] += 1


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalisation over every axis but 1; updates running stats in training (unbiased
    variance), uses them in eval. Matches `torch.nn.functional.batch_norm`."""
    if input._data.ndim < 2:
        raise ValueError(f"Expected 2D or higher input (got {input._data.ndim}D input)")
    C = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t._data.size != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t._data.size}")
    _check_float(input, "batch_norm")
    x = input._data
    if training:
        n = x.size // C
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        mean, var = K.batch_stats(x)
        if running_mean is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None:
            _update_running(running_var, var * (n / (n - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        mean, var = running_mean._data.astype(x.dtype, copy=False), running_var._data.astype(x.dtype, copy=False)
    invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    w, b = _affine_args(input, weight, bias, C)
    return _apply(K.BatchNorm, (input, w, b), mean, invstd, bool(training), eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Per-sample, per-channel normalisation. Matches `torch.nn.functional.instance_norm`."""
    if input._data.ndim < 3:
        raise ValueError(f"Expected 3D or higher input (got {input._data.ndim}D input)")
    N, C = input.shape[0], input.shape[1]
    if use_input_stats:
        if input._data[0, 0].size <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
        out = _apply(K.GroupNorm, (input,) if weight is None else (input,) + _affine_args(input, weight, bias, C),
                     C, eps)
        if running_mean is not None or running_var is not None:
            x = input._data.reshape(N, C, -1)
            m = x.mean(2)
            n = x.shape[2]
            v = x.var(2) * (n / (n - 1))
            _update_running(running_mean, m.mean(0), momentum)
            _update_running(running_var, v.mean(0), momentum)
        return out
    return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing `normalized_shape` dims. Matches `torch.nn.functional.layer_norm`."""
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (int(normalized_shape),)
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0 or tuple(input.shape[input._data.ndim - k:]) != ns or input._data.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(ns)}")
    _check_float(input, "layer_norm")
    if weight is None and bias is not None:
        weight = _wrap(np.ones(ns, input._data.dtype))
    args = (input,) + tuple(t for t in (weight, bias) if t is not None)
    return _apply(K.LayerNorm, args, k, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise (N, C, *) per sample over groups of channels. Matches `torch.nn.functional.group_norm`."""
    if input._data.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input._data.ndim}")
    C = input.shape[1]
    if num_groups <= 0 or C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != C):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    _check_float(input, "group_norm")
    args = (input,) if weight is None and bias is None else (input,) + _affine_args(input, weight, bias, C)
    return _apply(K.GroupNorm, args, int(num_groups), eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalise by the squared activity of `size` neighbouring channels.
    Matches `torch.nn.functional.local_response_norm`."""
    dim = input._data.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input._data.size == 0:
        return input
    div = (input * input).unsqueeze(1)
    if dim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        s = input.shape
        div = div.reshape(s[0], 1, s[1], s[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        d = div.shape
        # average over `size` channels: pool over the channel axis viewed as height
        div = avg_pool2d(div.reshape(d[0], 1, d[2], d[3] * d[4]), (size, 1), stride=1)
        div = div.reshape(s[0], 1, s[1], s[2], -1).squeeze(1).reshape(s)
    div = (div * alpha + k).pow(beta)
    return input / div


# ---- padding ---------------------------------------------------------------------------------

def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims (last dim first); constant pads may be negative (crop).
    Matches `torch.nn.functional.pad`."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    nd = input._data.ndim
    if n > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {nd}")
    pads = tuple((pad[2 * i], pad[2 * i + 1]) for i in range(n))[::-1]     # outermost padded dim first
    if mode == "constant":
        shape = input.shape
        for (lo, hi), s in zip(pads, shape[nd - n:]):
            if s + lo + hi < 0:
                raise RuntimeError(f"The input size {s}, plus negative padding {lo} and {hi} resulted in a negative "
                                   f"output size, which is invalid. Check dimension {nd - n} of your input.")
        return _unary(K.PadConstant, input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not ((n == 1 and nd in (2, 3)) or (n == 2 and nd in (3, 4)) or (n == 3 and nd in (4, 5))):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            "padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    maps = []
    for i, (lo, hi) in enumerate(pads):
        axis = nd - n + i
        s = input.shape[axis]
        if mode == "reflect" and (lo >= s or hi >= s):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {axis} of input {list(input.shape)}")
        if mode == "circular" and (lo > s or hi > s):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and s == 0:
            raise RuntimeError(f"Expected input to have non-zero size for dimension {axis}")
        if lo or hi:
            if lo < 0 or hi < 0:
                raise RuntimeError(f"negative padding is not supported for mode {mode}")
            maps.append((axis, K.pad_index(s, lo, hi, mode)))
    if not maps:
        return input * 1 if input._rg else _wrap(input._data.copy())
    return _unary(K.AxisMaps, input, tuple(maps))


# ---- resampling ------------------------------------------------------------------------------

_INTERP_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample the spatial dims: modes nearest, nearest-exact, linear, bilinear, bicubic (with
    align_corners), area; antialias is not supported. Matches `torch.nn.functional.interpolate`."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif mode in _INTERP_DIMS:
        if align_corners is None:
            align_corners = False
    else:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input._data.ndim}D) for the modes: nearest | linear | bilinear | bicubic | "
                                  f"trilinear | area | nearest-exact (got {mode})")
    if antialias:
        raise NotImplementedError(f"ember: interpolate(mode={mode!r}, antialias=True) is not implemented")
    nd = input._data.ndim - 2
    if nd < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input._data.ndim}D) for the "
                         f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
                         f"(got {mode})")
    if mode in _INTERP_DIMS and _INTERP_DIMS[mode] != nd:
        raise NotImplementedError(f"Got {input._data.ndim}D input, but {mode} mode needs {_INTERP_DIMS[mode] + 2}D "
                                  f"input")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    sp = tuple(input.shape[2:])
    scales = [None] * nd
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(sp)} and output size of {list(size)}. Please "
                                 f"provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                                 f"...,oK) format.")
            out = tuple(int(s) for s in size)
        else:
            out = (int(size),) * nd
    elif scale_factor is not None:
        sf = tuple(float(s) for s in scale_factor) if isinstance(scale_factor, (list, tuple)) else \
            (float(scale_factor),) * nd
        if len(sf) != nd:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(sp)} and scale_factor of shape {list(sf)}. Please "
                             f"provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, "
                             f"...,sK) format.")
        out = tuple(int(math.floor(n * s)) for n, s in zip(sp, sf))
        if not recompute_scale_factor:
            scales = list(sf)
    else:
        raise ValueError("either size or scale_factor should be defined")
    if min(out) <= 0:
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({', '.join(map(str, sp))}) "
                           f"and output ({', '.join(map(str, out))})")
    maps = []
    for i, (n, o) in enumerate(zip(sp, out)):
        if mode == "area":
            maps.append((2 + i, K.adaptive_avg_matrix(n, o)))
        elif n == o and (mode == "nearest" or scales[i] in (None, 1.0)):
            continue
        else:
            kind = mode if mode in ("nearest", "nearest-exact") else ("cubic" if mode == "bicubic" else "linear")
            maps.append((2 + i, K.interp_map(n, o, kind, align_corners, scales[i])))
    if not maps:
        return input * 1 if input._rg else _wrap(input._data.copy())
    return _unary(K.AxisMaps, input, tuple(maps))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _shuffle_factor(input, factor, fname, argname):
    """pixel_(un)shuffle's checks of the input rank and of the factor; the factor as an int."""
    r = int(factor)
    if input._data.ndim < 3:
        raise RuntimeError(f"{fname} expects input to have at least 3 dimensions, but got input with "
                           f"{input._data.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{fname} expects a positive {argname}, but got {r}")
    return r


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r). Matches `torch.nn.functional.pixel_shuffle`."""
    r = _shuffle_factor(input, upscale_factor, "pixel_shuffle", "upscale_factor")
    *lead, C, H, W = input.shape
    if C % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={C} is not divisible by {r * r}")
    nl = len(lead)
    x = input.reshape(*lead, C // (r * r), r, r, H, W)
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 3, 1, 4, 2))
    return x.permute(*perm).reshape(*lead, C // (r * r), H * r, W * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W). Matches `torch.nn.functional.pixel_unshuffle`."""
    r = _shuffle_factor(input, downscale_factor, "pixel_unshuffle", "downscale_factor")
    *lead, C, H, W = input.shape
    if H % r or W % r:
        which, val = ("height", H) if H % r else ("width", W)
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by downscale_factor, but input.size(-"
                           f"{2 if H % r else 1})={val} is not divisible by {r}")
    nl = len(lead)
    x = input.reshape(*lead, C, H // r, r, W // r, r)
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 2, 4, 1, 3))
    return x.permute(*perm).reshape(*lead, C * r * r, H // r, W // r)


# ---- unfold / fold ---------------------------------------------------------------------------

def _im2col_cfg(kernel_size, dilation, padding, stride):
    ks = _tup(kernel_size, 2, "kernel_size")
    d = _tup(dilation, 2, "dilation")
    p = _tup(padding, 2, "padding")
    s = _tup(stride, 2, "stride")
    if min(ks) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {ks[0]} kernel_width: "
                           f"{ks[1]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} dilation_width: "
                           f"{d[1]}")
    if min(p) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    return ks, d, p, s


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L). Matches `torch.nn.functional.unfold`."""
    if input._data.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input._data.ndim}D)")
    ks, d, p, s = _im2col_cfg(kernel_size, dilation, padding, stride)
    batched = input._data.ndim == 4
    x = input if batched else _unsq(input, 0)
    H, W = x.shape[2], x.shape[3]
    osz = tuple((n + 2 * a - dd * (k - 1) - 1) // ss + 1 for n, a, dd, k, ss in zip((H, W), p, d, ks, s))
    if min(osz) < 1:
        raise RuntimeError(f"Given input with spatial size ({H}, {W}), kernel_size=({ks[0]}, {ks[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({osz[0]}, {osz[1]}), but its components must be at least one.")
    cfg = (ks[0], ks[1], s[0], s[1], p[0], p[0], p[1], p[1], d[0], d[1])
    out = _unary(K.Im2col, x, cfg, osz)
    return out if batched else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back into an image (the adjoint of unfold). Matches `torch.nn.functional.fold`."""
    if input._data.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input._data.ndim}D)")
    ks, d, p, s = _im2col_cfg(kernel_size, dilation, padding, stride)
    oh, ow = _tup(output_size, 2, "output_size")
    batched = input._data.ndim == 3
    x = input if batched else _unsq(input, 0)
    osz = tuple((n + 2 * a - dd * (k - 1) - 1) // ss + 1 for n, a, dd, k, ss in zip((oh, ow), p, d, ks, s))
    if x.shape[1] % (ks[0] * ks[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size=({ks[0]}, {ks[1]})")
    if x.shape[2] != osz[0] * osz[1]:
        raise RuntimeError(f"Given output_size=({oh}, {ow}), kernel_size=({ks[0]}, {ks[1]}), dilation=({d[0]}, {d[1]}),"
                           f" padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's dimension 2 "
                           f"to match the calculated number of sliding blocks {osz[0]} * {osz[1]} = "
                           f"{osz[0] * osz[1]}, but got input.size(2)={x.shape[2]}.")
    cfg = (ks[0], ks[1], s[0], s[1], p[0], p[0], p[1], p[1], d[0], d[1])
    out = _unary(K.Fold, x, cfg, osz, (oh, ow))
    return out if batched else out.squeeze(0)
