"""`ember.*` function forms of shape, indexing and linear-algebra ops (torch.cat, torch.gather, ...)."""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype as D
from ._ops import linalg as L
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
    "argwhere", "index_put", "as_strided", "clone", "matmul", "mm", "bmm", "mv", "dot", "vdot", "inner",
    "outer", "ger", "addmm", "addmv",
    "baddbmm", "addbmm", "addr", "einsum", "tensordot", "kron", "cross", "cdist", "inverse", "det", "logdet",
    "slogdet", "chain_matmul", "matrix_power", "cholesky", "dsplit", "narrow_copy", "select_scatter",
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


# ---- products ----------------------------------------------------------------------------------

def matmul(input, other, *, out=None):
    return _out(input.matmul(other), out)


def mm(input, mat2, *, out=None):
    return _out(input.mm(mat2), out)


def bmm(input, mat2, *, out=None):
    return _out(input.bmm(mat2), out)


def mv(input, vec, *, out=None):
    return _out(input.mv(vec), out)


def dot(input, tensor, *, out=None):
    return _out(input.dot(tensor), out)


def vdot(input, other, *, out=None):
    return _out(input.vdot(other), out)


def inner(input, other, *, out=None):
    if input._data.ndim == 0 or other._data.ndim == 0:
        return _out(input * other, out)
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return _out(tensordot(input, other, dims=([input._data.ndim - 1], [other._data.ndim - 1])), out)


def outer(input, vec2, *, out=None):
    return _out(input.outer(vec2), out)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    return _out(input.addmm(mat1, mat2, beta=beta, alpha=alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    return _out(input.addmv(mat, vec, beta=beta, alpha=alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return _out(input.baddbmm(batch1, batch2, beta=beta, alpha=alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    return _out(input.addbmm(batch1, batch2, beta=beta, alpha=alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    return _out(input.addr(vec1, vec2, beta=beta, alpha=alpha), out)


def chain_matmul(*matrices, out=None):
    r = matrices[0]
    for m in matrices[1:]:
        r = r.mm(m)
    return _out(r, out)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(equation, shapes):
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->", 1)
        explicit = True
    else:
        lhs, out, explicit = eq, None, False
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    used = set(c for c in eq if c.isalpha())
    for c in eq:
        if not (c.isalpha() or c in ",.->"):
            raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index(c)} in the equation string, "
                               f"subscripts must be in [a-zA-Z]")
    free = [c for c in _LETTERS if c not in used]
    ell_n = 0
    named = []
    for i, (term, shp) in enumerate(zip(terms, shapes)):
        n_named = len(term.replace("...", ""))
        if "..." in term:
            if n_named > len(shp):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n_named}) is more than the "
                                   f"number of dimensions ({len(shp)}) for operand {i}")
            ell_n = max(ell_n, len(shp) - n_named)
        elif n_named != len(shp):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n_named}) does not match the "
                               f"number of dimensions ({len(shp)}) for operand {i} and no ellipsis was given")
    ell = "".join(free[:ell_n])
    ins = []
    for term, shp in zip(terms, shapes):
        if "..." in term:
            k = len(shp) - len(term.replace("...", ""))
            term = term.replace("...", ell[ell_n - k:])
        ins.append(term)
    if explicit:
        out = out.replace("...", ell)
        for c in out:
            if not any(c in s for s in ins):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   f"operand")
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
    else:
        counts = {}
        for s in ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    sizes = {}
    for i, (s, shp) in enumerate(zip(ins, shapes)):
        for c, n in zip(s, shp):
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = n
            elif n != prev and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not broadcast "
                                   f"with previously seen size {prev}")
    return tuple(ins), out, sizes


def einsum(*args):
    """Einstein summation over operands. Matches `torch.einsum` (also the operands-as-a-list form)."""
    if len(args) < 1:
        raise TypeError("einsum(): must specify the equation string and at least one operand")
    equation = args[0]
    ops = args[1:]
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = tuple(ops[0])
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    dt = ops[0]._data.dtype
    for o in ops[1:]:
        if o._data.dtype is not dt:
            raise RuntimeError(f"expected scalar type {_name(dt)} but found {_name(o._data.dtype)}")
    ins, out, sizes = _parse_einsum(equation, [o._data.shape for o in ops])
    if dt.kind in "biu":
        # torch sums a letter found in one operand only with `sum` (int64 result for narrower ints and
        # bool); contractions between operands go through bmm (no bool kernel)
        single = any(c not in out and sum(c in t for t in ins) == 1 for t in ins for c in t)
        if single and dt != np.int64:
            ops = tuple(o.to(D.int64) for o in ops)
        elif dt == np.bool_ and any(c not in out for t in ins for c in t):
            raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    return _apply(L.Einsum, tuple(ops), (ins, out, sizes))


def _name(npd):
    from ._methods.shape import _SHORT
    return _SHORT[D._FROM_NP[npd].name]


def tensordot(a, b, dims=2, out=None):
    """Sum products over the given dims of a and b. Matches `torch.tensordot`."""
    if hasattr(dims, "_data"):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = list(range(a._data.ndim - dims, a._data.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length (got {len(da)} and {len(db)})")
    da = [normalize_dim(d, a._data.ndim) for d in da]
    db = [normalize_dim(d, b._data.ndim) for d in db]
    for x, y in zip(da, db):
        if a._data.shape[x] != b._data.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._data.shape[x]} in dim "
                               f"{x} and second has size {b._data.shape[y]} in dim {y}")
    la = list(_LETTERS[:a._data.ndim])
    lb = list(_LETTERS[a._data.ndim:a._data.ndim + b._data.ndim])
    for x, y in zip(da, db):
        lb[y] = la[x]
    out_s = ("".join(c for i, c in enumerate(la) if i not in da)
             + "".join(c for i, c in enumerate(lb) if i not in db))
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"expected scalar type {_name(a._data.dtype)} but found {_name(b._data.dtype)}")
    return _out(einsum("".join(la) + "," + "".join(lb) + "->" + out_s, a, b), out)


def kron(input, other, *, out=None):
    """Kronecker product. Matches `torch.kron` (composed from a broadcast product, so gradients are free)."""
    na, nb = input._data.ndim, other._data.ndim
    n = max(na, nb)
    sa = (1,) * (n - na) + input._data.shape
    sb = (1,) * (n - nb) + other._data.shape
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return _out((a * b).reshape(tuple(x * y for x, y in zip(sa, sb))), out)


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along `dim`. Matches `torch.cross` (dim=None: first dim of size 3, deprecated)."""
    try:
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
    except ValueError:
        from ._methods.shape import _broadcast_error
        _broadcast_error(input._data.shape, other._data.shape)
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _out(_cross(input, other, dim, shape, "cross"), out)


def _cross(input, other, dim, shape, name):
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(f"{name}: inputs must have the same number of dimensions.")
    d = normalize_dim(dim, len(shape))
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"{name}: inputs dimension {dim} must have length 3. Got {input._data.shape[d]} and "
                           f"{other._data.shape[d]}")
    if input._data.dtype is not other._data.dtype:
        raise RuntimeError(f"expected scalar type {_name(input._data.dtype)} but found {_name(other._data.dtype)}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    return _apply(L.Cross, (input, other), d)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 and x2. Matches `torch.cdist`."""
    if x1._data.ndim < 2 or x2._data.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1._data.ndim}D" if x1._data.ndim < 2
                           else f"cdist only supports at least 2D tensors, X2 got: {x2._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} "
                           f"X2: {x2._data.shape[-1]}")
    if x1._data.dtype is not x2._data.dtype:
        raise RuntimeError(f"expected scalar type {_name(x1._data.dtype)} but found {_name(x2._data.dtype)}")
    if x1._data.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype.name}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return _apply(L.Cdist, (x1, x2), float(p))


def inverse(input, *, out=None):
    return _out(input.inverse(), out)


def det(input):
    return input.det()


def logdet(input):
    return input.logdet()


def slogdet(input):
    return input.slogdet()


def matrix_power(input, n):
    return input.matrix_power(n)


def cholesky(input, upper=False, *, out=None):
    return _out(input.cholesky(upper), out)
