"""`ember.*` function forms of shape and indexing ops (torch.cat, torch.gather, ...)."""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype as D
from ._ops import shape as S
from ._ops._base import normalize_dim
from ._tensor import Tensor
from ._tensor_base import _PROMOTE_NP, _apply, _wrap

__all__ = [
    "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose", "swapaxes", "swapdims",
    "movedim", "moveaxis", "t", "adjoint", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
    "repeat_interleave", "tile", "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack",
    "column_stack", "row_stack", "atleast_1d", "atleast_2d", "atleast_3d", "split", "chunk", "tensor_split",
    "hsplit", "vsplit", "unbind", "narrow", "select", "flip", "fliplr", "flipud", "roll", "rot90", "diag",
    "diagonal", "diag_embed", "diagflat", "tril", "triu", "tril_indices", "triu_indices", "trace", "meshgrid",
    "gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "index_copy",
    "index_fill", "masked_fill", "masked_select", "masked_scatter", "take", "take_along_dim", "nonzero",
    "argwhere", "index_put", "as_strided", "clone", "dsplit", "narrow_copy", "select_scatter",
    "slice_scatter", "diagonal_scatter", "block_diag", "cartesian_prod", "combinations",
]


def _out(res, out):
    """Write into a user-supplied `out=` tensor like torch (resized when shapes differ)."""
    if out is None:
        return res
    from ._functional_math import _out as write
    return write(res, out)


def _tensor(x):
    if isinstance(x, Tensor):
        return x
    from ._creation import tensor
    return tensor(x)


def _promote_all(tensors, name):
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        d = t._data.dtype
        if d is not dt:
            dt = _PROMOTE_NP[(dt, d)]
    return [t if t._data.dtype is dt else t.to(D._FROM_NP[dt]) for t in tensors]


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    ts = list(tensors)
    for i, t in enumerate(ts):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return ts


# ---- shape and views ---------------------------------------------------------------------------

def reshape(input, shape):
    return input.reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):
    return input.unflatten(dim, sizes)


def squeeze(input, dim=None):
    return input.squeeze(dim)


def unsqueeze(input, dim):
    return input.unsqueeze(dim)


def permute(input, dims):
    return input.permute(*dims)


def transpose(input, dim0, dim1):
    return input.transpose(dim0, dim1)


swapaxes = transpose
swapdims = transpose


def movedim(input, source, destination):
    return input.movedim(source, destination)


moveaxis = movedim


def t(input):
    return input.t()


def adjoint(input):
    return input.mT


def broadcast_shapes(*shapes):
    """The shape that `shapes` broadcast to. Matches `torch.broadcast_shapes`."""
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        from ._tensor_base import Size
        return Size(np.broadcast_shapes(*norm))
    except ValueError:
        n = max(len(s) for s in norm)
        pads = [(1,) * (n - len(s)) + s for s in norm]
        for i in range(n - 1, -1, -1):
            seen = {}
            for k, p in enumerate(pads):
                if p[i] != 1:
                    seen.setdefault(p[i], k)
            if len(seen) > 1:
                a, b = sorted(seen.values())[:2]
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   f"between arg {a} {norm[a]} and arg {b} {norm[b]}.") from None
        raise


def broadcast_to(input, size):
    return input.expand(size)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    except ValueError:
        from ._methods.shape import _broadcast_error
        a = tensors[0]._data.shape
        for t_ in tensors[1:]:
            try:
                a = np.broadcast_shapes(a, t_._data.shape)
            except ValueError:
                _broadcast_error(a, t_._data.shape)
        raise
    return tuple(x if x._data.shape == shape else x.expand(shape) for x in tensors)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:   # torch.repeat_interleave(repeats): indices repeated by their counts
        r = _tensor(input)
        if r._data.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        rr = r._data.reshape(-1)
        return _wrap(np.repeat(np.arange(rr.size, dtype=r._data.dtype), rr))
    return input.repeat_interleave(repeats, dim, output_size=output_size)


def tile(input, dims):
    return input.tile(dims)


# ---- joining -----------------------------------------------------------------------------------

def cat(tensors, dim=0, *, out=None):
    """Concatenate along an existing dim. Matches `torch.cat` (dtypes promote; empty 1-D inputs are skipped)."""
    ts = _tensor_list(tensors, "cat")
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(ts):
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    legacy = [x._data.ndim == 1 and x._data.shape[0] == 0 for x in ts]
    ri = next((i for i, e in enumerate(legacy) if not e), 0)
    rs = ts[ri]._data.shape
    nd = len(rs)
    d = normalize_dim(dim, nd)
    for i, x in enumerate(ts):
        if legacy[i] and i != ri:
            continue
        s = x._data.shape
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {len(s)}")
        for j in range(nd):
            if j != d and s[j] != rs[j]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {rs[j]} but "
                                   f"got size {s[j]} for tensor number {i} in the list.")
    dts = _promote_all(ts, "cat")
    return _out(_apply(S.Cat, tuple(dts), d), out)


concat = cat
concatenate = cat


def stack(tensors, dim=0, *, out=None):
    ts = _tensor_list(tensors, "stack")
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = ts[0]._data.shape
    for i, x in enumerate(ts[1:], 1):
        if x._data.shape != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} at entry 0 and "
                               f"{list(x._data.shape)} at entry {i}")
    d = normalize_dim(dim, len(s0) + 1)
    return _out(_apply(S.Stack, tuple(_promote_all(ts, "stack")), d), out)


def atleast_1d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = tuple(x.reshape(1) if x._data.ndim == 0 else x for x in ts)
    return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) else out


def atleast_2d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = tuple(x.reshape(1, 1) if x._data.ndim == 0 else x.unsqueeze(0) if x._data.ndim == 1 else x for x in ts)
    return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) else out


def atleast_3d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors

    def one(x):
        n = x._data.ndim
        if n == 0:
            return x.reshape(1, 1, 1)
        if n == 1:
            return x.reshape(1, -1, 1)
        if n == 2:
            return x.unsqueeze(-1)
        return x
    out = tuple(one(x) for x in ts)
    return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) else out


def hstack(tensors, *, out=None):
    ts = atleast_1d(_tensor_list(tensors, "hstack"))
    return _out(cat(ts, 0 if ts[0]._data.ndim == 1 else 1), out)


def vstack(tensors, *, out=None):
    return _out(cat(atleast_2d(_tensor_list(tensors, "vstack")), 0), out)


row_stack = vstack


def dstack(tensors, *, out=None):
    return _out(cat(atleast_3d(_tensor_list(tensors, "dstack")), 2), out)


def column_stack(tensors, *, out=None):
    ts = [x.reshape(-1, 1) if x._data.ndim <= 1 else x for x in _tensor_list(tensors, "column_stack")]
    return _out(cat(ts, 1), out)


# ---- splitting and slicing ---------------------------------------------------------------------

def split(tensor, split_size_or_sections, dim=0):
    return tensor.split(split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def tensor_split(input, indices_or_sections, dim=0):
    return input.tensor_split(indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    return input.hsplit(indices_or_sections)


def vsplit(input, indices_or_sections):
    return input.vsplit(indices_or_sections)


def dsplit(input, indices_or_sections):
    return input.dsplit(indices_or_sections)


def narrow_copy(input, dim, start, length):
    return input.narrow_copy(dim, start, length)


def select_scatter(input, src, dim, index):
    return input.select_scatter(src, dim, index)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    return input.slice_scatter(src, dim, start, end, step)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    return input.diagonal_scatter(src, offset, dim1, dim2)


def block_diag(*tensors):
    """Block-diagonal matrix of the inputs (0-d/1-d inputs count as 1-row matrices). Matches `torch.block_diag`."""
    ts = [t if t._data.ndim == 2 else t.reshape(1, -1) if t._data.ndim == 1 else t.reshape(1, 1) for t in tensors]
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    if not ts:
        return _wrap(np.zeros((1, 0), dtype=D.get_default_dtype().np))
    ts = _promote_all(ts, "block_diag")
    rows = sum(t._data.shape[0] for t in ts)
    cols = sum(t._data.shape[1] for t in ts)
    from ._creation import zeros
    out = zeros(rows, cols, dtype=ts[0].dtype)
    r = c = 0
    for t in ts:
        h, w = t._data.shape
        out[r:r + h, c:c + w] = t
        r += h
        c += w
    return out


def cartesian_prod(*tensors):
    """All combinations of the inputs' elements, one row each. Matches `torch.cartesian_prod`."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """Length-r combinations of a 1-D tensor's elements. Matches `torch.combinations`."""
    import itertools
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    n = input._data.shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(n), r)), dtype=np.int64).reshape(-1, r)
    if idx.size == 0:
        return input[np.zeros(0, dtype=np.int64)] if r == 1 else input.new_zeros((0, r)) if hasattr(
            input, "new_zeros") else _wrap(np.zeros((0, r), dtype=input._data.dtype))
    return stack([input[idx[:, k]] for k in range(r)], 1)


def unbind(input, dim=0):
    return input.unbind(dim)


def narrow(input, dim, start, length):
    return input.narrow(dim, start, length)


def select(input, dim, index):
    return input.select(dim, index)


def flip(input, dims):
    return input.flip(dims)


def fliplr(input):
    return input.fliplr()


def flipud(input):
    return input.flipud()


def roll(input, shifts, dims=None):
    return input.roll(shifts, dims)


def rot90(input, k=1, dims=(0, 1)):
    return input.rot90(k, dims)


def diag(input, diagonal=0, *, out=None):
    return _out(input.diag(diagonal), out)


def diagonal(input, offset=0, dim1=0, dim2=1):
    return input.diagonal(offset, dim1, dim2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    return input.diag_embed(offset, dim1, dim2)


def diagflat(input, offset=0):
    return input.reshape(-1).diag(offset)


def tril(input, diagonal=0, *, out=None):
    return _out(input.tril(diagonal), out)


def triu(input, diagonal=0, *, out=None):
    return _out(input.triu(diagonal), out)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    r, c = np.tril_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype(D.to_dtype(dtype).np if dtype is not None else np.int64))


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    r, c = np.triu_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype(D.to_dtype(dtype).np if dtype is not None else np.int64))


def trace(input):
    return input.trace()


def meshgrid(*tensors, indexing=None):
    """Coordinate grids (views of the inputs, expanded). Matches `torch.meshgrid` (default 'ij')."""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    ts = list(ts)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for x in ts:
        if x._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {x}")
    if ts and any(x._data.dtype is not ts[0]._data.dtype for x in ts):
        raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype")
    ts = [x.reshape(-1) for x in ts]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(x._data.shape[0] for x in ts)
    n = len(ts)
    out = [x.reshape((1,) * i + (-1,) + (1,) * (n - i - 1)).expand(shape) for i, x in enumerate(ts)]
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


# ---- gather/scatter/index/mask -----------------------------------------------------------------

def gather(input, dim, index, *, sparse_grad=False, out=None):
    return _out(input.gather(dim, index), out)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    return input.scatter(dim, index, src, value, reduce=reduce)


def scatter_add(input, dim, index, src):
    return input.scatter_add(dim, index, src)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    return input.scatter_reduce(dim, index, src, reduce, include_self=include_self)


def index_select(input, dim, index, *, out=None):
    return _out(input.index_select(dim, index), out)


def index_add(input, dim, index, source, *, alpha=1):
    return input.index_add(dim, index, source, alpha=alpha)


def index_copy(input, dim, index, source):
    return input.index_copy(dim, index, source)


def index_fill(input, dim, index, value):
    return input.index_fill(dim, index, value)


def masked_fill(input, mask, value):
    return input.masked_fill(mask, value)


def masked_select(input, mask, *, out=None):
    return _out(input.masked_select(mask), out)


def masked_scatter(input, mask, source):
    return input.masked_scatter(mask, source)


def take(input, index):
    return input.take(index)


def take_along_dim(input, indices, dim=None, *, out=None):
    return _out(input.take_along_dim(indices, dim), out)


def nonzero(input, *, out=None, as_tuple=False):
    return _out(input.nonzero(as_tuple=as_tuple), out)


def argwhere(input):
    return input.argwhere()


def index_put(input, indices, values, accumulate=False):
    return input.index_put(indices, values, accumulate)


def as_strided(input, size, stride, storage_offset=0):
    return input.as_strided(size, stride, storage_offset)


def clone(input, *, memory_format=None):
    return input.clone()
