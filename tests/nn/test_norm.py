"""BatchNorm/LayerNorm/GroupNorm/InstanceNorm/LocalResponseNorm against torch: train and eval,
running statistics over several steps, state_dict keys, gradients, errors."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

from ember_testutil import rand
from oracle import check


def _copy(me, mt):
    me.load_state_dict({k: v.detach().numpy() for k, v in mt.state_dict().items()})


def _compare_step(torch, me, mt, x):
    """One forward/backward of module `me` against `mt`: output, input and parameter gradients."""
    check(torch, me, mt, [x], 1e-5, 1e-5, grad_rtol=1e-4, grad_atol=1e-4)


BN = [
    ("BatchNorm2d", (2, 4, 5, 6), {}),
    ("BatchNorm2d", (3, 4, 3, 3), dict(momentum=None)),
    ("BatchNorm2d", (2, 4, 5, 6), dict(affine=False, momentum=0.3)),
    ("BatchNorm2d", (2, 4, 5, 6), dict(track_running_stats=False)),
    ("BatchNorm2d", (2, 4, 5, 6), dict(bias=False)),
    ("BatchNorm1d", (8, 5), {}),
    ("BatchNorm1d", (4, 5, 7), dict(momentum=None, eps=1e-3)),
    ("BatchNorm3d", (2, 3, 4, 3, 5), {}),
    ("InstanceNorm3d", (2, 3, 4, 3, 5), dict(affine=True, track_running_stats=True)),
    ("InstanceNorm1d", (2, 3, 6), dict(affine=True)),
]


@pytest.mark.parametrize("name,shape,kw", BN, ids=str)
def test_batchnorm_train_eval_running_stats(torch, rng, name, shape, kw):
    me, mt = getattr(nn, name)(shape[1], **kw), getattr(torch.nn, name)(shape[1], **kw)
    assert repr(me) == repr(mt)
    assert list(me.state_dict().keys()) == list(mt.state_dict().keys())
    if me.weight is not None:   # non-trivial affine parameters
        w = rand(rng, shape[1])
        mt.weight.data = torch.tensor(w)
        if mt.bias is not None:
            mt.bias.data = torch.tensor(rand(rng, shape[1]))
    _copy(me, mt)
    for _ in range(3):
        _compare_step(torch, me, mt, rand(rng, *shape) * 2 + 1)
    for (k, ve), (_, vt) in zip(me.state_dict().items(), mt.state_dict().items()):
        np.testing.assert_allclose(ve.numpy(), vt.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
        assert str(ve.dtype) == str(vt.dtype), k
    me.eval()
    mt.eval()
    _compare_step(torch, me, mt, rand(rng, *shape))


def test_batchnorm_functional_and_gradcheck(torch, rng):
    x = rand(rng, 4, 3, 5)
    rm, rv = rand(rng, 3), np.abs(rand(rng, 3)) + 0.5
    w, b = rand(rng, 3), rand(rng, 3)
    for training in (True, False):
        check(torch, lambda x, w, b: F.batch_norm(x, ember.tensor(rm.copy()), ember.tensor(rv.copy()), w, b,
                                                  training, 0.1, 1e-5),
              lambda x, w, b: torch.nn.functional.batch_norm(x, torch.tensor(rm.copy()), torch.tensor(rv.copy()), w,
                                                             b, training, 0.1, 1e-5), [x, w, b], atol=1e-5)
    xd = ember.tensor(rand(rng, 3, 2, 4, dtype=np.float64), requires_grad=True)
    wd = ember.tensor(rand(rng, 2, dtype=np.float64), requires_grad=True)
    bd = ember.tensor(rand(rng, 2, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (xd, wd, bd))


def test_batchnorm_load_state_dict_without_num_batches_tracked(torch):
    m = nn.BatchNorm2d(3)
    sd = {k: v for k, v in m.state_dict().items() if k != "num_batches_tracked"}
    m.load_state_dict(sd)     # old checkpoints (no metadata) get the default, as in torch


@pytest.mark.parametrize("shape,ns,affine", [((2, 3, 5), (5,), True), ((2, 3, 4, 5), (4, 5), True),
                                             ((4, 6), 6, False)], ids=str)
def test_layer_norm_vs_torch(torch, rng, shape, ns, affine):
    me = nn.LayerNorm(ns, elementwise_affine=affine)
    mt = torch.nn.LayerNorm(ns, elementwise_affine=affine)
    assert repr(me) == repr(mt)
    if affine:
        mt.weight.data = torch.tensor(rand(rng, *mt.weight.shape))
        mt.bias.data = torch.tensor(rand(rng, *mt.bias.shape))
        _copy(me, mt)
    _compare_step(torch, me, mt, rand(rng, *shape) * 3 + 2)
    check(torch, lambda x: F.layer_norm(x, shape[-1:]), lambda x: torch.nn.functional.layer_norm(x, shape[-1:]),
          [rand(rng, *shape)], atol=1e-5)


@pytest.mark.parametrize("g,c,shape,affine", [(2, 4, (3, 4, 5, 2), True), (1, 3, (2, 3, 7), True),
                                              (3, 3, (2, 3, 4, 4), False)], ids=str)
def test_group_norm_vs_torch(torch, rng, g, c, shape, affine):
    me, mt = nn.GroupNorm(g, c, affine=affine), torch.nn.GroupNorm(g, c, affine=affine)
    assert repr(me) == repr(mt)
    if affine:
        mt.weight.data = torch.tensor(rand(rng, c))
        mt.bias.data = torch.tensor(rand(rng, c))
        _copy(me, mt)
    _compare_step(torch, me, mt, rand(rng, *shape))


@pytest.mark.parametrize("kw", [{}, dict(affine=True), dict(track_running_stats=True)], ids=str)
def test_instance_norm2d_vs_torch(torch, rng, kw):
    me, mt = nn.InstanceNorm2d(3, **kw), torch.nn.InstanceNorm2d(3, **kw)
    assert repr(me) == repr(mt)
    assert list(me.state_dict().keys()) == list(mt.state_dict().keys())
    if kw.get("affine"):
        mt.weight.data = torch.tensor(rand(rng, 3))
        _copy(me, mt)
    for _ in range(2):
        _compare_step(torch, me, mt, rand(rng, 2, 3, 4, 5))
    for (k, ve), (_, vt) in zip(me.state_dict().items(), mt.state_dict().items()):
        np.testing.assert_allclose(ve.numpy(), vt.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    me.eval()
    mt.eval()
    _compare_step(torch, me, mt, rand(rng, 2, 3, 4, 5))


@pytest.mark.parametrize("shape", [(2, 6, 5), (2, 6, 4, 3)], ids=str)
def test_local_response_norm_vs_torch(torch, rng, shape):
    me, mt = nn.LocalResponseNorm(3, alpha=0.1), torch.nn.LocalResponseNorm(3, alpha=0.1)
    assert repr(me) == repr(mt)
    check(torch, me, mt, [rand(rng, *shape)], atol=1e-5)


NORM_ERRORS = [
    (lambda T, F_: F_.batch_norm(T.ones(1, 3), T.zeros(3), T.ones(3), training=True), ValueError,
     "Expected more than 1 value per channel"),
    (lambda T, F_: F_.batch_norm(T.ones(2, 3, 4), T.zeros(4), T.ones(4), training=True), RuntimeError,
     "running_mean should contain 3 elements not 4"),
    (lambda T, F_: F_.layer_norm(T.ones(2, 3, 8), (7,)), RuntimeError, "Given normalized_shape=\\[7\\]"),
    (lambda T, F_: F_.group_norm(T.ones(2, 3, 8), 2), RuntimeError, "divisible by num_groups"),
    (lambda T, F_: T.nn.BatchNorm2d(3)(T.ones(2, 3)), ValueError, "expected 4D input"),
    (lambda T, F_: T.nn.BatchNorm1d(3)(T.ones(2, 3, 4, 5)), ValueError, "expected 2D or 3D input"),
    (lambda T, F_: T.nn.GroupNorm(3, 4), ValueError, "^num_channels \\(4\\) must be divisible by num_groups \\(3\\)$"),
    # integer input: torch's kernels have no integer version
    (lambda T, F_: F_.batch_norm(T.ones(2, 3, dtype=T.long), None, None, training=True), NotImplementedError,
     "\"batch_norm\" not implemented for 'Long'"),
    (lambda T, F_: F_.instance_norm(T.ones(2, 3, 4, dtype=T.long)), NotImplementedError,
     "\"batch_norm\" not implemented for 'Long'"),
    (lambda T, F_: F_.layer_norm(T.ones(2, 3, dtype=T.int32), (3,)), NotImplementedError,
     "\"LayerNormKernelImpl\" not implemented for 'Int'"),
    (lambda T, F_: F_.group_norm(T.ones(2, 4, 3, dtype=T.long), 2), NotImplementedError,
     "\"GroupNormKernelImpl\" not implemented for 'Long'"),
    (lambda T, F_: F_.rms_norm(T.ones(2, 3, dtype=T.long), (3,)), NotImplementedError,
     "\"rms_norm\" not implemented for 'Long'"),
]


@pytest.mark.parametrize("kw", [dict(bias=True), dict(weight=True), dict(weight=True, bias=True)], ids=str)
def test_instance_norm_affine_arguments_vs_torch(torch, rng, kw):
    # a bias without a weight still shifts the output (as in torch)
    x, w, b = rand(rng, 2, 3, 5), rand(rng, 3), rand(rng, 3)
    args = [x, w if kw.get("weight") else None, b if kw.get("bias") else None]
    check(torch, lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
          lambda x, w, b: torch.nn.functional.instance_norm(x, weight=w, bias=b), args)


@pytest.mark.parametrize("i", range(len(NORM_ERRORS)))
def test_norm_errors_match_torch(torch, i):
    fn, exc, msg = NORM_ERRORS[i]
    with pytest.raises(exc, match=msg):
        fn(torch, torch.nn.functional)
    with pytest.raises(exc, match=msg):
        fn(ember, F)


DOUBLE = [
    ("batch_norm_train", lambda F_, x, w, b: F_.batch_norm(x, None, None, w, b, True)),
    ("batch_norm_eval", lambda F_, x, w, b: F_.batch_norm(x, _const(F_, [0.1, -0.2, 0.3]),
                                                           _const(F_, [1.5, 0.5, 2.0]), w, b, False)),
    ("layer_norm", lambda F_, x, w, b: F_.layer_norm(x, (3, 4), w.reshape(3, 1).expand(3, 4), None)),
    ("group_norm", lambda F_, x, w, b: F_.group_norm(x, 3, w, b)),
    ("instance_norm", lambda F_, x, w, b: F_.instance_norm(x, weight=w, bias=b)),
]


def _const(F_, v):
    mod = ember if F_ is F else __import__("torch")
    return mod.tensor(v, dtype=mod.float32)


@pytest.mark.parametrize("name,fn", DOUBLE, ids=[d[0] for d in DOUBLE])
def test_norm_double_backward_vs_torch(torch, rng, name, fn):
    x, w, b = rand(rng, 2, 3, 4) * 2 + 1, rand(rng, 3), rand(rng, 3)
    res = []
    for lib, F_ in ((ember, F), (torch, torch.nn.functional)):
        ts = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = fn(F_, *ts)
        gs = lib.autograd.grad((y * y * y).sum(), ts[:2], create_graph=True)
        (gs[0].pow(2).sum() + (gs[1] * gs[1]).sum()).backward()
        res.append([t.grad.detach().numpy() if t.grad is not None else None for t in ts])
    for ge, gt in zip(*res):
        if gt is None:
            continue
        np.testing.assert_allclose(ge, gt, rtol=2e-3, atol=2e-3)


# ---- BatchNorm over several steps (momentum None / 0.3); RMSNorm ---------------------------------------------

_BN_X = [np.random.default_rng(i).standard_normal((4, 3, 2, 2)).astype(np.float32) * (i + 1) + i for i in range(5)]


def _bn(momentum):
    def f(lib):
        m = lib.nn.BatchNorm2d(3, momentum=momentum)
        out = []
        for i in range(4):
            x = lib.tensor(_BN_X[i], requires_grad=True)
            y = m(x)
            (y * y).sum().backward()
            out.append(x.grad)
        m.eval()
        return out + [m(lib.tensor(_BN_X[4])), m.running_mean, m.running_var, m.num_batches_tracked]
    return f


@pytest.mark.parametrize("momentum", [None, 0.3], ids=["bn_momentum_none", "bn_momentum_0.3"])
def test_batchnorm_steps_match_torch(same, momentum):
    same(_bn(momentum), rtol=1e-5, atol=1e-6)


def _rms(kw, shape_arg, x_shape, with_weight=True):
    def f(lib):
        x = lib.tensor(np.sin(np.arange(np.prod(x_shape), dtype=np.float32)).reshape(x_shape) * 3, requires_grad=True)
        m = lib.nn.RMSNorm(shape_arg, **kw)
        if m.weight is not None:
            with lib.no_grad():
                m.weight.copy_(lib.tensor(np.linspace(0.5, 2, m.weight.numel(), dtype=np.float32).reshape(
                    tuple(m.weight.shape))))
        y = m(x)
        (y * lib.tensor(np.cos(np.arange(y.numel(), dtype=np.float32)).reshape(x_shape))).sum().backward()
        return [y, x.grad] + ([m.weight.grad] if m.weight is not None else []) + [repr(m)]
    return f


RMS_CASES = {"rms_default_eps": _rms({}, 5, (2, 3, 5)), "rms_eps_2d": _rms({"eps": 1e-3}, (3, 5), (2, 3, 5)),
             "rms_no_affine": _rms({"elementwise_affine": False}, [5], (4, 5))}


@pytest.mark.parametrize("case", list(RMS_CASES))
def test_rms_norm_matches_torch(same, case):
    same(RMS_CASES[case], rtol=1e-5, atol=1e-6)


def test_rms_norm_shape_error_matches_torch(same):
    same(lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (4,)), exc="message")
