"""grad_fn names against torch (`y.grad_fn.name()`): arithmetic, unary, reduction and math ops; shape, view,
indexing and linalg ops."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from oracle import run_both

_NAMES = [
    "x + y", "x + 2", "x - y", "x - 2", "2 - x", "torch.rsub(x, 2)", "torch.rsub(x, y)", "x * y", "x * 2",
    "x / y", "x / 2", "2 / x", "-x", "x.exp()", "x.log()", "x.sqrt()", "x.tanh()", "x.sigmoid()", "x.relu()",
    "x.abs()", "x ** 2", "x ** 2.5", "x ** y", "2 ** x", "x.pow(torch.tensor(2.))", "torch.pow(2., x)",
    "x.square()", "x.reciprocal()", "x.sum()", "x.sum(0)", "x.sum((0, 1))", "x.mean()", "x.mean(1)",
    "x.prod()", "x.prod(0)", "x.max()", "x.min()", "x.max(0)[0]", "x.amax(0)", "torch.maximum(x, y)",
    "x.var()", "x.std(0)", "x.logsumexp(0)", "x.norm()", "x.cumsum(0)", "x.cumprod(0)", "x.clone()",
    "x.to(torch.float64)", "x.double()", "x.clamp(0, 1)", "x.clamp(min=y)", "torch.where(x > 1, x, y)",
    "x.log1p()", "x % 2", "x % y", "x.fmod(2)", "x.fmod(y)", "torch.lerp(x, y, 0.5)", "torch.lerp(x, y, y)",
    "torch.xlogy(x, y)", "torch.xlogy(2, x)", "torch.xlogy(x, 2)", "torch.copysign(x, y)",
    "torch.copysign(x, 2.)", "x.sgn()", "x.erfinv()", "x.median()", "x.nanmedian()", "x.cummax(0)[0]",
    "x.div(y, rounding_mode='floor')", "x.softmax(0)", "x.log_softmax(1)", "x.addcmul(y, y)",
    "torch.addcdiv(x, y, y, value=0.5)", "x.clamp_min(0.5)", "torch.clamp_max(x, 0.5)", "x.round(decimals=1)",
    "x.round()", "x.deg2rad()", "torch.rad2deg(x)",
]


def _math_leaves(L):
    rng = np.random.default_rng(0)
    x = L.tensor(rng.uniform(0.1, 0.9, (3, 3)).astype(np.float32), requires_grad=True) * 1
    y = L.tensor(rng.uniform(0.5, 2.0, (3, 3)).astype(np.float32), requires_grad=True) * 1
    return x, y


@pytest.mark.parametrize("code", _NAMES)
def test_grad_fn_names_match_torch(torch, code):
    def name(L):
        x, y = _math_leaves(L)
        return eval(code, {"torch": L, "x": x, "y": y}).grad_fn.name()
    run_both(torch, name)


# ---- shape, view, indexing and linalg ops -------------------------------------------------------------

_rng = np.random.default_rng(0)
A = _rng.standard_normal((4, 4)).astype(np.float32)
V = _rng.standard_normal(4).astype(np.float32)
B3 = _rng.standard_normal((2, 4, 4)).astype(np.float32)
MASK = A > 0
IDX = np.array([0, 2, 1])
Z41 = np.zeros((4, 1), dtype=np.int64)


def _i(L, a):
    return L.tensor(a)


# expression(L, x, v, b) -> a tensor whose grad_fn.name() must equal torch's
def _setitem(y, key, value):
    y[key] = value
    return y


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
def test_shape_grad_fn_names_match_torch(torch, name):
    run_both(torch, lambda L: NAMES[name](L, *_leaves(L)).grad_fn.name())


def test_shrink_activations_are_one_node_with_torchs_name(torch):
    """hardshrink/softshrink: one node named as torch's, and softshrink keeps the sign of a zeroed negative."""
    x0 = np.array([-1.3, -0.5, -0.2, 0.0, 0.5, 0.6], np.float32)
    for name in ("hardshrink", "softshrink"):
        t = getattr(torch.nn.functional, name)(torch.tensor(x0, requires_grad=True), 0.5)
        e = getattr(ember.nn.functional, name)(ember.tensor(x0, requires_grad=True), 0.5)
        assert e.grad_fn.name() == type(t.grad_fn).__name__
        np.testing.assert_array_equal(np.signbit(e.detach().numpy()), np.signbit(t.detach().numpy()))


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("nd", [3, 4, 5])
def test_reflect_and_replicate_pads_name_their_nodes_as_torch(torch, mode, nd):
    """One node per pad, torch's name per padded rank; the gradient under create_graph stays in the graph as
    torch's does (its backward takes the input), so a second grad is zeros, not an error."""
    names, seconds = [], []
    for L in (torch, ember):
        x = L.ones(*([1, 1] + [3] * (nd - 2)), requires_grad=True)
        y = L.nn.functional.pad(x, (1, 2) * (nd - 2), mode=mode)
        names.append(type(y.grad_fn).__name__ if L is torch else y.grad_fn.name())
        (g,) = L.autograd.grad(y.sum(), x, create_graph=True)
        (g2,) = L.autograd.grad(g.sum(), x)
        seconds.append(g2.numpy())
    assert names[0] == names[1]
    np.testing.assert_array_equal(seconds[1], seconds[0])
