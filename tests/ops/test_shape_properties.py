"""Hypothesis properties: indexing agrees with NumPy, round trips, and the adjointness that proves
the engine's unbroadcast (and getitem's scatter-add) correct."""
from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import ember

shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)


def _no_negative_steps(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(not (isinstance(k, slice) and k.step is not None and k.step < 0) for k in items)


@st.composite
def basic_case(draw):
    shape = draw(shapes)
    idx = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).filter(_no_negative_steps))
    return shape, idx


@given(basic_case())
def test_basic_getitem_matches_numpy_and_is_a_view(case):
    shape, idx = case
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    x = ember.tensor(a)
    got = x[idx]
    np.testing.assert_array_equal(got.numpy(), a[idx])
    if got.numel():
        got.fill_(-1.0)
        b = a.copy()
        b[idx] = -1.0
        np.testing.assert_array_equal(x.numpy(), b)


@st.composite
def advanced_case(draw):
    shape = draw(shapes)
    idx = draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2,
                                                                               max_side=4)))
    return shape, idx


@given(advanced_case(), st.integers(0, 2 ** 31 - 1))
def test_advanced_getitem_value_and_adjoint(case, seed):
    shape, idx = case
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    x = ember.tensor(a, requires_grad=True)
    tidx = tuple(ember.tensor(i.astype(np.int64)) for i in idx)
    out = x[tidx]
    np.testing.assert_allclose(out.detach().numpy(), a[idx])
    y = rng.standard_normal(out.shape)
    (out * ember.tensor(y)).sum().backward()
    expect = np.zeros(shape)
    np.add.at(expect, idx, y)     # repeated indices accumulate
    np.testing.assert_allclose(x.grad.numpy(), expect, atol=1e-12)


@given(shapes, st.integers(0, 2 ** 31 - 1))
def test_mask_getitem_matches_numpy(shape, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    k = rng.integers(1, len(shape) + 1)
    m = rng.random(shape[:k]) > 0.5
    np.testing.assert_array_equal(ember.tensor(a)[ember.tensor(m)].numpy(), a[m])


@given(shapes, st.data())
def test_permute_round_trip(shape, data):
    perm = data.draw(st.permutations(range(len(shape))))
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    x = ember.tensor(a)
    y = x.permute(*perm)
    np.testing.assert_array_equal(y.numpy(), a.transpose(perm))
    np.testing.assert_array_equal(y.permute(*np.argsort(perm).tolist()).numpy(), a)


@given(shapes, st.data())
def test_reshape_round_trip(shape, data):
    n = int(np.prod(shape))
    a = np.arange(n, dtype=np.float32).reshape(shape)
    x = ember.tensor(a)
    flat = x.reshape(-1)
    assert flat._vc is x._vc        # contiguous: a view
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    d = data.draw(st.sampled_from(divisors))
    y = x.reshape(d, -1)
    np.testing.assert_array_equal(y.numpy(), a.reshape(d, -1))
    np.testing.assert_array_equal(y.reshape(shape).numpy(), a)
    np.testing.assert_array_equal(x.t().reshape(shape).numpy() if x.ndim == 2 else x.numpy(),
                                  a.T.reshape(shape) if a.ndim == 2 else a)


@given(hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=4, max_side=4),
       st.integers(0, 2 ** 31 - 1))
def test_broadcast_adjointness(bs, seed):
    """<broadcast_to(x), y> == <x, sum_to(y)>: the engine's unbroadcast is broadcast's adjoint."""
    (xshape,), target = bs.input_shapes, bs.result_shape
    rng = np.random.default_rng(seed)
    xa = rng.standard_normal(xshape)
    ya = rng.standard_normal(target)
    x = ember.tensor(xa, requires_grad=True)
    bx = x.broadcast_to(target)
    lhs = float(np.sum(bx.detach().numpy() * ya))
    (bx * ember.tensor(ya)).sum().backward()
    rhs = float(np.sum(xa * x.grad.numpy()))
    assert x.grad.shape == x.shape
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


@given(shapes, st.data())
def test_split_cat_round_trip(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    size = data.draw(st.integers(1, 5))
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x = ember.tensor(a)
    parts = x.split(size, dim)
    np.testing.assert_array_equal(ember.cat(parts, dim).numpy(), a)
    np.testing.assert_array_equal(ember.stack(x.unbind(dim), dim).numpy(), a)
    chunks = x.chunk(size, dim)
    assert len(chunks) <= size
    np.testing.assert_array_equal(ember.cat(chunks, dim).numpy(), a)


@given(hnp.array_shapes(min_dims=2, max_dims=4, max_side=5), st.integers(-4, 4), st.data())
def test_diagonal_diag_embed_adjoint(shape, offset, data):
    d1, d2 = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=2, max_size=2, unique=True))
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape)
    x = ember.tensor(a)
    dg = x.diagonal(offset, d1, d2)
    np.testing.assert_array_equal(dg.numpy(), np.diagonal(a, offset, d1, d2))
    y = rng.standard_normal(dg.shape)
    # <diagonal(x), y> == <x, adjoint(y)>, with the adjoint computed by backward
    xg = ember.tensor(a, requires_grad=True)
    (xg.diagonal(offset, d1, d2) * ember.tensor(y)).sum().backward()
    np.testing.assert_allclose(np.sum(dg.numpy() * y), np.sum(a * xg.grad.numpy()), atol=1e-9)
