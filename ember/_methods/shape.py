"""Shape, view and indexing methods."""
from __future__ import annotations

import numpy as np

from .._ops import shape as S
from .._ops._base import normalize_dim


def _shape_arg(args):
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        a = args[0]
        if hasattr(a, "_data"):
            a = a.tolist()
        return tuple(int(s) for s in a)
    return tuple(int(s) for s in args)


def _infer_shape(shape, numel):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


_BASIC = (int, slice, type(None), type(Ellipsis))


def _convert_index(key):
    """Turn a torch-style index into a NumPy key; also say whether it is basic (a view)."""
    if type(key) is int or type(key) is slice:
        return key, True
    items = key if type(key) is tuple else (key,)
    out = []
    basic = True
    for k in items:
        tk = type(k)
        if tk in _BASIC:
            out.append(k)
        elif hasattr(k, "_data"):
            a = k._data
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
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
        elif isinstance(k, (list, np.ndarray)):
            a = np.asarray([x._data if hasattr(x, "_data") else x for x in k] if isinstance(k, list) else k)
            if a.dtype.kind == "f" or a.dtype == object:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if a.size == 0 and a.dtype.kind == "f":
                a = a.astype(np.int64)
            out.append(a)
            basic = False
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {tk.__name__})")
    return (out[0] if type(key) is not tuple else tuple(out)), basic


def _index_error(e, shape):
    msg = str(e)
    if "out of bounds" in msg:
        msg = msg.replace("axis", "dimension")
    return IndexError(f"{msg} (indexing a tensor of shape {tuple(shape)})")


class ShapeMixin:
    __slots__ = ()

    def reshape(self, *shape):
        shape = _infer_shape(_shape_arg(shape), self._data.size)
        return _view(S.Reshape, self, shape)

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)) and not hasattr(shape[0], "_data"):
            from .._dtype import to_dtype
            dt = to_dtype(shape[0])
            if dt.itemsize != self._data.itemsize:
                raise RuntimeError("ember: view(dtype) with a different element size is not supported")
            from .._tensor import _wrap_view
            return _wrap_view(self._data.view(dt.np), self)
        shape = _infer_shape(_shape_arg(shape), self._data.size)
        out = _view(S.Reshape, self, shape)
        if out._data.size and out._vc is not self._vc:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                               "spans across two contiguous subspaces). Use .reshape(...) instead.")
        return out

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
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
        nd = self._data.ndim
        d = normalize_dim(dim, nd)
        shp = self._data.shape
        sizes = _infer_shape(tuple(sizes), shp[d])
        return self.reshape(shp[:d] + tuple(sizes) + shp[d + 1:])

    def squeeze(self, dim=None):
        shp = self._data.shape
        if dim is None:
            new = tuple(s for s in shp if s != 1)
        else:
            dims = (dim,) if isinstance(dim, int) else tuple(dim)
            dims = {normalize_dim(d, len(shp)) for d in dims} if shp else set()
            new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
        if new == shp:
            return _view(S.Reshape, self, new)
        return _view(S.Reshape, self, new)

    def unsqueeze(self, dim):
        shp = self._data.shape
        d = normalize_dim(dim, len(shp) + 1)
        return _view(S.Reshape, self, shp[:d] + (1,) + shp[d:])

    def permute(self, *dims):
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
        return self.transpose(0, 1) if nd == 2 else self

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
            return _view(S.Reshape, self, out)
        return _view(S.Expand, self, out)

    def expand_as(self, other):
        return self.expand(other.shape)

    def contiguous(self, memory_format=None):
        if self._data.flags.c_contiguous:
            return self
        from .._ops.pointwise import Clone
        return _unary(Clone, self)

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)

    def __getitem__(self, key):
        idx, basic = _convert_index(key)
        try:
            if basic:
                return _view(S.Index, self, idx, True)
            return _unary(S.Index, self, idx, False)
        except IndexError as e:
            raise _index_error(e, self._data.shape) from None

    def __setitem__(self, key, value):
        idx, basic = _convert_index(key)
        vt = value if hasattr(value, "_data") else None
        v = vt._data if vt is not None else value
        recording = _STATE.enabled and (self._rg or (vt is not None and vt._rg))
        if recording:
            _check_inplace(self)
        before = _edge(self)
        try:
            self._data[idx] = v
        except IndexError as e:
            raise _index_error(e, self._data.shape) from None
        except ValueError as e:
            if "read-only" in str(e):
                raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to "
                                   "a single memory location. Please clone() the tensor before performing the "
                                   "operation.") from None
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast to "
                               f"indexing result of shape {list(np.shape(self._data[idx]))}") from None
        self._vc[0] += 1
        if recording:
            vshape = vt._data.shape if vt is not None else ()
            _attach(self, S.SetItem, (before, _edge(vt) if vt is not None else None),
                    (self._data.shape, vshape),
                    (self._data.dtype, vt._data.dtype if vt is not None else None),
                    (idx, basic, vshape))


_view = _unary = _edge = _attach = _check_inplace = _STATE = None


def _bind():
    global _view, _unary, _edge, _attach, _check_inplace, _STATE
    from .. import _tensor as t
    from ..autograd.grad_mode import STATE
    _view, _unary, _edge, _attach, _check_inplace, _STATE = (
        t._view, t._unary, t._edge, t._attach, t._check_inplace, STATE)
