"""The shape/indexing/linear-algebra op table: each Spec drives the oracle, gradient and gradcheck tests.

`fn(m, *tensors)` is written once and called with m = ember and m = torch. Float arrays in a sample
become tensors that require grad (when the spec is differentiable); integer and bool arrays become
plain index/mask tensors. Decompositions are wrapped in gauge-invariant functions (eigenvector and
singular-vector signs are not unique).
"""
from __future__ import annotations

import numpy as np

_rng = np.random.default_rng(1234)


def r(*shape):
    return _rng.standard_normal(shape).astype(np.float32)


def ix(*vals):
    return np.array(vals, dtype=np.int64)


def rix(high, shape):
    return _rng.integers(0, high, size=shape).astype(np.int64)


def mask(*shape):
    return _rng.random(shape) > 0.5


def spd(m, a):
    n = a.shape[-1]
    return a @ a.mT + m.eye(n, dtype=a.dtype) * n


def sym(m, a):
    return a + a.mT


class Spec:
    """`gradgrad`: also compare a double backward (create_graph=True) with torch's. `bugs`: {test id: reason}
    for the cases that show a known ember bug (strict xfails)."""
    def __init__(self, name, fn, samples, grad=True, gradcheck=True, atol=1e-5, rtol=1e-5, gradgrad=False,
                 bugs=None):
        self.name, self.fn, self.samples = name, fn, samples
        self.grad, self.gradcheck, self.atol, self.rtol = grad, gradcheck, atol, rtol
        self.gradgrad, self.bugs = gradgrad, bugs or {}

    def __repr__(self):
        return self.name


def _x():
    return r(3, 4)


def setitem(x, key, value):
    """`x[key] = value` on a copy of x (a non-leaf), which is returned."""
    y = x * 1
    y[key] = value
    return y


def write_view(x, s):
    """A write through a view: the base and the written view (whose node becomes AsStrided) both returned."""
    y = x * 1
    v = y[1:]
    v.mul_(s)
    return y, v


def view_then_write(x, s):
    """A view taken before its base is written: it reads the new values and its node is re-derived."""
    y = x * 1
    w = y[:, 1]
    y.mul_(s)
    return w


SPECS = [
    # ---- views and reshapes ----
    Spec("view", lambda m, x: x.view(4, 3), [(r(3, 4),), ]),
    Spec("view_infer", lambda m, x: x.view(-1, 2), [(r(3, 4),)]),
    Spec("view_as", lambda m, x, y: x.view_as(y), [(r(2, 6), r(3, 4))]),
    Spec("reshape_T", lambda m, x: x.t().reshape(12), [(r(3, 4),)]),
    Spec("reshape_as", lambda m, x, y: x.reshape_as(y), [(r(2, 6), r(4, 3))]),
    Spec("reshape_0d", lambda m, x: x.reshape(1, 1), [(r(),)]),
    Spec("reshape_empty", lambda m, x: x.reshape(2, 0, 3), [(r(0, 6),)], gradcheck=False),
    Spec("flatten", lambda m, x: m.flatten(x, 1), [(r(2, 3, 4),)]),
    Spec("flatten_neg", lambda m, x: x.flatten(-3, -2), [(r(2, 3, 4),)]),
    Spec("flatten_0d", lambda m, x: x.flatten(), [(r(),)]),
    Spec("unflatten", lambda m, x: x.unflatten(1, (2, -1)), [(r(3, 4),)]),
    Spec("squeeze", lambda m, x: x.squeeze(), [(r(1, 3, 1),)]),
    Spec("squeeze_dim", lambda m, x: m.squeeze(x, -1), [(r(1, 3, 1),)]),
    Spec("squeeze_dims", lambda m, x: x.squeeze((0, 1)), [(r(1, 3, 1),)]),
    Spec("unsqueeze", lambda m, x: m.unsqueeze(x, -1), [(r(3, 4),), (r(),)]),
    Spec("permute", lambda m, x: x.permute(2, 0, 1), [(r(2, 3, 4),)]),
    Spec("permute_fn", lambda m, x: m.permute(x, (-1, 0, 1)), [(r(2, 3, 4),)]),
    Spec("transpose", lambda m, x: m.transpose(x, 0, -1), [(r(2, 3, 4),)]),
    Spec("swapaxes", lambda m, x: x.swapaxes(1, 2), [(r(2, 3, 4),)]),
    Spec("movedim", lambda m, x: m.movedim(x, (0, 1), (2, 0)), [(r(2, 3, 4),)]),
    Spec("movedim_int", lambda m, x: x.movedim(-1, 0), [(r(2, 3, 4),)]),
    Spec("t", lambda m, x: x.t(), [(r(3, 4),), (r(3),)]),
    Spec("mT", lambda m, x: x.mT, [(r(2, 3, 4),)]),
    Spec("T", lambda m, x: x.T, [(r(3, 4),)]),
    Spec("expand", lambda m, x: x.expand(2, 3, 4), [(r(3, 1),)]),
    Spec("expand_neg1", lambda m, x: x.expand(-1, 5), [(r(3, 1),)]),
    Spec("expand_as", lambda m, x, y: x.expand_as(y), [(r(1, 4), r(3, 4))]),
    Spec("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)), [(r(4),)]),
    Spec("broadcast_tensors", lambda m, x, y: m.broadcast_tensors(x, y), [(r(3, 1), r(1, 4))]),
    Spec("contiguous", lambda m, x: x.t().contiguous(), [(r(3, 4),)]),
    Spec("clone", lambda m, x: m.clone(x), [(r(3, 4),)]),
    # ---- repetition ----
    Spec("repeat", lambda m, x: x.repeat(2, 1, 3), [(r(3, 2),)]),
    Spec("repeat_0d", lambda m, x: x.repeat(3), [(r(),)]),
    Spec("tile", lambda m, x: m.tile(x, (2,)), [(r(3, 2),)]),
    Spec("repeat_interleave", lambda m, x: x.repeat_interleave(2, dim=1), [(r(3, 2),)]),
    Spec("repeat_interleave_flat", lambda m, x: m.repeat_interleave(x, 3), [(r(2, 2),)]),
    Spec("repeat_interleave_t", lambda m, x, k: x.repeat_interleave(k, dim=0), [(r(3, 2), ix(1, 0, 2))]),
    # ---- joining / splitting ----
    Spec("cat", lambda m, x, y: m.cat([x, y], 1), [(r(2, 3), r(2, 4))]),
    Spec("cat_neg", lambda m, x, y, z: m.cat((x, y, z), -2), [(r(2, 3), r(1, 3), r(0, 3))]),
    Spec("cat_legacy_empty", lambda m, x, y: m.cat([x, y]), [(r(2, 3), r(0))]),
    Spec("concat", lambda m, x, y: m.concat([x, y]), [(r(2, 3), r(1, 3))]),
    Spec("stack", lambda m, x, y: m.stack([x, y], 1), [(r(2, 3), r(2, 3))]),
    Spec("stack_neg", lambda m, x, y: m.stack([x, y], -1), [(r(2, 3), r(2, 3)), (r(), r())]),
    Spec("hstack", lambda m, x, y: m.hstack([x, y]), [(r(2, 3), r(2, 1)), (r(3), r(2))]),
    Spec("vstack", lambda m, x, y: m.vstack([x, y]), [(r(3), r(3)), (r(2, 3), r(1, 3))]),
    Spec("dstack", lambda m, x, y: m.dstack([x, y]), [(r(2, 3), r(2, 3))]),
    Spec("column_stack", lambda m, x, y: m.column_stack([x, y]), [(r(3), r(3, 2))]),
    Spec("split", lambda m, x: x.split(2, 1), [(r(3, 5),)]),
    Spec("split_sizes", lambda m, x: m.split(x, [1, 3, 1], -1), [(r(3, 5),)]),
    Spec("split_with_sizes", lambda m, x: m.split_with_sizes(x, [1, 3, 1], -1), [(r(3, 5),)]),
    Spec("split_with_sizes_m", lambda m, x: x.split_with_sizes([2, 1]), [(r(3, 5),)]),
    Spec("chunk", lambda m, x: x.chunk(3), [(r(5, 2),), (r(6, 2),), (r(2, 2),)]),
    Spec("tensor_split", lambda m, x: m.tensor_split(x, 3, dim=1), [(r(2, 7),)]),
    Spec("tensor_split_idx", lambda m, x: x.tensor_split([1, 4, 10]), [(r(6, 2),)]),
    Spec("unbind", lambda m, x: m.unbind(x, 1), [(r(2, 3),)]),
    Spec("narrow", lambda m, x: x.narrow(1, 1, 2), [(r(3, 4),)]),
    Spec("narrow_neg", lambda m, x: m.narrow(x, -1, -3, 2), [(r(3, 4),)]),
    Spec("select", lambda m, x: x.select(1, -1), [(r(3, 4),)]),
    # ---- reordering ----
    Spec("flip", lambda m, x: x.flip(0, 2), [(r(2, 3, 4),)]),
    Spec("flip_fn", lambda m, x: m.flip(x, [-1]), [(r(2, 3),)]),
    Spec("fliplr", lambda m, x: m.fliplr(x), [(r(2, 3),)]),
    Spec("flipud", lambda m, x: x.flipud(), [(r(2, 3),)]),
    Spec("roll", lambda m, x: x.roll(1, 0), [(r(3, 4),)]),
    Spec("roll_multi", lambda m, x: m.roll(x, (1, -2), (0, 1)), [(r(3, 4),)]),
    Spec("roll_flat", lambda m, x: x.roll(5), [(r(3, 4),)]),
    Spec("rot90", lambda m, x: m.rot90(x), [(r(2, 3),)]),
    Spec("rot90_k", lambda m, x: x.rot90(-1, (1, 2)), [(r(2, 3, 4),)]),
    Spec("rot90_k2", lambda m, x: x.rot90(2, (0, 1)), [(r(2, 3),)]),
    # ---- diagonals and triangles ----
    Spec("diag_1d", lambda m, x: m.diag(x, 1), [(r(3),)]),
    Spec("diag_2d", lambda m, x: x.diag(-1), [(r(3, 4),)]),
    Spec("diagonal", lambda m, x: m.diagonal(x, 1, 0, 2), [(r(3, 2, 4),)]),
    Spec("diagonal_neg", lambda m, x: x.diagonal(-1, -1, -2), [(r(2, 3, 4),)]),
    Spec("diag_embed", lambda m, x: m.diag_embed(x), [(r(2, 3),)]),
    Spec("diag_embed_off", lambda m, x: x.diag_embed(-1, 0, 2), [(r(2, 3),)]),
    Spec("diagflat", lambda m, x: m.diagflat(x), [(r(2, 2),)]),
    Spec("tril", lambda m, x: m.tril(x), [(r(3, 4),), (r(2, 3, 3),)]),
    Spec("triu_k", lambda m, x: x.triu(1), [(r(3, 4),), (r(2, 4, 3),)]),
    Spec("tril_k", lambda m, x: x.tril(-1), [(r(4, 3),)]),
    Spec("trace", lambda m, x: m.trace(x), [(r(3, 4),)]),
    Spec("unfold", lambda m, x: x.unfold(1, 3, 2), [(r(2, 7),)]),
    Spec("as_strided", lambda m, x: x.as_strided((3, 2), (3, 1), 1), [(r(3, 4),)]),
    Spec("as_strided_overlap", lambda m, x: m.as_strided(x, (4, 3), (2, 1)), [(r(12),)]),
    Spec("unfold_overlap", lambda m, x: x.unfold(0, 3, 1), [(r(6, 2),)]),
    Spec("meshgrid_ij", lambda m, x, y: m.meshgrid(x, y, indexing="ij"), [(r(3), r(4))]),
    Spec("meshgrid_xy", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="xy"), [(r(3), r(4), r(2))]),
    # ---- gather / scatter / index ----
    Spec("gather", lambda m, x, i: x.gather(1, i), [(r(3, 4), rix(4, (3, 5))), (r(3, 4), rix(3, (2, 2)))]),
    Spec("gather_dim0", lambda m, x, i: m.gather(x, 0, i), [(r(3, 4), rix(3, (4, 4)))]),
    Spec("take_along_dim", lambda m, x, i: m.take_along_dim(x, i, 1), [(r(3, 4), rix(4, (3, 2))),
                                                                        (r(3, 4), rix(4, (1, 2)))]),
    Spec("take_along_dim_flat", lambda m, x, i: x.take_along_dim(i), [(r(3, 4), rix(12, (5,)))]),
    Spec("scatter", lambda m, x, i, s: x.scatter(1, i, s), [(r(3, 4), ix(*[[0, 2], [1, 3], [3, 0]]), r(3, 2))]),
    Spec("scatter_value", lambda m, x, i: x.scatter(0, i, 1.5), [(r(3, 4), ix(*[[0, 2, 1, 0]]))]),
    Spec("scatter_add", lambda m, x, i, s: m.scatter_add(x, 1, i, s), [(r(3, 4), rix(4, (3, 5)), r(3, 5))]),
    Spec("scatter_add_dim0", lambda m, x, i, s: x.scatter_add(0, i, s), [(r(3, 4), rix(3, (5, 4)), r(5, 4))]),
    Spec("scatter_reduce_sum", lambda m, x, i, s: x.scatter_reduce(0, i, s, "sum"),
         [(r(4), ix(0, 1, 0, 1, 2), r(5))]),
    Spec("scatter_reduce_sum_noself", lambda m, x, i, s: x.scatter_reduce(0, i, s, "sum", include_self=False),
         [(r(4), ix(0, 1, 0, 1, 2), r(5))]),
    Spec("scatter_reduce_mean", lambda m, x, i, s: x.scatter_reduce(1, i, s, "mean"),
         [(r(2, 4), rix(4, (2, 6)), r(2, 6))]),
    Spec("scatter_reduce_mean_noself", lambda m, x, i, s: x.scatter_reduce(1, i, s, "mean", include_self=False),
         [(r(2, 4), rix(4, (2, 6)), r(2, 6))]),
    Spec("scatter_reduce_amax", lambda m, x, i, s: x.scatter_reduce(0, i, s, "amax"),
         [(r(4), ix(0, 1, 0, 1, 2), r(5))]),
    Spec("scatter_reduce_amin_noself", lambda m, x, i, s: x.scatter_reduce(0, i, s, "amin", include_self=False),
         [(r(4), ix(0, 1, 0, 1, 2), r(5))]),
    Spec("scatter_reduce_prod", lambda m, x, i, s: x.scatter_reduce(0, i, s, "prod"),
         [(r(4), ix(0, 1, 0, 1, 2), r(5))]),
    Spec("index_select", lambda m, x, i: m.index_select(x, 1, i), [(r(3, 4), ix(0, 3, 3, 1))]),
    Spec("index_select_0d_idx", lambda m, x, i: x.index_select(0, i), [(r(3, 4), np.array(2))]),
    Spec("index_add", lambda m, x, i, s: x.index_add(1, i, s, alpha=2.0), [(r(3, 4), ix(0, 3, 0), r(3, 3))]),
    Spec("index_copy", lambda m, x, i, s: m.index_copy(x, 0, i, s), [(r(4, 2), ix(3, 1), r(2, 2))]),
    Spec("index_fill", lambda m, x, i: x.index_fill(1, i, -1.0), [(r(3, 4), ix(0, 2)), (r(3, 4), ix(-1, 1))]),
    Spec("take_along_dim_neg", lambda m, x, i: x.take_along_dim(i, 0), [(r(3, 4), ix(*[[-1, 0, -3, 2]]))]),
    Spec("masked_fill", lambda m, x, k: x.masked_fill(k, 0.5), [(r(3, 4), mask(3, 4)), (r(3, 4), mask(4))]),
    Spec("masked_fill_tensor", lambda m, x, k, v: m.masked_fill(x, k, v.sum()), [(r(3, 4), mask(3, 4), r(2))]),
    Spec("masked_select", lambda m, x, k: x.masked_select(k), [(r(3, 4), mask(3, 4)), (r(3, 1), mask(4))]),
    Spec("masked_scatter", lambda m, x, k, s: x.masked_scatter(k, s), [(r(3, 4), mask(3, 4), r(13))]),
    Spec("take", lambda m, x, i: m.take(x, i), [(r(3, 4), ix(*[[0, 11], [-1, 5]]))]),
    Spec("nonzero", lambda m, x: (x > 0).nonzero(), [(r(3, 4),), (r(),)], grad=False),
    Spec("nonzero_tuple", lambda m, x: m.nonzero(x > 0, as_tuple=True), [(r(3, 4),)], grad=False),
    Spec("argwhere", lambda m, x: m.argwhere(x > 0), [(r(2, 3),)], grad=False),
    Spec("tril_indices", lambda m, x: m.tril_indices(3, 4, 1), [(r(1),)], grad=False),
    Spec("triu_indices", lambda m, x: m.triu_indices(4, 3, -1), [(r(1),)], grad=False),
    Spec("index_put", lambda m, x, i, j, v: x.index_put((i, j), v), [(r(3, 4), ix(0, 2), ix(1, 3), r(2)),
                                                                     (r(3, 4), ix(0, 2), ix(1, 3), r(1))]),
    Spec("index_put_acc", lambda m, x, i, v: m.index_put(x, (i,), v, accumulate=True),
         [(r(3, 4), ix(0, 2, 0), r(3, 4)), (r(3, 4), ix(1, 1), r(4))]),
    Spec("index_put_mask", lambda m, x, k, v: x.index_put((k,), v), [(r(3, 4), mask(3, 4), r())]),
    Spec("select_scatter", lambda m, x, s: m.select_scatter(x, s, 1, 2), [(r(3, 4), r(3))]),
    Spec("slice_scatter", lambda m, x, s: m.slice_scatter(x, s, 1, 0, 4, 2), [(r(3, 4), r(3, 2))]),
    Spec("diagonal_scatter", lambda m, x, s: x.diagonal_scatter(s, 1), [(r(3, 4), r(3))]),
    Spec("block_diag", lambda m, x, y, z: m.block_diag(x, y, z), [(r(2, 3), r(3), r())]),
    Spec("cartesian_prod", lambda m, x, y: m.cartesian_prod(x, y), [(r(3), r(2))]),
    Spec("combinations", lambda m, x: m.combinations(x, 2), [(r(4),)]),
    Spec("combinations_rep", lambda m, x: m.combinations(x, 3, with_replacement=True), [(r(3),)]),
    Spec("put", lambda m, x, i, s: x.put(i, s, accumulate=True), [(r(3, 4), ix(0, 5, 5, -1), r(4))]),
    Spec("put_", lambda m, x, i, s: (x * 1).put_(i, s), [(r(3, 4), ix(0, 5, 11), r(3))]),
    Spec("put_fn", lambda m, x, i, s: m.put(x, i, s), [(r(3, 4), ix(0, 5, -2), r(3))]),
    Spec("index_put__fn", lambda m, x, i, v: m.index_put_(x * 1, (i,), v, accumulate=True),
         [(r(3, 4), ix(0, 2, 0), r(4))]),
    Spec("as_strided_", lambda m, x: m.as_strided_(x * 1, (2, 3), (1, 2), 1), [(r(3, 4),)]),
    Spec("adjoint", lambda m, x: m.adjoint(x), [(r(2, 3, 4),)]),
    Spec("adjoint_m", lambda m, x: x.adjoint(), [(r(3, 4),)]),
    Spec("squeeze_", lambda m, x: (x * 1).squeeze_(1), [(r(3, 1, 2),)]),
    Spec("unsqueeze_", lambda m, x: (x * 1).unsqueeze_(-1), [(r(3, 2),)]),
    Spec("t_", lambda m, x: (x * 1).t_(), [(r(3, 2),)]),
    Spec("transpose_", lambda m, x: (x * 1).transpose_(0, 2), [(r(3, 2, 4),)]),
    Spec("narrow_copy", lambda m, x: x.narrow_copy(1, 1, 2), [(r(3, 4),)]),
    Spec("dsplit", lambda m, x: m.dsplit(x, 2), [(r(1, 2, 4),)]),
    Spec("addr_", lambda m, b, x, y: (b * 1).addr_(x, y, beta=0.5), [(r(3, 4), r(3), r(4))]),
    Spec("addbmm_", lambda m, b, x, y: (b * 1).addbmm_(x, y, alpha=2), [(r(3, 4), r(2, 3, 2), r(2, 2, 4))]),
    # ---- __getitem__ ----
    Spec("getitem_int", lambda m, x: x[1], [(r(3, 4),)]),
    Spec("getitem_neg", lambda m, x: x[-1, -2], [(r(3, 4),)]),
    Spec("getitem_slice_step", lambda m, x: x[::2, 1::2], [(r(5, 6),)]),
    Spec("getitem_none_ell", lambda m, x: x[None, ..., 1, None], [(r(2, 3, 4),)]),
    Spec("getitem_list", lambda m, x: x[[0, 2, 2]], [(r(3, 4),)]),
    Spec("getitem_tensor", lambda m, x, i: x[:, i], [(r(3, 4), ix(*[[0, 1], [3, 3]]))]),
    Spec("getitem_two_adv", lambda m, x, i, j: x[i, :, j], [(r(3, 4, 5), ix(0, 2, 2), ix(1, 4, 4))]),
    Spec("getitem_adv_split", lambda m, x, i, j: x[i, 1:3, j], [(r(3, 4, 5), ix(0, 2), ix(1, 4))]),
    Spec("getitem_mask", lambda m, x, k: x[k], [(r(3, 4), mask(3, 4)), (r(3, 4), mask(3))]),
    Spec("getitem_mask_mid", lambda m, x, k: x[:, k], [(r(3, 4, 2), mask(4))]),
    Spec("getitem_tensor_0d", lambda m, x, i: x[i], [(r(3, 4), np.array(1))]),
    # ---- products ----
    Spec("matmul_2d", lambda m, x, y: x @ y, [(r(3, 4), r(4, 5))]),
    Spec("matmul_1d_1d", lambda m, x, y: m.matmul(x, y), [(r(4), r(4))]),
    Spec("matmul_1d_nd", lambda m, x, y: x @ y, [(r(4), r(2, 4, 3))]),
    Spec("matmul_nd_1d", lambda m, x, y: x @ y, [(r(2, 3, 4), r(4))]),
    Spec("matmul_bcast", lambda m, x, y: x @ y, [(r(2, 1, 3, 4), r(5, 4, 2)), (r(2, 3, 4), r(4, 5))]),
    Spec("mm", lambda m, x, y: m.mm(x, y), [(r(3, 4), r(4, 2))]),
    Spec("bmm", lambda m, x, y: x.bmm(y), [(r(2, 3, 4), r(2, 4, 2))]),
    Spec("mv", lambda m, x, y: m.mv(x, y), [(r(3, 4), r(4))]),
    Spec("dot", lambda m, x, y: m.dot(x, y), [(r(4), r(4))]),
    Spec("vdot", lambda m, x, y: x.vdot(y), [(r(4), r(4))]),
    Spec("inner", lambda m, x, y: m.inner(x, y), [(r(2, 4), r(3, 4))]),
    Spec("outer", lambda m, x, y: m.outer(x, y), [(r(3), r(4))]),
    Spec("addmm", lambda m, b, x, y: m.addmm(b, x, y, beta=0.5, alpha=2.0), [(r(4), r(3, 2), r(2, 4))]),
    Spec("addmm_default", lambda m, b, x, y: b.addmm(x, y), [(r(3, 4), r(3, 2), r(2, 4))]),
    Spec("addmv", lambda m, b, x, y: m.addmv(b, x, y, alpha=-1), [(r(3), r(3, 2), r(2))]),
    Spec("baddbmm", lambda m, b, x, y: m.baddbmm(b, x, y, beta=2), [(r(1, 3, 4), r(2, 3, 2), r(2, 2, 4))]),
    Spec("addbmm", lambda m, b, x, y: m.addbmm(b, x, y), [(r(3, 4), r(2, 3, 2), r(2, 2, 4))]),
    Spec("addr", lambda m, b, x, y: m.addr(b, x, y), [(r(3, 4), r(3), r(4))]),
    Spec("einsum_mm", lambda m, x, y: m.einsum("ij,jk->ik", x, y), [(r(3, 4), r(4, 2))]),
    Spec("einsum_implicit", lambda m, x, y: m.einsum("bj,ja", x, y), [(r(3, 4), r(4, 2))]),
    Spec("einsum_batch_ell", lambda m, x, y: m.einsum("...ij,...jk", x, y), [(r(2, 3, 4), r(1, 4, 2))]),
    Spec("einsum_trace", lambda m, x: m.einsum("ii", x), [(r(3, 3),)]),
    Spec("einsum_diag", lambda m, x: m.einsum("ii->i", x), [(r(3, 3),)]),
    Spec("einsum_sum_only", lambda m, x, y: m.einsum("ij,k->j", x, y), [(r(3, 4), r(2))]),
    Spec("einsum_three", lambda m, x, y, z: m.einsum("ij,jk,kl->il", x, y, z), [(r(2, 3), r(3, 4), r(4, 2))]),
    Spec("einsum_list", lambda m, x, y: m.einsum("i,j->ij", [x, y]), [(r(3), r(2))]),
    Spec("einsum_outer_bcast", lambda m, x, y: m.einsum("ij,ij->i", x, y), [(r(1, 3), r(4, 3))]),
    Spec("tensordot_int", lambda m, x, y: m.tensordot(x, y, 2), [(r(2, 3, 4), r(3, 4, 5))]),
    Spec("tensordot_lists", lambda m, x, y: m.tensordot(x, y, dims=([0, 2], [1, 0])), [(r(4, 3, 2), r(2, 4, 5))]),
    Spec("kron", lambda m, x, y: m.kron(x, y), [(r(2, 3), r(2, 2)), (r(2, 2), r(3))]),
    Spec("cross", lambda m, x, y: m.cross(x, y, dim=1), [(r(4, 3), r(4, 3))]),
    Spec("linalg_cross", lambda m, x, y: m.linalg.cross(x, y), [(r(4, 3), r(1, 3))]),
    Spec("cdist", lambda m, x, y: m.cdist(x, y), [(r(4, 3), r(5, 3)), (r(2, 4, 3), r(2, 5, 3))]),
    Spec("cdist_p1", lambda m, x, y: m.cdist(x, y, p=1.0), [(r(4, 3), r(5, 3))]),
    Spec("cdist_p3", lambda m, x, y: m.cdist(x, y, p=3.0), [(r(4, 3), r(5, 3))]),
    Spec("cdist_inf", lambda m, x, y: m.cdist(x, y, p=float("inf")), [(r(4, 3), r(5, 3))]),
    # ---- linalg ----
    Spec("inv", lambda m, x: m.linalg.inv(spd(m, x)), [(r(3, 3),), (r(2, 3, 3),)], atol=1e-4, rtol=1e-4),
    Spec("inverse", lambda m, x: x.inverse(), [(r(3, 3) + 3 * np.eye(3, dtype=np.float32),)], atol=1e-4,
         rtol=1e-4),
    Spec("det", lambda m, x: m.linalg.det(x), [(r(3, 3),), (r(2, 2, 2),)], atol=1e-4, rtol=1e-4),
    Spec("det_method", lambda m, x: x.det(), [(r(4, 4),)], atol=1e-4, rtol=1e-4),
    Spec("slogdet", lambda m, x: m.linalg.slogdet(x), [(r(3, 3),), (r(2, 3, 3),)], atol=1e-4, rtol=1e-4),
    Spec("logdet", lambda m, x: m.logdet(spd(m, x)), [(r(3, 3),)], atol=1e-4, rtol=1e-4),
    Spec("solve", lambda m, a, b: m.linalg.solve(spd(m, a), b), [(r(3, 3), r(3)), (r(3, 3), r(2, 3, 2)),
                                                                 (r(2, 3, 3), r(2, 3))], atol=1e-4, rtol=1e-4),
    Spec("solve_right", lambda m, a, b: m.linalg.solve(spd(m, a), b, left=False), [(r(3, 3), r(2, 3))],
         atol=1e-4, rtol=1e-4),
    Spec("cholesky", lambda m, a: m.linalg.cholesky(spd(m, a)), [(r(3, 3),), (r(2, 4, 4),)], atol=1e-4,
         rtol=1e-4),
    Spec("cholesky_upper", lambda m, a: m.linalg.cholesky(spd(m, a), upper=True), [(r(3, 3),)], atol=1e-4,
         rtol=1e-4),
    Spec("qr", lambda m, a: m.linalg.qr(a), [(r(4, 3),), (r(2, 3, 3),), (r(3, 5),)], atol=1e-4, rtol=1e-4),
    Spec("qr_wide", lambda m, a: m.linalg.qr(a), [(r(2, 5),)], atol=1e-4, rtol=1e-4),
    Spec("qr_r", lambda m, a: m.linalg.qr(a, mode="r")[1], [(r(4, 3),)], grad=False, atol=1e-4, rtol=1e-4),
    Spec("eigh", lambda m, a: (lambda w, v: (w, v * v, v[..., :1] @ v[..., :1].mT))(*m.linalg.eigh(sym(m, a))),
         [(r(3, 3),), (r(2, 4, 4),)], atol=1e-4, rtol=1e-3),
    Spec("eigh_raw", lambda m, a: (lambda w, v: (w, v * v))(*m.linalg.eigh(a)), [(r(4, 4),)], atol=1e-4,
         rtol=1e-3, gradcheck=False),
    Spec("eigvalsh", lambda m, a: m.linalg.eigvalsh(sym(m, a)), [(r(3, 3),)], atol=1e-4, rtol=1e-4),
    Spec("svd", lambda m, a: (lambda u, s, vh: (s, u @ m.diag_embed(s) @ vh, u[..., :1] @ vh[..., :1, :],
                                                u * u, vh * vh))(*m.linalg.svd(a, full_matrices=False)),
         [(r(4, 3),), (r(3, 5),), (r(2, 3, 3),)], atol=1e-4, rtol=1e-3),
    Spec("svdvals", lambda m, a: m.linalg.svdvals(a), [(r(4, 3),)], atol=1e-4, rtol=1e-4),
    Spec("pinv", lambda m, a: m.linalg.pinv(a), [(r(4, 3),)], atol=1e-4, rtol=1e-3),
    Spec("matrix_power", lambda m, a: m.linalg.matrix_power(a, 3), [(r(3, 3),)], atol=1e-4, rtol=1e-4),
    Spec("matrix_power_neg", lambda m, a: m.linalg.matrix_power(spd(m, a), -2), [(r(3, 3),)], atol=1e-4,
         rtol=1e-4),
    Spec("solve_triangular", lambda m, a, b: m.linalg.solve_triangular(a.triu(1) + 9 * m.eye(3), b, upper=True),
         [(r(3, 3), r(3, 2)), (r(2, 3, 3), r(3, 1))], atol=1e-4, rtol=1e-4),
    Spec("solve_triangular_unit", lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, left=False,
                                                                             unitriangular=True),
         [(r(3, 3), r(2, 3))], atol=1e-4, rtol=1e-4),
    Spec("lstsq", lambda m, a, b: m.linalg.lstsq(a, b).solution, [(r(5, 3), r(5, 2))], atol=1e-4, rtol=1e-4),
    Spec("cond", lambda m, a: m.linalg.cond(a), [(r(3, 3),)], atol=1e-3, rtol=1e-3),
    Spec("tensorinv", lambda m, a: m.linalg.tensorinv(spd(m, a).reshape(4, 1, 2, 2), ind=2), [(r(4, 4),)],
         atol=1e-4, rtol=1e-4),
    Spec("matrix_exp", lambda m, a: m.linalg.matrix_exp(a), [(r(3, 3),), (r(2, 2, 2) * 4,)], atol=1e-4,
         rtol=1e-4),
    Spec("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(r(3), r(3, 4), r(4, 2))]),
    Spec("renorm", lambda m, x: m.renorm(x, 2, 0, 1.5), [(r(3, 4),), (r(2, 3, 2),)], atol=1e-4, rtol=1e-4),
    Spec("renorm_p_inf", lambda m, x: x.renorm(float("inf"), 1, 1.0), [(r(3, 4),)], atol=1e-4, rtol=1e-4),
    Spec("renorm_p3", lambda m, x: m.renorm(x, 3, -1, 0.7), [(r(2, 3, 2),)], atol=1e-4, rtol=1e-4),
    # ---- the kernels torch names after the form of the call ----
    Spec("getitem_ellipsis", lambda m, x: x[...], [(r(3, 4),)]),
    Spec("getitem_full_slices", lambda m, x: x[:, :], [(r(3, 4),)]),
    Spec("expand_same", lambda m, x: x.expand(3, 4), [(r(3, 4),)]),
    Spec("matmul_1d_2d", lambda m, x, y: x @ y, [(r(4), r(4, 5))]),
    Spec("matmul_2d_nd", lambda m, x, y: m.matmul(x, y), [(r(3, 4), r(2, 4, 5)), (r(1, 4), r(2, 4, 5)),
                                                           (r(3, 4), r(2, 4, 1)), (r(1, 3, 4), r(2, 4, 5))]),
    Spec("rsub", lambda m, x, y: m.rsub(x, y, alpha=2), [(r(3, 4), r(4))]),
    # ---- __setitem__ and writes through views ----
    Spec("setitem_slices", lambda m, x, v: setitem(x, (slice(1, None), slice(None, None, 2)), v),
         [(r(3, 4), r(2, 2)), (r(3, 4), r(2))]),
    Spec("setitem_index", lambda m, x, i, v: setitem(x, (i,), v), [(r(3, 4), ix(0, 2), r(2, 4))]),
    # a one-element tensor of another dtype through one boolean mask: cast, as torch (a fill)
    Spec("setitem_mask_tensor", lambda m, x, k, v: setitem(x, (slice(None), k), v.double().sum()),
         [(r(3, 4), np.array([True, False, True, True]), r(2))]),
    Spec("index_put_mask_tensor", lambda m, x, k, v: m.index_put(x, (k,), v.double().sum()),
         [(r(3, 4), mask(3, 4), r(2))]),
    Spec("setitem_scalar", lambda m, x: setitem(x, (0, slice(1, 3)), 2.5), [(r(3, 4),)]),
    Spec("setitem_mask_scalar", lambda m, x, k: setitem(x, k, -1.0), [(r(3, 4), mask(3, 4))]),
    Spec("write_through_view", lambda m, x, s: write_view(x, s), [(r(3, 4), r(2, 4))]),
    Spec("view_then_write", lambda m, x, s: view_then_write(x, s), [(r(3, 4), r(3, 4))]),
    # ---- double backward: the backward rules of views record kernels of their own ----
    Spec("getitem_gradgrad", lambda m, x, i: x[i, 1:] ** 2, [(r(3, 4), ix(0, 2, 2))], gradgrad=True),
    Spec("getitem_basic_gradgrad", lambda m, x: x[1:, ::2] ** 2, [(r(3, 4),)], gradgrad=True),
    Spec("diagonal_gradgrad", lambda m, x: x.diagonal(1) ** 2, [(r(3, 4),)], gradgrad=True),
    Spec("unfold_gradgrad", lambda m, x: x.unfold(1, 3, 2) ** 2, [(r(2, 7),)], gradgrad=True),
    Spec("gather_gradgrad", lambda m, x, i: x.gather(1, i) ** 2, [(r(3, 4), rix(4, (3, 5)))], gradgrad=True),
    Spec("index_select_gradgrad", lambda m, x, i: x.index_select(0, i) ** 2, [(r(3, 4), ix(2, 0, 2))],
         gradgrad=True),
]


def cases():
    """Every row's samples, for tests/ops/test_op_coverage.py: (id, fn(m, *tensors), arrays, grad, gradgrad);
    sample 0 also in the other dtypes the oracle test runs (float64, int64, int32, bool; forward only)."""
    for spec in SPECS:
        for i, sample in enumerate(spec.samples):
            arrays = [np.asarray(a) for a in sample]
            yield f"{spec.name}-{i}", spec.fn, arrays, spec.grad, getattr(spec, "gradgrad", False)
            if i:
                continue
            for dt in ("float64", "int64", "int32", "bool"):
                conv = [a if a.dtype.kind != "f" else (a > 0) if dt == "bool" else
                        a.astype(dt) if dt == "float64" else np.round(a * 3).astype(dt) for a in arrays]
                yield f"{spec.name}-{i}-{dt}", spec.fn, conv, False, False
