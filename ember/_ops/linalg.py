"""Linear algebra: inverses, determinants, solvers, decompositions (cholesky, qr, eigh, svd), pseudo-
inverses, matrix functions and the vector and matrix norms; the `torch.linalg` functions and their older
`torch.*` spellings (torch.svd returns V, torch.linalg.svd returns Vh). Kernels, the public functions
and the Tensor methods. Matches torch's.

Decompositions run NumPy's LAPACK once; each differentiable output gets its own graph node whose
backward is the part of the decomposition's reverse rule linear in that output's cotangent (the
parts add up to the full rule). Double backward through the decompositions is not implemented.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .. import return_types
from .._inplace import inplace, write_out
from .._tensor_base import TensorBase, _apply, _result_np, _tensor_of, _unary, _wrap
from ._base import (Op, b_matmul, b_sign, b_sqrt, b_sum, b_swap_last, b_where, data_of, float_arg, is_array,
                    normalize_dim)
from .matmul import _no_double
from .reduction import Norm, vector_norm  # torch.linalg.vector_norm is a reduction: its home is there

__all__ = ["inverse", "det", "logdet", "slogdet", "cholesky", "cholesky_solve", "cholesky_inverse", "qr", "svd",
           "pinverse", "matrix_power", "matrix_exp", "norm", "renorm"]


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite. Matches `torch.linalg.LinAlgError`."""


# ---- kernels -------------------------------------------------------------------------------------

# ---- decompositions and inverses (square matrices in the last two dims) -------------------------

def b_inv(a):
    if type(a) is np.ndarray:
        return np.linalg.inv(a)
    return inv(a)


def b_solve(a, b):
    if type(a) is np.ndarray and type(b) is np.ndarray:
        return np.linalg.solve(a, b)
    return solve(a, b)


class LinalgInv(Op):
    saves = ("out",)
    bw_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(a):
        y = np.linalg.inv(a)
        return y, (y,)

    @staticmethod
    def backward(saved, g, needs):
        # d(A^-1) = -A^-1 dA A^-1
        yt = b_swap_last(saved[0])
        return (-b_matmul(b_matmul(yt, g), yt),)


class LinalgDet(Op):
    saves = ("x0", "out")

    @staticmethod
    def forward(a):
        d = np.linalg.det(a)
        return np.asarray(d, dtype=a.dtype), (a, np.asarray(d, dtype=a.dtype))

    @staticmethod
    def backward(saved, g, needs):
        a, d = saved
        if type(g) is np.ndarray:
            return (g[..., None, None] * _cofactor(a),)
        # d det(A) = det(A) tr(A^-1 dA)  ->  gA = g det(A) A^-T
        return ((g * d)[..., None, None] * b_swap_last(b_inv(a)),)


def _cofactor(a):
    """The cofactor matrix det(A) A^-T, also for singular A: from the SVD, with products of the other
    singular values (no division)."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([s[..., 1:], ones], -1), -1), -1), -1)
    others = left * right if n else s
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return (u * (others * sign[..., None])[..., None, :]) @ vh


class LinalgLogAbsDet(Op):
    saves = ("x0",)
    bw_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(a, logabs):
        return logabs, (a,)

    @staticmethod
    def backward(saved, g, needs):
        a = saved[0]
        return (g[..., None, None] * b_swap_last(b_inv(a)),)


class LinalgSlogdetSign(Op):
    """The sign output of slogdet: recorded (as torch does) but locally constant, so its gradient is zero."""
    bw_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(a, sign):
        return sign, None

    @staticmethod
    def backward(saved, g, needs):
        return (None,)


class LinalgSolve(Op):
    """X = A^-1 B with B a matrix (or a batch); the API layer handles the vector case."""
    saves = ("x0", "out")
    bw_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(a, b):
        x = np.linalg.solve(a, b)
        return x, (a, x)

    @staticmethod
    def backward(saved, g, needs):
        a, x = saved
        gb = b_solve(b_swap_last(a), g)
        ga = -b_matmul(gb, b_swap_last(x)) if needs[0] else None
        return ga, (gb if needs[1] else None)


class LinalgCholesky(Op):
    saves = ("out",)
    bw_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(a, L):
        return L, (L,)

    @staticmethod
    def backward(saved, g, needs):
        L = saved[0]
        if type(g) is not np.ndarray:
            _no_double("linalg.cholesky")
        # gA = 1/2 sym(L^-H Phi(L^H gL) L^-1), Phi = lower triangle with the diagonal halved
        phi = np.tril(np.swapaxes(L, -1, -2) @ g)
        n = L.shape[-1]
        phi[..., np.arange(n), np.arange(n)] *= 0.5
        linv = np.linalg.inv(L)
        ga = np.swapaxes(linv, -1, -2) @ phi @ linv
        return (0.5 * (ga + np.swapaxes(ga, -1, -2)),)


def _copyltu(m):
    lo = np.tril(m, -1)
    return lo + np.swapaxes(lo, -1, -2) + np.tril(np.triu(m))


class LinalgQRQ(Op):
    saves = ("c", "c")
    bw_name = "LinalgQrBackward0"

    @staticmethod
    def forward(a, q, r):
        return q, (q, r)

    @staticmethod
    def backward(saved, g, needs):
        return (_qr_backward(saved[0], saved[1], g, None),)


class LinalgQRR(LinalgQRQ):
    bw_name = "LinalgQrBackward0"      # (a subclass names its own node unless it says so)
    @staticmethod
    def forward(a, q, r):
        return r, (q, r)

    @staticmethod
    def backward(saved, g, needs):
        return (_qr_backward(saved[0], saved[1], None, g),)


def _qr_backward(q, r, gq, gr):
    if (gq is not None and type(gq) is not np.ndarray) or (gr is not None and type(gr) is not np.ndarray):
        _no_double("linalg.qr")
    m, n = q.shape[-2], r.shape[-1]
    if m < n:
        # wide A = [X | Y] with X = Q U square and Y = Q V: differentiate X by the square rule (with
        # V's cotangent folded into Q's) and Y directly
        u, v = r[..., :, :m], r[..., :, m:]
        y = q @ v
        gv = gr[..., :, m:] if gr is not None else np.zeros(v.shape, dtype=q.dtype)
        gu = gr[..., :, :m] if gr is not None else None
        gq2 = y @ np.swapaxes(gv, -1, -2)
        if gq is not None:
            gq2 = gq2 + gq
        gx = _qr_backward(q, u, gq2, gu)
        return np.concatenate([gx, q @ gv], axis=-1)
    mm = np.zeros(r.shape[:-2] + (n, n), dtype=q.dtype)
    if gr is not None:
        mm = mm + r @ np.swapaxes(gr, -1, -2)
    if gq is not None:
        mm = mm - np.swapaxes(gq, -1, -2) @ q
    b = q @ _copyltu(mm)
    if gq is not None:
        b = b + gq
    # gA = B R^-H  (solve R X^H = B^H)
    return np.swapaxes(np.linalg.solve(r, np.swapaxes(b, -1, -2)), -1, -2)


class LinalgEighValues(Op):
    saves = ("c",)
    bw_name = "LinalgEighBackward0"

    @staticmethod
    def forward(a, w, v):
        return w, (v,)

    @staticmethod
    def backward(saved, g, needs):
        v = saved[0]
        if type(g) is not np.ndarray:
            _no_double("linalg.eigh")
        return ((v * g[..., None, :]) @ np.swapaxes(v, -1, -2),)


class LinalgEighVectors(Op):
    saves = ("c", "c")
    bw_name = "LinalgEighBackward0"

    @staticmethod
    def forward(a, w, v):
        return v, (w, v)

    @staticmethod
    def backward(saved, g, needs):
        w, v = saved
        if type(g) is not np.ndarray:
            _no_double("linalg.eigh")
        vt = np.swapaxes(v, -1, -2)
        vg = vt @ g
        # torch keeps the gauge-invariant part: (V^H gV - diag terms) / (w_j - w_i)
        e = w[..., None, :] - w[..., :, None]
        n = w.shape[-1]
        e[..., np.arange(n), np.arange(n)] = np.inf
        inner = (vg - np.swapaxes(vg, -1, -2)) * 0.5 / e
        return (v @ inner @ vt,)


class _SvdPart(Op):
    saves = ("c", "c", "c")
    bw_name = "LinalgSvdBackward0"
    part = 0

    @classmethod
    def forward(cls, a, u, s, vh):
        # the decomposition is computed once by the caller; each part's node returns one factor
        return (u, s, vh)[cls.part], (u, s, vh)

    @classmethod
    def backward(cls, saved, g, needs):
        return cls._go(saved, g)

    @classmethod
    def _go(cls, saved, g):
        if type(g) is not np.ndarray:
            _no_double("linalg.svd")
        u, s, vh = saved
        k = s.shape[-1]
        # full_matrices=True: the extra columns of U / rows of Vh are not determined by A; like torch,
        # only the leading k are differentiated
        if u.shape[-1] != k:
            u = u[..., :k]
            if cls.part == 0:
                g = g[..., :k]
        if vh.shape[-2] != k:
            vh = vh[..., :k, :]
            if cls.part == 2:
                g = g[..., :k, :]
        gs = [None, None, None]
        gs[cls.part] = g
        return (_svd_backward(u, s, vh, *gs),)


class LinalgSvdU(_SvdPart):
    part = 0
    bw_name = "LinalgSvdBackward0"     # (a subclass names its own node unless it says so)


class LinalgSvdS(_SvdPart):
    part = 1
    bw_name = "LinalgSvdBackward0"


class LinalgSvdVh(_SvdPart):
    part = 2
    bw_name = "LinalgSvdBackward0"


def _svd_backward(u, s, vh, gu, gs, gvh):
    """Reverse-mode rule of the reduced SVD A = U diag(S) Vh (real case)."""
    ut = np.swapaxes(u, -1, -2)
    v = np.swapaxes(vh, -1, -2)
    m, n = u.shape[-2], vh.shape[-1]
    k = s.shape[-1]
    out = np.zeros(u.shape[:-2] + (m, n), dtype=u.dtype)
    if gs is not None:
        out = out + (u * gs[..., None, :]) @ vh
    if gu is None and gvh is None:
        return out
    s2 = s * s
    f = s2[..., None, :] - s2[..., :, None]
    f[..., np.arange(k), np.arange(k)] = np.inf
    f = 1.0 / f
    inner = np.zeros(u.shape[:-2] + (k, k), dtype=u.dtype)
    sinv = 1.0 / s
    if gu is not None:
        j = ut @ gu
        inner = inner + (f * (j - np.swapaxes(j, -1, -2))) * s[..., None, :]
        if m > k:
            out = out + ((gu - u @ j) * sinv[..., None, :]) @ vh
    if gvh is not None:
        gv = np.swapaxes(gvh, -1, -2)
        kk = vh @ gv
        inner = inner + s[..., :, None] * (f * (kk - np.swapaxes(kk, -1, -2)))
        if n > k:
            out = out + (u * sinv[..., None, :]) @ np.swapaxes(gv - v @ kk, -1, -2)
    return out + u @ inner @ vh




class Renorm(Op):
    """renorm(x, p, axes, maxnorm): x scaled by maxnorm / (n + 1e-7) in each slice whose p-norm n over `axes`
    exceeds maxnorm (one node, as in torch: the in-place form keeps a private copy of x)."""
    saves = ("x0", "c")

    @staticmethod
    def forward(x, p, axes, maxnorm):
        n = _slice_norm(x, p, axes)
        f = np.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0).astype(x.dtype, copy=False)
        return x * f, (x, (p, axes, maxnorm))

    @staticmethod
    def backward(saved, g, needs):
        # d/dx [x f(n)] = f g + x f'(n) dn/dx . sum(g x), with f'(n) = -maxnorm / (n + 1e-7)^2 where n > maxnorm
        x, (p, axes, maxnorm) = saved
        n = _slice_norm(x, p, axes)
        nd = data_of(n)
        mask = nd > maxnorm
        inv = 1.0 / (n + 1e-7)
        f = inv * maxnorm
        xd = data_of(x)
        if p == 1:
            dn = b_sign(x)
        elif p == np.inf:
            hit = (np.abs(xd) == nd).astype(xd.dtype)
            dn = b_sign(x) * (hit / hit.sum(axis=axes, keepdims=True))
        else:
            n = n + (nd == 0).astype(nd.dtype)      # slices of norm 0 are not rescaled: avoid 0 / 0
            dn = x / n if p == 2 else x * abs(x) ** (p - 2) / n ** (p - 1)
        nb = b_sum(g * x, axes, True) * dn
        return (b_where(mask, f * g - (f * inv) * nb, g),)


def _slice_norm(x, p, axes):
    """The p-norm of x over `axes`, kept as size-1 dims; arrays or Tensors (create_graph)."""
    if p == np.inf:
        return np.abs(x).max(axis=axes, keepdims=True) if is_array(x) else abs(x).amax(axes, keepdim=True)
    if p == 2:
        return b_sqrt(b_sum(x * x, axes, True))
    if p == 1:
        return b_sum(abs(x), axes, True)
    return b_sum(abs(x) ** p, axes, True) ** (1.0 / p)


_QR_MSG = ("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
_QR_COMPLETE = ("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")


class _QRCompleteQ(LinalgQRQ):
    bw_name = "LinalgQrBackward0"
    @staticmethod
    def backward(saved, g, needs):
        raise RuntimeError(_QR_COMPLETE)


class _QRCompleteR(LinalgQRR):
    bw_name = "LinalgQrBackward0"
    @staticmethod
    def backward(saved, g, needs):
        raise RuntimeError(_QR_COMPLETE)


class _QRRonly(LinalgQRR):
    bw_name = "LinalgQrBackward0"
    @staticmethod
    def backward(saved, g, needs):
        raise RuntimeError(_QR_MSG)


# ---- public functions ------------------------------------------------------------------------------

def _check(A, name, square=True):
    if not isinstance(A, TensorBase):
        raise TypeError(f"linalg.{name}(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}")
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind != "f" or a.dtype == np.float16:
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
                           f"{D.scalar_type_name(a.dtype)}")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


def _eye(n, dtype):
    return _wrap(np.eye(n, dtype=dtype))


def _info(A, value):
    return _wrap(np.full(A._data.shape[:-2], value, dtype=np.int32))


def inv(A, *, out=None):
    """Inverse of each square matrix in A. Matches `torch.linalg.inv`."""
    _check(A, "inv")
    try:
        return write_out(_unary(LinalgInv, A), out)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.inv: The diagonal element is zero, the inversion could not be completed because "
                          "the input matrix is singular.") from None


def inverse(input, *, out=None):
    """Matches `torch.inverse` (`torch.linalg.inv`)."""
    return inv(input, out=out)


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info 1 and a NaN inverse for a singular matrix. Matches `torch.linalg.inv_ex`."""
    try:
        return return_types.linalg_inv_ex(inv(A), _info(A, 0))
    except LinAlgError:
        if check_errors:
            raise
        return return_types.linalg_inv_ex(_wrap(np.full(A._data.shape, np.nan, A._data.dtype)), _info(A, 1))


def linalg_det(A, *, out=None):
    """Determinant of each square matrix. Matches `torch.linalg.det`."""
    _check(A, "det")
    return write_out(_unary(LinalgDet, A), out)


def det(input):
    """Matches `torch.det` (`torch.linalg.det`)."""
    return linalg_det(input)


def linalg_slogdet(A, *, out=None):
    """(sign, log|det|) of each square matrix; only logabsdet is differentiable. Matches `torch.linalg.slogdet`."""
    _check(A, "slogdet")
    sign, logabs = np.linalg.slogdet(A._data)
    dt = A._data.dtype
    return return_types.linalg_slogdet(_unary(LinalgSlogdetSign, A, np.asarray(sign, dtype=dt)),
                                       _unary(LinalgLogAbsDet, A, np.asarray(logabs, dt)))


def slogdet(input):
    """Matches `torch.slogdet`."""
    return return_types.slogdet(*linalg_slogdet(input))


def logdet(input):
    """log(det(input)): NaN where the determinant is negative. Matches `torch.logdet`."""
    sign, logabs = linalg_slogdet(input)
    return logabs.masked_fill(sign < 0, float("nan"))


def solve(A, B, *, left=True, out=None):
    """X with A X = B (left=True) or X A = B. Matches `torch.linalg.solve`."""
    _check(A, "solve")
    if not isinstance(B, TensorBase):
        raise TypeError(f"linalg.solve(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    if A._data.dtype is not B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.name.capitalize()} and B of type {B.dtype.name.capitalize()} instead")
    if not left:
        return write_out(solve(A.mT, B.mT).mT, out)
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
    try:
        X = _apply(LinalgSolve, (A, Bm))
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.solve: The solver failed because the input matrix is singular.") from None
    return write_out(X.squeeze(-1) if vector else X, out)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with T X = B for the upper/lower triangle T of A (gradients land on that triangle only). Matches
    `torch.linalg.solve_triangular`."""
    _check(A, "solve_triangular")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    T = A.triu(1 if unitriangular else 0) if upper else A.tril(-1 if unitriangular else 0)
    if unitriangular:
        T = T + _eye(A._data.shape[-1], A._data.dtype)
    dt = _result_np(T._data, B._data)
    if dt.kind != "f":
        dt = np.dtype(np.float32)
    T, B = (t if t._data.dtype == dt else t.to(D._FROM_NP[dt]) for t in (T, B))
    try:
        if not left:
            return write_out(_apply(LinalgSolve, (T.mT, B.mT)).mT, out)
        return write_out(_apply(LinalgSolve, (T, B)), out)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.solve_triangular: the triangular matrix is singular (a zero on its "
                          "diagonal)") from None


def linalg_cholesky(A, *, upper=False, out=None):
    """Lower (or upper) Cholesky factor of each positive-definite matrix. Matches `torch.linalg.cholesky`."""
    _check(A, "cholesky")
    try:
        Lm = np.linalg.cholesky(A._data)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                          "positive-definite.") from None
    out_t = _unary(LinalgCholesky, A, Lm)
    return write_out(out_t.mT if upper else out_t, out)


def cholesky(input, upper=False, *, out=None):
    """Matches `torch.cholesky` (`torch.linalg.cholesky`, `upper` positional), deprecated there: it warns."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
                  "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
                  "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced "
                  "with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results for "
                  "all valid (symmetric positive definite) inputs.",
                  stacklevel=2)
    return linalg_cholesky(input, upper=upper, out=out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info 1 and a zero factor for a matrix that is not positive-definite. Matches
    `torch.linalg.cholesky_ex`."""
    try:
        return return_types.linalg_cholesky_ex(linalg_cholesky(A, upper=upper), _info(A, 0))
    except LinAlgError:
        if check_errors:
            raise
        return return_types.linalg_cholesky_ex(_wrap(np.zeros(A._data.shape, A._data.dtype)), _info(A, 1))


def cholesky_solve(input, input2, upper=False, *, out=None):
    """Solve A X = B given B (`input`) and the Cholesky factor of A (`input2`). Matches `torch.cholesky_solve`."""
    L = input2.mT if upper else input2
    y = solve_triangular(L, input, upper=False)
    return write_out(solve_triangular(L.mT, y, upper=True), out)


def cholesky_inverse(input, upper=False, *, out=None):
    """Inverse of A from its Cholesky factor. Matches `torch.cholesky_inverse`."""
    ident = _eye(input.shape[-1], input._data.dtype).expand(*input.shape)
    return write_out(cholesky_solve(ident, input, upper), out)


def linalg_qr(A, mode="reduced", *, out=None):
    """Q R factorisation; mode 'reduced', 'complete' or 'r' (Q empty). Matches `torch.linalg.qr`."""
    _check(A, "qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    q, r = np.linalg.qr(A._data, mode="complete" if mode == "complete" else "reduced")
    m, n = A._data.shape[-2:]
    if mode == "r":
        return return_types.linalg_qr(_wrap(np.zeros((0,), A._data.dtype)), _unary(_QRRonly, A, q, r))
    if mode == "complete" and m > n:
        return return_types.linalg_qr(_unary(_QRCompleteQ, A, q, r), _unary(_QRCompleteR, A, q, r))
    return return_types.linalg_qr(_unary(LinalgQRQ, A, q, r), _unary(LinalgQRR, A, q, r))


def qr(input, some=True, *, out=None):
    """Matches `torch.qr` (some=False: the complete factorisation), deprecated there: it warns."""
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
                  "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string parameter "
                  "'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, "
                  "'reduced' if some else 'complete')", stacklevel=2)
    return return_types.qr(*linalg_qr(input, mode="reduced" if some else "complete"))


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, reading the UPLO triangle. Matches
    `torch.linalg.eigh`."""
    _check(A, "eigh")
    _check_uplo(UPLO)
    w, v = np.linalg.eigh(A._data, UPLO=UPLO)
    return return_types.linalg_eigh(_unary(LinalgEighValues, A, w, v), _unary(LinalgEighVectors, A, w, v))


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of symmetric matrices. Matches `torch.linalg.eigvalsh`."""
    _check(A, "eigvalsh")
    _check_uplo(UPLO)
    w, v = np.linalg.eigh(A._data, UPLO=UPLO)
    return write_out(_unary(LinalgEighValues, A, w, v), out)


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh (full_matrices=True: square U and Vh; their extra columns get no gradient, as in
    torch). Matches `torch.linalg.svd`."""
    _check(A, "svd", square=False)
    u, s, vh = np.linalg.svd(A._data, full_matrices=full_matrices)
    return return_types.linalg_svd(_unary(LinalgSvdU, A, u, s, vh), _unary(LinalgSvdS, A, u, s, vh),
                                   _unary(LinalgSvdVh, A, u, s, vh))


def svdvals(A, *, driver=None, out=None):
    """Singular values, descending. Matches `torch.linalg.svdvals`."""
    _check(A, "svdvals", square=False)
    return write_out(_svdvals(A), out)


def _svdvals(A):
    u, s, vh = np.linalg.svd(A._data, full_matrices=False)
    return _unary(LinalgSvdS, A, u, s, vh)


def svd(input, some=True, compute_uv=True, *, out=None):
    """(U, S, V) with input = U diag(S) V^T. Matches `torch.svd` (some=False: square U and V)."""
    if not compute_uv:
        S = svdvals(input)
        m, n = input.shape[-2:]
        zu = _wrap(np.zeros(tuple(input.shape[:-2]) + (m, m if not some else min(m, n)), input._data.dtype))
        zv = _wrap(np.zeros(tuple(input.shape[:-2]) + (n, n if not some else min(m, n)), input._data.dtype))
        return return_types.svd(zu, S, zv)
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return return_types.svd(U, S, Vh.mT)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Pseudo-inverse through the reduced SVD (differentiable where the rank is stable). Matches
    `torch.linalg.pinv`."""
    U, S, Vh = linalg_svd(A, full_matrices=False)
    smax = S.amax(-1, keepdim=True) if S.shape[-1] else S
    tol = rtol if rtol is not None else (max(A.shape[-2:]) * np.finfo(A._data.dtype).eps if atol is None else 0.0)
    cut = smax * tol
    if atol is not None:
        cut = cut.clamp(min=atol) if hasattr(cut, "clamp") else cut
    keep = S > cut
    sinv = (1.0 / S.masked_fill(~keep, 1.0)).masked_fill(~keep, 0.0)
    return write_out((Vh.mT * sinv.unsqueeze(-2)) @ U.mT, out)


def pinverse(input, rcond=1e-15):
    """Matches `torch.pinverse` (`torch.linalg.pinv` with rtol=rcond)."""
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Number of singular values above the tolerance. Matches `torch.linalg.matrix_rank`."""
    s = np.linalg.svd(A._data, compute_uv=False)
    tol = (rtol if rtol is not None else max(A.shape[-2:]) * np.finfo(A._data.dtype).eps) * s.max(-1, initial=0)
    if atol is not None:
        tol = np.maximum(tol, atol)
    return write_out(_wrap((s > np.asarray(tol)[..., None]).sum(-1).astype(np.int64)), out)


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B through the pseudo-inverse (differentiable where the rank is stable).
    Matches `torch.linalg.lstsq`.

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
    return return_types.linalg_lstsq(X.squeeze(-1) if vector else X, residuals, rank, svals)


def cond(A, p=None, *, out=None):
    """Condition number: ratio of extreme singular values (p None/2/-2) or norm(A) * norm(inv(A)). Matches
    `torch.linalg.cond`."""
    if p is None or p in (2, -2):
        s = svdvals(A)
        hi, lo = s.amax(-1), s.amin(-1)
        return write_out(hi / lo if p in (None, 2) else lo / hi, out)
    return write_out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of A for tensordot over its first `ind` dims. Matches `torch.linalg.tensorinv`."""
    shape = tuple(A.shape)
    rows = int(np.prod(shape[:ind]))
    cols = int(np.prod(shape[ind:]))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return write_out(inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind]), out)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """Diagonals over the last two dims by default. Matches `torch.linalg.diagonal`."""
    return A.diagonal(offset, dim1, dim2)


def linalg_matrix_power(A, n, *, out=None):
    """A to the integer power n (negative n inverts first). Matches `torch.linalg.matrix_power`."""
    if A._data.ndim < 2 or A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A._data.shape[-2] if A._data.ndim >= 2 else 1} by {A._data.shape[-1]} matrices")
    n = int(n)
    if n == 0:
        e = _eye(A._data.shape[-1], A._data.dtype)
        return write_out(e.expand(A.shape).clone() if A._data.ndim > 2 else e, out)
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
    return write_out(result, out)


def matrix_power(input, n, *, out=None):
    """Matches `torch.matrix_power` (`torch.linalg.matrix_power`)."""
    return linalg_matrix_power(input, n, out=out)


_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0,
           960960.0, 16380.0, 182.0, 1.0)


def linalg_matrix_exp(A):
    """exp(A) by scaling and squaring with a degree-13 Pade approximant, built from differentiable ops.
    Matches `torch.linalg.matrix_exp`."""
    _check(A, "matrix_exp")
    n = A._data.shape[-1]
    norm1 = float(np.abs(A._data).sum(-2).max()) if A._data.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm1 / 5.371920351148152)))) if norm1 > 0 else 0
    X = A / (2.0 ** s) if s else A
    b = _PADE13
    I = _eye(n, A._data.dtype)
    X2 = X @ X
    X4 = X2 @ X2
    X6 = X4 @ X2
    U = X @ (X6 @ (b[13] * X6 + b[11] * X4 + b[9] * X2) + b[7] * X6 + b[5] * X4 + b[3] * X2 + b[1] * I)
    V = X6 @ (b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 + b[0] * I
    R = _apply(LinalgSolve, (V - U, V + U))
    for _ in range(s):
        R = R @ R
    return R


def matrix_exp(input):
    """Matches `torch.matrix_exp` (`torch.linalg.matrix_exp`)."""
    return linalg_matrix_exp(input)


# ---- norms ---------------------------------------------------------------------------------------



def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims `dim`. Matches `torch.linalg.matrix_norm` (fro, nuc, +-1, +-2, +-inf)."""
    A = _tensor_of(A)
    if dtype is not None:
        A = A.to(dtype)
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind != "f":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.name.capitalize()}")
    d0, d1 = (normalize_dim(d, A._data.ndim) for d in dim)
    if ord == "fro":
        return write_out(_unary(Norm, A, 2.0, (d0, d1), keepdim), out)
    if ord == "nuc" or ord in (2, -2):
        # singular values: move the two dims last
        perm = [i for i in range(A._data.ndim) if i not in (d0, d1)] + [d0, d1]
        M = A.permute(*perm) if perm != list(range(A._data.ndim)) else A
        s = _svdvals(M)
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            r = r.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return write_out(r, out)
    if ord in (1, -1, np.inf, -np.inf):
        red, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = A.abs().sum(red, keepdim=True)
        r = s.amax(other, keepdim=True) if ord > 0 else s.amin(other, keepdim=True)
        if not keepdim:
            r = r.squeeze(max(d0, d1)).squeeze(min(d0, d1))
        return write_out(r, out)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """vector_norm or matrix_norm depending on ord and dim. Matches `torch.linalg.norm`."""
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


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector or matrix norm. Matches `torch.norm` (prefer ember.linalg.vector_norm/matrix_norm)."""
    x = _tensor_of(input)
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return vector_norm(x, 2, dim, keepdim, dtype=dtype, out=out)
        if p == "nuc":
            return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype, out=out)
        raise RuntimeError(f"norm(): unsupported norm type {p!r}")
    return vector_norm(x, 2 if p is None else p, dim, keepdim, dtype=dtype, out=out)


def renorm(input, p, dim=None, maxnorm=None, *, out=None, axis=None):
    """Rescale each slice along `dim` whose p-norm exceeds `maxnorm` to norm `maxnorm`. Matches `torch.renorm`."""
    if axis is not None:   # NumPy-style alias torch accepts
        dim = axis
    x = _tensor_of(input)
    nd = x.dim()
    if nd <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    maxnorm = float_arg(maxnorm, "maxnorm")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {D.scalar_type_name(x._data.dtype)}")
    d = normalize_dim(dim, nd)
    others = tuple(i for i in range(nd) if i != d)
    return write_out(_unary(Renorm, x, float(p), others, maxnorm), out)


def renorm_(input, p, dim=None, maxnorm=None, *, axis=None):
    return inplace(input, renorm, input, p, dim if axis is None else axis, maxnorm)


# ---- the Tensor methods ------------------------------------------------------------------------------

class LinalgMethods:
    __slots__ = ()

    inverse, det, logdet, slogdet, cholesky, matrix_power = inverse, det, logdet, slogdet, cholesky, matrix_power
    cholesky_solve, cholesky_inverse, matrix_exp = cholesky_solve, cholesky_inverse, matrix_exp
    svd, qr, pinverse, renorm, renorm_ = svd, qr, pinverse, renorm, renorm_

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return norm(self, p, dim, keepdim, dtype=dtype)
