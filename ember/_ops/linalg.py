"""Matrix products."""
from __future__ import annotations

import numpy as np

from ._base import Op, b_matmul, b_swap_last


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


# torch's grad_fn names for the matmul kernel, by the operands' dims (see LinalgMixin.matmul)
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
                from ember import einsum
                conv = [o if hasattr(o, "_data") else _wrap_const(o) for o in ops]
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


def _wrap_const(a):
    from ember._tensor_base import _wrap
    return _wrap(a)


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
        from ember import cross
        return (cross(b, g, dim=axis) if needs[0] else None, cross(g, a, dim=axis) if needs[1] else None)


# ---- decompositions and inverses (square matrices in the last two dims) -------------------------

def b_inv(a):
    if type(a) is np.ndarray:
        return np.linalg.inv(a)
    from ember.linalg import inv
    return inv(a)


def b_solve(a, b):
    if type(a) is np.ndarray and type(b) is np.ndarray:
        return np.linalg.solve(a, b)
    from ember.linalg import solve
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


def _eye_like(n, dtype):
    return np.eye(n, dtype=dtype)


class LinalgCholesky(Op):
    saves = ("out",)

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


class LinalgSvdS(_SvdPart):
    part = 1


class LinalgSvdVh(_SvdPart):
    part = 2


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
        with np.errstate(divide="ignore", invalid="ignore"):
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
