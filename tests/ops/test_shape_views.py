"""Views share memory and the version counter with their base; in-place forms match torch
(values and gradients on non-leaf tensors); a saved tensor modified through a view is detected."""
from __future__ import annotations

import numpy as np
import pytest
from oracle import check

import ember

VIEWS = [
    ("view", lambda x: x.view(6, 4)),
    ("reshape", lambda x: x.reshape(-1)),
    ("flatten", lambda x: x.flatten(1)),
    ("unflatten", lambda x: x.unflatten(2, (2, 2))),
    ("transpose", lambda x: x.transpose(0, 2)),
    ("permute", lambda x: x.permute(1, 2, 0)),
    ("mT", lambda x: x.mT),
    ("movedim", lambda x: x.movedim(0, -1)),
    ("squeeze", lambda x: x[:1].squeeze(0)),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("slice_step", lambda x: x[:, ::2, 1:]),
    ("int_index", lambda x: x[1, :, 2]),
    ("none_ellipsis", lambda x: x[None, ..., 0]),
    ("narrow", lambda x: x.narrow(2, 1, 2)),
    ("select", lambda x: x.select(1, -1)),
    ("diagonal", lambda x: x.diagonal(1, 1, 2)),
    ("unfold", lambda x: x.unfold(2, 2, 2)),
    ("split", lambda x: x.split(2, 2)[1]),
    ("chunk", lambda x: x.chunk(3, 1)[2]),
    ("unbind", lambda x: x.unbind(0)[1]),
    ("tensor_split", lambda x: x.tensor_split(2, 2)[0]),
    ("view_as", lambda x: x.view_as(x.reshape(4, 6))),
    ("swapdims", lambda x: x.swapdims(0, 1)),
    ("chained", lambda x: x.transpose(0, 1)[1:].narrow(0, 0, 1).squeeze(0)),
    ("as_strided", lambda x: x.as_strided((3, 4), (5, 2), 1)),
]


@pytest.mark.parametrize("name,fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_write_through_view_matches_torch(name, fn, torch):
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    eb, tb = ember.tensor(data), torch.tensor(data)
    ev, tv = fn(eb), fn(tb)
    ev.fill_(-7.0)
    tv.fill_(-7.0)
    np.testing.assert_array_equal(eb.numpy(), tb.numpy())
    assert eb._version == ev._version == 1
    # and the other way round: a write to the base shows in the view
    eb.copy_(ember.tensor(-data))
    tb.copy_(torch.tensor(-data))
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    assert ev._version == 2


@pytest.mark.parametrize("name,fn", [
    ("flip", lambda x: x.flip(0)), ("roll", lambda x: x.roll(1, 0)), ("repeat", lambda x: x.repeat(1, 1, 1)),
    ("gather", lambda x: x.gather(0, x.new_zeros(1, 3, 4, dtype=ember.int64) if hasattr(x, "new_zeros")
                                  else None)),
    ("index_select", lambda x: x.index_select(0, ember.tensor([0]))),
    ("tril", lambda x: x.tril()), ("clone", lambda x: x.clone()), ("adv_index", lambda x: x[[0, 1]]),
    ("mask_index", lambda x: x[x > 3]), ("diag", lambda x: x[0].diag()), ("cat", lambda x: ember.cat([x])),
    ("contiguous_T", lambda x: x.mT.contiguous()),
])
def test_copying_ops_do_not_alias(name, fn):
    x = ember.arange(24.0).reshape(2, 3, 4)
    if name == "gather":
        y = x.gather(0, ember.zeros(1, 3, 4, dtype=ember.int64))
    else:
        y = fn(x)
    before = x.numpy().copy()
    y.fill_(123.0)
    np.testing.assert_array_equal(x.numpy(), before)
    assert x._version == 0


@pytest.mark.parametrize("write", [lambda m, v: v.copy_(m.ones(3, 4)), lambda m, v: v.__setitem__(0, 1.0),
                                   lambda m, v: v.__iadd__(1)])
def test_expand_write_raises_like_torch(write, torch):
    for m in (torch, ember):
        with pytest.raises(RuntimeError):
            write(m, m.zeros(3, 1).expand(3, 4))


def test_contiguous_returns_self_when_contiguous():
    x = ember.ones(2, 3)
    assert x.contiguous() is x
    y = x.t().contiguous()
    assert y is not x and y.is_contiguous()


# ---- in-place forms on a non-leaf: values and gradients vs torch -----------------------------

INPLACE = [
    ("masked_fill_", lambda m, y, s: y.masked_fill_(m.tensor([True, False, True, False]), 2.0)),
    ("masked_fill_tensor_", lambda m, y, s: y.masked_fill_(m.tensor([[True], [False], [True]]), s.sum())),
    ("index_add_", lambda m, y, s: y.index_add_(1, m.tensor([0, 3]), s[:, :2], alpha=3)),
    ("index_copy_", lambda m, y, s: y.index_copy_(1, m.tensor([2, 0]), s[:, :2])),
    ("index_fill_", lambda m, y, s: y.index_fill_(0, m.tensor([1]), -1.5)),
    ("scatter_", lambda m, y, s: y.scatter_(1, m.tensor([[0, 1], [2, 3], [1, 0]]), s[:, :2])),
    ("scatter_value_", lambda m, y, s: y.scatter_(0, m.tensor([[0, 1, 2, 0]]), 4.0)),
    ("scatter_add_", lambda m, y, s: y.scatter_add_(1, m.tensor([[0, 0], [2, 3], [1, 1]]), s[:, :2])),
    ("scatter_reduce_", lambda m, y, s: y.scatter_reduce_(1, m.tensor([[0, 0], [2, 3], [1, 1]]), s[:, :2],
                                                          "amax")),
    ("masked_scatter_", lambda m, y, s: y.masked_scatter_(m.tensor([True, False, True, True]), s)),
    ("tril_", lambda m, y, s: y.tril_(1)),
    ("triu_", lambda m, y, s: y.triu_()),
    ("addmm_", lambda m, y, s: y.addmm_(s[:, :2], s[:2, :4], beta=2.0)),
    ("setitem_slice", lambda m, y, s: y.__setitem__((slice(None), 1), s[:, 0])),
    ("setitem_mask", lambda m, y, s: y.__setitem__(y > 0, 0.0)),
    ("setitem_adv", lambda m, y, s: y.__setitem__(([0, 2], [1, 3]), s[0, :2])),
    ("setitem_bcast", lambda m, y, s: y.__setitem__(slice(0, 2), s[0, :4])),
    ("copy_", lambda m, y, s: y.copy_(s)),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_on_nonleaf_matches_torch(name, fn, torch):
    rng = np.random.default_rng(3)
    xd = rng.standard_normal((3, 4)).astype(np.float32)
    sd = rng.standard_normal((3, 4)).astype(np.float32)
    cot = rng.standard_normal((3, 4)).astype(np.float32)
    res = []
    for m in (ember, torch):
        x = m.tensor(xd, requires_grad=True)
        s = m.tensor(sd, requires_grad=True)
        y = x * 2
        fn(m, y, s)
        (y * m.tensor(cot)).sum().backward()
        res.append((y.detach().numpy().copy(), np.zeros((3, 4)) if x.grad is None else x.grad.numpy().copy(),
                    None if s.grad is None else s.grad.numpy().copy(), y._version))
    (ey, ex, es, ev), (ty, tx, ts, tv) = res
    np.testing.assert_allclose(ey, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex + np.zeros_like(tx), tx, rtol=1e-5, atol=1e-6)
    if ts is None:
        assert es is None or not np.any(es)
    else:
        np.testing.assert_allclose(es, ts, rtol=1e-5, atol=1e-6)
    assert ev >= 1


@pytest.mark.parametrize("name,fn", [
    ("masked_fill_", lambda m, x: x.masked_fill_(m.tensor([True, False, True, False]), 2.0)),
    ("index_add_", lambda m, x: x.index_add_(0, m.tensor([0]), m.ones(1, 4))),
    ("tril_", lambda m, x: x.tril_()),
    ("setitem", lambda m, x: x.__setitem__(0, 1.0)),
])
def test_inplace_on_leaf_requiring_grad_raises(name, fn, torch):
    for m in (torch, ember):
        x = m.ones(3, 4, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            fn(m, x)
        with m.no_grad():
            fn(m, x)   # allowed without grad recording


def test_inplace_without_grad_gives_values(torch):
    for fn in (lambda m, x: x.index_fill_(1, m.tensor([0, 2]), 9.0), lambda m, x: x.tril_(-1),
               lambda m, x: x.scatter_add_(0, m.tensor([[2, 0, 1, 1]]), m.ones(1, 4))):
        e, t = ember.arange(12.0).reshape(3, 4), torch.arange(12.0).reshape(3, 4)
        assert fn(ember, e) is e
        fn(torch, t)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
        assert e._version == t._version == 1


# ---- version counter: saved tensors modified through views ------------------------------------

@pytest.mark.parametrize("write", [
    lambda v: v.fill_(5.0),
    lambda v: v.__setitem__(0, 5.0),
    lambda v: v.masked_fill_(v > 1e9, 0.0),
    lambda v: v.index_fill_(0, ember.tensor([0]), 1.0) if isinstance(v, ember.Tensor) else
    v.index_fill_(0, __import__("torch").tensor([0]), 1.0),
])
def test_saved_tensor_modified_through_view_raises(write, torch):
    for m in (torch, ember):
        a = m.ones(2, 3)              # saved by the product below
        w = m.ones(2, 3, requires_grad=True)
        out = (w * a).sum()
        write(a.view(6)[1:])          # a write through a view of the saved tensor bumps the shared version
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.backward()


def test_view_version_shared_and_base():
    x = ember.zeros(4, 4)
    v = x[1:3].t()
    assert v._version == x._version == 0
    v[0, 0] = 1.0
    assert x._version == 1 and x[1, 0].item() == 1.0


def test_inplace_on_view_of_grad_tensor_is_never_silently_wrong(torch):
    """Either the gradient equals torch's, or a RuntimeError is raised."""
    xd = np.arange(6, dtype=np.float32).reshape(2, 3)
    tx = torch.tensor(xd, requires_grad=True)
    ty = tx * 2
    ty[0].mul_(3) if hasattr(ty[0], "mul_") else None
    ty.sum().backward()
    ex = ember.tensor(xd, requires_grad=True)
    ey = ex * 2
    try:
        ey[0].fill_(3.0)
    except RuntimeError:
        return
    ey.sum().backward()
    tx2 = torch.tensor(xd, requires_grad=True)
    ty2 = tx2 * 2
    ty2[0].fill_(3.0)
    ty2.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx2.grad.numpy())


# ---- in-place writes through views of non-leaf tensors: gradients vs torch ----------------------

VIEW_OF = [
    ("row", lambda y: y[1]),
    ("col", lambda y: y[:, 2]),
    ("slice_step", lambda y: y[:, ::2]),
    ("transpose", lambda y: y.t()),
    ("view", lambda y: y.view(-1)),
    ("narrow_t", lambda y: y.t().narrow(0, 1, 2)),
    ("diagonal", lambda y: y.diagonal()),
    ("select_unsqueeze", lambda y: y.select(0, 2).unsqueeze(0)),
    ("chained", lambda y: y[1:].t()[::2]),
]

WRITES = [
    ("mul_", lambda m, v, s: v.mul_(3.0)),
    ("mul_tensor", lambda m, v, s: v.mul_(s.sum())),
    ("copy_", lambda m, v, s: v.copy_(s.sum() * m.ones_like(v))),
    ("fill_", lambda m, v, s: v.fill_(2.0)),
    ("setitem", lambda m, v, s: v.__setitem__(0, s.sum())),
    ("masked_fill_", lambda m, v, s: v.masked_fill_(v.detach() > 0, 0.5)),
    ("masked_fill_tensor", lambda m, v, s: v.masked_fill_(v.detach() > 0, s.sum())),
    ("index_add_", lambda m, v, s: v.index_add_(0, m.tensor([0]), s.sum().reshape([1] * v.dim()).expand(
        [1] + list(v.shape[1:])))),
    ("index_fill_", lambda m, v, s: v.index_fill_(-1, m.tensor([0]), -3.0)),
    ("tril_", lambda m, v, s: v.tril_() if v.dim() == 2 else v.mul_(2.0)),
    ("addmm_", lambda m, v, s: v.addmm_(m.ones(v.shape[0], 1) * s[0], m.ones(1, v.shape[1]) * s[1], beta=0.5)
     if v.dim() == 2 else v.addmv_(m.ones(v.shape[0], 2) * s[0], s[1:], alpha=2.0)),
    ("scatter_add_", lambda m, v, s: v.scatter_add_(-1, m.zeros([1] * v.dim(), dtype=m.int64),
                                                    s[:1].reshape([1] * v.dim()))),
    ("index_copy_", lambda m, v, s: v.index_copy_(0, m.tensor([0]), (v[:1] * s.sum()).detach() + s[:1].reshape(
        [1] * v.dim()))),
]


@pytest.mark.parametrize("wname,write", WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("vname,view", VIEW_OF, ids=[v[0] for v in VIEW_OF])
def test_inplace_through_view_of_nonleaf_matches_torch(vname, view, wname, write, torch):
    rng = np.random.default_rng(11)
    xd = rng.standard_normal((4, 4)).astype(np.float32)
    sd = rng.standard_normal(3).astype(np.float32)
    cot = rng.standard_normal((4, 4)).astype(np.float32)
    res = []
    for m in (torch, ember):
        x = m.tensor(xd, requires_grad=True)
        s = m.tensor(sd, requires_grad=True)
        y = x * 2.0
        v = view(y)
        write(m, v, s)
        z = (y * m.tensor(cot)).sum() + (v * v).sum()
        z.backward()
        res.append((y.detach().numpy().copy(), x.grad.numpy().copy(),
                    np.zeros(3, np.float32) if s.grad is None else s.grad.numpy().copy()))
    (ty, tx, ts), (ey, ex, es) = res
    np.testing.assert_allclose(ey, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex, tx, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(es, ts, rtol=1e-4, atol=1e-5)


def test_inplace_through_view_of_buffer_gives_grad(torch):
    res = []
    for m in (torch, ember):
        w = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        out = m.zeros(2, 3)
        out[0].copy_(w * 2)
        out[1].add_(w)
        (out * m.tensor([[1.0, 2, 3], [4, 5, 6]])).sum().backward()
        res.append(w.grad.numpy().copy())
    np.testing.assert_allclose(res[1], res[0])


def test_inplace_through_view_of_leaf_raises(torch):
    for m in (torch, ember):
        x = m.ones(3, 4, requires_grad=True)
        with pytest.raises(RuntimeError, match="view of a leaf Variable"):
            x[0].mul_(2)


@pytest.mark.parametrize("vname,view", VIEW_OF[:4], ids=[v[0] for v in VIEW_OF[:4]])
def test_inplace_through_view_of_saved_output_raises(vname, view, torch):
    for m in (torch, ember):
        x = m.ones(4, 4, requires_grad=True)
        y = x.exp()                       # Exp saves its output
        view(y).mul_(2.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


# ---- views taken before an in-place write read the new values: their gradient follows -----------

STALE = [
    ("base_mul_then_view", lambda m, y, s: (y.view(-1), y.mul_(s[0]))[0]),
    ("base_setitem_then_T", lambda m, y, s: (y.t(), y.__setitem__(1, s[:4]))[0]),
    ("sibling_overlap", lambda m, y, s: (y[:, 0], y[0].mul_(s[1]))[0]),
    ("sibling_disjoint", lambda m, y, s: (y[2:], y[:2].mul_(s[1]))[0]),
    ("view_of_view", lambda m, y, s: (y.t()[1:], y[1].add_(s[:4]))[0]),
    ("expanded", lambda m, y, s: (y[:1].expand(3, 4), y[0].mul_(s[2]))[0]),
    ("two_writes", lambda m, y, s: (y[:, 1], y[0].mul_(s[0]), y[:, 1:3].add_(s[1]))[0]),
    ("masked_fill_base", lambda m, y, s: (y.diagonal(), y.masked_fill_(y.detach() > 0, 1.0))[0]),
    ("index_add_base", lambda m, y, s: (y[1:3], y.index_add_(0, m.tensor([1, 1]), s[:4].expand(2, 4)))[0]),
]


@pytest.mark.parametrize("name,fn", STALE, ids=[c[0] for c in STALE])
def test_view_taken_before_inplace_write_matches_torch(name, fn, torch):
    rng = np.random.default_rng(5)
    xd = rng.standard_normal((4, 4)).astype(np.float32)
    sd = rng.standard_normal(4).astype(np.float32)
    res = []
    for m in (torch, ember):
        x = m.tensor(xd, requires_grad=True)
        s = m.tensor(sd, requires_grad=True)
        y = x * 2.0
        v = fn(m, y, s)
        cot = m.tensor(np.random.default_rng(9).standard_normal(tuple(v.shape)).astype(np.float32))
        ((v * cot).sum() + (y * y).sum()).backward()
        res.append((v.detach().numpy().copy(), x.grad.numpy().copy(),
                    np.zeros(4, np.float32) if s.grad is None else s.grad.numpy().copy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_consumer_before_write_keeps_old_graph(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2.0
        v = y[:2]
        before = v * 5.0          # uses the old values of v
        y.mul_(3.0)
        after = v * 7.0           # uses the new values of v
        (before.sum() + after.sum()).backward()
        res.append(x.grad.numpy().copy())
    np.testing.assert_allclose(res[1], res[0])


def test_regenerated_view_double_backward(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        v = y[1:]
        y.mul_(2.0)
        (g,) = m.autograd.grad((v ** 2).sum(), x, create_graph=True)
        (g2,) = m.autograd.grad(g.sum(), x)
        res.append((g.detach().numpy().copy(), g2.numpy().copy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-5)


@pytest.mark.parametrize("clone", [True, False])
def test_rnn_style_writes_into_a_buffer_match_torch(clone, torch):
    """out[:, t] = f(out[:, t - 1]). Without clone() the matmul saved a view that later writes bump:
    torch raises at backward, and so must we."""
    rng = np.random.default_rng(8)
    wd = rng.standard_normal((3, 3)).astype(np.float32) * 0.5
    xd = rng.standard_normal((2, 4, 3)).astype(np.float32)
    res = []
    for m in (torch, ember):
        w = m.tensor(wd, requires_grad=True)
        x = m.tensor(xd, requires_grad=True)
        out = m.zeros(2, 4, 3)
        out[:, 0] = x[:, 0].tanh()
        for t in range(1, 4):
            prev = out[:, t - 1].clone() if clone else out[:, t - 1]
            out[:, t] = (prev @ w + x[:, t]).tanh()
        loss = (out * m.tensor(np.arange(24, dtype=np.float32).reshape(2, 4, 3))).sum()
        if not clone:
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                loss.backward()
            continue
        loss.backward()
        res.append((out.detach().numpy().copy(), w.grad.numpy().copy(), x.grad.numpy().copy()))
    if clone:
        for a, b in zip(res[1], res[0]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# ---- copying shape kernels (rot90, index_fill, unbind, split): values and gradients -----------------------

def _r(*shape):
    return np.random.default_rng(len(shape) * 7 + shape[-1]).standard_normal(shape).astype(np.float32)


SHAPE_KERNELS = {
    "rot90_1": (lambda L, a: a.rot90(1, (0, 2)), (_r(2, 3, 4),)),
    "rot90_2": (lambda L, a: a.rot90(2), (_r(3, 4),)),
    "rot90_3": (lambda L, a: a.rot90(-1, (1, 0)), (_r(3, 4),)),
    "rot90_0": (lambda L, a: a.rot90(4), (_r(3, 4),)),
    "index_fill": (lambda L, a: a.index_fill(1, L.tensor(np.array([0, 2])), -1.0), (_r(3, 4),)),
    "unbind_sum": (lambda L, a: a.unbind(1)[2] * 2 + a.unbind(1)[0], (_r(3, 4),)),
    "split_sizes": (lambda L, a: a.split([1, 3], 1)[1], (_r(3, 4),)),
}


@pytest.mark.parametrize("name", list(SHAPE_KERNELS))
def test_shape_kernels_match_torch(torch, name):
    f, arrays = SHAPE_KERNELS[name]
    check(torch, lambda *a: f(ember, *a), lambda *a: f(torch, *a), arrays, rtol=1e-5, atol=1e-5, grad_atol=1e-5)


def test_rot90_layout_and_no_alias(torch):
    x = ember.tensor(_r(3, 4))
    y = x.rot90()
    assert y.stride() == torch.tensor(_r(3, 4)).rot90().stride()
    y[0, 0] = 100.0                                  # a copy: x is untouched
    assert float(x.abs().max()) < 100


# ---- fills and writes through expand()ed tensors ------------------------------------------------------

EXPAND_WRITES = {
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


@pytest.mark.parametrize("name", list(EXPAND_WRITES))
def test_write_through_expand_matches_torch(same, name):
    def f(L):
        base = L.zeros(3)
        EXPAND_WRITES[name](L, base.expand(2, 3))
        return base
    same(f, rtol=0, atol=0, exc="same")


# ---- copy_/fill_ give the overwritten value a zero gradient -------------------------------------------

OVERWRITES = {
    "copy_": lambda L, y: y.copy_(L.zeros(3)),
    "copy_twice": lambda L, y: y.copy_(L.zeros(3)).copy_(L.ones(3)),
    "fill_": lambda L, y: y.fill_(3.0),
    "zero_": lambda L, y: y.zero_(),
    "fill_tensor": lambda L, y: y.fill_(L.tensor(2.0)),
    "slice_copy_": lambda L, y: y[:2].copy_(L.zeros(2)),
}


@pytest.mark.parametrize("name", list(OVERWRITES))
def test_overwritten_value_gets_zero_grad(same, name):
    def f(L):
        x = L.ones(3, requires_grad=True)
        y = x * 2
        OVERWRITES[name](L, y)
        y.sum().backward()
        return y.grad_fn.name(), x.grad
    same(f, rtol=0, atol=0)


def test_fill_with_grad_requiring_value(same):
    def f(L):
        x = L.ones(3, requires_grad=True)
        v = L.tensor(2.0, requires_grad=True)
        y = x * 2
        y.fill_(v)
        (y * L.tensor([1.0, 2.0, 3.0])).sum().backward()
        return y.grad_fn.name(), x.grad, v.grad
    same(f, rtol=0, atol=0)


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
    return v.grad_fn.name(), v.requires_grad, w.grad


@pytest.mark.parametrize("k", ["copy_", "mul_", "add_", "setitem", "sibling_copy_", "addmm_", "untouched_region"])
def test_view_taken_before_first_recorded_write(same, k):
    same(lambda L: _stale(L, k), rtol=1e-7, atol=0)
