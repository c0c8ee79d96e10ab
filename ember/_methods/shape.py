"""Shape, view and indexing methods."""
from __future__ import annotations

import numpy as np

from .._inplace import become_view as _meta_inplace, inplace as _write_inplace
from .._ops import shape as S
from .._ops._base import normalize_dim, normalize_dims, writable as _writable
from .._tensor_base import _apply, _unary, _view, _wrap
from ..autograd.grad_mode import STATE as _STATE


def _shape_arg(args):
    """Sizes given as ints, one tuple/list/Size, or a 1-D tensor -> a tuple of Python ints."""
    if len(args) == 1:
        a = args[0]
        if type(a) is not int:
            if isinstance(a, (tuple, list)):
                args = a
            elif hasattr(a, "_data"):
                args = a.tolist() if a._data.ndim else (int(a),)
            elif isinstance(a, np.integer):
                return (int(a),)
            else:
                raise TypeError(f"shape must be a sequence of ints, not {type(a).__name__}")
    for s in args:
        if type(s) is not int:
            return tuple(int(s) for s in args)   # NumPy ints, 0-d integer tensors
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


_BASIC = (int, slice, type(None), type(Ellipsis))


def _convert_index(key):
    """Turn a torch-style index into a NumPy key; also say whether it is basic (a view)."""
    tk = type(key)
    if tk is int or (tk is slice and (key.step is None or type(key.step) is int and key.step > 0)):
        return key, True
    if type(key) is list and len(key) < 32 and any(
            isinstance(k, (list, tuple, slice)) or k is None or k is Ellipsis or hasattr(k, "_data") for k in key):
        key = tuple(key)   # torch's legacy rule: such a list is a tuple of indices (torch warns)
    items = key if type(key) is tuple else (key,)
    out = []
    basic = True
    for k in items:
        tk = type(k)
        if tk in _BASIC:
            if tk is slice and k.step is not None and _step(k.step) <= 0:
                if _step(k.step) == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            out.append(k)
        elif hasattr(k, "_data"):
            a = k._data
            if a.dtype.kind == "f" or a.dtype == np.int8 or a.dtype == np.int16:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if a.dtype == np.uint8:   # torch's deprecated byte masks
                a = a.astype(bool)
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))
            else:
                out.append(a)
                basic = False
        elif isinstance(k, np.integer):
            out.append(int(k))
        elif tk is bool or isinstance(k, np.bool_):
            out.append(bool(k))
            basic = False
        elif isinstance(k, (list, tuple, np.ndarray)):
            a = np.asarray([x._data if hasattr(x, "_data") else x for x in k] if tk is not np.ndarray else k)
            if a.size == 0:
                a = a.astype(np.int64)
            if a.dtype.kind == "f" or a.dtype == object:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(a)
            basic = False
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {tk.__name__})")
    return (out[0] if type(key) is not tuple else tuple(out)), basic


def _basic_op(idx, shape):
    """The kernel named as torch names a basic index's node: after its last non-trivial item
    (a slice over a whole dim is trivial)."""
    if type(idx) is not tuple:
        return S.IndexUnsqueeze if idx is None else S.Alias
    op = S.Alias
    d = 0
    for k in idx:
        tk = type(k)
        if tk is int:
            op = S.Select
            d += 1
        elif k is None:
            op = S.IndexUnsqueeze
        elif k is Ellipsis:
            d = len(shape) - sum(1 for j in idx if j is not None and j is not Ellipsis) + d
        else:
            if d >= len(shape) or k.indices(shape[d]) != (0, shape[d], 1):
                op = S.Slice
            d += 1
    return op


def _step(s):
    return int(s)


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


class ShapeMixin:
    __slots__ = ()

    def reshape(self, *shape):
        """Same data in a new shape (a view when the memory allows, else a copy); one size may be -1."""
        shape = _infer_shape(_shape_arg(shape), self._data.size)
        out = _view(S.Reshape, self, shape)
        if out._vc is not self._vc and out._node is not None:
            out._node.op = S.ReshapeCopy
        return out

    def view(self, *shape):
        """A view with a new shape (or `view(dtype)`: the same bytes reinterpreted). Matches `torch.Tensor.view`."""
        if len(shape) == 1 and type(shape[0]) is not int and not isinstance(shape[0], (tuple, list, np.integer)) \
                and not hasattr(shape[0], "_data"):
            from .._dtype import to_dtype
            dt = to_dtype(shape[0])
            if dt.itemsize != self._data.itemsize:
                raise RuntimeError("ember: view(dtype) with a different element size is not supported")
            from .._tensor_base import _wrap_view
            return _wrap_view(self._data.view(dt.np), self)
        shape = _infer_shape(_shape_arg(shape), self._data.size)
        out = _view(S.Reshape, self, shape)
        if out._data.size and out._vc is not self._vc:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return out

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def ravel(self):
        """The elements as a 1-D tensor (a view when possible). Matches `torch.ravel`."""
        return self.reshape(-1)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        """n-th forward difference along dim, after concatenating prepend/append. Matches `torch.diff`."""
        from .._functional_shape import cat
        x = self
        nd = x._data.ndim
        if nd == 0:
            raise RuntimeError("diff expects input to be at least one-dimensional")
        d = normalize_dim(dim, nd)
        if prepend is not None or append is not None:
            def as_part(extra):
                if not hasattr(extra, "_data"):
                    from .._creation import tensor
                    extra = tensor(extra, dtype=x.dtype)
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
            a, b = x.narrow(d, 1, m - 1), x.narrow(d, 0, m - 1)
            x = (a != b) if x._data.dtype.kind == "b" else a - b
        return x

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
        return out.reshape(*size) if lead else out

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims start_dim..end_dim into one. Matches `torch.flatten`."""
        nd = self._data.ndim
        if nd == 0:
            return self.reshape(1)
        s = normalize_dim(start_dim, nd)
        e = normalize_dim(end_dim, nd)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if s == e:
            return self
        shp = self._data.shape
        n = 1
        for d in shp[s:e + 1]:
            n *= d
        return self.reshape(shp[:s] + (n,) + shp[e + 1:])

    def unflatten(self, dim, sizes):
        """Split dim into `sizes` (one may be -1). Matches `torch.unflatten`."""
        nd = self._data.ndim
        d = normalize_dim(dim, nd)
        shp = self._data.shape
        sizes = _infer_shape(tuple(sizes), shp[d])
        return self.reshape(shp[:d] + tuple(sizes) + shp[d + 1:])

    def squeeze(self, dim=None):
        """Drop size-1 dims (all, or those in `dim`: an int or a tuple). Matches `torch.squeeze`."""
        shp = self._data.shape
        if dim is None:
            new = tuple(s for s in shp if s != 1)
            op = S.SqueezeAll
        else:
            op = S.SqueezeDim if isinstance(dim, int) else S.SqueezeDims
            dims = (dim,) if isinstance(dim, int) else tuple(dim)
            dims = set(normalize_dims(dims, max(len(shp), 1)))
            new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
        return _view(op, self, new)

    def unsqueeze(self, dim):
        """Insert a size-1 dim at `dim`. Matches `torch.unsqueeze`."""
        shp = self._data.shape
        d = normalize_dim(dim, len(shp) + 1)
        return _view(S.Unsqueeze, self, shp[:d] + (1,) + shp[d:])

    def permute(self, *dims):
        """Reorder the dims (a view). Matches `torch.permute`."""
        dims = _shape_arg(dims)
        nd = self._data.ndim
        if len(dims) != nd:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                               f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
                               f"len(dims) = {len(dims)}")
        axes = tuple(normalize_dim(d, nd) for d in dims)
        if len(set(axes)) != nd:
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return _view(S.Permute, self, axes)

    def transpose(self, dim0, dim1):
        """Swap two dims (a view). Matches `torch.transpose`."""
        nd = self._data.ndim
        if nd == 0:
            return self
        a, b = normalize_dim(dim0, nd), normalize_dim(dim1, nd)
        axes = list(range(nd))
        axes[a], axes[b] = axes[b], axes[a]
        return _view(S.Transpose, self, tuple(axes))

    swapaxes = transpose
    swapdims = transpose

    def t(self):
        nd = self._data.ndim
        if nd > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
        return _view(S.TransposeT, self, (1, 0)) if nd == 2 else self

    @property
    def T(self):
        nd = self._data.ndim
        return self if nd < 2 else _view(S.Permute, self, tuple(range(nd - 1, -1, -1)))

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
        return self.transpose(-2, -1)

    @property
    def H(self):
        return self.T

    @property
    def mH(self):
        return self.mT

    def expand(self, *sizes):
        """Broadcast size-1 dims to larger sizes without copying (-1 keeps a size). Matches `Tensor.expand`."""
        sizes = _shape_arg(sizes)
        shp = self._data.shape
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
            return _view(S.ExpandSame, self, out)
        return _view(S.Expand, self, out)

    def expand_as(self, other):
        return self.expand(other.shape)

    def contiguous(self, memory_format=None):
        """self if already C-contiguous, else a contiguous copy."""
        if self._data.flags.c_contiguous:
            return self
        from .._ops.convert import Clone
        return _unary(Clone, self)

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)

    def __getitem__(self, key):
        """torch indexing: ints, slices (positive steps), None, ..., bool masks, integer tensors/lists."""
        idx, basic = _convert_index(key)
        if not basic:
            _check_masks(idx, self._data.shape)
        try:
            if basic:
                ti = type(idx)
                op = S.Select if ti is int else S.Slice if ti is slice else _basic_op(idx, self._data.shape)
                return _view(op, self, idx, True)
            return _unary(S.Index, self, idx, False)
        except IndexError as e:
            raise _index_error(e, self._data.shape, idx) from None

    def __setitem__(self, key, value):
        """Write value (scalar or broadcastable tensor) at the indexed positions, in place."""
        idx, basic = _convert_index(key)
        if not basic:
            _check_masks(idx, self._data.shape)
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
                _write_inplace(self, _apply, S.SetItem, (self, value), idx, basic)
            else:
                _write_inplace(self, _unary, S.SetItemScalar, self, idx, basic, value)
        except IndexError as e:
            raise _index_error(e, self._data.shape, idx) from None
        except ValueError:
            v = value._data if hasattr(value, "_data") else value
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast "
                               f"to indexing result of shape {list(np.shape(self._data[idx]))}") from None

    # ---- dims ---------------------------------------------------------------------------------
    def movedim(self, source, destination):
        """Move dims from `source` to `destination` positions (a view). Matches `torch.movedim`."""
        nd = self._data.ndim
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
            return _view(S.Reshape, self, ())
        return _view(S.Permute, self, tuple(order))

    moveaxis = movedim

    def broadcast_to(self, size):
        return self.expand(size)

    # ---- repetition ---------------------------------------------------------------------------
    def repeat(self, *sizes):
        """Tile the data `sizes` times along each dim (copies). Matches `torch.Tensor.repeat`."""
        if not sizes:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        reps = _shape_arg(sizes)
        if len(reps) < self._data.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                               "of tensor")
        if any(r < 0 for r in reps):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(reps)}: {list(reps)}")
        return _unary(S.Repeat, self, reps)

    def tile(self, *dims):
        """Like repeat, with missing leading repeats taken as 1. Matches `torch.tile`."""
        reps = _shape_arg(dims)
        nd = self._data.ndim
        if len(reps) < nd:
            reps = (1,) * (nd - len(reps)) + reps
        return self.repeat(reps)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        """Repeat each element (int or per-element tensor counts) along dim; flattened when dim is None."""
        x = self if dim is not None else self.reshape(-1)
        d = normalize_dim(dim, x._data.ndim) if dim is not None else 0
        n = x._data.shape[d] if x._data.ndim else 1
        if hasattr(repeats, "_data"):
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
            x = x.reshape(1)
        op = S.IndexSelect if hasattr(repeats, "_data") else S.RepeatInterleave
        return _unary(op, x, d, np.repeat(np.arange(n), r))

    # ---- splitting ----------------------------------------------------------------------------
    def split(self, split_size, dim=0):
        """Views of chunks of `split_size` (or the listed sizes) along dim. Matches `torch.split`."""
        nd = self._data.ndim
        d = normalize_dim(dim, nd)
        n = self._data.shape[d]
        if isinstance(split_size, (list, tuple)):
            sizes = [int(s) for s in split_size]
            if sum(sizes) != n or any(s < 0 for s in sizes):
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                                   f"size at dimension {d}), but got split_sizes={sizes}")
        else:
            split_size = int(split_size)
            if split_size < 0:
                raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
            if split_size == 0:
                if n != 0:
                    raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size "
                                       f"of {n}")
                return (self.narrow(d, 0, 0),)
            sizes = [split_size] * (n // split_size) + ([n % split_size] if n % split_size or n == 0 else [])
        op = S.SplitWithSizes if isinstance(split_size, (list, tuple)) else S.Split
        lead = (slice(None),) * d
        out = []
        o = 0
        for s in sizes:
            out.append(_view(op, self, lead + (slice(o, o + s),), True))
            o += s
        return tuple(out)

    def split_with_sizes(self, split_sizes, dim=0):
        return self.split(list(split_sizes), dim)

    def chunk(self, chunks, dim=0):
        """Up to `chunks` equal views along dim (the last may be smaller). Matches `torch.chunk`."""
        chunks = int(chunks)
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        d = normalize_dim(dim, self._data.ndim)
        n = self._data.shape[d]
        size = -(-n // chunks) if n else 0
        if size == 0:
            return tuple(self.narrow(d, 0, 0) for _ in range(chunks)) if n == 0 else ()
        return self.split(size, d)

    def tensor_split(self, indices_or_sections, dim=0):
        """Views split into n near-equal parts or at the given indices. Matches `torch.tensor_split`."""
        d = normalize_dim(dim, self._data.ndim)
        n = self._data.shape[d]
        ios = indices_or_sections
        if hasattr(ios, "_data"):
            if ios._data.ndim == 0:
                ios = int(ios)
            else:
                ios = ios.tolist()
        if isinstance(ios, (list, tuple)):
            bounds = [0] + [min(max(int(i) if i >= 0 else n + int(i), 0), n) for i in ios] + [n]
            out = []
            for a, b in zip(bounds[:-1], bounds[1:]):
                out.append(self.narrow(d, a, max(b - a, 0)) if b >= a else self.narrow(d, a, 0))
            return tuple(out)
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        out = []
        o = 0
        for s in [q + 1] * r + [q] * (k - r):
            out.append(self.narrow(d, o, s))
            o += s
        return tuple(out)

    def hsplit(self, sections):
        return self.tensor_split(sections, 1 if self._data.ndim > 1 else 0)

    def vsplit(self, sections):
        return self.tensor_split(sections, 0)

    def unbind(self, dim=0):
        """The slices along dim, as a tuple of views. Matches `torch.unbind`."""
        if self._data.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        d = normalize_dim(dim, self._data.ndim)
        lead = (slice(None),) * d
        return tuple(_view(S.Unbind, self, lead + (i,), True) for i in range(self._data.shape[d]))

    def narrow(self, dim, start, length):
        """The view [start, start + length) along dim. Matches `torch.narrow`."""
        d = normalize_dim(dim, self._data.ndim)
        n = self._data.shape[d]
        start = int(start)
        length = int(length)
        if start < -n or start > n:
            raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
        if start < 0:
            start += n
        if length < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        if start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
        return _view(S.Slice, self, (slice(None),) * d + (slice(start, start + length),), True)

    def select(self, dim, index):
        """The view at `index` along dim (that dim removed). Matches `torch.select`."""
        nd = self._data.ndim
        if nd == 0:
            raise IndexError("select() cannot be applied to a 0-dim tensor.")
        d = normalize_dim(dim, nd)
        n = self._data.shape[d]
        index = int(index)
        if index < -n or index >= n:
            raise IndexError(f"select(): index {index} out of range for tensor of size {list(self._data.shape)} at "
                             f"dimension {d}")
        return _view(S.Select, self, (slice(None),) * d + (index,), True)

    def dsplit(self, sections):
        if self._data.ndim < 3:
            raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with "
                               f"{self._data.ndim} dimensions!")
        return self.tensor_split(sections, 2)

    def narrow_copy(self, dim, start, length):
        return self.narrow(dim, start, length).clone()

    # ---- scatter-into-a-copy forms (gradients come from the clone + in-place write) ---------------
    def select_scatter(self, src, dim, index):
        out = self.clone()
        out.select(dim, index).copy_(src)
        return out

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        d = normalize_dim(dim, self._data.ndim)
        out = self.clone()
        out[(slice(None),) * d + (slice(start, end, step),)] = src
        return out

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        out = self.clone()
        out.diagonal(offset, dim1, dim2).copy_(src)
        return out

    def put_(self, index, source, accumulate=False):
        if not self._data.flags.c_contiguous:
            raise RuntimeError("ember: put_ needs a contiguous tensor")
        flat = self.view(-1)
        n = flat._data.shape[0]
        idx = _index_arr(index, "put_", int64_only=True)
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = int(idx.max() if idx.max() >= n else idx.min())
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
        flat.index_put_((index.reshape(-1),), source.reshape(-1), accumulate)
        return self

    def put(self, index, source, accumulate=False):
        return self.clone().put_(index, source, accumulate)

    # ---- in-place metadata changes ------------------------------------------------------------
    def squeeze_(self, dim=None):
        return _meta_inplace(self, self.squeeze(dim))

    def unsqueeze_(self, dim):
        return _meta_inplace(self, self.unsqueeze(dim))

    def t_(self):
        return _meta_inplace(self, self.t())

    def transpose_(self, dim0, dim1):
        return _meta_inplace(self, self.transpose(dim0, dim1))

    swapaxes_ = transpose_
    swapdims_ = transpose_

    # ---- reordering ---------------------------------------------------------------------------
    def flip(self, *dims):
        """Reverse the order along the given dims (a copy, as in torch). Matches `torch.flip`."""
        axes = _dims_arg(dims)
        axes = normalize_dims(axes, self._data.ndim) if self._data.ndim else ()
        return _unary(S.Flip, self, axes)

    def fliplr(self):
        if self._data.ndim < 2:
            raise RuntimeError("Input must be >= 2-d.")
        return self.flip(1)

    def flipud(self):
        if self._data.ndim < 1:
            raise RuntimeError("Input must be >= 1-d.")
        return self.flip(0)

    def roll(self, shifts, dims=None):
        """Shift elements circularly along dims (flattened when dims is None). Matches `torch.roll`."""
        sh = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
        if dims is None:
            if len(sh) != 1:
                raise RuntimeError(f"`shifts` required to be an int or a 1-length tuple when `dims` is None, "
                                   f"got {len(sh)}")
            return _unary(S.Roll, self, sh[0], None)
        ds = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(ds) != len(sh):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(ds)}")
        ds = tuple(normalize_dim(d, self._data.ndim) for d in ds)
        return _unary(S.Roll, self, sh, ds)

    def rot90(self, k=1, dims=(0, 1)):
        """Rotate by 90 degrees k times in the plane of `dims`. Matches `torch.rot90`."""
        if len(dims) != 2:
            raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
        nd = self._data.ndim
        if nd < 2:
            raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
        d0, d1 = normalize_dim(dims[0], nd), normalize_dim(dims[1], nd)
        if d0 == d1:
            raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
        return _unary(S.Rot90, self, k % 4, d0, d1)

    # ---- diagonals and triangles --------------------------------------------------------------
    def diagonal(self, offset=0, dim1=0, dim2=1):
        """A view of the (offset) diagonal of dims dim1, dim2, as the last dim. Matches `torch.diagonal`."""
        nd = self._data.ndim
        d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
        if d1 == d2:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        return _view(S.Diagonal, self, int(offset), d1, d2)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        """Matrices (in dims dim1, dim2) whose diagonal is the last dim of self. Matches `torch.diag_embed`."""
        nd = self._data.ndim + 1
        d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
        if d1 == d2:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        shp = list(self._data.shape[:-1]) if self._data.ndim else []
        m = (self._data.shape[-1] if self._data.ndim else 1) + abs(int(offset))
        for d in sorted((d1, d2)):
            shp.insert(d, m)
        src = self if self._data.ndim else self.reshape(1)
        return _unary(S.DiagEmbed, src, tuple(shp), int(offset), d1, d2)

    def diagflat(self, offset=0):
        return self.reshape(-1).diag(offset)

    def diag(self, diagonal=0):
        """1-D: a matrix with self on a diagonal; 2-D: that diagonal (a copy). Matches `torch.diag`."""
        nd = self._data.ndim
        if nd == 1:
            return self.diag_embed(diagonal, 0, 1)
        if nd == 2:
            return _unary(S.DiagonalCopy, self.diagonal(diagonal, 0, 1))
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{nd}D")

    def tril(self, diagonal=0):
        """Zero the elements above the `diagonal`-th diagonal of the last two dims. Matches `torch.tril`."""
        if self._data.ndim < 2:
            raise RuntimeError("tril: input tensor must have at least 2 dimensions")
        return _unary(S.Tril, self, int(diagonal))

    def triu(self, diagonal=0):
        """Zero the elements below the `diagonal`-th diagonal of the last two dims. Matches `torch.triu`."""
        if self._data.ndim < 2:
            raise RuntimeError("triu: input tensor must have at least 2 dimensions")
        return _unary(S.Triu, self, int(diagonal))

    def tril_(self, diagonal=0):
        return _write_inplace(self, lambda: self.tril(diagonal))

    def triu_(self, diagonal=0):
        return _write_inplace(self, lambda: self.triu(diagonal))

    def trace(self):
        if self._data.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self._data.ndim}")
        if self._data.dtype == np.bool_:
            raise NotImplementedError("\"trace\" not implemented for 'Bool'")
        return _unary(S.Trace, self)

    def unfold(self, dimension, size, step):
        """A view of the windows of `size` (every `step`) along dimension, as a new last dim."""
        nd = self._data.ndim
        d = normalize_dim(dimension, nd) if nd else 0
        n = self._data.shape[d] if nd else 1
        size, step = int(size), int(step)
        if size > n:
            raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
        if step <= 0:
            raise RuntimeError(f"step is {step} but must be > 0")
        if size < 0:
            raise RuntimeError(f"size is {size} but must be >= 0")
        if not nd:   # a 0-d tensor has one window, of `size` (0 or 1) elements
            return _view(S.Unfold, self.reshape(1), 0, size, step).select(0, 0)
        return _view(S.Unfold, self, d, size, step)

    def as_strided(self, size, stride, storage_offset=0):
        """A strided view of this tensor's (contiguous) memory. Matches `torch.Tensor.as_strided`."""
        size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
        if len(size) != len(stride):
            raise RuntimeError(f"mismatch in length of strides and shape")
        if any(s < 0 for s in stride):
            raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                               f"{list(stride)}")
        if not self._data.flags.c_contiguous:
            raise RuntimeError("ember: as_strided needs a contiguous tensor; call .contiguous() first")
        off = int(storage_offset)
        pos = np.full(size, off, dtype=np.int64)
        for k, (n, st) in enumerate(zip(size, stride)):
            pos = pos + (np.arange(n, dtype=np.int64) * st).reshape((-1,) + (1,) * (len(size) - k - 1))
        numel = self._data.size
        if pos.size and (pos.max() >= numel or off < 0):
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off}, and "
                               f"itemsize {self._data.itemsize} requiring a storage size of "
                               f"{(int(pos.max()) + 1) * self._data.itemsize} are out of bounds for storage of size "
                               f"{numel * self._data.itemsize}")
        overlap = pos.size > 1 and np.unique(pos).size != pos.size
        return _view(S.AsStridedView, self, size, stride, off, pos, overlap)

    # ---- gather / scatter ---------------------------------------------------------------------
    def gather(self, dim, index, *, sparse_grad=False):
        """out[i][j] = self[index[i][j]][j] (for dim 0; likewise for other dims). Matches `torch.gather`."""
        idx = _index_arr(index, "gather")
        nd = self._data.ndim
        d = normalize_dim(dim, nd)
        _check_gather_shapes(self, idx, d, "gather", None)
        _check_bounds(idx, self._data.shape if nd else (1,), d)
        if not nd:
            return _unary(S.Gather, self.reshape(1), 0, idx.reshape(1)).reshape(())
        return _unary(S.Gather, self, d, idx)

    def take_along_dim(self, indices, dim=None):
        """Gather with broadcasting between self and indices (flattened when dim is None)."""
        idx = _index_arr(indices, "take_along_dim", int64_only=True)
        if dim is None:
            n = self._data.size
            return self.reshape(-1).gather(0, _wrap_idx(np.where(idx < 0, idx + n, idx).reshape(-1)))
        nd = self._data.ndim
        d = normalize_dim(dim, nd)
        if idx.size and idx.min() < 0:   # take_along_dim wraps negative indices (gather does not)
            idx = np.where(idx < 0, idx + self._data.shape[d], idx)
        if idx.ndim != nd:
            raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                               f"dimensions, but got {nd} dimensions for input, and {idx.ndim} dimensions for "
                               f"indices")
        shp = list(np.broadcast_shapes(tuple(s for i, s in enumerate(self._data.shape) if i != d),
                                       tuple(s for i, s in enumerate(idx.shape) if i != d)))
        xs = shp[:d] + [self._data.shape[d]] + shp[d:]
        ishape = shp[:d] + [idx.shape[d]] + shp[d:]
        x = self if list(self._data.shape) == xs else self.expand(xs)
        return x.gather(d, _wrap_idx(np.broadcast_to(idx, ishape)))

    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        """A copy with src (or a scalar value) written at the index positions. Matches `torch.scatter`."""
        if src is None and value is None:
            raise TypeError("scatter() missing required argument 'src' or 'value'")
        if src is None:
            src = value
        idx = _index_arr(index, "scatter")
        d = normalize_dim(dim, self._data.ndim)
        if reduce is not None:
            if reduce not in ("add", "multiply"):
                raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
            if not hasattr(src, "_data"):
                from .._creation import full
                src = full(idx.shape, src, dtype=self.dtype)
            return self.scatter_reduce(d, index, src, "sum" if reduce == "add" else "prod")
        if hasattr(src, "_data"):
            _same_dtype(self, src, "scatter()", "Expected self.dtype to be equal to src.dtype")
            _check_gather_shapes(self, idx, d, "scatter", src)
            _check_bounds(idx, self._data.shape, d)
            return _apply(S.Scatter, (self, src), d, idx)
        _check_gather_shapes(self, idx, d, "scatter", None)
        _check_bounds(idx, self._data.shape, d)
        return _unary(S.ScatterValue, self, d, idx, src)

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        return _write_inplace(self, lambda: self.scatter(dim, index, src, value, reduce=reduce))

    def scatter_add(self, dim, index, src):
        """A copy with src added at the index positions (repeats accumulate). Matches `torch.scatter_add`."""
        idx = _index_arr(index, "scatter_add")
        d = normalize_dim(dim, self._data.ndim)
        _same_dtype(self, src, "scatter_add()", "Expected self.dtype to be equal to src.dtype")
        _check_gather_shapes(self, idx, d, "scatter_add", src)
        _check_bounds(idx, self._data.shape, d)
        return _apply(S.ScatterAdd, (self, src), d, idx)

    def scatter_add_(self, dim, index, src):
        return _write_inplace(self, lambda: self.scatter_add(dim, index, src))

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """A copy reducing src into the index positions with sum/prod/mean/amax/amin."""
        if reduce not in ("sum", "prod", "mean", "amax", "amin"):
            raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
        idx = _index_arr(index, "scatter_reduce")
        d = normalize_dim(dim, self._data.ndim)
        _same_dtype(self, src, "scatter_reduce()", "Expected self.dtype to be equal to src.dtype")
        _check_gather_shapes(self, idx, d, "scatter_reduce", src)
        _check_bounds(idx, self._data.shape, d)
        if reduce == "mean" and self._data.dtype == np.bool_:
            raise NotImplementedError("\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
        return _apply(S.ScatterReduce, (self, src), d, idx, reduce, bool(include_self))

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return _write_inplace(self, lambda: self.scatter_reduce(dim, index, src, reduce,
                                                                include_self=include_self))

    # ---- index_* ------------------------------------------------------------------------------
    def index_select(self, dim, index):
        """The entries at `index` along dim (a copy). Matches `torch.index_select`."""
        idx = _index_arr(index, "index_select")
        if idx.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        nd = self._data.ndim
        d = normalize_dim(dim, nd)
        src = self if nd else self.reshape(1)
        if nd <= 1 and idx.size and (idx.max() >= src._data.shape[0] or idx.min() < 0):
            raise IndexError("index out of range in self")
        _check_bounds(idx, src._data.shape, d, RuntimeError, "index_select(): ")
        out = _unary(S.IndexSelect, src, d, idx.reshape(-1))
        return out if nd else out.reshape(idx.shape)

    def index_add(self, dim, index, source, *, alpha=1):
        """A copy with alpha * source added at `index` along dim. Matches `torch.index_add`."""
        idx, d = self._index_common(dim, index, source, "index_add_")
        if not self._data.size:
            return self.clone()
        return _apply(S.IndexAdd, (self, source), d, idx, alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        return _write_inplace(self, lambda: self.index_add(dim, index, source, alpha=alpha))

    def index_copy(self, dim, index, source):
        """A copy with source's slices written at `index` along dim. Matches `torch.index_copy`."""
        idx, d = self._index_common(dim, index, source, "index_copy_")
        if not self._data.size:
            return self.clone()
        return _apply(S.IndexCopy, (self, source), d, idx)

    def index_copy_(self, dim, index, source):
        return _write_inplace(self, lambda: self.index_copy(dim, index, source))

    def _index_common(self, dim, index, source, name):
        idx = _index_arr(index, name)
        if idx.ndim > 1:
            raise IndexError(f"{name}(): Index is supposed to be a vector")
        idx = idx.reshape(-1)
        d = normalize_dim(dim, self._data.ndim)
        if source._data.dtype is not self._data.dtype:
            raise RuntimeError(f"{name}(): self ({_short(self)}) and source ({_short(source)}) must have the same "
                               f"scalar type")
        sshape = source._data.shape
        ns = sshape[d] if source._data.ndim else 1
        if idx.size != ns:
            err = IndexError if name == "index_copy_" else RuntimeError
            raise err(f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                      f"({ns}), for dim: {d}")
        exp = self._data.shape[:d] + (idx.size,) + self._data.shape[d + 1:]
        if source._data.ndim and tuple(sshape) != exp:
            raise RuntimeError(f"{name}(): source shape {list(sshape)} must match self shape "
                               f"{list(self._data.shape)} except at dim {d} (expected {list(exp)})")
        if self._data.size or self._data.ndim <= 1:   # torch skips the check on empty N-d tensors
            _check_bounds(idx, self._data.shape if self._data.ndim else (1,), d,
                          IndexError if name == "index_copy_" or self._data.ndim <= 1 and not self._data.size
                          else RuntimeError, f"{name}(): ")
        return idx, d

    def index_fill(self, dim, index, value):
        """A copy with `value` written at `index` along dim. Matches `torch.index_fill`."""
        idx = _index_arr(index, "index_fill_")
        if idx.ndim > 1:
            raise IndexError("index_fill_(): Index is supposed to be a vector")
        d = normalize_dim(dim, self._data.ndim)
        n = self._data.shape[d] if self._data.ndim else 1
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = int(idx.max() if idx.max() >= n else idx.min())
            raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
        mask = np.zeros(self._data.shape, dtype=bool)
        mask[(slice(None),) * d + (idx.reshape(-1),)] = True
        return self.masked_fill(_wrap_idx(mask), value, _op=S.IndexFill)

    def index_fill_(self, dim, index, value):
        return _write_inplace(self, lambda: self.index_fill(dim, index, value))

    def index_put(self, indices, values, accumulate=False):
        """A copy with `values` written (or added, accumulate=True) at a tuple of index tensors."""
        if not isinstance(indices, (tuple, list)):
            raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                            f"{type(indices).__name__}")
        idx, basic = _convert_index(tuple(indices))
        if type(idx) is not tuple:
            idx = (idx,)
        if len(idx) > self._data.ndim:
            raise IndexError(f"too many indices for tensor of dimension {self._data.ndim} (got {len(idx)})")
        _check_masks(idx, self._data.shape)
        if not hasattr(values, "_data"):
            from .._creation import tensor
            values = tensor(values, dtype=self.dtype)
        if values._data.dtype is not self._data.dtype:
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got {_short(self)} "
                               f"for the destination and {_short(values)} for the source.")
        try:
            target = self._data[idx].shape
        except IndexError as e:
            raise _index_error(e, self._data.shape) from None
        try:
            np.broadcast_to(values._data, target)
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
                               f"indexing result of shape {list(target)}") from None
        return _apply(S.IndexPut, (self, values), idx, bool(accumulate))

    def index_put_(self, indices, values, accumulate=False):
        return _write_inplace(self, lambda: self.index_put(indices, values, accumulate))

    # ---- masks --------------------------------------------------------------------------------
    def masked_fill(self, mask, value, *, _op=S.MaskedFill):
        """A copy with `value` where mask (broadcast) is True. Matches `torch.masked_fill`."""
        m = _mask_arr(mask, "masked_fill_")
        try:
            np.broadcast_shapes(m.shape, self._data.shape)
        except ValueError:
            _broadcast_error(self._data.shape, m.shape)
        if hasattr(value, "_data"):
            if value._data.ndim:
                raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value._data.ndim} dimension(s).")
            if value._rg and _STATE.enabled:
                from .._functional import where
                v = value.to(self.dtype) if value._data.dtype is not self._data.dtype else value
                return where(_wrap_idx(~m), self, v)   # self stays input 0 (the in-place form relies on it)
            value = value.item()
        out = _unary(_op, self, m, value) if m.shape == self._data.shape or \
            np.broadcast_shapes(m.shape, self._data.shape) == self._data.shape else \
            _unary(_op, self.expand(np.broadcast_shapes(m.shape, self._data.shape)), m, value)
        return out

    def masked_fill_(self, mask, value):
        m = _mask_arr(mask, "masked_fill_")
        try:
            b = np.broadcast_shapes(m.shape, self._data.shape)
        except ValueError:
            b = None
        if b != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(b) if b is not None else list(m.shape)}")
        return _write_inplace(self, lambda: self.masked_fill(mask, value))

    def masked_select(self, mask):
        """The 1-D tensor of elements where mask (broadcast) is True. Matches `torch.masked_select`."""
        m = _mask_arr(mask, "masked_select")
        try:
            shp = np.broadcast_shapes(m.shape, self._data.shape)
        except ValueError:
            _broadcast_error(self._data.shape, m.shape)
        x = self if shp == self._data.shape else self.expand(shp)
        return _unary(S.MaskedSelect, x, np.broadcast_to(m, shp), False)

    def masked_scatter(self, mask, source):
        """A copy whose masked positions take source's leading elements in order."""
        m = _mask_arr(mask, "masked_scatter_")
        try:
            shp = np.broadcast_shapes(m.shape, self._data.shape)
        except ValueError:
            _broadcast_error(self._data.shape, m.shape)
        if source._data.dtype is not self._data.dtype:
            raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but got "
                               f"{_short(self)} and {_short(source)}")
        m = np.broadcast_to(m, shp)
        if np.count_nonzero(m) > source._data.size:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        x = self if shp == self._data.shape else self.expand(shp)
        return _apply(S.MaskedScatter, (x, source), m)

    def masked_scatter_(self, mask, source):
        return _write_inplace(self, lambda: self.masked_scatter(mask, source))

    def take(self, index):
        """Elements at flat indices (self viewed as 1-D). Matches `torch.take`."""
        idx = _index_arr(index, "take", int64_only=True)
        n = self._data.size
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = int(idx.max() if idx.max() >= n else idx.min())
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
        return _unary(S.Take, self.reshape(-1), idx, False)

    def nonzero(self, *, as_tuple=False):
        """Indices of the non-zero elements: an (n, ndim) tensor, or a tuple of 1-D tensors."""
        nz = np.nonzero(self._data) if self._data.ndim else np.nonzero(self._data.reshape(1))
        if as_tuple:
            if self._data.ndim == 0:
                return (_wrap_idx(nz[0].astype(np.int64)),)
            return tuple(_wrap_idx(a.astype(np.int64)) for a in nz)
        if self._data.ndim == 0:
            return _wrap_idx(np.zeros((len(nz[0]), 0), dtype=np.int64))
        return _wrap_idx(np.stack(nz, axis=1).astype(np.int64) if nz else np.zeros((0, 0), np.int64))

    def argwhere(self):
        return self.nonzero()


def _dims_arg(dims):
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        return tuple(int(d) for d in dims[0])
    return tuple(int(d) for d in dims)


_SHORT = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
          "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _short(t):
    return _SHORT[t.dtype.name]


def _index_arr(index, name, int64_only=False):
    if not hasattr(index, "_data"):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    a = index._data
    if int64_only:
        if a.dtype != np.int64:
            raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    elif a.dtype != np.int64 and a.dtype != np.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index")
    return a


def _mask_arr(mask, name):
    if not hasattr(mask, "_data"):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {mask.dtype.name}")
    return m


def _broadcast_error(a, b):
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            raise RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                               f"non-singleton dimension {i}")
    raise RuntimeError(f"shapes {list(a)} and {list(b)} are not broadcastable")


def _same_dtype(a, b, name, msg):
    if not hasattr(b, "_data"):
        raise TypeError(f"{name}: argument 'src' must be Tensor, not {type(b).__name__}")
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"{name}: {msg}")


def _check_gather_shapes(x, idx, d, name, src):
    xs = x._data.shape
    if idx.ndim != max(len(xs), 1) and not (idx.ndim == 0 and len(xs) == 0):
        if idx.size == 0 and idx.ndim == 1:
            return
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    for i in range(idx.ndim):
        if i != d and len(xs) and idx.shape[i] > xs[i]:
            raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be "
                               f"smaller than self {list(xs)} apart from dimension {d}")
    if src is not None:
        ss = src._data.shape
        if len(ss) != idx.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        for i in range(idx.ndim):
            if idx.shape[i] > ss[i]:
                raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be "
                                   f"smaller than src {list(ss)} apart from dimension {d}")


def _check_bounds(idx, shape, d, err=RuntimeError, prefix=""):
    """torch's gather/scatter/index_* rule: indices in [0, size) (no negative wrap-around)."""
    if idx.size == 0:
        return
    n = shape[d]
    hi, lo = idx.max(), idx.min()
    if hi >= n or lo < 0:
        bad = int(hi if hi >= n else lo)
        raise err(f"{prefix}index {bad} is out of bounds for dimension {d} with size {n}")


def _writable(a):
    """A writable alias of a read-only (broadcast) view of writable memory."""
    w = a.view()
    try:
        w.flags.writeable = True
    except ValueError:
        raise RuntimeError("ember: cannot write into a tensor whose memory is read-only") from None
    return w


def _wrap_idx(a):
    from .._tensor_base import _wrap
    return _wrap(a)
