"""Regressions against torch: grad_fn names of shape/index/linalg ops, the fused addmm family,
trace and rot90 kernels, fills through expand()ed tensors, the zero gradient that copy_/fill_
give the overwritten value, and views taken before a base's first recorded in-place write."""
from __future__ import annotations

import numpy as np
import pytest

import ember

_rng = np.random.default_rng(0)
A = _rng.standard_normal((4, 4)).astype(np.float32)
V = _rng.standard_normal(4).astype(np.float32)
B3 = _rng.standard_normal((2, 4, 4)).astype(np.float32)
MASK = A > 0
IDX = np.array([0, 2, 1])
Z41 = np.zeros((4, 1), dtype=np.int64)


def _i(L, a):
    return L.tensor(a)


def _setitem(y, key, value):
    y[key] = value
    return y


# expression(L, x, v, b) -> a tensor whose grad_fn.name() must equal torch's
NAMES = {
    "x@v": lambda L, x, v, b: x @ v,
    "mv": lambda L, x, v, b: x.mv(v),
    "dot": lambda L, x, v, b: v.dot(v),
    "v@v": lambda L, x, v, b: v @ v,
    "vdot": lambda L, x, v, b: L.vdot(v, v),
    "v@x": lambda L, x, v, b: v @ x,
    "x@x": lambda L, x, v, b: x @ x,
    "mm": lambda L, x, v, b: x.mm(x),
    "b@x": lambda L, x, v, b: b @ x,
    "b@b": lambda L, x, v, b: b @ b,
    "x@b": lambda L, x, v, b: x @ b,
    "x.detach()@b": lambda L, x, v, b: x.detach() @ b,
    "x[:1]@b": lambda L, x, v, b: x[:1] @ b,
    "x[None]@b": lambda L, x, v, b: x[None] @ b,
    "x[None]@b[:1]": lambda L, x, v, b: x[None] @ b[:1],
    "b@v": lambda L, x, v, b: b @ v,
    "v@b": lambda L, x, v, b: v @ b,
    "bmm": lambda L, x, v, b: b.bmm(b),
    "addmm": lambda L, x, v, b: L.addmm(x, x, x),
    "addmm_bcast_beta0": lambda L, x, v, b: L.addmm(v, x, x, beta=0, alpha=2),
    "addmv": lambda L, x, v, b: L.addmv(v, x, v, beta=0.5),
    "baddbmm": lambda L, x, v, b: L.baddbmm(b, b, b, alpha=0.5),
    "trace": lambda L, x, v, b: x.trace(),
    "t": lambda L, x, v, b: x.t(),
    "t.t": lambda L, x, v, b: x.t().t(),
    "T": lambda L, x, v, b: x.T,
    "mT": lambda L, x, v, b: x.mT,
    "transpose": lambda L, x, v, b: x.transpose(0, 1),
    "x[0]": lambda L, x, v, b: x[0],
    "x[-1]": lambda L, x, v, b: x[-1],
    "x[:, 1]": lambda L, x, v, b: x[:, 1],
    "x[1:3]": lambda L, x, v, b: x[1:3],
    "x[:]": lambda L, x, v, b: x[:],
    "x[::2]": lambda L, x, v, b: x[::2],
    "x[:, 1:3]": lambda L, x, v, b: x[:, 1:3],
    "x[0, 1:3]": lambda L, x, v, b: x[0, 1:3],
    "x[1:3, 0]": lambda L, x, v, b: x[1:3, 0],
    "x[:, :]": lambda L, x, v, b: x[:, :],
    "x[0:4, :]": lambda L, x, v, b: x[0:4, :],
    "x[None]": lambda L, x, v, b: x[None],
    "x[0, None]": lambda L, x, v, b: x[0, None],
    "x[None, 0]": lambda L, x, v, b: x[None, 0],
    "x[..., 0]": lambda L, x, v, b: x[..., 0],
    "x[...]": lambda L, x, v, b: x[...],
    "x[..., 0:4]": lambda L, x, v, b: x[..., 0:4],
    "x[..., 0:3]": lambda L, x, v, b: x[..., 0:3],
    "x[1, ..., 0:4]": lambda L, x, v, b: x[1, ..., 0:4],
    "x[0:100, :]": lambda L, x, v, b: x[0:100, :],
    "x[None, ..., None]": lambda L, x, v, b: x[None, ..., None],
    "x[tensor(1)]": lambda L, x, v, b: x[L.tensor(1)],
    "x[idx]": lambda L, x, v, b: x[_i(L, IDX)],
    "x[mask]": lambda L, x, v, b: x[_i(L, MASK)],
    "narrow": lambda L, x, v, b: x.narrow(0, 1, 2),
    "select": lambda L, x, v, b: x.select(1, 1),
    "split": lambda L, x, v, b: x.split(2)[1],
    "split_sizes": lambda L, x, v, b: x.split([1, 3])[0],
    "chunk": lambda L, x, v, b: x.chunk(2, 1)[0],
    "unbind": lambda L, x, v, b: x.unbind(1)[0],
    "tensor_split": lambda L, x, v, b: x.tensor_split(3)[0],
    "hsplit": lambda L, x, v, b: L.hsplit(x, [1, 3])[1],
    "unsqueeze": lambda L, x, v, b: x.unsqueeze(0),
    "squeeze": lambda L, x, v, b: x.unsqueeze(0).squeeze(),
    "squeeze_dim": lambda L, x, v, b: x.unsqueeze(0).squeeze(0),
    "squeeze_noop": lambda L, x, v, b: x.squeeze(1),
    "squeeze_dims": lambda L, x, v, b: x.unsqueeze(0).squeeze((0,)),
    "diag_2d": lambda L, x, v, b: x.diag(),
    "diag_1d": lambda L, x, v, b: v.diag(),
    "diagonal": lambda L, x, v, b: x.diagonal(),
    "permute": lambda L, x, v, b: x.permute(1, 0),
    "movedim": lambda L, x, v, b: x.movedim(0, 1),
    "expand": lambda L, x, v, b: x.expand(2, 4, 4),
    "expand_same": lambda L, x, v, b: x.expand(4, 4),
    "cat": lambda L, x, v, b: L.cat([x, x]),
    "stack": lambda L, x, v, b: L.stack([x, x]),
    "index_select": lambda L, x, v, b: x.index_select(0, _i(L, IDX)),
    "gather": lambda L, x, v, b: x.gather(1, _i(L, Z41)),
    "masked_fill": lambda L, x, v, b: x.masked_fill(_i(L, MASK), 0.0),
    "masked_select": lambda L, x, v, b: x.masked_select(_i(L, MASK)),
    "index_fill": lambda L, x, v, b: x.index_fill(0, _i(L, IDX), 1.0),
    "take": lambda L, x, v, b: x.take(_i(L, IDX)),
    "setitem": lambda L, x, v, b: _setitem(x * 2, (0, slice(None)), 1.0),
    "setitem_tensor": lambda L, x, v, b: _setitem(x * 2, (slice(None), 0), v),
    "setitem_mask": lambda L, x, v, b: _setitem(x * 2, _i(L, MASK), 1.0),
    "setitem_idx_tensor": lambda L, x, v, b: _setitem(x * 2, _i(L, IDX), v),
    "view": lambda L, x, v, b: x.view(-1),
    "reshape_view": lambda L, x, v, b: x.reshape(2, 8),
    "reshape_copy": lambda L, x, v, b: x.t().reshape(-1),
    "rot90": lambda L, x, v, b: x.rot90(),
    "rot90_k2": lambda L, x, v, b: x.rot90(2),
    "repeat_interleave_int": lambda L, x, v, b: x.repeat_interleave(2, dim=0),
    "repeat_interleave_tensor": lambda L, x, v, b: x.repeat_interleave(_i(L, np.array([1, 2, 1, 1])), dim=0),
    "cross": lambda L, x, v, b: L.linalg.cross(x[:, :3], x[:, 1:]),
    "inv": lambda L, x, v, b: L.linalg.inv(x),
    "solve": lambda L, x, v, b: L.linalg.solve(x, x),
}


def _leaves(L):
    return (L.tensor(A, requires_grad=True), L.tensor(V, requires_grad=True), L.tensor(B3, requires_grad=True))


@pytest.mark.parametrize("name", list(NAMES))
def test_grad_fn_name_matches_torch(torch, name):
    f = NAMES[name]
    want = f(torch, *_leaves(torch)).grad_fn.name()
    got = f(ember, *_leaves(ember)).grad_fn.name()
    assert got == want


# ---- values and gradients of the kernels that changed -------------------------------------------

def _fwd_bwd(L, f, arrays):
    ts = [L.tensor(a, requires_grad=True) for a in arrays]
    out = f(L, *ts)
    g = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(np.float32)
    (out * L.tensor(g)).sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def _r(*shape):
    return np.random.default_rng(len(shape) * 7 + shape[-1]).standard_normal(shape).astype(np.float32)


KERNELS = {
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
    "rot90_1": (lambda L, a: a.rot90(1, (0, 2)), (_r(2, 3, 4),)),
    "rot90_2": (lambda L, a: a.rot90(2), (_r(3, 4),)),
    "rot90_3": (lambda L, a: a.rot90(-1, (1, 0)), (_r(3, 4),)),
    "rot90_0": (lambda L, a: a.rot90(4), (_r(3, 4),)),
    "index_fill": (lambda L, a: a.index_fill(1, L.tensor(np.array([0, 2])), -1.0), (_r(3, 4),)),
    "unbind_sum": (lambda L, a: a.unbind(1)[2] * 2 + a.unbind(1)[0], (_r(3, 4),)),
    "split_sizes": (lambda L, a: a.split([1, 3], 1)[1], (_r(3, 4),)),
}


@pytest.mark.parametrize("name", list(KERNELS))
def test_kernels_match_torch(torch, name):
    f, arrays = KERNELS[name]
    out_t, g_t = _fwd_bwd(torch, f, arrays)
    out_e, g_e = _fwd_bwd(ember, f, arrays)
    assert out_e.shape == out_t.shape and out_e.dtype == out_t.dtype
    np.testing.assert_allclose(out_e, out_t, rtol=1e-5, atol=1e-5)
    for ge, gt in zip(g_e, g_t):
        np.testing.assert_allclose(ge, gt, rtol=1e-5, atol=1e-5)


def test_rot90_layout_and_no_alias(torch):
    x = ember.tensor(_r(3, 4))
    y = x.rot90()
    assert y.stride() == torch.tensor(_r(3, 4)).rot90().stride()
    y[0, 0] = 100.0                                  # a copy: x is untouched
    assert float(x.abs().max()) < 100


@pytest.mark.parametrize("dtype", ["int32", "uint8", "float64"])
def test_trace_dtype(torch, dtype):
    a = (np.arange(12).reshape(3, 4) % 7).astype(dtype)
    t, e = torch.tensor(a).trace(), ember.tensor(a).trace()
    assert str(e.dtype) == str(t.dtype) and e.item() == t.item()


def test_addmm_inplace_and_int_fallback(torch):
    outs = []
    for L in (torch, ember):
        x = L.tensor(_r(3, 5), requires_grad=True)
        y = x * 1
        y.addmm_(L.tensor(_r(3, 4)), L.tensor(_r(4, 5)), beta=0.5)
        y.sum().backward()
        i = L.tensor(np.arange(6).reshape(2, 3)).addmm(L.tensor(np.ones((2, 2), np.int64)),
                                                       L.tensor(np.ones((2, 3), np.int64)), alpha=2)
        outs.append((y.grad_fn.name(), y.detach().numpy(), x.grad.numpy(), i.numpy(), str(i.dtype)))
    (nt, yt, gt, it, dt), (ne, ye, ge, ie, de) = outs
    assert ne == nt and de == dt
    np.testing.assert_allclose(ye, yt, rtol=1e-5)
    np.testing.assert_allclose(ge, gt)
    np.testing.assert_array_equal(ie, it)


def test_addmm_double_backward(torch):
    res = []
    for L in (torch, ember):
        i, a, b = (L.tensor(x, requires_grad=True) for x in (_r(3, 5), _r(3, 4), _r(4, 5)))
        out = L.addmm(i, a, b, beta=0.5, alpha=2.0)
        ga, = L.autograd.grad((out ** 2).sum(), a, create_graph=True)
        ga.sum().backward()
        res.append((ga.detach().numpy(), i.grad.numpy(), b.grad.numpy()))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-4)


# ---- fills and writes through expand()ed tensors ------------------------------------------------

WRITES = {
    "fill_": lambda L, x: x.fill_(1.5),
    "zero_": lambda L, x: x.zero_(),
    "fill_tensor": lambda L, x: x.fill_(L.tensor(7.0)),
    "add_": lambda L, x: x.add_(1),
    "copy_": lambda L, x: x.copy_(L.ones(2, 3)),
    "setitem_row": lambda L, x: x.__setitem__(0, L.tensor([1.0, 2.0, 3.0])),
    "setitem_row_scalar": lambda L, x: x.__setitem__(1, 4.0),
    "setitem_col": lambda L, x: x.__setitem__((slice(None), 1), 5.0),
    "setitem_col_tensor": lambda L, x: x.__setitem__((slice(None), 0), L.tensor([1.0, 2.0])),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_write_through_expand_matches_torch(torch, name):
    res = []
    for L in (torch, ember):
        base = L.zeros(3)
        x = base.expand(2, 3)
        try:
            WRITES[name](L, x)
            res.append(("ok", base.tolist()))
        except Exception as e:    # noqa: BLE001 - the type is what we compare
            res.append((type(e).__name__, None))
    assert res[1] == res[0]


# ---- copy_/fill_ give the overwritten value a zero gradient -----------------------------------

OVERWRITES = {
    "copy_": lambda L, y: y.copy_(L.zeros(3)),
    "copy_twice": lambda L, y: y.copy_(L.zeros(3)).copy_(L.ones(3)),
    "fill_": lambda L, y: y.fill_(3.0),
    "zero_": lambda L, y: y.zero_(),
    "fill_tensor": lambda L, y: y.fill_(L.tensor(2.0)),
    "slice_copy_": lambda L, y: y[:2].copy_(L.zeros(2)),
}


@pytest.mark.parametrize("name", list(OVERWRITES))
def test_overwritten_value_gets_zero_grad(torch, name):
    res = []
    for L in (torch, ember):
        x = L.ones(3, requires_grad=True)
        y = x * 2
        OVERWRITES[name](L, y)
        y.sum().backward()
        res.append((y.grad_fn.name(), x.grad.numpy()))
    assert res[1][0] == res[0][0]
    np.testing.assert_array_equal(res[1][1], res[0][1])


def test_fill_with_grad_requiring_value(torch):
    res = []
    for L in (torch, ember):
        x = L.ones(3, requires_grad=True)
        v = L.tensor(2.0, requires_grad=True)
        y = x * 2
        y.fill_(v)
        (y * L.tensor([1.0, 2.0, 3.0])).sum().backward()
        res.append((y.grad_fn.name(), x.grad.numpy(), v.grad.item()))
    assert res[1][0] == res[0][0] and res[1][2] == res[0][2]
    np.testing.assert_array_equal(res[1][1], res[0][1])


# ---- views taken while the base did not require grad (registered lazily) ----------------------

def _stale(L, k):
    w = L.tensor(np.arange(1.0, 5.0, dtype=np.float32), requires_grad=True)
    c = L.tensor(np.array([3.0, 5.0], dtype=np.float32))
    b = L.zeros(4)
    v = b[1:3]
    if k == "copy_":
        b.copy_(w)
    elif k == "mul_":
        b.mul_(w)
    elif k == "add_":
        b.add_(w)
    elif k == "setitem":
        b[0:2] = w[:2]
    elif k == "sibling_copy_":
        b[2:].copy_(w[2:] * 2)
    elif k == "addmm_":
        b2 = L.zeros(2, 2)
        v = b2[:, 1]
        b2.addmm_(w.view(2, 2), w.view(2, 2))
    elif k == "untouched_region":
        b2 = L.zeros(2, 2)
        v = b2[1]
        b2[0].copy_(w[:2])
    (v * c).sum().backward()
    return v.grad_fn.name(), v.requires_grad, w.grad.numpy()


@pytest.mark.parametrize("k", ["copy_", "mul_", "add_", "setitem", "sibling_copy_", "addmm_", "untouched_region"])
def test_view_taken_before_first_recorded_write(torch, k):
    t, e = _stale(torch, k), _stale(ember, k)
    assert e[:2] == t[:2]
    np.testing.assert_allclose(e[2], t[2])


def test_view_registration_only_when_base_requires_grad():
    x = ember.zeros(4, 4)
    views = [x[0], x.view(-1), x.t()]
    assert len(x._vc) == 1 and all(v._vc is x._vc for v in views)   # shared counter, nothing registered
    y = ember.zeros(4, 4, requires_grad=True) * 1
    v = y[0]
    assert len(y._vc) == 2 and v._vc is y._vc
    c = x.t().reshape(-1)                                            # a copy: its own counter
    assert c._vc is not x._vc and getattr(c, "_base", None) is None
