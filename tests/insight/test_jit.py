"""ember.jit: script/trace return callables computing what the original computes (checked against the
original and against torch.jit); saving a TorchScript archive raises a clear NotImplementedError."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import ember
import ember.nn as enn

# torch 2.13 (and ember, like it) warn that torch.jit.script/trace are deprecated; checked once below
pytestmark = pytest.mark.filterwarnings("ignore:.*torch.jit.*deprecated:DeprecationWarning")


def _pair(torch):
    """The same small CNN in torch and in ember, ember's weights copied from torch's."""
    def build(nn):
        return nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                             nn.Linear(3 * 4 * 4, 5))
    torch.manual_seed(0)
    tm = build(torch.nn).eval()
    em = build(enn).eval()
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return tm, em


def _same(e, t, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def test_script_module_matches_original_and_torch(torch, rng):
    tm, em = _pair(torch)
    x = rng.standard_normal((2, 1, 6, 6)).astype(np.float32)
    ts, es = torch.jit.script(tm), ember.jit.script(em)
    assert isinstance(es, ember.jit.ScriptModule) and isinstance(es, enn.Sequential)
    assert es.original_name == "Sequential" and es[0].original_name == "Conv2d"
    out = es(ember.from_numpy(x))
    assert np.array_equal(out.detach().numpy(), em(ember.from_numpy(x)).detach().numpy())
    _same(out, ts(torch.from_numpy(x)))


def test_trace_module_matches_original_and_torch_on_new_inputs(torch, rng):
    tm, em = _pair(torch)
    example = rng.standard_normal((1, 1, 6, 6)).astype(np.float32)
    tt = torch.jit.trace(tm, torch.from_numpy(example))
    et = ember.jit.trace(em, ember.from_numpy(example))
    assert isinstance(et, ember.jit.TopLevelTracedModule) and isinstance(et[0], ember.jit.TracedModule)
    x = rng.standard_normal((4, 1, 6, 6)).astype(np.float32)     # another batch size than the example
    out = et(ember.from_numpy(x))
    assert np.array_equal(out.detach().numpy(), em(ember.from_numpy(x)).detach().numpy())
    _same(out, tt(torch.from_numpy(x)))


def _branchy(lib):
    def f(x):
        if bool(x.sum() > 0):
            return x * 2 + 1
        return x.exp() - 3
    return f


def test_script_function_keeps_control_flow_like_torch_script(torch):
    tf, ef = torch.jit.script(_branchy(torch)), ember.jit.script(_branchy(ember))
    assert isinstance(ef, ember.jit.ScriptFunction) and ef.__name__ == "f"
    for data in ([1.0, 2.0], [-1.0, -2.0]):
        _same(ef(ember.tensor(data)), tf(torch.tensor(data)))


def test_trace_function_computes_the_original_on_every_branch(torch):
    """Deviation, documented: torch's trace freezes the branch the example took; ember runs the Python."""
    f = _branchy(ember)
    traced = ember.jit.trace(f, (ember.tensor([1.0, 2.0]),))
    neg = ember.tensor([-1.0, -2.0])
    assert np.array_equal(traced(neg).numpy(), f(neg).numpy())
    _same(traced(neg), torch.jit.script(_branchy(torch))(torch.tensor([-1.0, -2.0])))


def test_decorator_form_and_helpers(torch):
    @ember.jit.script
    def g(x, y):
        return (x * y).sum(0)

    a, b = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    _same(g(ember.from_numpy(a), ember.from_numpy(b)), (torch.from_numpy(a) * torch.from_numpy(b)).sum(0))
    assert ember.jit.is_scripting() is False and ember.jit.is_tracing() is False
    seen = []
    ember.jit.trace(lambda x: seen.append(ember.jit.is_tracing()) or x, ember.zeros(1))
    assert seen == [True] and ember.jit.is_tracing() is False
    assert ember.jit.ignore(g) is g and ember.jit.annotate(list, [1]) == [1]
    assert ember.jit.Final[int] is int


def test_parameters_shared_tree_and_flags_copied():
    m = enn.Sequential(enn.Linear(3, 2), enn.Dropout(0.5))
    s = ember.jit.script(m)
    assert s[0].weight is m[0].weight and list(s.state_dict()) == list(m.state_dict())
    s.eval()
    assert not s.training and not s[1].training and m.training and m[1].training
    with ember.no_grad():
        s[0].weight.add_(1.0)           # training one trains the other, as in torch
    assert np.array_equal(m[0].weight.detach().numpy(), s[0].weight.detach().numpy())
    assert ember.jit.script(s) is s
    c = copy.deepcopy(s)
    assert isinstance(c, ember.jit.ScriptModule) and c[0].weight is not m[0].weight
    assert np.array_equal(c[0].weight.detach().numpy(), m[0].weight.detach().numpy())


def test_save_and_load_say_what_to_do_instead(tmp_path):
    m = ember.jit.script(enn.Linear(2, 2))
    f = ember.jit.script(lambda x: x)
    for call in (lambda: m.save(str(tmp_path / "m.pt")), lambda: ember.jit.save(m, str(tmp_path / "m.pt")),
                 lambda: f.save("f.pt")):
        with pytest.raises(NotImplementedError, match=r"TorchScript archives are not produced by ember.*"
                                                      r"ember\.save\(model\.state_dict\(\)"):
            call()
    with pytest.raises(NotImplementedError, match="cannot load TorchScript"):
        ember.jit.load(str(tmp_path / "m.pt"))
    with pytest.raises(NotImplementedError, match="TorchScript IR"):
        m.code
    with pytest.raises(pickle.PicklingError, match="state_dict"):
        pickle.dumps(m)
    assert not (tmp_path / "m.pt").exists()
    ember.save(m.state_dict(), str(tmp_path / "w.pt"))      # what the message recommends works
    fresh = enn.Linear(2, 2)
    fresh.load_state_dict(ember.load(str(tmp_path / "w.pt")))
    assert np.array_equal(fresh.weight.detach().numpy(), m.weight.detach().numpy())


def test_deprecation_warning_like_torch(torch):
    def ident(x):
        return x

    for lib in (torch, ember):
        with pytest.warns(DeprecationWarning, match="torch.jit.script.* deprecated"):
            lib.jit.script(ident)
        with pytest.warns(DeprecationWarning, match="torch.jit.trace.* deprecated"):
            lib.jit.trace(lambda x: x + 1, lib.zeros(1))


def test_bad_arguments():
    with pytest.raises(RuntimeError, match="example_inputs is required"):
        ember.jit.trace(enn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="cannot be compiled"):
        ember.jit.script(3)
    with pytest.raises(RuntimeError, match="eval mode"):
        ember.jit.freeze(ember.jit.script(enn.Linear(2, 2)))
    with pytest.raises(RuntimeError, match="ScriptModule"):
        ember.jit.freeze(enn.Linear(2, 2).eval())
