"""Products and contractions: matmul/@, mm, bmm, mv, dot, vdot, inner, outer, the fused addmm family,
chain_matmul, einsum, tensordot, kron, cross, cdist (and torch.linalg's multi_dot, vecdot, cross).
Kernels, the public functions and the Tensor methods. Matches torch's.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .._inplace import inplace, write_out
from .._tensor_base import TensorBase, _apply, _as_operand, _binary, _check_broadcast, _wrap
from ._base import Op, b_matmul, b_swap_last, normalize_dim
from .sparse import sparse_matmul

_ndarray = np.ndarray

__all__ = ["matmul", "mm", "spmm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addbmm",
           "baddbmm", "addr", "chain_matmul", "einsum", "tensordot", "kron", "cross", "cdist", "addmv_"]


# ---- kernels -------------------------------------------------------------------------------------

class Matmul(Op):
    saves = ("x0", "x1")
    saved_for = {"x0": (1,), "x1": (0,)}   # see Op.saved_for (core)
    bw_name = "MmBackward0"

    @staticmethod
    def forward(a, b):
        return np.matmul(a, b), (a, b)

    @staticmethod
    def backward(saved, g, needs):
        a, b = saved
        ga = gb = None
        if type(g) is np.ndarray and g.ndim >= 2 and 0 in g.strides:
            g = np.ascontiguousarray(g)      # a broadcast seed (e.g. from sum()) would miss BLAS
        if a.ndim == 1 and b.ndim == 1:     # dot product
            return (g * b if needs[0] else None), (g * a if needs[1] else None)
        if a.ndim == 1:                      # (k) @ (..., k, n) -> (..., n)
            if needs[0]:
                ga = b_matmul(g[..., None, :], b_swap_last(b))[..., 0, :]
            if needs[1]:
                gb = a[:, None] * g[..., None, :]
            return ga, gb
        if b.ndim == 1:                      # (..., m, k) @ (k) -> (..., m)
            if needs[0]:
                ga = g[..., :, None] * b
            if needs[1]:
                gb = b_matmul(b_swap_last(a), g[..., :, None])[..., 0]
            return ga, gb
        if needs[0]:
            ga = b_matmul(g, b_swap_last(b))
        if needs[1]:
            gb = b_matmul(b_swap_last(a), g)
        return ga, gb   # batch dims: the engine sums them back to each input's shape


# torch's grad_fn names for the matmul kernel, by the operands' dims (see _matmul below)
class Dot(Matmul):
    bw_name = "DotBackward0"


class Vdot(Matmul):
    bw_name = "VdotBackward0"


class Mv(Matmul):
    bw_name = "MvBackward0"


class Bmm(Matmul):
    bw_name = "BmmBackward0"


class MatmulSqueeze(Matmul):
    bw_name = "SqueezeBackward4"        # (k) @ (k, n): torch unsqueezes, mm's, squeezes


class MatmulUnsafeView(Matmul):
    bw_name = "UnsafeViewBackward0"     # batched: torch folds or bmm's, then views the result


class MatmulClone(Matmul):
    bw_name = "CloneBackward0"          # (m, k) @ (b.., k, n) with a grad-requiring left operand


class MatmulTranspose(Matmul):
    bw_name = "TransposeBackward0"      # as MatmulClone, when the transposed result is contiguous


class Addmm(Op):
    """beta * input + alpha * (m1 @ m2), fused (addmm, and baddbmm through Baddbmm)."""
    saves = ("x1", "x2", "c")
    saved_for = {"x1": (2,), "x2": (1,)}

    @staticmethod
    def forward(inp, m1, m2, beta, alpha):
        p = np.matmul(m1, m2)
        if alpha != 1:
            p *= alpha
        if beta == 0:     # torch ignores input then (its nan/inf do not propagate)
            return p, (m1, m2, (beta, alpha))
        return (p + inp if beta == 1 else p + inp * beta), (m1, m2, (beta, alpha))

    @staticmethod
    def backward(saved, g, needs):
        m1, m2, (beta, alpha) = saved
        if type(g) is np.ndarray and g.ndim >= 2 and 0 in g.strides:
            g = np.ascontiguousarray(g)
        gi = g1 = g2 = None
        if needs[0]:
            gi = g if beta == 1 else g * beta
        if needs[1] or needs[2]:
            ga = g if alpha == 1 else g * alpha
            if needs[1]:
                g1 = b_matmul(ga, b_swap_last(m2))
            if needs[2]:
                g2 = b_matmul(b_swap_last(m1), ga)
        return gi, g1, g2


class Baddbmm(Addmm):
    pass


class Addmv(Op):
    """beta * input + alpha * (mat @ vec), fused."""
    saves = ("x1", "x2", "c")
    saved_for = {"x1": (2,), "x2": (1,)}

    @staticmethod
    def forward(inp, mat, vec, beta, alpha):
        p = np.matmul(mat, vec)
        if alpha != 1:
            p *= alpha
        if beta == 0:
            return p, (mat, vec, (beta, alpha))
        return (p + inp if beta == 1 else p + inp * beta), (mat, vec, (beta, alpha))

    @staticmethod
    def backward(saved, g, needs):
        mat, vec, (beta, alpha) = saved
        gi = g1 = g2 = None
        if needs[0]:
            gi = g if beta == 1 else g * beta
        ga = g if alpha == 1 else g * alpha
        if needs[1]:
            g1 = ga[:, None] * vec
        if needs[2]:
            g2 = b_matmul(b_swap_last(mat), ga)
        return gi, g1, g2


def _no_double(name):
    raise NotImplementedError(f"ember: double backward (create_graph=True) through {name} is not implemented")


def _strided_diag(a, sub):
    """A view of `a` (subscript `sub`, possibly with repeated letters) indexed by its unique letters."""
    uniq = list(dict.fromkeys(sub))
    if len(uniq) == len(sub):
        return a, "".join(uniq)
    shape, strides = [], []
    for c in uniq:
        pos = [i for i, s in enumerate(sub) if s == c]
        shape.append(a.shape[pos[0]])
        strides.append(sum(a.strides[i] for i in pos))
    return np.lib.stride_tricks.as_strided(a, tuple(shape), tuple(strides)), "".join(uniq)


class Einsum(Op):
    """np.einsum over an explicit, ellipsis-free equation (the API layer normalises it)."""
    # saved = (equation, operand 0, operand 1, ...): the operands are declared as inputs so that
    # create_graph=True rebuilds them as graph-connected Tensors
    saves = ("c",) + tuple(f"x{i}" for i in range(52))

    @staticmethod
    def forward(*args):
        ins, out, sizes = args[-1]
        arrays = args[:-1]
        eq = ",".join(ins) + "->" + out
        res = _einsum(eq, arrays)
        return res, (args[-1],) + tuple(arrays)

    @staticmethod
    def backward(saved, g, needs):
        (ins, out, sizes), arrays = saved[0], saved[1:]
        if type(g) is np.ndarray and g.ndim >= 2 and 0 in g.strides:
            g = np.ascontiguousarray(g)
        grads = []
        for i, sub in enumerate(ins):
            if not needs[i]:
                grads.append(None)
                continue
            others = [(ins[j], arrays[j]) for j in range(len(ins)) if j != i]
            present = set(out).union(*[set(s) for s, _ in others]) if others else set(out)
            uniq = "".join(dict.fromkeys(sub))
            missing = [c for c in uniq if c not in present]
            ops = [g] + [a for _, a in others]
            subs = [out] + [s for s, _ in others]
            for c in missing:            # letters summed away in this operand alone: broadcast back
                a = arrays[i]
                ops.append(np.ones(sizes[c], dtype=a.dtype if type(a) is np.ndarray else a._data.dtype))
                subs.append(c)
            if type(g) is not np.ndarray:
                if len(uniq) != len(sub):
                    _no_double("einsum with a repeated index in one operand")
                conv = [o if hasattr(o, "_data") else _wrap(o) for o in ops]
                grads.append(einsum(",".join(subs) + "->" + uniq, *conv))
                continue
            r = _einsum(",".join(subs) + "->" + uniq, ops)
            shape = tuple(sizes[c] for c in sub)
            if len(uniq) == len(sub):
                grads.append(r)
            else:
                gx = np.zeros(shape, dtype=r.dtype)
                view, _ = _strided_diag(gx, sub)
                view[...] = r
                grads.append(gx)
        return tuple(grads)


_PATHS: dict = {}


def _einsum(eq, arrays):
    """np.einsum with a contraction path computed once per (equation, shapes): einsum_path costs
    tens of microseconds, often more than the contraction itself."""
    if len(arrays) < 2:
        return np.einsum(eq, *arrays)
    key = (eq,) + tuple(a.shape for a in arrays)
    path = _PATHS.get(key)
    if path is None:
        if len(_PATHS) > 512:
            _PATHS.clear()
        path = _PATHS[key] = np.einsum_path(eq, *arrays, optimize="greedy")[0]
    return np.einsum(eq, *arrays, optimize=path)


class Cross(Op):
    saves = ("x0", "x1", "c")
    bw_name = "LinalgCrossBackward0"

    @staticmethod
    def forward(a, b, axis):
        return np.cross(a, b, axis=axis), (a, b, axis)

    @staticmethod
    def backward(saved, g, needs):
        a, b, axis = saved
        if type(g) is np.ndarray:
            return (np.cross(b, g, axis=axis) if needs[0] else None,
                    np.cross(g, a, axis=axis) if needs[1] else None)
        return (cross(b, g, dim=axis) if needs[0] else None, cross(g, a, dim=axis) if needs[1] else None)
class Cdist(Op):
    saves = ("x0", "x1", "out", "c")

    @staticmethod
    def forward(x1, x2, p):
        diff = x1[..., :, None, :] - x2[..., None, :, :]
        a = np.abs(diff)
        if p == 2:
            d = np.sqrt(np.einsum("...ijk,...ijk->...ij", diff, diff))
        elif p == 1:
            d = a.sum(-1)
        elif p == 0:
            d = (a != 0).sum(-1).astype(x1.dtype)
        elif p == np.inf:
            d = a.max(-1) if a.shape[-1] else np.zeros(a.shape[:-1], dtype=x1.dtype)
        else:
            d = (a ** p).sum(-1) ** (1.0 / p)
        return d.astype(x1.dtype, copy=False), (x1, x2, d, p)

    @staticmethod
    def backward(saved, g, needs):
        x1, x2, d, p = saved
        if type(g) is not np.ndarray:
            _no_double("cdist")
        diff = x1[..., :, None, :] - x2[..., None, :, :]
        dd = d[..., None]
        if p == 0:
            w = np.zeros_like(diff)
        elif p == 1:
            w = np.sign(diff)
        elif p == 2:
            w = np.where(dd == 0, 0, diff / dd)
        elif p == np.inf:
            a = np.abs(diff)
            w = np.sign(diff) * (a == dd)
        else:
            w = np.where(dd == 0, 0, np.sign(diff) * np.abs(diff) ** (p - 1) / dd ** (p - 1))
        w = w * g[..., None]
        return (w.sum(-2) if needs[0] else None), (-w.sum(-3) if needs[1] else None)


# ---- public functions ------------------------------------------------------------------------------

def _mm_msg(sa, sb):
    return f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and {sb[0]}x{sb[1]})"


def _check_matmul(a, b):
    sa, sb = a._data.shape, b._data.shape
    na, nb = len(sa), len(sb)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na == 1 and nb == 1:
        if sa[0] != sb[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the "
                               f"same number of elements, but got {sa[0]} and {sb[0]} elements respectively")
        return
    ka = sa[-1]
    kb = sb[0] if nb == 1 else sb[-2]
    if ka != kb:
        if nb == 1:
            raise RuntimeError(f"size mismatch, got input ({sa[-2]}), mat ({sa[-2]}x{sa[-1]}), vec ({sb[0]}) "
                               f"(matmul of shapes {tuple(sa)} and {tuple(sb)})" if na > 2 else
                               f"size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), vec ({sb[0]})")
        if na <= 2 and nb == 2:
            raise RuntimeError(_mm_msg(sa if na == 2 else (1, sa[0]), sb))
        if nb == 2:
            rows = int(np.prod(sa[:-1]))
            raise RuntimeError(_mm_msg((rows, sa[-1]), sb) + f" (matmul of shapes {tuple(sa)} and {tuple(sb)})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(sa[:-2])) if na > 2 else 1}, {ka}] but got: "
                           f"[{int(np.prod(sb[:-2]))}, {kb}]. (matmul of shapes {tuple(sa)} and {tuple(sb)})")
    ba, bb = sa[:-2], sb[:-2]
    if ba == bb:
        return
    try:
        np.broadcast_shapes(ba, bb)
    except ValueError:
        n = max(len(ba), len(bb))
        pa, pb = (1,) * (n - len(ba)) + ba, (1,) * (n - len(bb)) + bb
        for i in range(n):
            if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
                raise RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                                   f"non-singleton dimension {i} (matmul of shapes {tuple(sa)} and "
                                   f"{tuple(sb)})") from None


def _matmul(a, b, op):
    """a @ b after torch's checks; `op` None picks the kernel torch's grad_fn name follows."""
    if type(a._data) is not _ndarray or type(b._data) is not _ndarray:
        return sparse_matmul(a, b, "mv" if op is Mv else "mm" if op is Matmul else "matmul")
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    _check_matmul(a, b)
    if a._data.dtype == np.bool_:
        name = "dot" if a._data.ndim == 1 and b._data.ndim == 1 else "addmm_impl_cpu_"
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    if op is None:
        na, nb = a._data.ndim, b._data.ndim
        if na == 2 and nb == 2:
            op = Matmul
        elif nb == 1:
            op = Mv if na == 2 else Dot if na == 1 else MatmulUnsafeView
        elif na == 1:
            op = MatmulSqueeze if nb == 2 else MatmulUnsafeView
        else:
            op = MatmulUnsafeView
            sa = a._data.shape
            # torch computes (m, k) @ (b.., k, n) as a transposed product when `a` needs a gradient
            if a._rg and nb >= 3 and (na == 2 or (na == 3 and nb == 3 and sa[0] == 1 and b._data.shape[0] != 1)):
                op = MatmulTranspose if sa[-2] == 1 or b._data.shape[-1] == 1 else MatmulClone
    return _binary(op, a, b)


def _need_tensor(x, name, arg, pos=2):
    if not isinstance(x, TensorBase):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _same(a, b, name):
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"{name}: expected both vectors to have same dtype, but found "
                           f"{D.scalar_type_name(a._data.dtype)} and {D.scalar_type_name(b._data.dtype)}")


def _check_same_type(a, b):
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"expected scalar type {D.scalar_type_name(a._data.dtype)} but found "
                           f"{D.scalar_type_name(b._data.dtype)}")


def matmul(input, other, *, out=None):
    """Matrix product with broadcast batch dims (1-D operands act as vectors). Matches `torch.matmul`."""
    if not (isinstance(input, TensorBase) and isinstance(other, TensorBase)):
        _need_tensor(input, "matmul", "input", 1)
        _need_tensor(other, "matmul", "other", 1)
    r = _matmul(input, other, None)
    return r if out is None else write_out(r, out)


def mm(input, mat2, *, out=None):
    """Product of two matrices (no broadcasting); one may be a sparse COO matrix. Matches `torch.mm`."""
    if not isinstance(mat2, TensorBase):
        _need_tensor(mat2, "mm", "mat2")
    if type(input._data) is not _ndarray or type(mat2._data) is not _ndarray:
        return write_out(sparse_matmul(input, mat2, "mm"), out)
    if input._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix, got {input._data.ndim}-D tensor")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
    r = _matmul(input, mat2, Matmul)
    return r if out is None else write_out(r, out)


def spmm(input, mat2):
    """torch.mm for a sparse COO first operand (dense operands work too). Matches `torch.spmm`."""
    return mm(input, mat2)


def bmm(input, mat2, *, out=None):
    """Batched product of two 3-D tensors. Matches `torch.bmm`."""
    if not isinstance(mat2, TensorBase):
        _need_tensor(mat2, "bmm", "mat2")
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    sa, sb = input._data.shape, mat2._data.shape
    if sa[0] != sb[0] or sa[2] != sb[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{sa[0]}, {sa[2]}] "
                           f"but got: [{sb[0]}, {sb[1]}].")
    return write_out(_matmul(input, mat2, Bmm), out)


def mv(input, vec, *, out=None):
    """Matrix-vector product. Matches `torch.mv`."""
    if not isinstance(vec, TensorBase):
        _need_tensor(vec, "mv", "vec")
    if type(input._data) is not _ndarray:
        if vec._data.ndim != 1:
            raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.dim()}, {vec._data.ndim}")
        return write_out(sparse_matmul(input, vec, "mv"), out)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    if input._data.shape[1] != vec._data.shape[0]:
        s = input._data.shape
        raise RuntimeError(f"size mismatch, got input ({s[0]}), mat ({s[0]}x{s[1]}), vec ({vec._data.shape[0]})")
    return write_out(_matmul(input, vec, Mv), out)


def _vectors(input, other, name, arg):
    _need_tensor(other, name, arg)
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    _same(input, other, name)


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors. Matches `torch.dot`."""
    _vectors(input, tensor, "dot", "tensor")
    return write_out(_matmul(input, tensor, Dot), out)


def vdot(input, other, *, out=None):
    """Inner product of two 1-D tensors (the first conjugated: a no-op for real dtypes). Matches `torch.vdot`."""
    _vectors(input, other, "vdot", "other")
    return write_out(_matmul(input, other, Vdot), out)


def inner(input, other, *, out=None):
    """Sum of products over the last dims of both. Matches `torch.inner`."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return write_out(input * other, out)
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return write_out(tensordot(input, other, dims=([input._data.ndim - 1], [other._data.ndim - 1])), out)


def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors. Matches `torch.outer` (and `torch.ger`)."""
    _need_tensor(vec2, "outer", "vec2")
    if input._data.ndim != 1 or vec2._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._data.ndim}-D"
                           if input._data.ndim != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    return write_out(input.reshape(-1, 1) * vec2, out)


ger = outer


def _fusable(inp, m1, m2, n1, n2):
    """addmm/addmv/baddbmm: run the fused kernel (after the product's checks) when the dtypes agree."""
    if not isinstance(m1, TensorBase) or not isinstance(m2, TensorBase):
        bad = m2 if isinstance(m1, TensorBase) else m1
        raise TypeError(f"argument '{'mat2' if bad is m2 else 'mat1'}' must be Tensor, not {type(bad).__name__}")
    dt = inp._data.dtype
    if dt.kind != "f" or m1._data.dtype is not dt or m2._data.dtype is not dt \
            or m1._data.ndim != n1 or m2._data.ndim != n2:
        return False
    if n1 == 3:
        sa, sb = m1._data.shape, m2._data.shape
        if sa[0] != sb[0] or sa[2] != sb[1]:
            return False
    else:
        _check_matmul(m1, m2)
    shape = m1._data.shape[:-1] + (m2._data.shape[-1:] if n2 >= 2 else ())
    si = inp._data.shape
    if len(si) > len(shape):
        return False
    for p, q in zip(si[::-1], shape[::-1]):   # input must broadcast to the product's shape
        if p != q and p != 1:
            return False
    return True


def _add_scaled(inp, prod, beta, alpha):
    if prod._data.dtype.kind in "biu":   # integer inputs: torch truncates alpha and beta to integers
        alpha, beta = int(alpha), int(beta)
    if alpha != 1:
        prod = prod * alpha
    try:
        np.broadcast_shapes(inp._data.shape, prod._data.shape)
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({prod.shape[-1]}) must match the existing size "
                           f"({inp.shape[-1]}) at non-singleton dimension {inp.ndim - 1}.  Target sizes: "
                           f"{list(prod.shape)}.  Tensor sizes: {list(inp.shape)}") from None
    if beta == 0:   # torch ignores input here (its nan/inf do not propagate)
        shape = np.broadcast_shapes(inp._data.shape, prod._data.shape)
        return prod if prod._data.shape == shape else prod.expand(shape).clone()
    return (inp if beta == 1 else inp * beta) + prod   # input first: the in-place forms write into it


# the fused products, positionally (the public forms add the keywords; the in-place forms run them
# through inplace(), which passes positional arguments only)
def _addmm(input, mat1, mat2, beta, alpha):
    if _fusable(input, mat1, mat2, 2, 2):
        return _apply(Addmm, (input, mat1, mat2), beta, alpha)
    return _add_scaled(input, mm(mat1, mat2), beta, alpha)


def _addmv(input, mat, vec, beta, alpha):
    if _fusable(input, mat, vec, 2, 1):
        return _apply(Addmv, (input, mat, vec), beta, alpha)
    return _add_scaled(input, mv(mat, vec), beta, alpha)


def _baddbmm(input, batch1, batch2, beta, alpha):
    if _fusable(input, batch1, batch2, 3, 3):
        return _apply(Baddbmm, (input, batch1, batch2), beta, alpha)
    return _add_scaled(input, bmm(batch1, batch2), beta, alpha)


def _addbmm(input, batch1, batch2, beta, alpha):
    prod = bmm(batch1, batch2)
    return _add_scaled(input, prod.sum(0).to(prod.dtype), beta, alpha)


def _addr(input, vec1, vec2, beta, alpha):
    if input._data.dtype.kind in "biu":
        for name, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, float):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point "
                                   f"number.")
    return _add_scaled(input, outer(vec1, vec2), beta, alpha)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2), one graph node for float operands. Matches `torch.addmm`."""
    r = _addmm(input, mat1, mat2, beta, alpha)
    return r if out is None else write_out(r, out)


def addmm_(input, mat1, mat2, *, beta=1, alpha=1):
    return inplace(input, _addmm, input, mat1, mat2, beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec). Matches `torch.addmv`."""
    return write_out(_addmv(input, mat, vec, beta, alpha), out)


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    return inplace(input, _addmv, input, mat, vec, beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2). Matches `torch.baddbmm`."""
    return write_out(_baddbmm(input, batch1, batch2, beta, alpha), out)


def baddbmm_(input, batch1, batch2, *, beta=1, alpha=1):
    return inplace(input, _baddbmm, input, batch1, batch2, beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (the sum over the batch of bmm(batch1, batch2)). Matches `torch.addbmm`."""
    return write_out(_addbmm(input, batch1, batch2, beta, alpha), out)


def addbmm_(input, batch1, batch2, *, beta=1, alpha=1):
    return inplace(input, _addbmm, input, batch1, batch2, beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2). Matches `torch.addr`."""
    return write_out(_addr(input, vec1, vec2, beta, alpha), out)


def addr_(input, vec1, vec2, *, beta=1, alpha=1):
    return inplace(input, _addr, input, vec1, vec2, beta, alpha)


def chain_matmul(*matrices, out=None):
    """The product of several matrices, left to right. Matches `torch.chain_matmul` (deprecated there: it
    warns)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", stacklevel=2)
    r = matrices[0]
    for m in matrices[1:]:
        r = mm(r, m)
    return write_out(r, out)


def multi_dot(tensors, *, out=None):
    """The product of several matrices (the first and last may be vectors). Matches `torch.linalg.multi_dot`."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_1d, last_1d = ts[0]._data.ndim == 1, ts[-1]._data.ndim == 1
    if first_1d:
        ts[0] = ts[0].unsqueeze(0)
    if last_1d:
        ts[-1] = ts[-1].unsqueeze(-1)
    r = ts[0]
    for t in ts[1:]:
        r = mm(r, t)
    if first_1d:
        r = r.squeeze(0)
    if last_1d:
        r = r.squeeze(-1)
    return write_out(r, out)


def vecdot(x, y, *, dim=-1, out=None):
    """Dot products of vectors along `dim` (with broadcasting). Matches `torch.linalg.vecdot`."""
    return write_out((x * y).sum(dim), out)


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




def _sublist_form(args):
    """torch's einsum(op1, sublist1, op2, sublist2, ..., [sublist_out]) as (equation, op1, op2, ...): each
    sublist holds integers in [0, 52) (letters) or Ellipsis."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def sub(lst):
        out = ""
        for v in lst:
            if v is Ellipsis:
                out += "..."
            elif isinstance(v, (int, np.integer)) and 0 <= v < 52:
                out += letters[v]
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the valid range [0, "
                                 f"52), got {v!r}")
        return out

    ops, subs = list(args[0::2]), list(args[1::2])
    explicit = len(ops) > len(subs)          # a trailing output sublist
    out = sub(ops.pop()) if explicit else None
    for o in ops:
        if not isinstance(o, TensorBase):
            raise TypeError(f"einsum(): expected a Tensor operand, got {type(o).__name__}")
    eq = ",".join(sub(x) for x in subs) + ("" if out is None else "->" + out)
    return (eq, *ops)


def einsum(*args):
    """Einstein summation over operands. Matches `torch.einsum` (also the operands-as-a-list form)."""
    if len(args) < 1:
        raise TypeError("einsum(): must specify the equation string and at least one operand")
    if not isinstance(args[0], str):
        args = _sublist_form(args)
    equation = args[0]
    ops = args[1:]
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = tuple(ops[0])
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    dt = ops[0]._data.dtype
    for o in ops[1:]:
        if o._data.dtype is not dt:
            _check_same_type(ops[0], o)
    ins, out, sizes = _parse_einsum(equation, [o._data.shape for o in ops])
    if dt.kind in "biu":
        # torch sums a letter found in one operand only with `sum` (int64 result for narrower ints and
        # bool); contractions between operands go through bmm (no bool kernel)
        single = any(c not in out and sum(c in t for t in ins) == 1 for t in ins for c in t)
        if single and dt != np.int64:
            ops = tuple(o.to(D.int64) for o in ops)
        elif dt == np.bool_ and any(c not in out for t in ins for c in t):
            raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    return _apply(Einsum, tuple(ops), (ins, out, sizes))


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
    _check_same_type(a, b)
    return write_out(einsum("".join(la) + "," + "".join(lb) + "->" + out_s, a, b), out)


def kron(input, other, *, out=None):
    """Kronecker product. Matches `torch.kron` (composed from a broadcast product, so gradients are free)."""
    na, nb = input._data.ndim, other._data.ndim
    n = max(na, nb)
    sa = (1,) * (n - na) + input._data.shape
    sb = (1,) * (n - nb) + other._data.shape
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return write_out((a * b).reshape(tuple(x * y for x, y in zip(sa, sb))), out)


def _broadcast_shape(input, other):
    try:
        return np.broadcast_shapes(input._data.shape, other._data.shape)
    except ValueError:
        _check_broadcast(input._data.shape, other._data.shape)
        raise RuntimeError(f"shapes {list(input._data.shape)} and {list(other._data.shape)} are not "
                           f"broadcastable") from None


def cross(input, other, dim=None, *, out=None, axis=None):
    """Cross product of 3-vectors along `dim`. Matches `torch.cross` (dim=None: first dim of size 3, deprecated)."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    shape = _broadcast_shape(input, other)
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return write_out(_cross(input, other, dim, shape, "cross"), out)


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along `dim` (default the last). Matches `torch.linalg.cross`."""
    return write_out(_cross(input, other, dim, _broadcast_shape(input, other), "linalg.cross"), out)


def _cross(input, other, dim, shape, name):
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(f"{name}: inputs must have the same number of dimensions.")
    d = normalize_dim(dim, len(shape))
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"{name}: inputs dimension {dim} must have length 3. Got {input._data.shape[d]} and "
                           f"{other._data.shape[d]}")
    _check_same_type(input, other)
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    return _apply(Cross, (input, other), d)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 and x2. Matches `torch.cdist`."""
    if x1._data.ndim < 2 or x2._data.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1._data.ndim}D" if x1._data.ndim < 2
                           else f"cdist only supports at least 2D tensors, X2 got: {x2._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} "
                           f"X2: {x2._data.shape[-1]}")
    _check_same_type(x1, x2)
    if x1._data.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype.name}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return _apply(Cdist, (x1, x2), float(p))


# ---- the Tensor methods ------------------------------------------------------------------------------

class MatmulMethods:
    __slots__ = ()

    matmul, mm, bmm, mv, dot, vdot, inner, outer, ger = matmul, mm, bmm, mv, dot, vdot, inner, outer, ger
    addmm, addmm_, addmv, addmv_, addr, addr_ = addmm, addmm_, addmv, addmv_, addr, addr_
    baddbmm, baddbmm_, addbmm, addbmm_ = baddbmm, baddbmm_, addbmm, addbmm_
    kron, cross = kron, cross

    def __matmul__(self, other):
        if not isinstance(other, TensorBase):
            other = _as_operand(other)
            if not isinstance(other, TensorBase):
                return NotImplemented
        return _matmul(self, other, None)

    def __rmatmul__(self, other):
        other = _as_operand(other)
        if not isinstance(other, TensorBase):
            return NotImplemented
        return _matmul(other, self, None)
