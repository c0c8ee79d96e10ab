"""Image transforms as functions. Matches `torchvision.transforms.functional`.

Every function accepts a PIL image (when Pillow is installed), an ember Tensor laid out
(..., C, H, W), or a NumPy array laid out HxW or HxWxC (what the datasets return without Pillow),
and returns the same kind. PIL images go through Pillow's own operations where torchvision uses
them (crop, flip, resize, rotate, affine, colour enhancement, grayscale), so results match
torchvision's PIL path; Tensors and arrays share one vectorised NumPy implementation that follows
torchvision's tensor path (uint8 results are truncated or rounded where torchvision does so).
"""
from __future__ import annotations

import math
import numbers
from enum import Enum

import numpy as np

from ..._tensor import Tensor

from ..._tensor_base import _wrap
from .. import _pil

__all__ = ["InterpolationMode", "to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "resize", "crop",
           "center_crop", "resized_crop", "hflip", "vflip", "pad", "rotate", "affine", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue", "rgb_to_grayscale", "to_grayscale", "erase",
           "get_dimensions", "get_image_size", "get_image_num_channels", "convert_image_dtype",
           "gaussian_blur", "invert", "posterize", "solarize", "adjust_sharpness", "autocontrast", "equalize",
           "adjust_gamma"]


class InterpolationMode(Enum):
    """Interpolation modes. Matches `torchvision.transforms.InterpolationMode`."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_FROM_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
             4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
_PIL_RESAMPLE = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0,
                 InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4,
                 InterpolationMode.HAMMING: 5, InterpolationMode.LANCZOS: 1}


def _interp(mode) -> InterpolationMode:
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int) and mode in _FROM_INT:
        return _FROM_INT[mode]
    if isinstance(mode, str):
        return InterpolationMode(mode)
    raise TypeError(f"Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                    f"constant, got {mode!r}")


# ------------------------------------------------------------------------------------------------
# Image kinds. NOTE: everything below works on "planar" arrays (..., C, H, W); `_planar` turns any
# input into one (a view, no copy) and `_back` restores the caller's kind.
# ------------------------------------------------------------------------------------------------
def _planar(img):
    if isinstance(img, Tensor):
        a = img._data
        if a.ndim < 2:
            raise TypeError("Tensor image should have at least 2 dimensions (..., H, W), "
                            f"got shape {tuple(a.shape)}")
        return (a[None] if a.ndim == 2 else a), ("tensor", a.ndim)
    if _pil.is_pil(img):
        a = _pil.to_array(img)
        mode = img.mode
    elif isinstance(img, np.ndarray):
        a, mode = img, None
    else:
        raise TypeError(f"img should be a PIL Image, an ember Tensor or a numpy.ndarray. Got {type(img)}")
    if a.ndim == 2:
        return a[None], ("hw", mode)
    if a.ndim == 3:
        return a.transpose(2, 0, 1), ("hwc", mode)
    raise TypeError(f"numpy image should be HxW or HxWxC, got shape {a.shape}")


def _back(a, kind):
    tag, extra = kind
    if tag == "tensor":
        a = np.ascontiguousarray(a)
        return _wrap(a[0] if extra == 2 and a.shape[0] == 1 else a)
    a = np.ascontiguousarray(a[0] if (tag == "hw" and a.shape[0] == 1) else a.transpose(1, 2, 0))
    if extra is None:
        return a
    Image = _pil.image_module()  # back to a PIL image of the original mode
    out = Image.fromarray(a)
    if out.mode != extra and extra != "P":
        out = Image.frombytes(extra, (a.shape[1], a.shape[0]), a.tobytes())
    return out


def _max_value(dtype) -> float:
    return float(np.iinfo(dtype).max) if np.issubdtype(dtype, np.integer) else 1.0


def _cast(x, dtype):
    """Float result back to the image dtype, truncating like torch's `.to(uint8)`."""
    if np.issubdtype(dtype, np.integer):
        return x.astype(dtype)
    return x.astype(dtype, copy=False)


def get_dimensions(img):
    """[channels, height, width]."""
    if _pil.is_pil(img):
        return [len(img.getbands()), img.size[1], img.size[0]]
    a, _ = _planar(img)
    return [a.shape[-3], a.shape[-2], a.shape[-1]]


def get_image_size(img):
    """[width, height]."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    return get_dimensions(img)[0]


# ------------------------------------------------------------------------------------------------
# Conversions
# ------------------------------------------------------------------------------------------------
_PIL_NP = {"I": np.int32, "I;16": np.int16, "I;16B": np.int16, "F": np.float32}


def to_tensor(pic) -> Tensor:
    """PIL image or HxW(xC) array -> CxHxW Tensor; uint8 becomes float32 in [0, 1]. Matches `F.to_tensor`."""
    if _pil.is_pil(pic):
        if pic.mode == "1":
            a = np.asarray(pic, dtype=np.uint8) * np.uint8(255)
        elif pic.mode in _pil._FAST_MODES:
            a = _pil.to_array(pic)
        else:
            a = np.array(pic, _PIL_NP.get(pic.mode, np.uint8), copy=True)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        a = pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    a = a[None] if a.ndim == 2 else a.transpose(2, 0, 1)
    if a.dtype == np.uint8:
        return _wrap(a.astype(np.float32) / np.float32(255))  # astype makes it contiguous (CHW)
    return _wrap(np.ascontiguousarray(a))


def pil_to_tensor(pic) -> Tensor:
    """PIL image (or HxW(xC) array) -> CxHxW Tensor of the same dtype, no scaling."""
    if _pil.is_pil(pic):
        a = np.array(pic, _PIL_NP.get(pic.mode, np.uint8) if pic.mode != "1" else np.uint8, copy=True)
    elif isinstance(pic, np.ndarray):
        a = pic
    else:
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    a = a[None] if a.ndim == 2 else a.transpose(2, 0, 1)
    return _wrap(np.ascontiguousarray(a))


def to_pil_image(pic, mode=None):
    """CxHxW Tensor or HxWxC array -> PIL image (floats are scaled by 255). Matches `F.to_pil_image`."""
    Image = _pil.require("to_pil_image")
    if isinstance(pic, Tensor):
        a = pic._data
        if a.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {a.ndim} dimensions.")
        a = a[None] if a.ndim == 2 else a
        if np.issubdtype(a.dtype, np.floating) and mode != "F":
            a = (a * 255).astype(np.uint8)
        a = a.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        a = pic[:, :, None] if pic.ndim == 2 else pic
        if np.issubdtype(a.dtype, np.floating) and mode != "F":
            a = (a * 255).astype(np.uint8)
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    c = a.shape[2]
    if c == 1:
        a = a[:, :, 0]
        default = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                   np.dtype(np.float32): "F"}.get(a.dtype)
        if mode is not None and mode != default and not (mode == "L" and a.dtype == np.uint8):
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {a.dtype}. "
                             f"Should be {default}")
        mode = mode or default
        if mode is None:
            raise TypeError(f"Input type {a.dtype} is not supported")
        if mode == "I;16":
            return Image.fromarray(np.ascontiguousarray(a.astype("<u2")), mode="I;16")
    else:
        if a.dtype != np.uint8:
            raise TypeError(f"Input type {a.dtype} is not supported for {c}-channel images")
        modes = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}.get(c)
        if modes is None:
            raise ValueError(f"pic should not have > 4 channels. Got {c} channels.")
        if mode is not None and mode not in modes:
            raise ValueError(f"Only modes {modes} are supported for {c}D inputs")
        mode = mode or modes[0]
    return Image.fromarray(np.ascontiguousarray(a), mode=mode)


def convert_image_dtype(image: Tensor, dtype=None) -> Tensor:
    """Convert between uint8 [0, 255] and float [0, 1]. Matches `F.convert_image_dtype` for these cases."""
    from ... import _dtype as D
    dtype = D.float32 if dtype is None else dtype
    a = image._data
    tgt = dtype.np
    if a.dtype == tgt:
        return image
    if np.issubdtype(a.dtype, np.floating) and np.issubdtype(tgt, np.floating):
        return _wrap(a.astype(tgt))
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(tgt, np.floating):
        return _wrap(a.astype(tgt) / tgt.type(np.iinfo(a.dtype).max))
    if np.issubdtype(a.dtype, np.floating):
        m = np.iinfo(tgt).max
        return _wrap((a * (m + 1.0 - 0.001)).astype(tgt))
    src_max, dst_max = np.iinfo(a.dtype).max, np.iinfo(tgt).max
    if src_max > dst_max:
        return _wrap((a.astype(np.int64) // ((src_max + 1) // (dst_max + 1))).astype(tgt))
    return _wrap(a.astype(tgt) * tgt.type((dst_max + 1) // (src_max + 1)))


# ------------------------------------------------------------------------------------------------
# Normalize / erase (tensor ops)
# ------------------------------------------------------------------------------------------------
def _chan_vector(values, dtype, name):
    v = np.asarray(values, dtype=dtype)
    return v.reshape(-1, 1, 1) if v.ndim == 1 else v


def normalize(tensor, mean, std, inplace: bool = False):
    """(x - mean[c]) / std[c] per channel of a float (..., C, H, W) image. Matches `F.normalize`."""
    if isinstance(tensor, Tensor):
        a = tensor._data
    elif isinstance(tensor, np.ndarray):
        a = tensor
    else:
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"Input tensor should be a float tensor. Got {_dtype_name(a.dtype)}.")
    if a.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tuple(a.shape)}")
    m = _chan_vector(mean, a.dtype, "mean")
    s = _chan_vector(std, a.dtype, "std")
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {_dtype_name(a.dtype)}, "
                         "leading to division by zero.")
    if isinstance(tensor, Tensor) and tensor._rg:  # keep the graph: compose differentiable ops
        from ... import _creation
        out = (tensor - _creation.from_numpy(m)) / _creation.from_numpy(s)
        return tensor.copy_(out) if inplace else out
    if inplace:
        np.subtract(a, m, out=a)
        np.divide(a, s, out=a)
        if isinstance(tensor, Tensor):
            tensor._vc[0] += 1
        return tensor
    out = (a - m) / s
    return _wrap(out) if isinstance(tensor, Tensor) else out


def _dtype_name(dt) -> str:
    return f"torch.{np.dtype(dt).name}"


def erase(img, i: int, j: int, h: int, w: int, v, inplace: bool = False):
    """Overwrite the region [i:i+h, j:j+w] with `v` (broadcast over it). Matches `F.erase`."""
    a, kind = _planar(img)
    if not inplace:
        a = a.copy()
    a[..., i:i + h, j:j + w] = v._data if isinstance(v, Tensor) else v
    if inplace and isinstance(img, Tensor):
        img._vc[0] += 1
        return img
    return _back(a, kind)


# ------------------------------------------------------------------------------------------------
# Geometry: crop, flip, pad
# ------------------------------------------------------------------------------------------------
def crop(img, top: int, left: int, height: int, width: int):
    """Crop [top:top+height, left:left+width]; outside the image is filled with 0. Matches `F.crop`."""
    if _pil.is_pil(img):
        return img.crop((left, top, left + width, top + height))
    a, kind = _planar(img)
    H, W = a.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > W or bottom > H:
        out = np.zeros(a.shape[:-2] + (height, width), a.dtype)
        y0, y1, x0, x1 = max(top, 0), min(bottom, H), max(left, 0), min(right, W)
        if y1 > y0 and x1 > x0:
            out[..., y0 - top:y1 - top, x0 - left:x1 - left] = a[..., y0:y1, x0:x1]
        return _back(out, kind)
    return _back(a[..., top:bottom, left:right], kind)


def _size_pair(size, name="size"):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    size = tuple(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")
    return int(size[0]), int(size[1])


def center_crop(img, output_size):
    """Crop the centre (padding with 0 when the crop is larger). Matches `F.center_crop`."""
    ch, cw = _size_pair(output_size, "output_size")
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        img = pad(img, [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                        (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0], fill=0)
        _, h, w = get_dimensions(img)
        if cw == w and ch == h:
            return img
    return crop(img, int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw)


def hflip(img):
    """Mirror left-right. Matches `F.hflip`."""
    if _pil.is_pil(img):
        return img.transpose(0)  # Image.FLIP_LEFT_RIGHT
    a, kind = _planar(img)
    return _back(a[..., ::-1], kind)


def vflip(img):
    """Mirror top-bottom. Matches `F.vflip`."""
    if _pil.is_pil(img):
        return img.transpose(1)  # Image.FLIP_TOP_BOTTOM
    a, kind = _planar(img)
    return _back(a[..., ::-1, :], kind)


def _padding_ltrb(padding):
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    padding = [int(p) for p in padding]
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(padding)
    raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, "
                     f"not a {len(padding)} element tuple")


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders: int (all sides), (left/right, top/bottom) or (left, top, right, bottom).

    `padding_mode`: constant (with `fill`), edge, reflect or symmetric. Negative padding crops.
    Matches `F.pad`.
    """
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    left, top, right, bottom = _padding_ltrb(padding)
    a, kind = _planar(img)
    pil_p = kind[1] == "P"
    if min(left, top, right, bottom) < 0:  # crop first
        H, W = a.shape[-2:]
        a = a[..., max(-top, 0):H - max(-bottom, 0), max(-left, 0):W - max(-right, 0)]
        left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        fill_v = _fill_vector(fill, a)
        if np.ndim(fill_v) == 0:
            out = np.pad(a, widths, mode="constant", constant_values=fill_v)
        else:
            out = np.empty(a.shape[:-2] + (a.shape[-2] + top + bottom, a.shape[-1] + left + right), a.dtype)
            out[...] = fill_v
            out[..., top:top + a.shape[-2], left:left + a.shape[-1]] = a
    else:
        out = np.pad(a, widths, mode=padding_mode)
    res = _back(out, kind)
    if pil_p:
        res.putpalette(img.getpalette())
    return res


def _fill_vector(fill, a):
    """`fill` as a scalar or a per-channel (C, 1, 1) array in the image dtype."""
    if fill is None:
        fill = 0
    if isinstance(fill, numbers.Number):
        if np.issubdtype(a.dtype, np.integer):
            return np.asarray(fill).astype(a.dtype)
        return np.asarray(fill, a.dtype)
    fill = list(fill)
    if len(fill) == 1:
        return np.asarray(fill[0], a.dtype)
    if len(fill) != a.shape[-3]:
        raise ValueError(f"The number of elements in 'fill' ({len(fill)}) does not match the number of "
                         f"channels of the image ({a.shape[-3]})")
    return np.asarray(fill, a.dtype).reshape(-1, 1, 1)


# ------------------------------------------------------------------------------------------------
# Resize: separable weight matrices (PIL's / torch's antialiased filters), applied as two matmuls
# ------------------------------------------------------------------------------------------------
def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _cubic(a):
    def f(x):
        x = np.abs(x)
        return np.where(x < 1.0, ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0,
                        np.where(x < 2.0, (((x - 5.0) * x + 8.0) * x - 4.0) * a, 0.0))
    return f


def _resize_weights(n_in: int, n_out: int, mode: InterpolationMode, antialias: bool) -> np.ndarray:
    """(n_out, n_in) matrix M with out = M @ in along one axis (align_corners=False).

    Bilinear, and bicubic with antialias, use torch's/PIL's filter form: taps at the input pixel
    centres, the filter widened by the scale when shrinking (antialias), rows normalised to 1.
    """
    scale = n_in / n_out
    center = (np.arange(n_out, dtype=np.float64) + 0.5) * scale
    j = np.arange(n_in, dtype=np.float64) + 0.5
    if mode is InterpolationMode.BILINEAR or (mode is InterpolationMode.BICUBIC and antialias):
        kernel = _triangle if mode is InterpolationMode.BILINEAR else _cubic(-0.5)
        fs = max(scale, 1.0) if antialias else 1.0
        w = kernel((j[None, :] - center[:, None]) / fs)
        return w / w.sum(axis=1, keepdims=True)
    if mode is InterpolationMode.BICUBIC:  # 4 taps, indices clamped to the border (torch's bicubic)
        kernel = _cubic(-0.75)
        src = center - 0.5
        f = np.floor(src)
        t = src - f
        w = np.zeros((n_out, n_in))
        rows = np.arange(n_out)
        for k in (-1, 0, 1, 2):
            np.add.at(w, (rows, np.clip(f + k, 0, n_in - 1).astype(np.int64)), kernel(t - k))
        return w
    raise ValueError(f"interpolation {mode.value!r} is only supported for PIL images; use bilinear, bicubic "
                     "or nearest for tensors and arrays")


def _resize_array(a, h: int, w: int, mode: InterpolationMode, antialias: bool):
    H, W = a.shape[-2:]
    if (H, W) == (h, w):
        return a.copy()
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        sy = np.minimum(np.floor(((np.arange(h) + 0.5) if mode is InterpolationMode.NEAREST_EXACT
                                  else np.arange(h)) * (H / h)).astype(np.int64), H - 1)
        sx = np.minimum(np.floor(((np.arange(w) + 0.5) if mode is InterpolationMode.NEAREST_EXACT
                                  else np.arange(w)) * (W / w)).astype(np.int64), W - 1)
        return a[..., sy[:, None], sx[None, :]]
    ft = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    wy = _resize_weights(H, h, mode, antialias).astype(ft)
    wx = _resize_weights(W, w, mode, antialias).astype(ft)
    out = np.matmul(np.matmul(wy, a.astype(ft, copy=False)), wx.T)
    if np.issubdtype(a.dtype, np.integer):
        info = np.iinfo(a.dtype)
        out = np.clip(np.round(out), info.min, info.max).astype(a.dtype)
    return out


def _output_size(h: int, w: int, size, max_size):
    if isinstance(size, numbers.Number) or len(size) == 1:
        requested = int(size if isinstance(size, numbers.Number) else size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size "
                                 f"for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                         "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    return int(size[0]), int(size[1])


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to `size`: (h, w), or an int for the smaller edge (aspect kept). Matches `F.resize`."""
    mode = _interp(interpolation)
    if not isinstance(size, (numbers.Number, list, tuple)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    _, h, w = get_dimensions(img)
    oh, ow = _output_size(h, w, size, max_size)
    if _pil.is_pil(img):
        if (oh, ow) == (h, w):
            return img
        return img.resize((ow, oh), _PIL_RESAMPLE[mode])
    a, kind = _planar(img)
    return _back(_resize_array(a, oh, ow, mode, bool(antialias)), kind)


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


# ------------------------------------------------------------------------------------------------
# Rotation and affine warps (inverse mapping + grid sampling)
# ------------------------------------------------------------------------------------------------
def _inverse_affine_matrix(center, angle, translate, scale, shear):
    """Output->input map of T * C * R * S * Sh * C^-1 (torchvision's convention), as 6 numbers."""
    rot = math.radians(angle)
    sx, sy = (math.radians(s) for s in shear)
    cx, cy = center
    tx, ty = translate
    # forward rotation-scale-shear is [[a, b], [c, d]] * scale
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]  # its inverse (det(RSS) = 1)
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def _warp(a, matrix, out_hw, mode: InterpolationMode, fill):
    """Sample planar `a` at the source points of each output pixel (torchvision's tensor affine grid)."""
    H, W = a.shape[-2:]
    oh, ow = out_hw
    ys = np.arange(oh, dtype=np.float64) + 0.5 - oh * 0.5
    xs = np.arange(ow, dtype=np.float64) + 0.5 - ow * 0.5
    sx = matrix[0] * xs[None, :] + matrix[1] * ys[:, None] + matrix[2] + (W * 0.5 - 0.5)
    sy = matrix[3] * xs[None, :] + matrix[4] * ys[:, None] + matrix[5] + (H * 0.5 - 0.5)
    ft = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        ix, iy = np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64)
        valid = (ix >= 0) & (ix < W) & (iy >= 0) & (iy < H)
        out = a[..., np.clip(iy, 0, H - 1), np.clip(ix, 0, W - 1)]
        fv = _fill_vector(fill, a)
        out = np.where(valid, out, fv).astype(a.dtype, copy=False)
        return out
    if mode is not InterpolationMode.BILINEAR:
        raise ValueError(f"interpolation {mode.value!r} is not supported for tensors and arrays "
                         "(use nearest or bilinear)")
    x0, y0 = np.floor(sx), np.floor(sy)
    fx, fy = (sx - x0).astype(ft), (sy - y0).astype(ft)
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    af = a.astype(ft, copy=False)
    out = np.zeros(a.shape[:-2] + (oh, ow), ft)
    mask = np.zeros((oh, ow), ft)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            ok = (xx >= 0) & (xx < W) & (yy >= 0) & (yy < H)
            wgt = np.where(ok, wy * wx, 0).astype(ft)
            out += af[..., np.clip(yy, 0, H - 1), np.clip(xx, 0, W - 1)] * wgt
            mask += wgt
    if fill is not None:
        fv = np.asarray(_fill_vector(fill, np.empty((a.shape[-3], 1, 1), ft)), ft)
        out = out * mask + (1.0 - mask) * fv
    if np.issubdtype(a.dtype, np.integer):
        info = np.iinfo(a.dtype)
        out = np.clip(np.round(out), info.min, info.max)
    return out.astype(a.dtype, copy=False)


def _pil_fill(fill, img):
    if fill is None:
        return None
    bands = len(img.getbands())
    if isinstance(fill, numbers.Number):
        return tuple([fill] * bands) if bands > 1 else fill
    fill = tuple(fill)
    if len(fill) == 1:
        return tuple(fill * bands) if bands > 1 else fill[0]
    if len(fill) != bands:
        raise ValueError(f"The number of elements in 'fill' does not match the number of bands of the image "
                         f"({len(fill)} != {bands})")
    return fill


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
           fill=None):
    """Rotate counter-clockwise by `angle` degrees about `center` (default: centre). Matches `F.rotate`."""
    mode = _interp(interpolation)
    if _pil.is_pil(img):
        return img.rotate(angle, _PIL_RESAMPLE[mode], expand, center, fillcolor=_pil_fill(fill, img))
    a, kind = _planar(img)
    H, W = a.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [center[0] - W * 0.5, center[1] - H * 0.5]
    m = _inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_hw = (H, W)
    if expand:
        # bounding box of the rotated corners (torchvision's rule, including its 1e-4 tolerance)
        pts = np.array([[-0.5 * W, -0.5 * H], [-0.5 * W, 0.5 * H], [0.5 * W, 0.5 * H], [0.5 * W, -0.5 * H]])
        fwd = _inverse_affine_matrix(center_f, angle, [0.0, 0.0], 1.0, [0.0, 0.0])  # the forward map
        theta = np.array(fwd).reshape(2, 3)
        new = pts @ theta[:, :2].T + theta[:, 2]
        tol = 1e-4
        cmax = np.ceil(np.trunc(new.max(0) / tol) * tol)
        cmin = np.floor(np.trunc(new.min(0) / tol) * tol)
        size = cmax - cmin
        out_hw = (int(size[1]), int(size[0]))
    return _back(_warp(a, m, out_hw, mode, fill), kind)


def affine(img, angle: float, translate, scale: float, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center=None):
    """Rotate, translate, scale and shear about the centre, keeping the size. Matches `F.affine`."""
    mode = _interp(interpolation)
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(translate) != 2:
        raise ValueError(f"Argument translate should be a sequence of length 2. Got {len(translate)}")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    _, H, W = get_dimensions(img)
    if _pil.is_pil(img):
        c = [W * 0.5, H * 0.5] if center is None else list(center)
        m = _inverse_affine_matrix(c, angle, [float(t) for t in translate], scale, shear)
        return img.transform((W, H), 0, m, _PIL_RESAMPLE[mode], fillcolor=_pil_fill(fill, img))  # 0 = AFFINE
    center_f = [0.0, 0.0] if center is None else [center[0] - W * 0.5, center[1] - H * 0.5]
    m = _inverse_affine_matrix(center_f, angle, [float(t) for t in translate], scale, shear)
    a, kind = _planar(img)
    return _back(_warp(a, m, (H, W), mode, fill), kind)


# ------------------------------------------------------------------------------------------------
# Colour
# ------------------------------------------------------------------------------------------------
def _gray(a):
    """ITU-R 601-2 luma of a planar RGB array, in float32 (before casting)."""
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    ft = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    return (ft.type(0.2989) * r + ft.type(0.587) * g + ft.type(0.114) * b).astype(ft, copy=False)


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma (0.2989 R + 0.587 G + 0.114 B), 1 or 3 channels. Matches `F.rgb_to_grayscale`."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _pil.is_pil(img):
        g = img.convert("L")
        if num_output_channels == 3:
            return g.convert("RGB")
        return g
    a, kind = _planar(img)
    c = a.shape[-3]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    l_img = a[..., :1, :, :] if c == 1 else _cast(_gray(a), a.dtype)[..., None, :, :]
    if num_output_channels == 3:
        l_img = np.broadcast_to(l_img, a.shape[:-3] + (3,) + a.shape[-2:])
    return _back(l_img, kind if kind[0] == "tensor" else ("hw", None))  # arrays: HxW or HxWx3


to_grayscale = rgb_to_grayscale


def _blend(a, b, ratio: float):
    bound = _max_value(a.dtype)
    ft = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    out = ft.type(ratio) * a.astype(ft, copy=False) + ft.type(1.0 - ratio) * b
    return _cast(np.clip(out, 0, bound), a.dtype)


def _check_factor(name, factor, lo=0.0):
    if factor < lo:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def adjust_brightness(img, brightness_factor: float):
    """Scale intensities: 0 gives black, 1 the original. Matches `F.adjust_brightness`."""
    _check_factor("brightness_factor", brightness_factor)
    if _pil.is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    a, kind = _planar(img)
    return _back(_blend(a, 0.0, brightness_factor), kind)


def adjust_contrast(img, contrast_factor: float):
    """Blend with the mean grey level: 0 gives a solid grey image. Matches `F.adjust_contrast`."""
    _check_factor("contrast_factor", contrast_factor)
    if _pil.is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    a, kind = _planar(img)
    c = a.shape[-3]
    ft = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    g = _cast(_gray(a), a.dtype).astype(ft) if c == 3 else a.astype(ft)
    mean = g.mean(axis=(-3, -2, -1) if c != 3 else (-2, -1), keepdims=True)
    if c == 3:
        mean = mean[..., None, :, :]
    return _back(_blend(a, mean, contrast_factor), kind)


def adjust_saturation(img, saturation_factor: float):
    """Blend with the grayscale image: 0 gives grey, 1 the original. Matches `F.adjust_saturation`."""
    _check_factor("saturation_factor", saturation_factor)
    if _pil.is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Color(img).enhance(saturation_factor)
    a, kind = _planar(img)
    if a.shape[-3] == 1:
        return _back(a, kind)
    g = _cast(_gray(a), a.dtype)[..., None, :, :]
    return _back(_blend(a, g, saturation_factor), kind)


def _rgb2hsv(rgb):
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc = np.maximum(np.maximum(r, g), b)
    minc = np.minimum(np.minimum(r, g), b)
    eqc = maxc == minc
    cr = maxc - minc
    s = cr / np.where(eqc, 1.0, maxc)
    crd = np.where(eqc, 1.0, cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv2rgb(h, s, v):
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    r = np.choose(i, (v, q, p, p, t, v))
    g = np.choose(i, (t, v, v, q, p, p))
    b = np.choose(i, (p, p, t, v, v, q))
    return np.stack((r, g, b), axis=-3)


def adjust_hue(img, hue_factor: float):
    """Shift the hue by `hue_factor` turns (in [-0.5, 0.5]) in HSV space. Matches `F.adjust_hue`."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _pil.is_pil(img):
        mode = img.mode
        if mode in ("L", "1", "I", "F"):
            return img
        h, s, v = img.convert("HSV").split()
        nh = np.array(h, dtype=np.uint8)
        nh = (nh.astype(np.int64) + int(hue_factor * 255)) % 256  # uint8 wrap-around, as torchvision
        Image = _pil.image_module()
        h = Image.fromarray(nh.astype(np.uint8), "L")
        return Image.merge("HSV", (h, s, v)).convert(mode)
    a, kind = _planar(img)
    if a.shape[-3] == 1:
        return _back(a, kind)
    is_int = np.issubdtype(a.dtype, np.integer)
    x = a.astype(np.float32) / np.float32(255) if is_int else a
    h, s, v = _rgb2hsv(x)
    h = np.fmod(h + hue_factor, 1.0)
    h = np.where(h < 0, h + 1.0, h)  # torch's % is floor-mod
    out = _hsv2rgb(h.astype(x.dtype, copy=False), s, v)
    out = (out * np.float32(255)).astype(a.dtype) if is_int else out.astype(a.dtype, copy=False)
    return _back(out, kind)


# ------------------------------------------------------------------------------------------------
# Blur and point operations
# ------------------------------------------------------------------------------------------------
def _gaussian_kernel1d(ksize: int, sigma: float) -> np.ndarray:
    x = np.linspace(-(ksize // 2), ksize // 2, ksize)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def gaussian_blur(img, kernel_size, sigma=None):
    """Separable Gaussian blur with reflect padding. Matches `F.gaussian_blur`.

    `kernel_size` (odd, int or (kx, ky)); `sigma` (float or (sx, sy)) defaults to
    0.3 * ((k - 1) * 0.5 - 1) + 0.8. PIL images are blurred through the array path, as torchvision does.
    """
    if isinstance(kernel_size, numbers.Number):
        kernel_size = [int(kernel_size), int(kernel_size)]
    kernel_size = [int(k) for k in kernel_size]
    if len(kernel_size) == 1:
        kernel_size = kernel_size * 2
    if len(kernel_size) != 2 or any(k <= 0 or k % 2 == 0 for k in kernel_size):
        raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]  # = 0.3 * ((k - 1) * 0.5 - 1) + 0.8
    elif isinstance(sigma, numbers.Number):
        sigma = [float(sigma), float(sigma)]
    sigma = [float(v) for v in sigma]
    if len(sigma) == 1:
        sigma = sigma * 2
    if any(v <= 0 for v in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    a, kind = _planar(img)
    kx, ky = kernel_size
    ft = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    H, W = a.shape[-2:]
    if ky // 2 >= H or kx // 2 >= W:
        raise ValueError(f"kernel_size {kernel_size} is too large for an image of size {(H, W)} "
                         "(reflect padding)")
    x = np.pad(a.astype(ft, copy=False), [(0, 0)] * (a.ndim - 2) + [(ky // 2, ky // 2), (kx // 2, kx // 2)],
               mode="reflect")
    # one pass per kernel tap and axis (loops over the kernel, never over pixels)
    wy, wx = _gaussian_kernel1d(ky, sigma[1]).astype(ft), _gaussian_kernel1d(kx, sigma[0]).astype(ft)
    tmp = sum(wy[i] * x[..., i:i + H, :] for i in range(ky))
    out = sum(wx[j] * tmp[..., j:j + W] for j in range(kx))
    if np.issubdtype(a.dtype, np.integer):
        info = np.iinfo(a.dtype)
        out = np.clip(np.round(out), info.min, info.max)
    return _back(out.astype(a.dtype, copy=False), kind)


def invert(img):
    """max_value - img (255 - x for uint8, 1 - x for floats). Matches `F.invert`."""
    a, kind = _planar(img)
    return _back((_max_value(a.dtype) - a).astype(a.dtype, copy=False) if a.dtype != np.bool_ else ~a, kind)


def _need_uint8(a, name):
    if a.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {_dtype_name(a.dtype)} ({name})")


def posterize(img, bits: int):
    """Keep the `bits` most significant bits of each uint8 channel. Matches `F.posterize`."""
    if not 0 <= int(bits) <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    a, kind = _planar(img)
    _need_uint8(a, "posterize")
    mask = np.uint8((0xFF << (8 - int(bits))) & 0xFF) if bits < 8 else np.uint8(0xFF)
    return _back(a & mask, kind)


def solarize(img, threshold: float):
    """Invert every value at or above `threshold`. Matches `F.solarize`."""
    a, kind = _planar(img)
    if threshold > _max_value(a.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    inv = (_max_value(a.dtype) - a).astype(a.dtype, copy=False)
    return _back(np.where(a >= threshold, inv, a), kind)


def adjust_sharpness(img, sharpness_factor: float):
    """Blend with a smoothed copy (3x3 kernel, centre weight 5, interior pixels only): 0 blurs, 2 sharpens.
    Matches `F.adjust_sharpness`."""
    _check_factor("sharpness_factor", sharpness_factor)
    a, kind = _planar(img)
    H, W = a.shape[-2:]
    if H <= 2 or W <= 2:
        return _back(a, kind)
    ft = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    x = a.astype(ft, copy=False)
    # 3x3 box sum plus 4x the centre, over 13 (one shifted add per tap; no pixel loops)
    acc = 4 * x[..., 1:-1, 1:-1]
    for dy in range(3):
        for dx in range(3):
            acc = acc + x[..., dy:dy + H - 2, dx:dx + W - 2]
    smooth = acc / ft.type(13.0)
    if np.issubdtype(a.dtype, np.integer):
        smooth = np.round(smooth)
    degenerate = a.copy()
    degenerate[..., 1:-1, 1:-1] = _cast(smooth, a.dtype)
    return _back(_blend(a, degenerate.astype(ft), sharpness_factor), kind)


def autocontrast(img):
    """Stretch each channel so its minimum maps to 0 and its maximum to the dtype's maximum.
    Matches `F.autocontrast`."""
    a, kind = _planar(img)
    bound = _max_value(a.dtype)
    ft = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    x = a.astype(ft, copy=False)
    lo = x.min(axis=(-2, -1), keepdims=True)
    hi = x.max(axis=(-2, -1), keepdims=True)
    flat = hi == lo
    scale = ft.type(bound) / np.where(flat, ft.type(1), hi - lo)
    lo = np.where(flat, ft.type(0), lo)
    scale = np.where(flat, ft.type(1), scale)
    out = np.clip((x - lo) * scale, 0, bound)
    return _back(_cast(out, a.dtype), kind)


def equalize(img):
    """Histogram-equalise each uint8 channel (PIL's ImageOps.equalize rule). Matches `F.equalize`."""
    a, kind = _planar(img)
    _need_uint8(a, "equalize")
    shp = a.shape
    rows = a.reshape(-1, shp[-2] * shp[-1])
    n = rows.shape[0]
    # one bincount for every channel of every image: offset each row into its own 256 bins
    hist = np.bincount((rows.astype(np.int64) + 256 * np.arange(n)[:, None]).ravel(),
                       minlength=256 * n).reshape(n, 256)
    last = hist[np.arange(n), rows.max(axis=1)]            # count of the highest value present
    step = (hist.sum(1) - last) // 255
    safe = np.where(step == 0, 1, step)
    lut = (np.cumsum(hist, axis=1) + safe[:, None] // 2) // safe[:, None]
    lut = np.concatenate([np.zeros((n, 1), lut.dtype), lut[:, :-1]], axis=1).clip(0, 255)
    out = np.take_along_axis(lut, rows.astype(np.int64), axis=1).astype(np.uint8)
    out = np.where((step == 0)[:, None], rows, out)
    return _back(out.reshape(shp), kind)


def adjust_gamma(img, gamma: float, gain: float = 1):
    """gain * img ** gamma on intensities scaled to [0, 1]. Matches `F.adjust_gamma`."""
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    a, kind = _planar(img)
    if np.issubdtype(a.dtype, np.integer):
        x = a.astype(np.float32) / np.float32(_max_value(a.dtype))
        out = np.clip(np.float32(gain) * x ** np.float32(gamma), 0, 1)
        out = (out * np.float32(_max_value(a.dtype) + 1.0 - 1e-3)).astype(a.dtype)
    else:
        out = np.clip(a.dtype.type(gain) * a ** a.dtype.type(gamma), 0, 1).astype(a.dtype, copy=False)
    return _back(out, kind)
