"""Tensor printing: repr(ember tensor) == repr(torch tensor) on the same data."""
from __future__ import annotations

import numpy as np
import pytest

import ember

R = np.random.default_rng(1234)

# (id, numpy data) -- each is printed via ember.from_numpy(x) and torch.from_numpy(x)
DATA = [
    ("f32_vec", np.array([1.0, 2.0, 3.0], np.float32)),
    ("f32_frac", np.array([1.12345, -2.5, 3.0], np.float32)),
    ("f32_mat", np.array([[1.0, 2.0]], np.float32)),
    ("f32_neg_int", np.array([-1.0, 0.0, 12.0], np.float32)),
    ("f32_zeros", np.zeros((2, 3), np.float32)),
    ("f32_neg_zero", np.array([-0.0, 0.0], np.float32)),
    ("f32_0d", np.array(3.5, np.float32)),
    ("f32_0d_int", np.array(3.0, np.float32)),
    ("f32_0d_tiny", np.array(1e-7, np.float32)),
    ("f32_0d_neg", np.array(-0.25, np.float32)),
    ("f32_sci_ratio", np.array([1.0, 2000.5], np.float32)),
    ("f32_sci_big", np.array([1.5e9, 2.0], np.float32)),
    ("f32_sci_small", np.array([1e-5, 0.5], np.float32)),
    ("f32_int_sci_ratio", np.array([1.0, 5000.0], np.float32)),
    ("f32_int_big", np.array([1e9, 3e9], np.float32)),
    ("f32_int_no_sci", np.array([1.0, 999.0], np.float32)),
    ("f32_nan_inf", np.array([1.0, np.nan, np.inf, -np.inf], np.float32)),
    ("f32_nan_frac", np.array([1.5, np.nan, -np.inf], np.float32)),
    ("f32_all_nan", np.array([np.nan, np.nan], np.float32)),
    ("f32_0d_nan", np.array(np.nan, np.float32)),
    ("f32_0d_inf", np.array(-np.inf, np.float32)),
    ("f32_randn_2d", R.standard_normal((4, 5)).astype(np.float32)),
    ("f32_randn_3d", R.standard_normal((2, 3, 4)).astype(np.float32)),
    ("f32_randn_4d", R.standard_normal((2, 2, 2, 3)).astype(np.float32)),
    ("f32_wide_wrap", R.standard_normal(30).astype(np.float32)),
    ("f32_wide_2d_wrap", R.standard_normal((3, 20)).astype(np.float32) * 100),
    ("f32_summ_1d", np.arange(2000, dtype=np.float32) / 7),
    ("f32_summ_2d", R.standard_normal((100, 100)).astype(np.float32)),
    ("f32_summ_3d", R.standard_normal((20, 30, 40)).astype(np.float32)),
    ("f32_summ_tall", R.standard_normal((1001, 2)).astype(np.float32)),
    ("f32_summ_sci", (R.standard_normal(1500) * 1e6).astype(np.float32)),
    ("f32_mixed_mag", np.array([0.001, 0.5, 0.9], np.float32)),
    ("f32_big_norm", np.array([12345.678, -0.5], np.float32)),
    ("f64_vec", np.array([1.0, 2.5], np.float64)),
    ("f64_0d", np.array(2.0, np.float64)),
    ("f64_randn", R.standard_normal((3, 3))),
    ("f16_vec", np.array([1.5, -2.25, 1000.0], np.float16)),
    ("f16_int", np.array([1, 2], np.float16)),
    ("i64_vec", np.array([1, 2, 3], np.int64)),
    ("i64_neg", np.array([[-100, 2], [3, 40000]], np.int64)),
    ("i64_0d", np.array(7, np.int64)),
    ("i64_summ", np.arange(3000, dtype=np.int64).reshape(30, 100)),
    ("i64_wrap", np.arange(100, dtype=np.int64) * 1000),
    ("i32_vec", np.array([1, -2], np.int32)),
    ("i16_vec", np.array([1, -2], np.int16)),
    ("i8_vec", np.array([1, -2], np.int8)),
    ("u8_vec", np.array([0, 255], np.uint8)),
    ("u8_2d", np.arange(6, dtype=np.uint8).reshape(2, 3)),
    ("bool_vec", np.array([True, False])),
    ("bool_all_true", np.array([True, True])),
    ("bool_0d", np.array(True)),
    ("bool_2d", np.array([[True, False, True], [False, False, True]])),
    ("empty_1d", np.zeros((0,), np.float32)),
    ("empty_2d", np.zeros((2, 0), np.float32)),
    ("empty_i64", np.zeros((0,), np.int64)),
    ("empty_i64_3d", np.zeros((0, 3, 1), np.int64)),
    ("empty_f64", np.zeros((3, 0), np.float64)),
    ("empty_bool", np.zeros((0,), bool)),
    ("f32_ones_col", np.ones((3, 1), np.float32)),
    ("f32_long_row_sci", (R.standard_normal((2, 12)) * 1e-6).astype(np.float32)),
]


@pytest.mark.parametrize("name,x", DATA, ids=[d[0] for d in DATA])
def test_repr_matches_torch(torch, name, x):
    e = ember.from_numpy(x.copy())
    t = torch.from_numpy(x.copy())
    assert repr(e) == repr(t)
    assert str(e) == str(t)


@pytest.mark.parametrize("name,x", [d for d in DATA if d[1].dtype.kind == "f"][:20])
def test_repr_requires_grad_and_grad_fn(torch, name, x):
    e = ember.from_numpy(x.copy()).requires_grad_()
    t = torch.from_numpy(x.copy()).requires_grad_()
    assert repr(e) == repr(t)
    assert repr(e * 2) == repr(t * 2)
    assert repr(e + 1) == repr(t + 1)


def test_repr_grad_fn_names(torch):
    x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    for f in (lambda a: a * a, lambda a: a - 1, lambda a: a / 3, lambda a: a.sum(), lambda a: a.mean(),
              lambda a: a.exp(), lambda a: a.reshape(4), lambda a: a @ a, lambda a: -a, lambda a: a.relu(),
              lambda a: a.double()):
        assert repr(f(e)) == repr(f(t))


def test_repr_long_suffix_wraps(torch):
    x = R.standard_normal((2, 8)).astype(np.float64)
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    assert repr(e * 2) == repr(t * 2)
    assert repr(e) == repr(t)


OPTS = [
    dict(precision=2),
    dict(precision=8),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(linewidth=40),
    dict(linewidth=200),
    dict(profile="short"),
    dict(profile="full"),
]


@pytest.mark.parametrize("opts", OPTS, ids=[str(o) for o in OPTS])
def test_set_printoptions(torch, opts):
    cases = [np.array([1.123456789, 2000.5, -3e-3], np.float32), R.standard_normal((7, 9)).astype(np.float32),
             np.arange(40, dtype=np.int64).reshape(4, 10), np.arange(1200, dtype=np.float32),
             np.array([1.0, 2.0], np.float32), np.array(3.25, np.float32)]
    try:
        ember.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        for x in cases:
            assert repr(ember.from_numpy(x)) == repr(torch.from_numpy(x)), x
    finally:
        ember.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_default_dtype_float64_shows_float32(torch):
    x = np.array([1.5, 2.0], np.float32)
    try:
        ember.set_default_dtype(ember.float64)
        torch.set_default_dtype(torch.float64)
        assert repr(ember.from_numpy(x)) == repr(torch.from_numpy(x))
        assert repr(ember.from_numpy(x.astype(np.float64))) == repr(torch.from_numpy(x.astype(np.float64)))
        assert repr(ember.zeros(0, 2)) == repr(torch.zeros(0, 2))
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


def test_custom_function_multi_output_grad_fn_name(torch):
    def make(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, a, b):
                return a * 2 + b * 3
        return F

    x = np.array([1.0, 2.0], np.float32)
    ea, eb = make(ember).apply(ember.tensor(x, requires_grad=True))
    ta, tb = make(torch).apply(torch.tensor(x, requires_grad=True))
    assert repr(ea) == repr(ta)
    assert repr(eb) == repr(tb)


def test_format_0d():
    assert f"{ember.tensor(2.5):.2f}" == "2.50"
    assert str(ember.tensor(3)) == "tensor(3)"


EDGE = [
    np.array([1e-10, 1.0], np.float32), np.array([-1e10, 1.0], np.float32), np.array([123456789.0], np.float64),
    np.array([0.1, 0.2, 0.3], np.float64), np.array([[1e-5, -2.5e3], [3, 4]], np.float32),
    (R.standard_normal((4, 4, 4, 4)) * 1000).astype(np.float32), np.array([np.nan, 1e-8], np.float32),
    np.array([np.inf, 1e10], np.float32), np.array([2 ** 62, -5], np.int64), np.array([65504, -65504, 0.001], np.float16),
    R.standard_normal((2, 1001)).astype(np.float32), np.arange(1001, dtype=np.int64).reshape(1001, 1),
    np.zeros((1, 1, 1), np.float32), np.ones((2, 1, 3), bool), np.array([0.5, 1e8], np.float32),
    np.array([0.5, 1.01e8], np.float32), np.array([5e-5, 1.0]), np.array([1e-4, 0.1]), np.array([1.0, 1000.0]),
    np.array([1.0, 1001.0], np.float32), np.array([0.5, 500.5], np.float32), np.array([0.5, 501.0], np.float32),
]
EDGE_OPTS = [dict(), dict(precision=0), dict(precision=1, linewidth=20), dict(edgeitems=1, threshold=10),
             dict(sci_mode=True, precision=2)]


@pytest.mark.parametrize("opts", EDGE_OPTS, ids=[str(o) for o in EDGE_OPTS])
def test_repr_edge_cases(torch, opts):
    try:
        ember.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        for x in EDGE:
            assert repr(ember.from_numpy(x.copy())) == repr(torch.from_numpy(x.copy())), (x.dtype, x.shape)
    finally:
        ember.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_repr_subclasses(torch):
    class MyTensor(ember.Tensor):
        pass

    t = ember.ones(2)
    sub = MyTensor(t)
    assert repr(sub) == "MyTensor([1., 1.])"
    assert repr(ember.nn.Buffer(ember.ones(2))) == repr(torch.nn.Buffer(torch.ones(2)))
    assert repr(ember.nn.Parameter(ember.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))
