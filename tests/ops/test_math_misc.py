"""Math ops beyond the OpSpec table: in-place forms, error parity, double backward, sorting-like and
histogram ops, new_* constructors, random sampling, and hypothesis properties."""
from __future__ import annotations

import numpy as np
import pytest
from ember_testutil import require

import ember
from ember.autograd import gradcheck, gradgradcheck

# ---- in-place forms ---------------------------------------------------------------------------------

_INPLACE_UNARY = ["abs_", "neg_", "exp_", "exp2_", "expm1_", "sin_", "cos_", "tan_", "atan_", "sinh_", "cosh_",
                  "tanh_", "sigmoid_", "erf_", "erfc_", "floor_", "ceil_", "trunc_", "round_", "frac_",
                  "sign_", "square_", "reciprocal_", "relu_", "sgn_", "fix_"]
_INPLACE_POS = ["log_", "log2_", "log10_", "log1p_", "sqrt_", "rsqrt_", "logit_", "asin_", "acos_",
                "erfinv_"]
_INPLACE_ARGS = [
    ("add_", lambda L: (L.tensor([0.5, -1.0, 2.0]),), {"alpha": 2}),
    ("sub_", lambda L: (1.5,), {}),
    ("mul_", lambda L: (L.tensor([[2.0], [3.0]]),), {}),
    ("div_", lambda L: (L.tensor([0.5, -1.5, 2.0]),), {"rounding_mode": "trunc"}),
    ("div_", lambda L: (0.7,), {"rounding_mode": "floor"}),
    ("true_divide_", lambda L: (3.0,), {}),
    ("pow_", lambda L: (2,), {}),
    ("clamp_", lambda L: (-0.2, 0.3), {}),
    ("clamp_", lambda L: (L.tensor([-0.1, 0.0, 0.1]), L.tensor(0.25)), {}),
    ("clamp_min_", lambda L: (0.1,), {}),
    ("clip_", lambda L: (None, 0.1), {}),
    ("lerp_", lambda L: (L.ones(2, 3), 0.25), {}),
    ("atan2_", lambda L: (L.tensor([1.0, -2.0, 0.5]),), {}),
    ("hypot_", lambda L: (L.tensor([1.0, -2.0, 0.5]),), {}),
    ("fmod_", lambda L: (0.3,), {}),
    ("remainder_", lambda L: (0.3,), {}),
    ("copysign_", lambda L: (L.tensor([1.0, -2.0, 0.5]),), {}),
    ("xlogy_", lambda L: (L.tensor([1.0, 2.0, 0.5]),), {}),
    ("nan_to_num_", lambda L: (), {"nan": 1.0}),
    ("maximum", lambda L: (L.tensor(0.1),), {}),
    ("cumsum_", lambda L: (1,), {}),
    ("cumprod_", lambda L: (0,), {}),
    ("round_", lambda L: (), {"decimals": 1}),
    ("logit_", lambda L: (0.3,), {}),
    ("addcmul_", lambda L: (L.tensor([1.0, 2.0, 3.0]), L.tensor([[0.5], [2.0]])), {"value": 0.1}),
    ("addcdiv_", lambda L: (L.tensor([1.0, 2.0, 3.0]), L.tensor([[0.5], [2.0]])), {"value": -1}),
]


def _case_data(name):
    rng = np.random.default_rng(7)
    if name in _INPLACE_POS:
        return rng.uniform(0.1, 0.9, (2, 3)).astype(np.float32)
    return rng.uniform(-2, 2, (2, 3)).astype(np.float32)


@pytest.mark.parametrize("name,args,kw", [(n, lambda L: (), {}) for n in _INPLACE_UNARY + _INPLACE_POS]
                         + _INPLACE_ARGS, ids=lambda v: v if isinstance(v, str) else "")
def test_inplace_matches_torch_with_grad(name, args, kw, torch):
    data = _case_data(name)
    res = {}
    for L in (ember, torch):
        leaf = L.tensor(data, requires_grad=True)
        x = leaf * 1.0
        r = getattr(x, name)(*args(L), **kw)
        if name.endswith("_"):
            assert r is x
        u = L.tensor(np.linspace(-1, 1, data.size, dtype=np.float32).reshape(data.shape))
        (r * u).sum().backward()
        res[L.__name__] = (r.detach().numpy().copy(), np.array(leaf.grad.numpy(force=True)), str(r.dtype))
    e, t = res["ember"], res["torch"]
    assert e[2] == t[2]
    np.testing.assert_allclose(e[0], t[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e[1], t[1], rtol=1e-4, atol=1e-5)


def test_inplace_bumps_version_and_detects_misuse(torch):
    x = ember.tensor([1.0, 2.0])
    v = x._version
    x.exp_()
    assert x._version == v + 1
    leaf = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.sin_()
    a = ember.tensor([0.5, 1.0], requires_grad=True)
    b = a * 1
    y = b.sin()          # saves b
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ---- error parity -------------------------------------------------------------------------------------

ERRORS = {
    "broadcast": lambda L: L.add(L.ones(2, 3), L.ones(4)),
    "sum_dim": lambda L: L.ones(2, 3).sum(2),
    "mean_int": lambda L: L.ones(2, dtype=L.int64).mean(),
    "std_int": lambda L: L.ones(2, dtype=L.int64).std(),
    "max_empty": lambda L: L.zeros(0).max(),
    "max_empty_dim": lambda L: L.zeros(2, 0).max(1),
    "amax_empty": lambda L: L.zeros(0, 3).amax(0),
    "argmax_empty": lambda L: L.zeros(0).argmax(),
    "int_exp_": lambda L: L.ones(2, dtype=L.int64).exp_(),
    "clamp_none": lambda L: L.clamp(L.ones(2)),
    "topk_k": lambda L: L.ones(3).topk(4),
    "kthvalue_k": lambda L: L.ones(3).kthvalue(0),
    "float_and": lambda L: L.ones(2) & L.ones(2),
    "float_shift": lambda L: L.ones(2) << 1,
    "multinomial_k": lambda L: L.multinomial(L.ones(3), 4),
    "multinomial_neg": lambda L: L.multinomial(L.tensor([0.5, -1.0]), 1),
    "lerp_dtype": lambda L: L.lerp(L.ones(2), L.ones(2, dtype=L.float64), 0.5),
    "softmax_dim": lambda L: L.softmax(L.ones(2, 3), 2),
    "bincount_float": lambda L: L.bincount(L.ones(3)),
    "bincount_neg": lambda L: L.bincount(L.tensor([-1, 2])),
    "div_mode": lambda L: L.div(L.ones(2), 2, rounding_mode="round"),
    "cumsum_dim": lambda L: L.ones(2).cumsum(1),
    "normal_std": lambda L: L.normal(L.zeros(2), L.tensor([1.0, -1.0])),
    "uniform_range": lambda L: L.ones(2).uniform_(2, 1),
    "frac_int": lambda L: L.ones(2, dtype=L.int64).frac(),
    "floor_bool": lambda L: L.ones(2, dtype=L.bool).floor(),
    "argmax_bool": lambda L: L.ones(2, dtype=L.bool).argmax(),
    "neg_bool": lambda L: -L.ones(2, dtype=L.bool),
    "histc_int": lambda L: L.histc(L.ones(2, dtype=L.int64)),
    "var_dim": lambda L: L.ones(2, 3).var(-3),
    "logsumexp_dim": lambda L: L.ones(2, 3).logsumexp(5),
    "isclose_dtype": lambda L: L.isclose(L.ones(2), L.ones(2, dtype=L.float64)),
    "isclose_shape": lambda L: L.isclose(L.ones(2), L.ones(3)),
    "lerp_shape": lambda L: L.lerp(L.ones(2, 3), L.ones(4), 0.5),
    "clamp_shape": lambda L: L.clamp(L.ones(2, 3), L.zeros(4)),
    "atan2_shape": lambda L: L.atan2(L.ones(2, 3), L.ones(4)),
    "maximum_shape": lambda L: L.maximum(L.ones(2, 3), L.ones(2)),
    "sum_dup_dims": lambda L: L.ones(2, 3).sum((0, 0)),
    "max_dim_range": lambda L: L.ones(2, 3).max(3),
    "sort_dim_range": lambda L: L.ones(2, 3).sort(-3),
    "int_neg_pow": lambda L: L.tensor([2, 3]) ** -1,
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_parity(name, torch):
    fn = ERRORS[name]
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value).__name__ == type(te.value).__name__, (ee.value, te.value)


def test_special_values_match_torch(torch):
    vals = [float("nan"), 0.0, -0.0, float("inf"), -float("inf"), 1.0, -1.0]
    for name in ("sign", "sgn", "abs", "floor", "round", "exp", "sigmoid", "erf", "erfc", "erfinv", "tanh", "sqrt",
                 "log", "log1p", "expm1", "rsqrt", "reciprocal", "atan", "asinh", "logit", "trunc", "frac"):
        e = getattr(ember, name)(ember.tensor(vals)).numpy()
        t = getattr(torch, name)(torch.tensor(vals)).numpy()
        np.testing.assert_array_equal(np.signbit(e) | np.isnan(e), np.signbit(t) | np.isnan(t), err_msg=name)
        np.testing.assert_allclose(e, t, rtol=1e-6, equal_nan=True, err_msg=name)


def test_int_pow_negative_tensor_exponent(torch):
    b, e = [2, 3, 1, -1, -1, 0, 5], [-1, -2, -3, -3, -2, -1, 2]
    assert ember.tensor(b).pow(ember.tensor(e)).tolist() == torch.tensor(b).pow(torch.tensor(e)).tolist()


def test_broadcast_error_names_shapes():
    with pytest.raises(RuntimeError, match=r"\(3\).*\(4\)"):
        ember.ones(2, 3) + ember.ones(4)


# ---- double backward ----------------------------------------------------------------------------------

DOUBLE = {
    "sin_exp": lambda x: (x.sin() * x.exp()).sum(),
    "log_softmax": lambda x: ember.log_softmax(x, 1),
    "softmax": lambda x: ember.softmax(x, 0),
    "logsumexp": lambda x: x.logsumexp(1),
    "var_std": lambda x: x.var(1) + x.std(0).sum(),
    "max_dim": lambda x: x.max(1).values * x.sum(),
    "sort": lambda x: x.sort(1).values ** 2,
    "norm": lambda x: ember.norm(x) * x,
    "cumsum": lambda x: x.cumsum(1) ** 2,
    "atan2_hypot": lambda x: ember.atan2(x, x.exp()) + ember.hypot(x, x * 2),
    "erf_sigmoid": lambda x: x.erf() * x.sigmoid() + x.tanh().asinh(),
    "lgamma_digamma": lambda x: (x + 2).lgamma() * (x + 2).digamma(),
    "amax": lambda x: x.amax(1) * x.amin(0).sum(),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_gradgradcheck(name):
    rng = np.random.default_rng(3)
    x = ember.tensor(rng.uniform(-1.5, 1.5, (3, 4)), dtype=ember.float64, requires_grad=True)
    assert gradgradcheck(DOUBLE[name], (x,))


def test_gradcheck_broadcast_binary():
    rng = np.random.default_rng(4)
    a = ember.tensor(rng.uniform(0.5, 2, (2, 1, 3)), requires_grad=True, dtype=ember.float64)
    b = ember.tensor(rng.uniform(0.5, 2, (4, 1)), requires_grad=True, dtype=ember.float64)
    for f in (ember.maximum, ember.pow, ember.xlogy, ember.logaddexp, ember.fmod, ember.copysign):
        assert gradcheck(f, (a, b))


# ---- sorting-like, histogram and set ops vs torch -------------------------------------------------------

def test_unique_bincount_histc(torch):
    rng = np.random.default_rng(5)
    v = rng.integers(0, 6, (4, 5))
    for kw in ({}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}, {"dim": 0, "return_inverse": True}):
        e, t = ember.unique(ember.tensor(v), **kw), torch.unique(torch.tensor(v), **kw)
        e, t = (e if isinstance(e, tuple) else (e,)), (t if isinstance(t, tuple) else (t,))
        for a, b in zip(e, t):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            assert str(a.dtype) == str(b.dtype)
    x = rng.integers(0, 7, 20)
    w = rng.standard_normal(20).astype(np.float32)
    for args in ((), (None, 10)):
        np.testing.assert_array_equal(ember.bincount(ember.tensor(x), *args).numpy(),
                                      torch.bincount(torch.tensor(x), *args).numpy())
    eb, tb = ember.bincount(ember.tensor(x), ember.tensor(w)), torch.bincount(torch.tensor(x), torch.tensor(w))
    assert str(eb.dtype) == str(tb.dtype)
    np.testing.assert_allclose(eb.numpy(), tb.numpy(), rtol=1e-5, atol=1e-6)
    f = rng.standard_normal(200).astype(np.float32)
    for args in ((), (10,), (7, -1.0, 1.0), (5, 0.0, 0.0)):
        e, t = ember.histc(ember.tensor(f), *args), torch.histc(torch.tensor(f), *args)
        assert str(e.dtype) == str(t.dtype)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_return_types_and_predicates(torch):
    x = ember.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    r = x.max(1)
    assert r.values.tolist() == [5.0, 7.0] and r.indices.tolist() == [1, 0]
    v, i = ember.sort(x, 1, descending=True)
    assert v.tolist() == [[5.0, 2.0, 1.0], [7.0, 3.0, 0.0]] and i.dtype == ember.int64
    assert type(r).__name__ == "max" and "torch.return_types.max" in repr(r)
    assert ember.allclose(x, x + 1e-9) and not ember.allclose(x, x + 1)
    assert ember.equal(x, x.clone()) and not ember.equal(x, x[:1])
    a = np.array([1.0, np.nan, np.inf])
    for kw in ({}, {"equal_nan": True}):
        np.testing.assert_array_equal(ember.isclose(ember.tensor(a), ember.tensor(a), **kw).numpy(),
                                      torch.isclose(torch.tensor(a), torch.tensor(a), **kw).numpy())
    mm = ember.aminmax(x, dim=1)
    assert mm.min.tolist() == [1.0, 0.0] and mm.max.tolist() == [5.0, 7.0]



def test_return_types_module(torch):
    import ember.return_types as rt
    assert ember.return_types is rt
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], dtype=np.float32)
    calls = {"max": lambda L, t: L.max(t, 1), "min": lambda L, t: t.min(1), "sort": lambda L, t: t.sort(),
             "topk": lambda L, t: t.topk(2), "kthvalue": lambda L, t: t.kthvalue(1),
             "median": lambda L, t: t.median(1), "mode": lambda L, t: t.mode(), "cummax": lambda L, t: t.cummax(1),
             "cummin": lambda L, t: t.cummin(0),
             "aminmax": lambda L, t: L.aminmax(t), "histogram": lambda L, t: L.histogram(t, 3)}
    for name, f in calls.items():
        e, t = f(ember, ember.tensor(x)), f(torch, torch.tensor(x))
        assert type(e) is getattr(rt, name) and type(t) is getattr(torch.return_types, name), name
        assert type(e)._fields == type(t).__match_args__, name


def test_out_of_max_min_all_any_searchsorted(torch):
    # out= is honoured (a (values, indices) pair for max/min along a dim), as torch does
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], dtype=np.float32)
    for L in (ember, torch):
        t = L.tensor(x)
        v, i = L.empty(0), L.empty(0, dtype=L.int64)
        r = L.max(t, 1, out=(v, i))
        assert r[0] is v and r[1] is i and v.tolist() == [5.0, 7.0] and i.tolist() == [1, 0]
        r = L.min(t, 0, keepdim=True, out=(v, i))
        assert r[0] is v and v.tolist() == [[1.0, 0.0, 2.0]] and i.tolist() == [[0, 1, 0]]
        o = L.empty(0)
        assert L.max(t, out=o) is o and o.item() == 7.0
        b = L.empty(0, dtype=L.bool)
        assert L.all(t > 0, 1, out=b) is b and b.tolist() == [True, False]
        assert L.any(t > 6, out=b) is b and b.item() is True
        o = L.empty(0, dtype=L.int64)
        seq = L.tensor([1.0, 2.0, 3.0])
        assert L.searchsorted(seq, L.tensor([2.5, 0.0]), out=o) is o and o.tolist() == [2, 0]
        assert L.bucketize(L.tensor([2.5, 4.0]), seq, out=o) is o and o.tolist() == [2, 3]

def test_new_constructors_and_fill_diagonal(torch):
    for L in (ember, torch):
        x = L.ones(2, 3, dtype=L.float64)
        assert x.new_zeros(4).dtype == L.float64 and tuple(x.new_ones((2, 2)).shape) == (2, 2)
        assert x.new_full((2,), 3.0).tolist() == [3.0, 3.0] and x.new_empty(1, 2).shape == (1, 2)
        assert x.new_tensor([1, 2]).dtype == L.float64
        assert x.new_zeros(2, dtype=L.int32).dtype == L.int32
        assert x.new_ones(2, requires_grad=True).requires_grad
    for shape, wrap in (((3, 3), False), ((5, 2), True), ((5, 2), False), ((2, 2, 2), False)):
        e = ember.zeros(*shape).fill_diagonal_(2.0, wrap)
        t = torch.zeros(*shape).fill_diagonal_(2.0, wrap)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    leaf = ember.ones(3, 3, requires_grad=True)
    y = (leaf * 2).fill_diagonal_(0.0)
    y.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), 2 * (1 - np.eye(3)))


# ---- random -----------------------------------------------------------------------------------------------

def test_random_reproducible_and_shapes(torch):
    ember.manual_seed(0)
    a = ember.normal(0.0, 1.0, (3, 4))
    ember.manual_seed(0)
    b = ember.normal(0.0, 1.0, (3, 4))
    assert ember.equal(a, b)
    g = ember.Generator().manual_seed(1)
    assert ember.normal(ember.zeros(2, 3), 2.0, generator=g).shape == (2, 3)
    cases = {
        "normal_t": lambda L: L.normal(L.zeros(2, 3), L.ones(3)),
        "normal_f64": lambda L: L.normal(L.zeros(3, dtype=L.float64), 1.0),
        "bernoulli": lambda L: L.bernoulli(L.full((4,), 0.5)),
        "bernoulli_p": lambda L: L.bernoulli(L.zeros(4, dtype=L.float64), 0.3),
        "poisson": lambda L: L.poisson(L.full((3,), 2.0)),
        "multinomial": lambda L: L.multinomial(L.ones(2, 5), 3),
        "multinomial_rep": lambda L: L.multinomial(L.ones(5), 8, True),
        "uniform_": lambda L: L.empty(3, 2).uniform_(-1, 1),
        "normal_": lambda L: L.empty(3, dtype=L.float64).normal_(2, 3),
        "random_": lambda L: L.empty(4, dtype=L.int32).random_(0, 10),
        "random_float": lambda L: L.empty(4).random_(5),
        "exponential_": lambda L: L.empty(5).exponential_(),
        "bernoulli_": lambda L: L.empty(5, dtype=L.int64).bernoulli_(0.5),
    }
    for name, f in cases.items():
        e, t = f(ember), f(torch)
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), name


def test_random_statistics():
    ember.manual_seed(123)
    n = 20000
    x = ember.empty(n).uniform_(2, 4)
    assert 2 <= x.min().item() and x.max().item() < 4 and abs(x.mean().item() - 3) < 0.03
    x = ember.empty(n).normal_(1, 2)
    assert abs(x.mean().item() - 1) < 0.06 and abs(x.std().item() - 2) < 0.06
    x = ember.empty(n).exponential_(4.0)
    assert abs(x.mean().item() - 0.25) < 0.01 and x.min().item() >= 0
    assert abs(ember.bernoulli(ember.full((n,), 0.3)).mean().item() - 0.3) < 0.02
    assert abs(ember.poisson(ember.full((n,), 3.0)).mean().item() - 3) < 0.06
    r = ember.empty(n, dtype=ember.int64).random_(3, 7)
    assert set(np.unique(r.numpy()).tolist()) == {3, 4, 5, 6}
    p = ember.tensor([[0.0, 1.0, 3.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    s = ember.multinomial(p, 2)
    assert all(sorted(row) == [1, 2] for row in s[:1].tolist()) and len(set(s[1].tolist())) == 2
    s = ember.multinomial(p, 4000, replacement=True)
    counts = np.bincount(s[0].numpy(), minlength=4)
    assert counts[0] == counts[3] == 0 and abs(counts[2] / 4000 - 0.75) < 0.03


def test_uniform_on_leaf_requires_no_grad():
    w = ember.empty(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.uniform_()
    with ember.no_grad():
        w.uniform_()
    assert w.requires_grad and w.grad_fn is None



@pytest.mark.parametrize("name, args", [("uniform_", ()), ("normal_", ()), ("bernoulli_", ()),
                                        ("bernoulli_", ("p",)), ("random_", ()), ("random_", (5,)),
                                        ("random_", (2, 5)), ("exponential_", ()), ("geometric_", (0.5,)),
                                        ("log_normal_", ()), ("cauchy_", ())])
def test_random_fill_in_a_graph(name, args, torch):
    # a fill of a non-leaf is recorded under torch's node name; the overwritten values get a zero gradient
    for L in (ember, torch):
        a = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        b = a * 2
        fill_args = tuple(L.tensor([0.0, 1.0, 1.0]) if x == "p" else x for x in args)
        r = getattr(b, name)(*fill_args)
        assert r is b and b._version == 1
        (b * L.tensor([1.0, 2.0, 3.0])).sum().backward()
        if L is ember:
            got = (b.grad_fn.name(), a.grad.numpy().tolist())
        else:
            want = (b.grad_fn.name(), a.grad.numpy().tolist())
    assert got == want


def test_random_fill_of_overlapping_memory_raises(torch):
    for L in (ember, torch):
        x = L.zeros(3).expand(2, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            x.uniform_()

# ---- hypothesis properties --------------------------------------------------------------------------------

hyp = require("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import mutually_broadcastable_shapes  # noqa: E402

_NP_BIN = {"add": np.add, "mul": np.multiply, "maximum": np.maximum, "atan2": np.arctan2,
           "logaddexp": np.logaddexp, "hypot": np.hypot}


@settings(max_examples=30, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(_NP_BIN)), seed=st.integers(0, 2**16))
def test_broadcasting_vs_numpy_and_unbroadcast_grads(shapes, op, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), out_shape = shapes
    a = rng.uniform(0.5, 2, sa).astype(np.float32)
    b = rng.uniform(0.5, 2, sb).astype(np.float32)
    ta, tb = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    out = getattr(ember, op)(ta, tb)
    assert tuple(out.shape) == tuple(out_shape)
    np.testing.assert_allclose(out.numpy(force=True), _NP_BIN[op](a, b), rtol=1e-5, atol=1e-6)
    if op == "add":
        # adjointness: the gradient of <a + b, u> w.r.t. a is u summed back to a's shape
        u = rng.standard_normal(out_shape).astype(np.float32)
        ga, gb = ember.autograd.grad(out, (ta, tb), ember.tensor(u))
        lead = len(out_shape) - len(sa)
        want = u.sum(axis=tuple(range(lead))) if lead else u
        want = want.sum(axis=tuple(i for i, s in enumerate(sa) if s == 1), keepdims=True) if sa else want.sum()
        np.testing.assert_allclose(ga.numpy(), np.broadcast_to(want, sa), rtol=1e-4, atol=1e-4)
        assert gb.shape == sb


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data(),
       fn=st.sampled_from(["sum", "mean", "amax", "amin", "var", "prod", "logsumexp"]), keepdim=st.booleans())
def test_reductions_vs_numpy(shape, data, fn, keepdim):
    nd = len(shape)
    dims = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                              unique_by=lambda d: d % nd))
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, shape)
    ax = tuple(d % nd for d in dims)
    t = ember.tensor(x)
    if fn == "prod":
        dims, ax = dims[:1], ax[:1]
        got = t.prod(dims[0], keepdim=keepdim)
    else:
        got = getattr(t, fn)(tuple(dims), keepdim=keepdim) if fn != "var" else t.var(tuple(dims), keepdim=keepdim)
    ref = {"sum": lambda: x.sum(ax, keepdims=keepdim), "mean": lambda: x.mean(ax, keepdims=keepdim),
           "amax": lambda: x.max(ax, keepdims=keepdim), "amin": lambda: x.min(ax, keepdims=keepdim),
           "var": lambda: x.var(ax, ddof=1, keepdims=keepdim), "prod": lambda: x.prod(ax, keepdims=keepdim),
           "logsumexp": lambda: np.log(np.exp(x).sum(ax, keepdims=keepdim))}[fn]()
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10, atol=1e-12, equal_nan=True)
    assert got.dtype == ember.float64


def test_random_int_ranges():
    x = ember.empty(2000, dtype=ember.int64).random_(5)
    assert x.min().item() == 0 and x.max().item() == 4
    x = ember.empty(2000).random_(2, 4)
    assert set(np.unique(x.numpy()).tolist()) == {2.0, 3.0}
    x = ember.empty(100, dtype=ember.uint8).random_()
    assert x.dtype == ember.uint8 and x.max().item() <= 255


def test_api_surface_matches_torch(torch):
    """Every public function of the op families ember exports at top level exists as `ember.x`, and Tensor has a
    method/in-place form wherever torch does."""
    import importlib
    families = ["convert", "arith", "unary", "binary", "special", "reduction", "sort", "sampling", "views",
                "indexing", "scatter", "join", "matmul", "linalg"]
    names = [n for f in families for n in importlib.import_module(f"ember._ops.{f}").__all__]
    public = [n for n in names if not n.startswith("_")]
    assert [n for n in public if not hasattr(ember, n)] == []
    missing = [n for n in public if hasattr(torch.Tensor, n) and not hasattr(ember.Tensor, n)]
    missing += [n + "_" for n in public if hasattr(torch.Tensor, n + "_") and not hasattr(ember.Tensor, n + "_")]
    extra = ["new_zeros", "new_ones", "new_full", "new_empty", "new_tensor", "fill_diagonal_", "uniform_", "normal_",
             "bernoulli_", "random_", "exponential_", "softmax", "log_softmax", "__lshift__", "__rshift__"]
    missing += [n for n in extra if not hasattr(ember.Tensor, n)]
    assert missing == []


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "std", "var", "prod", "argmax", "all", "any",
                                  "logsumexp", "nansum"])
def test_numpy_style_axis_aliases(name, torch):
    x = np.random.default_rng(0).uniform(0.5, 1.5, (2, 3, 4)).astype(np.float32)
    e = getattr(ember.from_numpy(x.copy()), name)(axis=1, keepdims=True)
    t = getattr(torch.from_numpy(x.copy()), name)(axis=1, keepdims=True)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5)
    ax = 2 if name in ("prod", "argmax") else (0, 2)     # these two take a single dim
    e = getattr(ember, name)(ember.from_numpy(x.copy()), axis=ax)
    t = getattr(torch, name)(torch.from_numpy(x.copy()), axis=ax)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5)


GRAD_FN_NAMES = {
    "max_dim": lambda x: x.max(1).values, "max_all": lambda x: x.max(), "min_all": lambda x: x.min(),
    "amax": lambda x: x.amax(1), "sort": lambda x: x.sort(1).values, "topk": lambda x: x.topk(2).values,
    "kthvalue": lambda x: x.kthvalue(2).values, "median": lambda x: x.median(1).values,
    "median_all": lambda x: x.median(), "mode": lambda x: x.mode(1).values, "cummax": lambda x: x.cummax(1).values,
    "cummin": lambda x: x.cummin(1).values, "clamp": lambda x: x.clamp(0, 1), "var": lambda x: x.var(),
    "std": lambda x: x.std(1), "square": lambda x: x.square(), "round": lambda x: x.round(),
    "logit": lambda x: x.logit(), "maximum": lambda x: x.maximum(x), "nansum": lambda x: x.nansum(),
    "erfinv": lambda x: x.erfinv(), "sign": lambda x: x.sign(), "nan_to_num": lambda x: x.nan_to_num(),
    "softmax": lambda x: x.softmax(1), "log_softmax": lambda x: x.log_softmax(1), "logsumexp": lambda x: x.logsumexp(1),
    "cumsum": lambda x: x.cumsum(1), "prod_all": lambda x: x.prod(), "norm": lambda x: x.norm(),
}


@pytest.mark.parametrize("name", sorted(GRAD_FN_NAMES))
def test_grad_fn_names(name, torch):
    data = np.random.default_rng(0).uniform(0.1, 0.9, (3, 4)).astype(np.float32)
    e = GRAD_FN_NAMES[name](ember.tensor(data, requires_grad=True)).grad_fn.name()
    t = GRAD_FN_NAMES[name](torch.tensor(data, requires_grad=True)).grad_fn.name()
    assert e == t


def test_out_argument(torch):
    for L in (ember, torch):
        o = L.empty(2, 3)
        r = L.exp(L.zeros(2, 3), out=o)
        assert r is o and o.tolist() == [[1.0] * 3] * 2
        o = L.empty(0)
        L.sum(L.ones(2, 3), 1, out=o)          # resized like torch
        assert o.tolist() == [3.0, 3.0]
        with pytest.raises(RuntimeError):
            L.exp(L.zeros(2), out=L.empty(2, dtype=L.int64))


def test_contains_real_conj(torch):
    for L in (ember, torch):
        t = L.tensor([1.0, 2.0])
        assert (2 in t) and (3 not in t) and (L.tensor(1.0) in t)
        assert t.real is t and t.conj() is t and not t.is_conj()
        with pytest.raises(RuntimeError):
            t.imag
