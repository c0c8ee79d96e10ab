"""`torch.nn.functional` against torch, driven by the table in fdb.py: values, dtypes and shapes (float32,
float64 and integer inputs), gradients of the float inputs under a random cotangent, double backward, a
float64 gradcheck (ember alone), the exception types of bad input, and structure plus hand-written invariants
for the random functions. `test_table_covers_every_function` fails when `F.__all__` gains a name without a
row."""
from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest
from oracle import check, check_gradgrad, flatten, raises_like, to_numpy

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck

sys.path.insert(0, os.path.dirname(__file__))
from fdb import EXCLUDED, SPECS, active, requires_grad


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # the deprecated forms (size_average, upsample) warn on both sides
        yield


def _params(kind, items):
    """pytest params `(spec, i)` with ids `<row>-<kind>-<i>`; a strict xfail where the row lists a bug."""
    out = []
    for spec, i in items:
        key = f"{kind}-{i}" if i is not None else kind
        bug = spec.bugs.get(key)
        out.append(pytest.param(spec, i, id=f"{spec.id}-{key}",
                                marks=[pytest.mark.xfail(strict=True, reason=bug)] if bug else []))
    return out


def _cast(arrays, dtype):
    return [a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in arrays]


def _fns(spec):
    return (lambda *xs: spec.fn(F, *xs)), (lambda *xs: spec.fn(_torch().nn.functional, *xs))


def _torch():
    return sys.modules["torch"]


ACTIVE = active(F)     # rows for torch names ember does not have yet wait until it has them
DETERMINISTIC = [s for s in ACTIVE if s.random is None]
SAMPLES = [(s, i) for s in DETERMINISTIC for i in range(len(s.samples))]


@pytest.mark.parametrize("spec,i", _params("forward", SAMPLES))
def test_forward_and_grad(torch, spec, i):
    """float32: values, dtype, shape, and the gradients of the float inputs under a random cotangent."""
    arrays = list(spec.samples[i])
    fe, ft = _fns(spec)
    out, _ = check(torch, fe, ft, arrays, spec.rtol, spec.atol, grad=spec.grad,
                   grad_rtol=max(spec.rtol, 1e-4),
                   grad_atol=max(spec.atol, 1e-5), requires_grad=requires_grad(spec, arrays), seed=i,
                   path=f"{spec.id}-{i}")
    assert not isinstance(out, Exception), f"torch refuses sample {i} ({out!r}): bad input goes in `errors`"


@pytest.mark.parametrize("spec,i", _params("float64", [(s, i) for s, i in SAMPLES if s.f64]))
def test_float64(torch, spec, i):
    """float64: values to 1e-9 relative, gradients to 1e-8 (or the row's grad_rtol64)."""
    arrays = _cast(spec.samples[i], np.float64)
    fe, ft = _fns(spec)
    out, _ = check(torch, fe, ft, arrays, 1e-9, 1e-11, grad=spec.grad, grad_rtol=spec.grad_rtol64,
                   grad_atol=1e-10,
                   requires_grad=requires_grad(spec, arrays), seed=i, path=f"{spec.id}-{i} float64")
    assert not isinstance(out, Exception), f"torch refuses sample {i} ({out!r}): bad input goes in `errors`"


@pytest.mark.parametrize("spec,i", _params("int64", [(s, i) for s, i in SAMPLES if s.ints]))
def test_integer_input(torch, spec, i):
    """Float inputs as int64 (x3, rounded): the same values and dtype, or torch's exception type."""
    arrays = [np.asarray(np.round(a * 3), dtype=np.int64) if a.dtype.kind == "f" else a
              for a in spec.samples[i]]
    fe, ft = _fns(spec)
    check(torch, fe, ft, arrays, grad=False, exc="runtime", path=f"{spec.id}-{i} int64")


@pytest.mark.parametrize("spec,i", _params("gradgrad", [(s, i) for s, i in SAMPLES if s.gradgrad]))
def test_double_backward(torch, spec, i):
    arrays = _cast(spec.samples[i], np.float64)
    fe, ft = _fns(spec)
    check_gradgrad(torch, fe, ft, arrays, 1e-8, 1e-10, seed=i, requires_grad=requires_grad(spec, arrays),
                   path=f"{spec.id}-{i}")


GRADCHECK = [(s, None) for s in DETERMINISTIC if s.grad and s.gradcheck]


@pytest.mark.parametrize("spec,i", _params("gradcheck", GRADCHECK))
def test_gradcheck_float64(spec, i):
    arrays = spec.samples[0]
    rg = requires_grad(spec, arrays)
    xs = [ember.tensor(a.astype(np.float64) if a.dtype.kind == "f" else a, requires_grad=r)
          for a, r in zip(arrays, rg)]
    outs = flatten(spec.fn(F, *xs))
    keep = [k for k, o in enumerate(outs) if isinstance(o, ember.Tensor) and o.requires_grad]

    def f(*ys):
        outs = flatten(spec.fn(F, *ys))
        return tuple(outs[k] for k in keep)
    assert gradcheck(f, xs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True)


RANDOM = [(s, i) for s in ACTIVE if s.random is not None for i in range(len(s.samples))]


def _structure(out):
    return [(tuple(o.shape), str(o.dtype), o.requires_grad) for o in flatten(out)]


@pytest.mark.parametrize("spec,i", _params("random", RANDOM))
def test_random_function(torch, spec, i):
    """torch gives the structure; the row's invariant checks ember's values and gradients."""
    arrays = list(spec.samples[i])
    rg = requires_grad(spec, arrays)
    ember.manual_seed(i)
    xt = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, rg)]
    xe = [ember.tensor(a, requires_grad=r) for a, r in zip(arrays, rg)]
    out = spec.fn(F, *xe)
    assert _structure(out) == _structure(spec.fn(torch.nn.functional, *xt))
    cot = np.random.default_rng(i).standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(ember.tensor(cot))
    spec.random(arrays, to_numpy(out), [to_numpy(x.grad) if x.grad is not None else None for x in xe], cot)


ERRORS = [(s, k) for s in ACTIVE for k in range(len(s.errors))]


@pytest.mark.parametrize("spec,i", _params("error", ERRORS))
def test_bad_input(torch, spec, i):
    """torch refuses the input; ember raises the same exception type (or a subclass)."""
    raises_like(torch, lambda L: spec.errors[i](L.nn.functional), path=f"{spec.id} error {i}")


def test_table_covers_every_function(torch):
    names = {n for n in F.__all__ if hasattr(torch.nn.functional, n)}
    covered = {s.name for s in SPECS}
    assert not covered & set(EXCLUDED), "a name is both excluded and in the table"
    missing = names - covered - set(EXCLUDED)
    assert not missing, f"F.__all__ names with no row in tests/nn/fdb.py (nor in EXCLUDED): {sorted(missing)}"
    ahead = covered - set(F.__all__)     # rows waiting for ember: names torch has
    assert all(hasattr(torch.nn.functional, n) for n in ahead), f"rows for names torch lacks: {sorted(ahead)}"
