"""`ember.testing.assert_close`: torch.testing's comparison with dtype-based default tolerances."""
from __future__ import annotations

import numpy as np

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# torch's defaults (rtol, atol) per dtype; integers and bools compare exactly
_TOL = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
        np.dtype(np.float64): (1e-7, 1e-7)}


def _as_array(x):
    if hasattr(x, "_data"):
        return x._data, True
    return np.asarray(x), False


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless actual and expected (tensors, numbers or nested sequences/mappings of
    them) have equal shapes (and dtypes) and |actual - expected| <= atol + rtol * |expected| everywhere."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {'rtol' if rtol is None else 'atol'}.")
    if isinstance(actual, dict) and isinstance(expected, dict):
        if actual.keys() != expected.keys():
            raise AssertionError(f"The keys of the mappings do not match: {sorted(actual)} != {sorted(expected)}")
        for k in actual:
            assert_close(actual[k], expected[k], rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype,
                         msg=msg)
        return
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg)
        return
    a, a_is_t = _as_array(actual)
    e, e_is_t = _as_array(expected)
    if a_is_t != e_is_t and not allow_subclasses:
        raise TypeError(f"Comparing {type(actual).__name__} and {type(expected).__name__} is not supported")
    if a.shape != e.shape:
        sa = actual.shape if a_is_t else a.shape
        se = expected.shape if e_is_t else e.shape
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {sa} != {se}.")
    if check_dtype and a_is_t and e_is_t and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: "
                             f"{actual.dtype} != {expected.dtype}.")
    if rtol is None:
        rt1, at1 = _TOL.get(a.dtype, (0.0, 0.0))
        rt2, at2 = _TOL.get(e.dtype, (0.0, 0.0))
        rtol, atol = max(rt1, rt2), max(at1, at2)
    a64 = a.astype(np.float64) if a.dtype.kind != "c" else a
    e64 = e.astype(np.float64) if e.dtype.kind != "c" else e
    ok = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not ok.all():
        bad = int((~ok).sum())
        diff = np.abs(a64 - e64)
        diff = np.where(np.isnan(diff), np.inf, diff)
        idx = np.unravel_index(int(np.argmax(np.where(ok, -1, diff))), a.shape) if a.ndim else ()
        rel = diff / np.maximum(np.abs(e64), np.finfo(np.float64).tiny)
        kind = "Scalars" if a.ndim == 0 else "Tensor-likes"
        verb = "equal" if rtol == 0 and atol == 0 else "close"
        raise AssertionError(msg or (
            f"{kind} are not {verb}!\n\nMismatched elements: {bad} / {a.size} ({100.0 * bad / max(a.size, 1):.1f}%)\n"
            f"Greatest absolute difference: {diff.max()} at index {idx} (up to {atol} allowed)\n"
            f"Greatest relative difference: {rel.max()} (up to {rtol} allowed)"))


# assert_allclose's own defaults (looser than assert_close's for float32)
_ALLCLOSE_TOL = {np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (1e-4, 1e-5),
                 np.dtype(np.float64): (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated: assert_close without the dtype check, looser float tolerances, and non-tensors converted
    (`expected` to `actual`'s dtype). Matches `torch.testing.assert_allclose` and its FutureWarning."""
    import warnings
    from ._creation import tensor
    from ._tensor_base import TensorBase
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a "
                  "future release. Please use `torch.testing.assert_close()` instead. You can find detailed "
                  "upgrade instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning,
                  stacklevel=2)
    if not isinstance(actual, TensorBase):
        actual = tensor(actual)
    if not isinstance(expected, TensorBase):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        r1, a1 = _ALLCLOSE_TOL.get(actual._data.dtype, (0.0, 0.0))
        r2, a2 = _ALLCLOSE_TOL.get(expected._data.dtype, (0.0, 0.0))
        rtol, atol = max(r1, r2), max(a1, a2)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False,
                 msg=msg or None)


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of the given shape and dtype filled with uniform values in [low, high) (from ember's RNG)."""
    from . import _dtype as D
    from .random import _gen
    from ._tensor_base import _wrap
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    npdt = dtype.np
    g = _gen(None)
    if npdt.kind == "b":
        arr = g.integers(0, 2, size=shape).astype(bool)
    elif npdt.kind in "iu":
        lo = -9 if low is None else int(np.ceil(low))
        hi = 10 if high is None else int(np.ceil(high))
        if npdt.kind == "u":
            lo = max(lo, 0)
        arr = g.integers(lo, hi, size=shape).astype(npdt)
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        arr = g.uniform(lo, hi, size=shape).astype(npdt)
    if exclude_zero:
        arr[arr == 0] = 1 if npdt.kind != "f" else np.finfo(npdt).tiny
    t = _wrap(arr)
    if requires_grad:
        if not D._FROM_NP[np.dtype(npdt)].is_floating_point:
            raise ValueError("make_tensor: requires_grad=True needs a floating point dtype")
        t.requires_grad_(True)
    return t
