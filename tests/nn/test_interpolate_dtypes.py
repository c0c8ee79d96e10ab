"""F.interpolate on integer input (issue 16): uint8 bilinear is torch's fixed-point kernel (weights scaled to
16-bit integers, rounded, clamped), exactly; the modes torch has no integer kernel for raise its
NotImplementedError."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import run_both

SIZES = [(7, 9), (2, 3), (4, 5), (13, 3), (8, 10), (3, 12), (4, 2), (9, 5)]


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("channels", [3, 6])  # torch takes another code path above 4 channels
def test_uint8_bilinear_matches_torch(align_corners, antialias, size, channels, torch):
    x = np.random.default_rng(channels).integers(0, 256, (2, channels, 4, 5)).astype(np.uint8)
    run_both(
        torch,
        lambda L: L.nn.functional.interpolate(
            L.tensor(x), size=size, mode="bilinear", align_corners=align_corners, antialias=antialias
        ),
        atol=0,
        rtol=0,
    )


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("scale", [1.5, 2.0, 0.5, 0.3, 3.0])
def test_uint8_bilinear_scale_factor(scale, antialias, torch):
    x = np.random.default_rng(1).integers(0, 256, (1, 2, 12, 7)).astype(np.uint8)
    run_both(torch, lambda L: L.nn.functional.interpolate(L.tensor(x), scale_factor=scale, mode="bilinear",
                                                          antialias=antialias), atol=0, rtol=0)


def test_uint8_bilinear_is_not_zero(torch):
    """The issue's example: a uint8 image resized bilinearly keeps its values (it was all zeros)."""
    import ember

    x = ember.full((1, 1, 2, 2), 200, dtype=ember.uint8)
    assert ember.nn.functional.interpolate(x, size=(4, 4), mode="bilinear").unique().tolist() == [200]


MODES = [
    ("linear", (1, 1, 4)),
    ("bilinear", (1, 1, 4, 4)),
    ("bicubic", (1, 1, 4, 4)),
    ("trilinear", (1, 1, 2, 2, 2)),
    ("area", (1, 1, 4, 4)),
    ("nearest", (1, 1, 4, 4)),
    ("nearest-exact", (1, 1, 4, 4)),
]
# uint8 bicubic: torch has a kernel, ember refuses it clearly (test below)
INTEGER_CASES = [
    (m, s, d)
    for m, s in MODES
    for d in ("uint8", "int64", "int32", "bool")
    if not (m == "bicubic" and d == "uint8")
]


@pytest.mark.parametrize("mode,shape,dtype", INTEGER_CASES, ids=[f"{m}-{d}" for m, _, d in INTEGER_CASES])
def test_integer_modes(mode, shape, dtype, torch):
    run_both(
        torch,
        lambda L: L.nn.functional.interpolate(
            L.ones(shape, dtype=getattr(L, dtype)), scale_factor=2, mode=mode
        ),
    )


def test_uint8_bicubic_refused_clearly():
    import ember

    with pytest.raises(NotImplementedError, match="bicubic"):
        ember.nn.functional.interpolate(
            ember.ones(1, 1, 4, 4, dtype=ember.uint8), scale_factor=2, mode="bicubic"
        )
