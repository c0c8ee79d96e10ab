"""ember.linalg beyond the op table: result types, error classes, dispatch of norm, gradient refusals."""
from __future__ import annotations

import numpy as np
import pytest
from oracle import check

import ember
from ember import linalg as LA

A = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float64)
SQ = np.random.default_rng(1).standard_normal((3, 3)).astype(np.float64)


def test_named_tuples_have_torch_fields(torch):
    x = ember.tensor(SQ)
    assert LA.slogdet(x).sign.shape == () and LA.slogdet(x).logabsdet.shape == ()
    q, r = LA.qr(x)
    assert LA.qr(x).Q.shape == q.shape and LA.qr(x).R.shape == r.shape
    w, v = LA.eigh(x + x.mT)
    assert LA.eigh(x + x.mT).eigenvalues.shape == w.shape and LA.eigh(x + x.mT).eigenvectors.shape == v.shape
    u, s, vh = LA.svd(x)
    assert LA.svd(x).U.shape == u.shape and LA.svd(x).S.shape == s.shape and LA.svd(x).Vh.shape == vh.shape


def test_linalg_error_is_runtime_error(torch):
    assert issubclass(LA.LinAlgError, RuntimeError) and issubclass(torch.linalg.LinAlgError, RuntimeError)
    with pytest.raises(LA.LinAlgError):
        LA.inv(ember.zeros(2, 2))
    inv, info = LA.inv_ex(ember.zeros(2, 2))
    assert int(info) == 1
    L, info = LA.cholesky_ex(-ember.eye(2))
    assert int(info) == 1


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_modes_match_torch(mode, torch):
    e = LA.qr(ember.tensor(A), mode=mode)
    t = torch.linalg.qr(torch.tensor(A), mode=mode)
    for a, b in zip(e, t):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-10)


@pytest.mark.parametrize("full", [True, False])
def test_svd_shapes_and_reconstruction(full, torch):
    e = LA.svd(ember.tensor(A), full_matrices=full)
    t = torch.linalg.svd(torch.tensor(A), full_matrices=full)
    for a, b in zip(e, t):
        assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(e.S.numpy(), t.S.numpy(), atol=1e-10)
    k = e.S.shape[-1]
    rec = (e.U[..., :k] * e.S.unsqueeze(-2)) @ e.Vh[..., :k, :]
    np.testing.assert_allclose(rec.numpy(), A, atol=1e-10)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5)])
def test_svd_full_matrices_gradient_matches_torch(shape, torch):
    a = np.random.default_rng(3).standard_normal(shape)
    res = []
    for m in (torch, ember):
        x = m.tensor(a, requires_grad=True)
        u, s, vh = m.linalg.svd(x, full_matrices=True)
        k = min(shape)
        # a gauge-invariant function of the leading singular vectors
        loss = (u[:, :1] @ vh[:1, :] * m.tensor(a)).sum() + s.sum() + (u[:, :k] ** 2).sum()
        loss.backward()
        res.append(x.grad.numpy().copy())
    np.testing.assert_allclose(res[1], res[0], atol=1e-8)


def test_qr_r_mode_gradient_refused(torch):
    for m in (torch, ember):
        x = m.tensor(A[0], requires_grad=True)
        with pytest.raises(RuntimeError):
            m.linalg.qr(x, mode="r")[1].sum().backward()


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reads_one_triangle(uplo, torch):
    e = LA.eigvalsh(ember.tensor(SQ), UPLO=uplo)
    t = torch.linalg.eigvalsh(torch.tensor(SQ), UPLO=uplo)
    np.testing.assert_allclose(e.numpy(), t.numpy(), atol=1e-10)


@pytest.mark.parametrize("kw", [{}, {"ord": 2}, {"ord": "nuc"}, {"ord": 1, "dim": 1}, {"dim": (0, 1)},
                                {"ord": float("inf")}, {"ord": 3, "dim": -1, "keepdim": True}])
def test_norm_dispatch_matches_torch(kw, torch):
    x = A[0]
    e = LA.norm(ember.tensor(x), **kw)
    t = torch.linalg.norm(torch.tensor(x), **kw)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)


def test_matrix_rank_and_pinv(torch):
    low = A[0] @ np.diag([1.0, 1.0, 0.0]) @ SQ
    assert int(LA.matrix_rank(ember.tensor(low))) == int(torch.linalg.matrix_rank(torch.tensor(low)))
    np.testing.assert_allclose(LA.pinv(ember.tensor(A)).numpy(), torch.linalg.pinv(torch.tensor(A)).numpy(),
                               atol=1e-10)


def test_matrix_power_zero_is_identity(torch):
    e = LA.matrix_power(ember.tensor(A[:, :3, :]), 0)
    t = torch.linalg.matrix_power(torch.tensor(A[:, :3, :]), 0)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_einsum_double_backward(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor(SQ, requires_grad=True)
        y = m.einsum("ij,jk->ik", x, x)
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        (g2,) = m.autograd.grad(g.sum(), x)
        res.append((g.detach().numpy(), g2.numpy()))
    for a, b in zip(res[0], res[1]):
        np.testing.assert_allclose(a, b, rtol=1e-10)


@pytest.mark.parametrize("name", ["inv", "det", "solve", "gather", "index_select", "diagonal", "unfold", "flip",
                                  "repeat", "cat", "cross", "tril", "einsum", "scatter_add", "masked_scatter",
                                  "index_put", "take_along_dim", "diag_embed", "renorm"])
def test_double_backward(name, torch):
    """gradgradcheck for ops whose backward is written with differentiable ops."""
    fns = {
        "inv": lambda m, x: m.linalg.inv(x + 3 * m.eye(3, dtype=x.dtype)),
        "det": lambda m, x: m.linalg.det(x),
        "solve": lambda m, x: m.linalg.solve(x + 3 * m.eye(3, dtype=x.dtype), x[:, :1]),
        "gather": lambda m, x: x.gather(1, m.tensor([[0, 0], [2, 1], [1, 1]])) ** 2,
        "index_select": lambda m, x: x.index_select(0, m.tensor([2, 2, 0])) ** 2,
        "diagonal": lambda m, x: x.diagonal(1) ** 2,
        "unfold": lambda m, x: x.unfold(1, 2, 1) ** 2,
        "flip": lambda m, x: x.flip(0) ** 2,
        "repeat": lambda m, x: x.repeat(2, 1) ** 2,
        "cat": lambda m, x: m.cat([x, x * x], 1) ** 2,
        "cross": lambda m, x: m.linalg.cross(x, x.flip(0)) ** 2,
        "tril": lambda m, x: x.tril() ** 2,
        "einsum": lambda m, x: m.einsum("ij,jk->i", x, x * x),
        "scatter_add": lambda m, x: x.scatter_add(0, m.tensor([[1, 0, 1]]), x[:1] ** 2) ** 2,
        "masked_scatter": lambda m, x: x.masked_scatter(x.detach() > 0, x.flip(1) ** 2) ** 2,
        "index_put": lambda m, x: x.index_put((m.tensor([0, 2]),), x[1] ** 2) ** 2,
        "take_along_dim": lambda m, x: m.take_along_dim(x, m.tensor([[1], [0], [2]]), 1) ** 3,
        "diag_embed": lambda m, x: x.diag_embed(1) ** 2,
        "renorm": lambda m, x: m.renorm(x, 3, 0, 1.0) ** 2,
    }
    x = ember.tensor(SQ, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: fns[name](ember, t), (x,))


@pytest.mark.parametrize("fn", [
    lambda m, out: m.cat([m.ones(2, 3), m.zeros(1, 3)], out=out),
    lambda m, out: m.stack([m.ones(3), m.zeros(3)], 1, out=out),
    lambda m, out: m.matmul(m.ones(2, 3), m.ones(3, 4), out=out),
    lambda m, out: m.mm(m.ones(2, 3), m.ones(3, 4), out=out),
    lambda m, out: m.gather(m.ones(2, 3), 1, m.tensor([[0], [2]]), out=out),
    lambda m, out: m.index_select(m.arange(6.0).reshape(2, 3), 1, m.tensor([2, 0]), out=out),
    lambda m, out: m.tril(m.ones(3, 3), out=out),
    lambda m, out: m.addmm(m.ones(4), m.ones(2, 3), m.ones(3, 4), out=out),
])
def test_out_argument_is_written_like_torch(fn, torch):
    res = []
    for m in (torch, ember):
        out = m.empty(0)
        r = fn(m, out)
        assert r is out
        res.append(out.numpy().copy())
    np.testing.assert_array_equal(res[1], res[0])


@pytest.mark.parametrize("fn", [
    lambda m, out: m.cholesky_solve(m.eye(3, dtype=m.float64), m.tensor(SQ).tril() + 4 * m.eye(3, dtype=m.float64),
                                    out=out),
    lambda m, out: m.cholesky_inverse(m.tensor(SQ).triu() + 4 * m.eye(3, dtype=m.float64), True, out=out),
    lambda m, out: m.renorm(m.tensor(A[0]), 2, 0, 1.0, out=out),
    lambda m, out: m.linalg.multi_dot([m.tensor(SQ[0]), m.tensor(SQ), m.tensor(SQ)], out=out),
    lambda m, out: m.linalg.matrix_power(m.tensor(SQ), 3, out=out),
    lambda m, out: m.addmv(m.tensor(SQ[0]), m.tensor(SQ), m.tensor(SQ[1]), beta=0.5, out=out),
])
def test_out_argument_of_linalg_functions(fn, torch):
    res = []
    for m in (torch, ember):
        out = m.empty(0, dtype=m.float64)
        assert fn(m, out) is out
        res.append(out.numpy().copy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-10, atol=1e-12)


def test_result_types_are_torchs(torch):
    spd = SQ @ SQ.T + 3 * np.eye(3)
    calls = [lambda m, x: m.svd(x), lambda m, x: m.linalg.svd(x), lambda m, x: m.slogdet(x),
             lambda m, x: m.linalg.slogdet(x), lambda m, x: m.qr(x), lambda m, x: m.linalg.qr(x),
             lambda m, x: m.linalg.eigh(x), lambda m, x: m.linalg.inv_ex(x), lambda m, x: m.linalg.cholesky_ex(x),
             lambda m, x: m.linalg.lstsq(x, x), lambda m, x: x.svd(), lambda m, x: x.slogdet(), lambda m, x: x.qr()]
    for f in calls:
        e, t = f(ember, ember.tensor(spd)), f(torch, torch.tensor(spd))
        assert type(e).__name__ == type(t).__name__ and len(e) == len(t), (e, t)
        assert all(getattr(t, f) is t[i] for i, f in enumerate(e._fields)), (e._fields, t)


def test_decomposition_grad_fn_names_are_torchs(torch):
    spd = SQ @ SQ.T + 3 * np.eye(3)
    calls = [lambda m, x: m.linalg.svd(x).U, lambda m, x: m.linalg.svd(x).S, lambda m, x: m.linalg.svdvals(x),
             lambda m, x: m.linalg.qr(x).Q, lambda m, x: m.linalg.qr(x).R, lambda m, x: m.linalg.qr(x, mode="r").R,
             lambda m, x: m.linalg.cholesky(x), lambda m, x: m.linalg.eigh(x).eigenvectors,
             lambda m, x: m.linalg.slogdet(x).logabsdet, lambda m, x: m.linalg.inv(x), lambda m, x: m.det(x),
             lambda m, x: m.linalg.vector_norm(x), lambda m, x: m.linalg.cross(x, x.flip(0)),
             lambda m, x: m.renorm(x, 2, 1, 1.0)]
    for f in calls:
        e = f(ember, ember.tensor(spd, requires_grad=True))
        t = f(torch, torch.tensor(spd, requires_grad=True))
        assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize("name", ["matrix_exp", "cholesky_solve", "cholesky_inverse", "addmv_"])
def test_method_and_function_forms_torch_has(name, torch):
    spd = SQ @ SQ.T + 3 * np.eye(3)
    fns = {"matrix_exp": lambda m, x: x.matrix_exp(),
           "cholesky_solve": lambda m, x: (x[:, :2] + 1).cholesky_solve(m.linalg.cholesky(x)),
           "cholesky_inverse": lambda m, x: m.linalg.cholesky(x).cholesky_inverse(),
           "addmv_": lambda m, x: m.addmv_(x[0].clone(), x, x[1], alpha=2.0)}
    e = fns[name](ember, ember.tensor(spd))
    t = fns[name](torch, torch.tensor(spd))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", ["addmm_", "addmv_", "baddbmm_", "addbmm_", "addr_", "renorm_"])
def test_inplace_forms_keep_retain_grad(name, torch):
    """The in-place forms go through the one in-place entry point: a retained gradient follows the tensor."""
    a = np.random.default_rng(5).standard_normal((3, 3))
    fns = {"addmm_": lambda m, y, w: y.addmm_(w, w, beta=0.5),
           "addmv_": lambda m, y, w: y[0].addmv_(w, w[1]),
           "baddbmm_": lambda m, y, w: y.unsqueeze(0).baddbmm_(w.unsqueeze(0), w.unsqueeze(0)),
           "addbmm_": lambda m, y, w: y.addbmm_(w.unsqueeze(0), w.unsqueeze(0), alpha=2),
           "addr_": lambda m, y, w: y.addr_(w[0], w[1]),
           "renorm_": lambda m, y, w: y.renorm_(2, 0, 1.0)}
    res = []
    for m in (torch, ember):
        x = m.tensor(a, requires_grad=True)
        w = m.tensor(a[::-1].copy(), requires_grad=True)
        y = x * 2
        y.retain_grad()
        fns[name](m, y, w)
        (y * 3).sum().backward()
        res.append([y.detach().numpy().copy(), y.grad.numpy(), x.grad.numpy()] +
                   ([] if w.grad is None else [w.grad.numpy()]))
    assert len(res[1]) == len(res[0])
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


def test_namespaces_and_methods_alias_one_function():
    assert ember.Tensor.matmul is ember.matmul is ember.linalg.matmul
    assert ember.Tensor.svd is ember.svd and ember.Tensor.cross is ember.cross
    assert ember.Tensor.addmm_ is not None and not hasattr(ember.Tensor, "inner_dot")
    assert LA.vector_norm is ember.linalg.vector_norm and ember.renorm is ember.Tensor.renorm


def test_api_surface_matches_torch(torch):
    """Every function of the two families is at top level, and Tensor has the method (and in-place) forms
    torch has; every ember.linalg name exists in torch.linalg."""
    from ember._ops import linalg as fam_linalg
    from ember._ops import matmul as fam_matmul
    names = fam_matmul.__all__ + fam_linalg.__all__
    assert [n for n in names if not hasattr(ember, n) or not hasattr(torch, n)] == []
    missing = [n for n in names if hasattr(torch.Tensor, n) and not hasattr(ember.Tensor, n)]
    missing += [n + "_" for n in names if hasattr(torch.Tensor, n + "_") and not hasattr(ember.Tensor, n + "_")]
    assert missing == []
    assert [n for n in LA.__all__ if not hasattr(torch.linalg, n)] == []


# ---- the matmul family (fused addmm/addmv/baddbmm, vector and batched products) and trace ----------------

def _r(*shape):
    return np.random.default_rng(len(shape) * 7 + shape[-1]).standard_normal(shape).astype(np.float32)


MATMUL = {
    "addmm": (lambda L, i, a, b: L.addmm(i, a, b), (_r(3, 5), _r(3, 4), _r(4, 5))),
    "addmm_bcast_ab": (lambda L, i, a, b: L.addmm(i, a, b, beta=0.5, alpha=-2.0), (_r(5), _r(3, 4), _r(4, 5))),
    "addmm_beta0": (lambda L, i, a, b: L.addmm(i, a, b, beta=0), (_r(1, 5), _r(3, 4), _r(4, 5))),
    "addmv": (lambda L, i, a, b: L.addmv(i, a, b, alpha=3), (_r(3), _r(3, 4), _r(4))),
    "baddbmm": (lambda L, i, a, b: L.baddbmm(i, a, b, beta=2, alpha=0.5), (_r(3, 5), _r(2, 3, 4), _r(2, 4, 5))),
    "mv": (lambda L, a, b: a @ b, (_r(3, 4), _r(4))),
    "dot": (lambda L, a, b: a.dot(b), (_r(4), _r(4))),
    "vec_mat": (lambda L, a, b: a @ b, (_r(4), _r(4, 5))),
    "mat_batch": (lambda L, a, b: a @ b, (_r(3, 4), _r(2, 4, 5))),
    "bmm": (lambda L, a, b: a.bmm(b), (_r(2, 3, 4), _r(2, 4, 5))),
    "trace": (lambda L, a: a.trace(), (_r(3, 4),)),
}


@pytest.mark.parametrize("name", list(MATMUL))
def test_matmul_family_matches_torch(torch, name):
    f, arrays = MATMUL[name]
    check(torch, lambda *a: f(ember, *a), lambda *a: f(torch, *a), arrays, rtol=1e-5, atol=1e-5, grad_atol=1e-5)


@pytest.mark.parametrize("dtype", ["int32", "uint8", "float64"])
def test_trace_dtype(same, dtype):
    a = (np.arange(12).reshape(3, 4) % 7).astype(dtype)
    same(lambda L: L.tensor(a).trace(), rtol=0, atol=0)


def test_addmm_inplace_and_int_fallback(same):
    def f(L):
        x = L.tensor(_r(3, 5), requires_grad=True)
        y = x * 1
        y.addmm_(L.tensor(_r(3, 4)), L.tensor(_r(4, 5)), beta=0.5)
        y.sum().backward()
        i = L.tensor(np.arange(6).reshape(2, 3)).addmm(L.tensor(np.ones((2, 2), np.int64)),
                                                       L.tensor(np.ones((2, 3), np.int64)), alpha=2)
        return y.grad_fn.name(), y, x.grad, i
    same(f, rtol=1e-5, atol=0)
    same(lambda L: f(L)[2], rtol=1e-7, atol=0)     # the gradient to the default tolerance of assert_allclose


def test_addmm_double_backward(same):
    def f(L):
        i, a, b = (L.tensor(x, requires_grad=True) for x in (_r(3, 5), _r(3, 4), _r(4, 5)))
        out = L.addmm(i, a, b, beta=0.5, alpha=2.0)
        ga, = L.autograd.grad((out ** 2).sum(), a, create_graph=True)
        ga.sum().backward()
        return ga.detach(), i.grad, b.grad
    same(f, rtol=1e-4, atol=1e-4)


# ---- the class names of returned named tuples (their repr shows them: torch.return_types.linalg_qr(...)) ----

_NT = np.random.default_rng(2).standard_normal((3, 3))
NAMED_TUPLES = {
    "max": lambda L, x: L.max(x, 1), "sort": lambda L, x: L.sort(x), "topk": lambda L, x: L.topk(x, 2),
    "median": lambda L, x: L.median(x, 1), "aminmax": lambda L, x: L.aminmax(x),
    "slogdet": lambda L, x: L.slogdet(x), "frexp": lambda L, x: L.frexp(x),
    "linalg.slogdet": lambda L, x: L.linalg.slogdet(x), "linalg.qr": lambda L, x: L.linalg.qr(x),
    "linalg.eigh": lambda L, x: L.linalg.eigh(x + x.T), "linalg.svd": lambda L, x: L.linalg.svd(x),
    "svd": lambda L, x: L.svd(x), "linalg.inv_ex": lambda L, x: L.linalg.inv_ex(x),
    "linalg.cholesky_ex": lambda L, x: L.linalg.cholesky_ex(x @ x.T + L.eye(3, dtype=x.dtype)),
    "linalg.lstsq": lambda L, x: L.linalg.lstsq(x, x),
}


@pytest.mark.parametrize("name", list(NAMED_TUPLES))
def test_named_tuple_class_names_match_torch(same, name):
    same(lambda L: type(NAMED_TUPLES[name](L, L.tensor(_NT))).__name__)
