"""Indexing: `x[key]` and `x[key] = v`, the index_* and masked_* ops, take/put, nonzero, unravel_index,
the *_scatter copies and fill_diagonal_. Kernels, the public functions and the Tensor methods. Matches
torch's.

Basic keys (ints, slices, None, ...) give views through the `Index` kernel of `ember/_ops/views.py`;
advanced keys (integer and boolean arrays) copy. Where NumPy would wrap negative indices around, the
index_* ops check the bounds first, as torch does. gather/scatter along a dim are in `scatter.py`.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .._inplace import inplace, write_out
from .._tensor_base import TensorBase, _apply, _check_broadcast, _tensor_of, _unary, _view, _wrap
from ..autograd.grad_mode import STATE
from ._base import Op, normalize_dim, writable
from .binary import where
from .convert import clone
from .views import (Alias, Index, IndexBackward, IndexUnsqueeze, Select, Slice, _add_rows, _axis_index, _int_index,
                    diagonal, narrow, reshape, select)

__all__ = ["index_select", "index_add", "index_copy", "index_fill", "index_put", "index_put_", "masked_fill",
           "masked_select", "masked_scatter", "take", "put", "nonzero", "argwhere", "unravel_index", "select_scatter",
           "slice_scatter", "diagonal_scatter", "narrow_copy"]


# ---- kernels -------------------------------------------------------------------------------------

class SetItem(Op):
    """x[idx] = v. Called through inplace(): forward writes into x itself (x's values are not needed
    in backward: the written region's gradient goes to v, the rest to the old x)."""
    saves = ("c", "c", "c")
    bw_name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(x, v, idx, basic):
        writable(x)[idx] = v
        return x, (idx, basic, v.shape)

    @staticmethod
    def backward(saved, g, needs):
        idx, basic, vshape = saved
        gx = gv = None
        if needs[0]:
            if type(g) is np.ndarray:
                gx = g.copy()
                gx[idx] = 0
            else:
                mask = np.ones(g.shape, dtype=bool)
                mask[idx] = False
                gx = g * mask
        if needs[1]:
            if type(g) is np.ndarray:
                gv = g[idx]
            else:
                gv = _apply(Index, (g,), idx, basic)
            # several writes to one element keep only the last: torch's gradient is then unspecified
        return gx, gv


class SetItemScalar(SetItem):
    """x[idx] = number (called through inplace(), like SetItem)."""
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, idx, basic, value):
        writable(x)[idx] = value
        return x, (idx, basic, ())

    @staticmethod
    def backward(saved, g, needs):
        return SetItem.backward(saved, g, (needs[0], False))[:1]


class SetItemScalarSlices(SetItemScalar):    # torch names a basic key's write as a tensor's (CopySlices)
    bw_name = "torch::autograd::CopySlices"


class SetItemIndexPut(SetItem):               # an advanced key (index arrays, masks): torch's index_put_
    bw_name = "IndexPutBackward0"

    @staticmethod
    def forward(x, v, idx, basic):
        if v.dtype is not x.dtype:
            _check_put_dtype(x.dtype, idx, v.dtype, v.size)
        writable(x)[idx] = v
        return x, (idx, basic, v.shape)


class SetItemScalarIndexPut(SetItemScalar):
    bw_name = "IndexPutBackward0"


def _pad_to(g, sub_shape, shape):
    """Zeros of `shape` with g written into the leading `sub_shape` block (adjoint of _leading)."""
    if tuple(sub_shape) == tuple(shape):
        return g
    if type(g) is np.ndarray:
        out = np.zeros(shape, dtype=g.dtype)
        out[tuple(slice(0, s) for s in sub_shape)] = g
        return out
    return _apply(IndexBackward, (g,), tuple(shape), tuple(slice(0, s) for s in sub_shape), True)


def _keep_mask(shape, idx):
    keep = np.ones(shape, dtype=bool)
    keep[idx] = False
    return keep


class IndexSelect(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, axis, idx):
        return np.take(x, idx, axis=axis), (x.shape, axis, idx)

    @staticmethod
    def backward(saved, g, needs):
        shape, axis, idx = saved
        if type(g) is np.ndarray:
            return (_add_rows(shape, axis, idx, g),)
        return (_apply(IndexAdd, (_wrap(np.zeros(shape, dtype=g._data.dtype)), g), axis, idx, 1),)


class IndexAdd(Op):
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, src, axis, idx, alpha):
        out = x.copy()
        np.add.at(out, _axis_index(axis, idx), src * alpha if alpha != 1 else src)
        return out, (axis, idx, alpha)

    @staticmethod
    def backward(saved, g, needs):
        axis, idx, alpha = saved
        gs = None
        if needs[1]:
            gs = np.take(g, idx, axis=axis) if type(g) is np.ndarray else _apply(IndexSelect, (g,), axis, idx)
            if alpha != 1:
                gs = gs * alpha
        return (g if needs[0] else None), gs


class IndexCopy(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, src, axis, idx):
        out = x.copy()
        out[_axis_index(axis, idx)] = src
        return out, (axis, idx, _keep_mask(x.shape, _axis_index(axis, idx)))

    @staticmethod
    def backward(saved, g, needs):
        axis, idx, keep = saved
        gs = None
        if needs[1]:
            gs = np.take(g, idx, axis=axis) if type(g) is np.ndarray else _apply(IndexSelect, (g,), axis, idx)
        return (g * keep if needs[0] else None), gs


class MaskedFill(Op):
    """where(mask, value, x) for a Python scalar value (mask broadcasts to x)."""
    saves = ("c",)

    @staticmethod
    def forward(x, mask, value):
        out = x.copy()
        np.copyto(out, np.asarray(value).astype(x.dtype, casting="unsafe"), where=mask)
        return out, (mask,)

    @staticmethod
    def backward(saved, g, needs):
        return (g * ~saved[0],)


class MaskedScatter(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c", "c")

    @staticmethod
    def forward(x, src, mask):
        out = x.copy()
        k = int(np.count_nonzero(mask))
        out[mask] = src.reshape(-1)[:k]
        return out, (mask, src.shape)

    @staticmethod
    def backward(saved, g, needs):
        mask, sshape = saved
        gx = gs = None
        if needs[0]:
            gx = g * ~mask
        if needs[1]:
            n = 1
            for s in sshape:
                n *= s
            if type(g) is np.ndarray:
                flat = np.zeros(n, dtype=g.dtype)
                sel = g[mask]
                flat[:sel.shape[0]] = sel
                gs = flat.reshape(sshape)
            else:
                sel = g[_wrap(mask)]
                gs = _pad_to(sel, sel.shape, (n,)).reshape(sshape)
        return gx, gs


class IndexPut(Op):
    """x.index_put(indices, values, accumulate): indices is a NumPy advanced-index tuple."""
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, v, idx, accumulate):
        out = x.copy()
        if accumulate:
            np.add.at(out, _int_index(idx), np.broadcast_to(v, out[idx].shape))
            return out, (idx, accumulate, None)
        out[idx] = v
        return out, (idx, accumulate, _keep_mask(x.shape, idx))

    @staticmethod
    def backward(saved, g, needs):
        idx, accumulate, keep = saved
        gx = gv = None
        if needs[0]:
            gx = g if accumulate else g * keep
        if needs[1]:
            gv = g[idx] if type(g) is np.ndarray else _apply(Index, (g,), idx, False)
        return gx, gv




# torch's grad_fn names (the engine reads `op.bw_name` only)

class MaskedSelect(Index):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "MaskedSelectBackward0"


class Take(Index):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "TakeBackward0"


class IndexFill(MaskedFill):
    bw_name = "IndexFillBackward0"


# ---- public functions ------------------------------------------------------------------------------

def _index_arr(index, name, int64_only=False, err=RuntimeError):
    if not isinstance(index, TensorBase):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    a = index._data
    if int64_only:
        if a.dtype != np.int64:
            raise err(f"{name}(): Expected dtype int64 for index")
    elif a.dtype != np.int64 and a.dtype != np.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index")
    return a


def _mask_arr(mask, name):
    if not isinstance(mask, TensorBase):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {mask.dtype.name}")
    return m


def _short(t):
    return D.scalar_type_name(t._data.dtype)


def _check_bounds(idx, shape, d, err=RuntimeError, prefix=""):
    """torch's gather/scatter/index_* rule: indices in [0, size) (no negative wrap-around)."""
    if idx.size == 0:
        return
    n = shape[d]
    hi, lo = idx.max(), idx.min()
    if hi >= n or lo < 0:
        bad = int(hi if hi >= n else lo)
        raise err(f"{prefix}index {bad} is out of bounds for dimension {d} with size {n}")


def _array_of(data, dt):
    """Python data (numbers, nested lists) as a tensor of NumPy dtype `dt`."""
    return _wrap(np.array(data, dtype=dt))


# ---- x[key] -----------------------------------------------------------------------------------------

_BASIC = (int, slice, type(None), type(Ellipsis))


_SEQ_WARNING = ("Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
                "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
                "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
                "a different result")


def _as_items(key):
    """The index items of a list or range `key`. torch's legacy rule: a short one holding a sequence, tensor,
    slice, None or ... is a tuple of indices (torch warns); otherwise the whole key is one item."""
    if len(key) < 32 and any(
            isinstance(k, (list, tuple, range, slice, str)) or k is None or k is Ellipsis or
            hasattr(k, "_data")
            for k in key):
        warnings.warn(_SEQ_WARNING, UserWarning, stacklevel=4)
        return tuple(key), True
    return (key,), False


def _seq_index(k):
    """A Python sequence used as an index (torch.tensor of it): integers as int64, floats truncated to int64
    (as torch does), bools as a mask."""
    a = np.asarray([x._data if hasattr(x, "_data") else x for x in k] if type(k) is not np.ndarray else k)
    if a.size == 0:
        return a.astype(np.int64)
    kind = a.dtype.kind
    if kind in "iu":
        return a if a.dtype == np.int64 else a.astype(np.int64)
    if kind == "b":
        return a
    if kind == "f":
        return a.astype(np.int64)
    if kind in "US":
        raise TypeError(f"new(): invalid data type '{'str' if kind == 'U' else 'bytes'}'")
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _convert_index(key, ndim):
    """Turn a torch-style index of a tensor with `ndim` dims into a NumPy key; also say whether it is basic
    (a view). `basic` is None for a key NumPy would read differently from torch (see `_torch_placement`):
    the key is then a pair of keys to apply one after the other."""
    tk = type(key)
    if tk is int or (tk is slice and (key.step is None or type(key.step) is int and key.step > 0)):
        return key, True
    if tk is tuple:
        items, is_tuple = key, True
    elif tk is list or tk is range:
        items, is_tuple = _as_items(key)
    else:
        items, is_tuple = (key,), False
    out = []
    basic = True
    n_ell = n_int = 0
    for k in items:
        tk = type(k)
        if tk in _BASIC:
            if tk is slice and k.step is not None and int(k.step) <= 0:
                if int(k.step) == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            if tk is int:
                n_int += 1
            elif k is Ellipsis:
                n_ell += 1
            out.append(k)
        elif hasattr(k, "_data"):
            a = k._data
            if a.dtype.kind == "f" or a.dtype == np.int8 or a.dtype == np.int16:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if a.dtype == np.uint8:   # torch's deprecated byte masks
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                              "torch.bool instead.", UserWarning, stacklevel=3)
                a = a.astype(bool)
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))
                n_int += 1
            else:
                out.append(a)
                basic = False
        elif isinstance(k, np.integer):
            out.append(int(k))
            n_int += 1
        elif tk is bool or isinstance(k, np.bool_):
            out.append(bool(k))
            basic = False
        elif isinstance(k, (list, tuple, range, np.ndarray)):
            out.append(_seq_index(k))
            basic = False
        elif isinstance(k, (str, bytes)):
            _check_count(items, ndim)         # torch counts the items first
            raise TypeError(f"new(): invalid data type '{tk.__name__}'")
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {tk.__name__})")
    if n_ell > 1:
        out = _one_ellipsis(out, ndim)
    if not basic and n_int:
        pair = _torch_placement(out, ndim)
        if pair is not None:
            return pair, None
    return (tuple(out) if is_tuple else out[0]), basic


def _check_count(items, ndim):
    n = sum(0 if k is None or k is Ellipsis or type(k) is bool else
            k._data.ndim if hasattr(k, "_data") and k._data.dtype.kind == "b" else 1 for k in items)
    if n > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")


def _dims_of(k):
    """How many dims of the indexed tensor an index item consumes."""
    if k is None or k is Ellipsis or type(k) is bool:
        return 0
    if type(k) is np.ndarray and k.dtype == bool:
        return k.ndim
    return 1


def _one_ellipsis(items, ndim):
    """torch lets every `...` span as many dims as the first one does: after a second `...` only trivial `:`
    (which torch skips) may follow unless the ellipses span nothing; the extra `...`s are dropped."""
    first = items.index(Ellipsis)
    second = items.index(Ellipsis, first + 1)
    span = ndim - sum(_dims_of(k) for k in items)
    beyond = [k for k in items[second + 1:] if k is not Ellipsis]
    if span > 0 and any(not (type(k) is slice and k == slice(None)) for k in beyond):
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    rest = items[first + 1:second] + [k for k in items[second + 1:] if k is not Ellipsis]
    if span > 0:
        rest = items[first + 1:second]
    return items[:first + 1] + rest


def _torch_placement(items, ndim):
    """torch applies integer indices first (a plain select), so the dims of the tensor indices stay where
    they stand among the remaining dims; NumPy counts an integer as an advanced index, and integers and
    arrays separated by a slice, None or ... put the index dims first. When the two readings differ,
    return (basic key, advanced key) to apply one after the other; else None."""
    adv = [i for i, k in enumerate(items) if type(k) is int or type(k) is np.ndarray or type(k) is bool]
    if adv[-1] - adv[0] + 1 == len(adv) or any(type(k) is bool for k in items):
        return None          # NumPy's advanced items are adjacent: the same placement as torch's
    span = ndim - sum(_dims_of(k) for k in items)
    first, pos, out_dim = [], [], 0
    for k in items:
        if type(k) is np.ndarray:
            m = k.ndim if k.dtype == bool else 1
            pos.append((out_dim, k, m))
            first += [slice(None)] * m
            out_dim += m
        else:
            first.append(k)
            if k is Ellipsis:
                out_dim += max(span, 0)
            elif type(k) is not int:
                out_dim += 1
    second, d = [], 0
    for p, k, m in pos:
        second += [slice(None)] * (p - d) + [k]
        d = p + m
    return tuple(first), tuple(second)


def _basic_op(idx, shape):
    """The kernel named as torch names a basic index's node: after its last non-trivial item
    (a slice over a whole dim is trivial)."""
    if type(idx) is not tuple:
        return IndexUnsqueeze if idx is None else Alias
    op = Alias
    d = 0
    for k in idx:
        tk = type(k)
        if tk is int:
            op = Select
            d += 1
        elif k is None:
            op = IndexUnsqueeze
        elif k is Ellipsis:
            d = len(shape) - sum(1 for j in idx if j is not None and j is not Ellipsis) + d
        else:
            if d >= len(shape) or k.indices(shape[d]) != (0, shape[d], 1):
                op = Slice
            d += 1
    return op


def _check_masks(idx, shape):
    """torch names the mismatching mask dimension; NumPy's message differs, so check first."""
    items = idx if type(idx) is tuple else (idx,)
    d = 0
    n_ell = sum(1 for k in items if k is Ellipsis)
    for k in items:
        if k is None:
            continue
        if k is Ellipsis:
            d = len(shape) - sum(1 if not (type(k) is np.ndarray and k.dtype == bool) else k.ndim
                                 for k in items if k is not None and k is not Ellipsis) if n_ell == 1 else d
            continue
        if type(k) is np.ndarray and k.dtype == bool and k.ndim:
            for j in range(k.ndim):
                if d + j < len(shape) and k.shape[j] != shape[d + j]:
                    raise IndexError(f"The shape of the mask {list(k.shape)} at index {j} does not match the shape "
                                     f"of the indexed tensor {list(shape)} at index {d + j}")
            d += k.ndim
        elif type(k) is np.ndarray and k.dtype == bool:
            pass
        else:
            d += 1
    if d > len(shape) and n_ell == 0:
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")


def _check_put_dtype(dst, idx, src, size):
    """torch's rule for `x[advanced index] = tensor` of another dtype (`src` into `dst`, a value of `size`
    elements): refused, except a one-element value written through a single boolean mask (torch fills it,
    casting like masked_fill)."""
    if src == dst:
        return
    adv = [k for k in (idx if type(idx) is tuple else (idx,)) if type(k) is np.ndarray or type(k) is bool]
    if len(adv) == 1 and (type(adv[0]) is bool or adv[0].dtype == bool) and size == 1:
        return
    raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                       f"{D.scalar_type_name(dst)} for the destination and {D.scalar_type_name(src)} for the source.")


def _index_error(e, shape, idx=None):
    if len(shape) == 0 and idx is not None and type(idx) is not tuple:   # torch words a bare int / slice so
        first = idx
        if type(first) is int and first < 0:
            return IndexError(f"index {first} is out of bounds for dimension 0 with size 0")
        if type(first) is int:   # e.g. old code's `loss.data[0]`
            return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                              "in C++ to convert a 0-dim tensor to a number")
        if type(first) is slice:
            return IndexError("slice() cannot be applied to a 0-dim tensor.")
    msg = str(e)
    if "out of bounds" in msg:
        msg = msg.replace("axis", "dimension")
    elif msg.startswith("too many indices"):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    return IndexError(f"{msg} (indexing a tensor of shape {tuple(shape)})")


def _no_byte_mask_fill(key):
    """torch writes a one-element value (a number, a 0-d or one-element tensor) through a key with one mask
    as masked_fill_, which refuses uint8 masks (`x[mask] = v`, `index_put` without accumulate)."""
    items = key if type(key) is tuple else (key,)
    adv = [k for k in items if hasattr(k, "_data") and (k._data.ndim or k._data.dtype.kind == "b")
           or isinstance(k, (list, np.ndarray))]
    if len(adv) == 1 and hasattr(adv[0], "_data") and adv[0]._data.dtype == np.uint8:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")


def _scalar_value(v, dt):
    """A number written into a tensor of NumPy dtype `dt` by `x[key] = v`: torch's checks (numbers only; a
    value the integer dtype cannot hold is an error, as is NaN or inf)."""
    tv = type(v)
    if tv is not float and tv is not int and tv is not bool:
        if isinstance(v, np.generic) and v.dtype.kind in "biuf":
            v = v.item()
        else:
            name = tv.__name__ if tv.__module__ == "builtins" else f"{tv.__module__}.{tv.__qualname__}"
            raise TypeError(f"can't assign a {name} to a {D.legacy_type_name(dt)}")
    if dt.kind in "iu" and type(v) is not bool:
        if type(v) is int and v >= 2 ** 63:
            raise ValueError("Overflow when unpacking long long")
        info = np.iinfo(dt)
        if not (info.min <= v <= info.max) or v != v:
            raise RuntimeError(f"value cannot be converted to type {dt.name}_t without overflow")
    return v


# ---- index_* -----------------------------------------------------------------------------------------

def index_select(input, dim=None, index=None, *, out=None, axis=None):
    """The entries at `index` along dim (a copy). Matches `torch.index_select`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    idx = _index_arr(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    nd = input._data.ndim
    d = normalize_dim(dim, nd)
    src = input if nd else reshape(input, 1)
    if nd <= 1 and idx.size and (idx.max() >= src._data.shape[0] or idx.min() < 0):
        raise IndexError("index out of range in self")
    _check_bounds(idx, src._data.shape, d, RuntimeError, "index_select(): ")
    res = _unary(IndexSelect, src, d, idx.reshape(-1))
    return write_out(res if nd else reshape(res, idx.shape), out)


def _index_common(x, dim, index, source, name):
    idx = _index_arr(index, name)
    if not isinstance(source, TensorBase):
        raise TypeError(f"{name}(): argument 'source' must be Tensor, not {type(source).__name__}")
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    d = normalize_dim(dim, x._data.ndim)
    if source._data.dtype is not x._data.dtype:
        raise RuntimeError(f"{name}(): self ({_short(x)}) and source ({_short(source)}) must have the same "
                           f"scalar type")
    sshape = source._data.shape
    ns = sshape[d] if source._data.ndim else 1
    if idx.size != ns:
        err = IndexError if name == "index_copy_" else RuntimeError
        raise err(f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                  f"({ns}), for dim: {d}")
    exp = x._data.shape[:d] + (idx.size,) + x._data.shape[d + 1:]
    if source._data.ndim and tuple(sshape) != exp:
        raise RuntimeError(f"{name}(): source shape {list(sshape)} must match self shape "
                           f"{list(x._data.shape)} except at dim {d} (expected {list(exp)})")
    if x._data.size or x._data.ndim <= 1:   # torch skips the check on empty N-d tensors
        _check_bounds(idx, x._data.shape if x._data.ndim else (1,), d,
                      IndexError if name == "index_copy_" or x._data.ndim <= 1 and not x._data.size
                      else RuntimeError, f"{name}(): ")
    return idx, d


def index_add(input, dim=None, index=None, source=None, *, alpha=1, axis=None):
    """A copy with alpha * source added at `index` along dim. Matches `torch.index_add`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    idx, d = _index_common(input, dim, index, source, "index_add_")
    if not input._data.size:
        return clone(input)
    return _apply(IndexAdd, (input, source), d, idx, alpha)


def index_copy(input, dim=None, index=None, source=None, *, axis=None):
    """A copy with source's slices written at `index` along dim. Matches `torch.index_copy`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    idx, d = _index_common(input, dim, index, source, "index_copy_")
    if not input._data.size:
        return clone(input)
    return _apply(IndexCopy, (input, source), d, idx)


def index_fill(input, dim, index, value):
    """A copy with `value` written at `index` along dim. Matches `torch.index_fill`."""
    idx = _index_arr(index, "index_fill_", True, IndexError)
    if idx.ndim > 1:
        raise IndexError("index_fill_(): Index is supposed to be a vector")
    d = normalize_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    mask = np.zeros(input._data.shape, dtype=bool)
    mask[(slice(None),) * d + (idx.reshape(-1),)] = True
    return _masked_fill(input, mask, value, IndexFill)


def index_put(input, indices, values, accumulate=False):
    """A copy with `values` written (or added, accumulate=True) at a tuple of index tensors.
    Matches `torch.index_put`."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    idx, basic = _convert_index(tuple(indices), input._data.ndim)
    if type(idx) is not tuple:
        idx = (idx,)
    if len(idx) > input._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input._data.ndim} (got {len(idx)})")
    _check_masks(idx, input._data.shape)
    if not isinstance(values, TensorBase):
        values = _array_of(values, input._data.dtype)
    if not accumulate and values._data.size == 1:
        _no_byte_mask_fill(tuple(indices))
    if values._data.dtype is not input._data.dtype:
        if accumulate:
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got {_short(input)} "
                               f"for the destination and {_short(values)} for the source.")
        _check_put_dtype(input._data.dtype, idx, values._data.dtype, values._data.size)   # a fill: cast
        values = values.to(input.dtype)
    try:
        target = input._data[idx].shape
    except IndexError as e:
        raise _index_error(e, input._data.shape) from None
    try:
        np.broadcast_to(values._data, target)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(target)}") from None
    return _apply(IndexPut, (input, values), idx, bool(accumulate))


def index_put_(input, indices, values, accumulate=False):
    """index_put in place. Matches `torch.index_put_`."""
    return inplace(input, index_put, input, indices, values, accumulate)


# ---- masks -------------------------------------------------------------------------------------------

def _masked_fill(x, m, value, op):
    try:
        np.broadcast_shapes(m.shape, x._data.shape)
    except ValueError:
        _check_broadcast(x._data.shape, m.shape)
        raise
    if isinstance(value, TensorBase):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        if value._rg and STATE.enabled:
            v = value.to(x.dtype) if value._data.dtype is not x._data.dtype else value
            return where(_wrap(~m), x, v)   # x stays input 0 (the in-place form relies on it)
        value = value.item()
    shp = np.broadcast_shapes(m.shape, x._data.shape)
    return _unary(op, x if shp == x._data.shape else x.expand(shp), m, value)


def masked_fill(input, mask, value):
    """A copy with `value` where mask (broadcast) is True. Matches `torch.masked_fill`."""
    return _masked_fill(input, _mask_arr(mask, "masked_fill_"), value, MaskedFill)


def masked_select(input, mask, *, out=None):
    """The 1-D tensor of elements where mask (broadcast) is True. Matches `torch.masked_select`."""
    m = _mask_arr(mask, "masked_select")
    try:
        shp = np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        _check_broadcast(input._data.shape, m.shape)
        raise
    x = input if shp == input._data.shape else input.expand(shp)
    return write_out(_unary(MaskedSelect, x, np.broadcast_to(m, shp), False), out)


def masked_scatter(input, mask, source):
    """A copy whose masked positions take source's leading elements in order. Matches `torch.masked_scatter`."""
    m = _mask_arr(mask, "masked_scatter_")
    try:
        shp = np.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        _check_broadcast(input._data.shape, m.shape)
        raise
    if source._data.dtype is not input._data.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but got "
                           f"{_short(input)} and {_short(source)}")
    m = np.broadcast_to(m, shp)
    if np.count_nonzero(m) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    x = input if shp == input._data.shape else input.expand(shp)
    return _apply(MaskedScatter, (x, source), m)


# ---- flat indices and the positions of non-zeros ------------------------------------------------------

def take(input, index):
    """Elements at flat indices (input viewed as 1-D). Matches `torch.take`."""
    idx = _index_arr(index, "take", int64_only=True)
    n = input._data.size
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return _unary(Take, reshape(input, -1), idx, False)


def _put_(input, index, source, accumulate=False):
    if not input._data.flags.c_contiguous:       # no flat view of it: compute the result, then write it
        return inplace(input, put, input, index, source, accumulate)
    flat = input.view(-1)
    n = flat._data.shape[0]
    idx = _index_arr(index, "put_", int64_only=True)
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    index_put_(flat, (reshape(index, -1),), reshape(source, -1), accumulate)
    return input


def put(input, index, source, accumulate=False):
    """A copy with source written (or added) at flat indices. Matches `torch.put`."""
    return _put_(clone(input), index, source, accumulate)


def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) tensor, or a tuple of 1-D tensors. Matches `torch.nonzero`."""
    x = input._data
    nz = np.nonzero(x) if x.ndim else np.nonzero(x.reshape(1))
    if as_tuple:
        if x.ndim == 0:
            return (_wrap(nz[0].astype(np.int64)),)
        return tuple(_wrap(a.astype(np.int64)) for a in nz)
    if x.ndim == 0:
        return write_out(_wrap(np.zeros((len(nz[0]), 0), dtype=np.int64)), out)
    return write_out(_wrap(np.stack(nz, axis=1).astype(np.int64) if nz else np.zeros((0, 0), np.int64)), out)


def argwhere(input):
    """The (n, ndim) indices of the non-zero elements. Matches `torch.argwhere`."""
    return nonzero(input)


def unravel_index(indices, shape):
    """Tuple of coordinate tensors for flat indices into `shape`. Matches `torch.unravel_index`."""
    idx = _tensor_of(indices)._data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {D._FROM_NP[idx.dtype]}")
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if [s for s in shape if s < 0]:
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    # like torch: no bounds check, every coordinate is taken modulo its size (floor semantics)
    coords = []
    rest = idx.astype(np.int64)
    for size in reversed(shape):
        if size == 0:
            coords.append(np.zeros_like(rest))
            continue
        coords.append(np.mod(rest, size))
        rest = np.floor_divide(rest, size)
    coords.reverse()
    return tuple(_wrap(c.astype(np.int64)) for c in coords)


# ---- copies with a region replaced (gradients come from the clone + in-place write) --------------------

def select_scatter(input, src, dim=None, index=None, *, axis=None):
    """A copy of input with src written at `index` along dim. Matches `torch.select_scatter`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    out = clone(input)
    select(out, dim, index).copy_(src)
    return out


def slice_scatter(input, src, dim=0, start=None, end=None, step=1, *, axis=None):
    """A copy of input with src written into the slice start:end:step of dim. Matches `torch.slice_scatter`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    d = normalize_dim(dim, input._data.ndim)
    out = clone(input)
    out[(slice(None),) * d + (slice(start, end, step),)] = src
    return out


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input with src written on a diagonal. Matches `torch.diagonal_scatter`."""
    out = clone(input)
    diagonal(out, offset, dim1, dim2).copy_(src)
    return out


def narrow_copy(input, dim=None, start=None, length=None, *, axis=None):
    """narrow() as a new tensor. Matches `torch.narrow_copy`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    return clone(narrow(input, dim, start, length))


# ---- the Tensor methods ------------------------------------------------------------------------------

class IndexingMethods:
    __slots__ = ()

    index_select, index_add, index_copy, index_fill = index_select, index_add, index_copy, index_fill
    index_put, index_put_, masked_fill, masked_select, masked_scatter = (index_put, index_put_, masked_fill,
                                                                         masked_select, masked_scatter)
    take, put, nonzero, argwhere = take, put, nonzero, argwhere
    select_scatter, slice_scatter, diagonal_scatter, narrow_copy = (select_scatter, slice_scatter,
                                                                    diagonal_scatter, narrow_copy)
    put_ = _put_

    def __getitem__(self, key):
        """torch indexing: ints, slices (positive steps), None, ..., bool masks, integer tensors, sequences
        (lists, ranges) of them."""
        idx, basic = _convert_index(key, self._data.ndim)
        if basic is None:                 # torch's placement of the index dims: select first, then index
            return self[idx[0]][idx[1]]
        if not basic:
            _check_masks(idx, self._data.shape)
        try:
            if basic:
                ti = type(idx)
                op = Select if ti is int else Slice if ti is slice else _basic_op(idx, self._data.shape)
                return _view(op, self, idx, True)
            return _unary(Index, self, idx, False)
        except IndexError as e:
            raise _index_error(e, self._data.shape, idx) from None

    def __setitem__(self, key, value):
        """Write value (scalar or broadcastable tensor) at the indexed positions, in place."""
        idx, basic = _convert_index(key, self._data.ndim)
        if basic is None:                 # torch's placement of the index dims: through the selected view
            self[idx[0]][idx[1]] = value
            return
        if not basic:
            _check_masks(idx, self._data.shape)
            if not hasattr(value, "_data") or value._data.size == 1:     # torch: a masked_fill_
                _no_byte_mask_fill(key)
        if not self._data.flags.writeable:
            # an expand()ed tensor (a read-only NumPy view): like torch, write when the written positions
            # do not overlap (or through a mask)
            dst = self._data[idx] if basic else None
            if dst is not None and any(st == 0 and n > 1 for st, n in zip(dst.strides, dst.shape)):
                raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers "
                                   "to a single memory location. Please clone() the tensor before performing the "
                                   "operation.")
        try:
            if hasattr(value, "_data"):
                inplace(self, _apply, SetItem if basic else SetItemIndexPut, (self, value), idx, basic)
            else:
                value = _scalar_value(value, self._data.dtype)
                inplace(self, _unary, SetItemScalarSlices if basic else SetItemScalarIndexPut, self, idx, basic,
                        value)
        except IndexError as e:
            raise _index_error(e, self._data.shape, idx) from None
        except ValueError:
            v = value._data if hasattr(value, "_data") else value
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast "
                               f"to indexing result of shape {list(np.shape(self._data[idx]))}") from None

    # in-place forms (torch has them as methods only)
    def index_add_(self, dim=None, index=None, source=None, *, alpha=1, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        return inplace(self, lambda: index_add(self, dim, index, source, alpha=alpha))

    def index_copy_(self, dim=None, index=None, source=None, *, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        return inplace(self, index_copy, self, dim, index, source)

    def index_fill_(self, dim, index, value):
        return inplace(self, index_fill, self, dim, index, value)

    def masked_fill_(self, mask, value):
        m = _mask_arr(mask, "masked_fill_")
        try:
            b = np.broadcast_shapes(m.shape, self._data.shape)
        except ValueError:
            b = None
        if b != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(b) if b is not None else list(m.shape)}")
        return inplace(self, _masked_fill, self, m, value, MaskedFill)

    def masked_scatter_(self, mask, source):
        return inplace(self, masked_scatter, self, mask, source)

    def fill_diagonal_(self, fill_value, wrap=False):
        """Write fill_value on the main diagonal (wrap: restart it every ncols + 1 rows of a tall matrix)."""
        x = self._data
        if x.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        if x.ndim > 2 and len(set(x.shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        mask = np.zeros(x.shape, bool)
        np.fill_diagonal(mask, True, wrap=wrap)
        return inplace(self, _masked_fill, self, mask, fill_value, MaskedFill)
