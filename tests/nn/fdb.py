"""The `torch.nn.functional` table: one row per function variant drives tests/nn/test_functional_oracle.py.

A row's `fn(F, *tensors)` is called with F = ember.nn.functional and F = torch.nn.functional on the same NumPy
`samples` (float32 arrays become tensors that require grad, or per `rg`; integer and bool arrays are indices,
targets and masks); `lib(F)` is the matching top-level library (`ember` or `torch`). The test compares values,
dtypes and shapes, in float32 and float64, the gradients of the float inputs under a random cotangent, a
float64 gradcheck of sample 0 (ember alone), a double backward against torch where `gradgrad`, integer inputs
where `ints`, and each of `errors` (a function of F that torch refuses) raises torch's exception type.
Random functions (`random=`): torch gives the structure (shape, dtype, requires_grad), and the invariant
`random(arrays, out, grads, cotangent)`, written by hand, checks ember's values and gradients.
`bugs`: {test id: reason} for known ember bugs (strict xfails); test ids are `forward-i`, `float64-i`,
`int64-i`, `gradcheck`, `gradgrad-i`, `random-i` and `error-k`.
"""
from __future__ import annotations

import sys

import numpy as np

_rng = np.random.default_rng(20240611)


def r(*shape, lo=None, hi=None):
    """Standard normal float32 (or uniform in [lo, hi))."""
    if lo is not None:
        return np.asarray(_rng.uniform(lo, hi, shape), dtype=np.float32)
    return np.asarray(_rng.standard_normal(shape), dtype=np.float32)


def ix(*vals):
    return np.array(vals, dtype=np.int64)


def rix(high, *shape):
    return _rng.integers(0, high, size=shape).astype(np.int64)


def pm1(*shape):
    """A target of -1 and 1 (float32, not differentiated)."""
    return np.asarray(_rng.choice([-1.0, 1.0], shape), dtype=np.float32)


def mask(*shape):
    return _rng.random(shape) > 0.4


def lib(F):
    """The library of a functional module: `ember` for ember.nn.functional, torch for torch.nn.functional."""
    return sys.modules[F.__name__.partition(".")[0]]


def t(F, *shape, dtype="float32"):
    """A deterministic tensor (for the bad-input rows: the same values on both sides)."""
    n = int(np.prod(shape))
    return lib(F).from_numpy(np.linspace(-1.5, 1.5, n).reshape(shape).astype(dtype))


def ti(F, *vals):
    return lib(F).tensor(list(vals), dtype=lib(F).int64)


def leaf(F, *shape):
    """A deterministic leaf that requires grad (in-place functions refuse it)."""
    return t(F, *shape).requires_grad_()


class FSpec:
    def __init__(self, name, fn, samples, *, variant="", grad=True, rg=None, gradcheck=True, gradgrad=False,
                 rtol=1e-5, atol=1e-6, f64=True, grad_rtol64=1e-8, ints=False, random=None, errors=(),
                 bugs=None):
        self.name, self.fn, self.variant = name, fn, variant
        self.samples = [tuple(np.asarray(a) for a in sample) for sample in samples]   # 0-d arrays stay arrays
        self.grad, self.rg, self.gradcheck, self.gradgrad = grad, rg, gradcheck, gradgrad
        self.rtol, self.atol, self.f64, self.grad_rtol64, self.ints = rtol, atol, f64, grad_rtol64, ints
        self.random, self.errors, self.bugs = random, list(errors), bugs or {}

    @property
    def id(self):
        return self.name + (f"-{self.variant}" if self.variant else "")

    def __repr__(self):
        return self.id


def S(name, fn, samples, **kw):
    return FSpec(name, fn, samples, **kw)


def bug(reason, *keys):
    """{test id: reason} for the cases that show one ember bug."""
    return {k: "ember bug: " + reason for k in keys}


def both(*idx):
    """The float32 and float64 test ids of samples `idx`."""
    return [f"{kind}-{i}" for i in idx for kind in ("forward", "float64")]




X34 = [(r(3, 4) * 2,), (r(2, 3, 4) * 2,), (r() * 2,), (r(0, 3),)]
X34_SMALL = [(r(3, 4) * 2,), (r() * 2,)]


def act(name, *args, samples=X34, **kw):
    """An elementwise activation F.name(x, *args)."""
    return S(name, lambda F, x, _n=name, _a=args: getattr(F, _n)(x, *_a), samples, **kw)


def act_(name, *args, **kw):
    """F.name_ (in place) on a non-leaf copy of the input."""
    return S(name, lambda F, x, _n=name, _a=args: getattr(F, _n)(x * 1, *_a), X34_SMALL, **kw)


def _softmax_sums(arrays, out, grads, cot):
    assert np.all(out >= 0) and np.allclose(out.sum(-1), 1, atol=1e-5)
    assert grads[0].shape == arrays[0].shape and np.all(np.isfinite(grads[0]))


def _one_hot_rows(arrays, out, grads, cot):
    assert set(np.unique(out)) <= {0.0, 1.0} and np.all(out.sum(-1) == 1)
    # straight-through: the gradient is the soft sample's, finite and not all zero
    assert np.all(np.isfinite(grads[0])) and np.any(grads[0])


def _dropout(p, feature_dims=0):
    """out = mask * x / (1 - p) with whole channels masked when `feature_dims` trailing dims share a mask."""
    def check(arrays, out, grads, cot):
        x = arrays[0]
        keep = out != 0
        if feature_dims:
            axes = tuple(range(x.ndim - feature_dims, x.ndim))
            assert np.all(keep.all(axis=axes) | (~keep).all(axis=axes)), "a channel is partly dropped"
        np.testing.assert_allclose(out, keep * x / (1 - p), rtol=1e-6)
        np.testing.assert_allclose(grads[0], keep * cot / (1 - p), rtol=1e-6)
        assert 0 < keep.mean() < 1
    return check


def _alpha_dropout(p, feature_dims=0):
    alpha = -1.7580993408473766
    a = ((1 - p) * (1 + p * alpha ** 2)) ** -0.5
    b = -a * alpha * p

    def check(arrays, out, grads, cot):
        x = arrays[0]
        keep = np.isclose(out, a * x + b, rtol=1e-5, atol=1e-6)
        dropped = np.isclose(out, a * alpha + b, rtol=1e-5, atol=1e-6)
        assert np.all(keep | dropped)
        if feature_dims:
            axes = tuple(range(x.ndim - feature_dims, x.ndim))
            assert np.all(keep.all(axis=axes) | dropped.all(axis=axes)), "a channel is partly dropped"
        np.testing.assert_allclose(grads[0], keep * cot * a, rtol=1e-5, atol=1e-7)
        assert 0 < keep.mean() < 1
    return check


def _rrelu(lower, upper):
    """Negative inputs scaled by a random slope in [lower, upper], the gradient by the same slope."""
    def check(arrays, out, grads, cot):
        x = arrays[0]
        neg = x < 0
        np.testing.assert_array_equal(out[~neg], x[~neg])
        slope = out[neg] / x[neg]
        assert np.all((slope >= lower - 1e-6) & (slope <= upper + 1e-6)), "a slope outside [lower, upper]"
        assert np.unique(slope.round(5)).size > 10, "one slope for every element"
        np.testing.assert_allclose(grads[0], cot * np.where(neg, out / np.where(neg, x, 1), 1), rtol=1e-5)
    return check


def _mean_ignore(F, lg, tg):
    return F.cross_entropy(lg, tg, ignore_index=1, reduction="mean", label_smoothing=0.2)


RED = ("none", "mean", "sum")


def reductions(name, fn, samples, errors=(), bugs=None, **kw):
    """One row per reduction: fn(F, *xs, red); `errors` go with the first row; `bugs` is {reduction: bugs}."""
    bugs = bugs or {}
    return [S(name, lambda F, *xs, _f=fn, _r=red: _f(F, *xs, _r), samples, variant=red,
              errors=errors if red == RED[0] else (), bugs=bugs.get(red), **kw) for red in RED]


def _bn(training, momentum=0.1, affine=True):
    def f(F, x, rm, rv, w=None, b=None):
        out = F.batch_norm(x, rm, rv, w if affine else None, b if affine else None, training, momentum, 1e-3)
        return out, rm * 1, rv * 1
    return f


def _pool_unpool(F, x):
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    return F.max_unpool2d(out, idx, 2, output_size=x.shape[-2:])


def _pool_unpool3d(F, x):
    out, idx = F.max_pool3d(x, 2, return_indices=True)
    return F.max_unpool3d(out, idx, 2, output_size=x.shape[-3:])


def _pool_unpool1d(F, x):
    out, idx = F.max_pool1d(x, 2, stride=2, return_indices=True)
    return F.max_unpool1d(out, idx, 2)


def _ctc(F, x, tg, il, tl, red="mean", zero_inf=False):
    return F.ctc_loss(F.log_softmax(x, -1), tg, il, tl, blank=0, reduction=red, zero_infinity=zero_inf)


def _embed_max_norm(F, i, w):
    out = F.embedding(i, w * 1, max_norm=1.0)
    return out


IMG = r(2, 3, 5, 6)
IMG1 = r(2, 3, 7)
VOL = r(2, 2, 3, 3, 4)

SPECS: list[FSpec] = [
    # ---- activations ---------------------------------------------------------------------------------------
    act("relu", ints=True, gradgrad=True, errors=[lambda F: F.relu([1.0, 2.0])]),
    act_("relu_"),
    S("relu", lambda F, x: F.relu(x * 1, inplace=True), X34_SMALL, variant="inplace"),
    act("relu6", ints=True),
    act("elu", 0.7, gradgrad=True), act_("elu_", 1.3),
    S("elu", lambda F, x: F.elu(x * 1, 0.5, inplace=True), X34_SMALL, variant="inplace"),
    act("selu"), act_("selu_"),
    act("celu", 1.5, errors=[lambda F: F.celu(t(F, 3), alpha=0.0)]), act_("celu_", 0.5),
    act("leaky_relu", 0.2, ints=True, gradgrad=True), act_("leaky_relu_", 0.1),
    S("leaky_relu", lambda F, x: F.leaky_relu(x * 1, 0.3, True), X34_SMALL, variant="inplace"),
    S("prelu", lambda F, x, w: F.prelu(x, w),
      [(r(4, 3, 5), r(3)), (r(4, 3), r(1)), (r(), r(1)), (r(3), r(1))],
      gradgrad=True, errors=[lambda F: F.prelu(t(F, 4, 3), t(F, 2)), lambda F: F.prelu(t(F, 3), t(F, 3)), lambda F: F.prelu(t(F, 4, 3), t(F, 1, 3)),
                             lambda F: F.prelu(t(F, 4, 3), t(F, 3).double()), lambda F: F.prelu(t(F), t(F, 3))]),
    S("rrelu", lambda F, x: F.rrelu(x), X34, variant="eval"),
    S("rrelu", lambda F, x: F.rrelu(x, 0.2, 0.2, training=True), X34_SMALL, variant="train-fixed-slope"),
    S("rrelu_", lambda F, x: F.rrelu_(x * 1, 0.1, 0.4), X34_SMALL),
    S("rrelu", lambda F, x: F.rrelu(x, 0.1, 0.3, training=True), [(r(40, 30),)], variant="train-random",
      random=_rrelu(0.1, 0.3)),
    S("glu", lambda F, x: F.glu(x), [(r(3, 4),), (r(2, 6),)], gradgrad=True,
      errors=[lambda F: F.glu(t(F, 3, 5)), lambda F: F.glu(t(F, 4), dim=1)]),
    S("glu", lambda F, x: F.glu(x, 0), [(r(4, 3),)], variant="dim0"),
    act("gelu", gradgrad=True, errors=[lambda F: F.gelu(t(F, 3), approximate="fast")]),
    S("gelu", lambda F, x: F.gelu(x, approximate="tanh"), X34, variant="tanh", gradgrad=True),
    act("logsigmoid", gradgrad=True),
    S("logsigmoid", lambda F, x: F.logsigmoid(x * 40), X34_SMALL, variant="large"),
    act("hardshrink"), S("hardshrink", lambda F, x: F.hardshrink(x, 1.2), X34_SMALL, variant="lambd"),
    act("tanhshrink"), act("softsign", ints=True, gradgrad=True),
    act("softplus", gradgrad=True),
    S("softplus", lambda F, x: F.softplus(x, beta=2.0, threshold=1.5), X34, variant="beta-threshold"),
    S("softmin", lambda F, x: F.softmin(x, 1), [(r(3, 4),), (r(2, 3, 4),)], gradgrad=True),
    S("softmin", lambda F, x: F.softmin(x, 0, dtype=lib(F).float64), [(r(3, 4),)], variant="dtype"),
    S("softmax", lambda F, x: F.softmax(x, -1), [(r(3, 4),), (r(2, 3, 4),), (r(),), (r(0, 3),)],
      gradgrad=True,
      errors=[lambda F: F.softmax(t(F, 3, 4), 2)]),
    S("softmax", lambda F, x: F.softmax(x), [(r(3, 4),), (r(2, 3, 4),), (r(5),)], variant="implicit-dim"),
    S("softmax", lambda F, x: F.softmax(x, 0, dtype=lib(F).float64), [(r(3, 4),)], variant="dtype"),
    S("log_softmax", lambda F, x: F.log_softmax(x, 1), [(r(3, 4),), (r(2, 3, 4) * 30,)], gradgrad=True,
      errors=[lambda F: F.log_softmax(t(F, 3, 4), -3)]),
    S("log_softmax", lambda F, x: F.log_softmax(x), [(r(2, 3, 4),)], variant="implicit-dim"),
    S("gumbel_softmax", lambda F, x: F.gumbel_softmax(x, tau=0.5), [(r(5, 4),)], random=_softmax_sums),
    S("gumbel_softmax", lambda F, x: F.gumbel_softmax(x, hard=True, dim=-1), [(r(5, 4),)], variant="hard",
      random=_one_hot_rows),
    act("tanh", ints=True), act("sigmoid", ints=True, gradgrad=True),
    # grad_rtol64: torch's float64 gradient of hardsigmoid multiplies by a float32 1/6 (relative error 3e-8);
    # ember's is exact
    act("hardsigmoid", samples=[(r(3, 4) * 4,), (np.linspace(-2.9, 2.9, 12, dtype=np.float32).reshape(3, 4),),
                                (r() + 0.5,)], grad_rtol64=1e-7),
    S("hardsigmoid", lambda F, x: F.hardsigmoid(x * 1, inplace=True), [(r(3, 4) * 2,)], variant="inplace",
      grad_rtol64=1e-7),
    act("silu", gradgrad=True),
    S("silu", lambda F, x: F.silu(x * 1, inplace=True), X34_SMALL, variant="inplace"),
    act("mish", gradgrad=True),
    S("mish", lambda F, x: F.mish(x * 1, inplace=True), X34_SMALL, variant="inplace"),
    act("hardswish", samples=[(r(3, 4) * 4,), (r() * 4,)]),
    S("hardswish", lambda F, x: F.hardswish(x * 1, inplace=True), [(r(3, 4) * 4,)], variant="inplace"),
    act("hardtanh", ints=True),
    S("hardtanh", lambda F, x: F.hardtanh(x, -0.5, 1.5), X34, variant="range",
                                  errors=[lambda F: F.hardtanh(t(F, 3), 2.0, 1.0)]),
    S("hardtanh_", lambda F, x: F.hardtanh_(x * 1, -0.3, 0.6), X34_SMALL),
    S("threshold", lambda F, x: F.threshold(x, 0.3, -2.0), X34, ints=True),
    S("threshold_", lambda F, x: F.threshold_(x * 1, -0.2, 5.0), X34_SMALL),
    S("threshold", lambda F, x: F.threshold(x * 1, 0.1, 0.0, inplace=True), X34_SMALL, variant="inplace"),
    act("softshrink"), S("softshrink", lambda F, x: F.softshrink(x, 1.1), X34_SMALL, variant="lambd",
                         errors=[lambda F: F.softshrink(t(F, 3), -0.5)]),
    act("sigmoid", samples=[(r(3, 4) * 50,)], variant="large"),
    # ---- normalisation -------------------------------------------------------------------------------------
    S("batch_norm", _bn(True), [(r(4, 3), r(3), r(3, lo=0.5, hi=2), r(3), r(3)),
                                (r(4, 3, 5), r(3), r(3, lo=0.5, hi=2), r(3), r(3)),
                                (r(2, 3, 2, 2), r(3), r(3, lo=0.5, hi=2), r(3), r(3))],
      rg=[True, False, False, True, True], variant="train", gradgrad=True,
      errors=[lambda F: F.batch_norm(t(F, 1, 3), t(F, 3), t(F, 3) + 2, training=True),
              lambda F: F.batch_norm(t(F, 4, 3), t(F, 2), t(F, 2) + 2),
              lambda F: F.batch_norm(t(F, 4, 3), t(F, 3), t(F, 3) + 2, training=True, momentum=None)]),
    S("batch_norm", _bn(False), [(r(4, 3, 5), r(3), r(3, lo=0.5, hi=2), r(3), r(3))],
      rg=[True, False, False, True, True], variant="eval"),
    S("batch_norm", _bn(True, 0.4, affine=False), [(r(4, 3, 5), r(3), r(3, lo=0.5, hi=2))],
      rg=[True, False, False], variant="no-affine"),
    S("batch_norm", lambda F, x, w, b: F.batch_norm(x, None, None, w, b, True), [(r(4, 3, 5), r(3), r(3))],
      variant="no-stats"),
    S("instance_norm", lambda F, x, w, b: F.instance_norm(x, weight=w, bias=b), [(r(2, 3, 5), r(3), r(3)),
                                                                                (r(2, 3, 3, 4), r(3), r(3))],
      errors=[lambda F: F.instance_norm(t(F, 2, 3, 1))]),
    S("instance_norm", lambda F, x, rm, rv: (F.instance_norm(x, rm, rv, momentum=0.3), rm * 1, rv * 1),
      [(r(2, 3, 5), r(3), r(3, lo=0.5, hi=2))], rg=[True, False, False], variant="running-stats"),
    S("instance_norm", lambda F, x, rm, rv: F.instance_norm(x, rm, rv, use_input_stats=False),
      [(r(2, 3, 5), r(3), r(3, lo=0.5, hi=2))], rg=[True, False, False], variant="use-running-stats"),
    S("layer_norm", lambda F, x, w, b: F.layer_norm(x, (4,), w, b),
      [(r(3, 4), r(4), r(4)), (r(4), r(4), r(4))],
      gradgrad=True, errors=[lambda F: F.layer_norm(t(F, 3, 4), (3,))]),
    S("layer_norm", lambda F, x, w: F.layer_norm(x, [3, 4], w, eps=1e-3), [(r(2, 3, 4), r(3, 4))],
      variant="2d"),
    S("layer_norm", lambda F, x: F.layer_norm(x, (4,)), [(r(2, 3, 4),)], variant="no-affine"),
    S("group_norm", lambda F, x, w, b: F.group_norm(x, 2, w, b), [(r(2, 4, 3), r(4), r(4)),
                                                                  (r(2, 4, 2, 3), r(4), r(4))],
      gradgrad=True, errors=[lambda F: F.group_norm(t(F, 2, 5, 3), 2)]),
    S("group_norm", lambda F, x: F.group_norm(x, 1, eps=1e-2), [(r(3, 2, 4),)], variant="one-group"),
    S("local_response_norm", lambda F, x: F.local_response_norm(x, 3, alpha=0.5),
      [(r(2, 4, 3),), (r(2, 4, 3, 3),)],
      errors=[lambda F: F.local_response_norm(t(F, 4), 2)]),
    S("local_response_norm", lambda F, x: F.local_response_norm(x, 2, 1e-2, 0.5, 2.0), [(r(1, 5, 2, 2, 2),)],
      variant="5d"),
    S("rms_norm", lambda F, x, w: F.rms_norm(x, (4,), w), [(r(3, 4), r(4)), (r(2, 3, 4), r(4))],
      errors=[lambda F: F.rms_norm(t(F, 3, 4), (5,))]),
    S("rms_norm", lambda F, x: F.rms_norm(x, [3, 4], eps=0.1), [(r(2, 3, 4),)], variant="eps"),
    S("normalize", lambda F, x: F.normalize(x), [(r(3, 4),), (r(2, 3, 4),)], gradgrad=True),
    S("normalize", lambda F, x: F.normalize(x, 1.0, 0), [(r(3, 4),), (r(5),)], variant="p1-dim0"),
    S("normalize", lambda F, x: F.normalize(x * 0, eps=1e-3), [(r(3, 4),)], variant="zero", gradcheck=False),
    # ---- linear, attention ---------------------------------------------------------------------------------
    S("linear", lambda F, x, w, b: F.linear(x, w, b), [(r(4, 5), r(3, 5), r(3)), (r(5), r(3, 5), r(3)),
                                                       (r(2, 4, 5), r(3, 5), r(3)), (r(4, 5), r(3, 5), r())],
      gradgrad=True, errors=[lambda F: F.linear(t(F, 4, 5), t(F, 3, 4))]),
    S("linear", lambda F, x, w: F.linear(x, w), [(r(4, 5), r(3, 5))], variant="no-bias"),
    S("bilinear", lambda F, a, b, w, c: F.bilinear(a, b, w, c), [(r(4, 3), r(4, 2), r(5, 3, 2), r(5)),
                                                                 (r(2, 4, 3), r(2, 4, 2), r(5, 3, 2), r(5))],
      errors=[lambda F: F.bilinear(t(F, 4, 3), t(F, 4, 2), t(F, 5, 2, 3))]),
    S("bilinear", lambda F, a, b, w: F.bilinear(a, b, w), [(r(4, 3), r(4, 2), r(5, 3, 2))],
      variant="no-bias"),
    S("scaled_dot_product_attention", lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v),
      [(r(2, 3, 4), r(2, 5, 4), r(2, 5, 6)), (r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 6))], gradgrad=True,
      errors=[lambda F: F.scaled_dot_product_attention(t(F, 2, 3, 4), t(F, 2, 5, 3), t(F, 2, 5, 6))]),
    S("scaled_dot_product_attention", lambda F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, m),
      [(r(2, 3, 4), r(2, 5, 4), r(2, 5, 6), mask(3, 5) | np.eye(3, 5, dtype=bool))], variant="bool-mask"),
    S("scaled_dot_product_attention",
      lambda F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, m, scale=0.3),
      [(r(2, 3, 4), r(2, 5, 4), r(2, 5, 6), r(2, 3, 5))], variant="float-mask-scale"),
    S("scaled_dot_product_attention",
      lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
      [(r(2, 4, 4), r(2, 4, 4), r(2, 4, 3)), (r(1, 3, 4), r(1, 5, 4), r(1, 5, 2))], variant="causal"),
    S("scaled_dot_product_attention",
      lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
      [(r(1, 4, 3, 2), r(1, 2, 5, 2), r(1, 2, 5, 3))], variant="gqa"),
    # ---- dropout -------------------------------------------------------------------------------------------
    *[S(n, lambda F, x, _n=n: getattr(F, _n)(x, 0.4, training=False), [(r(*shape),)], variant="eval")
      for n, shape in [("dropout", (2, 3, 4, 2)), ("alpha_dropout", (2, 3, 4, 2)),
                       ("feature_alpha_dropout", (2, 3, 4, 2)), ("dropout1d", (2, 3, 4)),
                       ("dropout2d", (2, 3, 4, 2)), ("dropout3d", (2, 3, 4, 2, 2))]],
    *[S(n, lambda F, x, _n=n, _p=p: getattr(F, _n)(x, _p, training=True), [(r(2, 3, 4, 2),)],
        variant=f"p{p:g}", gradcheck=False)
      for n in ("dropout", "alpha_dropout", "feature_alpha_dropout") for p in (0.0, 1.0)],
    S("dropout", lambda F, x: F.dropout(x, 0.3), [(r(20, 30),)], variant="train", random=_dropout(0.3),
      errors=[lambda F: F.dropout(t(F, 3), 1.5)]),
    S("dropout", lambda F, x: F.dropout(x * 1, 0.5, inplace=True), [(r(20, 30),)], variant="train-inplace",
      random=_dropout(0.5)),
    S("alpha_dropout", lambda F, x: F.alpha_dropout(x, 0.3, True), [(r(20, 30),)], variant="train",
      random=_alpha_dropout(0.3), errors=[lambda F: F.alpha_dropout(t(F, 3), -0.1, True)]),
    S("feature_alpha_dropout", lambda F, x: F.feature_alpha_dropout(x, 0.4, True), [(r(10, 8, 3, 2),)],
      variant="train", random=_alpha_dropout(0.4, 2)),
    S("dropout1d", lambda F, x: F.dropout1d(x, 0.5), [(r(10, 8, 5),)], variant="train",
      random=_dropout(0.5, 1),
      errors=[lambda F: F.dropout1d(t(F, 2, 3, 4, 5)),
              lambda F: F.dropout1d(t(F, 2, 3, 4, 5), training=False)]),
    S("dropout1d", lambda F, x: F.dropout1d(x, 0.5), [(r(20, 5),)], variant="train-unbatched",
      random=_dropout(0.5, 1)),
    S("dropout2d", lambda F, x: F.dropout2d(x, 0.5), [(r(10, 8, 3, 2),)], variant="train",
      random=_dropout(0.5, 2), errors=[lambda F: F.dropout2d(t(F, 4), 0.5)]),
    S("dropout2d", lambda F, x: F.dropout2d(x, 0.5), [(r(10, 8, 3, 2, 2),)], variant="train-5d",
      random=_dropout(0.5, 3)),
    S("dropout3d", lambda F, x: F.dropout3d(x, 0.5), [(r(6, 8, 2, 3, 2),)], variant="train",
      random=_dropout(0.5, 3)),
    S("dropout3d", lambda F, x: F.dropout3d(x, 0.5), [(r(8, 6, 3, 2),)], variant="train-unbatched",
      random=_dropout(0.5, 3)),
    S("dropout3d", lambda F, x: F.dropout3d(x, 0.5), [(r(20, 10),)], variant="train-2d",
      random=_dropout(0.5, 1)),
    # ---- embeddings ----------------------------------------------------------------------------------------
    S("embedding", lambda F, i, w: F.embedding(i, w), [(rix(5, 2, 3), r(5, 4)), (ix(4, 4, 0), r(5, 4)),
                                                       (np.array(2), r(5, 4))],
      errors=[lambda F: F.embedding(ti(F, 0, 5), t(F, 5, 4)), lambda F: F.embedding(t(F, 3), t(F, 5, 4))]),
    # gradcheck: no (the padding row's gradient is zero by definition, its numerical derivative is not)
    S("embedding", lambda F, i, w: F.embedding(i, w, padding_idx=1), [(ix(1, 2, 1, 0), r(5, 4))],
      variant="padding-idx", gradcheck=False),
    S("embedding", lambda F, i, w: F.embedding(i, w, scale_grad_by_freq=True),
      [(ix(1, 2, 1, 1, 4), r(5, 4)), (ix(*[[0, 1, 1], [4, 1, 0]]), r(5, 2))], variant="scale-grad", gradcheck=False),
    S("embedding", lambda F, i, w: F.embedding(i, w, padding_idx=0, scale_grad_by_freq=True),
      [(ix(*[[0, 1, 1], [4, 1, 0]]), r(5, 2))], variant="scale-grad-padding", gradcheck=False),
    S("embedding", _embed_max_norm, [(ix(1, 2, 1, 4), r(5, 4) * 2)], variant="max-norm", gradcheck=False),
    S("embedding_bag", lambda F, i, w: F.embedding_bag(i, w), [(rix(6, 3, 4), r(6, 3))],
      errors=[lambda F: F.embedding_bag(ti(F, 0, 1), t(F, 6, 3)),
              lambda F: F.embedding_bag(ti(F, 0, 1, 2), t(F, 6, 3), ti(F, 0), mode="mean",
                                        per_sample_weights=t(F, 3))]),
    S("embedding_bag", lambda F, i, w, o: F.embedding_bag(i, w, o, mode="sum"),
      [(ix(0, 2, 5, 2, 1), r(6, 3), ix(0, 2, 2))], variant="offsets-sum"),
    S("embedding_bag", lambda F, i, w, o: F.embedding_bag(i, w, o, mode="max"),
      [(ix(0, 2, 5, 3, 1), r(6, 3), ix(0, 2, 3))], variant="offsets-max"),
    S("embedding_bag", lambda F, i, w, o, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p),
      [(ix(0, 2, 5, 2, 1), r(6, 3), ix(0, 3), r(5))], variant="per-sample-weights"),
    S("embedding_bag", lambda F, i, w, o: F.embedding_bag(i, w, o, include_last_offset=True, padding_idx=2),
      [(ix(0, 2, 5, 2, 1), r(6, 3), ix(0, 2, 5))], variant="last-offset-padding"),
    S("one_hot", lambda F, i: F.one_hot(i), [(ix(0, 3, 1),), (rix(4, 2, 3),)],
      errors=[lambda F: F.one_hot(ti(F, 0, -1)), lambda F: F.one_hot(ti(F, 0, 4), 3),
              lambda F: F.one_hot(t(F, 3))]),
    S("one_hot", lambda F, i: F.one_hot(i, 5), [(ix(0, 3, 1),), (np.array(2),)], variant="classes"),
    # ---- distances -----------------------------------------------------------------------------------------
    S("pairwise_distance", lambda F, a, b: F.pairwise_distance(a, b), [(r(4, 3), r(4, 3)), (r(3), r(3)),
                                                                       (r(4, 3), r(1, 3))],
      errors=[lambda F: F.pairwise_distance(t(F, 4, 3), t(F, 2, 3))]),
    S("pairwise_distance", lambda F, a, b: F.pairwise_distance(a, b, 1.0, keepdim=True),
      [(r(4, 3), r(4, 3))], variant="p1-keepdim"),
    S("pairwise_distance", lambda F, a, b: F.pairwise_distance(a, b, float("inf")), [(r(4, 3), r(4, 3))],
      variant="pinf"),
    S("cosine_similarity", lambda F, a, b: F.cosine_similarity(a, b),
      [(r(4, 3), r(4, 3)), (r(4, 3), r(1, 3))],
      gradgrad=True, errors=[lambda F: F.cosine_similarity(t(F, 4, 3), t(F, 2, 3))]),
    S("cosine_similarity", lambda F, a, b: F.cosine_similarity(a, b, 0), [(r(3, 2), r(3, 2)), (r(3), r(3))],
      variant="dim0"),
    # ---- losses --------------------------------------------------------------------------------------------
    *reductions("binary_cross_entropy", lambda F, x, y, red: F.binary_cross_entropy(x, y, reduction=red),
                [(r(3, 4, lo=0.05, hi=0.95), r(3, 4, lo=0, hi=1)),
                 (r(5, lo=0.05, hi=0.95), r(5, lo=0, hi=1))]),
    S("binary_cross_entropy", lambda F, x, y, w: F.binary_cross_entropy(x, y, w),
      [(r(3, 4, lo=0.05, hi=0.95), r(3, 4, lo=0, hi=1), r(4, lo=0, hi=2))], variant="weight",
      rg=[True, True, False],
      errors=[lambda F: F.binary_cross_entropy(t(F, 3) / 2 + 0.5, t(F, 4) / 2 + 0.5),
              lambda F: F.binary_cross_entropy(t(F, 3) * 2, t(F, 3) / 2 + 0.5),
              lambda F: F.binary_cross_entropy(t(F, 3) / 4 + 0.5, t(F, 3) / 4 + 0.5, leaf(F, 3))]),
    *reductions("binary_cross_entropy_with_logits",
                lambda F, x, y, red: F.binary_cross_entropy_with_logits(x, y, reduction=red),
                [(r(3, 4) * 3, r(3, 4, lo=0, hi=1))]),
    S("binary_cross_entropy_with_logits",
      lambda F, x, y, w, p: F.binary_cross_entropy_with_logits(x, y, w, pos_weight=p),
      [(r(3, 4) * 3, r(3, 4, lo=0, hi=1), r(4, lo=0, hi=2), r(4, lo=0.5, hi=3))], variant="weights",
      rg=[True, True, False, False],
      errors=[lambda F: F.binary_cross_entropy_with_logits(t(F, 3), t(F, 4)),
              lambda F: F.binary_cross_entropy_with_logits(t(F, 3), t(F, 3), t(F, 3).requires_grad_()),
              lambda F: F.binary_cross_entropy_with_logits(t(F, 3), t(F, 3), pos_weight=leaf(F, 3))]),
    *reductions("cosine_embedding_loss",
                lambda F, a, b, y, red: F.cosine_embedding_loss(a, b, y, 0.2, reduction=red),
                [(r(4, 3), r(4, 3), pm1(4)), (r(3), r(3), pm1())], rg=[True, True, False],
                errors=[lambda F: F.cosine_embedding_loss(t(F, 4, 3), t(F, 4, 3), t(F, 3))]),
    *reductions("cross_entropy", lambda F, x, y, red: F.cross_entropy(x, y, reduction=red),
                [(r(4, 3), rix(3, 4)), (r(4, 3, 2), rix(3, 4, 2)), (r(3), np.array(1)),
                 (r(2, 3, 2, 2), rix(3, 2, 2, 2))],
                gradgrad=True,
                errors=[lambda F: F.cross_entropy(t(F, 4, 3), ti(F, 0, 1, 3, 0)),
                        lambda F: F.cross_entropy(t(F, 4, 3), ti(F, 0, 1)),
                        lambda F: F.cross_entropy(t(F, 4, 3), ti(F, 0, 1, 1, 0), reduction="average")]),
    S("cross_entropy", lambda F, x, y, w: F.cross_entropy(x, y, w, ignore_index=1),
      [(r(5, 3), ix(0, 1, 2, 1, 2), r(3, lo=0.5, hi=2)), (r(5, 3, 2), rix(3, 5, 2), r(3, lo=0.5, hi=2))],
      rg=[True, False, False], variant="weight-ignore",
      errors=[lambda F: F.cross_entropy(t(F, 4, 3), ti(F, 0, 1, 1, 0), t(F, 2))]),
    S("cross_entropy", lambda F, x, y: _mean_ignore(F, x, y), [(r(5, 3), ix(0, 1, 2, 1, 2))],
      variant="ignore-smoothing"),
    S("cross_entropy", lambda F, x, y, w: F.cross_entropy(x, y, w, label_smoothing=0.1, reduction="sum"),
      [(r(5, 3), ix(0, 1, 2, 1, 2), r(3, lo=0.5, hi=2))], rg=[True, False, False],
      variant="weight-smoothing"),
    S("cross_entropy", lambda F, x, y: F.cross_entropy(x, F.softmax(y, 1)), [(r(4, 3), r(4, 3)),
                                                                            (r(2, 3, 5), r(2, 3, 5))],
      variant="probs", gradgrad=True),
    S("cross_entropy", lambda F, x, y, w: F.cross_entropy(x, F.softmax(y, 1), w, label_smoothing=0.3),
      [(r(4, 3), r(4, 3), r(3, lo=0.5, hi=2))], rg=[True, True, False], variant="probs-weight-smoothing",
      errors=[lambda F: F.cross_entropy(t(F, 4, 3), t(F, 4, 2))]),
    # a class weight that requires grad: differentiated with probability targets, refused with class indices
    *[S("cross_entropy", lambda F, x, y, w, _r=red: F.cross_entropy(x, F.softmax(y, -1), w, reduction=_r,
                                                                    label_smoothing=0.2),
        [(r(4, 3), r(4, 3), r(3, lo=0.5, hi=2)), (r(3), r(3), r(3, lo=0.5, hi=2))],
        rg=[True, False, True], variant=f"probs-weight-grad-{red}",
        errors=[lambda F: F.cross_entropy(t(F, 4, 3), ti(F, 0, 1, 1, 0), leaf(F, 3))] if red == "mean" else ())
      for red in RED],
    S("cross_entropy", lambda F, x, y, w: F.cross_entropy(x, F.softmax(y, 1), w),
      [(r(2, 3, 5), r(2, 3, 5), r(3, lo=0.5, hi=2))], rg=[True, False, True], variant="probs-weight-grad-3d"),
    *reductions("ctc_loss", lambda F, x, tg, il, tl, red: _ctc(F, x, tg, il, tl, red),
                [(r(6, 2, 4), ix(*[[1, 2, 2], [3, 1, 0]]), ix(6, 5), ix(3, 2))], gradcheck=False),
    S("ctc_loss", lambda F, x, tg, il, tl: _ctc(F, x, tg, il, tl),
      [(r(5, 2, 3), ix(1, 2, 2, 1), ix(5, 4), ix(3, 1))],
      variant="concatenated-targets", gradcheck=False,
      errors=[lambda F: F.ctc_loss(t(F, 5, 2, 3), ti(F, 1, 2, 2, 1), ti(F, 5, 6), ti(F, 3, 1))]),
    S("ctc_loss", lambda F, x, tg, il, tl: _ctc(F, x, tg, il, tl, "sum", True),
      [(r(3, 2, 3), ix(*[[1, 2, 1, 2], [1, 1, 1, 1]]), ix(3, 3), ix(4, 2))], variant="zero-infinity",
      gradcheck=False),
    S("ctc_loss", lambda F, x, tg, il, tl: _ctc(F, x, tg, il, tl),
      [(r(5, 3), ix(1, 2), np.array(5), np.array(2))],
      variant="unbatched", gradcheck=False),
    *reductions("gaussian_nll_loss", lambda F, x, y, v, red: F.gaussian_nll_loss(x, y, v, reduction=red),
                [(r(4, 3), r(4, 3), r(4, 3, lo=0.5, hi=2)), (r(4, 3), r(4, 3), r(4, 1, lo=0.5, hi=2)),
                 (r(4, 3), r(4, 3), r(4, lo=0.5, hi=2))],
                errors=[lambda F: F.gaussian_nll_loss(t(F, 4, 3), t(F, 4, 3), -t(F, 4, 3).abs()),
                        lambda F: F.gaussian_nll_loss(t(F, 4, 3), t(F, 4, 3), t(F, 2, 3).abs())]),
    # gradcheck: no (var is clamped to eps without a gradient change, torch's definition)
    S("gaussian_nll_loss", lambda F, x, y, v: F.gaussian_nll_loss(x, y, v, full=True, eps=0.1),
      [(r(4, 3), r(4, 3), r(4, 3, lo=0.01, hi=2))], variant="full-eps", gradcheck=False),
    S("gaussian_nll_loss", lambda F, x, y: F.gaussian_nll_loss(x, y, 0.5), [(r(4, 3), r(4, 3))],
      variant="scalar-var"),
    *reductions("hinge_embedding_loss", lambda F, x, y, red: F.hinge_embedding_loss(x, y, 0.5, reduction=red),
                [(r(4, 3), pm1(4, 3))], rg=[True, False]),
    *reductions("huber_loss", lambda F, x, y, red: F.huber_loss(x, y, red, 0.7), [(r(4, 3), r(4, 3))],
                errors=[lambda F: F.huber_loss(t(F, 4, 3), t(F, 4, 3), delta=-1.0)]),
    S("huber_loss", lambda F, x, y, w: F.huber_loss(x, y, weight=w),
      [(r(4, 3), r(4, 3), r(4, 3, lo=0, hi=2))],
      variant="weight", rg=[True, True, False],
      errors=[lambda F: F.huber_loss(t(F, 4, 3), t(F, 4, 3), weight=t(F, 1, 3))]),
    *reductions("kl_div", lambda F, x, y, red: F.kl_div(x, y, reduction=red),
                [(r(4, 3), r(4, 3, lo=0.1, hi=1))]),
    S("kl_div", lambda F, x, y: F.kl_div(x, y, reduction="batchmean", log_target=True), [(r(4, 3), r(4, 3))],
      variant="batchmean-log-target",
      errors=[lambda F: F.kl_div(t(F, 4, 3), t(F, 4, 3), reduction="batch")]),
    *reductions("l1_loss", lambda F, x, y, red: F.l1_loss(x, y, reduction=red),
                [(r(4, 3), r(4, 3)), (r(4, 3), r(3))],
                errors=[lambda F: F.l1_loss(t(F, 4, 3), t(F, 2, 3))]),
    S("l1_loss", lambda F, x, y, w: F.l1_loss(x, y, weight=w), [(r(4, 3), r(4, 3), r(4, 3, lo=0, hi=2))],
      variant="weight", rg=[True, True, False],
      errors=[lambda F: F.l1_loss(t(F, 4, 3), t(F, 4, 3), weight=t(F, 3))]),
    *reductions("margin_ranking_loss",
                lambda F, a, b, y, red: F.margin_ranking_loss(a, b, y, 0.3, reduction=red),
                [(r(5), r(5), pm1(5))], rg=[True, True, False],
                errors=[lambda F: F.margin_ranking_loss(t(F, 5), t(F, 4), t(F, 5))]),
    *reductions("mse_loss", lambda F, x, y, red: F.mse_loss(x, y, reduction=red),
                [(r(4, 3), r(4, 3)), (r(), r())],
                gradgrad=True, errors=[lambda F: F.mse_loss(t(F, 4, 3), t(F, 4, 3), reduction="max")]),
    S("mse_loss", lambda F, x, y: F.mse_loss(x, y, size_average=False), [(r(4, 3), r(4, 3))],
      variant="legacy-sum"),
    S("mse_loss", lambda F, x, y: F.mse_loss(x, y, reduce=False), [(r(4, 3), r(4, 3))],
      variant="legacy-none"),
    S("mse_loss", lambda F, x, y, w: F.mse_loss(x, y, weight=w), [(r(4, 3), r(4, 3), r(4, 3, lo=0, hi=2))],
      variant="weight", rg=[True, True, False],
      errors=[lambda F: F.mse_loss(t(F, 4, 3), t(F, 4, 3), weight=t(F, 3))]),
    *reductions("multi_margin_loss", lambda F, x, y, red: F.multi_margin_loss(x, y, reduction=red),
                [(r(4, 3), rix(3, 4)), (r(3), np.array(2))],
                errors=[lambda F: F.multi_margin_loss(t(F, 4, 3), ti(F, 0, 1, 2)),
                        lambda F: F.multi_margin_loss(t(F, 4, 3), ti(F, 0, 1, 2, 0), p=3)]),
    S("multi_margin_loss", lambda F, x, y, w: F.multi_margin_loss(x, y, 2, 0.5, w),
      [(r(4, 3), rix(3, 4), r(3, lo=0.5, hi=2))], variant="p2-weight", rg=[True, False, False],
      errors=[lambda F: F.multi_margin_loss(t(F, 4, 3), ti(F, 0, 1, 2, 0), weight=leaf(F, 3)),
              lambda F: F.multi_margin_loss(t(F, 4, 3), ti(F, 0, 1, 2, 0), weight=t(F, 3, 1))]),
    *reductions("multilabel_soft_margin_loss",
                lambda F, x, y, red: F.multilabel_soft_margin_loss(x, y, reduction=red),
                [(r(4, 3), (r(4, 3) > 0).astype(np.float32))], rg=[True, False]),
    S("multilabel_soft_margin_loss", lambda F, x, y, w: F.multilabel_soft_margin_loss(x, y, w),
      [(r(4, 3), (r(4, 3) > 0).astype(np.float32), r(3, lo=0.5, hi=2))], variant="weight"),
    *reductions("nll_loss", lambda F, x, y, red: F.nll_loss(x, y, reduction=red),
                [(r(4, 3), rix(3, 4)), (r(4, 3, 2), rix(3, 4, 2)), (r(3), np.array(0))],
                errors=[lambda F: F.nll_loss(t(F, 4, 3), ti(F, 0, 1, 1, 0).float()),
                        lambda F: F.nll_loss(t(F, 4, 3), ti(F, 0, 1, 1, 7))]),
    S("nll_loss", lambda F, x, y, w: F.nll_loss(x, y, w, ignore_index=2),
      [(r(5, 3), ix(0, 2, 1, 2, 1), r(3, lo=0.5, hi=2)), (r(2, 3, 4), rix(3, 2, 4), r(3, lo=0.5, hi=2))],
      variant="weight-ignore", rg=[True, False, False],
      errors=[lambda F: F.nll_loss(t(F, 4, 3), ti(F, 0, 1, 1, 0), leaf(F, 3))]),
    S("nll_loss", lambda F, x, y: F.nll_loss(x, y), [(r(3, 3), ix(-100, -100, -100))], variant="all-ignored",
      gradcheck=False),
    *reductions("poisson_nll_loss", lambda F, x, y, red: F.poisson_nll_loss(x, y, reduction=red),
                [(r(4, 3), r(4, 3, lo=0, hi=3))]),
    S("poisson_nll_loss", lambda F, x, y: F.poisson_nll_loss(x, y, log_input=False, full=True),
      [(r(4, 3, lo=0.2, hi=2), r(4, 3, lo=0, hi=3) * 2)], variant="rate-full"),
    *reductions("smooth_l1_loss", lambda F, x, y, red: F.smooth_l1_loss(x, y, reduction=red, beta=0.5),
                [(r(4, 3), r(4, 3))], errors=[lambda F: F.smooth_l1_loss(t(F, 3), t(F, 3), beta=-1.0)]),
    S("smooth_l1_loss", lambda F, x, y: F.smooth_l1_loss(x, y, beta=0.0), [(r(4, 3), r(4, 3))],
      variant="beta0"),
    *reductions("soft_margin_loss", lambda F, x, y, red: F.soft_margin_loss(x, y, reduction=red),
                [(r(4, 3), pm1(4, 3))], rg=[True, False]),
    *reductions("triplet_margin_loss", lambda F, a, p, n, red: F.triplet_margin_loss(a, p, n, reduction=red),
                [(r(4, 3), r(4, 3), r(4, 3)), (r(3), r(3), r(3))],
                errors=[lambda F: F.triplet_margin_loss(t(F, 4, 3), t(F, 4, 3), t(F, 4, 3, 2))]),
    S("triplet_margin_loss", lambda F, a, p, n: F.triplet_margin_loss(a, p, n, 0.5, 1, swap=True),
      [(r(4, 3), r(4, 3), r(4, 3))], variant="p1-swap"),
    # ---- vision --------------------------------------------------------------------------------------------
    S("pixel_shuffle", lambda F, x: F.pixel_shuffle(x, 2),
      [(r(1, 8, 2, 3),), (r(8, 2, 3),), (r(2, 1, 4, 1, 2),)],
      errors=[lambda F: F.pixel_shuffle(t(F, 1, 6, 2, 2), 2)]),
    S("pixel_unshuffle", lambda F, x: F.pixel_unshuffle(x, 2), [(r(1, 2, 4, 6),), (r(2, 4, 2),)],
      errors=[lambda F: F.pixel_unshuffle(t(F, 1, 2, 3, 4), 2)]),
    S("channel_shuffle", lambda F, x: F.channel_shuffle(x, 2), [(r(1, 4, 2, 3),), (r(2, 6, 3),)],
      errors=[lambda F: F.channel_shuffle(t(F, 1, 5, 2, 2), 2)]),
    S("pad", lambda F, x: F.pad(x, (1, 2)), [(r(2, 3),), (r(2, 3, 4),)], gradgrad=True,
      errors=[lambda F: F.pad(t(F, 2, 3), (1, 2, 3)), lambda F: F.pad(t(F, 2, 3), (1, 1), mode="wrap"),
              lambda F: F.pad(t(F, 2, 3, 3), (3, 0), mode="reflect"),
              lambda F: F.pad(t(F, 2, 3), (1, 1, 1, 1, 1, 1), mode="replicate")]),
    S("pad", lambda F, x: F.pad(x, (1, -1, 0, 2, 1, 1), value=2.5), [(r(2, 3, 4),)], variant="constant-3d"),
    *[S("pad", lambda F, x, _m=m, _p=p: F.pad(x, _p, mode=_m), samples, variant=f"{m}-{len(p) // 2}d")
      for m in ("reflect", "replicate", "circular")
      for p, samples in [((2, 1), [(r(2, 3, 4),), (r(3, 5),)]),
                         ((1, 2, 2, 0), [(r(1, 2, 3, 4),), (r(2, 3, 4),)]),
                         ((1, 0, 0, 1, 1, 1), [(r(1, 2, 2, 3, 3),)])]],
    S("interpolate", lambda F, x: F.interpolate(x, scale_factor=2), [(r(2, 3, 4),), (r(1, 2, 3, 4),)],
      errors=[lambda F: F.interpolate(t(F, 1, 2, 3), size=4, scale_factor=2),
              lambda F: F.interpolate(t(F, 1, 2, 3), size=4, mode="nearest", align_corners=True),
              lambda F: F.interpolate(t(F, 1, 2, 3), size=4, mode="bilinear")]),
    S("interpolate", lambda F, x: F.interpolate(x, size=(5, 3)), [(r(1, 2, 3, 4),)], variant="nearest-size"),
    S("interpolate", lambda F, x: F.interpolate(x, size=(5, 7), mode="nearest-exact"), [(r(1, 2, 3, 4),)],
      variant="nearest-exact"),
    *[S("interpolate", lambda F, x, _m=m, _a=a, _s=s: F.interpolate(x, size=_s, mode=_m, align_corners=_a),
        smp, variant=f"{m}-{'ac' if a else 'hp'}", gradgrad=m == "bilinear" and a)
      for m, s, smp in [("linear", 7, [(r(2, 3, 4),)]), ("bilinear", (5, 3), [(r(1, 2, 3, 4),)]),
                        ("bicubic", (5, 6), [(r(1, 2, 3, 4),)])] for a in (False, True)],
    S("interpolate", lambda F, x: F.interpolate(x, scale_factor=1.7, mode="bilinear",
                                                recompute_scale_factor=True),
      [(r(1, 2, 3, 4),)], variant="bilinear-recompute"),
    S("interpolate", lambda F, x: F.interpolate(x, scale_factor=0.6, mode="bilinear"), [(r(1, 2, 5, 5),)],
      variant="bilinear-down"),
    S("interpolate", lambda F, x: F.interpolate(x, size=(2, 3), mode="area"), [(r(1, 2, 5, 7),)],
      variant="area"),
    S("interpolate", lambda F, x: F.interpolate(x, size=4, mode="area"), [(r(2, 4, 6),)], variant="area-1d"),
    # grad: no (torch's backward refuses an empty output)
    S("interpolate", lambda F, x: F.interpolate(x, size=0, mode="area"), [(r(2, 4, 6),)], variant="area-empty",
      grad=False),
    # a dim whose size does not change under a scale factor: copied in linear modes (and by 2-d nearest),
    # resampled in the others
    *[S("interpolate", lambda F, x, _m=m: F.interpolate(x, scale_factor=(1.6, 1.19), mode=_m),
        [(r(1, 2, 2, 5),)], variant=f"{m}-scale-same-size") for m in ("nearest", "nearest-exact", "bilinear",
                                                                       "bicubic")],
    # grad: no for 1-d nearest (torch's backward copies the unchanged dim while its forward resamples it, so
    # torch's gradient is not the adjoint of its own forward; ember's is)
    *[S("interpolate", lambda F, x, _m=m: F.interpolate(x, scale_factor=1.19, mode=_m), [(r(1, 2, 5),)],
        variant=f"{m}-1d-scale-same-size", grad=m != "nearest") for m in ("nearest", "nearest-exact", "linear")],
    S("interpolate", lambda F, x: F.interpolate(x, size=(2, 3), mode="bilinear", antialias=True),
      [(r(1, 2, 5, 7),), (r(2, 1, 4, 9),)], variant="antialias",
      errors=[lambda F: F.interpolate(t(F, 1, 2, 6), size=3, mode="linear", antialias=True),
              lambda F: F.interpolate(t(F, 1, 2, 6, 6), size=3, mode="nearest", antialias=True)]),
    *[S("interpolate", lambda F, x, _m=m, _k=kw: F.interpolate(x, mode=_m, antialias=True, **_k),
        [(r(1, 2, 9, 13),), (r(1, 1, 4, 5),)], variant=f"antialias-{m}-{v}")
      for m in ("bilinear", "bicubic")
      for v, kw in [("size", {"size": (4, 6)}), ("scale", {"scale_factor": 0.37}),
                    ("up", {"size": (11, 14)}), ("mixed", {"size": (3, 20)}),
                    ("ac", {"size": (4, 5), "align_corners": True}), ("same", {"size": (9, 13)})]],
    S("upsample", lambda F, x: F.upsample(x, scale_factor=2, mode="bilinear", align_corners=False),
      [(r(1, 2, 3, 4),)]),
    S("upsample_nearest", lambda F, x: F.upsample_nearest(x, size=5), [(r(1, 2, 3, 4),), (r(2, 3, 4),)]),
    S("upsample_bilinear", lambda F, x: F.upsample_bilinear(x, scale_factor=2), [(r(1, 2, 3, 4),)]),
    *[S("grid_sample", lambda F, x, g, _m=m, _p=p, _a=a: F.grid_sample(x, g, _m, _p, _a),
        [(r(1, 2, 3, 4), r(1, 2, 3, 2, lo=-1.2, hi=1.2)), (r(2, 1, 4, 4), r(2, 3, 3, 2, lo=-1, hi=1))],
        variant=f"{m}-{p}-{'ac' if a else 'hp'}", gradcheck=m != "nearest", atol=1e-5,
        rg=[True, m != "nearest"])
      for m in ("bilinear", "nearest", "bicubic") for p in ("zeros", "border", "reflection")
      for a in (False, True) if m == "bilinear" or a],
    S("grid_sample", lambda F, x, g: F.grid_sample(x, g, "bicubic", "zeros", False),
      [(r(2, 2, 4, 5), r(2, 3, 2, 2, lo=-1.3, hi=1.3))], variant="bicubic-zeros-hp", atol=1e-5),
    *[S("grid_sample", lambda F, x, g, _m=m, _p=p, _a=a: F.grid_sample(x, g, _m, _p, _a),
        [(r(1, 2, 3, 4, 2), r(1, 2, 3, 2, 3, lo=-1.2, hi=1.2)), (r(2, 1, 2, 2, 3), r(2, 1, 2, 2, 3, lo=-1, hi=1))],
        variant=f"3d-{m}-{p}-{'ac' if a else 'hp'}", gradcheck=m != "nearest", atol=1e-5, rg=[True, m != "nearest"])
      for m in ("bilinear", "nearest") for p in ("zeros", "border", "reflection") for a in (False, True)
      if m == "bilinear" or a],
    S("affine_grid", lambda F, th: F.affine_grid(th, [2, 3, 4, 5], align_corners=False), [(r(2, 2, 3),)],
      errors=[lambda F: F.affine_grid(t(F, 2, 2, 3), [3, 3, 4, 5]),
              lambda F: F.affine_grid(t(F, 2, 3, 3), [2, 3, 4, 5])]),
    S("affine_grid", lambda F, th: F.affine_grid(th, (1, 1, 3, 2), align_corners=True), [(r(1, 2, 3),)],
      variant="align-corners"),
    S("affine_grid", lambda F, th: F.affine_grid(th, [2, 1, 2, 3, 4], align_corners=False), [(r(2, 3, 4),)],
      variant="3d", errors=[lambda F: F.affine_grid(t(F, 2, 2, 3), [2, 1, 2, 3, 4]),
                            lambda F: F.affine_grid(t(F, 2, 3, 4), [2, 1, 0, 3, 4]),
                            lambda F: F.affine_grid(t(F, 2, 3, 4), [2, 3, 4]),
                            lambda F: F.affine_grid(t(F, 1, 3, 4), [2, 1, 2, 3, 4])]),
    S("affine_grid", lambda F, th: F.affine_grid(th, (1, 1, 3, 1, 2), align_corners=True), [(r(1, 3, 4),)],
      variant="3d-align-corners"),
    # ---- convolution, unfold/fold --------------------------------------------------------------------------
    S("conv1d", lambda F, x, w, b: F.conv1d(x, w, b), [(IMG1, r(4, 3, 3), r(4)), (r(3, 7), r(4, 3, 3), r(4))],
      gradgrad=True, errors=[lambda F: F.conv1d(t(F, 2, 3, 7), t(F, 4, 2, 3)),
                             lambda F: F.conv1d(t(F, 2, 3, 2), t(F, 4, 3, 3))]),
    S("conv1d", lambda F, x, w: F.conv1d(x, w, None, 2, 2, 2, 2), [(r(2, 4, 9), r(6, 2, 3))],
      variant="strided-grouped"),
    S("conv1d", lambda F, x, w: F.conv1d(x, w, padding="same", dilation=2), [(IMG1, r(4, 3, 2))],
      variant="same",
      errors=[lambda F: F.conv1d(t(F, 2, 3, 7), t(F, 4, 3, 3), padding="same", stride=2)]),
    S("conv2d", lambda F, x, w, b: F.conv2d(x, w, b),
      [(IMG, r(4, 3, 3, 3), r(4)), (r(3, 5, 6), r(4, 3, 2, 3), r(4))],
      gradgrad=True, errors=[lambda F: F.conv2d(t(F, 2, 3, 5, 6), t(F, 4, 2, 3, 3)),
                             lambda F: F.conv2d(t(F, 2, 3, 5, 6), t(F, 4, 3, 3, 3), groups=2)]),
    S("conv2d", lambda F, x, w, b: F.conv2d(x, w, b, (2, 1), (1, 2), (1, 2), 3),
      [(r(2, 6, 5, 6), r(3, 2, 2, 3), r(3))], variant="strided-grouped", gradgrad=True),
    S("conv2d", lambda F, x, w: F.conv2d(x, w, padding="same"), [(IMG, r(4, 3, 2, 3))], variant="same"),
    S("conv2d", lambda F, x, w: F.conv2d(x, w, padding="valid", stride=2), [(IMG, r(4, 3, 3, 3))],
      variant="valid"),
    S("conv_transpose1d", lambda F, x, w, b: F.conv_transpose1d(x, w, b), [(IMG1, r(3, 4, 3), r(4)),
                                                                          (r(3, 7), r(3, 4, 3), r(4))],
      gradgrad=True, errors=[lambda F: F.conv_transpose1d(t(F, 2, 3, 7), t(F, 4, 4, 3))]),
    S("conv_transpose1d", lambda F, x, w: F.conv_transpose1d(x, w, None, 2, 1, 1, 2, 2),
      [(r(2, 4, 5), r(4, 3, 3))], variant="strided-grouped"),
    S("conv_transpose2d", lambda F, x, w, b: F.conv_transpose2d(x, w, b), [(IMG, r(3, 2, 3, 3), r(2))],
      gradgrad=True, errors=[lambda F: F.conv_transpose2d(t(F, 2, 3, 5, 6), t(F, 3, 2, 3, 3), stride=2,
                                                          output_padding=2)]),
    S("conv_transpose2d", lambda F, x, w, b: F.conv_transpose2d(x, w, b, (2, 1), (1, 0), (1, 0), 2, (1, 2)),
      [(r(2, 4, 3, 4), r(4, 3, 2, 3), r(6))], variant="strided-grouped"),
    S("unfold", lambda F, x: F.unfold(x, 2), [(IMG,), (r(3, 5, 6),)], gradgrad=True,
      errors=[lambda F: F.unfold(t(F, 2, 3, 5, 6), 7)]),
    S("unfold", lambda F, x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [(IMG,)],
      variant="args"),
    S("fold", lambda F, x: F.fold(x, (4, 5), 2), [(r(2, 12, 12),), (r(12, 12),)], gradgrad=True,
      errors=[lambda F: F.fold(t(F, 2, 12, 11), (4, 5), 2)]),
    S("fold", lambda F, x: F.fold(x, (5, 6), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
      [(r(1, 6, 12),)], variant="args"),
    # ---- pooling -------------------------------------------------------------------------------------------
    S("avg_pool1d", lambda F, x: F.avg_pool1d(x, 3), [(IMG1,), (r(3, 7),)],
      errors=[lambda F: F.avg_pool1d(t(F, 2, 3, 7), 3, padding=2)]),
    S("avg_pool1d", lambda F, x: F.avg_pool1d(x, 3, 2, 1, True, False), [(IMG1,)], variant="args"),
    S("avg_pool2d", lambda F, x: F.avg_pool2d(x, 2), [(IMG,), (r(3, 5, 6),)], gradgrad=True,
      errors=[lambda F: F.avg_pool2d(t(F, 2, 3, 5, 6), 2, padding=2)]),
    S("avg_pool2d", lambda F, x: F.avg_pool2d(x, (3, 2), (2, 1), 1, True, False), [(IMG,)], variant="args",
      gradgrad=True),
    S("avg_pool2d", lambda F, x: F.avg_pool2d(x, 3, 2, 1, divisor_override=2), [(IMG,)], variant="divisor"),
    S("max_pool1d", lambda F, x: F.max_pool1d(x, 3), [(IMG1,), (r(3, 7),)],
      errors=[lambda F: F.max_pool1d(t(F, 2, 3, 7), 3, padding=2)]),
    S("max_pool1d", lambda F, x: F.max_pool1d(x, 2, 2, 1, 2, True, True), [(IMG1,)], variant="args"),
    S("max_pool1d_with_indices", lambda F, x: F.max_pool1d_with_indices(x, 2), [(IMG1,)]),
    S("max_pool2d", lambda F, x: F.max_pool2d(x, 2), [(IMG,), (r(3, 5, 6),)], gradgrad=True,
      errors=[lambda F: F.max_pool2d(t(F, 2, 3, 5, 6), 2, padding=2)]),
    S("max_pool2d", lambda F, x: F.max_pool2d(x, (3, 2), (2, 1), 1, (1, 2), True, True), [(IMG,)],
      variant="args"),
    S("max_pool2d_with_indices", lambda F, x: F.max_pool2d_with_indices(x, 3, 2, ceil_mode=True), [(IMG,)]),
    S("adaptive_avg_pool1d", lambda F, x: F.adaptive_avg_pool1d(x, 3), [(IMG1,), (r(3, 7),)],
      errors=[lambda F: F.adaptive_avg_pool1d(t(F, 2, 3, 7), (3, 2))]),
    S("adaptive_avg_pool2d", lambda F, x: F.adaptive_avg_pool2d(x, (2, 4)), [(IMG,), (r(3, 5, 6),)],
      gradgrad=True),
    S("adaptive_avg_pool2d", lambda F, x: F.adaptive_avg_pool2d(x, (None, 3)), [(IMG,)], variant="none"),
    S("adaptive_max_pool1d", lambda F, x: F.adaptive_max_pool1d(x, 3), [(IMG1,), (r(3, 7),)]),
    S("adaptive_max_pool1d", lambda F, x: F.adaptive_max_pool1d(x, 4, return_indices=True), [(IMG1,)],
      variant="indices"),
    S("adaptive_max_pool1d_with_indices", lambda F, x: F.adaptive_max_pool1d_with_indices(x, 2), [(IMG1,)]),
    S("adaptive_max_pool2d", lambda F, x: F.adaptive_max_pool2d(x, (2, 4)), [(IMG,), (r(3, 5, 6),)],
      errors=[lambda F: F.adaptive_max_pool2d(t(F, 2, 3, 5, 6), (2, 3, 4))]),
    S("adaptive_max_pool2d", lambda F, x: F.adaptive_max_pool2d(x, 3, return_indices=True), [(IMG,)],
      variant="indices"),
    S("adaptive_max_pool2d_with_indices", lambda F, x: F.adaptive_max_pool2d_with_indices(x, (None, 2)),
      [(IMG,)]),
    S("lp_pool1d", lambda F, x: F.lp_pool1d(x, 2, 3), [(IMG1,)]),
    S("lp_pool1d", lambda F, x: F.lp_pool1d(x, 1.5, 2, 2, True), [(r(2, 3, 7, lo=0.2, hi=2),)],
      variant="args"),
    S("lp_pool2d", lambda F, x: F.lp_pool2d(x, 2, 2), [(IMG,), (r(3, 5, 6),)]),
    S("lp_pool2d", lambda F, x: F.lp_pool2d(x, 3, (3, 2), 2, True), [(r(2, 3, 5, 6, lo=0.2, hi=2),)],
      variant="args"),
    S("max_unpool1d", _pool_unpool1d, [(r(2, 3, 8),)],
      errors=[lambda F: F.max_unpool1d(t(F, 2, 3, 4), ti(F, 0, 1, 2, 3).reshape(1, 1, 4).expand(2, 3, 4), 2,
                                       output_size=[20])]),
    S("max_unpool1d", lambda F, x, i: F.max_unpool1d(x, i, 2, output_size=[7]),
      [(r(1, 2, 3), ix(*[[[0, 3, 5], [1, 2, 6]]]))], variant="output-size",
      errors=[lambda F: F.max_unpool1d(t(F, 1, 2, 3), ti(F, 0, 3, 5, 1, 2, 6).reshape(1, 2, 3), 2,
                                       output_size=[8]),
              lambda F: F.max_unpool1d(t(F, 1, 2, 3), ti(F, 0, 3, 5, 1, 2, 6).reshape(1, 2, 3), 2,
                                       output_size=[4]),
              lambda F: F.max_unpool1d(t(F, 1, 2, 3), ti(F, 0, 3, 5, 1, 2, 6).reshape(1, 2, 3), 2,
                                       output_size=[1, 7])]),
    S("max_unpool1d", lambda F, x, i: F.max_unpool1d(x, i, 2, output_size=[1, 2, 5]),
      [(r(1, 2, 2), ix(*[[[0, 3], [1, 2]]]))], variant="output-size-nc"),
    S("max_unpool2d", _pool_unpool, [(IMG,), (r(3, 4, 6),)], gradgrad=True),
    S("max_unpool2d", lambda F, x, i: F.max_unpool2d(x, i, 2, 2, output_size=(4, 4)),
      [(r(1, 1, 2, 2), ix(*[[[[0, 3], [9, 15]]]]))], variant="output-size",
      errors=[lambda F: F.max_unpool2d(t(F, 1, 1, 2, 2), ti(F, 0, 3, 9, 16).reshape(1, 1, 2, 2), 2)]),
    # ---- 3-d convolution and pooling (rows ready before ember has these names: they run once it does) ----
    S("conv3d", lambda F, x, w, b: F.conv3d(x, w, b),
      [(VOL, r(3, 2, 2, 2, 2), r(3)), (VOL[0], r(3, 2, 2, 2, 2), r(3))],
      gradgrad=True, errors=[lambda F: F.conv3d(t(F, 2, 2, 3, 3, 4), t(F, 3, 3, 2, 2, 2))]),
    S("conv3d", lambda F, x, w: F.conv3d(x, w, None, (2, 1, 1), (1, 0, 1), (1, 2, 1), 2),
      [(r(1, 4, 4, 4, 5), r(4, 2, 2, 2, 3))], variant="strided-grouped"),
    S("conv3d", lambda F, x, w: F.conv3d(x, w, padding="same"), [(VOL, r(3, 2, 2, 3, 2))], variant="same"),
    S("conv_transpose3d", lambda F, x, w, b: F.conv_transpose3d(x, w, b), [(VOL, r(2, 3, 2, 2, 2), r(3))],
      gradgrad=True, errors=[lambda F: F.conv_transpose3d(t(F, 2, 2, 3, 3, 4), t(F, 3, 3, 2, 2, 2))]),
    S("conv_transpose3d", lambda F, x, w: F.conv_transpose3d(x, w, None, 2, 1, 1, 2, (1, 2, 1)),
      [(r(1, 4, 2, 3, 2), r(4, 2, 2, 2, 3))], variant="strided-grouped"),
    S("avg_pool3d", lambda F, x: F.avg_pool3d(x, 2), [(VOL,), (VOL[0],)], gradgrad=True,
      errors=[lambda F: F.avg_pool3d(t(F, 2, 2, 3, 3, 4), 2, padding=2)]),
    S("avg_pool3d", lambda F, x: F.avg_pool3d(x, (2, 1, 2), 1, (1, 0, 1), True, False), [(VOL,)],
      variant="args"),
    S("avg_pool3d", lambda F, x: F.avg_pool3d(x, 2, divisor_override=3), [(VOL,)], variant="divisor"),
    S("max_pool3d", lambda F, x: F.max_pool3d(x, 2), [(VOL,), (VOL[0],)], gradgrad=True,
      errors=[lambda F: F.max_pool3d(t(F, 2, 2, 3, 3, 4), 2, padding=2)]),
    S("max_pool3d", lambda F, x: F.max_pool3d(x, (2, 2, 3), 1, (1, 0, 1), 1, True, True), [(VOL,)],
      variant="args"),
    S("max_pool3d_with_indices", lambda F, x: F.max_pool3d_with_indices(x, 2, ceil_mode=True), [(VOL,)]),
    S("adaptive_avg_pool3d", lambda F, x: F.adaptive_avg_pool3d(x, (2, 1, 3)), [(VOL,), (VOL[0],)]),
    S("adaptive_max_pool3d", lambda F, x: F.adaptive_max_pool3d(x, (2, None, 3)), [(VOL,)]),
    S("adaptive_max_pool3d", lambda F, x: F.adaptive_max_pool3d(x, 2, return_indices=True), [(VOL,)],
      variant="indices"),
    S("adaptive_max_pool3d_with_indices", lambda F, x: F.adaptive_max_pool3d_with_indices(x, 1), [(VOL,)]),
    S("lp_pool3d", lambda F, x: F.lp_pool3d(x, 2, 2), [(VOL,)]),
    S("max_unpool3d", _pool_unpool3d, [(VOL,)], gradgrad=True),
]

# More bad input, by name (added to the name's first row; torch's exception type, or the bug reason below)
MORE_ERRORS = {
    "adaptive_avg_pool2d": [lambda F: F.adaptive_avg_pool2d(t(F, 2, 3), 2),
                            lambda F: F.adaptive_avg_pool2d(t(F, 1, 2, 3, 4), (2, 3, 4))],
    "adaptive_max_pool1d": [lambda F: F.adaptive_max_pool1d(t(F, 1, 2, 3, 4), 2)],
    "adaptive_max_pool1d_with_indices": [lambda F: F.adaptive_max_pool1d_with_indices(t(F, 1, 2, 6), (2, 3))],
    "adaptive_max_pool2d_with_indices": [lambda F: F.adaptive_max_pool2d_with_indices(t(F, 6), 2)],
    "celu_": [lambda F: F.celu_(leaf(F, 3))],
    "dropout2d": [lambda F: F.dropout2d(t(F, 2, 3, 4, 5), 1.5)],
    "dropout3d": [lambda F: F.dropout3d(t(F, 2, 3, 2, 2, 2), -0.5)],
    "feature_alpha_dropout": [lambda F: F.feature_alpha_dropout(t(F, 2, 3, 4), 2.0, True),
                              lambda F: F.feature_alpha_dropout(t(F, 4), 0.5, True)],
    "elu": [lambda F: F.elu(ti(F, 1, 2)), lambda F: F.elu(t(F, 3), "0.1"), lambda F: F.elu([1.0])],
    "elu_": [lambda F: F.elu_(leaf(F, 3))],
    "grid_sample": [lambda F: F.grid_sample(t(F, 1, 1, 3, 3), t(F, 1, 2, 2, 2), mode="linear"),
                    lambda F: F.grid_sample(t(F, 1, 1, 2, 3, 3), t(F, 1, 2, 2, 2, 3), mode="bicubic"),
                    lambda F: F.grid_sample(t(F, 1, 1, 2, 3, 3), t(F, 1, 2, 2, 2, 2)),
                    lambda F: F.grid_sample(t(F, 1, 1, 2, 3, 3), t(F, 1, 2, 2, 3)),
                    lambda F: F.grid_sample(t(F, 2, 1, 2, 3, 3), t(F, 1, 2, 2, 2, 3)),
                    lambda F: F.grid_sample(t(F, 1, 1, 0, 3, 3), t(F, 1, 2, 2, 2, 3)),
                    lambda F: F.grid_sample(t(F, 1, 1, 3, 3), t(F, 1, 2, 2, 3)),
                    lambda F: F.grid_sample(t(F, 1, 1, 3, 3), t(F, 1, 2, 2, 2), padding_mode="wrap")],
    "gumbel_softmax": [lambda F: F.gumbel_softmax(t(F, 3, 4), dim=2)],
    "hardshrink": [lambda F: F.hardshrink(ti(F, 1, 2)), lambda F: F.hardshrink(t(F, 3), t(F, 2))],
    "celu": [lambda F: F.celu(t(F, 3), "1.0"), lambda F: F.celu([1.0])],
    "gelu": [lambda F: F.gelu(t(F, 3), approximate=None)],
    "glu": [lambda F: F.glu(ti(F, 1, 2)), lambda F: F.glu(t(F, 2, 4), True), lambda F: F.glu(t(F, 2, 4), 1.0)],
    "hardtanh": [lambda F: F.hardtanh(t(F, 3) > 0), lambda F: F.hardtanh(ti(F, 1, 2).to(lib(F).uint8)),
                 lambda F: F.hardtanh(ti(F, 1, 2).to(lib(F).int8), -1, 300), lambda F: F.hardtanh(t(F, 3), t(F, 2))],
    "prelu": [lambda F: F.prelu([1.0], t(F, 1)), lambda F: F.prelu(ti(F, 1, 2), ti(F, 1))],
    "softmax": [lambda F: F.softmax(t(F, 3, 4), True), lambda F: F.softmax([1.0, 2.0], 0)],
    "softshrink": [lambda F: F.softshrink(ti(F, 1, 2)), lambda F: F.softshrink(t(F, 3), float("inf"))],
    "sigmoid": [lambda F: F.sigmoid([0.5])],
    "hardsigmoid": [lambda F: F.hardsigmoid(ti(F, 1, 2))],
    "hardswish": [lambda F: F.hardswish(ti(F, 1, 2))],
    "hardtanh_": [lambda F: F.hardtanh_(leaf(F, 3))],
    "hinge_embedding_loss": [lambda F: F.hinge_embedding_loss(t(F, 4, 3), t(F, 2, 3))],
    "leaky_relu": [lambda F: F.leaky_relu(t(F, 3), "0.1"), lambda F: F.leaky_relu(t(F, 3), t(F, 2))],
    "leaky_relu_": [lambda F: F.leaky_relu_(leaf(F, 3)), lambda F: F.leaky_relu_([1.0])],
    "logsigmoid": [lambda F: F.logsigmoid(ti(F, 1, 2))],
    "lp_pool1d": [lambda F: F.lp_pool1d(t(F, 1, 2, 2), 2, 3)],
    "lp_pool2d": [lambda F: F.lp_pool2d(t(F, 1, 2, 2, 2), 2, 3)],
    "max_pool1d_with_indices": [lambda F: F.max_pool1d_with_indices(t(F, 1, 2, 5), 0)],
    "max_pool2d_with_indices": [lambda F: F.max_pool2d_with_indices(t(F, 1, 2, 2, 2), 3)],
    "mish": [lambda F: F.mish(ti(F, 1, 2))],
    "multilabel_soft_margin_loss": [lambda F: F.multilabel_soft_margin_loss(t(F, 4, 3), t(F, 4, 2))],
    "normalize": [lambda F: F.normalize(t(F, 3, 4), dim=2)],
    "poisson_nll_loss": [lambda F: F.poisson_nll_loss(t(F, 4, 3), t(F, 4, 2)),
                         lambda F: F.poisson_nll_loss(t(F, 4, 3), t(F, 4, 3), reduction="avg")],
    "relu6": [lambda F: F.relu6([1.0, 7.0])],
    "relu_": [lambda F: F.relu_(leaf(F, 3)), lambda F: F.relu_([1.0])],
    "rrelu": [lambda F: F.rrelu(t(F, 3), 0.5, 0.1, training=True), lambda F: F.rrelu(t(F, 3), 0.5, 0.1),
              lambda F: F.rrelu(t(F, 3), "0.1")],
    "rrelu_": [lambda F: F.rrelu_(leaf(F, 3))],
    "selu": [lambda F: F.selu(ti(F, 1, 2))],
    "selu_": [lambda F: F.selu_(leaf(F, 3))],
    "silu": [lambda F: F.silu(ti(F, 1, 2))],
    "soft_margin_loss": [lambda F: F.soft_margin_loss(t(F, 4, 3), t(F, 4, 2))],
    "softmin": [lambda F: F.softmin(t(F, 3, 4), 2)],
    "softplus": [lambda F: F.softplus(ti(F, 1, 2)), lambda F: F.softplus(t(F, 3), None),
                 lambda F: F.softplus(t(F, 3), 1.0, "20")],
    "softsign": [lambda F: F.softsign(t(F, 3), 2), lambda F: F.softsign(t(F, 3) > 0)],
    "tanh": [lambda F: F.tanh([0.5])],
    "tanhshrink": [lambda F: F.tanhshrink(t(F, 3), 1)],
    "threshold": [lambda F: F.threshold(t(F, 3), 0.5), lambda F: F.threshold(t(F, 3) > 0, 0.5, 1.0),
                  lambda F: F.threshold(t(F, 3), 0.5, None), lambda F: F.threshold([1.0], 0.5, 1.0)],
    "threshold_": [lambda F: F.threshold_(leaf(F, 3), 0.5, 0.0)],
    "upsample": [lambda F: F.upsample(t(F, 1, 2, 3), size=4, mode="cubic")],
    "upsample_bilinear": [lambda F: F.upsample_bilinear(t(F, 1, 2, 3), size=4)],
    "upsample_nearest": [lambda F: F.upsample_nearest(t(F, 1, 2, 3), size=4, scale_factor=2)],
}
MORE_BUGS: dict[str, dict[int, str]] = {}   # name -> {index in the name's MORE_ERRORS: reason}
for _name, _errors in MORE_ERRORS.items():
    _first = next(s for s in SPECS if s.name == _name)
    _k0 = len(_first.errors)
    _first.errors += _errors
    for _k, _why in MORE_BUGS.get(_name, {}).items():
        _first.bugs[f"error-{_k0 + _k}"] = "ember bug: " + _why

BY_ID = {s.id: s for s in SPECS}
assert len(BY_ID) == len(SPECS), "duplicate row ids"

# torch.nn.functional names in ember's F.__all__ with no row here (each with the reason): none.
EXCLUDED: dict[str, str] = {}


def requires_grad(spec, arrays):
    """Which arrays become tensors that require grad: the row's `rg`, or the float arrays of a `grad` row."""
    if spec.rg is not None:
        return list(spec.rg)
    return [spec.grad and isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]


def active(F):
    """The rows of the names `F` has (the table also holds rows for torch names ember does not have yet)."""
    return [s for s in SPECS if hasattr(F, s.name)]


def cases():
    """Every row's samples, for tests/ops/test_op_coverage.py: (id, fn(L, *tensors), arrays, grad, gradgrad),
    `grad` a list (which arrays require grad)."""
    import ember.nn.functional as F
    for s in active(F):
        for i, arrays in enumerate(s.samples):
            yield (f"{s.id}-{i}", lambda L, *xs, _s=s: _s.fn(L.nn.functional, *xs), list(arrays),
                   requires_grad(s, arrays), s.gradgrad)
