"""Each non-convolution layer vs torch with copied weights: outputs and grads of inputs and parameters."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from oracle import check, raises_like, run_both

RTOL, ATOL = 1e-5, 1e-6

# (id, factory(lib) -> module, input shapes, input scale)
LAYERS = [
    ("linear", lambda L: L.nn.Linear(5, 3), [(4, 5)], 1.0),
    ("linear_3d", lambda L: L.nn.Linear(5, 3), [(2, 4, 5)], 1.0),
    ("linear_1d", lambda L: L.nn.Linear(5, 3), [(5,)], 1.0),
    ("linear_nobias", lambda L: L.nn.Linear(5, 3, bias=False), [(4, 5)], 1.0),
    ("bilinear", lambda L: L.nn.Bilinear(3, 4, 2), [(5, 3), (5, 4)], 1.0),
    ("identity", lambda L: L.nn.Identity(7), [(3, 2)], 1.0),
    ("relu", lambda L: L.nn.ReLU(), [(4, 6)], 2.0),
    ("relu6", lambda L: L.nn.ReLU6(), [(4, 6)], 5.0),
    ("leaky_relu", lambda L: L.nn.LeakyReLU(0.2), [(4, 6)], 2.0),
    ("prelu_1", lambda L: L.nn.PReLU(), [(4, 3, 5)], 2.0),
    ("prelu_c", lambda L: L.nn.PReLU(3, init=0.1), [(4, 3, 5)], 2.0),
    ("elu", lambda L: L.nn.ELU(alpha=0.7), [(4, 6)], 2.0),
    ("selu", lambda L: L.nn.SELU(), [(4, 6)], 2.0),
    ("celu", lambda L: L.nn.CELU(alpha=1.5), [(4, 6)], 2.0),
    ("gelu", lambda L: L.nn.GELU(), [(4, 6)], 3.0),
    # scale 2: past |x| ~ 4, 1 - tanh^2 cancels in float32 and torch's own tanh rounding dominates
    ("gelu_tanh", lambda L: L.nn.GELU(approximate="tanh"), [(4, 6)], 2.0),
    ("silu", lambda L: L.nn.SiLU(), [(4, 6)], 3.0),
    ("mish", lambda L: L.nn.Mish(), [(4, 6)], 3.0),
    ("hardswish", lambda L: L.nn.Hardswish(), [(4, 6)], 5.0),
    ("hardsigmoid", lambda L: L.nn.Hardsigmoid(), [(4, 6)], 5.0),
    ("hardtanh", lambda L: L.nn.Hardtanh(-0.5, 1.5), [(4, 6)], 2.0),
    ("softplus", lambda L: L.nn.Softplus(beta=2.0, threshold=3.0), [(4, 6)], 3.0),
    ("softsign", lambda L: L.nn.Softsign(), [(4, 6)], 3.0),
    ("tanh", lambda L: L.nn.Tanh(), [(4, 6)], 2.0),
    ("sigmoid", lambda L: L.nn.Sigmoid(), [(4, 6)], 2.0),
    ("logsigmoid", lambda L: L.nn.LogSigmoid(), [(4, 6)], 30.0),
    ("softmax", lambda L: L.nn.Softmax(dim=1), [(4, 6, 3)], 3.0),
    ("log_softmax", lambda L: L.nn.LogSoftmax(dim=-1), [(4, 6)], 3.0),
    ("softmin", lambda L: L.nn.Softmin(dim=0), [(4, 6)], 3.0),
    ("threshold", lambda L: L.nn.Threshold(0.3, -2.0), [(4, 6)], 1.0),
    ("glu", lambda L: L.nn.GLU(dim=1), [(4, 6)], 2.0),
    ("tanhshrink", lambda L: L.nn.Tanhshrink(), [(4, 6)], 2.0),
    ("flatten", lambda L: L.nn.Flatten(), [(2, 3, 4)], 1.0),
    ("unflatten", lambda L: L.nn.Unflatten(1, (3, 2)), [(4, 6)], 1.0),
    ("mlp", lambda L: L.nn.Sequential(L.nn.Linear(8, 16), L.nn.GELU(), L.nn.Dropout(0.0), L.nn.Linear(16, 4),
                                      L.nn.LogSoftmax(dim=1)), [(5, 8)], 1.0),
]


@pytest.fixture(autouse=True)
def _seeded():
    """Deterministic weights on both sides (torch's default init draws from its global generator)."""
    ember.manual_seed(0)
    try:
        import torch
        torch.manual_seed(0)
    except ImportError:
        pass


def _copy_weights(tm, em):
    em.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name,factory,shapes,scale", LAYERS, ids=[row[0] for row in LAYERS])
def test_layer_matches_torch(torch, name, factory, shapes, scale, mode):
    rng = np.random.default_rng(sum(map(ord, name)))
    torch.manual_seed(0)
    tm, em = factory(torch), factory(ember)
    assert repr(em) == repr(tm)
    _copy_weights(tm, em)
    getattr(tm, mode)(), getattr(em, mode)()
    arrays = [(rng.standard_normal(s) * scale).astype(np.float32) for s in shapes]
    check(torch, em, tm, arrays, RTOL, ATOL, grad_atol=ATOL)


def test_float64_linear_and_dtype_errors(torch):
    lin = nn.Linear(3, 2).double()
    x = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
    y = lin(x)
    assert y.dtype == ember.float64
    y.sum().backward()
    assert lin.weight.grad.dtype == ember.float64
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype"):
        nn.Linear(3, 2)(x)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 5x2\)"):
        nn.Linear(5, 2)(ember.randn(4, 3))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 5x2\)"):
        torch.nn.Linear(5, 2)(torch.randn(4, 3))


def test_dropout_train_eval_and_statistics():
    ember.manual_seed(0)
    d = nn.Dropout(0.25)
    x = ember.ones(200, 500, requires_grad=True)
    y = d(x)
    a = y.detach().numpy()
    kept = a != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(a[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), a)      # the gradient is the same scaled mask
    d.eval()
    assert d(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert float(F.dropout(ember.ones(10), 1.0).sum()) == 0.0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    # reproducible under manual_seed
    ember.manual_seed(3)
    m1 = F.dropout(ember.ones(50)).numpy()
    ember.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(ember.ones(50)).numpy(), m1)
    # feature dropout zeroes whole channels
    z = F.dropout2d(ember.ones(8, 16, 4, 4), 0.5).numpy()
    per_channel = z.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    z1 = nn.Dropout1d(0.5)(ember.ones(8, 16, 5)).numpy()
    assert np.all((z1 == 0).all(-1) | (z1 == 2).all(-1))
    # in place
    t = ember.ones(100)
    assert F.dropout(t, 0.5, inplace=True) is t and (t.numpy() == 0).any()


def test_alpha_dropout_keeps_moments():
    ember.manual_seed(1)
    x = ember.randn(400, 500)
    y = nn.AlphaDropout(0.2)(x).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert nn.AlphaDropout(0.2).eval()(x) is x


@pytest.mark.parametrize("padding_idx", [None, 1, -2])
def test_embedding_matches_torch(torch, padding_idx):
    rng = np.random.default_rng(0)
    tm = torch.nn.Embedding(7, 4, padding_idx=padding_idx)
    em = nn.Embedding(7, 4, padding_idx=padding_idx)
    assert repr(em) == repr(tm)
    _copy_weights(tm, em)
    idx = rng.integers(0, 7, (3, 5))
    idx[0, :3] = 1
    cot = rng.standard_normal((3, 5, 4)).astype(np.float32)
    eo = em(ember.tensor(idx))
    to = tm(torch.tensor(idx))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy())
    (eo * ember.tensor(cot)).sum().backward()
    (to * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(IndexError, match="index out of range in self"):
        em(ember.tensor([7]))
    pre = nn.Embedding.from_pretrained(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert not pre.weight.requires_grad and pre(ember.tensor([1])).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(ember.ones(2, 2), freeze=False).weight.requires_grad


def test_embedding_max_norm(torch):
    w = np.random.default_rng(2).standard_normal((6, 3)).astype(np.float32) * 3
    em = nn.Embedding.from_pretrained(ember.tensor(w.copy()), max_norm=1.0)
    tm = torch.nn.Embedding.from_pretrained(torch.tensor(w.copy()), max_norm=1.0)
    idx = [0, 2, 2, 5]
    np.testing.assert_allclose(em(ember.tensor(idx)).numpy(), tm(torch.tensor(idx)).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


FUNCS = [
    ("one_hot", lambda L, x: L.nn.functional.one_hot(L.tensor([0, 2, 1, 3]), 5), None),
    ("normalize", lambda L, x: L.nn.functional.normalize(x, dim=1), (4, 5)),
    ("normalize_p1", lambda L, x: L.nn.functional.normalize(x, p=1.0, dim=0), (4, 5)),
    ("cosine_similarity", lambda L, x: L.nn.functional.cosine_similarity(x, x.flip(0) if hasattr(x, "flip") else x,
                                                                          dim=1), (4, 5)),
    ("pairwise_distance", lambda L, x: L.nn.functional.pairwise_distance(x, x * 0.5 + 1), (4, 5)),
    ("pairwise_distance_p3", lambda L, x: L.nn.functional.pairwise_distance(x, x * 0.5 + 1, p=3.0, keepdim=True),
     (4, 5)),
    ("sdpa", lambda L, x: L.nn.functional.scaled_dot_product_attention(x, x * 0.5, x + 1.0), (2, 3, 4, 5)),
    ("sdpa_causal", lambda L, x: L.nn.functional.scaled_dot_product_attention(x, x * 0.5, x, is_causal=True),
     (2, 4, 5)),
    ("sdpa_mask", lambda L, x: L.nn.functional.scaled_dot_product_attention(
        x, x, x, attn_mask=L.tensor(np.tril(np.ones((4, 4), dtype=bool)) | np.eye(4, k=2, dtype=bool))), (3, 4, 5)),
    ("softmax_dtype", lambda L, x: L.nn.functional.softmax(x, dim=0, dtype=L.float64), (3, 4)),
    ("hardshrink", lambda L, x: L.nn.functional.hardshrink(x, 0.3), (3, 4)),
    ("softshrink", lambda L, x: L.nn.functional.softshrink(x, 0.3), (3, 4)),
]


@pytest.mark.parametrize("name,fn,shape", FUNCS, ids=[f[0] for f in FUNCS])
def test_functional_matches_torch(torch, name, fn, shape):
    if shape is None:
        run_both(torch, lambda L: fn(L, None), rtol=0, atol=0)
        return
    if name == "cosine_similarity":
        fn = lambda L, x: L.nn.functional.cosine_similarity(x, x * x - 0.5, dim=1)  # noqa: E731
    a = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    check(torch, lambda x: fn(ember, x), lambda x: fn(torch, x), [a], 1e-5, 1e-6, grad_atol=1e-5, seed=6)


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(ember.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(ember.tensor([0.0]))
    assert F.one_hot(ember.tensor([[1], [0]])).shape == (2, 1, 2)


def test_multihead_attention_matches_torch(torch):
    rng = np.random.default_rng(3)
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    em = nn.MultiheadAttention(8, 2, batch_first=True)
    assert list(em.state_dict()) == list(tm.state_dict())
    _copy_weights(tm, em)
    q = rng.standard_normal((3, 4, 8)).astype(np.float32)
    kv = rng.standard_normal((3, 5, 8)).astype(np.float32)
    eo, ew = em(ember.tensor(q), ember.tensor(kv), ember.tensor(kv))
    to, tw = tm(torch.tensor(q), torch.tensor(kv), torch.tensor(kv))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_activation_errors_and_inplace(torch):
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(ember.randn(2), approximate="fast")
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(ember.randn(3, 5))
    x = ember.randn(5)
    y = F.leaky_relu(x, 0.1, inplace=True)
    assert y is x and (x.numpy() >= -1).all()
    a = np.random.default_rng(0).standard_normal(6).astype(np.float32)
    for name in ("elu", "selu", "silu", "hardtanh", "relu6", "hardswish"):
        xe = ember.tensor(a.copy())
        xt = torch.tensor(a.copy())
        getattr(F, name)(xe, inplace=True)
        getattr(torch.nn.functional, name)(xt, inplace=True)
        np.testing.assert_allclose(xe.numpy(), xt.numpy(), rtol=1e-5, atol=1e-6)
    # in-place activation inside an autograd graph
    w = ember.tensor(a, requires_grad=True)
    h = w * 2
    F.elu(h, inplace=True)
    h.sum().backward()
    wt = torch.tensor(a, requires_grad=True)
    ht = wt * 2
    torch.nn.functional.elu(ht, inplace=True)
    ht.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-5, atol=1e-6)


ACT_ERRORS = [
    ("softmax_int", lambda L: L.nn.functional.softmax(L.tensor([1, 2]), 0)),
    ("gelu_int", lambda L: L.nn.functional.gelu(L.tensor([1, 2]))),
    ("silu_int", lambda L: L.nn.functional.silu(L.tensor([1, 2]))),
    ("elu_int", lambda L: L.nn.functional.elu(L.tensor([1, 2]))),
    ("leaky_int", lambda L: L.nn.functional.leaky_relu(L.tensor([1, 2]))),
    ("softmax_dim", lambda L: L.nn.functional.softmax(L.zeros(2, 3), 2)),
    ("prelu_channels", lambda L: L.nn.functional.prelu(L.zeros(2, 3), L.ones(2))),
    ("dropout_p", lambda L: L.nn.functional.dropout(L.zeros(2), -0.1)),
    # torch.softmax and Tensor.softmax require dim (only the F.* forms infer one)
    ("softmax_method_no_dim", lambda L: L.zeros(2, 3).softmax()),
    ("softmax_method_dim_none", lambda L: L.zeros(2, 3).softmax(None)),
    ("log_softmax_method_no_dim", lambda L: L.zeros(2, 3).log_softmax()),
    ("softmax_fn_no_dim", lambda L: L.softmax(L.zeros(2, 3))),
    ("log_softmax_fn_dim_none", lambda L: L.log_softmax(L.zeros(2, 3), dim=None)),
    ("special_softmax_no_dim", lambda L: L.special.softmax(L.zeros(2, 3))),
    ("softmax_dim_str", lambda L: L.softmax(L.zeros(2, 3), "a")),
]


@pytest.mark.parametrize("name,call", ACT_ERRORS, ids=[e[0] for e in ACT_ERRORS])
def test_error_types_match_torch(torch, name, call):
    raises_like(torch, call, exc="message" if name.endswith("_int") else "subclass")


@pytest.mark.parametrize("shape,dim", [((0, 3), 0), ((0, 3), 1), ((), 0), ((5,), -1)])
def test_softmax_edge_shapes(torch, shape, dim):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for fn in ("softmax", "log_softmax"):
        e = getattr(F, fn)(ember.tensor(a), dim)
        t = getattr(torch.nn.functional, fn)(torch.tensor(a), dim)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_implicit_softmax_dim_like_torch(torch, fn, shape):
    # F.* without dim: torch's legacy dim choice, its deprecation warning naming the function, reported at the caller
    import warnings
    a = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    res = []
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = getattr(lib.nn.functional, fn)(lib.tensor(a))
        res.append((y.numpy(), [(str(m.message), m.category, m.filename) for m in w]))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6, atol=1e-7)
    assert res[0][1] == res[1][1] and len(res[1][1]) == 1 and res[1][1][0][2] == __file__


@pytest.mark.parametrize("name", ["dropout", "alpha_dropout", "feature_alpha_dropout", "dropout2d", "rrelu"])
def test_inplace_random_activation_retains_grad(torch, name):
    # y.retain_grad() follows y to its value after the in-place write (torch's rule): y.grad is d(3y)/dy
    out = []
    for lib in (ember, torch):
        x = lib.ones(2, 3, 4, 5, requires_grad=True)
        y = x * -2
        y.retain_grad()
        f = getattr(lib.nn.functional, name)
        r = f(y, training=True, inplace=True) if name == "rrelu" else f(y, 0.5, True, inplace=True)
        assert r is y
        (y * 3).sum().backward()
        out.append(y.grad.numpy())
    np.testing.assert_array_equal(out[0], out[1])


def test_rrelu_training_node_and_normalize_out(torch):
    names = [lib.nn.functional.rrelu(lib.ones(3, requires_grad=True) * -1, training=True).grad_fn.name()
             for lib in (ember, torch)]
    assert names[0] == names[1]
    a = np.random.default_rng(2).standard_normal((2, 3)).astype(np.float32)
    res = []
    for lib in (ember, torch):
        out = lib.zeros(2, 3)
        r = lib.nn.functional.normalize(lib.tensor(a), dim=1, out=out)
        assert r is out
        res.append(out.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "elu", "softplus", "logsigmoid", "hardswish", "softmax",
                                  "log_softmax", "linear"])
def test_float64_activations_match_torch(torch, name):
    a = np.random.default_rng(4).standard_normal((5, 6)) * 3
    w = np.random.default_rng(5).standard_normal((3, 6))
    out = []
    for lib in (ember, torch):
        x = lib.tensor(a, requires_grad=True)
        f = lib.nn.functional
        if name in ("softmax", "log_softmax"):
            y = getattr(f, name)(x, dim=1)
        elif name == "linear":
            y = f.linear(x, lib.tensor(w))
        else:
            y = getattr(f, name)(x)
        (y * y).sum().backward()
        assert str(y.dtype).endswith("float64")
        out.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("variant", ["seq_first", "key_padding", "attn_mask_bool", "attn_mask_float", "causal",
                                     "unbatched", "no_bias_per_head"])
def test_multihead_attention_variants(torch, variant):
    rng = np.random.default_rng(9)
    kw = {"bias": False} if variant == "no_bias_per_head" else {}
    tm, em = torch.nn.MultiheadAttention(6, 3, **kw), nn.MultiheadAttention(6, 3, **kw)
    _copy_weights(tm, em)
    L, S, N = 4, 5, 2
    shape_q, shape_kv = ((L, 6), (S, 6)) if variant == "unbatched" else ((L, N, 6), (S, N, 6))
    q = rng.standard_normal(shape_q).astype(np.float32)
    kv = rng.standard_normal(shape_kv).astype(np.float32)
    extra = {}
    if variant == "key_padding":
        m = np.zeros((N, S), dtype=bool)
        m[0, -2:] = True
        extra["key_padding_mask"] = m
    elif variant == "attn_mask_bool":
        extra["attn_mask"] = np.triu(np.ones((L, S), dtype=bool), 2)
    elif variant == "attn_mask_float":
        extra["attn_mask"] = rng.standard_normal((N * 3, L, S)).astype(np.float32)
    elif variant == "causal":
        kv = q
        extra["attn_mask"] = np.triu(np.ones((L, L), dtype=bool), 1)
        extra["is_causal"] = True
    outs = []
    for lib, mod in ((ember, em), (torch, tm)):
        args = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in extra.items()}
        xq = lib.tensor(q, requires_grad=True)
        o, w = mod(xq, lib.tensor(kv), lib.tensor(kv), average_attn_weights=variant != "no_bias_per_head", **args)
        (o * o).sum().backward()
        outs.append((o.detach().numpy(), w.detach().numpy(), xq.grad.numpy(), mod.in_proj_weight.grad.numpy()))
    for a, b in zip(*outs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


BAGS = [
    ("sum_2d", dict(mode="sum"), "2d", False),
    ("mean_2d_pad", dict(mode="mean", padding_idx=2), "2d", False),
    ("max_2d", dict(mode="max"), "2d", False),
    ("mean_offsets", dict(mode="mean"), "offsets", False),
    ("max_offsets_empty_bag", dict(mode="max"), "offsets_empty", False),
    ("sum_offsets_psw", dict(mode="sum"), "offsets", True),
    ("sum_last_offset", dict(mode="sum", include_last_offset=True), "last_offset", False),
]


@pytest.mark.parametrize("name,kw,layout,psw", BAGS, ids=[b[0] for b in BAGS])
def test_embedding_bag_matches_torch(torch, name, kw, layout, psw):
    rng = np.random.default_rng(sum(map(ord, name)))
    tm, em = torch.nn.EmbeddingBag(6, 3, **kw), nn.EmbeddingBag(6, 3, **kw)
    assert repr(em) == repr(tm)
    _copy_weights(tm, em)
    if layout == "2d":
        idx, offsets = rng.integers(0, 6, (4, 3)), None
    else:
        idx = rng.integers(0, 6, 7)
        offsets = {"offsets": [0, 2, 5], "offsets_empty": [0, 3, 3], "last_offset": [0, 2, 7]}[layout]
    weights = rng.standard_normal(idx.shape).astype(np.float32) if psw else None
    outs = []
    for lib, mod in ((ember, em), (torch, tm)):
        args = [lib.tensor(idx)] + ([lib.tensor(offsets)] if offsets is not None else [])
        p = lib.tensor(weights, requires_grad=True) if psw else None
        out = mod(*args, per_sample_weights=p) if psw else mod(*args)
        (out * lib.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)))).sum().backward()
        outs.append([out.detach().numpy(), mod.weight.grad.numpy()] + ([p.grad.numpy()] if psw else []))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)



@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_divides_by_uses(mode, torch):
    """Each row's gradient is divided by how often its index occurs in the mini-batch (torch's documented rule;
    torch 2.13's CPU kernel divides by misaligned counts, see the README's deliberate differences). Expected
    values by hand: the plain gradient (torch's, unscaled) over the counts."""
    idx, off = [0, 2, 2, 5, 2, 1, 0], [0, 3]
    w0 = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    tw = torch.tensor(w0, requires_grad=True)
    torch.nn.functional.embedding_bag(torch.tensor(idx), tw, torch.tensor(off), mode=mode).sum().backward()
    counts = np.maximum(np.bincount(idx, minlength=6), 1)[:, None]
    w = ember.tensor(w0, requires_grad=True)
    F.embedding_bag(ember.tensor(idx), w, ember.tensor(off), mode=mode, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy() / counts, rtol=1e-6)
    raises_like(torch, lambda L: L.nn.functional.embedding_bag(L.tensor(idx), L.ones(6, 3), L.tensor(off),
                                                                mode="max", scale_grad_by_freq=True))

FACTORY_LAYERS = [
    lambda **kw: nn.Linear(2, 3, **kw), lambda **kw: nn.Bilinear(2, 2, 3, **kw), lambda **kw: nn.LazyLinear(3, **kw),
    lambda **kw: nn.Conv2d(1, 2, 3, **kw), lambda **kw: nn.ConvTranspose1d(1, 2, 3, **kw),
    lambda **kw: nn.BatchNorm2d(2, **kw), lambda **kw: nn.InstanceNorm1d(2, affine=True, **kw),
    lambda **kw: nn.LayerNorm(4, **kw), lambda **kw: nn.GroupNorm(1, 2, **kw), lambda **kw: nn.PReLU(**kw),
    lambda **kw: nn.Embedding(5, 2, **kw), lambda **kw: nn.EmbeddingBag(5, 2, **kw),
    lambda **kw: nn.MultiheadAttention(4, 2, **kw),
]


@pytest.mark.parametrize("i", range(len(FACTORY_LAYERS)))
def test_layer_factory_device_and_dtype(i):
    """Every layer resolves device=/dtype= the same way: 'cpu' and a dtype work, another device raises."""
    m = FACTORY_LAYERS[i](device="cpu", dtype=ember.float64)
    assert all(p.dtype == ember.float64 for p in m.parameters())
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        FACTORY_LAYERS[i](device="cuda")


# ---- numerics of log_softmax and dropout, RReLU, distance modules, gumbel_softmax ------------------------------

_X = np.random.default_rng(0).standard_normal((6, 5, 3, 2)).astype(np.float32)


def _log_softmax_big(lib):
    F = lib.nn.functional
    x = lib.tensor(np.array([[1e4, 0, -1e4], [1e4, 1e4 - 1, 3]], np.float32), requires_grad=True)
    y = F.log_softmax(x, dim=1)
    (y * lib.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))).sum().backward()
    return y, x.grad, F.softmax(x, dim=0)


def _dropout_eval(lib):
    d = lib.nn.Dropout(0.5)
    d.eval()
    x = lib.tensor(_X, requires_grad=True)
    y = d(x)
    (y * 3).sum().backward()
    return y, x.grad, lib.nn.functional.dropout(x, 0.5, training=False)


@pytest.mark.parametrize("case", ["log_softmax_1e4", "dropout_eval"])
def test_activation_numerics_match_torch(same, case):
    same({"log_softmax_1e4": _log_softmax_big, "dropout_eval": _dropout_eval}[case], rtol=1e-5, atol=1e-6)


def test_rrelu_matches_torch(torch):
    x = np.linspace(-2, 2, 20001, dtype=np.float32)
    for lib in (torch, ember):
        m = lib.nn.RReLU(0.1, 0.3)
        xt = lib.tensor(x, requires_grad=True)
        y = m(xt)
        y.sum().backward()
        neg = x < 0
        slope = y.detach().numpy()[neg] / x[neg]
        assert 0.1 <= slope.min() and slope.max() <= 0.3 and abs(slope.mean() - 0.2) < 0.005
        np.testing.assert_allclose(xt.grad.numpy()[neg], slope, rtol=1e-5)
        np.testing.assert_array_equal(y.detach().numpy()[~neg], x[~neg])
    outs = [lib.nn.RReLU(0.1, 0.3).eval()(lib.tensor(x)).numpy() for lib in (torch, ember)]
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6)
    assert repr(ember.nn.RReLU(inplace=True)) == repr(torch.nn.RReLU(inplace=True))


def _distance(lib):
    a = lib.tensor(_X[:, :, 0, 0], requires_grad=True)
    b = lib.tensor(_X[::-1, :, 1, 0].copy(), requires_grad=True)
    y1 = lib.nn.PairwiseDistance(p=3, keepdim=True)(a, b)
    y2 = lib.nn.CosineSimilarity(dim=1)(a, b)
    (y1.sum() + y2.sum()).backward()
    return [y1, y2, a.grad, b.grad, repr(lib.nn.PairwiseDistance()) + repr(lib.nn.CosineSimilarity(0))]


def test_distance_modules_match_torch(same):
    same(_distance, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax(hard):
    ember.manual_seed(0)
    logits = ember.tensor(np.log(np.array([[0.1, 0.2, 0.7]] * 4000, np.float32)), requires_grad=True)
    y = ember.nn.functional.gumbel_softmax(logits, tau=0.5, hard=hard)
    yn = y.detach().numpy()
    np.testing.assert_allclose(yn.sum(1), 1, rtol=1e-5)
    if hard:
        assert set(np.unique(yn)) <= {0.0, 1.0}
    # Gumbel-max: argmax frequencies follow softmax(logits)
    np.testing.assert_allclose(np.bincount(yn.argmax(1), minlength=3) / 4000, [0.1, 0.2, 0.7], atol=0.03)
    (y * ember.tensor(np.array([1.0, 2.0, 3.0], np.float32))).sum().backward()
    assert logits.grad is not None and np.isfinite(logits.grad.numpy()).all()
