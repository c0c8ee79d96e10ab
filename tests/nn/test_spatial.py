"""F.pad, F.interpolate/Upsample, pixel_shuffle/unshuffle, unfold/fold and the padding layers
against torch: values, gradients, reprs, errors."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

from ember_testutil import rand
from oracle import check

PADS = [
    ((1, 2), "constant", (2, 3, 5)),
    ((1, 2, 0, 3), "constant", (2, 3, 4, 5)),
    ((-1, 2, 1, -2), "constant", (2, 3, 4, 5)),
    ((1, 1, 2, 2, 1, 0), "constant", (2, 3, 4, 5)),
    ((2, 1), "reflect", (2, 3, 5)),
    ((2, 1, 1, 3), "reflect", (2, 3, 4, 5)),
    ((3, 1), "replicate", (2, 3, 5)),
    ((2, 1, 0, 3), "replicate", (2, 3, 4, 5)),
    ((2, 3), "circular", (2, 3, 5)),
    ((1, 2, 3, 1), "circular", (2, 3, 4, 5)),
    ((1, 1, 2, 2), "reflect", (3, 4, 5)),
]


@pytest.mark.parametrize("pad,mode,shape", PADS, ids=str)
def test_pad_vs_torch(torch, rng, pad, mode, shape):
    x = rand(rng, *shape)
    check(torch, lambda x: F.pad(x, pad, mode), lambda x: torch.nn.functional.pad(x, pad, mode), [x])


def test_pad_constant_value(torch, rng):
    x = rand(rng, 2, 3)
    check(torch, lambda x: F.pad(x, (1, 1, 1, 0), value=2.5),
          lambda x: torch.nn.functional.pad(x, (1, 1, 1, 0), value=2.5), [x])


INTERP = [
    (dict(scale_factor=2), (2, 3, 4, 5)),
    (dict(size=(7, 3)), (2, 3, 4, 5)),
    (dict(scale_factor=1.7), (1, 2, 5, 4)),
    (dict(size=(7, 9), mode="bilinear"), (2, 3, 4, 5)),
    (dict(size=(7, 9), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    (dict(scale_factor=0.5, mode="bilinear"), (1, 2, 8, 6)),
    (dict(scale_factor=(2, 3), mode="bilinear", align_corners=False), (1, 2, 3, 4)),
    (dict(scale_factor=2.5, mode="bilinear", recompute_scale_factor=True), (1, 2, 3, 4)),
    (dict(size=6, mode="linear"), (2, 3, 4)),
    (dict(size=6, mode="linear", align_corners=True), (2, 3, 4)),
    (dict(size=(3, 2), mode="area"), (2, 3, 7, 5)),
    (dict(scale_factor=3, mode="nearest-exact"), (1, 2, 3, 4)),
    (dict(size=11), (2, 3, 4)),
    (dict(size=(7, 9), mode="bicubic"), (2, 3, 4, 5)),
    (dict(size=(3, 8), mode="bicubic", align_corners=True), (2, 3, 5, 5)),
    (dict(scale_factor=1.5, mode="bicubic"), (1, 2, 6, 4)),
    (dict(scale_factor=2.3), (1, 2, 3, 5)),      # 3 -> 6 takes torch's 2x shortcut, 5 -> 11 does not
]


@pytest.mark.parametrize("kw,shape", INTERP, ids=str)
def test_interpolate_vs_torch(torch, rng, kw, shape):
    x = rand(rng, *shape)
    check(torch, lambda x: F.interpolate(x, **kw), lambda x: torch.nn.functional.interpolate(x, **kw), [x])


@pytest.mark.parametrize("r,shape", [(2, (2, 8, 3, 4)), (3, (1, 9, 2, 2)), (2, (4, 3, 2))], ids=str)
def test_pixel_shuffle_roundtrip_vs_torch(torch, rng, r, shape):
    x = rand(rng, *shape)
    check(torch, lambda x: F.pixel_shuffle(x, r), lambda x: torch.nn.functional.pixel_shuffle(x, r), [x])
    y = rand(rng, *shape[:-3], shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    check(torch, lambda x: F.pixel_unshuffle(x, r), lambda x: torch.nn.functional.pixel_unshuffle(x, r), [y])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2, padding=1),
                                dict(kernel_size=3, dilation=2, padding=2, stride=(1, 2))], ids=str)
def test_unfold_fold_vs_torch(torch, rng, kw):
    x = rand(rng, 2, 3, 7, 8)
    oe, ot = check(torch, lambda x: F.unfold(x, **kw), lambda x: torch.nn.functional.unfold(x, **kw), [x])
    cols = rand(rng, *ot.shape)
    check(torch, lambda c: F.fold(c, (7, 8), **kw), lambda c: torch.nn.functional.fold(c, (7, 8), **kw), [cols])


def test_spatial_gradcheck_float64(rng):
    x = ember.tensor(rand(rng, 1, 2, 4, 3, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"), (x,))
    assert gradcheck(lambda x: F.pad(x, (1, -1, 2, 0)), (x,))
    assert gradcheck(lambda x: F.interpolate(x, size=(5, 7), mode="bilinear"), (x,))
    assert gradcheck(lambda x: F.unfold(x, 2, padding=1), (x,))


SPATIAL_LAYERS = [
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(4, 5), mode="bilinear", align_corners=True)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2)),
    ("UpsamplingBilinear2d", (), dict(size=(5, 6))),
    ("PixelShuffle", (2,), {}),
    ("PixelUnshuffle", (2,), {}),
    ("ZeroPad2d", (2,), {}),
    ("ZeroPad1d", ((1, 2),), {}),
    ("ConstantPad1d", ((1, 2), 3.5), {}),
    ("ConstantPad2d", (1, 0.0), {}),
    ("ReflectionPad1d", (2,), {}),
    ("ReflectionPad2d", (1,), {}),
    ("ReplicationPad1d", (2,), {}),
    ("ReplicationPad2d", ((1, 0, 2, 1),), {}),
    ("CircularPad2d", (1,), {}),
    ("Unfold", (2,), dict(padding=1)),
]


@pytest.mark.parametrize("name,args,kw", SPATIAL_LAYERS, ids=str)
def test_spatial_layers_vs_torch(torch, rng, name, args, kw):
    me, mt = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(me) == repr(mt)
    shape = (2, 3, 5) if "1d" in name else (2, 4, 4, 6)
    check(torch, me, mt, [rand(rng, *shape)])


def test_fold_layer_vs_torch(torch, rng):
    me, mt = nn.Fold((4, 5), 2), torch.nn.Fold((4, 5), 2)
    assert repr(me) == repr(mt)
    check(torch, me, mt, [rand(rng, 2, 12, 12)])


SPATIAL_ERRORS = [
    (lambda T, F_: F_.pad(T.zeros(2, 3, 4, 4), (1, 2, 3)), RuntimeError, "divisible by 2"),
    (lambda T, F_: F_.pad(T.zeros(2, 3, 4, 4), (9, 9), mode="reflect"), NotImplementedError, "not supported"),
    (lambda T, F_: F_.interpolate(T.zeros(2, 3, 4, 4), size=4, scale_factor=2), ValueError, "only one of size"),
    (lambda T, F_: F_.interpolate(T.zeros(2, 3, 4, 4), scale_factor=2, align_corners=True), ValueError,
     "align_corners option"),
    (lambda T, F_: F_.pixel_shuffle(T.zeros(2, 3, 4, 4), 2), RuntimeError, "divisible by the square"),
]


@pytest.mark.parametrize("i", range(len(SPATIAL_ERRORS)))
def test_spatial_errors_match_torch(torch, i):
    fn, exc, msg = SPATIAL_ERRORS[i]
    with pytest.raises(exc, match=msg):
        fn(torch, torch.nn.functional)
    with pytest.raises(exc, match=msg):
        fn(ember, F)


DOUBLE = [
    ("avg_pool2d", lambda F_, x: F_.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    ("adaptive_avg_pool2d", lambda F_, x: F_.adaptive_avg_pool2d(x, (3, 2))),
    ("adaptive_max_pool2d", lambda F_, x: F_.adaptive_max_pool2d(x, (3, 2))),
    ("interpolate", lambda F_, x: F_.interpolate(x, scale_factor=2, mode="bilinear")),
    ("pad_reflect", lambda F_, x: F_.pad(x, (1, 2, 2, 1), mode="reflect")),
    ("pad_constant", lambda F_, x: F_.pad(x, (1, -1, 2, 0))),
    ("unfold", lambda F_, x: F_.unfold(x, 2, padding=1)),
    ("fold", lambda F_, x: F_.fold(x.reshape(2, 4, 15), (4, 6), 2)),
]


@pytest.mark.parametrize("name,fn", DOUBLE, ids=[d[0] for d in DOUBLE])
def test_spatial_double_backward_vs_torch(torch, rng, name, fn):
    x = rand(rng, 2, 3, 5, 4)
    res = []
    for lib, F_ in ((ember, F), (torch, torch.nn.functional)):
        t = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad(fn(F_, t).pow(3).sum(), [t], create_graph=True)
        g.pow(2).sum().backward()
        res.append(t.grad.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-4, atol=1e-4)
