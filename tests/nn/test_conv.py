"""conv1d/2d/3d, conv_transpose1d/2d/3d and the Conv layers against torch: values, gradients of
input/weight/bias under a random cotangent, option tables, dtypes, errors, reprs, double backward, the batch
chunks and threads of the engine. (Winograd's float32 accuracy: test_conv_winograd.py.)"""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

from ember_testutil import rand
from oracle import check, run_both

CONV2D_CASES = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(padding=(2, 1), dilation=(2, 1), stride=(1, 2)),
    dict(padding="same"),
    dict(padding="same", dilation=2),
    dict(padding="valid", stride=(2, 3)),
    dict(groups=2, padding=1),
    dict(groups=4, stride=2),                 # depthwise
    dict(groups=2, dilation=2, padding=2, stride=2),
]


@pytest.mark.parametrize("kw", CONV2D_CASES, ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_vs_torch(torch, rng, kw, bias):
    g = kw.get("groups", 1)
    x = rand(rng, 2, 4, 9, 8)
    w = rand(rng, 8 if g != 4 else 4, 4 // g, 3, 2)
    b = rand(rng, w.shape[0]) if bias else None
    check(torch, lambda x, w, b: F.conv2d(x, w, b, **kw),
          lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw), [x, w, b])


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2, groups=2), dict(padding="same")],
                         ids=str)
def test_conv1d_vs_torch(torch, rng, kw):
    g = kw.get("groups", 1)
    x = rand(rng, 3, 4, 11)
    w = rand(rng, 6, 4 // g, 3)
    b = rand(rng, 6)
    check(torch, lambda x, w, b: F.conv1d(x, w, b, **kw),
          lambda x, w, b: torch.nn.functional.conv1d(x, w, b, **kw), [x, w, b])


def test_conv2d_unbatched_and_float64(torch, rng):
    x = rand(rng, 3, 7, 7, dtype=np.float64)
    w = rand(rng, 2, 3, 3, 3, dtype=np.float64)
    check(torch, lambda x, w: F.conv2d(x, w, padding=1), lambda x, w: torch.nn.functional.conv2d(x, w, padding=1),
          [x, w], rtol=1e-10, atol=1e-12)


CONVT_CASES = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(2, 3), padding=(1, 0), output_padding=(0, 2), dilation=(1, 2)),
    dict(groups=2, stride=2),
    dict(dilation=2, padding=2, output_padding=1),
]


@pytest.mark.parametrize("kw", CONVT_CASES, ids=str)
def test_conv_transpose2d_vs_torch(torch, rng, kw):
    g = kw.get("groups", 1)
    x = rand(rng, 2, 4, 5, 6)
    w = rand(rng, 4, 6 // g, 3, 3)
    b = rand(rng, 6)
    check(torch, lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
          lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw), [x, w, b])


@pytest.mark.parametrize("kw", [dict(), dict(stride=3, padding=1, output_padding=2), dict(groups=2, dilation=2)],
                         ids=str)
def test_conv_transpose1d_vs_torch(torch, rng, kw):
    g = kw.get("groups", 1)
    x = rand(rng, 2, 4, 7)
    w = rand(rng, 4, 6 // g, 3)
    check(torch, lambda x, w: F.conv_transpose1d(x, w, **kw),
          lambda x, w: torch.nn.functional.conv_transpose1d(x, w, **kw), [x, w])


CONV3D_CASES = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(1, 2, 1), padding=(1, 0, 2), dilation=(2, 1, 1)),
    dict(padding="same", dilation=(1, 2, 1)),
    dict(groups=2, padding=1),
    dict(groups=4, stride=2),                 # depthwise
]


@pytest.mark.parametrize("kw", CONV3D_CASES, ids=str)
def test_conv3d_vs_torch(torch, rng, kw):
    g = kw.get("groups", 1)
    x = rand(rng, 2, 4, 6, 7, 5)
    w = rand(rng, 8 if g != 4 else 4, 4 // g, 3, 2, 3)
    b = rand(rng, w.shape[0])
    check(torch, lambda x, w, b: F.conv3d(x, w, b, **kw),
          lambda x, w, b: torch.nn.functional.conv3d(x, w, b, **kw), [x, w, b])


CONVT3D_CASES = [
    dict(),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(1, 2, 3), padding=(0, 1, 1), output_padding=(0, 1, 2), dilation=(2, 1, 1)),
    dict(groups=2, stride=2),
    dict(groups=4, stride=2, padding=1),      # depthwise
]


@pytest.mark.parametrize("kw", CONVT3D_CASES, ids=str)
def test_conv_transpose3d_vs_torch(torch, rng, kw):
    g = kw.get("groups", 1)
    x = rand(rng, 2, 4, 4, 5, 3)
    w = rand(rng, 4, (8 if g != 4 else 4) // g, 3, 2, 3)
    b = rand(rng, w.shape[1] * g)
    check(torch, lambda x, w, b: F.conv_transpose3d(x, w, b, **kw),
          lambda x, w, b: torch.nn.functional.conv_transpose3d(x, w, b, **kw), [x, w, b])


def test_conv3d_gradcheck_and_unbatched(torch, rng):
    x = ember.tensor(rand(rng, 1, 2, 4, 3, 4, dtype=np.float64), requires_grad=True)
    w = ember.tensor(rand(rng, 4, 1, 2, 2, 3, dtype=np.float64), requires_grad=True)
    b = ember.tensor(rand(rng, 4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 1), padding=1, groups=2), (x, w, b))
    wt = ember.tensor(rand(rng, 2, 3, 2, 2, 2, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: F.conv_transpose3d(x, w, stride=2, output_padding=1), (x, wt))
    check(torch, lambda x, w: F.conv3d(x, w, padding=1), lambda x, w: torch.nn.functional.conv3d(x, w, padding=1),
          [rand(rng, 3, 4, 5, 4), rand(rng, 2, 3, 3, 3, 3)])
    check(torch, lambda x, w: F.conv_transpose3d(x, w, stride=2),
          lambda x, w: torch.nn.functional.conv_transpose3d(x, w, stride=2), [rand(rng, 3, 4, 5, 4),
                                                                            rand(rng, 3, 2, 2, 3, 2)])


def test_conv3d_double_backward_vs_torch(torch, rng):
    x = rand(rng, 2, 3, 4, 5, 4, dtype=np.float64)
    w = rand(rng, 4, 3, 3, 2, 3, dtype=np.float64)
    xe, we = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ge = ember.autograd.grad(F.conv3d(xe, we, stride=2, padding=1).pow(2).sum(), [xe, we], create_graph=True)
    gt = torch.autograd.grad(torch.nn.functional.conv3d(xt, wt, stride=2, padding=1).pow(2).sum(), [xt, wt],
                             create_graph=True)
    (ge[0].pow(2).sum() + ge[1].sum()).backward()
    (gt[0].pow(2).sum() + gt[1].sum()).backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float64"])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_dtypes_vs_torch(torch, rng, nd, dtype):
    # torch's CPU convolutions take every dtype but bool (integers wrap like torch's); the transposed ones
    # only int64 and floats; NotImplementedError naming torch's kernel otherwise
    x = (rand(rng, *((2, 4) + (5,) * nd)) * 3).astype(dtype)
    w = (rand(rng, *((4, 2) + (3,) * nd)) * 3).astype(dtype)
    # half precision: torch's transposed 3-d kernel rounds its partial sums to half (outputs up to ~100 here;
    # ember sums in float32 and rounds once)
    tol = 0.1 if dtype == "float16" else 1e-6
    for fn, args in ((f"conv{nd}d", dict(groups=2, padding=1)), (f"conv{nd}d", dict(groups=4)),
                     (f"conv_transpose{nd}d", dict(stride=2, groups=2))):
        wk = w[:, :1] if args.get("groups") == 4 else w
        run_both(torch, lambda T: getattr(T.nn.functional, fn)(T.tensor(x), T.tensor(wk), **args), tol, tol,
                 exc="message")


STRIDED = [
    (2, dict(stride=2, padding=1), (3, 4)),
    (2, dict(stride=(3, 2), padding=(2, 0), groups=2), (4, 3)),
    (2, dict(stride=2, padding=1, dilation=2), (3, 3)),      # dilated: the tap-by-tap col2im
    (1, dict(stride=3, padding=2), (5,)),
    (3, dict(stride=(2, 1, 2), padding=1), (3, 2, 4)),
    (2, dict(stride=3), (1, 2)),                                # taps miss some positions: zeros
]


@pytest.mark.parametrize("phases", [True, False], ids=["phase-images", "tap-by-tap"])
@pytest.mark.parametrize("nd,kw,k", STRIDED, ids=str)
def test_strided_input_gradient_algorithms_vs_torch(torch, rng, monkeypatch, nd, kw, k, phases):
    # the input gradient of strided convolutions (and the transposed convolution's forward) by phase images
    # (_Col2imPhases) or by one strided add per tap: both torch's
    from ember._ops import _convolve as K
    monkeypatch.setattr(K, "_PHASES", phases)
    g = kw.get("groups", 1)
    x = rand(rng, *((3, 4) + (9, 8, 7)[:nd]))
    w = rand(rng, *((6, 4 // g) + k))
    conv = f"conv{nd}d"
    # sums of up to ~100 products of values ~1: float32 rounding ~1e-6 where they cancel
    check(torch, lambda x, w: getattr(F, conv)(x, w, **kw), lambda x, w: getattr(torch.nn.functional, conv)(x, w, **kw),
          [x, w], atol=1e-5)
    wt = rand(rng, *((4, 6 // g) + k))
    check(torch, lambda x, w: getattr(F, f"conv_transpose{nd}d")(x, w, **kw),
          lambda x, w: getattr(torch.nn.functional, f"conv_transpose{nd}d")(x, w, **kw), [x, wt], atol=1e-5)


def test_conv_output_is_contiguous_like_torch(rng):
    # torch programs call .view() on conv outputs; ember must hand back C-contiguous NCHW arrays
    c = nn.Conv2d(3, 5, 3)
    y = c(ember.tensor(rand(rng, 2, 3, 8, 8)))
    assert y._data.flags.c_contiguous
    y.view(2, -1)


def test_conv2d_gradcheck_float64(rng):
    x = ember.tensor(rand(rng, 1, 2, 5, 4, dtype=np.float64), requires_grad=True)
    w = ember.tensor(rand(rng, 4, 1, 2, 3, dtype=np.float64), requires_grad=True)
    b = ember.tensor(rand(rng, 4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, groups=2), (x, w, b))
    wt = ember.tensor(rand(rng, 2, 3, 2, 2, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=1), (x, wt))


def test_conv2d_double_backward_vs_torch(torch, rng):
    x = rand(rng, 2, 3, 6, 6)
    w = rand(rng, 4, 3, 3, 3)
    xe, we = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ge = ember.autograd.grad(F.conv2d(xe, we, stride=2, padding=1).pow(2).sum(), [xe, we], create_graph=True)
    gt = torch.autograd.grad(torch.nn.functional.conv2d(xt, wt, stride=2, padding=1).pow(2).sum(), [xt, wt],
                             create_graph=True)
    (ge[0].pow(2).sum() + ge[1].sum()).backward()
    (gt[0].pow(2).sum() + gt[1].sum()).backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-4, atol=1e-4)


# ---- layers ----------------------------------------------------------------------------------

LAYERS = [
    ("Conv2d", (1, 32, 3, 1), {}),
    ("Conv2d", (3, 4, (3, 5)), dict(stride=2, padding=(1, 2), dilation=2, bias=False, padding_mode="reflect")),
    ("Conv2d", (4, 4, 3), dict(padding="same", groups=4)),
    ("Conv2d", (2, 4, 3), dict(padding=1, padding_mode="circular")),
    ("Conv2d", (2, 4, 3), dict(padding=(2, 1), padding_mode="replicate")),
    ("Conv2d", (2, 4, 4), dict(padding="same", padding_mode="reflect")),
    ("Conv1d", (3, 4, 3), dict(padding=2, padding_mode="circular")),
    ("Conv1d", (3, 6, 3), dict(groups=3, bias=False)),
    ("ConvTranspose2d", (3, 4, 3), dict(stride=2, output_padding=1)),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, padding=1, dilation=2)),
    ("Conv3d", (2, 4, 3), dict(stride=(1, 2, 1), padding=1, bias=False)),
    ("Conv3d", (2, 4, (3, 2, 3)), dict(padding=(1, 0, 1), padding_mode="replicate")),
    ("Conv3d", (2, 4, 3), dict(padding="same", padding_mode="circular", groups=2)),
    ("ConvTranspose3d", (3, 4, 3), dict(stride=2, output_padding=(1, 0, 1))),
]


@pytest.mark.parametrize("name,args,kw", LAYERS, ids=lambda v: str(v))
def test_conv_layers_vs_torch(torch, rng, name, args, kw):
    me = getattr(nn, name)(*args, **kw)
    mt = getattr(torch.nn, name)(*args, **kw)
    assert repr(me) == repr(mt)
    assert list(me.state_dict().keys()) == list(mt.state_dict().keys())
    me.load_state_dict({k: v.detach().numpy() for k, v in mt.state_dict().items()})
    shape = {"1d": (2, args[0], 10), "2d": (2, args[0], 9, 8), "3d": (2, args[0], 5, 6, 4)}[name[-2:]]
    x = rand(rng, *shape)
    params_e = [p for _, p in me.named_parameters()]
    params_t = [p for _, p in mt.named_parameters()]
    ye, yt = me(ember.tensor(x)), mt(torch.tensor(x))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    u = rng.standard_normal(tuple(yt.shape)).astype(np.float32)
    (ye * ember.tensor(u)).sum().backward()
    (yt * torch.tensor(u)).sum().backward()
    for pe, pt in zip(params_e, params_t):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv_transpose_output_size(torch, rng):
    me = nn.ConvTranspose2d(3, 2, 3, stride=2)
    mt = torch.nn.ConvTranspose2d(3, 2, 3, stride=2)
    me.load_state_dict({k: v.detach().numpy() for k, v in mt.state_dict().items()})
    x = rand(rng, 1, 3, 4, 4)
    ye = me(ember.tensor(x), output_size=[10, 10])
    yt = mt(torch.tensor(x), output_size=[10, 10])
    assert tuple(ye.shape) == tuple(yt.shape) == (1, 2, 10, 10)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        me(ember.tensor(x), output_size=[13, 13])


def test_conv_default_init_statistics():
    ember.manual_seed(0)
    c = nn.Conv2d(16, 64, 3)
    bound = 1 / math.sqrt(16 * 9)        # kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w = c.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.abs(c.bias.detach().numpy()).max() <= bound


# ---- errors ----------------------------------------------------------------------------------

ERRORS = [
    (lambda T, F_: F_.conv2d(T.zeros(2, 3), T.zeros(4, 3, 3, 3)), "Expected 3D \\(unbatched\\) or 4D"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 2, 8, 8), T.zeros(4, 3, 3, 3)), "to have 3 channels, but got 2 channels"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 3, 2, 2), T.zeros(4, 3, 3, 3)), "Kernel size can't be greater"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 3, 8, 8), T.zeros(4, 3, 3, 3), stride=2, padding="same"),
     "not supported for strided"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 3, 8, 8), T.zeros(4, 3, 3, 3), padding="foo"), "Invalid padding string"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 3, 8, 8), T.zeros(3, 3, 3, 3), groups=2), "divisible by 2"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 3, 8, 8), T.zeros(4, 3, 3, 3), T.zeros(5)), "expected bias"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 3, 8, 8, dtype=T.float64), T.zeros(4, 3, 3, 3)), "expected scalar type"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 3, 8, 8), T.zeros(4, 3, 3, 3), stride=0), "non-positive stride"),
    (lambda T, F_: F_.conv2d(T.zeros(2, 3, 8, 8), T.zeros(4, 3, 3, 3), padding=-1), "negative padding"),
    (lambda T, F_: F_.conv1d(T.zeros(2, 3, 8, 8), T.zeros(4, 3, 3)), "to conv1d"),
    (lambda T, F_: F_.conv_transpose2d(T.zeros(2, 3, 8, 8), T.zeros(3, 2, 3, 3), stride=2, output_padding=2),
     "output padding must be smaller"),
    (lambda T, F_: F_.conv3d(T.zeros(2, 3), T.zeros(1, 3, 2, 2, 2)), "Expected 4D \\(unbatched\\) or 5D"),
    (lambda T, F_: F_.conv3d(T.zeros(1, 3, 2, 2, 2), T.zeros(1, 3, 3, 3, 3)), "Kernel size can't be greater"),
    (lambda T, F_: F_.conv3d(T.zeros(1, 2, 4, 4, 4), T.zeros(1, 3, 2, 2, 2)), "to have 3 channels"),
    (lambda T, F_: F_.conv_transpose3d(T.zeros(1, 3, 1, 1, 1), T.zeros(3, 1, 1, 1, 1), padding=1),
     "Output size is too small"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_conv_errors_match_torch(torch, i):
    fn, msg = ERRORS[i]
    with pytest.raises(RuntimeError, match=msg):
        fn(torch, torch.nn.functional)
    with pytest.raises(RuntimeError, match=msg):
        fn(ember, F)


@pytest.mark.parametrize("kw", [dict(groups=2), dict(padding="same", stride=2), dict(padding_mode="foo"),
                                dict(padding="bad")], ids=str)
def test_conv_layer_value_errors(torch, kw):
    with pytest.raises(ValueError):
        torch.nn.Conv2d(3, 4, 3, **kw)
    with pytest.raises(ValueError):
        nn.Conv2d(3, 4, 3, **kw)


def test_conv_unbatched_and_non_contiguous(torch, rng):
    w = rand(rng, 4, 3, 3)
    check(torch, lambda x, w: F.conv1d(x, w, padding=1), lambda x, w: torch.nn.functional.conv1d(x, w, padding=1),
          [rand(rng, 3, 8), w])
    wt = rand(rng, 3, 2, 3, 3)
    check(torch, lambda x, w: F.conv_transpose2d(x, w, stride=2),
          lambda x, w: torch.nn.functional.conv_transpose2d(x, w, stride=2), [rand(rng, 3, 4, 5), wt])
    w2 = rand(rng, 5, 3, 3, 3)
    check(torch, lambda x, w: F.conv2d(x.permute(0, 3, 1, 2), w, stride=2),
          lambda x, w: torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), w, stride=2), [rand(rng, 2, 7, 6, 3), w2])


@pytest.mark.parametrize("mult,kw", [(1, dict(padding=1)), (2, dict(stride=2, dilation=2, padding=2)),
                                     (3, dict(padding=(0, 1)))], ids=str)
def test_depthwise_conv_vs_torch(torch, rng, mult, kw):
    # groups == in_channels takes the broadcast multiply-add path, with a channel multiplier
    x = rand(rng, 2, 4, 7, 6)
    w = rand(rng, 4 * mult, 1, 3, 3)
    b = rand(rng, 4 * mult)
    check(torch, lambda x, w, b: F.conv2d(x, w, b, groups=4, **kw),
          lambda x, w, b: torch.nn.functional.conv2d(x, w, b, groups=4, **kw), [x, w, b])
    wt = rand(rng, 4, mult, 3, 3)
    check(torch, lambda x, w: F.conv_transpose2d(x, w, groups=4, stride=2),
          lambda x, w: torch.nn.functional.conv_transpose2d(x, w, groups=4, stride=2), [x, wt])
    xd = ember.tensor(rand(rng, 1, 4, 4, 4, dtype=np.float64), requires_grad=True)
    wd = ember.tensor(rand(rng, 4 * mult, 1, 2, 2, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: F.conv2d(x, w, groups=4, **kw), (xd, wd))


@pytest.mark.parametrize("name", ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                                  "conv_transpose3d", "max_pool1d", "max_pool2d", "max_pool3d",
                                  "max_pool1d_with_indices", "avg_pool1d",
                                  "adaptive_avg_pool1d", "pixel_shuffle", "pixel_unshuffle", "layer_norm",
                                  "group_norm", "rms_norm"])
def test_top_level_aliases_like_torch(torch, name):
    # torch exposes these at top level too (torch.conv2d, torch.max_pool2d, ...)
    assert hasattr(torch, name)
    assert getattr(ember, name) is getattr(F, name)


# torch.* forms that differ from the F.* forms: ATen's argument order, or always returning indices
TOP_LEVEL_FORMS = [
    ("batch_norm", lambda T, x, w, b: T.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False)),
    ("batch_norm_eval", lambda T, x, w, b: T.batch_norm(x, w, b, T.zeros(3) + 0.5, T.ones(3) * 2, False, 0.1,
                                                         1e-5, False)),
    ("instance_norm", lambda T, x, w, b: T.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False)),
    ("adaptive_max_pool1d", lambda T, x, w, b: T.adaptive_max_pool1d(x * w[:, None] + b[:, None], 3)),
    ("max_pool1d_with_indices", lambda T, x, w, b: T.max_pool1d_with_indices(x * w[:, None] + b[:, None], 2)),
]


@pytest.mark.parametrize("name,fn", TOP_LEVEL_FORMS, ids=[f[0] for f in TOP_LEVEL_FORMS])
def test_top_level_forms_vs_torch(torch, rng, name, fn):
    arrays = [rand(rng, 2, 3, 7), rand(rng, 3), rand(rng, 3)]
    check(torch, lambda *a: fn(ember, *a), lambda *a: fn(torch, *a), arrays)   # every output (values, indices)
    re, rt = fn(ember, *map(ember.tensor, arrays)), fn(torch, *map(torch.tensor, arrays))
    assert isinstance(re, tuple) == isinstance(rt, tuple)
    if isinstance(rt, tuple):
        np.testing.assert_array_equal(re[1].numpy(), rt[1].numpy())


@pytest.mark.parametrize("reorder", [True, False], ids=["small-weights", "large-weights"])
@pytest.mark.parametrize("threads", [1, 2])
def test_conv_batch_chunking_matches_torch(torch, rng, monkeypatch, threads, reorder):
    # the batch runs in chunks of bounded columns (a partial last chunk here), shared among the threads; large
    # weights are used in their own order (no reordered copy)
    from ember._ops import _convolve as K
    if not reorder:
        monkeypatch.setattr(K, "_REORDER_MAX", 0)
    monkeypatch.setattr(K, "_COLS_LIMIT", 3 * 5 * 6 * 3 * 9 * 4)     # 3 samples of columns: chunks 3, 3, 2
    monkeypatch.setattr(K, "_WINO_LIMIT", 2 * 16 * 64 * 25 * 4)      # 2 samples of Winograd tiles below
    monkeypatch.setattr(K, "_PARALLEL_MIN", 0)
    before = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        x, w, b = rand(rng, 8, 3, 7, 8), rand(rng, 4, 3, 3, 3), rand(rng, 4)
        check(torch, lambda x, w, b: F.conv2d(x, w, b, padding=1), lambda x, w, b: torch.nn.functional.conv2d(
            x, w, b, padding=1), [x, w, b])
        wt = rand(rng, 3, 2, 3, 3)
        check(torch, lambda x, w: F.conv_transpose2d(x, w, stride=2),
              lambda x, w: torch.nn.functional.conv_transpose2d(x, w, stride=2), [x, wt])
        w3, w4 = rand(rng, 6, 3, 2, 3, 2), rand(rng, 4, 2, 3, 3)
        check(torch, lambda x, w: F.conv3d(x.unsqueeze(2).expand(-1, -1, 3, -1, -1), w, stride=(1, 2, 1), padding=1),
              lambda x, w: torch.nn.functional.conv3d(x.unsqueeze(2).expand(-1, -1, 3, -1, -1), w, stride=(1, 2, 1),
                                                      padding=1), [x, w3])
        check(torch, lambda x, w: F.conv2d(x, w, groups=2, padding=(0, 1)),
              lambda x, w: torch.nn.functional.conv2d(x, w, groups=2, padding=(0, 1)), [rand(rng, 8, 4, 7, 8), w4])
        # Winograd layers chunk the same way (64 -> 64 channels, 3x3, outputs of 8x8 and more)
        assert K._is_winograd((7, 64, 9, 8), (64, 64, 3, 3), ((1, 1), (1, 1), (1, 1), (1, 1), 1), np.dtype("f4"))
        xw, ww = rand(rng, 7, 64, 9, 8), rand(rng, 64, 64, 3, 3) * np.float32(0.05)
        check(torch, lambda x, w: F.conv2d(x, w, padding=1), lambda x, w: torch.nn.functional.conv2d(
            x, w, padding=1), [xw, ww], rtol=1e-4, atol=1e-4)
    finally:
        ember.set_num_threads(before)
