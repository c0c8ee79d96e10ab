"""`VisionDataset`: the base class with root/transform/target_transform and torchvision's repr."""
from __future__ import annotations

import os

from ...utils.data import Dataset


class StandardTransform:
    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input, target):
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    def __repr__(self):
        body = [self.__class__.__name__]
        for name, t in (("Transform", self.transform), ("Target transform", self.target_transform)):
            if t is not None:
                lines = repr(t).splitlines()
                body += [f"{name}: {lines[0]}"] + [" " * (len(name) + 2) + line for line in lines[1:]]
        return "\n".join(body)


class VisionDataset(Dataset):
    """Base for the datasets here. Matches `torchvision.datasets.VisionDataset`."""

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None) -> None:
        if isinstance(root, (str, bytes, os.PathLike)):
            root = os.path.expanduser(os.fspath(root))
        self.root = root
        has_transforms = transforms is not None
        if has_transforms and (transform is not None or target_transform is not None):
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if not has_transforms:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += self.extra_repr().splitlines()
        if hasattr(self, "transforms") and self.transforms is not None:
            lines += repr(self.transforms).splitlines()
        body = [" " * self._repr_indent + ln for ln in lines]
        return "\n".join(["Dataset " + self.__class__.__name__] + body)
