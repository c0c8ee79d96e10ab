"""Every layer of ember.nn against torch's, driven by the table in layerdb.py: the same layer built on both
sides, torch's parameters and buffers copied into ember; `str(module)` and the state_dict keys, then in train
and in eval mode the outputs, the gradients of the inputs and of every parameter under a random cotangent,
and the state_dict after the forward (running statistics). `test_table_covers_every_layer` fails when
ember.nn gains a public class torch.nn has without a row."""
from __future__ import annotations

import inspect
import os
import sys
import warnings
from collections import OrderedDict

import pytest
from oracle import assert_same, check, flatten, raises_like

import ember

sys.path.insert(0, os.path.dirname(__file__))
from layerdb import EXCLUDED, SPECS, active


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # deprecated layers (Container, Upsample...) warn on both sides
        yield


def _params(kind, items):
    out = []
    for spec, i in items:
        key = f"{kind}-{i}" if i is not None else kind
        bug = spec.bugs.get(key)
        out.append(pytest.param(spec, i, id=f"{spec.id}-{key}",
                                marks=[pytest.mark.xfail(strict=True, reason=bug)] if bug else []))
    return out


def _build(torch, spec):
    torch.manual_seed(0)
    tm = spec.factory(torch)
    ember.manual_seed(0)
    return tm, spec.factory(ember)


def _materialize(torch, spec, tm, em):
    """A lazy layer takes its shapes from a first forward."""
    arrays = spec.samples[0]
    with torch.no_grad():
        spec.run(tm, *[torch.from_numpy(a.copy()) for a in arrays])
    with ember.no_grad():
        spec.run(em, *[ember.from_numpy(a.copy()) for a in arrays])


def _copy(tm, em):
    """torch's parameters and buffers into ember, by state_dict."""
    em.load_state_dict(OrderedDict((k, ember.from_numpy(v.detach().numpy().copy()))
                                   for k, v in tm.state_dict().items()))


def _state(m):
    return {k: v for k, v in m.state_dict().items()}


class _Call:
    """A layer with the row's call: parameters are compared by `oracle.check` through named_parameters."""

    def __init__(self, spec, m):
        self.spec, self.m = spec, m

    def named_parameters(self):
        return self.m.named_parameters()

    def __call__(self, *xs):
        return self.spec.run(self.m, *xs)


ACTIVE = active(ember.nn)     # rows for torch classes ember does not have yet wait until it has them


@pytest.mark.parametrize("spec,i", _params("structure", [(s, None) for s in ACTIVE]))
def test_repr_and_state_dict(torch, spec, i):
    tm, em = _build(torch, spec)
    assert str(em) == str(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in em.named_buffers()] == [n for n, _ in tm.named_buffers()]
    if spec.lazy:
        _materialize(torch, spec, tm, em)
        assert str(em) == str(tm)
        assert type(em).__name__ == type(tm).__name__
    _copy(tm, em)
    assert_same(_state(em), _state(tm), 0, 0, requires_grad=False)


SAMPLES = [(s, i) for s in ACTIVE for i in range(len(s.samples))]


@pytest.mark.parametrize("spec,i", _params("sample", SAMPLES))
def test_train_and_eval(torch, spec, i):
    tm, em = _build(torch, spec)
    if spec.lazy:
        _materialize(torch, spec, tm, em)
    _copy(tm, em)
    arrays = list(spec.samples[i])
    rg = list(spec.rg) if spec.rg is not None else [a.dtype.kind == "f" for a in arrays]
    if not spec.forward:
        raises_like(torch,
                    lambda L: spec.run(tm if L is torch else em, *[L.from_numpy(a.copy()) for a in arrays]),
                    path=f"{spec.id}-{i}")
        return
    for mode in ("train", "eval"):
        tm.train(mode == "train")
        em.train(mode == "train")
        where = f"{spec.id}-{i} {mode}"
        if spec.random and mode == "train":
            xt = [torch.from_numpy(a.copy()).requires_grad_(g) for a, g in zip(arrays, rg)]
            xe = [ember.from_numpy(a.copy()).requires_grad_(g) for a, g in zip(arrays, rg)]
            got, want = spec.run(em, *xe), spec.run(tm, *xt)
            assert [(tuple(o.shape), str(o.dtype), o.requires_grad) for o in flatten(got)] == \
                   [(tuple(o.shape), str(o.dtype), o.requires_grad) for o in flatten(want)], where
        else:
            fe, ft = (em, tm) if spec.call is None else (_Call(spec, em), _Call(spec, tm))
            check(torch, fe, ft, arrays, spec.rtol, spec.atol, requires_grad=rg,
                  grad_rtol=max(spec.rtol, 1e-4),
                  grad_atol=max(spec.atol, 1e-5), seed=i, path=where)
        # the buffers after the step (running statistics), and the parameters unchanged
        assert_same(_state(em), _state(tm), 1e-5, 1e-6, requires_grad=False, path=f"{where}: state_dict")


def test_table_covers_every_layer(torch):
    names = {n for n in dir(ember.nn) if not n.startswith("_") and inspect.isclass(getattr(ember.nn, n))}
    names &= {n for n in dir(torch.nn) if inspect.isclass(getattr(torch.nn, n))}
    covered = {s.name for s in SPECS}
    assert not covered & set(EXCLUDED), "a class is both excluded and in the table"
    missing = names - covered - set(EXCLUDED)
    assert not missing, f"ember.nn classes with no row in layerdb.py (nor in EXCLUDED): {sorted(missing)}"
    ahead = covered - names     # rows waiting for ember: classes torch has
    lacking = {n for n in ahead if not inspect.isclass(getattr(torch.nn, n, None))}
    assert not lacking, f"rows for classes torch lacks: {sorted(lacking)}"
    assert set(EXCLUDED) <= names, f"exclusions of unknown classes: {sorted(set(EXCLUDED) - names)}"
