"""F.affine_grid / F.grid_sample (spatial transformer) vs torch: values and gradients of input, grid and theta."""
from __future__ import annotations

import numpy as np
import pytest

import ember

_rng = np.random.default_rng(0)
_X = _rng.standard_normal((2, 3, 5, 7)).astype(np.float32)
_TH = np.array([[[0.9, 0.3, 0.1], [-0.2, 1.1, 0.05]], [[1.4, -0.5, 0.3], [0.6, 0.8, -0.4]]], np.float32)
_G = _rng.random((2, 4, 6, 2)).astype(np.float32) * 3 - 1.5


def _run(lib, mode, padding_mode, align_corners, use_affine):
    F = lib.nn.functional
    x = lib.tensor(_X, requires_grad=True)
    if use_affine:
        src = lib.tensor(_TH, requires_grad=True)
        grid = F.affine_grid(src, (2, 3, 4, 6), align_corners=align_corners)
    else:
        src = grid = lib.tensor(_G, requires_grad=True)
    y = F.grid_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    w = lib.tensor(np.linspace(-1, 1, y.numel(), dtype=np.float32).reshape(tuple(y.shape)))
    (y * w).sum().backward()
    return [y.detach().numpy(), x.grad.numpy(), src.grad.numpy(), grid.detach().numpy()]


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("use_affine", [False, True])
def test_grid_sample_matches_torch(torch, mode, padding_mode, align_corners, use_affine):
    t = _run(torch, mode, padding_mode, align_corners, use_affine)
    e = _run(ember, mode, padding_mode, align_corners, use_affine)
    for a, b in zip(t, e):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("n", [1, 2, 7, 28, 99])
@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_affine_grid_is_bit_exact(torch, n, align_corners):
    t = torch.nn.functional.affine_grid(torch.eye(2, 3)[None], (1, 1, n, n + 1), align_corners=align_corners)
    e = ember.nn.functional.affine_grid(ember.tensor(np.eye(2, 3, dtype=np.float32)[None]), (1, 1, n, n + 1),
                                        align_corners=align_corners)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_identity_sampling_reproduces_input():
    x = ember.tensor(_X)
    grid = ember.nn.functional.affine_grid(ember.tensor(np.tile(np.eye(2, 3, dtype=np.float32), (2, 1, 1))),
                                           (2, 3, 5, 7), align_corners=False)
    np.testing.assert_allclose(ember.nn.functional.grid_sample(x, grid, align_corners=False).numpy(), _X, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.grid_sample(lib.ones(1, 1, 3, 3), lib.zeros(1, 2, 2, 2), mode="cubic"),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(1, 1, 3, 3), lib.zeros(1, 2, 2, 2), padding_mode="wrap"),
    lambda lib: lib.nn.functional.affine_grid(lib.zeros(2, 2, 3), (1, 1, 3, 3), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(1, 1, 3, 3, dtype=lib.long),
                                              lib.zeros(1, 2, 2, 2, dtype=lib.long), align_corners=False),
])
def test_grid_sample_errors_match_torch(torch, call):
    types = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            call(lib)
        types.append(type(info.value))
    assert types[1] is types[0]
