"""F.pad with negative padding in reflect, replicate and circular modes (issue 16): a negative pad crops that
side, the other side is padded as torch pads it (circular: after the crop); values, gradients and errors
against torch."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import check, run_both

PADS_1D = [(-1, 2), (2, -1), (-2, -2), (-1, 0), (1, -3), (-3, 3), (3, -3), (-4, 1)]
PADS_2D = [(-1, 1, 1, -1), (1, -1, -1, 2), (0, -2, -1, 0)]
WRAPS_TWICE = [(-3, 3), (3, -3)]  # a circular pad longer than what the crop leaves


CROPS = [
    (m, p)
    for m in ("reflect", "replicate", "circular")
    for p in PADS_1D + PADS_2D
    if not (m == "circular" and p in WRAPS_TWICE)
]  # those: test_circular_wrapping_twice_is_refused


@pytest.mark.parametrize("mode,pad", CROPS, ids=[f"{m}-{p}" for m, p in CROPS])
def test_negative_padding_crops(mode, pad, torch):
    import ember

    shape = (2, 3, 5) if len(pad) == 2 else (2, 3, 4, 5)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    check(
        torch,
        lambda t: ember.nn.functional.pad(t, pad, mode=mode),
        lambda t: torch.nn.functional.pad(t, pad, mode=mode),
        [x],
        path=f"{mode} {pad}",
    )


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
@pytest.mark.parametrize("pad", [(-5, 0), (-2, -3), (0, -5), (-6, 1), (0, -6)], ids=str)
def test_padding_that_crops_everything(mode, pad, torch):
    run_both(
        torch,
        lambda L: L.nn.functional.pad(L.arange(5.0).reshape(1, 1, 5), pad, mode=mode),
        path=f"{mode} {pad}",
    )


@pytest.mark.parametrize("pad", WRAPS_TWICE, ids=str)
def test_circular_wrapping_twice_is_refused(pad, torch):
    """torch refuses these for one plane but, for batched input, returns values wrapped twice or read from
    uninitialised memory (e.g. 1e-26 for (3, -3) on a (2, 3, 5) input): ember refuses them always."""
    import ember

    raises = pytest.raises(RuntimeError)
    run_both(torch, lambda L: L.nn.functional.pad(L.arange(5.0).reshape(1, 1, 5), pad, mode="circular"))
    with raises:
        ember.nn.functional.pad(ember.ones(2, 3, 5), pad, mode="circular")
