"""Joining and rearranging: cat/stack and their variants, flip/roll/rot90, repeat/tile/repeat_interleave,
diff, triangles (tril/triu and their indices), diagonals (diag, diag_embed, diagflat, trace), block_diag,
cartesian_prod, combinations, meshgrid, sum_to_size. Kernels, the public functions and the Tensor methods.
Matches torch's.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np

from .. import _dtype as D
from .._inplace import inplace, write_out
from .._tensor_base import _PROMOTE_NP, TensorBase, _apply, _tensor_of, _unary, _wrap
from ._base import Op, b_reshape, b_sum, int_arg, normalize_dim, normalize_dims
from .convert import Clone
from .indexing import IndexSelect
from .views import DiagEmbed, _axis_index, _shape_arg, atleast_1d, atleast_2d, atleast_3d, narrow, reshape
from .views import diagonal as _diagonal  # `diagonal` is a parameter name below

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "flip", "fliplr", "flipud", "roll", "rot90", "tile", "repeat_interleave", "diff", "tril", "triu",
           "tril_indices", "triu_indices", "diag", "diag_embed", "diagflat", "trace", "block_diag",
           "cartesian_prod", "combinations", "meshgrid"]


# ---- kernels -------------------------------------------------------------------------------------

class Cat(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c", "c")

    @staticmethod
    def forward(*args):
        axis = args[-1]
        xs = args[:-1]
        nd = max(x.ndim for x in xs)
        # torch's legacy rule: 1-D empty inputs are skipped when the others have more dims
        sizes = tuple(None if (x.ndim == 1 and x.shape[0] == 0 and nd > 1) else x.shape[axis] for x in xs)
        keep = [x for x, s in zip(xs, sizes) if s is not None]
        return np.concatenate(keep, axis=axis), (axis, sizes)

    @staticmethod
    def backward(saved, g, needs):
        axis, sizes = saved
        out = []
        o = 0
        for s, n in zip(sizes, needs):
            if s is None:
                out.append(g.reshape(-1)[0:0] if n else None)
                continue
            out.append(g[_axis_index(axis, slice(o, o + s))] if n else None)
            o += s
        return tuple(out)


class Stack(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c",)

    @staticmethod
    def forward(*args):
        axis = args[-1]
        return np.stack(args[:-1], axis=axis), (axis,)

    @staticmethod
    def backward(saved, g, needs):
        axis = saved[0]
        return tuple(g[_axis_index(axis, i)] if n else None for i, n in enumerate(needs))



class Flip(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c",)

    @staticmethod
    def forward(x, axes):
        return np.flip(x, axes).copy(), (axes,)

    @staticmethod
    def backward(saved, g, needs):
        axes = saved[0]
        return (np.flip(g, axes) if type(g) is np.ndarray else g.flip(axes),)


class Roll(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c", "c")

    @staticmethod
    def forward(x, shifts, axes):
        return np.roll(x, shifts, axes), (shifts, axes)

    @staticmethod
    def backward(saved, g, needs):
        shifts, axes = saved
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        if type(g) is np.ndarray:
            return (np.roll(g, neg, axes),)
        return (g.roll(neg, axes),)


class Repeat(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c", "c")

    @staticmethod
    def forward(x, reps):
        pad = (1,) * (len(reps) - x.ndim) + x.shape
        return np.tile(x.reshape(pad), reps), (x.shape, reps)

    @staticmethod
    def backward(saved, g, needs):
        shape, reps = saved
        pad = (1,) * (len(reps) - len(shape)) + tuple(shape)
        inter = []
        for r, s in zip(reps, pad):
            inter += [r, s]
        g = b_reshape(g, tuple(inter))
        return (b_reshape(b_sum(g, axis=tuple(range(0, 2 * len(reps), 2))), tuple(shape)),)



class Tril(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c",)

    @staticmethod
    def forward(x, k):
        return np.tril(x, k), (k,)

    @staticmethod
    def backward(saved, g, needs):
        return (np.tril(g, saved[0]) if type(g) is np.ndarray else g.tril(saved[0]),)


class Triu(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c",)

    @staticmethod
    def forward(x, k):
        return np.triu(x, k), (k,)

    @staticmethod
    def backward(saved, g, needs):
        return (np.triu(g, saved[0]) if type(g) is np.ndarray else g.triu(saved[0]),)



class Trace(Op):
    saves = ("c",)

    @staticmethod
    def forward(x):
        # integer traces accumulate in int64, like torch's sum
        return np.asarray(np.trace(x, dtype=np.int64 if x.dtype.kind in "biu" else x.dtype)), (x.shape,)

    @staticmethod
    def backward(saved, g, needs):
        # d trace / dx = the identity (rectangular: ones on the main diagonal)
        n, m = saved[0]
        if type(g) is np.ndarray:
            return (np.eye(n, m, dtype=g.dtype) * g,)
        return (_wrap(np.eye(n, m, dtype=g._data.dtype)) * g,)


class Rot90(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c",)

    @staticmethod
    def forward(x, k, d0, d1):
        # torch's layout: a flipped copy, then (k odd) a transposed view of it
        if k == 1:
            out = np.swapaxes(np.flip(x, d1).copy(), d0, d1)
        elif k == 2:
            out = np.flip(x, (d0, d1)).copy()
        elif k == 3:
            out = np.swapaxes(np.flip(x, d0).copy(), d0, d1)
        else:
            out = x.copy()
        return out, ((k, d0, d1),)

    @staticmethod
    def backward(saved, g, needs):
        k, d0, d1 = saved[0]
        if type(g) is np.ndarray:
            return (np.rot90(g, -k, (d0, d1)),)
        return (g.rot90(-k, (d0, d1)),)


class RepeatInterleave(IndexSelect):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "ViewBackward0"          # repeat_interleave(int): torch views an expanded copy




class DiagonalCopy(Clone):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    bw_name = "DiagonalBackward0_copy"   # diag() of a matrix


# ---- public functions ------------------------------------------------------------------------------

def _tensor_list(tensors, name, nonempty=False):
    if isinstance(tensors, TensorBase):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    ts = list(tensors)
    for i, x in enumerate(ts):
        if not isinstance(x, TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}")
    if nonempty and not ts:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return ts


def _promote_all(tensors):
    dt = tensors[0]._data.dtype
    for x in tensors[1:]:
        d = x._data.dtype
        if d is not dt:
            dt = _PROMOTE_NP[(dt, d)]
    return [x if x._data.dtype is dt else x.to(D._FROM_NP[dt]) for x in tensors]


def cat(tensors, dim=0, *, out=None, axis=None):
    """Concatenate along an existing dim. Matches `torch.cat` (dtypes promote; empty 1-D inputs are skipped)."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
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
    return write_out(_apply(Cat, tuple(_promote_all(ts)), d), out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None, axis=None):
    """Join equal-shaped tensors along a new dim. Matches `torch.stack`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    ts = _tensor_list(tensors, "stack")
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = ts[0]._data.shape
    for i, x in enumerate(ts[1:], 1):
        if x._data.shape != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} at entry 0 and "
                               f"{list(x._data.shape)} at entry {i}")
    d = normalize_dim(dim, len(s0) + 1)
    return write_out(_apply(Stack, tuple(_promote_all(ts)), d), out)


def hstack(tensors, *, out=None):
    """cat along dim 1 (dim 0 for 1-D inputs). Matches `torch.hstack`."""
    ts = atleast_1d(_tensor_list(tensors, "hstack", True))
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """cat along dim 0 of the inputs made at least 2-D. Matches `torch.vstack`."""
    return cat(atleast_2d(_tensor_list(tensors, "vstack", True)), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """cat along dim 2 of the inputs made at least 3-D. Matches `torch.dstack`."""
    return cat(atleast_3d(_tensor_list(tensors, "dstack", True)), 2, out=out)


def column_stack(tensors, *, out=None):
    """cat along dim 1 of the inputs, 0-d and 1-d ones as columns. Matches `torch.column_stack`."""
    ts = [reshape(x, (-1, 1)) if x._data.ndim <= 1 else x
          for x in _tensor_list(tensors, "column_stack", True)]
    return cat(ts, 1, out=out)


# ---- reordering -----------------------------------------------------------------------------------------

def flip(input, dims):
    """Reverse the order along the given dims (a copy, as in torch). Matches `torch.flip`."""
    axes = _shape_arg(dims)
    axes = normalize_dims(axes, input._data.ndim) if input._data.ndim else ()
    return _unary(Flip, input, axes)


def fliplr(input):
    """flip along dim 1. Matches `torch.fliplr`."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    """flip along dim 0. Matches `torch.flipud`."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def roll(input, shifts, dims=None):
    """Shift elements circularly along dims (flattened when dims is None). Matches `torch.roll`."""
    sh = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(sh) != 1:
            raise RuntimeError(f"`shifts` required to be an int or a 1-length tuple when `dims` is None, "
                               f"got {len(sh)}")
        return _unary(Roll, input, sh[0], None)
    ds = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(ds) != len(sh):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(ds)}")
    ds = tuple(normalize_dim(d, input._data.ndim) for d in ds)
    return _unary(Roll, input, sh, ds)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of `dims`. Matches `torch.rot90`."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    nd = input._data.ndim
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = normalize_dim(dims[0], nd), normalize_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return _unary(Rot90, input, k % 4, d0, d1)


# ---- repetition ------------------------------------------------------------------------------------------

def _repeat(x, reps):
    if len(reps) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(reps)}: {list(reps)}")
    return _unary(Repeat, x, reps)


def tile(input, dims):
    """Like Tensor.repeat, with missing leading repeats taken as 1. Matches `torch.tile`."""
    reps = _shape_arg(dims)
    nd = input._data.ndim
    if len(reps) < nd:
        reps = (1,) * (nd - len(reps)) + reps
    return _repeat(input, reps)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None, axis=None):
    """Repeat each element (int or per-element tensor counts) along dim; flattened when dim is None.
    `repeat_interleave(repeats)` repeats the indices 0..n-1. Matches `torch.repeat_interleave`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    if repeats is None:   # torch.repeat_interleave(repeats): indices repeated by their counts
        r = _tensor_of(input)
        if r._data.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        rr = r._data.reshape(-1)
        return _wrap(np.repeat(np.arange(rr.size, dtype=r._data.dtype), rr))
    x = input if dim is not None else reshape(input, -1)
    d = normalize_dim(dim, x._data.ndim) if dim is not None else 0
    n = x._data.shape[d] if x._data.ndim else 1
    if isinstance(repeats, TensorBase):
        r = repeats._data
        if r.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if r.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave only accept int32 or int64 repeats, got {repeats.dtype}")
        r = r.reshape(-1)
    else:
        r = np.asarray([int(repeats)])
    if r.size == 1:
        r = np.broadcast_to(r, (n,))
    if r.size != n:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{r.size} and input.size({d}) = {n}")
    if np.any(r < 0):
        raise RuntimeError("repeats can not be negative")
    if x._data.ndim == 0:
        x = reshape(x, 1)
    op = IndexSelect if isinstance(repeats, TensorBase) else RepeatInterleave
    return _unary(op, x, d, np.repeat(np.arange(n), r))


def diff(input, n=1, dim=-1, prepend=None, append=None, *, axis=None):
    """n-th forward difference along dim, after concatenating prepend/append. Matches `torch.diff`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    x = _tensor_of(input)
    nd = x._data.ndim
    if nd == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = normalize_dim(dim, nd)
    if prepend is not None or append is not None:
        def as_part(extra):
            if not isinstance(extra, TensorBase):
                extra = _wrap(np.array(extra, dtype=x._data.dtype))
            if extra._data.ndim == 0:
                shp = list(x._data.shape)
                shp[d] = 1
                extra = extra.expand(*shp)
            return extra
        parts = ([as_part(prepend)] if prepend is not None else []) + [x] + (
            [as_part(append)] if append is not None else [])
        x = cat(parts, d)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    for _ in range(n):
        m = x._data.shape[d]
        if m == 0:
            break
        a, b = narrow(x, d, 1, m - 1), narrow(x, d, 0, m - 1)
        x = (a != b) if x._data.dtype.kind == "b" else a - b
    return x


# ---- triangles and diagonals ------------------------------------------------------------------------------

def tril(input, diagonal=0, *, out=None):
    """Zero the elements above the `diagonal`-th diagonal of the last two dims. Matches `torch.tril`."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return write_out(_unary(Tril, input, int_arg(diagonal, "diagonal")), out)


def triu(input, diagonal=0, *, out=None):
    """Zero the elements below the `diagonal`-th diagonal of the last two dims. Matches `torch.triu`."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return write_out(_unary(Triu, input, int_arg(diagonal, "diagonal")), out)


def _tri_args(row, col, offset):
    row, col, offset = int_arg(row, "row"), int_arg(col, "col"), int_arg(offset, "offset")
    for v, k in ((row, "row"), (col, "col")):
        if v < 0:
            raise RuntimeError(f"{k} must be non-negative, got{v}")
    return row, col, offset


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, n) coordinates of a row x col lower triangle. Matches `torch.tril_indices`."""
    row, col, offset = _tri_args(row, col, offset)
    r, c = np.tril_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype(D.to_dtype(dtype).np if dtype is not None else np.int64))


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, n) coordinates of a row x col upper triangle. Matches `torch.triu_indices`."""
    row, col, offset = _tri_args(row, col, offset)
    r, c = np.triu_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype(D.to_dtype(dtype).np if dtype is not None else np.int64))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims dim1, dim2) whose diagonal is the last dim of input. Matches `torch.diag_embed`."""
    nd = input._data.ndim + 1
    d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shp = list(input._data.shape[:-1]) if input._data.ndim else []
    m = (input._data.shape[-1] if input._data.ndim else 1) + abs(int(offset))
    for d in sorted((d1, d2)):
        shp.insert(d, m)
    src = input if input._data.ndim else reshape(input, 1)
    return _unary(DiagEmbed, src, tuple(shp), int(offset), d1, d2)


def diag(input, diagonal=0, *, out=None):
    """1-D: a matrix with input on a diagonal; 2-D: that diagonal (a copy). Matches `torch.diag`."""
    nd = input._data.ndim
    if nd == 1:
        return write_out(diag_embed(input, diagonal, 0, 1), out)
    if nd == 2:
        return write_out(_unary(DiagonalCopy, _diagonal(input, diagonal, 0, 1)), out)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{nd}D")



def diagflat(input, offset=0):
    """The flattened input on a diagonal of a matrix. Matches `torch.diagflat`."""
    return diag(reshape(input, -1), offset)


def trace(input):
    """The sum of a matrix's main diagonal. Matches `torch.trace`."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return _unary(Trace, input)


# ---- assembling ---------------------------------------------------------------------------------------

def block_diag(*tensors):
    """Block-diagonal matrix of the inputs (0-d/1-d inputs count as 1-row matrices). Matches `torch.block_diag`."""
    ts = [x if x._data.ndim == 2 else reshape(x, (1, -1)) if x._data.ndim == 1 else reshape(x, (1, 1))
          for x in tensors]
    for i, x in enumerate(tensors):
        if x._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{x._data.ndim} dimensions")
    if not ts:
        return _wrap(np.zeros((1, 0), dtype=D.get_default_dtype().np))
    ts = _promote_all(ts)
    rows = sum(x._data.shape[0] for x in ts)
    cols = sum(x._data.shape[1] for x in ts)
    out = _wrap(np.zeros((rows, cols), dtype=ts[0]._data.dtype))
    r = c = 0
    for x in ts:
        h, w = x._data.shape
        out[r:r + h, c:c + w] = x
        r += h
        c += w
    return out


def cartesian_prod(*tensors):
    """All combinations of the inputs' elements, one row each. Matches `torch.cartesian_prod`."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """Length-r combinations of a 1-D tensor's elements. Matches `torch.combinations`."""
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    n = input._data.shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(n), r)), dtype=np.int64).reshape(-1, r)
    if idx.size == 0:
        return input[np.zeros(0, dtype=np.int64)] if r == 1 else input.new_zeros((0, r))
    return stack([input[idx[:, k]] for k in range(r)], 1)


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
    ts = [reshape(x, -1) for x in ts]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(x._data.shape[0] for x in ts)
    n = len(ts)
    out = [reshape(x, (1,) * i + (-1,) + (1,) * (n - i - 1)).expand(shape) for i, x in enumerate(ts)]
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


# ---- the Tensor methods ------------------------------------------------------------------------------

class JoinMethods:
    __slots__ = ()

    fliplr, flipud, roll, rot90, diff = fliplr, flipud, roll, rot90, diff
    tril, triu, diag, diag_embed, diagflat, trace = tril, triu, diag, diag_embed, diagflat, trace

    def flip(self, *dims):
        return flip(self, dims)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return repeat_interleave(self, repeats, dim, output_size=output_size)

    def tile(self, *dims):
        return tile(self, dims)

    def repeat(self, *sizes):
        """Tile the data `sizes` times along each dim (copies). Matches `torch.Tensor.repeat`."""
        if not sizes:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        return _repeat(self, _shape_arg(sizes))

    def tril_(self, diagonal=0):
        return inplace(self, tril, self, diagonal)

    def triu_(self, diagonal=0):
        return inplace(self, triu, self, diagonal)

    def sum_to_size(self, *size):
        """Sum this tensor down to `size` (which it must be expandable to). Matches `torch.Tensor.sum_to_size`."""
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        shp = self._data.shape
        try:
            if np.broadcast_shapes(tuple(size), shp) != shp:
                raise ValueError
        except ValueError:
            raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                               f"{{{', '.join(map(str, shp))}}}.") from None
        lead = len(shp) - len(size)
        dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shp[lead + i] != 1)
        out = self.sum(dim=dims, keepdim=True) if dims else self
        return reshape(out, size) if lead else out
