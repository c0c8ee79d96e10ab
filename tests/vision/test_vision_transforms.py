"""ember.vision.transforms: torchvision's documented behaviour on hand-computed cases, plus torch's
interpolate/grid_sample as the oracle for the resampling kernels (torchvision itself is not installed)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ember_testutil import require

import ember
from ember.vision import _pil
from ember.vision import transforms as T
from ember.vision import utils as vutils
from ember.vision.transforms import functional as F

Image = require("PIL.Image")


def t(a):
    return ember.from_numpy(np.ascontiguousarray(a))


def kinds(hwc: np.ndarray):
    """The same uint8 image as a PIL image, an HxW(xC) array and a CxHxW tensor."""
    chw = hwc[None] if hwc.ndim == 2 else hwc.transpose(2, 0, 1)
    return {"pil": Image.fromarray(hwc), "ndarray": hwc, "tensor": t(chw)}


def as_hwc(img):
    if isinstance(img, ember.Tensor):
        a = img.numpy()
        return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
    return np.asarray(img)


RGB = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3) * 4


# ----------------------------------------------------------------------------------- conversions
def test_to_tensor_pil_and_arrays():
    for img in (Image.fromarray(RGB), RGB):
        x = T.ToTensor()(img)
        assert x.dtype == ember.float32 and tuple(x.shape) == (3, 4, 5)
        np.testing.assert_array_equal(x.numpy(), RGB.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    g = T.ToTensor()(RGB[:, :, 0])
    assert tuple(g.shape) == (1, 4, 5)
    f = T.ToTensor()(np.ones((2, 2, 1), np.float64))  # non-uint8 arrays keep their dtype, no scaling
    assert f.dtype == ember.float64 and float(f.sum()) == 4.0
    assert T.ToTensor()(Image.fromarray(np.full((2, 2), 0.5, np.float32))).numpy().max() == 0.5  # mode F
    with pytest.raises(TypeError):
        T.ToTensor()([1, 2])


def test_pil_to_tensor_and_back():
    x = T.PILToTensor()(Image.fromarray(RGB))
    assert x.dtype == ember.uint8 and tuple(x.shape) == (3, 4, 5)
    np.testing.assert_array_equal(x.numpy(), RGB.transpose(2, 0, 1))
    img = T.ToPILImage()(x)
    assert img.mode == "RGB" and np.array_equal(np.asarray(img), RGB)
    # float tensors are scaled by 255 and truncated: 0.5 -> 127
    g = T.ToPILImage()(ember.full((1, 2, 2), 0.5))
    assert g.mode == "L" and np.asarray(g)[0, 0] == 127
    assert T.ToPILImage()(np.zeros((2, 2, 4), np.uint8)).mode == "RGBA"
    with pytest.raises(ValueError):
        T.ToPILImage(mode="RGB")(np.zeros((2, 2, 4), np.uint8))


def test_to_pil_image_needs_pillow(monkeypatch):
    monkeypatch.setattr(_pil, "_Image", None)
    with pytest.raises(ImportError, match="pip install Pillow"):
        T.ToPILImage()(ember.zeros(1, 2, 2))


# ----------------------------------------------------------------------------------- normalize
def test_normalize_values_and_errors():
    x = t(np.array([[[0.5, 1.0]], [[0.0, 0.25]]], np.float32))
    y = T.Normalize((0.5, 0.25), (0.5, 0.25))(x)
    np.testing.assert_allclose(y.numpy(), [[[0.0, 1.0]], [[-1.0, 0.0]]])
    assert y.dtype == ember.float32 and x.numpy()[0, 0, 1] == 1.0  # not in place
    T.Normalize((0.5, 0.25), (0.5, 0.25), inplace=True)(x)
    np.testing.assert_allclose(x.numpy(), [[[0.0, 1.0]], [[-1.0, 0.0]]])
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize((0.5,), (0.5,))(ember.zeros(1, 2, 2, dtype=ember.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(ember.zeros(1, 2, 2))
    w = ember.ones(1, 2, 2, requires_grad=True)
    T.Normalize((0.5,), (0.25,))(w).sum().backward()  # differentiable when it needs to be
    np.testing.assert_allclose(w.grad.numpy(), np.full((1, 2, 2), 4.0))
    r = repr(T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]))
    assert r == "Compose(\n    ToTensor()\n    Normalize(mean=(0.1307,), std=(0.3081,))\n)"
    assert T.Lambda(lambda v: v + 1)(1) == 2


# ----------------------------------------------------------------------------------- crop / flip / pad
@pytest.mark.parametrize("kind", ["pil", "ndarray", "tensor"])
def test_crop_center_crop_flips(kind):
    img = kinds(RGB)[kind]
    out = T.CenterCrop((2, 3))(img)
    np.testing.assert_array_equal(as_hwc(out), RGB[1:3, 1:4])
    assert type(out) is type(img)
    # crop beyond the border fills with 0
    np.testing.assert_array_equal(as_hwc(F.crop(img, -1, 3, 2, 3))[1, :2], RGB[0, 3:5])
    assert as_hwc(F.crop(img, -1, 3, 2, 3))[0].sum() == 0
    np.testing.assert_array_equal(as_hwc(T.RandomHorizontalFlip(p=1.0)(img)), RGB[:, ::-1])
    np.testing.assert_array_equal(as_hwc(T.RandomVerticalFlip(p=1.0)(img)), RGB[::-1])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img


def test_center_crop_rounding_and_padding():
    a = np.arange(4, dtype=np.uint8).reshape(1, 4) + 1
    # left = round((4 - 1) / 2) = round(1.5) = 2 (Python rounds half to even)
    assert as_hwc(F.center_crop(a, (1, 1))).tolist() == [[3]]
    big = as_hwc(F.center_crop(np.full((2, 2), 7, np.uint8), 4))
    assert big.tolist() == [[0, 0, 0, 0], [0, 7, 7, 0], [0, 7, 7, 0], [0, 0, 0, 0]]


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("constant", [9, 9, 1, 2, 3, 9, 9]),
        ("edge", [1, 1, 1, 2, 3, 3, 3]),
        ("reflect", [3, 2, 1, 2, 3, 2, 1]),
        ("symmetric", [2, 1, 1, 2, 3, 3, 2]),
    ],
)
@pytest.mark.parametrize("kind", ["pil", "ndarray", "tensor"])
def test_pad_modes(mode, expected, kind):
    img = kinds(np.array([[1, 2, 3]], np.uint8))[kind]
    out = as_hwc(T.Pad((2, 0), fill=9, padding_mode=mode)(img))
    assert out.tolist() == [expected]


def test_pad_formats_and_errors():
    a = np.ones((1, 1), np.uint8)
    assert as_hwc(F.pad(a, 1)).shape == (3, 3)
    assert as_hwc(F.pad(a, (1, 2))).shape == (5, 3)  # (left/right, top/bottom)
    assert as_hwc(F.pad(a, (1, 2, 3, 4))).shape == (7, 5)  # (left, top, right, bottom)
    rgb = as_hwc(F.pad(RGB, 1, fill=(1, 2, 3)))
    assert rgb[0, 0].tolist() == [1, 2, 3]
    with pytest.raises(ValueError):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError):
        F.pad(a, (1, 2, 3))


def test_random_crop_padding_and_errors():
    ember.manual_seed(0)
    x = t(np.arange(16, dtype=np.float32).reshape(1, 4, 4))
    out = T.RandomCrop(4, padding=2)(x)
    assert tuple(out.shape) == (1, 4, 4)
    out2 = T.RandomCrop((6, 5), pad_if_needed=True)(x)
    assert tuple(out2.shape) == (1, 6, 5)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(5)(x)
    assert T.RandomCrop(4)(x).numpy().tolist() == x.numpy().tolist()
    # the window is a real sub-window of the (padded) image
    for _ in range(5):
        c = T.RandomCrop(2)(x).numpy()[0]
        i, j = np.argwhere(x.numpy()[0] == c[0, 0])[0]
        np.testing.assert_array_equal(c, x.numpy()[0, i : i + 2, j : j + 2])


def test_randomness_is_seeded_by_ember():
    x = t(np.random.default_rng(0).random((3, 16, 16), dtype=np.float32))
    aug = T.Compose(
        [
            T.RandomResizedCrop(8),
            T.RandomHorizontalFlip(),
            T.ColorJitter(0.4, 0.4, 0.4, 0.1),
            T.RandomErasing(p=1.0),
        ]
    )
    ember.manual_seed(3)
    a = aug(x).numpy()
    ember.manual_seed(3)
    b = aug(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 8, 8)


def test_random_resized_crop_params():
    ember.manual_seed(1)
    img = np.zeros((20, 30), np.uint8)
    for _ in range(20):
        i, j, h, w = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= i and i + h <= 20 and 0 <= j and j + w <= 30 and h > 0 and w > 0
    # impossible scale: the fallback is the central crop with the ratio clamped
    assert T.RandomResizedCrop.get_params(img, (5.0, 5.0), (1.0, 1.0)) == (0, 5, 20, 20)
    assert np.asarray(T.RandomResizedCrop((7, 9))(Image.fromarray(img))).shape == (7, 9)


# ----------------------------------------------------------------------------------- resize
def test_resize_output_size_rule():
    img = np.zeros((30, 20), np.uint8)
    assert as_hwc(T.Resize(10)(img)).shape == (15, 10)  # smaller edge -> 10, aspect kept
    assert as_hwc(T.Resize((7, 9))(img)).shape == (7, 9)
    assert as_hwc(T.Resize(10, max_size=12)(img)).shape == (12, 8)
    assert Image.fromarray(img).resize((10, 15)).size == T.Resize(10)(Image.fromarray(img)).size
    with pytest.raises(ValueError, match="max_size"):
        T.Resize((5, 5), max_size=10)(img)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "nearest-exact"])
@pytest.mark.parametrize("shape_in, shape_out", [((6, 8), (12, 5)), ((9, 7), (4, 4)), ((5, 5), (11, 13))])
def test_resize_matches_torch_interpolate(torch, mode, shape_in, shape_out):
    x = np.random.default_rng(0).random((2, 3) + shape_in, dtype=np.float32)
    out = F.resize(t(x), list(shape_out), interpolation=F.InterpolationMode(mode), antialias=True).numpy()
    aa = mode in ("bilinear", "bicubic")
    ref = torch.nn.functional.interpolate(
        torch.from_numpy(x), size=shape_out, mode=mode, align_corners=False if aa else None, antialias=aa
    ).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-5)
    if aa:  # and without antialias
        out = F.resize(
            t(x), list(shape_out), interpolation=F.InterpolationMode(mode), antialias=False
        ).numpy()
        ref = torch.nn.functional.interpolate(
            torch.from_numpy(x), size=shape_out, mode=mode, align_corners=False
        ).numpy()
        np.testing.assert_allclose(out, ref, atol=1e-5)


def test_resize_hand_computed():
    # 1x2 -> 1x4 bilinear, align_corners=False: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25
    out = F.resize(t(np.array([[[0.0, 4.0]]], np.float32)), [1, 4]).numpy()
    np.testing.assert_allclose(out, [[[0.0, 1.0, 3.0, 4.0]]])
    u8 = F.resize(np.array([[0, 255]], np.uint8), [1, 4])
    assert u8.dtype == np.uint8 and u8.tolist() == [[0, 64, 191, 255]]  # rounded


# ----------------------------------------------------------------------------------- rotate / affine
def test_rotate_90_is_rot90():
    a = np.arange(9, dtype=np.uint8).reshape(3, 3)
    for img in kinds(a).values():
        np.testing.assert_array_equal(as_hwc(F.rotate(img, 90)), np.rot90(a))  # counter-clockwise
    r = F.rotate(t(np.ones((1, 4, 6), np.float32)), 90, expand=True)
    assert tuple(r.shape) == (1, 6, 4)
    assert Image.fromarray(np.zeros((4, 6), np.uint8)).rotate(90, expand=True).size == (4, 6)


@pytest.mark.parametrize(
    "angle, translate, scale, shear",
    [(33.0, (0, 0), 1.0, (0.0, 0.0)), (-45.0, (2, -1), 0.8, (10.0, 0.0)), (12.0, (1, 3), 1.3, (-5.0, 7.0))],
)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_affine_matches_torch_grid_sample(torch, angle, translate, scale, shear, mode):
    n = 9
    x = np.random.default_rng(1).random((2, n, n), dtype=np.float32)
    out = F.affine(
        t(x), angle, list(translate), scale, list(shear), interpolation=F.InterpolationMode(mode)
    ).numpy()
    m = F._inverse_affine_matrix([0.0, 0.0], angle, [float(v) for v in translate], scale, shear)
    # torchvision's grid in pixels around the centre, normalised by half the (square) size
    theta = torch.tensor([[m[0], m[1], m[2] * 2 / n], [m[3], m[4], m[5] * 2 / n]], dtype=torch.float64)[None]
    grid = torch.nn.functional.affine_grid(theta, [1, 2, n, n], align_corners=False)
    ref = torch.nn.functional.grid_sample(
        torch.from_numpy(x).double()[None], grid, mode=mode, padding_mode="zeros", align_corners=False
    )[0].numpy()
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_affine_identity_and_pil():
    x = np.random.default_rng(2).integers(0, 255, (5, 6, 3), dtype=np.uint8)
    for img in kinds(x).values():
        np.testing.assert_array_equal(as_hwc(F.affine(img, 0.0, [0, 0], 1.0, [0.0, 0.0])), x)
        np.testing.assert_array_equal(as_hwc(T.RandomAffine(0)(img)), x)
        np.testing.assert_array_equal(as_hwc(T.RandomRotation((0, 0))(img)), x)
    # pure translation by (1, 0) shifts right, filling with `fill`
    sh = as_hwc(F.affine(x[:, :, 0], 0.0, [1, 0], 1.0, [0.0, 0.0], fill=7))
    np.testing.assert_array_equal(sh[:, 1:], x[:, :-1, 0])
    assert (sh[:, 0] == 7).all()
    pil = F.affine(Image.fromarray(x[:, :, 0]), 0.0, [1, 0], 1.0, [0.0, 0.0], fill=7)
    np.testing.assert_array_equal(np.asarray(pil), sh)


# ----------------------------------------------------------------------------------- colour
def test_brightness_contrast_saturation_hand():
    x = t(np.array([[[0.4, 0.6]], [[0.2, 0.0]], [[1.0, 0.5]]], np.float32))
    np.testing.assert_allclose(
        F.adjust_brightness(x, 2.0).numpy(), [[[0.8, 1.0]], [[0.4, 0.0]], [[1.0, 1.0]]]
    )
    gray = 0.2989 * x.numpy()[0] + 0.587 * x.numpy()[1] + 0.114 * x.numpy()[2]
    c0 = F.adjust_contrast(x, 0.0).numpy()
    np.testing.assert_allclose(c0, np.full((3, 1, 2), gray.mean()), rtol=1e-6)
    s0 = F.adjust_saturation(x, 0.0).numpy()
    np.testing.assert_allclose(s0, np.broadcast_to(gray, (3, 1, 2)), rtol=1e-6)
    u8 = F.adjust_brightness(np.array([[100, 200]], np.uint8), 1.5)
    assert u8.dtype == np.uint8 and u8.tolist() == [[150, 255]]
    with pytest.raises(ValueError):
        F.adjust_brightness(x, -1.0)


def test_hue():
    red = t(np.array([[[1.0]], [[0.0]], [[0.0]]], np.float32))
    np.testing.assert_allclose(F.adjust_hue(red, 0.5).numpy().ravel(), [0.0, 1.0, 1.0], atol=1e-6)  # cyan
    np.testing.assert_allclose(F.adjust_hue(red, 1 / 3).numpy().ravel(), [0.0, 1.0, 0.0], atol=1e-6)  # green
    x = np.random.default_rng(0).random((3, 4, 4), dtype=np.float32)
    np.testing.assert_allclose(F.adjust_hue(t(x), 0.0).numpy(), x, atol=1e-6)
    u8 = F.adjust_hue(np.array([[[255, 0, 0]]], np.uint8), 0.5)
    assert u8.tolist() == [[[0, 255, 255]]]
    # PIL path (as torchvision): H 0 + int(0.5 * 255) = 127 in PIL's 8-bit HSV -> 127 / 255 * 6 = 2.988
    # turns: sector 2, f = 0.988 -> (0, 255, 255 * 0.988) = (0, 255, 252)
    pil = F.adjust_hue(Image.fromarray(np.array([[[255, 0, 0]]], np.uint8)), 0.5)
    assert np.asarray(pil).tolist() == [[[0, 255, 252]]]
    with pytest.raises(ValueError):
        F.adjust_hue(red, 0.6)


def test_grayscale():
    px = np.array([[[255, 0, 0], [0, 255, 0]]], np.uint8)
    assert as_hwc(T.Grayscale()(t(px.transpose(2, 0, 1)))).tolist() == [
        [76, 149]
    ]  # int(0.2989*255), truncated
    assert np.asarray(T.Grayscale()(Image.fromarray(px))).tolist() == [[76, 150]]  # PIL's own rounding
    g3 = T.Grayscale(3)(px)
    assert g3.shape == (1, 2, 3) and (g3[..., 0] == g3[..., 2]).all()
    assert T.Grayscale(3)(Image.fromarray(px)).mode == "RGB"
    f = T.Grayscale()(t(px.transpose(2, 0, 1).astype(np.float32) / 255))
    np.testing.assert_allclose(f.numpy().ravel(), [0.2989, 0.587], rtol=1e-6)


def test_color_jitter_ranges_and_pil():
    cj = T.ColorJitter(brightness=0.5, hue=0.1)
    assert cj.brightness == (0.5, 1.5) and cj.hue == (-0.1, 0.1) and cj.contrast is None
    with pytest.raises(ValueError):
        T.ColorJitter(hue=0.7)
    ember.manual_seed(0)
    out = cj(Image.fromarray(RGB))
    assert out.size == (5, 4) and out.mode == "RGB"


# ----------------------------------------------------------------------------------- erasing
def test_random_erasing():
    x = ember.ones(3, 20, 20)
    assert T.RandomErasing(p=0.0)(x) is x
    ember.manual_seed(5)
    out = T.RandomErasing(p=1.0, scale=(0.1, 0.2), value=0)(x).numpy()
    erased = (out == 0).all(axis=0)
    area = erased.sum()
    assert 0.1 * 400 * 0.7 <= area <= 0.2 * 400 * 1.3 and (out[:, ~erased] == 1).all()
    rows, cols = np.nonzero(erased)
    assert area == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)  # a rectangle
    assert x.numpy().min() == 1.0  # not in place
    v = T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3))(x).numpy()
    assert set(np.unique(v[1])) <= {0.2, 1.0} or np.isclose(np.unique(v[1]), [0.2, 1.0]).all()
    with pytest.raises(ValueError):
        T.RandomErasing(value="noise")


# ----------------------------------------------------------------------------------- no Pillow
def test_transforms_on_arrays_without_pillow(monkeypatch):
    monkeypatch.setattr(_pil, "_Image", None)
    pipe = T.Compose(
        [
            T.RandomCrop(4, padding=1),
            T.RandomHorizontalFlip(),
            T.Resize(8),
            T.ToTensor(),
            T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
        ]
    )
    out = pipe(RGB)
    assert tuple(out.shape) == (3, 8, 8) and out.dtype == ember.float32  # 4x5 -> pad 6x7 -> 4x4 -> 8x8


# ----------------------------------------------------------------------------------- utils
def test_make_grid_and_save_image(tmp_path, monkeypatch):
    imgs = ember.from_numpy(np.stack([np.full((1, 2, 2), v, np.float32) for v in (0.25, 0.5, 1.0)]))
    g = vutils.make_grid(imgs, nrow=2, padding=1, pad_value=0.0).numpy()
    assert g.shape == (3, 7, 7)
    assert g[0, 1, 1] == 0.25 and g[0, 1, 4] == 0.5 and g[0, 4, 1] == 1.0 and g[0, 4, 4] == 0.0
    assert g[0, 0].sum() == 0 and (g[0] == g[2]).all()
    n = vutils.make_grid(imgs, normalize=True).numpy()
    assert math.isclose(n.max(), 1.0) and math.isclose(n[:, 2:4, 2:4].min(), 0.0)
    vutils.save_image(imgs, tmp_path / "a.png", nrow=3)
    back = np.asarray(Image.open(tmp_path / "a.png"))
    assert back.shape == (6, 14, 3) and back[2, 2, 0] == 64  # padding 2; 0.25 * 255 + 0.5 -> 64
    monkeypatch.setattr(_pil, "_Image", None)  # the built-in PNG writer
    vutils.save_image(imgs, tmp_path / "b.png", nrow=3)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "b.png")), back)


def test_augmentation_reproducible_across_dataloader_workers():
    from ember.utils.data import DataLoader
    from ember.vision import datasets

    ds = datasets.FakeData(
        size=12,
        image_size=(1, 12, 12),
        transform=T.Compose([T.RandomCrop(8), T.RandomHorizontalFlip(), T.ToTensor()]),
    )

    def epoch(seed):
        ember.manual_seed(seed)
        return np.concatenate([b[0].numpy() for b in DataLoader(ds, batch_size=4, num_workers=2)])

    a, b, c = epoch(7), epoch(7), epoch(8)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


def test_convert_image_dtype_and_random_containers():
    u8 = ember.tensor([[[0, 128, 255]]], dtype=ember.uint8)
    f = F.convert_image_dtype(u8, ember.float32)
    np.testing.assert_allclose(f.numpy(), [[[0.0, 128 / 255, 1.0]]], rtol=1e-6)
    back = F.convert_image_dtype(ember.tensor([[[0.0, 0.5, 1.0]]]), ember.uint8)
    assert back.numpy().tolist() == [[[0, 127, 255]]]  # x * (255 + 1 - eps), truncated
    x = ember.ones(1, 2, 2)
    assert T.RandomApply([T.Lambda(lambda v: v * 2)], p=0.0)(x) is x
    assert float(T.RandomApply([T.Lambda(lambda v: v * 2)], p=1.0)(x).sum()) == 8.0
    assert T.RandomChoice([T.Lambda(lambda v: 1), T.Lambda(lambda v: 2)], p=[0.0, 1.0])(x) == 2
    assert T.RandomOrder([T.Lambda(lambda v: v + 1)])(1) == 2
    g = T.RandomGrayscale(p=1.0)(Image.fromarray(RGB))
    assert g.mode == "RGB" and (np.asarray(g)[..., 0] == np.asarray(g)[..., 1]).all()


def test_v2_pipeline_matches_v1():
    from ember.vision.transforms import v2

    img = Image.fromarray(RGB)
    a = v2.Compose(
        [v2.ToImage(), v2.ToDtype(ember.float32, scale=True), v2.Normalize((0.5,) * 3, (0.5,) * 3)]
    )(img)
    b = T.Compose([T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])(img)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
    u8 = v2.ToImage()(img)
    assert u8.dtype == ember.uint8 and v2.ToDtype(ember.int64)(u8).dtype == ember.int64


@pytest.mark.parametrize("ksize, sigma", [(3, 1.0), ((5, 3), (0.7, 1.5)), (7, None)])
def test_gaussian_blur_matches_torch_conv(torch, ksize, sigma):
    x = np.random.default_rng(4).random((2, 3, 9, 10), dtype=np.float32)
    out = F.gaussian_blur(t(x), ksize, sigma).numpy()
    kx, ky = (ksize, ksize) if isinstance(ksize, int) else ksize
    if sigma is None:  # torchvision's documented default
        sx, sy = 0.3 * ((kx - 1) * 0.5 - 1) + 0.8, 0.3 * ((ky - 1) * 0.5 - 1) + 0.8
    elif isinstance(sigma, float):
        sx = sy = sigma
    else:
        sx, sy = sigma

    def k1(k, s):  # the documented kernel: exp(-x^2 / (2 sigma^2)) at integer offsets, normalised
        v = np.exp(-0.5 * (np.arange(k) - k // 2) ** 2 / s**2)
        return v / v.sum()

    kernel = torch.from_numpy(np.outer(k1(ky, sy), k1(kx, sx)).astype(np.float32))
    xt = torch.nn.functional.pad(torch.from_numpy(x), [kx // 2, kx // 2, ky // 2, ky // 2], mode="reflect")
    ref = torch.nn.functional.conv2d(xt, kernel.expand(3, 1, ky, kx), groups=3).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_gaussian_blur_and_invert_kinds():
    flat = np.full((6, 6, 3), 90, np.uint8)
    for img in kinds(flat).values():
        np.testing.assert_array_equal(as_hwc(T.GaussianBlur(3)(img)), flat)  # a constant image stays constant
        np.testing.assert_array_equal(as_hwc(T.RandomInvert(p=1.0)(img)), 255 - flat)
    with pytest.raises(ValueError):
        T.GaussianBlur(4)
    np.testing.assert_allclose(F.invert(ember.full((1, 1, 1), 0.25)).numpy(), [[[0.75]]])
