"""Max/avg/adaptive pooling and unpooling in 1-d, 2-d and 3-d against torch: values, indices, gradients, dtypes,
options, grad_fn names, errors."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

from ember_testutil import rand
from oracle import check, run_both

MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1)),
    dict(kernel_size=2, stride=1),
    dict(kernel_size=3, stride=3, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=2, padding=(1, 1), dilation=(1, 2), ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAX2D, ids=str)
def test_max_pool2d_vs_torch(torch, rng, kw):
    x = rand(rng, 2, 3, 9, 10)
    check(torch, lambda x: F.max_pool2d(x, **kw), lambda x: torch.nn.functional.max_pool2d(x, **kw), [x])
    oe, ot = check(torch, lambda x: F.max_pool2d(x, return_indices=True, **kw),
                   lambda x: torch.nn.functional.max_pool2d(x, return_indices=True, **kw), [x], grad=False)
    assert oe[1].dtype == ember.int64


def test_max_pool2d_ties_pick_first_like_torch(torch):
    # relu outputs are full of zero ties: torch routes the gradient to the first maximum only
    x = np.zeros((1, 2, 4, 4), np.float32)
    x[0, 1, 1, 1] = 1.0
    check(torch, lambda x: F.max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), [x])
    check(torch, lambda x: F.max_pool2d(x, 3, 1), lambda x: torch.nn.functional.max_pool2d(x, 3, 1), [x])
    check(torch, lambda x: F.max_pool2d(x, 2, return_indices=True),
          lambda x: torch.nn.functional.max_pool2d(x, 2, return_indices=True), [x], grad=False)


def test_max_pool_channels_last_input(torch, rng):
    # a channels-last (transposed) input must give the same values and gradients
    x = np.ascontiguousarray(rand(rng, 2, 6, 6, 3).transpose(0, 3, 1, 2))
    xe = ember.tensor(rand(rng, 2, 6, 6, 3)).permute(0, 3, 1, 2)
    xt = torch.tensor(xe.numpy())
    np.testing.assert_allclose(F.max_pool2d(xe, 2).numpy(), torch.nn.functional.max_pool2d(xt, 2).numpy())
    check(torch, lambda x: F.max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), [x])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=3, stride=1, dilation=2)], ids=str)
def test_max_pool1d_vs_torch(torch, rng, kw):
    x = rand(rng, 2, 3, 11)
    check(torch, lambda x: F.max_pool1d(x, **kw), lambda x: torch.nn.functional.max_pool1d(x, **kw), [x])
    check(torch, lambda x: F.max_pool1d(x, return_indices=True, **kw),
          lambda x: torch.nn.functional.max_pool1d(x, return_indices=True, **kw), [x], grad=False)


AVG2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=1),
    dict(kernel_size=3, stride=2, ceil_mode=True, divisor_override=5),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True),
]


@pytest.mark.parametrize("kw", AVG2D, ids=str)
def test_avg_pool2d_vs_torch(torch, rng, kw):
    x = rand(rng, 2, 3, 9, 10)
    check(torch, lambda x: F.avg_pool2d(x, **kw), lambda x: torch.nn.functional.avg_pool2d(x, **kw), [x])


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                            count_include_pad=False)], ids=str)
def test_avg_pool1d_vs_torch(torch, rng, kw):
    x = rand(rng, 2, 3, 11)
    check(torch, lambda x: F.avg_pool1d(x, **kw), lambda x: torch.nn.functional.avg_pool1d(x, **kw), [x])


@pytest.mark.parametrize("osz", [(1, 1), 3, (4, 5), (None, 2), (7, 7), (2, 10)], ids=str)
def test_adaptive_pools_2d_vs_torch(torch, rng, osz):
    x = rand(rng, 2, 3, 8, 10)
    check(torch, lambda x: F.adaptive_avg_pool2d(x, osz), lambda x: torch.nn.functional.adaptive_avg_pool2d(x, osz),
          [x])
    check(torch, lambda x: F.adaptive_max_pool2d(x, osz), lambda x: torch.nn.functional.adaptive_max_pool2d(x, osz),
          [x])
    check(torch, lambda x: F.adaptive_max_pool2d(x, osz, True),
          lambda x: torch.nn.functional.adaptive_max_pool2d(x, osz, True), [x], grad=False)


@pytest.mark.parametrize("osz", [1, 3, 4, 9])
def test_adaptive_pools_1d_vs_torch(torch, rng, osz):
    x = rand(rng, 2, 3, 10)
    check(torch, lambda x: F.adaptive_avg_pool1d(x, osz), lambda x: torch.nn.functional.adaptive_avg_pool1d(x, osz),
          [x])
    check(torch, lambda x: F.adaptive_max_pool1d(x, osz), lambda x: torch.nn.functional.adaptive_max_pool1d(x, osz),
          [x])


MAX3D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), ceil_mode=True),
    dict(kernel_size=3, stride=1, dilation=(2, 1, 1)),
    dict(kernel_size=(3, 2, 3), stride=2, padding=(1, 0, 1), dilation=(1, 2, 1), ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAX3D, ids=str)
def test_max_pool3d_vs_torch(torch, rng, kw):
    x = rand(rng, 2, 3, 7, 8, 6)
    check(torch, lambda x: F.max_pool3d(x, **kw), lambda x: torch.nn.functional.max_pool3d(x, **kw), [x])
    check(torch, lambda x: F.max_pool3d(x, return_indices=True, **kw),
          lambda x: torch.nn.functional.max_pool3d(x, return_indices=True, **kw), [x], grad=False)
    check(torch, lambda x: F.max_pool3d_with_indices(x, **kw),
          lambda x: torch.nn.functional.max_pool3d_with_indices(x, **kw), [x], grad=False)


def test_max_pool3d_ties_pick_first_like_torch(torch):
    x = np.zeros((1, 2, 4, 4, 4), np.float32)
    x[0, 1, 1, 2, 1] = 1.0
    check(torch, lambda x: F.max_pool3d(x, 2), lambda x: torch.nn.functional.max_pool3d(x, 2), [x])
    check(torch, lambda x: F.max_pool3d(x, 3, 1), lambda x: torch.nn.functional.max_pool3d(x, 3, 1), [x])


AVG3D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=(2, 3, 3), stride=(1, 2, 2), padding=(1, 1, 0), ceil_mode=True, count_include_pad=False),
    dict(kernel_size=3, stride=2, ceil_mode=True, divisor_override=7),
]


@pytest.mark.parametrize("kw", AVG3D, ids=str)
def test_avg_pool3d_vs_torch(torch, rng, kw):
    x = rand(rng, 2, 3, 7, 8, 6)
    check(torch, lambda x: F.avg_pool3d(x, **kw), lambda x: torch.nn.functional.avg_pool3d(x, **kw), [x])


@pytest.mark.parametrize("osz", [1, (2, 3, 4), (None, 2, 3), (4, 8, 6), (5, 3, 7)], ids=str)
def test_adaptive_pools_3d_vs_torch(torch, rng, osz):
    x = rand(rng, 2, 3, 4, 8, 6)
    check(torch, lambda x: F.adaptive_avg_pool3d(x, osz), lambda x: torch.nn.functional.adaptive_avg_pool3d(x, osz),
          [x])
    check(torch, lambda x: F.adaptive_max_pool3d(x, osz), lambda x: torch.nn.functional.adaptive_max_pool3d(x, osz),
          [x])
    check(torch, lambda x: F.adaptive_max_pool3d(x, osz, True),
          lambda x: torch.nn.functional.adaptive_max_pool3d(x, osz, True), [x], grad=False)


@pytest.mark.parametrize("dtype", ["float16", "float64", "int64", "int32", "int16", "uint8", "bool"])
@pytest.mark.parametrize("name,args", [("max_pool3d", (2,)), ("avg_pool3d", (2,)), ("adaptive_avg_pool3d", (3,)),
                                       ("adaptive_max_pool3d", (3,)), ("max_pool2d", (2,)), ("avg_pool2d", (3, 2)),
                                       ("adaptive_avg_pool2d", (3,)), ("adaptive_max_pool2d", (3,)),
                                       ("max_pool1d", (2,)), ("avg_pool1d", (2,)), ("adaptive_max_pool1d", (2,))],
                         ids=str)
def test_pool_dtypes_vs_torch(torch, rng, name, args, dtype):
    # torch's CPU pools accept different dtypes per kernel (integer max pools, int64 average pools) and raise
    # NotImplementedError naming the kernel for the others; each kept dtype is kept
    x = (rand(rng, 2, 3, 4, 6, 5) * 50).astype(dtype)
    x = x[(slice(None), slice(None)) + (0,) * (3 - int(name[-2]))]
    # half precision: torch's kernels round their running sums differently from kernel to kernel (a few ulps)
    tol = 1e-2 if dtype == "float16" else 1e-6
    run_both(torch, lambda T: getattr(T.nn.functional, name)(T.tensor(x), *args), tol, tol, exc="message")
    if name[:3] == "max":
        run_both(torch, lambda T: getattr(T.nn.functional, name)(T.tensor(x), *args, return_indices=True),
                 exc="message")


def test_pool3d_grad_fn_names_match_torch(torch, rng):
    x = rand(rng, 2, 3, 6, 6, 4)
    for fn in (lambda F_, t: F_.max_pool3d(t, 2), lambda F_, t: F_.avg_pool3d(t, 2),
               lambda F_, t: F_.adaptive_max_pool3d(t, 3), lambda F_, t: F_.avg_pool3d(t, 3, 1, 1),
               lambda F_, t: F_.max_unpool3d(*F_.max_pool3d(t, 2, return_indices=True), 2)):
        ye = fn(F, ember.tensor(x, requires_grad=True))
        yt = fn(torch.nn.functional, torch.tensor(x, requires_grad=True))
        assert ye.grad_fn.name() == yt.grad_fn.name()


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_roundtrip_vs_torch(torch, rng, nd):
    shape = {1: (2, 3, 9), 2: (2, 3, 8, 6), 3: (2, 3, 4, 6, 6)}[nd]
    x = rand(rng, *shape)
    pool_e, pool_t = getattr(F, f"max_pool{nd}d"), getattr(torch.nn.functional, f"max_pool{nd}d")
    unpool_e, unpool_t = getattr(F, f"max_unpool{nd}d"), getattr(torch.nn.functional, f"max_unpool{nd}d")
    ye, ie = pool_e(ember.tensor(x), 2, return_indices=True)
    yt, it = pool_t(torch.tensor(x), 2, return_indices=True)
    out_size = shape[2:]
    check(torch, lambda y: unpool_e(y, ie, 2, output_size=out_size), lambda y: unpool_t(y, it, 2, output_size=out_size),
          [yt.numpy()])
    mod_e, mod_t = getattr(nn, f"MaxUnpool{nd}d")(2), getattr(torch.nn, f"MaxUnpool{nd}d")(2)
    assert repr(mod_e) == repr(mod_t)
    assert tuple(mod_e(ye, ie).shape) == tuple(mod_t(yt, it).shape)


def test_pool_gradcheck_float64(rng):
    x = ember.tensor(rand(rng, 1, 2, 5, 6, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (x,))
    assert gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (x,))
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 4)), (x,))
    assert gradcheck(lambda x: F.adaptive_max_pool2d(x, (2, 4)), (x,))
    x3 = ember.tensor(rand(rng, 1, 2, 4, 5, 3, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x: F.max_pool3d(x, 3, 2, 1, ceil_mode=True), (x3,))
    assert gradcheck(lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (x3,))
    assert gradcheck(lambda x: F.adaptive_avg_pool3d(x, (3, 2, 2)), (x3,))
    assert gradcheck(lambda x: F.adaptive_max_pool3d(x, (2, 3, 2)), (x3,))


POOL_LAYERS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3, 2, 1), dict(ceil_mode=True)),
    ("MaxPool1d", (2,), {}),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool1d", (3,), {}),
    ("AdaptiveAvgPool2d", ((1, 1),), {}),
    ("AdaptiveAvgPool2d", (3,), {}),
    ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveMaxPool2d", (2,), {}),
    ("AdaptiveMaxPool1d", (4,), {}),
    ("LPPool2d", (2, 2), {}),
    ("LPPool2d", (2, (2, 3)), dict(stride=2, ceil_mode=True)),
    ("LPPool1d", (2, 3), {}),
    ("MaxPool3d", (2,), {}),
    ("MaxPool3d", (3, 2, 1), dict(ceil_mode=True, dilation=1)),
    ("AvgPool3d", (2,), {}),
    ("AvgPool3d", (3,), dict(stride=2, padding=1, count_include_pad=False, divisor_override=4)),
    ("AdaptiveAvgPool3d", ((1, 2, 3),), {}),
    ("AdaptiveMaxPool3d", (2,), {}),
    ("LPPool3d", (2, 2), {}),
    ("LPPool3d", (1.5, (2, 3, 2)), dict(stride=2, ceil_mode=True)),
]


@pytest.mark.parametrize("name,args,kw", POOL_LAYERS, ids=str)
def test_pool_layers_vs_torch(torch, rng, name, args, kw):
    me, mt = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(me) == repr(mt)
    x = rand(rng, *{"1d": (2, 3, 9), "2d": (2, 3, 8, 9), "3d": (2, 3, 5, 8, 6)}[name[-2:]])
    if name.startswith("LPPool"):
        x = np.abs(x) + 0.1        # a fractional power of a negative average is NaN in both
    check(torch, me, mt, [x])


POOL_ERRORS = [
    (lambda T, F_: F_.max_pool2d(T.zeros(2, 3, 8, 8), 3, padding=2), "pad should be at most half"),
    (lambda T, F_: F_.max_pool2d(T.zeros(1, 1, 2, 2), 3), "Output size is too small"),
    (lambda T, F_: F_.max_pool2d(T.zeros(2, 2), 3), "3D or 4D"),
    (lambda T, F_: F_.avg_pool2d(T.zeros(2, 3, 8, 8), 3, padding=2), "pad should be at most half"),
    (lambda T, F_: F_.avg_pool2d(T.zeros(1, 1, 2, 2), 3), "Output size is too small"),
    (lambda T, F_: F_.adaptive_avg_pool2d(T.zeros(2, 3, 8, 8), (2, 2, 2)), "output_size must be 2"),
    (lambda T, F_: F_.max_pool3d(T.zeros(2, 3, 4), 2), "4D or 5D"),
    (lambda T, F_: F_.max_pool3d(T.zeros(1, 2, 4, 4, 4), 2, padding=2), "pad should be at most half"),
    (lambda T, F_: F_.max_pool3d(T.zeros(1, 2, 1, 4, 4), 2), "Output size is too small"),
    (lambda T, F_: F_.avg_pool3d(T.zeros(1, 2, 4, 4, 4), 2, padding=2), "pad should be at most half"),
    (lambda T, F_: F_.avg_pool3d(T.zeros(1, 2, 4, 4, 4), 2, divisor_override=0), "divisor must be not zero"),
    (lambda T, F_: F_.adaptive_avg_pool3d(T.zeros(2, 3), 2), "Expected 4D or 5D"),
    (lambda T, F_: F_.adaptive_avg_pool3d(T.zeros(1, 2, 4, 4, 4), (2, 2)), "output_size must be 3"),
    (lambda T, F_: F_.adaptive_max_pool3d(T.zeros(1, 0, 4, 4, 4), 2), "non-zero size for non-batch"),
]


@pytest.mark.parametrize("i", range(len(POOL_ERRORS)))
def test_pool_errors_match_torch(torch, i):
    fn, msg = POOL_ERRORS[i]
    with pytest.raises(RuntimeError, match=msg):
        fn(torch, torch.nn.functional)
    with pytest.raises(RuntimeError, match=msg):
        fn(ember, F)


def test_max_pool2d_double_backward_vs_torch(torch, rng):
    x = rand(rng, 2, 3, 6, 7)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ge,) = ember.autograd.grad(F.max_pool2d(xe, 3, 2, 1).pow(3).sum(), [xe], create_graph=True)
    (gt,) = torch.autograd.grad(torch.nn.functional.max_pool2d(xt, 3, 2, 1).pow(3).sum(), [xt], create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), rtol=1e-5, atol=1e-5)
    ge.pow(2).sum().backward()
    gt.pow(2).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)


UNBATCHED = [
    ("max_pool2d", (3, 6, 7), (2,)),
    ("avg_pool2d", (3, 6, 7), (3, 2, 1)),
    ("max_pool1d", (3, 7), (2,)),
    ("avg_pool1d", (3, 7), (2,)),
    ("adaptive_avg_pool2d", (3, 6, 7), ((2, 3),)),
    ("adaptive_max_pool2d", (3, 6, 7), (4,)),
    ("adaptive_avg_pool1d", (3, 7), (3,)),
    ("max_pool3d", (3, 4, 6, 5), (2,)),
    ("avg_pool3d", (3, 4, 6, 5), (3, 2, 1)),
    ("adaptive_avg_pool3d", (3, 4, 6, 5), ((2, 3, 2),)),
    ("adaptive_max_pool3d", (3, 4, 6, 5), (3,)),
    ("lp_pool3d", (3, 4, 6, 5), (2.0, 2)),
]


@pytest.mark.parametrize("name,shape,args", UNBATCHED, ids=str)
def test_pools_unbatched_vs_torch(torch, rng, name, shape, args):
    check(torch, lambda x: getattr(F, name)(x, *args), lambda x: getattr(torch.nn.functional, name)(x, *args),
          [rand(rng, *shape)])


def test_pools_non_contiguous_input(torch, rng):
    x = rand(rng, 2, 7, 6, 3)
    for fe, ft in ((F.max_pool2d, torch.nn.functional.max_pool2d), (F.avg_pool2d, torch.nn.functional.avg_pool2d)):
        check(torch, lambda x: fe(x.permute(0, 3, 1, 2), 2), lambda x: ft(x.permute(0, 3, 1, 2), 2), [x])
    x3 = rand(rng, 2, 5, 6, 4, 3)
    for fe, ft in ((F.max_pool3d, torch.nn.functional.max_pool3d), (F.avg_pool3d, torch.nn.functional.avg_pool3d)):
        check(torch, lambda x: fe(x.permute(0, 4, 1, 2, 3), 2), lambda x: ft(x.permute(0, 4, 1, 2, 3), 2), [x3])
