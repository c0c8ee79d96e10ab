"""Matrix products and small linear-algebra helpers as Tensor methods."""
from __future__ import annotations

import numpy as np

from .._ops import linalg as L
from .._inplace import inplace
from .._tensor_base import TensorBase as _Tensor, _apply, _binary


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


def _short(t):
    from .._dtype import scalar_type_name
    return scalar_type_name(t._data.dtype)


def _need_tensor(x, name, arg):
    if not isinstance(x, _Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position 2) must be Tensor, not {type(x).__name__}")


def _same(a, b, name):
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"{name}: expected both vectors to have same dtype, but found {_short(a)} and "
                           f"{_short(b)}")


class LinalgMixin:
    __slots__ = ()

    def matmul(self, other):
        if not isinstance(other, _Tensor):
            raise TypeError(f"matmul(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return _matmul(self, other, None)

    def __matmul__(self, other):
        if not isinstance(other, _Tensor):
            from .._tensor_base import _as_operand
            other = _as_operand(other)
            if not isinstance(other, _Tensor):
                return NotImplemented
        return _matmul(self, other, None)

    def __rmatmul__(self, other):
        from .._tensor_base import _as_operand
        other = _as_operand(other)
        if not isinstance(other, _Tensor):
            return NotImplemented
        return _matmul(other, self, None)

    def mm(self, mat2):
        _need_tensor(mat2, "mm", "mat2")
        if self._data.ndim != 2:
            raise RuntimeError(f"self must be a matrix, got {self._data.ndim}-D tensor")
        if mat2._data.ndim != 2:
            raise RuntimeError(f"mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
        return self.matmul(mat2)

    def bmm(self, mat2):
        _need_tensor(mat2, "bmm", "mat2")
        if self._data.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        if mat2._data.ndim != 3:
            raise RuntimeError("batch2 must be a 3D tensor")
        sa, sb = self._data.shape, mat2._data.shape
        if sa[0] != sb[0] or sa[2] != sb[1]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{sa[0]}, {sa[2]}] "
                               f"but got: [{sb[0]}, {sb[1]}].")
        return _matmul(self, mat2, L.Bmm)

    def mv(self, vec):
        _need_tensor(vec, "mv", "vec")
        if self._data.ndim != 2 or vec._data.ndim != 1:
            raise RuntimeError(f"vector + matrix @ vector expected, got 1, {self._data.ndim}, {vec._data.ndim}")
        if self._data.shape[1] != vec._data.shape[0]:
            s = self._data.shape
            raise RuntimeError(f"size mismatch, got input ({s[0]}), mat ({s[0]}x{s[1]}), vec ({vec._data.shape[0]})")
        return self.matmul(vec)

    def dot(self, other):
        _need_tensor(other, "dot", "tensor")
        if self._data.ndim != 1 or other._data.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self._data.ndim}D and {other._data.ndim}D tensors")
        _same(self, other, "dot")
        return self.matmul(other)

    inner_dot = dot

    def vdot(self, other):
        _need_tensor(other, "vdot", "other")
        if self._data.ndim != 1 or other._data.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self._data.ndim}D and {other._data.ndim}D tensors")
        _same(self, other, "vdot")
        return _matmul(self, other, L.Vdot)   # real dtypes only: no conjugation needed

    def outer(self, vec2):
        _need_tensor(vec2, "outer", "vec2")
        if self._data.ndim != 1 or vec2._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument self, but got {self._data.ndim}-D"
                               if self._data.ndim != 1 else
                               f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
        return self.reshape(-1, 1) * vec2

    ger = outer

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        if _fusable(self, mat1, mat2, 2, 2):
            return _apply(L.Addmm, (self, mat1, mat2), beta, alpha)
        return _add_scaled(self, mat1.mm(mat2), beta, alpha)

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return _inplace_from(self, lambda: self.addmm(mat1, mat2, beta=beta, alpha=alpha))

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        if _fusable(self, mat, vec, 2, 1):
            return _apply(L.Addmv, (self, mat, vec), beta, alpha)
        return _add_scaled(self, mat.mv(vec), beta, alpha)

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        return _inplace_from(self, lambda: self.addmv(mat, vec, beta=beta, alpha=alpha))

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        if _fusable(self, batch1, batch2, 3, 3):
            return _apply(L.Baddbmm, (self, batch1, batch2), beta, alpha)
        return _add_scaled(self, batch1.bmm(batch2), beta, alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _inplace_from(self, lambda: self.baddbmm(batch1, batch2, beta=beta, alpha=alpha))

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        prod = batch1.bmm(batch2)
        return _add_scaled(self, prod.sum(0).to(prod.dtype), beta, alpha)

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _inplace_from(self, lambda: self.addbmm(batch1, batch2, beta=beta, alpha=alpha))

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        if self._data.dtype.kind in "biu":
            for name, v in (("beta", beta), ("alpha", alpha)):
                if isinstance(v, float):
                    raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point "
                                       f"number.")
        return _add_scaled(self, vec1.outer(vec2), beta, alpha)

    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        return _inplace_from(self, lambda: self.addr(vec1, vec2, beta=beta, alpha=alpha))

    def inner(self, other):
        from .._functional_shape import inner
        return inner(self, other)

    def kron(self, other):
        from .._functional_shape import kron
        return kron(self, other)

    def cross(self, other, dim=None):
        from .._functional_shape import cross
        return cross(self, other, dim=dim)

    def inverse(self):
        from ..linalg import inv
        return inv(self)

    def det(self):
        from ..linalg import det
        return det(self)

    def logdet(self):
        from ..linalg import slogdet
        sign, logabs = slogdet(self)
        return logabs.masked_fill(sign < 0, float("nan"))

    def slogdet(self):
        from ..linalg import slogdet
        return slogdet(self)

    def cholesky(self, upper=False):
        from ..linalg import cholesky
        return cholesky(self, upper=upper)

    def matrix_power(self, n):
        from ..linalg import matrix_power
        return matrix_power(self, n)


def _matmul(a, b, op):
    """a @ b after torch's checks; `op` None picks the kernel torch's grad_fn name follows."""
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    _check_matmul(a, b)
    if a._data.dtype == np.bool_:
        name = "dot" if a._data.ndim == 1 and b._data.ndim == 1 else "addmm_impl_cpu_"
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    if op is None:
        na, nb = a._data.ndim, b._data.ndim
        if na == 2 and nb == 2:
            op = L.Matmul
        elif nb == 1:
            op = L.Mv if na == 2 else L.Dot if na == 1 else L.MatmulUnsafeView
        elif na == 1:
            op = L.MatmulSqueeze if nb == 2 else L.MatmulUnsafeView
        else:
            op = L.MatmulUnsafeView
            sa = a._data.shape
            # torch computes (m, k) @ (b.., k, n) as a transposed product when `a` needs a gradient
            if a._rg and nb >= 3 and (na == 2 or (na == 3 and nb == 3 and sa[0] == 1 and b._data.shape[0] != 1)):
                op = L.MatmulTranspose if sa[-2] == 1 or b._data.shape[-1] == 1 else L.MatmulClone
    return _binary(op, a, b)


def _fusable(inp, m1, m2, n1, n2):
    """addmm/addmv/baddbmm: run the fused kernel (after the product's checks) when the dtypes agree."""
    if not isinstance(m1, _Tensor) or not isinstance(m2, _Tensor):
        bad = m2 if isinstance(m1, _Tensor) else m1
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


def _inplace_from(self, compute):
    return inplace(self, compute)
