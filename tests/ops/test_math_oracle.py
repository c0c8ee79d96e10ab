"""Differential tests of the math ops against torch, driven by the OpSpec table in opdb_math.py:
forward values, result dtypes and shapes (float32, float64 at rtol 1e-10, and int64/bool where the row
says so), input
gradients with a random cotangent, and float64 gradcheck (no torch needed)."""
from __future__ import annotations

import os
import zlib
import sys

import numpy as np
import pytest

import ember

sys.path.insert(0, os.path.dirname(__file__))
from opdb_math import OPS  # noqa: E402


def _cases(spec, rng):
    return spec.samples(rng)


def _as_dtype(a, dtype):
    if dtype == "float32":
        return a.astype(np.float32)
    if dtype == "float64":
        return a
    if dtype == "int64":
        return np.round(a * 3).astype(np.int64)
    return a > 0


def _flat(out):
    """Outputs as a flat list of tensors (named tuples / tuples / bools unpacked)."""
    if isinstance(out, (tuple, list)):
        r = []
        for o in out:
            r += _flat(o)
        return r
    return [out]


def _to_np(t, torch):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    if isinstance(t, ember.Tensor):
        return t.detach().numpy()
    return np.asarray(t)


def _check_same(e_out, t_out, torch, spec, where, f64=False):
    ef, tf = _flat(e_out), _flat(t_out)
    assert len(ef) == len(tf), f"{where}: {len(ef)} outputs vs torch {len(tf)}"
    for k, (e, t) in enumerate(zip(ef, tf)):
        if isinstance(t, torch.Tensor):
            assert isinstance(e, ember.Tensor), f"{where}[{k}]: got {type(e)}"
            assert str(e.dtype) == str(t.dtype), f"{where}[{k}]: dtype {e.dtype} vs torch {t.dtype}"
            assert tuple(e.shape) == tuple(t.shape), f"{where}[{k}]: shape {tuple(e.shape)} vs {tuple(t.shape)}"
        en, tn = _to_np(e, torch), _to_np(t, torch)
        if tn.dtype.kind == "f":
            rtol, atol = (spec.rtol64, 1e-12) if f64 else (spec.rtol, spec.atol)
            np.testing.assert_allclose(en, tn, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(en, tn, err_msg=where)


def _first(out):
    return _flat(out)[0]


IDS = [s.name for s in OPS]


@pytest.mark.parametrize("spec", OPS, ids=IDS)
def test_forward_and_grad(spec, torch):
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    for i, arrays in enumerate(_cases(spec, rng)):
        dtypes = ["float32", "float64"] + (["int64", "bool"] if spec.int_ok else [])
        for dt in dtypes:
            data = [_as_dtype(a, dt) for a in arrays]
            fn_t = spec.torch_fn or spec.fn
            try:
                t_out = fn_t(torch, *[torch.from_numpy(np.array(a)) for a in data])
            except (RuntimeError, NotImplementedError, TypeError) as err:
                # torch refuses this dtype: ember must refuse it with the same exception type
                assert dt in ("int64", "bool"), f"{spec.name}: the oracle itself fails on {dt}: {err}"
                with pytest.raises(type(err)):
                    spec.fn(ember, *[ember.from_numpy(np.array(a)) for a in data])
                continue
            e_out = spec.fn(ember, *[ember.from_numpy(np.array(a)) for a in data])
            _check_same(e_out, t_out, torch, spec, f"{spec.name} sample {i} {dt}", f64=dt == "float64")
        if not spec.grad:
            continue
        # gradients with a random cotangent (not .sum(), which seeds all ones)
        data = [a.astype(np.float32) for a in arrays]
        te = [torch.tensor(a, requires_grad=True) for a in data]
        ee = [ember.tensor(a, requires_grad=True) for a in data]
        to = _first(spec.fn(torch, *te) if spec.torch_fn is None else spec.torch_fn(torch, *te))
        eo = _first(spec.fn(ember, *ee))
        if not to.requires_grad:
            assert not eo.requires_grad, f"{spec.name}: ember output requires grad, torch's does not"
            continue
        assert eo.requires_grad, f"{spec.name}: output does not require grad"
        u = rng.standard_normal(tuple(to.shape)).astype(np.float32)
        tg = torch.autograd.grad(to, te, torch.from_numpy(u), allow_unused=True)
        eg = ember.autograd.grad(eo, ee, ember.from_numpy(u.copy()), allow_unused=True)
        for k, (a, b) in enumerate(zip(eg, tg)):
            an = np.zeros(data[k].shape, np.float32) if a is None else a.numpy()
            bn = np.zeros(data[k].shape, np.float32) if b is None else b.numpy(force=True)
            assert an.shape == bn.shape, f"{spec.name} grad {k}: shape {an.shape} vs {bn.shape}"
            assert an.dtype == bn.dtype, f"{spec.name} grad {k}: dtype {an.dtype} vs {bn.dtype}"
            np.testing.assert_allclose(an, bn, rtol=max(spec.rtol, 1e-4), atol=max(spec.atol, 1e-5),
                                       equal_nan=True, err_msg=f"{spec.name} sample {i} grad {k}")


GRADCHECK = [s for s in OPS if s.grad and s.gradcheck]


@pytest.mark.parametrize("spec", GRADCHECK, ids=[s.name for s in GRADCHECK])
def test_gradcheck_float64(spec):
    rng = np.random.default_rng(1 + zlib.crc32(spec.name.encode()))
    arrays = _cases(spec, rng)[0]
    inputs = [ember.tensor(a, dtype=ember.float64, requires_grad=True) for a in arrays]

    def f(*xs):
        return _first(spec.fn(ember, *xs))

    assert ember.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
