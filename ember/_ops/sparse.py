"""Sparse COO tensors: `sparse_coo_tensor`, `to_sparse`, `coalesce`, `to_dense`, `torch.sparse.sum`, and
sparse x dense products (`torch.sparse.mm`, and `mm`/`spmm`/`mv`/`matmul`/`@` with a sparse operand).

NOTE [ Sparse COO tensors ]
A sparse tensor is an instance of `_tensor_base.SparseTensor` (a Tensor subclass registered by the core,
NOTE [ The one seam ]) holding an int64 `indices` tensor (sparse_dim, nnz), a dense `values` tensor
(nnz, *dense_shape), its size and whether it is coalesced (indices sorted and unique). Its `_data` is
`NO_STRIDED`, which raises NotImplementedError naming the op for any dense op that touches it, so only
the ops below run on sparse tensors (the matmul family dispatches here).

Autograd flows through `values`: every op here is a kernel on the values array (and the dense operand),
with the indices as constants, so the gradient of a sparse tensor built from a tensor that requires grad
(`sparse_coo_tensor(i, w)`) reaches `w` per stored entry, as in torch. A leaf sparse tensor
(`requires_grad=True`) gets torch's `.grad`: the masked sparse gradient (coalesced) from `torch.sparse.mm`,
`to_dense`, `coalesce` and `sparse.sum`, and a dense gradient from `mm`/`spmm`/`mv`/`matmul`/`@`, which
torch differentiates as dense ops; that one accumulates in a zero-strided dense "shadow" leaf.

Everything is vectorised: entries are grouped with one argsort of their linear index and summed with
`np.add.reduceat` (row plans are cached per sparse tensor, so repeated products with one adjacency sort
once). Double backward (`create_graph=True`) through these kernels is not supported.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from .. import _dtype as D
from .. import _tensor_base as TB
from .._layout import sparse_coo
from .._tensor_base import TensorBase, _apply, _infer_array, _tensor_of, _unary, _wrap, _wrap_shared
from ._base import Op, is_array, normalize_dim

# the torch.* names; torch.sparse.mm/sum/addmm are sparse_mm/sparse_sum/sparse_addmm (ember/sparse.py)
__all__ = ["sparse_coo_tensor", "sparse_csr_tensor", "sparse_csc_tensor", "sparse_bsr_tensor",
           "sparse_bsc_tensor", "sparse_compressed_tensor"]

_ndarray = np.ndarray
_OPS_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_EMBER_DIR = os.path.dirname(os.path.dirname(_OPS_DIR.rstrip(os.sep))) + os.sep


# ---- the dense data of a sparse tensor: any dense op raises, naming itself ---------------------------

def _calling_op():
    """The public op the running code was called through, found only when raising: the outermost public
    function of an op family (`exp`, `Tensor.__add__`; factory-made functions keep their public name in a
    `name` variable), else the innermost public ember function (`Tensor.data_ptr`)."""
    f = sys._getframe(2)
    found = fallback = None
    while f is not None:
        code = f.f_code
        fn, name = code.co_filename, code.co_name
        if fn.startswith(_EMBER_DIR) and not fn.endswith(os.sep + "sparse.py"):
            dunder = name.startswith("__") and name.endswith("__")
            public = (dunder or not name.startswith("_")) and not name.startswith("<")
            if fn.startswith(_OPS_DIR) and public and name not in ("forward", "backward"):
                given = f.f_locals.get("name")
                if len(name) <= 2 and type(given) is str:
                    name = given
                found = f"Tensor.{name}" if dunder else name
            elif fallback is None and public:
                fallback = f"Tensor.{name}" if fn.endswith("_tensor_base.py") else name
        f = f.f_back
    return found or fallback or "this operation"


def _no_dense(*args, **kwargs):
    raise NotImplementedError(
        f"{_calling_op()}: not supported for sparse COO tensors in ember (layout=torch.sparse_coo). Sparse "
        f"tensors support indices(), values(), coalesce(), to_dense(), torch.sparse.sum, sparse x dense "
        f"mm/spmm/mv/@, t(), scalar mul/div, and add with another sparse tensor; call .to_dense() first for "
        f"anything else.")


class _NoStrided:
    """The `_data` of a sparse tensor. Any use by a dense op raises NotImplementedError naming that op."""

    __slots__ = ()

    def __getattr__(self, name):
        _no_dense()

    def __repr__(self):
        return "<no strided data: a sparse COO tensor>"


for _name in ("__array__", "__array_ufunc__", "__array_function__", "__len__", "__iter__", "__getitem__",
              "__setitem__", "__bool__", "__index__", "__int__", "__float__", "__complex__", "__contains__",
              "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__floordiv__", "__mod__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__",
              "__neg__", "__abs__", "__invert__", "__and__", "__or__", "__xor__", "__lt__", "__le__",
              "__gt__", "__ge__"):
    setattr(_NoStrided, _name, _no_dense)

NO_STRIDED = _NoStrided()


def is_sparse(t) -> bool:
    """Whether Tensor `t` is a sparse COO tensor (for the families that dispatch here)."""
    return type(t._data) is _NoStrided


# ---- array helpers: linear indices, grouping plans -----------------------------------------------------

def _linear(idx, sizes):
    """Row-major linear index of each column of `idx` (sparse_dim, nnz) within `sizes`."""
    if idx.shape[0] == 0:
        return np.zeros(idx.shape[1], dtype=np.int64)
    if idx.shape[0] == 1:
        return idx[0]
    return np.ravel_multi_index(tuple(idx), tuple(sizes)).astype(np.int64, copy=False)


def _unravel(keys, sizes):
    """The (len(sizes), n) int64 indices of linear indices `keys` (the inverse of _linear)."""
    if not sizes:
        return np.zeros((0, keys.shape[0]), dtype=np.int64)
    return np.array(np.unravel_index(keys, tuple(sizes)), dtype=np.int64).reshape(len(sizes), -1)


class _Plan:
    """How to sum entries that share a key: `order` sorts them (None: already sorted), `starts` are the
    first positions of each group in sorted order, `keys` the group keys, `inverse` each entry's group."""

    __slots__ = ("order", "starts", "keys", "inverse", "unique", "_buckets")

    def __init__(self, key):
        n = key.shape[0]
        if n > 1 and not np.all(key[1:] >= key[:-1]):
            self.order = np.argsort(key, kind="stable")
            key = key[self.order]
        else:
            self.order = None
        if n:
            first = np.empty(n, dtype=bool)
            first[0] = True
            np.not_equal(key[1:], key[:-1], out=first[1:])
            self.starts = np.flatnonzero(first)
            self.keys = key[self.starts]
            grp = np.cumsum(first) - 1
        else:
            self.starts = np.zeros(0, dtype=np.int64)
            self.keys = key
            grp = np.zeros(0, dtype=np.int64)
        self.unique = self.starts.shape[0] == n
        self._buckets = None
        if self.order is None:
            self.inverse = grp
        else:
            self.inverse = np.empty(n, dtype=np.int64)
            self.inverse[self.order] = grp

    def buckets(self):
        """(perm, [(keys, d), ...]): `perm` orders the entries group by group, groups of equal size d
        together, so that each bucket's sums are one reshape and one sum (a Python loop over the distinct
        group sizes, not over entries). Cached."""
        if self._buckets is None:
            n = self.inverse.shape[0]
            size = np.diff(np.append(self.starts, n))
            by_size = np.argsort(size, kind="stable")
            ds = size[by_size]
            first = np.repeat(self.starts[by_size], ds)
            perm = first + (np.arange(n) - np.repeat(np.cumsum(ds) - ds, ds))
            if self.order is not None:
                perm = self.order[perm]
            edges = np.flatnonzero(np.append(True, ds[1:] != ds[:-1])) if ds.shape[0] else np.zeros(0, int)
            bounds = np.append(edges, ds.shape[0])
            self._buckets = (perm, [(self.keys[by_size[a:b]], int(ds[a]))
                                    for a, b in zip(bounds[:-1], bounds[1:])])
        return self._buckets

    def reduce(self, values):
        """Sum of `values` (entries along axis 0) per group, in key order."""
        if self.unique and self.order is None:
            return values
        if self.order is not None:
            values = values[self.order]
        if values.shape[0] == 0:
            return values
        return np.add.reduceat(values, self.starts, axis=0)


def _plan(t, what):
    """A grouping plan of sparse tensor `t` by 'all' (its linear index), 'row' or 'col' (2-d), cached while
    its indices are unchanged."""
    idx_t = t._sp_indices
    cache = t._sp_cache
    if cache is None or cache[0] != idx_t._vc[0]:
        cache = t._sp_cache = [idx_t._vc[0], {}]
    p = cache[1].get(what)
    if p is None:
        idx = idx_t._data
        sparse = t._sp_shape[:idx.shape[0]]
        key = _linear(idx, sparse) if what == "all" else idx[0 if what == "row" else 1]
        p = cache[1][what] = _Plan(key)
    return p


# ---- kernels ---------------------------------------------------------------------------------------------

class SparseCooTensorWithDimsAndTensors(Op):
    """The values of a sparse tensor built from a tensor (its grad_fn); the same array."""

    @staticmethod
    def forward(v):
        return v, None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


class Values(Op):
    @staticmethod
    def forward(v):
        return v, None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


class SparseT(Op):
    """t()/transpose of a sparse matrix: the values are unchanged."""
    bw_name = "TBackward0"

    @staticmethod
    def forward(v):
        return v, None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)


def _no_double(g, name):
    if not is_array(g):
        raise NotImplementedError(f"{name}: double backward (create_graph=True) through sparse ops is not "
                                  f"supported in ember")


class ToSparse(Op):
    """Gather the stored entries of a dense array: values = dense.reshape(-1, *dense_dims)[flat]."""
    saves = ("c", "c")
    bw_name = "ToSparseBackward1"

    @staticmethod
    def forward(x, flat, nsparse):
        rows = x.reshape((-1,) + x.shape[nsparse:])
        return rows[flat], (flat, x.shape)

    @staticmethod
    def backward(saved, g, needs):
        flat, shape = saved
        _no_double(g, "to_sparse")
        rows = int(np.prod(shape[:len(shape) - g.ndim + 1], dtype=np.int64))
        out = np.zeros((rows,) + g.shape[1:], g.dtype)
        out[flat] = g
        return (out.reshape(shape),)


class ToSparseDims(ToSparse):
    bw_name = "ToSparseBackward0"


class Coalesce(Op):
    saves = ("c",)

    @staticmethod
    def forward(v, plan):
        return plan.reduce(v), (plan.inverse,)

    @staticmethod
    def backward(saved, g, needs):
        _no_double(g, "coalesce")
        return (g[saved[0]],)


class SparseSum(Op):
    """Sum over some dense dims of the values, then over duplicate entries of the kept sparse dims."""
    saves = ("c", "c", "c")
    bw_name = "SparseSumBackward0"

    @staticmethod
    def forward(v, dense_axes, plan):
        s = v.sum(axis=dense_axes) if dense_axes else v
        return plan.reduce(s), (plan.inverse, v.shape, dense_axes)

    @staticmethod
    def backward(saved, g, needs):
        inverse, shape, dense_axes = saved
        _no_double(g, "torch.sparse.sum")
        g = g[inverse]
        if dense_axes:
            g = np.broadcast_to(np.expand_dims(g, dense_axes), shape)
        return (g,)


class ToDense(Op):
    saves = ("c", "c")

    @staticmethod
    def forward(v, lin, unique, shape):
        nsp = len(shape) - (v.ndim - 1)
        out = np.zeros((int(np.prod(shape[:nsp], dtype=np.int64)),) + v.shape[1:], dtype=v.dtype)
        if unique:
            out[lin] = v
        else:
            np.add.at(out, lin, v)
        return out.reshape(shape), (lin, v.shape)

    @staticmethod
    def backward(saved, g, needs):
        lin, vshape = saved
        _no_double(g, "to_dense")
        return (g.reshape((-1,) + vshape[1:])[lin],)


def _spmm(rows, cols, vals, dense, n, plan, t_out=False):
    """out[r] = sum over entries e with rows[e] == r of vals[e] * dense[cols[e]] (`plan` groups by rows), for
    dense (m,) or (m, K); with t_out the (K, n) transpose. The entries are gathered in bucket order (rows
    with the same number of entries together: `_Plan.buckets`) and each bucket is summed with one reshape."""
    dt = np.result_type(vals, dense)
    tail = dense.shape[1:]
    out = np.zeros(tail + (n,) if t_out else (n,) + tail, dtype=dt)
    if cols.shape[0] == 0:
        return out
    perm, buckets = plan.buckets()
    c = dense.take(cols[perm], axis=0)
    v = vals[perm]
    pos = 0
    for keys, d in buckets:
        nk = keys.shape[0]
        m = nk * d
        if tail:        # one batched (1, d) @ (d, K) product per row: weights and sum in one call
            sums = np.matmul(v[pos:pos + m].reshape(nk, 1, d), c[pos:pos + m].reshape((nk, d) + tail))[:, 0]
        else:
            sums = (v[pos:pos + m] * c[pos:pos + m]).reshape(nk, d).sum(axis=1, dtype=dt)
        if t_out:
            out[..., keys] = sums.T
        else:
            out[keys] = sums
        pos += m
    return out


class SparseAddmm(Op):
    """sparse (n, m) @ dense (m, k): torch.sparse.mm. Inputs: values, dense[, shadow]; `transposed`: the
    product is dense @ sparse, computed as (sparse^T @ dense^T)^T."""
    saves = ("x0", "x1", "c", "c")

    @staticmethod
    def forward(vals, dense, *rest):
        if len(rest) == 3:
            rest = rest[1:]              # the shadow leaf: its data is never read
        t, transposed = rest
        if transposed:
            out = _spmm(t._sp_indices._data[1], t._sp_indices._data[0], vals, dense.T, t._sp_shape[1],
                        _plan(t, "col"), True)
        else:
            out = _spmm(t._sp_indices._data[0], t._sp_indices._data[1], vals, dense, t._sp_shape[0],
                        _plan(t, "row"))
        return out, (vals, dense, t, transposed)

    @staticmethod
    def backward(saved, g, needs):
        vals, dense, t, transposed = saved
        _no_double(g, "sparse matmul")
        rows, cols = t._sp_indices._data
        n, m = t._sp_shape
        if transposed:      # out = dense @ S: g (p, m); d dense = g @ S^T, d S[r, c] = dense[:, r] . g[:, c]
            gd = _spmm(rows, cols, vals, g.T, n, _plan(t, "row"), True) if needs[1] else None
            gv = np.einsum("ij,ij->j", dense[:, rows], g[:, cols]) if needs[0] else None
            gs = dense.T @ g if len(needs) > 2 and needs[2] else None
        else:                   # out = S @ dense: d dense = S^T @ g, d S[r, c] = g[r] . dense[c]
            gd = _spmm(cols, rows, vals, g, m, _plan(t, "col")) if needs[1] else None
            if needs[0]:
                gr, dc = g[rows], dense[cols]
                gv = np.einsum("ij,ij->i", gr, dc) if g.ndim == 2 else gr * dc
            else:
                gv = None
            gs = None
            if len(needs) > 2 and needs[2]:
                gs = g @ dense.T if g.ndim == 2 else np.multiply.outer(g, dense)
        return (gv, gd) if len(needs) == 2 else (gv, gd, gs)


class SparseMm(SparseAddmm):
    bw_name = "MmBackward0"


class SparseMv(SparseAddmm):
    bw_name = "MvBackward0"


# ---- construction --------------------------------------------------------------------------------------

def make_sparse(indices, values, shape, coalesced):
    """A new sparse tensor around an int64 indices tensor and a values tensor (no checks, no copies)."""
    t = TB._new(TB.SparseTensor)
    t._data = NO_STRIDED
    t._rg = False
    t._node = None
    t._vc = [0]
    t._sp_indices = indices
    t._sp_values = values
    t._sp_shape = tuple(shape)
    t._sp_coalesced = bool(coalesced) or indices._data.shape[1] <= 1
    t._sp_shadow = None
    t._sp_cache = None
    return t


def _check_invariants(idx, sizes):
    """Indices inside the size (always checked: torch checks only with check_invariants=True)."""
    if idx.shape[1] == 0:
        return
    lo, hi = idx.min(axis=1), idx.max(axis=1)
    for d in range(idx.shape[0]):
        if lo[d] < 0:
            raise RuntimeError(f"found negative index {int(lo[d])} for dim {d}")
        if hi[d] >= sizes[d]:
            raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {sizes[d]} but "
                               f"found index {int(hi[d])}")


def _as_indices(indices):
    it = indices if isinstance(indices, TensorBase) else _wrap(_infer_array(indices))
    a = it._data
    if type(a) is not _ndarray:
        raise TypeError("sparse_coo_tensor(): indices must be a dense tensor")
    if a.dtype != np.int64:
        if a.dtype.kind == "f" and np.any(a != np.floor(a)):
            raise RuntimeError(f"indices must be whole numbers, got {a.dtype} values that are not")
        if a.dtype.kind not in "iufb":
            raise RuntimeError(f"indices must be an int64 tensor, got {D._FROM_NP[a.dtype]}")
        it = _wrap(a.astype(np.int64))
    if it._data.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(it._data.shape)}")
    return it


def sparse_coo_tensor(indices=None, values=None, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with `values` at `indices` (sparse_dim x nnz), or an empty one of a size given
    alone. Matches `torch.sparse_coo_tensor`; unlike torch, indices are always checked against the size
    (torch checks only with check_invariants=True)."""
    from .._device import check_device
    if device is not None:
        check_device(device)
    if values is None:                       # sparse_coo_tensor(size, *, dtype=...): no stored entries
        size = tuple(int(s) for s in (size if indices is None else indices))
        dt = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
        vt = _wrap(np.zeros(0, dtype=dt.np))
        if requires_grad:
            vt.requires_grad_(True)
        return make_sparse(_wrap(np.zeros((len(size), 0), dtype=np.int64)), vt, size, True)
    it = _as_indices(indices)
    vt = values if isinstance(values, TensorBase) else _wrap(_infer_array(values))
    if type(vt._data) is not _ndarray:
        raise TypeError("sparse_coo_tensor(): values must be a dense tensor")
    if dtype is not None:
        dt = D.to_dtype(dtype)
        if vt._data.dtype != dt.np:
            vt = vt.to(dt)
    idx, va = it._data, vt._data
    if va.ndim == 0:
        raise RuntimeError("values has incorrect size, expected a tensor of at least one dimension (nnz)")
    if idx.shape[1] != va.shape[0]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{idx.shape[1]}, nnz from values: {va.shape[0]}")
    sd, dense = idx.shape[0], tuple(va.shape[1:])
    if size is None:
        sparse = tuple(int(m) + 1 for m in idx.max(axis=1)) if idx.shape[1] else (0,) * sd
        size = sparse + dense
    else:
        size = tuple(int(s) for s in size)
        if len(size) != sd + len(dense):
            raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = "
                               f"{len(size)}, sparse_dim = {sd}, dense_dim = {len(dense)}")
        if size[sd:] != dense:
            raise RuntimeError(f"values has incorrect size, expected {list((va.shape[0],) + size[sd:])}, got "
                               f"{list(va.shape)}")
    _check_invariants(idx, size)
    if vt._rg:
        vt = _unary(SparseCooTensorWithDimsAndTensors, vt)
    else:
        vt = _wrap_shared(vt)
        if requires_grad:
            vt.requires_grad_(True)
    return make_sparse(it, vt, size, bool(is_coalesced))


def _sparse_only(name):
    def f(*args, **kwargs):
        raise NotImplementedError(f"{name}: ember implements sparse COO tensors only "
                                  f"(torch.sparse_coo_tensor, Tensor.to_sparse()); CSR, CSC, BSR and BSC "
                                  f"layouts are not supported")
    f.__name__ = name
    f.__doc__ = f"Not available: ember has sparse COO tensors only (not `torch.{name}`'s layout)."
    return f


sparse_csr_tensor = _sparse_only("sparse_csr_tensor")
sparse_csc_tensor = _sparse_only("sparse_csc_tensor")
sparse_bsr_tensor = _sparse_only("sparse_bsr_tensor")
sparse_bsc_tensor = _sparse_only("sparse_bsc_tensor")
sparse_compressed_tensor = _sparse_only("sparse_compressed_tensor")


def to_sparse(input, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """The sparse COO form of a dense tensor (its non-zero entries, coalesced). Matches `Tensor.to_sparse`."""
    if is_sparse(input):
        return input
    if layout not in (None, sparse_coo) or blocksize is not None:
        _sparse_only("to_sparse(layout=...)")()
    a = input._data
    nd = a.ndim
    given = sparse_dim
    if sparse_dim is None:
        sparse_dim = nd - (dense_dim or 0)
    if not 0 <= sparse_dim <= nd or (sparse_dim == 0 and nd > 0):
        raise RuntimeError(f"dense_to_sparse: sparse_dim argument must be in >0 when self.dim()>0 and at "
                           f"most self.dim() ({nd}), got {sparse_dim}")
    rows = a.reshape((-1,) + a.shape[sparse_dim:]) if nd else a.reshape(1)
    nz = rows != 0 if sparse_dim == nd else (rows != 0).reshape(rows.shape[0], -1).any(axis=1)
    flat = np.flatnonzero(nz)
    idx = _unravel(flat, a.shape[:sparse_dim])
    op = ToSparse if given is None else ToSparseDims          # torch's two overloads
    vals = _unary(op, input if nd else input.reshape(1), flat, sparse_dim if nd else 1)
    return make_sparse(_wrap(idx), vals, a.shape, True)


def to_sparse_coo(input):
    """Matches `Tensor.to_sparse_coo`."""
    return to_sparse(input)


def to_dense(input, dtype=None, *, masked_grad=None):
    """The dense form of a sparse tensor (a dense tensor itself). Matches `Tensor.to_dense`."""
    if not is_sparse(input):
        return input if dtype is None else input.to(dtype)
    t = input if dtype is None else input.to(dtype)
    p = _plan(t, "all")
    lin = _linear(t._sp_indices._data, t._sp_shape[:t._sp_indices._data.shape[0]])
    return _unary(ToDense, t._sp_values, lin, p.unique, t._sp_shape)


def coalesce(input):
    """The same sparse tensor with sorted, unique indices (duplicates summed). Matches `Tensor.coalesce`."""
    if input._sp_coalesced:
        return input
    p = _plan(input, "all")
    sd = input._sp_indices._data.shape[0]
    idx = _unravel(p.keys, input._sp_shape[:sd])
    vals = _unary(Coalesce, input._sp_values, p)
    return make_sparse(_wrap(idx), vals, input._sp_shape, True)


# ---- products ----------------------------------------------------------------------------------------

def _check_mm(s, d, name):
    if not is_sparse(s):
        raise RuntimeError(f"{name}: expected a sparse COO first operand")
    sd, nd = s._sp_indices._data.shape[0], len(s._sp_shape)
    if nd != 2 or sd != 2:
        raise RuntimeError(f"{name}: a sparse COO matrix (2 sparse dims, no dense dims) is expected, got a "
                           f"sparse tensor of size {s._sp_shape} with {sd} sparse dims")
    if is_sparse(d):
        raise NotImplementedError(f"{name}: sparse x sparse products are not supported in ember; convert one "
                                  f"operand with .to_dense()")
    va, da = s._sp_values._data, d._data
    if va.dtype != da.dtype:
        raise RuntimeError(f"expected scalar type {D.scalar_type_name(va.dtype)} but found "
                           f"{D.scalar_type_name(da.dtype)}")


def _shadow(s):
    """The dense-gradient leaf of leaf sparse tensor `s` (zero-strided: no memory)."""
    sh = s._sp_shadow
    if sh is None:
        sh = s._sp_shadow = _wrap(np.broadcast_to(np.zeros((), s._sp_values._data.dtype), s._sp_shape))
        sh._rg = True
    return sh


def _product(op, s, d, transposed, dense_grad):
    vals = s._sp_values
    if dense_grad and vals._rg and vals._node is None:      # a leaf: torch's dense gradient for mm and @
        return _apply(op, (_wrap_shared(vals), d, _shadow(s)), s, transposed)
    return _apply(op, (vals, d), s, transposed)


def sparse_mm(sparse, dense, reduce=None):
    """sparse (n, m) @ dense (m, k); the sparse operand's gradient is sparse, masked to its entries. Matches
    `torch.sparse.mm` for COO tensors (`reduce` is torch's CSR-only option: not supported)."""
    if reduce is not None:
        raise NotImplementedError("torch.sparse.mm: reduce= is implemented only for CSR tensors")
    _check_mm(sparse, dense, "addmm")
    if dense._data.ndim == 1:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    if dense._data.ndim != 2:
        raise RuntimeError(f"addmm: matrices expected, got {dense._data.ndim}D tensor")
    _check_inner(sparse._sp_shape[1], dense._data.shape[0])
    return _product(SparseAddmm, sparse, dense, False, False)


def _check_inner(m, k):
    if m != k:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {m}, got {k}")


def sparse_matmul(a, b, kind):
    """a @ b with a sparse operand, as torch.mm/spmm/mv/matmul/@ (`kind`): dense gradient for a leaf."""
    if is_sparse(a):
        _check_mm(a, b, "addmm")
        nd = b._data.ndim
        if kind == "mm" and nd != 2 or nd not in (1, 2):
            raise RuntimeError(f"addmm: matrices expected, got {nd}D tensor")
        _check_inner(a._sp_shape[1], b._data.shape[0])
        return _product(SparseMv if nd == 1 else SparseMm, a, b, False, True)
    _check_mm(b, a, "addmm")
    if a._data.ndim != 2:
        raise NotImplementedError(f"{kind}: a dense operand of {a._data.ndim} dims times a sparse matrix is "
                                  f"not supported in ember (2-d only)")
    if a._data.shape[1] != b._sp_shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({a._data.shape[0]}x{a._data.shape[1]} and {b._sp_shape[0]}x{b._sp_shape[1]})")
    return _product(SparseMm, b, a, True, True)


def sparse_addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """beta * mat + alpha * (mat1 @ mat2) for sparse mat1. Matches `torch.sparse.addmm`."""
    prod = sparse_mm(mat1, mat2)
    return prod * alpha + mat * beta if beta != 0 else prod * alpha


# ---- reductions ----------------------------------------------------------------------------------------

def sparse_sum(input, dim=None, dtype=None):
    """Sum of a sparse tensor over `dim` (all dims: a dense 0-d tensor; all sparse dims: dense; else sparse,
    coalesced). Matches `torch.sparse.sum`."""
    if not is_sparse(input):
        raise RuntimeError("torch.sparse.sum expects a sparse COO tensor; use torch.sum for dense tensors")
    t = input if dtype is None else input.to(dtype)
    vals = t._sp_values
    if dim is None:
        return vals.sum()
    n = len(t._sp_shape)
    dims = sorted({normalize_dim(d, n) for d in ((dim,) if isinstance(dim, int) else dim)})
    sd = t._sp_indices._data.shape[0]
    sparse_dims = [d for d in dims if d < sd]
    dense_axes = tuple(d - sd + 1 for d in dims if d >= sd)
    keep = [d for d in range(sd) if d not in sparse_dims]
    if not keep:                                          # every sparse dim summed: a dense result
        return vals.sum(dim=(0,) + dense_axes)
    idx = t._sp_indices._data[keep]
    kept_sizes = tuple(t._sp_shape[d] for d in keep)
    p = _Plan(_linear(idx, kept_sizes))
    out_idx = _unravel(p.keys, kept_sizes)
    out_vals = _unary(SparseSum, vals, dense_axes, p)
    shape = kept_sizes + tuple(s for d, s in enumerate(t._sp_shape) if d >= sd and d not in dims)
    return make_sparse(_wrap(out_idx), out_vals, shape, True)


# ---- the Tensor methods ----------------------------------------------------------------------------------

def _type_name(t):
    return D.legacy_type_name(t._sp_values._data.dtype).replace("torch.", "torch.sparse.")


class SparseConversionMethods:
    """Methods of every Tensor: the dense <-> sparse conversions."""
    __slots__ = ()

    to_sparse, to_sparse_coo, to_dense = to_sparse, to_sparse_coo, to_dense
    to_sparse_csr = _sparse_only("to_sparse_csr")
    to_sparse_csc = _sparse_only("to_sparse_csc")
    to_sparse_bsr = _sparse_only("to_sparse_bsr")
    to_sparse_bsc = _sparse_only("to_sparse_bsc")


class SparseCOOMethods:
    """The sparse COO tensor's own properties and methods (they override the dense ones)."""
    __slots__ = ()

    # -- state --
    @property
    def is_sparse(self):
        return True

    @property
    def layout(self):
        return sparse_coo

    @property
    def shape(self):
        return TB.Size(self._sp_shape)

    def size(self, dim=None):
        if dim is None:
            return TB.Size(self._sp_shape)
        return self._sp_shape[normalize_dim(dim, len(self._sp_shape))]

    def dim(self):
        return len(self._sp_shape)

    ndimension = dim

    @property
    def ndim(self):
        return len(self._sp_shape)

    def numel(self):
        return int(np.prod(self._sp_shape, dtype=np.int64))

    nelement = numel

    def __len__(self):
        if not self._sp_shape:
            raise TypeError("len() of a 0-d tensor")
        return self._sp_shape[0]

    @property
    def dtype(self):
        return self._sp_values.dtype

    def element_size(self):
        return self._sp_values._data.itemsize

    def is_floating_point(self):
        return self._sp_values._data.dtype.kind == "f"

    def sparse_dim(self):
        return self._sp_indices._data.shape[0]

    def dense_dim(self):
        return len(self._sp_shape) - self._sp_indices._data.shape[0]

    def _nnz(self):
        return self._sp_indices._data.shape[1]

    def is_coalesced(self):
        return self._sp_coalesced

    def _indices(self):
        return _wrap_shared(self._sp_indices)

    def _values(self):
        return _wrap_shared(self._sp_values)

    def indices(self):
        if not self._sp_coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._indices()

    def values(self):
        if not self._sp_coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        v = self._sp_values
        return _unary(Values, v) if v._rg else _wrap_shared(v)

    coalesce = coalesce

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            return _type_name(self)
        legacy = getattr(dtype, "_dtype", None)
        return self.to(legacy if legacy is not None else dtype)

    def numpy(self, *, force=False):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    # -- autograd --
    @property
    def requires_grad(self):
        return self._sp_values._rg

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        v = self._sp_values
        if v._node is not None:
            v.requires_grad_(requires_grad)      # torch's error for a non-leaf
        elif requires_grad and v._data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        else:
            v._rg = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        return self._sp_values._node

    @property
    def is_leaf(self):
        return self._sp_values._node is None

    @property
    def grad(self):
        """torch's .grad of a sparse leaf: sparse (masked) from sparse.mm/to_dense/sum, dense from mm/@."""
        masked = getattr(self._sp_values, "_grad", None)
        sh = self._sp_shadow
        dense = None if sh is None else getattr(sh, "_grad", None)
        if masked is not None:
            c = self if self._sp_coalesced else make_sparse(self._sp_indices, self._sp_values, self._sp_shape,
                                                            False)
            p = None if self._sp_coalesced else _plan(c, "all")
            g = masked._data
            if p is not None:       # every copy of a duplicated entry has its position's gradient: keep one
                first = p.starts if p.order is None else p.order[p.starts]
                idx = _unravel(p.keys, self._sp_shape[:self.sparse_dim()])
                masked = make_sparse(_wrap(idx), _wrap(g[first]),
                                     self._sp_shape, True)
            else:
                masked = make_sparse(self._sp_indices, _wrap(g), self._sp_shape, True)
        if dense is None:
            return masked
        return dense if masked is None else _wrap(dense._data + to_dense(masked)._data)

    @grad.setter
    def grad(self, value):
        if value is not None:
            raise NotImplementedError("assigning .grad of a sparse tensor is not supported in ember (only "
                                      "None)")
        self._sp_values._grad = None
        if self._sp_shadow is not None:
            self._sp_shadow._grad = None

    def detach(self):
        return make_sparse(self._sp_indices, self._sp_values.detach(), self._sp_shape, self._sp_coalesced)

    @property
    def data(self):
        return self.detach()

    def clone(self, *, memory_format=None):
        return make_sparse(_wrap(self._sp_indices._data.copy()), self._sp_values.clone(), self._sp_shape,
                           self._sp_coalesced)

    def to(self, *args, **kwargs):
        v = self._sp_values.to(*args, **kwargs)
        return self if v is self._sp_values else make_sparse(self._sp_indices, v, self._sp_shape,
                                                             self._sp_coalesced)

    def cpu(self, memory_format=None):
        return self

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def long(self):
        return self.to(D.int64)

    def int(self):
        return self.to(D.int32)

    def bool(self):
        return self.to(D.bool)

    # -- ops --
    def t(self):
        if len(self._sp_shape) != 2 or self.sparse_dim() != 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                               f"{self.sparse_dim()} sparse and {self.dense_dim()} dense dimensions")
        v = self._sp_values
        return make_sparse(_wrap(self._sp_indices._data[::-1]), _unary(SparseT, v) if v._rg else v,
                           self._sp_shape[::-1], False)

    def transpose(self, dim0, dim1):
        n = len(self._sp_shape)
        d0, d1 = sorted((normalize_dim(dim0, n), normalize_dim(dim1, n)))
        if d0 == d1:
            return self
        if n != 2 or self.sparse_dim() != 2:
            raise NotImplementedError("transpose: ember transposes 2-d sparse matrices only")
        return self.t()

    def _scaled(self, s, name):
        if type(s) not in (int, float, bool):
            raise NotImplementedError(f"{name}: ember multiplies a sparse COO tensor by a Python number "
                                      f"only; got {type(s).__name__}")
        return make_sparse(self._sp_indices, self._sp_values * s if name != "div" else self._sp_values / s,
                           self._sp_shape, self._sp_coalesced)

    def mul(self, other):
        return self._scaled(other, "mul")

    __mul__ = __rmul__ = mul

    def div(self, other):
        return self._scaled(other, "div")

    __truediv__ = div

    def neg(self):
        return self._scaled(-1, "mul")

    __neg__ = neg

    def add(self, other, *, alpha=1):
        if not isinstance(other, TensorBase) or not is_sparse(other):
            raise RuntimeError("add(sparse, dense) is not supported. ember adds two sparse COO tensors only; "
                               "use .to_dense() for a dense sum")
        if other._sp_shape != self._sp_shape or other.sparse_dim() != self.sparse_dim():
            raise RuntimeError(f"add: expected sizes to match, got {list(self._sp_shape)} and "
                               f"{list(other._sp_shape)}")
        from .join import cat
        ov = other._sp_values if alpha == 1 else other._sp_values * alpha
        out = make_sparse(_wrap(np.concatenate([self._sp_indices._data, other._sp_indices._data], axis=1)),
                          cat([self._sp_values, ov]), self._sp_shape, False)
        return coalesce(out) if self._sp_coalesced and other._sp_coalesced else out

    __add__ = add

    def sum(self, dim=None, keepdim=False, dtype=None):
        if keepdim:
            raise NotImplementedError("sum(keepdim=True) of a sparse COO tensor is not supported")
        return sparse_sum(self, dim, dtype)

    def mm(self, mat2):
        return sparse_matmul(self, mat2, "mm")

    def mv(self, vec):
        return sparse_matmul(self, vec, "mv")

    def matmul(self, other):
        return sparse_matmul(self, other, "matmul")

    def __matmul__(self, other):
        return sparse_matmul(self, _tensor_of(other), "matmul")

    def __rmatmul__(self, other):
        return sparse_matmul(_tensor_of(other), self, "matmul")

    # -- printing, copying, pickling --
    def __repr__(self):
        from .._tensor_str import sparse_repr
        return sparse_repr(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        out = make_sparse(_wrap(self._sp_indices._data.copy()), self._sp_values.__deepcopy__(memo),
                          self._sp_shape, self._sp_coalesced)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, protocol):
        return (_rebuild_sparse, (self._sp_indices, self._sp_values, self._sp_shape, self._sp_coalesced))


def _rebuild_sparse(indices, values, shape, coalesced):
    return make_sparse(indices, values, shape, coalesced)
