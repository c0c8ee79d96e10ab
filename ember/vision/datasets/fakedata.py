"""`FakeData`: random images, reproducible per index. Matches `torchvision.datasets.FakeData`."""
from __future__ import annotations

import numpy as np

from .. import _pil
from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """`size` random images of `image_size` (C, H, W) with random integer targets.

    Item `i` is the same on every access (drawn from a generator seeded with `i + random_offset`).
    Deviation: pixels are uniform uint8 from NumPy's PCG64, not torch's normal draws.
    """

    def __init__(self, size: int = 1000, image_size=(3, 224, 224), num_classes: int = 10, transform=None,
                 target_transform=None, random_offset: int = 0) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = tuple(image_size)
        self.random_offset = random_offset

    def __getitem__(self, index: int):
        if index >= len(self) or index < -len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        index %= len(self)
        rng = np.random.default_rng(index + self.random_offset)
        c, h, w = self.image_size
        img = rng.integers(0, 256, (h, w, c), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        if c == 1:
            img = img[:, :, 0]
        Image = _pil.image_module()
        if Image is not None and c in (1, 3, 4):
            img = Image.fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return self.size
