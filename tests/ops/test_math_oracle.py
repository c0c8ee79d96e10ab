"""Differential tests of the math ops against torch, driven by the OpSpec table in opdb_math.py:
forward values, result dtypes and shapes (float32, float64 at rtol 1e-10, and int64/bool where the row
says so), input
gradients with a random cotangent, and float64 gradcheck (no torch needed)."""
from __future__ import annotations

import os
import sys
import zlib

import numpy as np
import pytest

import ember

sys.path.insert(0, os.path.dirname(__file__))
from opdb_math import OPS, as_dtype
from oracle import check, check_gradgrad, flatten


def _cases(spec, rng):
    return spec.samples(rng)


def _first(out):
    return flatten(out)[0]


IDS = [s.name for s in OPS]


@pytest.mark.parametrize("spec", OPS, ids=IDS)
def test_forward_and_grad(spec, torch):
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    fn_t = spec.torch_fn or spec.fn

    def fe(*xs):
        return spec.fn(ember, *xs)

    def ft(*xs):
        return fn_t(torch, *xs)

    for i, arrays in enumerate(_cases(spec, rng)):
        dtypes = ["float32", "float64"] + (["int64", "bool"] if spec.int_ok else [])
        for dt in dtypes:
            rtol, atol = (spec.rtol64, 1e-12) if dt == "float64" else (spec.rtol, spec.atol)
            where = f"{spec.name} sample {i} {dt}"
            data = [np.array(as_dtype(a, dt)) for a in arrays]
            out, _ = check(torch, fe, ft, data, rtol, atol, grad=False, path=where)
            if isinstance(out, Exception):
                # torch refuses this dtype (and ember raised the same exception type)
                assert dt in ("int64", "bool") and isinstance(out, (RuntimeError, NotImplementedError, TypeError)), \
                    f"{where}: the oracle itself fails: {out!r}"
        if spec.grad:
            # gradients with a random cotangent (not .sum(), which seeds all ones)
            check(torch, fe, ft, [np.array(a, np.float32) for a in arrays], spec.rtol, spec.atol,
                  grad_rtol=max(spec.rtol, 1e-4), grad_atol=max(spec.atol, 1e-5), seed=i,
                  path=f"{spec.name} sample {i} grad")


GRADCHECK = [s for s in OPS if s.grad and s.gradcheck]


@pytest.mark.parametrize("spec", GRADCHECK, ids=[s.name for s in GRADCHECK])
def test_gradcheck_float64(spec):
    rng = np.random.default_rng(1 + zlib.crc32(spec.name.encode()))
    arrays = _cases(spec, rng)[0]
    inputs = [ember.tensor(a, dtype=ember.float64, requires_grad=True) for a in arrays]

    def f(*xs):
        return _first(spec.fn(ember, *xs))

    assert ember.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


GRADGRAD = [s for s in OPS if s.gradgrad]


@pytest.mark.parametrize("spec", GRADGRAD, ids=[s.name for s in GRADGRAD])
def test_double_backward(spec, torch):
    rng = np.random.default_rng(2 + zlib.crc32(spec.name.encode()))
    fn_t = spec.torch_fn or spec.fn
    for i, arrays in enumerate(_cases(spec, rng)):
        check_gradgrad(torch, lambda *xs: spec.fn(ember, *xs), lambda *xs: fn_t(torch, *xs), list(arrays),
                       1e-8, 1e-10, seed=i, path=f"{spec.name} sample {i}")
