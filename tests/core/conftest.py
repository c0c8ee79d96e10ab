"""Helpers for the core tests: run one lambda through torch and ember and compare the results."""
from __future__ import annotations

import numpy as np
import pytest

import ember


def _to_np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def assert_same(e, t, rtol=1e-5, atol=1e-6, path="result"):
    """ember result `e` equals torch result `t`: tensors by dtype, shape and values; containers item-wise."""
    tname = type(t).__name__
    if tname in ("Tensor", "Parameter"):
        assert isinstance(e, ember.Tensor), f"{path}: expected a Tensor, got {type(e).__name__}"
        assert repr(e.dtype) == repr(t.dtype), f"{path}: dtype {e.dtype} != {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        assert e.requires_grad == t.requires_grad, f"{path}: requires_grad {e.requires_grad} != {t.requires_grad}"
        ea, ta = _to_np(e), _to_np(t)
        if ta.dtype.kind == "f":
            np.testing.assert_allclose(ea, ta, rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(ea, ta, err_msg=path)
    elif tname == "Size":
        assert type(e).__name__ == "Size" and tuple(e) == tuple(t), f"{path}: {e!r} != {t!r}"
    elif tname == "dtype":
        assert repr(e) == repr(t), f"{path}: {e!r} != {t!r}"
    elif isinstance(t, (tuple, list)):
        assert type(e) is type(t) and len(e) == len(t), f"{path}: {type(e).__name__}/{e!r} vs {type(t).__name__}/{t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, rtol, atol, f"{path}[{i}]")
    elif isinstance(t, float):
        assert type(e) is float, f"{path}: {type(e).__name__} != float"
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, err_msg=path)
    elif t is None or isinstance(t, (bool, int, str)):
        assert type(e) is type(t) and e == t, f"{path}: {e!r} != {t!r}"
    else:
        assert e == t, f"{path}: {e!r} != {t!r}"


def run_both(f, torch, rtol=1e-5, atol=1e-6):
    """f(lib) for lib in (torch, ember): same results, or the same exception type (ember's may subclass)."""
    try:
        want = f(torch)
    except Exception as exc:   # noqa: BLE001 - the oracle's exception type is the expectation
        with pytest.raises(type(exc)):
            f(ember)
        return exc
    got = f(ember)
    assert_same(got, want, rtol, atol)
    return want


@pytest.fixture
def same(torch):
    def check(f, rtol=1e-5, atol=1e-6):
        return run_both(f, torch, rtol, atol)
    return check
