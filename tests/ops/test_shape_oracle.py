"""Table-driven checks of shape/index/linalg ops against torch: values, dtypes, shapes, gradients
(random cotangent), plus float64 gradcheck for every differentiable entry."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck

from opdb_shape import SPECS

CASES = [(s, i) for s in SPECS for i in range(len(s.samples))]
IDS = [f"{s.name}-{i}" for s, i in CASES]


def _flat(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    return [out]


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


@pytest.mark.parametrize("spec,i", CASES, ids=IDS)
def test_forward_and_grad(spec, i, torch):
    sample = spec.samples[i]
    et = _make(ember, sample, spec.grad)
    tt = _make(torch, sample, spec.grad)
    eo = _flat(spec.fn(ember, *et))
    to = _flat(spec.fn(torch, *tt))
    assert len(eo) == len(to)
    for e, t in zip(eo, to):
        assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
        assert str(e.dtype) == str(t.dtype)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=spec.rtol, atol=spec.atol)
    if not spec.grad:
        return
    rng = np.random.default_rng(7)
    pairs = [(e, t) for e, t in zip(eo, to) if t.requires_grad]
    assert [e.requires_grad for e in eo] == [t.requires_grad for t in to]
    if not pairs:
        return
    cots = [rng.standard_normal(tuple(t.shape)).astype(np.float32) for _, t in pairs]
    t_in = [t for t in tt if t.requires_grad]
    e_in = [e for e in et if e.requires_grad]
    tl = sum((t * torch.tensor(c)).sum() for (_, t), c in zip(pairs, cots))
    tg = torch.autograd.grad(tl, t_in, allow_unused=True)
    el = None
    for (e, _), c in zip(pairs, cots):
        term = (e * ember.tensor(c)).sum()
        el = term if el is None else el + term
    eg = ember.autograd.grad(el, e_in, allow_unused=True)
    for a, b in zip(eg, tg):
        if b is None:
            assert a is None or not np.any(a.numpy())
            continue
        assert a is not None
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=max(spec.rtol, 1e-4), atol=max(spec.atol, 1e-4))


GC = [(s, i) for s, i in CASES if s.grad and s.gradcheck and i == 0]


@pytest.mark.parametrize("spec,i", GC, ids=[f"{s.name}" for s, _ in GC])
def test_gradcheck(spec, i):
    ts = _make(ember, spec.samples[i], True, np.float64)
    if not any(t.requires_grad for t in ts):
        pytest.skip("no differentiable input")  # pragma: no cover

    keep = [k for k, o in enumerate(_flat(spec.fn(ember, *ts))) if o.requires_grad]

    def f(*xs):
        outs = _flat(spec.fn(ember, *xs))
        return tuple(outs[k] for k in keep)
    assert gradcheck(f, ts, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True)


DT_CASES = [(s, i, dt) for s, i in CASES if i == 0 for dt in ("float64", "int64", "int32", "bool")]


@pytest.mark.parametrize("spec,i,dt", DT_CASES, ids=[f"{s.name}-{dt}" for s, _, dt in DT_CASES])
def test_forward_other_dtypes(spec, i, dt, torch):
    """Every entry with its float inputs cast to another dtype: same values and dtype, or the same error type."""
    sample = [np.asarray(a) for a in spec.samples[i]]
    conv = []
    for a in sample:
        if a.dtype.kind == "f":
            a = (a > 0) if dt == "bool" else np.round(a * 3).astype(dt) if dt != "float64" else a.astype(dt)
        conv.append(a)
    outs, errs = [], []
    for m in (torch, ember):
        ts = [m.tensor(a.copy()) for a in conv]
        try:
            outs.append(_flat(spec.fn(m, *ts)))
            errs.append(None)
        except Exception as e:   # noqa: BLE001 - parity of the exception type is what is tested
            outs.append(None)
            errs.append(e)
    if errs[0] is not None or errs[1] is not None:
        assert errs[0] is not None and errs[1] is not None, (errs, spec.name)
        expected = RuntimeError if isinstance(errs[0], RuntimeError) else type(errs[0])
        assert isinstance(errs[1], expected), (errs, spec.name)
        return
    for t, e in zip(*outs):
        assert tuple(e.shape) == tuple(t.shape)
        assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
        kind = e.numpy().dtype.kind
        tol = 0 if kind in "biu" else 1e-10 if e.numpy().dtype == np.float64 else 1e-5
        if spec.atol > 1e-5 and kind == "f":
            tol = max(tol, 1e-8)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=tol, atol=tol)
