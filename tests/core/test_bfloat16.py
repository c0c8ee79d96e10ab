"""torch.bfloat16 exists in ember (scripts name it) but ember stores no bfloat16 tensors: every attempt to make
one is a clear TypeError, and the dtype's properties, promotion and finfo equal torch's."""
from __future__ import annotations

import pytest

import ember


def test_dtype_properties_match_torch(torch):
    e, t = ember.bfloat16, torch.bfloat16
    assert repr(e) == repr(t) == "torch.bfloat16"
    assert (e.is_floating_point, e.is_signed, e.itemsize, e.is_complex) == (
        t.is_floating_point, t.is_signed, t.itemsize, t.is_complex)
    fe, ft = ember.finfo(e), torch.finfo(t)
    for k in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(fe, k) == pytest.approx(getattr(ft, k), rel=1e-7), k
    for other in ("float16", "float32", "float64", "int64", "bool", "bfloat16"):
        assert repr(ember.promote_types(e, getattr(ember, other))) == repr(torch.promote_types(t, getattr(torch, other)))
    assert ember.bfloat16 is ember._dtype.to_dtype("torch.bfloat16", names=True)


@pytest.mark.parametrize("make", [
    lambda: ember.zeros(2, dtype=ember.bfloat16),
    lambda: ember.tensor([1.0], dtype=ember.bfloat16),
    lambda: ember.ones(2).to(ember.bfloat16),
    lambda: ember.ones(2).to(dtype=ember.bfloat16),
    lambda: ember.ones(2).type(ember.bfloat16),
    lambda: ember.arange(3, dtype=ember.bfloat16),
], ids=["zeros", "tensor", "to", "to_kw", "type", "arange"])
def test_making_a_bfloat16_tensor_is_a_clear_error(make):
    with pytest.raises(TypeError, match="ember does not implement bfloat16 tensors"):
        make()


def test_scripts_that_only_mention_bfloat16_run():
    with ember.autocast(device_type="cpu", dtype=ember.bfloat16, enabled=False):
        y = ember.ones(2) * 2
    assert y.dtype is ember.float32
    with pytest.raises(AttributeError):
        ember.bfloat16.name = "x"          # shared dtype objects are immutable
