"""Views: reshape/view, flatten, squeeze/unsqueeze, permute/transpose, expand, narrow/select, split/chunk/
unbind, diagonal, as_strided, unfold, contiguous, atleast_*. Kernels, the public functions and the Tensor
methods. Matches torch's.

A view's forward returns a NumPy view (the memory is shared) and `_view` shares the version counter.
The basic-indexing kernel `Index` lives here because select, narrow, split and unbind are views taken by
indexing; `ember/_ops/indexing.py` builds `x[key]`, gather/scatter and the index_* ops on top of it.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .._inplace import AsStrided, become_view
from .._tensor_base import Size, _apply, _check_broadcast, _tensor_of, _unary, _view, _wrap_view
from ._base import Op, b_reshape, b_transpose, int_arg, int_list_arg, normalize_dim, normalize_dims
from .convert import Clone

__all__ = ["reshape", "flatten", "unflatten", "ravel", "squeeze", "unsqueeze", "permute", "transpose", "swapaxes",
           "swapdims", "t", "adjoint", "movedim", "moveaxis", "broadcast_to", "broadcast_tensors",
           "broadcast_shapes", "narrow", "select", "split", "split_with_sizes", "chunk", "tensor_split", "hsplit",
           "vsplit", "dsplit", "unbind", "diagonal", "as_strided", "as_strided_", "atleast_1d", "atleast_2d",
           "atleast_3d"]


# ---- kernels -------------------------------------------------------------------------------------

class Reshape(Op):
    saves = ("c",)
    bw_name = "ViewBackward0"

    @staticmethod
    def forward(x, shape):
        return x.reshape(shape), (x.shape,)

    @staticmethod
    def backward(saved, g, needs):
        return (b_reshape(g, saved[0]),)


class Permute(Op):
    saves = ("c",)

    @staticmethod
    def forward(x, axes):
        return x.transpose(axes), (axes,)

    @staticmethod
    def backward(saved, g, needs):
        inv = tuple(np.argsort(saved[0]).tolist())
        return (b_transpose(g, inv),)


class Transpose(Permute):
    pass


class Expand(Op):
    @staticmethod
    def forward(x, shape):
        return np.broadcast_to(x, shape), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)   # the engine sums g back to the input's shape


def _axis_index(axis, idx):
    return (slice(None),) * axis + (idx,)


def _add_rows(shape, axis, idx, g):
    """zeros(shape) plus g's slices along `axis` added at positions idx (1-D, repeats accumulate).

    Sort + reduceat instead of np.add.at, which is several times slower for row scatters.
    """
    n = shape[axis]
    gm = np.moveaxis(g, axis, 0) if axis else g
    if idx.size and idx.min() < 0:
        idx = np.where(idx < 0, idx + n, idx)
    out = np.zeros((n,) + tuple(gm.shape[1:]), dtype=g.dtype)
    if idx.size:
        order = np.argsort(idx, kind="stable")
        si = idx[order]
        starts = np.flatnonzero(np.concatenate(([True], si[1:] != si[:-1])))
        if starts.size == si.size:
            out[idx] = gm
        else:
            out[si[starts]] = np.add.reduceat(gm[order], starts, axis=0)
    return np.moveaxis(out, 0, axis) if axis else out


def _int_index(idx):
    """np.add.at mistreats boolean masks: spell each k-d mask as its k integer index arrays."""
    items = idx if type(idx) is tuple else (idx,)
    if not any(type(k) is np.ndarray and k.dtype == bool and k.ndim for k in items):
        return idx
    out = []
    for k in items:
        if type(k) is np.ndarray and k.dtype == bool and k.ndim:
            out.extend(np.nonzero(k))
        else:
            out.append(k)
    return tuple(out)


class Index(Op):
    """x[idx]; idx is a key NumPy understands (ints, slices, None, Ellipsis, int/bool arrays)."""
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, idx, basic):
        out = x[idx]
        if type(out) is not np.ndarray:   # all-integer index: NumPy gives a scalar, torch a 0-d view
            out = x[(idx if type(idx) is tuple else (idx,)) + (Ellipsis,)]
        return out, (x.shape, idx, basic)

    @staticmethod
    def backward(saved, g, needs):
        shape, idx, basic = saved
        if type(g) is np.ndarray:
            return (_index_backward(g, shape, idx, basic),)
        return (_apply(IndexBackward, (g,), shape, idx, basic),)


def _index_backward(g, shape, idx, basic):
    """zeros(shape) with g scattered back through the index (repeated positions accumulate)."""
    if basic:
        gx = np.zeros(shape, dtype=g.dtype)
        gx[idx] = g
        return gx
    if type(idx) is np.ndarray and idx.dtype != np.bool_ and idx.ndim:
        # x[int_array]: a row scatter along dim 0
        return _add_rows(shape, 0, idx.reshape(-1), g.reshape((idx.size,) + tuple(shape[1:])))
    items = idx if type(idx) is tuple else (idx,)
    if all(not (type(k) is np.ndarray and k.dtype != np.bool_) for k in items):
        gx = np.zeros(shape, dtype=g.dtype)   # only masks, ints and slices: no position repeats
        gx[idx] = g
        return gx
    gx = np.zeros(shape, dtype=g.dtype)
    np.add.at(gx, _int_index(idx), g)
    return gx


class IndexBackward(Op):
    """The adjoint of Index: scatter-add g into zeros (differentiable for double backward)."""
    saves = ("c", "c")
    bw_name = "IndexPutBackward0"

    @staticmethod
    def forward(g, shape, idx, basic):
        return _index_backward(g, shape, idx, basic), (idx, basic)

    @staticmethod
    def backward(saved, gg, needs):
        idx, basic = saved
        if type(gg) is np.ndarray:
            return (gg[idx],)
        return (_apply(Index, (gg,), idx, basic),)


def _diag_view(x, offset, d1, d2):
    """A writable strided view of x's diagonal (dims d1, d2 removed, the diagonal appended last)."""
    n1, n2 = x.shape[d1], x.shape[d2]
    if offset >= 0:
        s1, s2, L = 0, offset, max(0, min(n1, n2 - offset))
    else:
        s1, s2, L = -offset, 0, max(0, min(n1 + offset, n2))
    if L > 0:
        sl = [slice(None)] * x.ndim
        sl[d1] = slice(s1, None)
        sl[d2] = slice(s2, None)
        x = x[tuple(sl)]
    keep = [d for d in range(x.ndim) if d != d1 and d != d2]
    shape = tuple(x.shape[d] for d in keep) + (L,)
    strides = tuple(x.strides[d] for d in keep) + (x.strides[d1] + x.strides[d2],)
    return np.lib.stride_tricks.as_strided(x, shape, strides)


class Diagonal(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(x, offset, d1, d2):
        return _diag_view(x, offset, d1, d2), (x.shape, (offset, d1, d2))

    @staticmethod
    def backward(saved, g, needs):
        shape, args = saved
        if type(g) is np.ndarray:
            return (DiagEmbed.forward(g, shape, *args)[0],)
        return (_apply(DiagonalBackward, (g,), shape, *args),)


class DiagEmbed(Op):
    """Zeros of `shape` with g on the (offset, d1, d2) diagonal: the adjoint of Diagonal."""
    saves = ("c",)

    @staticmethod
    def forward(g, shape, offset, d1, d2):
        out = np.zeros(shape, dtype=g.dtype)
        _diag_view(out, offset, d1, d2)[...] = g
        return out, ((offset, d1, d2),)

    @staticmethod
    def backward(saved, gg, needs):
        offset, d1, d2 = saved[0]
        if type(gg) is np.ndarray:
            return (_diag_view(gg, offset, d1, d2),)
        return (gg.diagonal(offset, d1, d2),)


class DiagonalBackward(DiagEmbed):
    pass


def _unfold_view(x, dim, size, step):
    n = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
    st = x.strides
    strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
    return np.lib.stride_tricks.as_strided(x, shape, strides)


class Unfold(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(x, dim, size, step):
        return _unfold_view(x, dim, size, step), (x.shape, (dim, size, step))

    @staticmethod
    def backward(saved, g, needs):
        shape, args = saved
        if type(g) is np.ndarray:
            return (UnfoldBackward.forward(g, shape, *args)[0],)
        return (_apply(UnfoldBackward, (g,), shape, *args),)


class UnfoldBackward(Op):
    saves = ("c",)

    @staticmethod
    def forward(g, shape, dim, size, step):
        out = np.zeros(shape, dtype=g.dtype)
        n = g.shape[dim]
        for j in range(size):     # a loop over the window length, not over elements
            sl = _axis_index(dim, slice(j, j + step * (n - 1) + 1, step))
            out[sl] += g[..., j]
        return out, ((dim, size, step),)

    @staticmethod
    def backward(saved, gg, needs):
        dim, size, step = saved[0]
        if type(gg) is np.ndarray:
            return (_unfold_view(gg, dim, size, step),)
        return (gg.unfold(dim, size, step),)


class AsStridedView(AsStrided):   # the user-facing as_strided
    """x.as_strided(size, stride, offset) on a C-contiguous x: a NumPy strided view of x's memory."""
    bw_name = "AsStridedBackward0"

    @staticmethod
    def forward(x, size, stride, offset, pos, overlap):
        isz = x.itemsize
        out = np.lib.stride_tricks.as_strided(x.reshape(-1)[offset:], size, tuple(s * isz for s in stride))
        return out, (pos, x.shape, overlap)


# torch's grad_fn names: the same kernels under the names torch gives their backward nodes
# (`grad_fn.name()`). The engine reads `op.bw_name` only, so a subclass that renames costs nothing.

class Unsqueeze(Reshape):
    bw_name = "UnsqueezeBackward0"


class SqueezeAll(Reshape):
    bw_name = "SqueezeBackward0"       # squeeze()


class SqueezeDim(Reshape):
    bw_name = "SqueezeBackward1"       # squeeze(int)


class SqueezeDims(Reshape):
    bw_name = "SqueezeBackward2"       # squeeze(tuple)


class ReshapeCopy(Reshape):
    bw_name = "UnsafeViewBackward0"    # reshape that had to copy


class ExpandSame(Reshape):
    bw_name = "ExpandBackward0"        # expand to the same shape: a plain (writable) view


class TransposeT(Transpose):
    bw_name = "TBackward0"             # t()


class Select(Index):
    bw_name = "SelectBackward0"        # x[i], select, unbind


class Slice(Index):
    bw_name = "SliceBackward0"         # x[a:b], narrow, tensor_split


class Alias(Index):
    bw_name = "AliasBackward0"         # x[...], x[:, :]


class IndexUnsqueeze(Index):
    bw_name = "UnsqueezeBackward0"     # x[None]


class Split(Index):
    bw_name = "SplitBackward0"         # split(int), chunk


class SplitWithSizes(Index):
    bw_name = "SplitWithSizesBackward0"


class Unbind(Index):
    bw_name = "UnbindBackward0"


# ---- public functions ------------------------------------------------------------------------------

def _shape_arg(args):
    """Sizes given as ints, one tuple/list/Size, or a 1-D tensor -> a tuple of Python ints. `args` is a
    method's varargs tuple, or a function's single argument (an int, a sequence or a tensor)."""
    if type(args) is not tuple:
        args = (args,)
    if len(args) == 1:
        a = args[0]
        if type(a) is not int:
            if isinstance(a, (tuple, list)):
                args = a
            elif hasattr(a, "_data"):
                args = a.tolist() if a._data.ndim else (int_arg(a, 'size'),)
            elif isinstance(a, np.integer):
                return (int(a),)
            else:
                raise TypeError(f"shape must be a sequence of ints, not {type(a).__name__}")
    for s in args:
        if type(s) is not int:
            return tuple(int_list_arg(args, "size"))   # NumPy ints, 0-d integer tensors
    return tuple(args)


def _infer_shape(shape, numel):
    """Resolve one -1 in `shape` against `numel`; torch's errors otherwise."""
    known = 1
    neg = -1
    for i, s in enumerate(shape):
        if s < 0:
            if s != -1:
                raise RuntimeError(f"invalid shape dimension {s}")
            if neg >= 0:
                raise RuntimeError("only one dimension can be inferred")
            neg = i
        else:
            known *= s
    if neg >= 0:
        if known == 0 or numel % known:
            if known == 0:
                raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                                   f"unspecified dimension size -1 can be any value and is ambiguous")
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg] + (numel // known,) + shape[neg + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input, shape):
    """Same data in a new shape (a view when the memory allows, else a copy); one size may be -1.
    Matches `torch.reshape`."""
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    out = _view(Reshape, input, shape)
    if out._vc is not input._vc and out._node is not None:
        out._node.op = ReshapeCopy
    return out


def ravel(input):
    """The elements as a 1-D tensor (a view when possible). Matches `torch.ravel`."""
    return reshape(_tensor_of(input), -1)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one. Matches `torch.flatten`."""
    nd = input._data.ndim
    if nd == 0:
        normalize_dim(start_dim, 0)        # a 0-d tensor takes dims 0 / -1 only (IndexError otherwise)
        normalize_dim(end_dim, 0)
        return reshape(input, 1)
    s = normalize_dim(start_dim, nd)
    e = normalize_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shp = input._data.shape
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return reshape(input, shp[:s] + (n,) + shp[e + 1:])


def unflatten(input, dim=None, sizes=None, *, axis=None):
    """Split dim into `sizes` (one may be -1). Matches `torch.unflatten`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    nd = input._data.ndim
    d = normalize_dim(dim, nd)
    shp = input._data.shape
    sizes = _infer_shape(_shape_arg(sizes), shp[d])
    return reshape(input, shp[:d] + tuple(sizes) + shp[d + 1:])


def squeeze(input, dim=None, *, axis=None):
    """Drop size-1 dims (all, or those in `dim`: an int or a tuple). Matches `torch.squeeze`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    shp = input._data.shape
    if dim is None:
        new = tuple(s for s in shp if s != 1)
        op = SqueezeAll
    else:
        op = SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim
        dims = set(normalize_dims(dim, max(len(shp), 1)))
        new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
    return _view(op, input, new)


def unsqueeze(input, dim=None, *, axis=None):
    """Insert a size-1 dim at `dim`. Matches `torch.unsqueeze`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    shp = input._data.shape
    d = normalize_dim(dim, len(shp) + 1)
    return _view(Unsqueeze, input, shp[:d] + (1,) + shp[d:])


def permute(input, dims):
    """Reorder the dims (a view). Matches `torch.permute`."""
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
                           f"len(dims) = {len(dims)}")
    axes = tuple(normalize_dim(d, nd) for d in dims)
    if len(set(axes)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view(Permute, input, axes)


def transpose(input, dim0, dim1):
    """Swap two dims (a view). Matches `torch.transpose`."""
    nd = input._data.ndim
    if nd == 0:
        return input
    a, b = normalize_dim(dim0, nd), normalize_dim(dim1, nd)
    axes = list(range(nd))
    axes[a], axes[b] = axes[b], axes[a]
    return _view(Transpose, input, tuple(axes))


swapaxes = swapdims = transpose


def t(input):
    """The transpose of a matrix (0-d and 1-d tensors are returned as they are). Matches `torch.t`."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _view(TransposeT, input, (1, 0)) if nd == 2 else input


def adjoint(input):
    """The (conjugate) transpose of the last two dims; ember tensors are real. Matches `torch.adjoint`."""
    return _mT(input)


def movedim(input, source, destination):
    """Move dims from `source` to `destination` positions (a view). Matches `torch.movedim`."""
    nd = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    src = tuple(normalize_dim(d, nd) for d in src)
    dst = tuple(normalize_dim(d, nd) for d in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    if nd == 0:
        return _view(Reshape, input, ())
    return _view(Permute, input, tuple(order))


moveaxis = movedim


def _expand(x, sizes):
    shp = x._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shp)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(shp)})")
    off = len(sizes) - len(shp)
    out = []
    for i, s in enumerate(sizes):
        if i < off:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            out.append(s)
            continue
        cur = shp[i - off]
        if s == -1:
            out.append(cur)
        elif cur == 1 or cur == s:
            out.append(s)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(shp)}")
    out = tuple(out)
    if out == shp:
        return _view(ExpandSame, x, out)
    return _view(Expand, x, out)


def broadcast_to(input, size):
    """input expanded to `size` (a view; -1 keeps a size). Matches `torch.broadcast_to`."""
    return _expand(input, _shape_arg(size))


def broadcast_shapes(*shapes):
    """The shape that `shapes` broadcast to. Matches `torch.broadcast_shapes`."""
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
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


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views). Matches `torch.broadcast_tensors`."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = np.broadcast_shapes(*[x._data.shape for x in tensors])
    except ValueError:
        a = tensors[0]._data.shape
        for x in tensors[1:]:
            try:
                a = np.broadcast_shapes(a, x._data.shape)
            except ValueError:
                _check_broadcast(a, x._data.shape)
        raise
    return tuple(x if x._data.shape == shape else _expand(x, shape) for x in tensors)


def narrow(input, dim=None, start=None, length=None, *, axis=None):
    """The view [start, start + length) along dim. Matches `torch.narrow`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    d = normalize_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    start = int_arg(start, "start")
    length = int_arg(length, "length")
    if start < -n or start > n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _view(Slice, input, (slice(None),) * d + (slice(start, start + length),), True)


def select(input, dim=None, index=None, *, axis=None):
    """The view at `index` along dim (that dim removed). Matches `torch.select`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, nd)
    n = input._data.shape[d]
    index = int_arg(index, "index")
    if index < -n or index >= n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at "
                         f"dimension {d}")
    return _view(Select, input, (slice(None),) * d + (index,), True)


def split(tensor, split_size_or_sections, dim=0):
    """Views of chunks of `split_size_or_sections` (or the listed sizes) along dim. Matches `torch.split`."""
    nd = tensor._data.ndim
    d = normalize_dim(dim, nd)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int_arg(s, "split_sizes") for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                               f"size at dimension {d}), but got split_sizes={sizes}")
        op = SplitWithSizes
    else:
        size = int_arg(split_size_or_sections, "split_size")
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0:
            if n != 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size "
                                   f"of {n}")
            return (narrow(tensor, d, 0, 0),)
        sizes = [size] * (n // size) + ([n % size] if n % size or n == 0 else [])
        op = Split
    lead = (slice(None),) * d
    out = []
    o = 0
    for s in sizes:
        out.append(_view(op, tensor, lead + (slice(o, o + s),), True))
        o += s
    return tuple(out)


def split_with_sizes(input, split_sizes, dim=0, *, axis=None):
    """Views of the listed sizes along dim. Matches `torch.split_with_sizes`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    return split(input, list(split_sizes), dim)


def chunk(input, chunks, dim=0, *, axis=None):
    """Up to `chunks` equal views along dim (the last may be smaller). Matches `torch.chunk`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    chunks = int_arg(chunks, "chunks")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    size = -(-n // chunks) if n else 0
    if size == 0:
        return tuple(narrow(input, d, 0, 0) for _ in range(chunks)) if n == 0 else ()
    return split(input, size, d)


def tensor_split(input, indices_or_sections, dim=0, *, axis=None):
    """Views split into n near-equal parts or at the given indices. Matches `torch.tensor_split`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    d = normalize_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    ios = indices_or_sections
    if hasattr(ios, "_data"):
        if ios._data.ndim == 0:
            ios = int_arg(ios, "sections")
        else:
            ios = ios.tolist()
    if isinstance(ios, (list, tuple)):
        ios = [int_arg(i, "indices") for i in ios]
        bounds = [0] + [min(max(i if i >= 0 else n + i, 0), n) for i in ios] + [n]
        out = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            out.append(narrow(input, d, a, max(b - a, 0)) if b >= a else narrow(input, d, a, 0))
        return tuple(out)
    k = int_arg(ios, "sections")
    if k <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {k}")
    q, r = divmod(n, k)
    out = []
    o = 0
    for s in [q + 1] * r + [q] * (k - r):
        out.append(narrow(input, d, o, s))
        o += s
    return tuple(out)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for 1-D input). Matches `torch.hsplit`."""
    return tensor_split(input, indices_or_sections, 1 if input._data.ndim > 1 else 0)


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0. Matches `torch.vsplit`."""
    return tensor_split(input, indices_or_sections, 0)


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2. Matches `torch.dsplit`."""
    if input._data.ndim < 3:
        raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with "
                           f"{input._data.ndim} dimensions!")
    return tensor_split(input, indices_or_sections, 2)


def unbind(input, dim=0, *, axis=None):
    """The slices along dim, as a tuple of views. Matches `torch.unbind`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(dim, input._data.ndim)
    lead = (slice(None),) * d
    return tuple(_view(Unbind, input, lead + (i,), True) for i in range(input._data.shape[d]))


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of the (offset) diagonal of dims dim1, dim2, as the last dim. Matches `torch.diagonal`."""
    nd = input._data.ndim
    d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _view(Diagonal, input, int_arg(offset, "offset"), d1, d2)


def as_strided(input, size, stride, storage_offset=0):
    """A strided view of input's (contiguous) memory. Matches `torch.as_strided`."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    x = input._data
    if not x.flags.c_contiguous:
        raise RuntimeError("ember: as_strided needs a contiguous tensor; call .contiguous() first")
    off = int(storage_offset)
    pos = np.full(size, off, dtype=np.int64)
    for k, (n, st) in enumerate(zip(size, stride)):
        pos = pos + (np.arange(n, dtype=np.int64) * st).reshape((-1,) + (1,) * (len(size) - k - 1))
    numel = x.size
    if pos.size and (pos.max() >= numel or off < 0):
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off}, and "
                           f"itemsize {x.itemsize} requiring a storage size of "
                           f"{(int(pos.max()) + 1) * x.itemsize} are out of bounds for storage of size "
                           f"{numel * x.itemsize}")
    overlap = pos.size > 1 and np.unique(pos).size != pos.size
    return _view(AsStridedView, input, size, stride, off, pos, overlap)


def as_strided_(input, size, stride, storage_offset=0):
    """as_strided in place: input takes the strided view's shape. Matches `torch.as_strided_`."""
    return become_view(input, as_strided(input, size, stride, storage_offset))


def _atleast(tensors, one):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    for i, x in enumerate(ts):
        if not hasattr(x, "_data"):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}")
    out = tuple(one(x) for x in ts)
    return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) else out


def _at1(x):
    return reshape(x, 1) if x._data.ndim == 0 else x


def _at2(x):
    n = x._data.ndim
    return reshape(x, (1, 1)) if n == 0 else unsqueeze(x, 0) if n == 1 else x


def _at3(x):
    n = x._data.ndim
    if n == 0:
        return reshape(x, (1, 1, 1))
    if n == 1:
        return reshape(x, (1, -1, 1))
    if n == 2:
        return unsqueeze(x, -1)
    return x


def atleast_1d(*tensors):
    """Each input with at least one dim (0-d become shape (1,)). Matches `torch.atleast_1d`."""
    return _atleast(tensors, _at1)


def atleast_2d(*tensors):
    """Each input with at least two dims. Matches `torch.atleast_2d`."""
    return _atleast(tensors, _at2)


def atleast_3d(*tensors):
    """Each input with at least three dims. Matches `torch.atleast_3d`."""
    return _atleast(tensors, _at3)


def _warn_T(nd):
    if nd == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                      stacklevel=3)
    else:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                      "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                      "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
                      "reverse the dimensions of a tensor.", stacklevel=3)


def _mT(x):
    if x._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(x, -2, -1)


# ---- the Tensor methods ------------------------------------------------------------------------------

class ViewMethods:
    __slots__ = ()

    flatten, unflatten, ravel, squeeze, unsqueeze = flatten, unflatten, ravel, squeeze, unsqueeze
    transpose, swapaxes, swapdims, t, adjoint = transpose, swapaxes, swapdims, t, adjoint
    movedim, moveaxis, broadcast_to, narrow, select = movedim, moveaxis, broadcast_to, narrow, select
    split_with_sizes, chunk, tensor_split, unbind = split_with_sizes, chunk, tensor_split, unbind
    diagonal, as_strided, as_strided_ = diagonal, as_strided, as_strided_

    def reshape(self, *shape):
        return reshape(self, shape)

    def view(self, *shape):
        """A view with a new shape (or `view(dtype)`: the same bytes reinterpreted). Matches `torch.Tensor.view`."""
        if len(shape) == 1 and type(shape[0]) is not int and not isinstance(shape[0], (tuple, list, np.integer)) \
                and not hasattr(shape[0], "_data"):
            dt = D.to_dtype(shape[0])
            if dt.itemsize != self._data.itemsize:
                raise RuntimeError("ember: view(dtype) with a different element size is not supported")
            return _wrap_view(self._data.view(dt.np), self)
        shape = _infer_shape(_shape_arg(shape), self._data.size)
        out = _view(Reshape, self, shape)
        if out._data.size and out._vc is not self._vc:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return out

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return reshape(self, other.shape)

    def permute(self, *dims):
        return permute(self, dims)

    def expand(self, *sizes):
        """Broadcast size-1 dims to larger sizes without copying (-1 keeps a size). Matches `Tensor.expand`."""
        return _expand(self, _shape_arg(sizes))

    def expand_as(self, other):
        return _expand(self, other._data.shape)

    def split(self, split_size, dim=0):
        return split(self, split_size, dim)

    def hsplit(self, sections):
        return hsplit(self, sections)

    def vsplit(self, sections):
        return vsplit(self, sections)

    def dsplit(self, sections):
        return dsplit(self, sections)

    @property
    def T(self):
        nd = self._data.ndim
        if nd != 2:
            _warn_T(nd)
        return self if nd < 2 else _view(Permute, self, tuple(range(nd - 1, -1, -1)))

    @property
    def mT(self):
        return _mT(self)

    @property
    def H(self):
        return self.T

    @property
    def mH(self):
        return _mT(self)

    # in-place metadata changes: self takes the view's shape (same memory) and its node
    def squeeze_(self, dim=None, *, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        return become_view(self, squeeze(self, dim))

    def unsqueeze_(self, dim=None, *, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        return become_view(self, unsqueeze(self, dim))

    def t_(self):
        return become_view(self, t(self))

    def transpose_(self, dim0, dim1):
        return become_view(self, transpose(self, dim0, dim1))

    swapaxes_ = swapdims_ = transpose_

    def unfold(self, dimension, size, step):
        """A view of the windows of `size` (every `step`) along dimension, as a new last dim."""
        nd = self._data.ndim
        d = normalize_dim(dimension, nd) if nd else 0
        n = self._data.shape[d] if nd else 1
        size, step = int_arg(size, "size"), int_arg(step, "step")
        if size > n:
            raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
        if step <= 0:
            raise RuntimeError(f"step is {step} but must be > 0")
        if size < 0:
            raise RuntimeError(f"size is {size} but must be >= 0")
        if not nd:   # a 0-d tensor has one window, of `size` (0 or 1) elements
            return select(_view(Unfold, reshape(self, 1), 0, size, step), 0, 0)
        return _view(Unfold, self, d, size, step)

    def contiguous(self, memory_format=None):
        """self if already C-contiguous, else a contiguous copy."""
        if self._data.flags.c_contiguous:
            return self
        return _unary(Clone, self)

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)
