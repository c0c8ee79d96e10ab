"""Automatic augmentation policies: AutoAugment, RandAugment, TrivialAugmentWide.

Same operations, magnitude tables and sampling rules as torchvision (draws come from ember's RNG, so
the chosen ops differ from torchvision's for the same seed). Images: uint8 tensors (..., 1 or 3, H, W),
HxWxC uint8 arrays or PIL images.
"""
from __future__ import annotations

import math
from enum import Enum

import numpy as np

from ...random import _gen
from . import functional as F
from .functional import InterpolationMode

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide"]


def _apply_op(img, op, magnitude, interpolation, fill):
    if op in ("ShearX", "ShearY"):
        deg = math.degrees(math.atan(magnitude))
        shear = [deg, 0.0] if op == "ShearX" else [0.0, deg]
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=shear, interpolation=interpolation,
                        fill=fill, center=[0, 0])
    if op in ("TranslateX", "TranslateY"):
        t = [int(magnitude), 0] if op == "TranslateX" else [0, int(magnitude)]
        return F.affine(img, angle=0.0, translate=t, scale=1.0, shear=[0.0, 0.0], interpolation=interpolation,
                        fill=fill)
    if op == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    enhance = {"Brightness": F.adjust_brightness, "Color": F.adjust_saturation, "Contrast": F.adjust_contrast,
               "Sharpness": F.adjust_sharpness}
    if op in enhance:
        return enhance[op](img, 1.0 + magnitude)
    if op == "Posterize":
        return F.posterize(img, int(magnitude))
    if op == "Solarize":
        return F.solarize(img, magnitude)
    if op == "AutoContrast":
        return F.autocontrast(img)
    if op == "Equalize":
        return F.equalize(img)
    if op == "Invert":
        return F.invert(img)
    if op == "Identity":
        return img
    raise ValueError(f"The provided operator {op} is not recognized.")


class AutoAugmentPolicy(Enum):
    """The policies learned on ImageNet, CIFAR10 and SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# each sub-policy: "Op prob [magnitude bin], Op prob [bin]" (from the AutoAugment paper's tables)
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: """
        Posterize .4 8, Rotate .6 9 | Solarize .6 5, AutoContrast .6 | Equalize .8, Equalize .6 |
        Posterize .6 7, Posterize .6 6 | Equalize .4, Solarize .2 4 | Equalize .4, Rotate .8 8 |
        Solarize .6 3, Equalize .6 | Posterize .8 5, Equalize 1 | Rotate .2 3, Solarize .6 8 |
        Equalize .6, Posterize .4 6 | Rotate .8 8, Color .4 0 | Rotate .4 9, Equalize .6 |
        Equalize 0, Equalize .8 | Invert .6, Equalize 1 | Color .6 4, Contrast 1 8 | Rotate .8 8, Color 1 2 |
        Color .8 8, Solarize .8 7 | Sharpness .4 7, Invert .6 | ShearX .6 5, Equalize 1 |
        Color .4 0, Equalize .6 | Equalize .4, Solarize .2 4 | Solarize .6 5, AutoContrast .6 |
        Invert .6, Equalize 1 | Color .6 4, Contrast 1 8 | Equalize .8, Equalize .6""",
    AutoAugmentPolicy.CIFAR10: """
        Invert .1, Contrast .2 6 | Rotate .7 2, TranslateX .3 9 | Sharpness .8 1, Sharpness .9 3 |
        ShearY .5 8, TranslateY .7 9 | AutoContrast .5, Equalize .9 | ShearY .2 7, Posterize .3 7 |
        Color .4 3, Brightness .6 7 | Sharpness .3 9, Brightness .7 9 | Equalize .6, Equalize .5 |
        Contrast .6 7, Sharpness .6 5 | Color .7 7, TranslateX .5 8 | Equalize .3, AutoContrast .4 |
        TranslateY .4 3, Sharpness .2 6 | Brightness .9 6, Color .2 8 | Solarize .5 2, Invert 0 |
        Equalize .2, AutoContrast .6 | Equalize .2, Equalize .6 | Color .9 9, Equalize .6 |
        AutoContrast .8, Solarize .2 8 | Brightness .1 3, Color .7 0 | Solarize .4 5, AutoContrast .9 |
        TranslateY .9 9, TranslateY .7 9 | AutoContrast .9, Solarize .8 3 | Equalize .8, Invert .1 |
        TranslateY .7 9, AutoContrast .9""",
    AutoAugmentPolicy.SVHN: """
        ShearX .9 4, Invert .2 | ShearY .9 8, Invert .7 | Equalize .6, Solarize .6 6 | Invert .9, Equalize .6 |
        Equalize .6, Rotate .9 3 | ShearX .9 4, AutoContrast .8 | ShearY .9 8, Invert .4 |
        ShearY .9 5, Solarize .2 6 | Invert .9, AutoContrast .8 | Equalize .6, Rotate .9 3 |
        ShearX .9 4, Solarize .3 3 | ShearY .8 8, Invert .7 | Equalize .9, TranslateY .6 6 |
        Invert .9, Equalize .6 | Contrast .3 3, Rotate .8 4 | Invert .8, TranslateY 0 2 |
        ShearY .7 6, Solarize .4 8 | Invert .6, Rotate .8 4 | ShearY .3 7, TranslateX .9 3 |
        ShearX .1 6, Invert .6 | Solarize .7 2, TranslateY .6 7 | ShearY .8 4, Invert .8 |
        ShearX .7 9, TranslateY .8 3 | ShearY .8 5, AutoContrast .7 | ShearX .7 2, Invert .1""",
}


def _parse(text):
    out = []
    for sub in text.split("|"):
        ops = []
        for part in sub.split(","):
            fields = part.split()
            ops.append((fields[0], float(fields[1]), int(fields[2]) if len(fields) > 2 else None))
        out.append(tuple(ops))
    return out


def _space(num_bins, image_size, wide=False):
    """op -> (magnitudes per bin (None: the op takes no magnitude), whether a random sign applies)."""
    w, h = image_size
    lin = np.linspace
    shear, rot, enh = (0.99, 135.0, 0.99) if wide else (0.3, 30.0, 0.9)
    tx, ty = (32.0, 32.0) if wide else (150.0 / 331.0 * w, 150.0 / 331.0 * h)
    post = np.round(np.arange(num_bins) / ((num_bins - 1) / (6 if wide else 4)))
    return {
        "ShearX": (lin(0.0, shear, num_bins), True), "ShearY": (lin(0.0, shear, num_bins), True),
        "TranslateX": (lin(0.0, tx, num_bins), True), "TranslateY": (lin(0.0, ty, num_bins), True),
        "Rotate": (lin(0.0, rot, num_bins), True),
        "Brightness": (lin(0.0, enh, num_bins), True), "Color": (lin(0.0, enh, num_bins), True),
        "Contrast": (lin(0.0, enh, num_bins), True), "Sharpness": (lin(0.0, enh, num_bins), True),
        "Posterize": ((8 - post).astype(np.int64), False), "Solarize": (lin(255.0, 0.0, num_bins), False),
        "AutoContrast": (None, False), "Equalize": (None, False),
    }


def _float32(v):
    return float(np.float32(v))   # torchvision's tables are float32 tensors


def _fill_list(fill, img):
    if isinstance(fill, (int, float)) and not F._pil.is_pil(img):
        return [float(fill)] * F.get_image_num_channels(img)
    if fill is not None and not F._pil.is_pil(img):
        return [float(f) for f in fill]
    return fill


class _AugmentBase:
    def __call__(self, img):
        return self.forward(img)

    @staticmethod
    def _draw(n):
        return int(_gen(None).integers(0, n))


class AutoAugment(_AugmentBase):
    """AutoAugment (Cubuk et al. 2018): apply one random learned sub-policy. Matches `transforms.AutoAugment`."""

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation=InterpolationMode.NEAREST, fill=None):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy = policy
        self.interpolation = interpolation
        self.fill = fill
        self.policies = _parse(_POLICIES[policy])

    @staticmethod
    def get_params(transform_num):
        g = _gen(None)
        return int(g.integers(0, transform_num)), g.random(2), g.integers(0, 2, size=2)

    def forward(self, img):
        fill = _fill_list(self.fill, img)
        policy_id, probs, signs = self.get_params(len(self.policies))
        _, h, w = F.get_dimensions(img)
        space = _space(10, (w, h))
        space["Invert"] = (None, False)
        for i, (op, p, bin_) in enumerate(self.policies[policy_id]):
            if probs[i] <= p:
                mags, signed = space[op]
                magnitude = _float32(mags[bin_]) if (bin_ is not None and mags is not None) else 0.0
                if signed and signs[i] == 0:
                    magnitude = -magnitude
                img = _apply_op(img, op, magnitude, self.interpolation, fill)
        return img

    def __repr__(self):
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(_AugmentBase):
    """RandAugment (Cubuk et al. 2019): `num_ops` random ops at one magnitude. Matches `transforms.RandAugment`."""

    def __init__(self, num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST,
                 fill=None):
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _ops(self, img):
        _, h, w = F.get_dimensions(img)
        space = {"Identity": (None, False)}
        space.update(_space(self.num_magnitude_bins, (w, h)))
        return space

    def forward(self, img):
        fill = _fill_list(self.fill, img)
        space = self._ops(img)
        names = list(space)
        for _ in range(self.num_ops):
            op = names[self._draw(len(names))]
            mags, signed = space[op]
            magnitude = _float32(mags[self.magnitude]) if mags is not None else 0.0
            if signed and self._draw(2):
                magnitude = -magnitude
            img = _apply_op(img, op, magnitude, self.interpolation, fill)
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


class TrivialAugmentWide(_AugmentBase):
    """TrivialAugment (Müller & Hutter 2021): one random op at a random magnitude (wide ranges).
    Matches `transforms.TrivialAugmentWide`."""

    def __init__(self, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None):
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def forward(self, img):
        fill = _fill_list(self.fill, img)
        _, h, w = F.get_dimensions(img)
        space = {"Identity": (None, False)}
        space.update(_space(self.num_magnitude_bins, (w, h), wide=True))
        names = list(space)
        op = names[self._draw(len(names))]
        mags, signed = space[op]
        magnitude = _float32(mags[self._draw(len(mags))]) if mags is not None else 0.0
        if signed and self._draw(2):
            magnitude = -magnitude
        return _apply_op(img, op, magnitude, self.interpolation, fill)

    def __repr__(self):
        return (f"{type(self).__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
