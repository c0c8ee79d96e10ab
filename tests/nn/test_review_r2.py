"""Review of ember.nn (second pair of eyes): Module edge cases, loss numerics and error notes vs torch."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import ember


def _both(torch, fn):
    """fn(lib) for torch and ember; an exception becomes (type name, message) so errors compare too."""
    out = []
    for lib in (torch, ember):
        try:
            out.append(fn(lib))
        except Exception as e:  # noqa: BLE001 - compared against torch's
            out.append((type(e).__name__, str(e).replace("torch", "X").replace("ember", "X")))
    return out


def _np(v):
    return v.detach().numpy() if hasattr(v, "detach") else np.asarray(v)


# ---- (1) Module semantics ---------------------------------------------------------------------------------

def _small(lib):
    nn = lib.nn

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 3)
            self.register_buffer("b", lib.zeros(2))
            self.register_buffer("tmp", lib.zeros(2), persistent=False)
    return M()


def _assign_param_tensor(lib):
    m = _small(lib)
    m.lin.weight = lib.zeros(3, 2)


def _assign_none(lib):
    m = _small(lib)
    m.lin.weight = None
    m.b = None
    r1 = (list(m.state_dict()), [n for n, _ in m.named_parameters()], m.lin.weight, m.b)
    m.lin = None
    return r1, list(m.state_dict()), m.lin, repr(m)


def _delete(lib):
    m = _small(lib)
    del m.lin.bias
    del m.b
    del m.lin
    return list(m.state_dict()), hasattr(m, "lin"), hasattr(m, "b"), repr(m)


def _nonstrict(lib):
    m = _small(lib)
    sd = {"lin.weight": lib.zeros(3, 2), "extra": lib.zeros(1), "lin.extra": lib.zeros(1), "foo.bar": lib.zeros(1),
          "tmp": lib.zeros(2)}
    return tuple(map(list, m.load_state_dict(sd, strict=False)))


def _strict(lib):
    _small(lib).load_state_dict({"lin.weight": lib.zeros(3, 2), "extra": lib.zeros(1)})


def _mismatch(lib):
    _small(lib).load_state_dict({"lin.weight": lib.zeros(2, 3), "lin.bias": lib.zeros(3), "b": lib.zeros(2)})


def _assign(lib):
    m = _small(lib)
    w = lib.nn.Parameter(lib.ones(3, 2))
    bias = lib.ones(3)
    m.load_state_dict({"lin.weight": w, "lin.bias": bias, "b": lib.full((2,), 2.0)}, assign=True)
    return (m.lin.weight is w, type(m.lin.bias).__name__, m.lin.bias.requires_grad, m.b.tolist(),
            m.lin.bias.tolist())


def _keep_vars(lib):
    m = _small(lib)
    a, b = m.state_dict(keep_vars=True), m.state_dict()
    return (a["lin.weight"] is m.lin.weight, a["lin.weight"].requires_grad, b["lin.weight"].requires_grad,
            type(b["lin.weight"]).__name__, list(a))


def _shared(lib):
    nn = lib.nn
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    s = nn.Sequential(a, b, a)
    return (len(list(s.parameters())), list(s.state_dict()), [n for n, _ in s.named_parameters()],
            [n for n, _ in s.named_parameters(remove_duplicate=False)],
            [n for n, _ in s.named_modules(remove_duplicate=False)], [n for n, _ in s.named_modules()],
            len(list(s.children())))


def _train_eval(lib):
    nn = lib.nn
    s = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    s.eval()
    a = [x.training for x in s.modules()]
    s[1].train()
    return a, [x.training for x in s.modules()]


def _hooks(lib):
    nn = lib.nn
    calls = []
    lin = nn.Linear(2, 2)
    lin.register_forward_hook(lambda m, i, o: calls.append("f1"))
    h2 = lin.register_forward_hook(lambda m, i, o: calls.append("f2"), prepend=True)
    lin.register_forward_pre_hook(lambda m, i: calls.append("p1"))
    h4 = lin.register_forward_pre_hook(lambda m, i, k: calls.append("p2"), with_kwargs=True, prepend=True)
    lin.register_forward_hook(lambda m, i, k, o: calls.append("fk"), with_kwargs=True)
    x = lib.ones(1, 2)
    lin(x)
    calls.append("|")
    h2.remove()
    h4.remove()
    h2.remove()
    lin(x)
    calls.append("|")
    with lin.register_forward_hook(lambda m, i, o: calls.append("ctx")):
        lin(x)
    calls.append("|")
    lin(x)
    return calls


def _to64_train(lib):
    nn = lib.nn
    lib.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    m.load_state_dict({k: lib.tensor(np.linspace(-1, 1, v.numel(), dtype=np.float32).reshape(tuple(v.shape)))
                       if v.is_floating_point() else v for k, v in m.state_dict().items()})
    m.to(lib.float64)
    x = lib.tensor(np.arange(15, dtype=np.float64).reshape(5, 3) / 7)
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        m(x).pow(2).sum().backward()
        opt.step()
    return ([str(p.dtype)[-7:] for p in m.parameters()], [str(b.dtype)[-7:] for b in m.buffers()],
            str(m[0].weight.grad.dtype)[-7:], np.round(m(x).detach().numpy(), 10).tolist())


def _freeze(lib):
    nn = lib.nn
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    m[0].requires_grad_(False)
    m(lib.ones(1, 2)).sum().backward()
    return m[0].weight.grad, m[1].weight.grad is not None, [p.requires_grad for p in m.parameters()]


def _zero_grad(lib):
    lin = lib.nn.Linear(2, 2)
    lin(lib.ones(1, 2)).sum().backward()
    lin.zero_grad()
    a = lin.weight.grad
    lin(lib.ones(1, 2)).sum().backward()
    lin.zero_grad(set_to_none=False)
    return a, lin.weight.grad.tolist()


def _double_out(m, i, o):
    return o * 2


def _pickle_hooks(lib):
    lin = lib.nn.Linear(2, 2)
    lin.register_forward_hook(_double_out)
    x = lib.ones(1, 2)
    out = []
    for clone in (copy.deepcopy(lin), pickle.loads(pickle.dumps(lin))):
        out += [(lin(x) - clone(x)).abs().max().item(), len(clone._forward_hooks), clone.weight is lin.weight]
    return out


def _resnet_repr(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, i, o, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(o)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(o)
            self.downsample = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Identity()])
            self.d = nn.ModuleDict({"a": nn.Dropout(0.2), "b": nn.MaxPool2d(2, 2)})
            self.pl = nn.ParameterList([nn.Parameter(lib.zeros(2, 3))])
            self.pd = nn.ParameterDict({"x": nn.Parameter(lib.zeros(3))})
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(o, 10),
                                      nn.LogSoftmax(dim=1), nn.GELU(approximate="tanh"), nn.LayerNorm([4]),
                                      nn.GroupNorm(2, 4), nn.ConvTranspose2d(2, 3, 2, 2), nn.AvgPool2d(3))
    return repr(nn.Sequential(Block(4, 8, 2), nn.Sequential())) + repr(nn.ModuleList())


def _sd_post_hook_returning(lib):
    # regression: the public post-hook's return value replaced the state_dict (torch: RuntimeError)
    m = lib.nn.Linear(1, 1)
    m.register_state_dict_post_hook(lambda mod, sd, prefix, local: sd.pop(prefix + "bias"))
    return list(m.state_dict())


def _sd_post_hook_none(lib):
    m = lib.nn.Sequential(lib.nn.Linear(1, 1))
    h = m[0].register_state_dict_post_hook(lambda mod, sd, prefix, local: sd.__setitem__(prefix + "x", 1) and None)
    a = list(m.state_dict())
    h.remove()
    return a, list(m.state_dict())


MODULE_CASES = {
    "sd_post_hook_returning": _sd_post_hook_returning, "sd_post_hook_none": _sd_post_hook_none,
    "assign_tensor_to_param": _assign_param_tensor, "assign_none": _assign_none, "delete": _delete,
    "load_nonstrict": _nonstrict, "load_strict": _strict, "size_mismatch": _mismatch, "assign": _assign,
    "keep_vars": _keep_vars, "shared": _shared, "train_eval": _train_eval, "hooks": _hooks,
    "to_float64_train": _to64_train, "freeze": _freeze, "zero_grad": _zero_grad, "pickle_hooks": _pickle_hooks,
    "resnet_repr": _resnet_repr,
}


@pytest.mark.parametrize("case", list(MODULE_CASES))
def test_module_semantics_match_torch(torch, case):
    t, e = _both(torch, MODULE_CASES[case])
    assert e == t


# ---- (2) numerics -----------------------------------------------------------------------------------------

_rng = np.random.default_rng(0)
_X = _rng.standard_normal((6, 5, 3, 2)).astype(np.float32)
_T = _rng.integers(0, 5, (6, 3, 2))
_T[1] = 2
_W = (_rng.random(5) + 0.5).astype(np.float32)
_P = _rng.random((6, 5, 3, 2)).astype(np.float32)
_P /= _P.sum(1, keepdims=True)


def _ce(red, ls, ig, weighted, kdim, probs):
    def f(lib):
        x = lib.tensor(_X if kdim else _X[:, :, 0, 0], requires_grad=True)
        tgt = _P if probs else _T
        t = lib.tensor(tgt if kdim else tgt[:, :, 0, 0] if probs else tgt[:, 0, 0])
        loss = lib.nn.functional.cross_entropy(x, t, weight=lib.tensor(_W) if weighted else None, ignore_index=ig,
                                               reduction=red, label_smoothing=ls)
        (loss.sum() if red == "none" else loss).backward()
        return loss, x.grad
    return f


CE_CASES = [(red, ls, ig, w, kd, False) for red in ("mean", "sum", "none") for ls in (0.0, 0.2)
            for ig in (-100, 2) for w in (False, True) for kd in (False, True)]
CE_CASES += [(red, ls, -100, w, kd, True) for red in ("mean", "none") for ls in (0.0, 0.2) for w in (False, True)
             for kd in (False, True)]


@pytest.mark.parametrize("red,ls,ig,weighted,kdim,probs", CE_CASES)
def test_cross_entropy_combinations(torch, red, ls, ig, weighted, kdim, probs):
    t, e = _both(torch, _ce(red, ls, ig, weighted, kdim, probs))
    for a, b in zip(t, e):
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-5, atol=1e-6)


def _all_ignored(kind):
    def f(lib):
        F = lib.nn.functional
        x = lib.tensor(_X[:3, :4, 0, 0], requires_grad=True)
        t = lib.tensor([2, 2, 2])
        if kind == "nll":
            loss = F.nll_loss(x, t, ignore_index=2)
        elif kind == "ce":
            loss = F.cross_entropy(x, t, ignore_index=2)
        elif kind == "ce_ls":
            loss = F.cross_entropy(x, t, ignore_index=2, label_smoothing=0.1)
        elif kind == "ce_ls_w":
            loss = F.cross_entropy(x, t, ignore_index=2, weight=lib.tensor([1.0, 1.0, 3.0, 1.0]), label_smoothing=0.1)
        elif kind == "zero_weight_ls":
            loss = F.cross_entropy(x, t, weight=lib.tensor([1.0, 1.0, 0.0, 1.0]), label_smoothing=0.1)
        else:
            loss = F.cross_entropy(x, t, weight=lib.tensor([1.0, 1.0, 0.0, 1.0]))
        loss.backward()
        return loss, x.grad
    return f


@pytest.mark.parametrize("kind", ["nll", "ce", "ce_ls", "ce_ls_w", "zero_weight_ls", "zero_weight"])
def test_mean_loss_with_zero_total_weight(torch, kind):
    # regression: ember gave nan gradients (torch: 0 for ignored rows) and inf instead of nan
    t, e = _both(torch, _all_ignored(kind))
    for a, b in zip(t, e):
        np.testing.assert_array_equal(_np(b), _np(a))


def _bce_extreme(lib):
    F = lib.nn.functional
    x = lib.tensor(np.array([-100, -50, -1, 0, 1, 50, 100], np.float32), requires_grad=True)
    y = lib.tensor(np.array([0, 1, 0.3, 1, 0, 0, 1], np.float32))
    l1 = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    l2 = F.binary_cross_entropy_with_logits(x, y, pos_weight=lib.tensor([2.0]), weight=y + 1, reduction="none")
    (l1.sum() + l2.sum()).backward()
    return l1, l2, x.grad


def _log_softmax_big(lib):
    F = lib.nn.functional
    x = lib.tensor(np.array([[1e4, 0, -1e4], [1e4, 1e4 - 1, 3]], np.float32), requires_grad=True)
    y = F.log_softmax(x, dim=1)
    (y * lib.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))).sum().backward()
    return y, x.grad, F.softmax(x, dim=0)


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


def _dropout_eval(lib):
    d = lib.nn.Dropout(0.5)
    d.eval()
    x = lib.tensor(_X, requires_grad=True)
    y = d(x)
    (y * 3).sum().backward()
    return y, x.grad, lib.nn.functional.dropout(x, 0.5, training=False)


def _triplet_swap_tie(lib):
    # regression: with swap=True a tie d(a, n) == d(p, n) sent the whole gradient to one side (torch.min splits it)
    a = lib.tensor(_X[:5, :4, 0, 0], requires_grad=True)
    b = lib.tensor(_X[4::-1, :4, 0, 0].copy(), requires_grad=True)
    loss = lib.nn.functional.triplet_margin_loss(a, b, a.flip(0), margin=0.5, swap=True)
    loss.backward()
    return loss, a.grad, b.grad


NUMERIC_CASES = {"triplet_swap_tie": _triplet_swap_tie, "bce_logits_100": _bce_extreme, "log_softmax_1e4": _log_softmax_big, "bn_momentum_none": _bn(None),
                 "bn_momentum_0.3": _bn(0.3), "dropout_eval": _dropout_eval}


@pytest.mark.parametrize("case", list(NUMERIC_CASES))
def test_numerics_match_torch(torch, case):
    t, e = _both(torch, NUMERIC_CASES[case])
    assert len(t) == len(e)
    for a, b in zip(t, e):
        assert np.all(np.isfinite(_np(b))) == np.all(np.isfinite(_np(a)))
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-5, atol=1e-6)


# ---- (3) error notes naming the module path ----------------------------------------------------------------

def _notes(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value, [n for n in getattr(info.value, "__notes__", []) if n.startswith("[ember]")]


def test_error_note_deeply_nested_single_note():
    nn = ember.nn

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(5, 2))

        def forward(self, x):
            return self.seq(x)

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([Inner(), Inner()])

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    e, notes = _notes(lambda: Outer()(ember.ones(2, 4)))
    assert type(e) is RuntimeError
    assert notes == ["[ember] raised in model.blocks.0.seq.2 (Linear(in_features=5, out_features=2, bias=True))"]


@pytest.mark.parametrize("kind", ["forward_hook", "pre_hook"])
def test_error_note_for_hook_errors_keeps_type(kind):
    nn = ember.nn
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))

    def bad(*args):
        raise ValueError("hook failed")
    if kind == "forward_hook":
        m[1][0].register_forward_hook(bad)
    else:
        m[1][0].register_forward_pre_hook(bad)
    e, notes = _notes(lambda: m(ember.ones(1, 2)))
    assert type(e) is ValueError and str(e) == "hook failed"
    assert notes == ["[ember] raised in model.1.0 (Linear(in_features=2, out_features=2, bias=True))"]


def test_error_note_same_exception_object_raised_twice():
    # regression: a re-raised (cached) exception object kept the previous call's chain -> "model.0.<Sequential>.0"
    nn = ember.nn
    err = KeyError("cached")

    class Raiser(nn.Module):
        def forward(self, x):
            raise err

    m = nn.Sequential(Raiser())
    for _ in range(3):
        e, notes = _notes(lambda: m(1))
        assert e is err and notes == ["[ember] raised in model.0 (Raiser())"]


# ---- additions found in review ------------------------------------------------------------------------------

def _poisson_full(lib):
    F = lib.nn.functional
    x = lib.tensor(_X[:, :, 0, 0], requires_grad=True)
    t = lib.tensor(np.abs(_X[::-1, :, 1, 0]) * 3, requires_grad=True)
    loss = F.poisson_nll_loss(x, t, log_input=True, full=True)
    loss.backward()
    return loss, x.grad, t.grad


def test_poisson_nll_full_differentiable_in_target(torch):
    # regression: the Stirling term was a constant, so target.grad missed its derivative
    t, e = _both(torch, _poisson_full)
    for a, b in zip(t, e):
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-5, atol=1e-6)


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


_GP_X = np.random.default_rng(0).standard_normal((3, 2, 6, 6)).astype(np.float32)


def _gp_model(lib, kind):
    nn = lib.nn
    if kind == "mlp":
        m = nn.Sequential(nn.Flatten(), nn.Linear(72, 16), nn.LeakyReLU(0.2), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1))
    elif kind == "cnn":
        m = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.SiLU(), nn.AvgPool2d(2),
                          nn.Conv2d(4, 4, 3, stride=2, groups=2), nn.Flatten(), nn.Linear(4, 1))
    elif kind == "norm":
        m = nn.Sequential(nn.Conv2d(2, 4, 3), nn.GroupNorm(2, 4), nn.GELU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.LayerNorm(16), nn.Linear(16, 1), nn.Softplus())
    else:
        m = nn.Sequential(nn.Flatten(), nn.Linear(72, 5))
    m.load_state_dict({k: lib.tensor((np.linspace(-0.3, 0.3, v.numel(), dtype=np.float32)
                                      * (1 + 0.1 * (np.arange(v.numel()) % 7))).reshape(tuple(v.shape)))
                       for k, v in m.state_dict().items()})
    return m


@pytest.mark.parametrize("kind", ["mlp", "cnn", "norm", "ce"])
def test_gradient_penalty_double_backward(torch, kind):
    def f(lib):
        m = _gp_model(lib, kind)
        x = lib.tensor(_GP_X, requires_grad=True)
        out = m(x).sum() if kind != "ce" else lib.nn.functional.cross_entropy(m(x), lib.tensor([0, 3, 4]),
                                                                             label_smoothing=0.1)
        g, = lib.autograd.grad(out, x, create_graph=True)
        (g.flatten(1).norm(2, dim=1) - 1).pow(2).mean().backward()
        return [g] + [p.grad if p.grad is not None else np.zeros(1) for p in m.parameters()]
    t, e = _both(torch, f)
    for a, b in zip(t, e):
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-4, atol=1e-6)


# ---- layers added in review: RMSNorm, distance modules, pad_sequence, gumbel_softmax -------------------------

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


def _distance(lib):
    a = lib.tensor(_X[:, :, 0, 0], requires_grad=True)
    b = lib.tensor(_X[::-1, :, 1, 0].copy(), requires_grad=True)
    y1 = lib.nn.PairwiseDistance(p=3, keepdim=True)(a, b)
    y2 = lib.nn.CosineSimilarity(dim=1)(a, b)
    (y1.sum() + y2.sum()).backward()
    return [y1, y2, a.grad, b.grad, repr(lib.nn.PairwiseDistance()) + repr(lib.nn.CosineSimilarity(0))]


def _pad_seq(batch_first, side):
    def f(lib):
        seqs = [lib.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2) + n, requires_grad=True) for n in (3, 1, 4)]
        out = lib.nn.utils.rnn.pad_sequence(seqs, batch_first=batch_first, padding_value=-1.0, padding_side=side)
        (out * lib.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)))).sum().backward()
        return [out] + [s.grad for s in seqs]
    return f


EXTRA_CASES = {
    "rms_default_eps": _rms({}, 5, (2, 3, 5)), "rms_eps_2d": _rms({"eps": 1e-3}, (3, 5), (2, 3, 5)),
    "rms_no_affine": _rms({"elementwise_affine": False}, [5], (4, 5)), "distance_modules": _distance,
    "pad_sequence": _pad_seq(False, "right"), "pad_sequence_bf_left": _pad_seq(True, "left"),
}


@pytest.mark.parametrize("case", list(EXTRA_CASES))
def test_added_layers_match_torch(torch, case):
    t, e = _both(torch, EXTRA_CASES[case])
    assert len(t) == len(e)
    for a, b in zip(t, e):
        if isinstance(a, str):
            assert b == a
        else:
            np.testing.assert_allclose(_np(b), _np(a), rtol=1e-5, atol=1e-6)


def test_rms_norm_shape_error_matches_torch(torch):
    t, e = _both(torch, lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (4,)))
    assert e == t


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
