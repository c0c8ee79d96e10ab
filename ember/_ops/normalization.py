"""Normalisation: batch_norm, instance_norm, layer_norm, group_norm, rms_norm and local_response_norm.
Kernels, the `torch.nn.functional` functions and their checks, and the `torch.batch_norm` /
`torch.instance_norm` forms (ATen's argument order).

BatchNorm, LayerNorm and GroupNorm are fused kernels with hand-written backward on arrays; with
create_graph=True their rules are recomposed from differentiable Tensor ops (`_norm_grad_tensor`),
so second derivatives see the batch statistics. rms_norm and local_response_norm are compositions.
"""
from __future__ import annotations

import numpy as np

from .._tensor_base import _apply, _wrap
from ._base import Op, is_array
from .conv import _check_float
from .pooling import avg_pool2d
from .spatial import pad

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "local_response_norm", "rms_norm"]


# ---- kernels ---------------------------------------------------------------------------------

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
        if not is_array(g):
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
        if not is_array(g):
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
        if not is_array(g):
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


# ---- public functions ------------------------------------------------------------------------

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
        mean, var = batch_stats(x)
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
    return _apply(BatchNorm, (input, w, b), mean, invstd, bool(training), eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Per-sample, per-channel normalisation. Matches `torch.nn.functional.instance_norm`."""
    if input._data.ndim < 3:
        raise ValueError(f"Expected 3D or higher input (got {input._data.ndim}D input)")
    N, C = input.shape[0], input.shape[1]
    if use_input_stats:
        if input._data[0, 0].size <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
        _check_float(input, "batch_norm")
        args = (input,) if weight is None and bias is None else (input,) + _affine_args(input, weight, bias, C)
        out = _apply(GroupNorm, args, C, eps)
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
    _check_float(input, "LayerNormKernelImpl")
    if weight is None and bias is not None:
        weight = _wrap(np.ones(ns, input._data.dtype))
    args = (input,) + tuple(t for t in (weight, bias) if t is not None)
    return _apply(LayerNorm, args, k, eps)


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
    _check_float(input, "GroupNormKernelImpl")
    args = (input,) if weight is None and bias is None else (input,) + _affine_args(input, weight, bias, C)
    return _apply(GroupNorm, args, int(num_groups), eps)


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


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2 over the trailing dims) + eps) * weight. Matches `torch.nn.functional.rms_norm`
    (eps None = the dtype's machine epsilon)."""
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (int(normalized_shape),)
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0 or input._data.ndim < k or tuple(input.shape[input._data.ndim - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*"
                           f"{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(ns)}")
    _check_float(input, "rms_norm")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input._data.ndim - k, input._data.ndim))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out if weight is None else out * weight


# ---- torch.* forms with ATen's argument order ------------------------------------------------

def torch_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """`torch.batch_norm`: `F.batch_norm` with ATen's argument order (cudnn_enabled is ignored)."""
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def torch_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                        cudnn_enabled):
    """`torch.instance_norm`: `F.instance_norm` with ATen's argument order (cudnn_enabled is ignored)."""
    return instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
