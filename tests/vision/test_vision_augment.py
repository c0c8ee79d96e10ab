"""Point / histogram ops used by AutoAugment-style policies (posterize, solarize, sharpness, autocontrast,
equalize, gamma), checked against torchvision's tensor algorithms written out with torch primitives,
and the policy transforms themselves (shapes, dtypes, determinism under a seed, inputs kinds)."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F

R = np.random.default_rng(0)
U8 = R.integers(0, 256, size=(2, 3, 9, 11), dtype=np.uint8)
U8[1, 2] = 77                                    # a flat channel (autocontrast / equalize edge cases)
U8[0, 1, :, :5] = 200                            # a dominant value
FL = R.random((3, 9, 11)).astype(np.float32)


def _ref_sharpness(torch, x, factor):
    img = torch.tensor(x)
    fl = img.float() if not img.is_floating_point() else img
    k = torch.ones(3, 3)
    k[1, 1] = 5.0
    k = (k / k.sum()).expand(fl.shape[-3], 1, 3, 3)
    blurred = torch.nn.functional.conv2d(fl.reshape(-1, *fl.shape[-3:]), k, groups=fl.shape[-3]).reshape(
        *fl.shape[:-2], fl.shape[-2] - 2, fl.shape[-1] - 2)
    if not img.is_floating_point():
        blurred = blurred.round()
    deg = img.clone()
    deg[..., 1:-1, 1:-1] = blurred.to(img.dtype)
    bound = 255.0 if not img.is_floating_point() else 1.0
    return (factor * img + (1.0 - factor) * deg.float()).clamp(0, bound).to(img.dtype).numpy()


def _ref_autocontrast(torch, x):
    img = torch.tensor(x)
    bound = 255.0 if not img.is_floating_point() else 1.0
    ft = img.dtype if img.is_floating_point() else torch.float32
    lo = img.amin(dim=(-2, -1), keepdim=True).to(ft)
    hi = img.amax(dim=(-2, -1), keepdim=True).to(ft)
    scale = bound / (hi - lo)
    bad = ~torch.isfinite(scale)
    lo[bad] = 0
    scale[bad] = 1
    return ((img - lo) * scale).clamp(0, bound).to(img.dtype).numpy()


def _ref_equalize(x):
    """PIL's ImageOps.equalize rule, one channel at a time (plain loops: a reference, not fast)."""
    out = x.copy()
    flat = out.reshape(-1, x.shape[-2], x.shape[-1])
    for c in range(flat.shape[0]):
        ch = flat[c]
        hist = np.bincount(ch.ravel(), minlength=256)
        nz = hist[hist != 0]
        step = nz[:-1].sum() // 255
        if step == 0:
            continue
        lut = (np.cumsum(hist) + step // 2) // step
        lut = np.concatenate([[0], lut[:-1]]).clip(0, 255)
        flat[c] = lut[ch]
    return out


@pytest.mark.parametrize("bits", [0, 1, 4, 7, 8])
def test_posterize(bits):
    out = F.posterize(ember.tensor(U8), bits).numpy()
    mask = (256 - 2 ** (8 - bits)) % 256 if bits < 8 else 255
    np.testing.assert_array_equal(out, U8 & np.uint8(mask))


@pytest.mark.parametrize("x,th", [(U8, 128), (U8, 0), (FL, 0.5)])
def test_solarize(x, th):
    out = F.solarize(ember.tensor(x), th).numpy()
    bound = 255 if x.dtype == np.uint8 else 1.0
    np.testing.assert_array_equal(out, np.where(x >= th, (bound - x).astype(x.dtype), x))


@pytest.mark.parametrize("x,factor", [(U8, 0.0), (U8, 0.3), (U8, 1.7), (FL, 2.0), (FL[:, :2], 0.5)])
def test_adjust_sharpness(x, factor, torch):
    out = F.adjust_sharpness(ember.tensor(x), factor).numpy()
    ref = x if min(x.shape[-2:]) <= 2 else _ref_sharpness(torch, x, factor)
    if x.dtype == np.uint8:
        assert np.abs(out.astype(int) - ref.astype(int)).max() <= 1   # float rounding at .5 boundaries
        assert (out != ref).mean() < 0.01
    else:
        np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("x", [U8, FL])
def test_autocontrast(x, torch):
    out = F.autocontrast(ember.tensor(x)).numpy()
    ref = _ref_autocontrast(torch, x)
    if x.dtype == np.uint8:
        assert np.abs(out.astype(int) - ref.astype(int)).max() <= 1 and (out != ref).mean() < 0.01
    else:
        np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)


def test_equalize_matches_pil_rule():
    np.testing.assert_array_equal(F.equalize(ember.tensor(U8)).numpy(), _ref_equalize(U8))
    hwc = U8[0].transpose(1, 2, 0).copy()
    np.testing.assert_array_equal(F.equalize(hwc), _ref_equalize(U8[0]).transpose(1, 2, 0))
    with pytest.raises(TypeError):
        F.equalize(ember.tensor(FL))


@pytest.mark.parametrize("x,gamma,gain", [(U8, 0.5, 1.0), (U8, 2.2, 1.3), (FL, 0.7, 0.9)])
def test_adjust_gamma(x, gamma, gain, torch):
    out = F.adjust_gamma(ember.tensor(x), gamma, gain).numpy()
    t = torch.tensor(x)
    f = t.float() / 255 if x.dtype == np.uint8 else t
    r = (gain * f ** gamma).clamp(0, 1)
    ref = (r * (255 + 1.0 - 1e-3)).to(torch.uint8).numpy() if x.dtype == np.uint8 else r.numpy()
    np.testing.assert_allclose(out.astype(np.float64), ref.astype(np.float64), atol=1 if x.dtype == np.uint8 else 1e-6)


def test_errors():
    with pytest.raises(ValueError):
        F.posterize(ember.tensor(U8), 9)
    with pytest.raises(TypeError):
        F.posterize(ember.tensor(FL), 3)
    with pytest.raises(TypeError):
        F.solarize(ember.tensor(FL), 2.0)
    with pytest.raises(ValueError):
        F.adjust_sharpness(ember.tensor(U8), -1)
    with pytest.raises(ValueError):
        F.adjust_gamma(ember.tensor(U8), -1)
    with pytest.raises(ValueError):
        T.AutoAugment("nope")


@pytest.mark.parametrize("make", [
    lambda: T.AutoAugment(), lambda: T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
    lambda: T.AutoAugment(T.AutoAugmentPolicy.SVHN, fill=0), lambda: T.RandAugment(num_ops=3),
    lambda: T.TrivialAugmentWide(), lambda: T.RandomPosterize(2, p=1.0), lambda: T.RandomSolarize(100, p=1.0),
    lambda: T.RandomAdjustSharpness(2.0, p=1.0), lambda: T.RandomAutocontrast(p=1.0), lambda: T.RandomEqualize(p=1.0),
])
def test_policies_run_and_are_seeded(make):
    t = make()
    x = ember.tensor(U8[0])
    outs = []
    for _ in range(2):
        ember.manual_seed(3)
        outs.append([t(x).numpy() for _ in range(12)])
    for a, b in zip(*outs):
        assert a.shape == (3, 9, 11) and a.dtype == np.uint8
        np.testing.assert_array_equal(a, b)
    hwc = t(U8[0].transpose(1, 2, 0).copy())
    assert isinstance(hwc, np.ndarray) and hwc.shape == (9, 11, 3)
    assert repr(t).startswith(type(t).__name__)


def test_autoaugment_in_a_cifar_pipeline():
    pipe = T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
                      T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))])
    ember.manual_seed(0)
    out = [pipe(U8[0].transpose(1, 2, 0).copy()) for _ in range(20)]
    assert all(o.shape == (3, 8, 8) and o.dtype == ember.float32 for o in out)
