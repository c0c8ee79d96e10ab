"""`ember.*` function forms of linear-algebra ops (torch.matmul, torch.einsum, ...)."""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype as D
from ._ops import linalg as L
from ._ops._base import normalize_dim
from ._tensor_base import _apply, _check_broadcast

__all__ = [
    "matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
    "baddbmm", "addbmm", "addr", "einsum", "tensordot", "kron", "cross", "cdist", "inverse", "det", "logdet",
    "slogdet", "chain_matmul", "matrix_power", "cholesky",
]


def _out(res, out):
    """Write into a user-supplied `out=` tensor like torch (resized when shapes differ)."""
    if out is None:
        return res
    from ._functional_math import _out as write
    return write(res, out)


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
    return D.scalar_type_name(npd)


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
        _check_broadcast(input._data.shape, other._data.shape)
        raise
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
