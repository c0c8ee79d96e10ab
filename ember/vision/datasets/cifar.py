"""CIFAR-10/100 from the python-pickle batches. Matches `torchvision.datasets.CIFAR10`/`CIFAR100`.

The batches are pickles; they are parsed with a restricted unpickler that only resolves the few
NumPy globals needed to rebuild arrays, so a tampered file cannot run code.
"""
from __future__ import annotations

import os
import pickle

import numpy as np

from .. import _pil
from .utils import _fetch_from_mirrors, check_integrity, extract_archive
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "restricted_load"]

# (module, name) pairs a CIFAR pickle (written by python 2 or 3, any NumPy) may reference
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 store bytes
}


def _multiarray():
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy < 2
        from numpy.core import multiarray
    return multiarray


def _frombuffer(buf, dtype, shape, order):
    if not isinstance(dtype, np.dtype) or not isinstance(shape, tuple) or order not in ("C", "F"):
        raise pickle.UnpicklingError("malformed array record in pickle")
    return np.frombuffer(buf, dtype=dtype).reshape(shape, order=order)


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}: only NumPy arrays are "
                                         "allowed in a CIFAR batch (the file may be tampered with)")
        if module == "numpy":
            return getattr(np, name)
        if module == "_codecs":
            import codecs
            return codecs.encode
        return _frombuffer if name == "_frombuffer" else getattr(_multiarray(), name)


def restricted_load(f, encoding: str = "latin1"):
    """`pickle.load` that only rebuilds builtins and NumPy arrays; anything else is an UnpicklingError."""
    return _RestrictedUnpickler(f, encoding=encoding).load()


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 train / 10,000 test 32x32 RGB images in 10 classes.

    Items are `(PIL RGB image, int)` (a HxWx3 uint8 array without Pillow). `data` is a (N, 32, 32, 3)
    uint8 array and `targets` a list, as in torchvision.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it. "
                               f"{type(self).__name__} expects the python batches in "
                               f"{os.path.join(self.root, self.base_folder)} (from {self.filename})")
        data, self.targets = [], []
        for name, _ in (self.train_list if train else self.test_list):
            with open(os.path.join(self.root, self.base_folder, name), "rb") as f:
                entry = restricted_load(f)
            data.append(np.asarray(entry["data"], dtype=np.uint8))
            self.targets.extend(int(t) for t in entry["labels" if "labels" in entry else "fine_labels"])
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # HWC
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError("Dataset metadata file not found or corrupted. "
                               "You can use download=True to download it")
        with open(path, "rb") as f:
            self.classes = list(restricted_load(f)[self.meta["key"]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index: int):
        img, target = self.data[index], self.targets[index]
        if _pil.image_module() is not None:
            img = _pil.from_array(np.ascontiguousarray(img))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        return all(check_integrity(os.path.join(self.root, self.base_folder, name), md5)
                   for name, md5 in self.train_list + self.test_list)

    def download(self) -> None:
        if self._check_integrity():
            return
        mirror = self.url[: -len(self.filename)]
        path = _fetch_from_mirrors([mirror], self.filename, self.tgz_md5, self.root, type(self).__name__)
        extract_archive(path, self.root)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (fine labels). Matches `torchvision.datasets.CIFAR100`."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
