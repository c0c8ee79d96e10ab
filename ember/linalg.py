"""`ember.linalg`: matrix functions and decompositions. Matches `torch.linalg`.

Decompositions run NumPy's LAPACK once; each differentiable output gets its own graph node whose
backward is the part of the decomposition's reverse rule linear in that output's cotangent (the
parts add up to the full rule). Double backward through the decompositions is not implemented.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import _dtype as D
from ._ops import linalg as L
from ._tensor import Tensor
from ._tensor_base import _unary, _wrap

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "cholesky", "cholesky_ex", "qr", "eigh",
           "eigvalsh", "svd", "svdvals", "matmul", "cross", "vector_norm", "matrix_norm", "norm", "matrix_power",
           "multi_dot", "diagonal", "vecdot", "pinv", "matrix_rank", "solve_triangular", "lstsq", "cond",
           "tensorinv", "matrix_exp"]


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite. Matches `torch.linalg.LinAlgError`."""


SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
QRResult = namedtuple("qr", ["Q", "R"])
EighResult = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("svd", ["U", "S", "Vh"])
InvExResult = namedtuple("inv_ex", ["inverse", "info"])
CholeskyExResult = namedtuple("cholesky_ex", ["L", "info"])

_SHORT = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
          "float16": "Half"}


def _out(res, out):
    if out is None:
        return res
    from ._functional_shape import _out as write
    return write(res, out)


def _check(A, name, square=True):
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.{name}(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}")
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind != "f" or a.dtype == np.float16:
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_SHORT.get(A.dtype.name, A.dtype.name)}")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


def inv(A, *, out=None):
    """Inverse of each square matrix in A."""
    _check(A, "inv")
    try:
        return _out(_unary(L.LinalgInv, A), out)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.inv: The diagonal element is zero, the inversion could not be completed because "
                          "the input matrix is singular.") from None


def inv_ex(A, *, check_errors=False, out=None):
    try:
        return InvExResult(inv(A), _wrap(np.zeros(A.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        if check_errors:
            raise
        return InvExResult(_wrap(np.full(A._data.shape, np.nan, A._data.dtype)),
                           _wrap(np.ones(A.shape[:-2], dtype=np.int32)))


def det(A, *, out=None):
    _check(A, "det")
    return _out(_unary(L.LinalgDet, A), out)


def slogdet(A, *, out=None):
    """(sign, log|det|) of each square matrix; only logabsdet is differentiable."""
    _check(A, "slogdet")
    sign, logabs = np.linalg.slogdet(A._data)
    dt = A._data.dtype
    return SlogdetResult(_unary(L.LinalgSlogdetSign, A, np.asarray(sign, dtype=dt)),
                         _unary(L.LinalgLogAbsDet, A, np.asarray(logabs, dt)))


def solve(A, B, *, left=True, out=None):
    """X with A X = B (left=True) or X A = B."""
    _check(A, "solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    if A._data.dtype is not B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.name.capitalize()} and B of type {B.dtype.name.capitalize()} instead")
    if not left:
        return _out(solve(A.mT, B.mT).mT, out)
    n = A._data.shape[-1]
    vector = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])
    Bm = B.unsqueeze(-1) if vector else B
    if Bm._data.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A._data.shape[-2]}x{n} and {Bm._data.shape[-2]}x{Bm._data.shape[-1]})")
    try:
        np.broadcast_shapes(A._data.shape[:-2], Bm._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch dimensions of A {tuple(A.shape)} and B {tuple(B.shape)} do "
                           f"not broadcast") from None
    from ._tensor_base import _apply
    try:
        X = _apply(L.LinalgSolve, (A, Bm))
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.solve: The solver failed because the input matrix is singular.") from None
    return _out(X.squeeze(-1) if vector else X, out)


def cholesky(A, *, upper=False, out=None):
    _check(A, "cholesky")
    try:
        Lm = np.linalg.cholesky(A._data)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                          "positive-definite.") from None
    out_t = _unary(L.LinalgCholesky, A, Lm)
    return _out(out_t.mT if upper else out_t, out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    try:
        return CholeskyExResult(cholesky(A, upper=upper), _wrap(np.zeros(A.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        if check_errors:
            raise
        return CholeskyExResult(_wrap(np.zeros(A._data.shape, A._data.dtype)),
                                _wrap(np.ones(A.shape[:-2], dtype=np.int32)))


def qr(A, mode="reduced", *, out=None):
    """Q R factorisation; mode 'reduced', 'complete' or 'r' (Q empty)."""
    _check(A, "qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    q, r = np.linalg.qr(A._data, mode="complete" if mode == "complete" else "reduced")
    m, n = A._data.shape[-2:]
    if mode == "r":
        return QRResult(_wrap(np.zeros((0,), A._data.dtype)), _unary(_QRRonly, A, q, r))
    if mode == "complete" and m > n:
        return QRResult(_unary(_QRCompleteQ, A, q, r), _unary(_QRCompleteR, A, q, r))
    return QRResult(_unary(L.LinalgQRQ, A, q, r), _unary(L.LinalgQRR, A, q, r))


_QR_MSG = ("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
_QR_COMPLETE = ("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")


class _QRCompleteQ(L.LinalgQRQ):
    @staticmethod
    def backward(saved, g, needs):
        raise RuntimeError(_QR_COMPLETE)


class _QRCompleteR(L.LinalgQRR):
    @staticmethod
    def backward(saved, g, needs):
        raise RuntimeError(_QR_COMPLETE)


class _QRRonly(L.LinalgQRR):
    @staticmethod
    def backward(saved, g, needs):
        raise RuntimeError(_QR_MSG)


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, reading the UPLO triangle."""
    _check(A, "eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, v = np.linalg.eigh(A._data, UPLO=UPLO)
    return EighResult(_unary(L.LinalgEighValues, A, w, v), _unary(L.LinalgEighVectors, A, w, v))


def eigvalsh(A, UPLO="L", *, out=None):
    _check(A, "eigvalsh")
    w, v = np.linalg.eigh(A._data, UPLO=UPLO)
    return _out(_unary(L.LinalgEighValues, A, w, v), out)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh (full_matrices=True: square U and Vh; their extra columns get no gradient, as in torch)."""
    _check(A, "svd", square=False)
    u, s, vh = np.linalg.svd(A._data, full_matrices=full_matrices)
    return SVDResult(_unary(L.LinalgSvdU, A, u, s, vh), _unary(L.LinalgSvdS, A, u, s, vh),
                     _unary(L.LinalgSvdVh, A, u, s, vh))


def svdvals(A, *, driver=None, out=None):
    _check(A, "svdvals", square=False)
    u, s, vh = np.linalg.svd(A._data, full_matrices=False)
    return _out(_unary(L.LinalgSvdS, A, u, s, vh), out)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Pseudo-inverse through the reduced SVD (differentiable where the rank is stable)."""
    U, S, Vh = svd(A, full_matrices=False)
    smax = S.amax(-1, keepdim=True) if S.shape[-1] else S
    tol = rtol if rtol is not None else (max(A.shape[-2:]) * np.finfo(A._data.dtype).eps if atol is None else 0.0)
    cut = smax * tol
    if atol is not None:
        cut = cut.clamp(min=atol) if hasattr(cut, "clamp") else cut
    keep = S > cut
    sinv = (1.0 / S.masked_fill(~keep, 1.0)).masked_fill(~keep, 0.0)
    return _out((Vh.mT * sinv.unsqueeze(-2)) @ U.mT, out)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    s = np.linalg.svd(A._data, compute_uv=False)
    tol = (rtol if rtol is not None else max(A.shape[-2:]) * np.finfo(A._data.dtype).eps) * s.max(-1, initial=0)
    if atol is not None:
        tol = np.maximum(tol, atol)
    return _out(_wrap((s > np.asarray(tol)[..., None]).sum(-1).astype(np.int64)), out)


def matmul(input, other, *, out=None):
    return _out(input.matmul(other), out)


def cross(input, other, *, dim=-1, out=None):
    from ._functional_shape import _cross
    try:
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
    except ValueError:
        from ._tensor_base import _check_broadcast
        _check_broadcast(input._data.shape, other._data.shape)
        raise
    return _out(_cross(input, other, dim, shape, "linalg.cross"), out)


def vecdot(x, y, *, dim=-1, out=None):
    return _out((x * y).sum(dim), out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return A.diagonal(offset, dim1, dim2)


def matrix_power(A, n):
    """A to the integer power n (negative n inverts first)."""
    if A._data.ndim < 2 or A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A._data.shape[-2] if A._data.ndim >= 2 else 1} by {A._data.shape[-1]} matrices")
    n = int(n)
    if n == 0:
        from ._creation import eye
        e = eye(A._data.shape[-1], dtype=A.dtype)
        return e.expand(A.shape).clone() if A._data.ndim > 2 else e
    if n < 0:
        A = inv(A)
        n = -n
    result = None
    base = A
    while n:   # square-and-multiply: O(log n) products
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def multi_dot(tensors, *, out=None):
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
        r = r.mm(t)
    if first_1d:
        r = r.squeeze(0)
    if last_1d:
        r = r.squeeze(-1)
    return r


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    from ._functional_math import _vector_norm
    return _vector_norm(x, ord, dim, keepdim, dtype=dtype, out=out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    from ._functional_math import _matrix_norm
    return _matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """vector_norm or matrix_norm depending on ord and dim, like torch.linalg.norm."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype, out=out)
        if dim is None and A.ndim == 2:
            return matrix_norm(A, "fro", (-2, -1), keepdim, dtype=dtype, out=out)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if isinstance(ord, str) or (dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2):
        if dim is None:
            if A.ndim != 2:
                raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                                   f"Got {A.ndim}D.")
            dim = (-2, -1)
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    if dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with T X = B for the upper/lower triangle T of A (gradients land on that triangle only)."""
    _check(A, "solve_triangular")
    if B._data.ndim < 2:
        raise RuntimeError(f"linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    T = A.triu(1 if unitriangular else 0) if upper else A.tril(-1 if unitriangular else 0)
    if unitriangular:
        from ._creation import eye
        T = T + eye(A._data.shape[-1], dtype=A.dtype)
    from ._tensor_base import _apply, _result_np
    dt = _result_np(T._data, B._data)
    if dt.kind != "f":
        dt = np.dtype(np.float32)
    T, B = (t if t._data.dtype == dt else t.to(D._FROM_NP[dt]) for t in (T, B))
    try:
        if not left:
            return _out(_apply(L.LinalgSolve, (T.mT, B.mT)).mT, out)
        return _out(_apply(L.LinalgSolve, (T, B)), out)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.solve_triangular: the triangular matrix is singular (a zero on its "
                          "diagonal)") from None


LstsqResult = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B through the pseudo-inverse (differentiable where the rank is stable).

    Like torch's default CPU driver ('gelsy'): residuals are filled only for tall full-rank A (driver
    'gelsd'/'gelss'), and singular_values only for the SVD drivers.
    """
    _check(A, "lstsq", square=False)
    vector = B._data.ndim == A._data.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    X = pinv(A, rtol=rcond) @ Bm
    m, n = A._data.shape[-2:]
    rank = matrix_rank(A, rtol=rcond)
    dt = A._data.dtype
    residuals = _wrap(np.zeros((0,), dtype=dt))
    svals = _wrap(np.zeros((0,), dtype=dt))
    if driver in ("gelsd", "gelss"):
        svals = svdvals(A)
        if m > n and bool((rank._data == n).all()):
            residuals = ((A @ X - Bm) ** 2).sum(-2)
    return LstsqResult(X.squeeze(-1) if vector else X, residuals, rank, svals)


def cond(A, p=None, *, out=None):
    """Condition number: ratio of extreme singular values (p None/2/-2) or norm(A) * norm(inv(A))."""
    if p is None or p in (2, -2):
        s = svdvals(A)
        hi, lo = s.amax(-1), s.amin(-1)
        return _out(hi / lo if p in (None, 2) else lo / hi, out)
    return _out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


def tensorinv(A, ind=2, *, out=None):
    shape = tuple(A.shape)
    rows = int(np.prod(shape[:ind]))
    cols = int(np.prod(shape[ind:]))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return _out(inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind]), out)


_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0,
           960960.0, 16380.0, 182.0, 1.0)


def matrix_exp(A):
    """exp(A) by scaling and squaring with a degree-13 Pade approximant, built from differentiable ops."""
    _check(A, "matrix_exp")
    from ._creation import eye
    n = A._data.shape[-1]
    norm1 = float(np.abs(A._data).sum(-2).max()) if A._data.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm1 / 5.371920351148152)))) if norm1 > 0 else 0
    X = A / (2.0 ** s) if s else A
    b = _PADE13
    I = eye(n, dtype=A.dtype)
    X2 = X @ X
    X4 = X2 @ X2
    X6 = X4 @ X2
    U = X @ (X6 @ (b[13] * X6 + b[11] * X4 + b[9] * X2) + b[7] * X6 + b[5] * X4 + b[3] * X2 + b[1] * I)
    V = X6 @ (b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 + b[0] * I
    from ._tensor_base import _apply
    R = _apply(L.LinalgSolve, (V - U, V + U))
    for _ in range(s):
        R = R @ R
    return R
