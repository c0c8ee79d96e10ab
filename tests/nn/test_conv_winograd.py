"""Winograd F(2x2, 3x3) convolutions (NOTE [ Winograd ] in ember/_ops/_convolve.py): their float32 rounding
error against a float64 reference must stay at torch's own float32 error (values, input and weight
gradients), and float64 Winograd must equal torch's float64 results."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember._ops import _convolve

from ember_testutil import rand
from oracle import check

# (N, C, H, W, O, padding): every case takes the Winograd path (asserted below); odd and even output
# sizes, padding 0, 1, 2, rectangular images
CASES = [
    (4, 64, 12, 12, 64, 0),
    (3, 64, 9, 11, 96, 1),
    (2, 32, 8, 13, 128, 1),
    (2, 64, 10, 8, 80, 2),
    (5, 128, 8, 8, 128, 1),
]


def _errors(torch, x, w, pad, g):
    """max |float32 result - float64 result| of (output, input gradient, weight gradient), for ember and torch."""
    out = {}
    for lib, dt in ((ember, "float32"), (torch, "float32"), (torch, "float64")):
        xt = lib.tensor(x.astype(dt), requires_grad=True)
        wt = lib.tensor(w.astype(dt), requires_grad=True)
        y = lib.nn.functional.conv2d(xt, wt, padding=pad)
        y.backward(lib.tensor(g.astype(dt)))
        out[(lib.__name__, dt)] = [a.detach().numpy().astype(np.float64) for a in (y, xt.grad, wt.grad)]
    ref = out[("torch", "float64")]
    return ([np.abs(a - r).max() for a, r in zip(out[("ember", "float32")], ref)],
            [np.abs(a - r).max() for a, r in zip(out[("torch", "float32")], ref)], ref)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_winograd_float32_error_is_torchs(torch, rng, case):
    N, C, H, W, O, pad = case
    geo = ((1, 1), (pad, pad), (pad, pad), (1, 1), 1)
    assert _convolve._is_winograd((N, C, H, W), (O, C, 3, 3), geo, np.dtype(np.float32))
    x = rand(rng, N, C, H, W)
    w = rand(rng, O, C, 3, 3) * np.float32(1 / np.sqrt(9 * C))
    g = rand(rng, N, O, H + 2 * pad - 2, W + 2 * pad - 2)
    ember_err, torch_err, ref = _errors(torch, x, w, pad, g)
    for name, e, t, r in zip(("output", "input gradient", "weight gradient"), ember_err, torch_err, ref):
        # within a small factor of torch's own float32 error, and a few float32 ulps of the values' scale
        assert e <= 3 * t + 1e-7 * np.abs(r).max(), f"{name}: ember {e:.2e}, torch {t:.2e}"
        assert e <= 3e-6 * np.abs(r).max(), f"{name}: ember {e:.2e} at scale {np.abs(r).max():.2e}"


@pytest.mark.parametrize("case", CASES[:3], ids=str)
def test_winograd_float64_matches_torch(torch, rng, case):
    N, C, H, W, O, pad = case
    x = rand(rng, N, C, H, W, dtype=np.float64)
    w = rand(rng, O, C, 3, 3, dtype=np.float64)
    b = rand(rng, O, dtype=np.float64)
    check(torch, lambda x, w, b: F.conv2d(x, w, b, padding=pad),
          lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding=pad), [x, w, b], rtol=1e-10, atol=1e-10)


def test_winograd_agrees_with_im2col(rng, monkeypatch):
    # the two algorithms of the engine on the same layer: equal within float32 rounding
    x = ember.tensor(rand(rng, 3, 64, 10, 9), requires_grad=True)
    w = ember.tensor(rand(rng, 64, 64, 3, 3) * np.float32(0.04), requires_grad=True)
    u = ember.tensor(rand(rng, 3, 64, 10, 9))
    results = []
    for use in (True, False):
        if not use:
            monkeypatch.setattr(_convolve, "_is_winograd", lambda *a: False)
        y = F.conv2d(x, w, padding=1)
        (gx, gw) = ember.autograd.grad(y, [x, w], u)
        results.append([t.detach().numpy() for t in (y, gx, gw)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5 * np.abs(b).max())
