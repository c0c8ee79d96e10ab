"""Module system: registration, iteration, state_dict, hooks, repr, errors — against torch where it applies."""
from __future__ import annotations

import copy
import pickle
import re
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F


@pytest.fixture(autouse=True)
def _seeded():
    """Deterministic weights on both sides (torch's default init draws from its global generator)."""
    ember.manual_seed(0)
    try:
        import torch
        torch.manual_seed(0)
    except ImportError:
        pass


def _build(lib, kind):
    tnn = lib.nn
    if kind == "mlp":
        return tnn.Sequential(tnn.Linear(784, 64), tnn.ReLU(), tnn.Dropout(0.2), tnn.Linear(64, 10))
    if kind == "nested":
        return tnn.Sequential(OrderedDict([
            ("block", tnn.Sequential(tnn.Linear(3, 4), tnn.GELU(approximate="tanh"), tnn.LeakyReLU(0.2, inplace=True))),
            ("heads", tnn.ModuleList([tnn.Linear(4, 2), tnn.Linear(4, 2), tnn.Linear(4, 3)])),
            ("table", tnn.ModuleDict({"emb": tnn.Embedding(10, 4, padding_idx=0), "act": tnn.Softmax(dim=1)})),
            ("flat", tnn.Flatten()),
            ("prelu", tnn.PReLU(4)),
            ("drop", tnn.Dropout(p=0.1, inplace=True)),
            ("loss", tnn.CrossEntropyLoss(label_smoothing=0.1)),
        ]))
    if kind == "acts":
        return tnn.Sequential(tnn.ReLU(inplace=True), tnn.ReLU6(), tnn.ELU(alpha=0.5), tnn.SELU(), tnn.CELU(2.0),
                              tnn.SiLU(), tnn.Mish(), tnn.Hardswish(), tnn.Hardsigmoid(), tnn.Hardtanh(-2.0, 2.0),
                              tnn.Softplus(beta=2.0, threshold=10.0), tnn.Softsign(), tnn.Tanh(), tnn.Sigmoid(),
                              tnn.LogSigmoid(), tnn.LogSoftmax(dim=-1), tnn.Softmin(dim=0), tnn.Threshold(0.1, 20.0),
                              tnn.GLU(), tnn.Identity(), tnn.Unflatten(1, (2, 5)), tnn.Bilinear(3, 4, 5),
                              tnn.Linear(3, 2, bias=False), tnn.AlphaDropout(0.3), tnn.Dropout2d())
    raise KeyError(kind)


def _mnist_net(lib):
    tnn = lib.nn
    tF = lib.nn.functional

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 32, 3, 1)
            self.conv2 = tnn.Conv2d(32, 64, 3, 1)
            self.dropout1 = tnn.Dropout(0.25)
            self.dropout2 = tnn.Dropout(0.5)
            self.fc1 = tnn.Linear(9216, 128)
            self.fc2 = tnn.Linear(128, 10)

        def forward(self, x):
            x = tF.relu(self.conv1(x))
            x = tF.max_pool2d(tF.relu(self.conv2(x)), 2)
            x = self.dropout1(x)
            x = lib.flatten(x, 1)
            x = self.dropout2(tF.relu(self.fc1(x)))
            return tF.log_softmax(self.fc2(x), dim=1)
    return Net()


def _zoo(lib, kind):
    tnn = lib.nn

    class Block(tnn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1 = tnn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn1 = tnn.BatchNorm2d(c)
            self.conv2 = tnn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn2 = tnn.BatchNorm2d(c)
            self.shortcut = tnn.Sequential()

        def forward(self, x):
            out = lib.nn.functional.relu(self.bn1(self.conv1(x)))
            return lib.nn.functional.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    if kind == "vgg":
        return tnn.Sequential(OrderedDict([
            ("features", tnn.Sequential(tnn.Conv2d(3, 8, 3, padding=1), tnn.BatchNorm2d(8), tnn.ReLU(inplace=True),
                                        tnn.MaxPool2d(2), tnn.Conv2d(8, 16, 3, padding=1), tnn.ReLU(inplace=True),
                                        tnn.AdaptiveAvgPool2d((1, 1)))),
            ("classifier", tnn.Sequential(tnn.Flatten(), tnn.Dropout(), tnn.Linear(16, 10)))]))
    return tnn.Sequential(Block(4), Block(4), tnn.AdaptiveAvgPool2d(1), tnn.Flatten(), tnn.Linear(4, 3))


@pytest.mark.parametrize("kind", ["vgg", "resnet"])
def test_zoo_state_dict_keys_repr_and_outputs(torch, kind):
    tm, em = _zoo(torch, kind), _zoo(ember, kind)
    assert repr(em) == repr(tm)
    tsd = tm.state_dict()
    assert list(em.state_dict()) == list(tsd)
    assert [tuple(v.shape) for v in em.state_dict().values()] == [tuple(v.shape) for v in tsd.values()]
    em.load_state_dict(_to_numpy_sd(tm))
    tm.eval(), em.eval()
    x = np.random.default_rng(0).standard_normal((2, 3 if kind == "vgg" else 4, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def _to_numpy_sd(tmodel):
    return {k: v.detach().numpy().copy() for k, v in tmodel.state_dict().items()}


@pytest.mark.parametrize("kind", ["mlp", "nested", "acts"])
def test_repr_and_state_dict_keys_match_torch(torch, kind):
    tm, em = _build(torch, kind), _build(ember, kind)
    assert repr(em) == repr(tm)
    tsd, esd = tm.state_dict(), em.state_dict()
    assert list(esd.keys()) == list(tsd.keys())
    assert [tuple(v.shape) for v in esd.values()] == [tuple(v.shape) for v in tsd.values()]
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in em.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in em.named_children()] == [n for n, _ in tm.named_children()]
    res = em.load_state_dict(_to_numpy_sd(tm))
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == repr(tm.load_state_dict(tm.state_dict()))


def test_mnist_net_state_dict_and_repr(torch):
    if not hasattr(nn, "Conv2d") or not hasattr(F, "max_pool2d"):
        pytest.fail("Conv2d / max_pool2d missing (helper D2's part)")
    tm, em = _mnist_net(torch), _mnist_net(ember)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    assert repr(em) == repr(tm)
    em.load_state_dict(_to_numpy_sd(tm))
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    tm.eval(), em.eval()
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_load_state_dict_errors_match_torch(torch):
    tm, em = _build(torch, "mlp"), _build(ember, "mlp")
    sd = _to_numpy_sd(tm)
    sd["extra.weight"] = np.zeros(3, np.float32)
    del sd["3.bias"]
    sd["0.weight"] = np.zeros((5, 5), np.float32)
    tsd = {k: torch.tensor(v) for k, v in sd.items()}
    with pytest.raises(RuntimeError) as te:
        tm.load_state_dict(tsd)
    with pytest.raises(RuntimeError) as ee:
        em.load_state_dict(sd)
    assert str(ee.value) == str(te.value)
    # non-strict: returns the lists, still reports size mismatches
    del sd["0.weight"], tsd["0.weight"]
    r_t = tm.load_state_dict(tsd, strict=False)
    r_e = em.load_state_dict(sd, strict=False)
    assert (r_e.missing_keys, r_e.unexpected_keys) == (r_t.missing_keys, r_t.unexpected_keys)
    with pytest.raises(TypeError):
        em.load_state_dict([1, 2])


def test_load_state_dict_from_ember_tensors_and_assign():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    w_before = b.weight
    b.load_state_dict(a.state_dict())
    assert b.weight is w_before and np.array_equal(b.weight.detach().numpy(), a.weight.detach().numpy())
    assert b.weight.requires_grad
    sd = {"weight": ember.ones(2, 3), "bias": ember.zeros(2)}
    b.load_state_dict(sd, assign=True)
    assert isinstance(b.weight, nn.Parameter) and b.weight.requires_grad
    assert b._parameters["weight"] is b.weight and float(b.weight.sum()) == 6.0
    sd_kv = a.state_dict(keep_vars=True)
    assert sd_kv["weight"] is a.weight
    assert not a.state_dict()["weight"].requires_grad


def test_registration_mirrors_dict_and_registries():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(ember.ones(2))
            self.sub = nn.Linear(2, 2)
            self.register_buffer("running", ember.zeros(2))
            self.register_buffer("tmp", ember.zeros(1), persistent=False)
            self.plain = 3

    m = M()
    assert m.__dict__["w"] is m._parameters["w"]
    assert m.__dict__["sub"] is m._modules["sub"]
    assert list(m.state_dict()) == ["w", "running", "sub.weight", "sub.bias"]
    assert [n for n, _ in m.named_buffers()] == ["running", "tmp"]
    # reassigning a buffer through attribute assignment keeps it registered
    m.running = ember.ones(2)
    assert m._buffers["running"] is m.running
    # direct registry writes stay in sync
    p = nn.Parameter(ember.zeros(3))
    m._parameters["extra"] = p
    assert m.extra is p
    del m._parameters["extra"]
    with pytest.raises(AttributeError, match="'M' object has no attribute 'extra'"):
        m.extra
    del m.w
    assert "w" not in m._parameters and not hasattr(m, "w")
    with pytest.raises(TypeError, match=re.escape("cannot assign 'torch.FloatTensor' as parameter 'bias'")):
        m.sub.bias = ember.zeros(2)
    m.sub.bias = None
    assert m.sub._parameters["bias"] is None and m.sub.bias is None
    with pytest.raises(KeyError):
        m.register_buffer("plain", ember.zeros(1))
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError):
        m.register_buffer("x", 3)
    m.buf = nn.Buffer(ember.ones(2), persistent=False)
    assert "buf" in m._buffers and "buf" not in m.state_dict()
    assert "sub" in dir(m) and "running" in dir(m)


def test_parameter_basics(torch):
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert not nn.Parameter(ember.ones(2), requires_grad=False).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(ember.tensor([1, 2]))
    assert nn.Parameter().shape == (0,)
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad and q is not p
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is nn.Parameter and np.array_equal(r.detach().numpy(), [1.0, 2.0])
    assert type(p * 2) is ember.Tensor


def test_seed_programs():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 10)

        def forward(self, x):
            return self.fc1(x)

    class Power(nn.Module):
        def __init__(self, exponent):
            super().__init__()
            self.exponent = exponent

        def forward(self, x):
            return x ** self.exponent

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = Model()
            self.power = Power(2)
            self.scale = nn.Parameter(ember.ones(1))

        def forward(self, x):
            return self.power(self.model(x)) * self.scale

    m = Model()
    assert m(ember.randn(3, 784)).shape == (3, 10)
    assert float(Power(3)(ember.tensor(2.0))) == 8.0
    o = Outer()
    params = list(o.parameters())
    assert len(params) == 3 and params[0] is o.scale and params[1] is o.model.fc1.weight
    out = o(ember.randn(4, 784))
    out.sum().backward()
    assert o.model.fc1.weight.grad.shape == (10, 784) and o.scale.grad.shape == (1,)
    o.zero_grad()
    assert o.scale.grad is None


def test_missing_forward_and_module_errors(torch):
    def make(lib):
        class NoFwd(lib.nn.Module):
            pass
        return NoFwd()

    with pytest.raises(NotImplementedError) as ee:
        make(ember)(1)
    with pytest.raises(NotImplementedError) as te:
        make(torch)(1)
    assert str(ee.value) == str(te.value)
    m = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match="Linear has no attribute `foo`"):
        m.get_submodule("foo")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        m.get_submodule("weight")
    seq = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 3)))
    assert seq.get_submodule("1.0") is seq[1][0]
    assert seq.get_parameter("1.0.bias") is seq[1][0].bias
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_error_note_names_submodule_path():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(7, 3))

        def forward(self, x):
            return self.features(x)

    with pytest.raises(RuntimeError, match="shapes cannot be multiplied") as e:
        Net()(ember.randn(2, 4))
    notes = getattr(e.value, "__notes__", [])
    assert len(notes) == 1
    assert "model.features.2" in notes[0] and "Linear(in_features=7, out_features=3, bias=True)" in notes[0]


def test_named_parameters_shared_and_prefix(torch):
    def build(lib):
        a = lib.nn.Linear(2, 2)
        m = lib.nn.Sequential(a, lib.nn.ReLU(), a)
        return m
    em, tm = build(ember), build(torch)
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in em.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in tm.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in em.named_parameters(prefix="net")] == [n for n, _ in tm.named_parameters(prefix="net")]
    assert [n for n, _ in em.named_parameters(recurse=False)] == []
    assert len(list(em.modules())) == len(list(tm.modules()))
    assert list(em.state_dict()) == list(tm.state_dict())


def test_train_eval_apply_requires_grad_and_to():
    m = nn.Sequential(nn.Linear(2, 3), nn.Dropout(), nn.Sequential(nn.ReLU()))
    assert m.training and all(c.training for c in m.modules())
    m.eval()
    assert not any(c.training for c in m.modules())
    m.train()
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "Dropout", "ReLU", "Sequential", "Sequential"]
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    w = m[0].weight
    m.double()
    assert m[0].weight is w and w.dtype == ember.float64
    m.to(ember.float32)
    assert w.dtype == ember.float32
    m.half().float()
    assert m.to("cpu") is m and m.cpu() is m
    m.register_buffer("steps", ember.tensor(3))
    m.double()
    assert m.steps.dtype == ember.int64
    with pytest.raises(RuntimeError):
        m.cuda()


def test_zero_grad_set_to_none_false():
    m = nn.Linear(2, 2)
    m(ember.randn(3, 2)).sum().backward()
    g = m.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is g and float(g.abs().sum()) == 0.0
    m.zero_grad()
    assert m.weight.grad is None


def test_forward_hooks_order_kwargs_prepend_and_removal():
    calls = []
    m = nn.Linear(2, 2)

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 0,)

    def pre_kw(mod, args, kwargs):
        calls.append("pre_kw")
        return args, kwargs

    def post(mod, args, out):
        calls.append("post")
        return out + 1

    def post_first(mod, args, out):
        calls.append("post_first")

    h1 = m.register_forward_pre_hook(pre)
    h2 = m.register_forward_pre_hook(pre_kw, with_kwargs=True, prepend=True)
    h3 = m.register_forward_hook(post)
    h4 = m.register_forward_hook(post_first, prepend=True)
    out = m(ember.ones(1, 2))
    assert calls == ["pre_kw", "pre", "post_first", "post"]
    np.testing.assert_allclose(out.detach().numpy(), m.bias.detach().numpy()[None] + 1, rtol=1e-6)
    for h in (h1, h2, h3, h4):
        h.remove()
    calls.clear()
    m(ember.ones(1, 2))
    assert calls == []
    with nn.modules.module.register_module_forward_hook(lambda mod, a, o: calls.append(type(mod).__name__)):
        m(ember.ones(1, 2))
    m(ember.ones(1, 2))
    assert calls == ["Linear"]


def test_full_backward_hook(torch):
    rec = {}

    def build(lib, key):
        lin = lib.nn.Linear(3, 2)
        lin.register_full_backward_hook(lambda mod, gi, go: rec.__setitem__(key, (gi, go)))
        return lin
    em, tm = build(ember, "e"), build(torch, "t")
    em.load_state_dict(_to_numpy_sd(tm))
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (em(xe) ** 2).sum().backward()
    (tm(xt) ** 2).sum().backward()
    gi_e, go_e = rec["e"]
    gi_t, go_t = rec["t"]
    np.testing.assert_allclose(gi_e[0].numpy(), gi_t[0].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(go_e[0].numpy(), go_t[0].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_pickle_and_deepcopy_module():
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    m.register_buffer("b", ember.ones(2))
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert repr(clone) == repr(m)
        assert list(clone.state_dict()) == list(m.state_dict())
        assert clone[0].weight is not m[0].weight
        assert clone._parameters is not m._parameters
        np.testing.assert_array_equal(clone[0].weight.detach().numpy(), m[0].weight.detach().numpy())
        x = ember.randn(2, 3)
        np.testing.assert_allclose(clone(x).detach().numpy(), m(x).detach().numpy())
        # registries of the copy still mirror into the copy's __dict__
        clone[0].weight = nn.Parameter(ember.zeros(4, 3))
        assert clone[0]._parameters["weight"] is clone[0].weight
        assert isinstance(list(clone.parameters())[0], nn.Parameter)


def test_sequential_and_containers(torch):
    s = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
    assert len(s) == 3 and isinstance(s[1], nn.ReLU) and isinstance(s[-1], nn.Linear)
    sl = s[1:]
    assert isinstance(sl, nn.Sequential) and list(sl._modules) == ["1", "2"]
    s.append(nn.Tanh())
    s.insert(0, nn.Identity())
    s.extend([nn.Sigmoid()])
    assert [type(m).__name__ for m in s] == ["Identity", "Linear", "ReLU", "Linear", "Tanh", "Sigmoid"]
    del s[0]
    assert list(s._modules) == ["0", "1", "2", "3", "4"]
    with pytest.raises(IndexError):
        s[10]
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    tml = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.ReLU())
    tml.append(torch.nn.ReLU())
    assert repr(ml) == repr(tml)
    assert len(ml) == 4 and len(list(ml.parameters())) == 6
    del ml[1], tml[1]
    assert list(ml._modules) == list(tml._modules) == ["0", "1", "2"] and repr(ml) == repr(tml)
    for lib_ml in (ml, tml):    # containers have no forward: torch's NotImplementedError
        with pytest.raises(NotImplementedError, match='Module \\[ModuleList\\] is missing the required "forward"'):
            lib_ml(1)
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    assert list(md.keys()) == ["a", "b"] and "a" in md
    pl = nn.ParameterList([nn.Parameter(ember.ones(2)), ember.zeros(3)])
    tpl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(3)])
    assert repr(pl) == repr(tpl)
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(list(pl.parameters())) == 2
    pd = nn.ParameterDict({"x": nn.Parameter(ember.ones(1))})
    pd["y"] = ember.zeros(2)
    tpd = torch.nn.ParameterDict({"x": torch.nn.Parameter(torch.ones(1))})
    tpd["y"] = torch.zeros(2)
    assert repr(pd) == repr(tpd)
    assert [n for n, _ in pd.named_parameters()] == [n for n, _ in tpd.named_parameters()]


def test_default_linear_init_statistics():
    ember.manual_seed(0)
    lin = nn.Linear(400, 300)
    w = lin.weight.detach().numpy()
    bound = 1 / np.sqrt(400)     # kaiming_uniform(a=sqrt(5)) gives bound sqrt(6 / ((1 + 5) * fan_in))
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    b = lin.bias.detach().numpy()
    assert b.min() >= -bound and b.max() <= bound and b.std() > 0.4 * bound
    assert lin.weight.dtype == ember.float32
    e = nn.Embedding(100, 50, padding_idx=3)
    ew = e.weight.detach().numpy()
    assert np.all(ew[3] == 0) and abs(ew.std() - 1) < 0.05


def test_load_torch_state_dict_directly_and_lazy_linear(torch):
    tm = torch.nn.Linear(3, 2)
    em = nn.Linear(3, 2)
    em.load_state_dict(tm.state_dict())       # torch tensors are read through .numpy()
    np.testing.assert_array_equal(em.weight.detach().numpy(), tm.weight.detach().numpy())
    lazy = nn.LazyLinear(4)
    out = lazy(ember.randn(2, 6))
    assert out.shape == (2, 4) and type(lazy) is nn.Linear and lazy.weight.shape == (4, 6)
    assert repr(lazy) == "Linear(in_features=6, out_features=4, bias=True)"


def test_register_module_none_and_repr_of_none(torch):
    def build(lib):
        m = lib.nn.Sequential(lib.nn.Linear(1, 1))
        m.register_module("gap", None)
        m.register_buffer("nothing", None)
        return m
    em, tm = build(ember), build(torch)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())


def test_full_backward_pre_hook_scales_grad_output(torch):
    def run(lib):
        lin = lib.nn.Linear(3, 2)
        seen = []
        lin.register_full_backward_pre_hook(lambda mod, go: (seen.append(go[0].shape), (go[0] * 2,))[1])
        return lin, seen
    (em, se), (tm, st) = run(ember), run(torch)
    em.load_state_dict(_to_numpy_sd(tm))
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    em(xe).sum().backward()
    tm(xt).sum().backward()
    assert tuple(se[0]) == tuple(st[0]) == (4, 2)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_forward_hook_always_call_runs_on_error():
    m = nn.Linear(2, 2)
    calls = []
    m.register_forward_hook(lambda mod, args, out: calls.append(out), always_call=True)
    with pytest.raises(RuntimeError):
        m(ember.randn(3, 5))
    assert calls == [None]


def test_iteration_api_matches_torch_with_shared_submodule(torch):
    def build(lib):
        shared = lib.nn.Linear(2, 2)
        m = lib.nn.Sequential(OrderedDict([("a", shared), ("b", lib.nn.Sequential(shared, lib.nn.BatchNorm1d(2))),
                                           ("c", shared)]))
        m.register_buffer("scale", lib.ones(1))
        return m
    em, tm = build(ember), build(torch)
    calls = [
        lambda m: [n for n, _ in m.named_modules()],
        lambda m: [n for n, _ in m.named_modules(prefix="net", remove_duplicate=False)],
        lambda m: [n for n, _ in m.named_children()],
        lambda m: [n for n, _ in m.named_buffers(prefix="p")],
        lambda m: [n for n, _ in m.named_buffers(recurse=False)],
        lambda m: [n for n, _ in m.named_parameters(remove_duplicate=False)],
        lambda m: len(list(m.parameters())),
        lambda m: list(m.state_dict()),
        lambda m: list(m.state_dict(prefix="model.")),
    ]
    for c in calls:
        assert c(em) == c(tm)


# ---- Module semantics vs torch: assignment, deletion, loading, sharing, modes, hooks, pickling, repr ----

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
def test_module_semantics_match_torch(same, case):
    same(MODULE_CASES[case], rtol=0, atol=0, exc="message")
