"""Table-driven checks of shape/index/linalg ops against torch: values, dtypes, shapes, gradients
(random cotangent), plus float64 gradcheck for every differentiable entry."""
from __future__ import annotations

import numpy as np
import pytest
from opdb_shape import SPECS
from oracle import check, check_gradgrad, flatten, run_both

import ember
from ember.autograd import gradcheck

CASES = [(s, i) for s in SPECS for i in range(len(s.samples))]
IDS = [f"{s.name}-{i}" for s, i in CASES]


def _params(cases, ids):
    """pytest params, a strict xfail on the cases a row lists in `bugs` (by test id)."""
    return [pytest.param(*c, id=cid, marks=[pytest.mark.xfail(strict=True, reason=c[0].bugs[cid])]
                         if cid in c[0].bugs else []) for c, cid in zip(cases, ids)]


def _make(mod, sample, grad, dtype=None):
    ts = []
    for a in sample:
        a = np.asarray(a)
        if a.dtype.kind == "f":
            a = a.astype(dtype or a.dtype)
            t = mod.tensor(a.copy(), requires_grad=grad)
        else:
            t = mod.tensor(a.copy())
        ts.append(t)
    return ts


@pytest.mark.parametrize("spec,i", _params(CASES, IDS))
def test_forward_and_grad(spec, i, torch):
    def fn(L):
        return lambda *xs: spec.fn(L, *xs)
    check(torch, fn(ember), fn(torch), [np.asarray(a) for a in spec.samples[i]], spec.rtol, spec.atol,
          grad=spec.grad, grad_rtol=max(spec.rtol, 1e-4), grad_atol=max(spec.atol, 1e-4), seed=7,
          path=f"{spec.name}-{i}")


GG = [(s, i) for s, i in CASES if s.gradgrad]


@pytest.mark.parametrize("spec,i", _params(GG, [f"{s.name}-{i}" for s, i in GG]))
def test_double_backward(spec, i, torch):
    def fn(L):
        return lambda *xs: spec.fn(L, *xs)
    check_gradgrad(torch, fn(ember), fn(torch), [np.asarray(a) for a in spec.samples[i]], spec.rtol,
                   spec.atol, seed=11, path=f"{spec.name}-{i}")


GC = [(s, i) for s, i in CASES if s.grad and s.gradcheck and i == 0]


@pytest.mark.parametrize("spec,i", GC, ids=[f"{s.name}" for s, _ in GC])
def test_gradcheck(spec, i):
    ts = _make(ember, spec.samples[i], True, np.float64)
    if not any(t.requires_grad for t in ts):
        pytest.skip("no differentiable input")  # pragma: no cover

    keep = [k for k, o in enumerate(flatten(spec.fn(ember, *ts))) if o.requires_grad]

    def f(*xs):
        outs = flatten(spec.fn(ember, *xs))
        return tuple(outs[k] for k in keep)
    assert gradcheck(f, ts, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True)


DT_CASES = [(s, i, dt) for s, i in CASES if i == 0 for dt in ("float64", "int64", "int32", "bool")]


@pytest.mark.parametrize("spec,i,dt", _params(DT_CASES, [f"{s.name}-{dt}" for s, _, dt in DT_CASES]))
def test_forward_other_dtypes(spec, i, dt, torch):
    """Every entry with its float inputs cast to another dtype: same values and dtype, or the same error type."""
    conv = []
    for a in (np.asarray(a) for a in spec.samples[i]):
        if a.dtype.kind == "f":
            a = (a > 0) if dt == "bool" else np.round(a * 3).astype(dt) if dt != "float64" else a.astype(dt)
        conv.append(a)
    tol = 1e-10 if dt == "float64" else 1e-5     # integer and bool results: exact
    if spec.atol > 1e-5:
        tol = max(tol, 1e-8)
    run_both(torch, lambda L: spec.fn(L, *[L.tensor(a.copy()) for a in conv]), tol, tol, exc="runtime",
             path=f"{spec.name}-{dt}")
