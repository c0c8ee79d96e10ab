"""Bad input to shape/index/linalg ops raises torch's exception type; our messages name the shapes."""
from __future__ import annotations

import numpy as np
import pytest

import ember


def _x(m, *shape, dtype=None):
    return m.arange(int(np.prod(shape)), dtype=dtype or m.float32).reshape(shape)


# each entry: (id, fn(m)); fn must raise the same exception type under ember and torch
CASES = [
    ("view_bad", lambda m: _x(m, 3, 4).view(5, -1)),
    ("view_two_infer", lambda m: _x(m, 3, 4).view(-1, -1)),
    ("view_noncontig", lambda m: _x(m, 3, 4).t().view(12)),
    ("reshape_ambiguous", lambda m: _x(m, 0, 6).reshape(0, -1)),
    ("flatten_order", lambda m: _x(m, 2, 3, 4).flatten(2, 1)),
    ("squeeze_dim_oob", lambda m: _x(m, 3, 4).squeeze(5)),
    ("unsqueeze_oob", lambda m: _x(m, 3, 4).unsqueeze(4)),
    ("permute_len", lambda m: _x(m, 3, 4).permute(0)),
    ("permute_dup", lambda m: _x(m, 3, 4).permute(0, 0)),
    ("transpose_oob", lambda m: _x(m, 3, 4).transpose(0, 2)),
    ("t_3d", lambda m: _x(m, 2, 3, 4).t()),
    ("mT_1d", lambda m: _x(m, 3).mT),
    ("expand_bad", lambda m: _x(m, 3, 4).expand(2, 4)),
    ("expand_fewer", lambda m: _x(m, 3, 4).expand(4)),
    ("movedim_dup", lambda m: _x(m, 3, 4).movedim((0, 1), (0, 0))),
    ("repeat_fewer", lambda m: _x(m, 3, 4).repeat(2)),
    ("cat_empty", lambda m: m.cat([])),
    ("cat_mismatch", lambda m: m.cat([_x(m, 2, 3), _x(m, 3, 3)], 1)),
    ("cat_ndim", lambda m: m.cat([_x(m, 2, 3), _x(m, 3)])),
    ("cat_0d", lambda m: m.cat([m.tensor(1.0), _x(m, 3)])),
    ("cat_dim_oob", lambda m: m.cat([_x(m, 2, 3), _x(m, 2, 3)], 2)),
    ("cat_not_list", lambda m: m.cat(_x(m, 2, 3))),
    ("stack_mismatch", lambda m: m.stack([_x(m, 2, 3), _x(m, 3, 2)])),
    ("stack_empty", lambda m: m.stack([])),
    ("split_sizes", lambda m: _x(m, 5).split([2, 2])),
    ("split_zero", lambda m: _x(m, 5).split(0)),
    ("chunk_zero", lambda m: _x(m, 5).chunk(0)),
    ("narrow_len", lambda m: _x(m, 3, 4).narrow(1, 2, 3)),
    ("narrow_start", lambda m: _x(m, 3, 4).narrow(1, 5, 0)),
    ("select_oob", lambda m: _x(m, 3, 4).select(1, 4)),
    ("select_0d", lambda m: m.tensor(1.0).select(0, 0)),
    ("flip_dup", lambda m: _x(m, 3, 4).flip(0, 0)),
    ("roll_mismatch", lambda m: _x(m, 3, 4).roll((1, 2), 0)),
    ("rot90_dims", lambda m: _x(m, 3, 4).rot90(1, (0, 0))),
    ("diagonal_same", lambda m: _x(m, 3, 4).diagonal(0, 1, 1)),
    ("diag_3d", lambda m: _x(m, 2, 3, 4).diag()),
    ("tril_1d", lambda m: _x(m, 3).tril()),
    ("trace_1d", lambda m: _x(m, 3).trace()),
    ("unfold_size", lambda m: _x(m, 3, 4).unfold(1, 5, 1)),
    ("unfold_step", lambda m: _x(m, 3, 4).unfold(1, 2, 0)),
    ("gather_oob", lambda m: _x(m, 3, 4).gather(1, m.tensor([[5]]))),
    ("gather_ndim", lambda m: _x(m, 3, 4).gather(1, m.tensor([1]))),
    ("take_int32", lambda m: _x(m, 3, 4).take(m.tensor([1], dtype=m.int32))),
    ("gather_size", lambda m: _x(m, 3, 4).gather(1, m.zeros(4, 1, dtype=m.int64))),
    ("scatter_dtype", lambda m: _x(m, 3, 4).scatter(1, m.tensor([[1]]), m.ones(1, 1, dtype=m.float64))),
    ("scatter_oob", lambda m: _x(m, 3, 4).scatter(1, m.tensor([[7]]), m.ones(1, 1))),
    ("scatter_add_oob", lambda m: _x(m, 3, 4).scatter_add(0, m.tensor([[-9]]), m.ones(1, 1))),
    ("scatter_reduce_bad", lambda m: _x(m, 4).scatter_reduce(0, m.tensor([1]), m.ones(1), "median")),
    ("index_copy_oob", lambda m: _x(m, 3, 4).index_copy(1, m.tensor([9]), m.ones(3, 1))),
    ("index_copy_dtype", lambda m: _x(m, 3, 4).index_copy(1, m.tensor([1]), m.ones(3, 1, dtype=m.float64))),
    ("masked_scatter_dtype", lambda m: _x(m, 3, 4).masked_scatter(m.ones(3, 4, dtype=m.bool),
                                                                   m.ones(20, dtype=m.float64))),
    ("getitem_int8", lambda m: _x(m, 3, 4)[m.tensor([1], dtype=m.int8)]),
    ("index_select_oob", lambda m: _x(m, 3, 4).index_select(1, m.tensor([5]))),
    ("index_select_neg", lambda m: _x(m, 3, 4).index_select(1, m.tensor([-1]))),
    ("index_select_1d_oob", lambda m: _x(m, 4).index_select(0, m.tensor([4]))),
    ("gather_neg", lambda m: _x(m, 3, 4).gather(1, m.tensor([[-1]]))),
    ("scatter_neg", lambda m: _x(m, 3, 4).scatter(1, m.tensor([[-1]]), 5.0)),
    ("index_add_neg", lambda m: _x(m, 3, 4).index_add(1, m.tensor([-1]), m.ones(3, 1))),
    ("index_copy_neg", lambda m: _x(m, 3, 4).index_copy(1, m.tensor([-1]), m.ones(3, 1))),
    ("index_select_2d", lambda m: _x(m, 3, 4).index_select(1, m.tensor([[1]]))),
    ("index_select_float", lambda m: _x(m, 3, 4).index_select(1, m.tensor([1.0]))),
    ("index_add_dtype", lambda m: _x(m, 3, 4).index_add(1, m.tensor([1]), m.ones(3, 1, dtype=m.float64))),
    ("index_add_count", lambda m: _x(m, 3, 4).index_add(1, m.tensor([1]), m.ones(3, 2))),
    ("index_add_oob", lambda m: _x(m, 3, 4).index_add(1, m.tensor([9]), m.ones(3, 1))),
    ("index_copy_count", lambda m: _x(m, 3, 4).index_copy(0, m.tensor([1, 2]), m.ones(1, 4))),
    ("index_fill_oob", lambda m: _x(m, 3, 4).index_fill(0, m.tensor([3]), 1.0)),
    ("masked_fill_float", lambda m: _x(m, 3, 4).masked_fill(m.ones(4), 1.0)),
    ("masked_fill_shape", lambda m: _x(m, 3, 4).masked_fill(m.ones(5, dtype=m.bool), 1.0)),
    ("masked_fill_value", lambda m: _x(m, 3, 4).masked_fill(m.ones(4, dtype=m.bool), m.tensor([1.0, 2]))),
    ("masked_fill__bcast", lambda m: _x(m, 3, 1).masked_fill_(m.ones(3, 4, dtype=m.bool), 1.0)),
    ("masked_select_shape", lambda m: _x(m, 3, 4).masked_select(m.ones(3, dtype=m.bool))),
    ("masked_scatter_small", lambda m: _x(m, 3, 4).masked_scatter(m.ones(3, 4, dtype=m.bool), m.ones(3))),
    ("take_oob", lambda m: _x(m, 3, 4).take(m.tensor([12]))),
    ("take_along_ndim", lambda m: _x(m, 3, 4).take_along_dim(m.tensor([1]), 1)),
    ("getitem_oob", lambda m: _x(m, 3, 4)[5]),
    ("getitem_oob_neg", lambda m: _x(m, 3, 4)[:, -5]),
    ("getitem_list_oob", lambda m: _x(m, 3, 4)[[0, 5]]),
    ("getitem_tensor_oob", lambda m: _x(m, 3, 4)[m.tensor([3])]),
    ("getitem_too_many", lambda m: _x(m, 3, 4)[1, 2, 3]),
    ("getitem_neg_step", lambda m: _x(m, 3, 4)[::-1]),
    ("getitem_float", lambda m: _x(m, 3, 4)[1.5]),
    ("getitem_float_tensor", lambda m: _x(m, 3, 4)[m.tensor([1.0])]),
    ("getitem_mask_shape", lambda m: _x(m, 3, 4)[m.ones(4, dtype=m.bool)]),
    ("getitem_0d", lambda m: m.tensor(1.0)[0]),
    ("setitem_shape", lambda m: _x(m, 3, 4).__setitem__(0, m.ones(3))),
    ("setitem_oob", lambda m: _x(m, 3, 4).__setitem__(3, 1.0)),
    # x[advanced index] = tensor of another dtype (torch casts only a one-element value through a single mask)
    ("setitem_index_dtype", lambda m: _x(m, 3, 4).__setitem__(m.tensor([0, 2]), m.ones(4, dtype=m.float64))),
    ("setitem_index_dtype_0d", lambda m: _x(m, 3, 4).__setitem__(m.tensor([0, 2]), m.tensor(1))),
    ("setitem_mask_dtype", lambda m: _x(m, 4).__setitem__(_x(m, 4) > 1, m.ones(2, dtype=m.int64))),
    ("setitem_two_masks_dtype", lambda m: _x(m, 2, 2).__setitem__((m.tensor([True, False]),) * 2,
                                                                  m.tensor(1.0, dtype=m.float64))),
    ("index_put_accumulate_dtype", lambda m: _x(m, 4).index_put((_x(m, 4) > 1,), m.tensor(1.0, dtype=m.float64),
                                                                accumulate=True)),
    ("matmul_0d", lambda m: m.tensor(1.0) @ _x(m, 3)),
    ("matmul_1d", lambda m: _x(m, 3) @ _x(m, 4)),
    ("matmul_2d", lambda m: _x(m, 2, 3) @ _x(m, 4, 5)),
    ("matmul_2d_1d", lambda m: _x(m, 2, 3) @ _x(m, 4)),
    ("matmul_1d_2d", lambda m: _x(m, 3) @ _x(m, 4, 5)),
    ("matmul_batch", lambda m: _x(m, 2, 3, 4) @ _x(m, 2, 5, 6)),
    ("matmul_bcast", lambda m: _x(m, 2, 3, 4) @ _x(m, 5, 4, 6)),
    ("matmul_dtype", lambda m: _x(m, 2, 3) @ _x(m, 3, 2, dtype=m.float64)),
    ("mm_3d", lambda m: m.mm(_x(m, 2, 3, 4), _x(m, 4, 2))),
    ("bmm_2d", lambda m: m.bmm(_x(m, 3, 4), _x(m, 2, 4, 5))),
    ("bmm_batch", lambda m: m.bmm(_x(m, 2, 3, 4), _x(m, 3, 4, 5))),
    ("mv_size", lambda m: m.mv(_x(m, 3, 4), _x(m, 5))),
    ("dot_2d", lambda m: m.dot(_x(m, 3, 1), _x(m, 3))),
    ("dot_dtype", lambda m: m.dot(_x(m, 3), _x(m, 3, dtype=m.float64))),
    ("dot_size", lambda m: m.dot(_x(m, 3), _x(m, 4))),
    ("einsum_fewer", lambda m: m.einsum("ij,jk->ik", _x(m, 2, 3))),
    ("einsum_more", lambda m: m.einsum("ij->ij", _x(m, 2, 3), _x(m, 2, 3))),
    ("einsum_out", lambda m: m.einsum("ij->ik", _x(m, 2, 3))),
    ("einsum_ndim", lambda m: m.einsum("ijk->ij", _x(m, 2, 3))),
    ("einsum_size", lambda m: m.einsum("ij,jk", _x(m, 2, 3), _x(m, 4, 5))),
    ("einsum_dtype", lambda m: m.einsum("ij,jk", _x(m, 2, 3), _x(m, 3, 5, dtype=m.float64))),
    ("tensordot_size", lambda m: m.tensordot(_x(m, 2, 3), _x(m, 4, 5), dims=1)),
    ("cross_size", lambda m: m.linalg.cross(_x(m, 4), _x(m, 4))),
    ("cdist_cols", lambda m: m.cdist(_x(m, 2, 3), _x(m, 4, 5))),
    ("cdist_1d", lambda m: m.cdist(_x(m, 3), _x(m, 4, 3))),
    ("inv_nonsquare", lambda m: m.linalg.inv(_x(m, 3, 4))),
    ("inv_1d", lambda m: m.linalg.inv(_x(m, 3))),
    ("inv_int", lambda m: m.linalg.inv(m.ones(3, 3, dtype=m.int64))),
    ("inv_singular", lambda m: m.linalg.inv(m.zeros(3, 3))),
    ("cholesky_not_pd", lambda m: m.linalg.cholesky(-m.eye(3))),
    ("solve_shape", lambda m: m.linalg.solve(m.eye(3), _x(m, 4))),
    ("det_nonsquare", lambda m: m.linalg.det(_x(m, 2, 3))),
    ("qr_mode", lambda m: m.linalg.qr(_x(m, 3, 3), mode="bad")),
    ("addmm_shape", lambda m: m.addmm(_x(m, 5), _x(m, 2, 3), _x(m, 3, 4))),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_error_type_matches_torch(name, fn, torch):
    with pytest.raises(Exception) as t_exc:
        fn(torch)
    with pytest.raises(Exception) as e_exc:
        fn(ember)
    t_type = type(t_exc.value)
    # torch.linalg.LinAlgError subclasses RuntimeError: ours does too
    expected = RuntimeError if issubclass(t_type, RuntimeError) else t_type
    assert isinstance(e_exc.value, expected), (type(e_exc.value), t_type, str(e_exc.value), str(t_exc.value))


@pytest.mark.parametrize("a,b,pattern", [
    ((2, 3), (4, 5), r"2x3 and 4x5"),
    ((2, 3, 4), (2, 5, 6), r"\(2, 3, 4\) and \(2, 5, 6\)"),
    ((2, 3, 4), (5, 4, 6), r"\(2, 3, 4\) and \(5, 4, 6\)"),
    ((7, 3, 4), (5, 6), r"\(7, 3, 4\) and \(5, 6\)"),
])
def test_matmul_error_names_both_shapes(a, b, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        ember.ones(*a) @ ember.ones(*b)


def test_cat_error_names_sizes():
    with pytest.raises(RuntimeError, match="Expected size 2 but got size 3 for tensor number 1"):
        ember.cat([ember.ones(2, 3), ember.ones(3, 3)], 1)


def test_index_error_names_shape():
    with pytest.raises(IndexError, match=r"index 5 is out of bounds for dimension 0 with size 3"):
        ember.ones(3, 4)[5]
