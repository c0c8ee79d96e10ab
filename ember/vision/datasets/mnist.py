"""MNIST-family datasets read from IDX files (gzipped or raw). Matches `torchvision.datasets.MNIST` & co.

The folder layout is torchvision's (`root/MNIST/raw/train-images-idx3-ubyte[.gz]`), so a folder
prepared by torchvision works as is. For convenience the files are also found directly in
`root/MNIST/` or in `root/` itself.
"""
from __future__ import annotations

import gzip
import os
import string
import warnings

import numpy as np

from ..._tensor import Tensor

from ..._tensor_base import _wrap
from .. import _pil
from .utils import _fetch_from_mirrors, extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "read_idx", "read_image_file", "read_label_file"]

# IDX type codes (third magic byte) -> big-endian numpy dtypes
_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        return f.read()


def read_idx(path) -> np.ndarray:
    """Parse an IDX file (optionally gzipped) into a native-endian, writable numpy array."""
    path = os.fspath(path)
    try:
        raw = _read_bytes(path)
    except (OSError, EOFError) as e:
        raise RuntimeError(f"cannot read IDX file {path}: {e}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file: bad magic number {raw[:4].hex() or '(empty)'}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"{path}: truncated IDX header (expected {ndim} dimensions)")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">i4", ndim, 4))
    dtype = _IDX_TYPES[raw[2]]
    count = int(np.prod(dims, dtype=np.int64))
    if len(raw) != header + count * dtype.itemsize:
        raise RuntimeError(f"{path}: IDX size mismatch: header says shape {dims} of {dtype.name} "
                           f"({header + count * dtype.itemsize} bytes) but the file has {len(raw)} bytes")
    arr = np.frombuffer(raw, dtype, count, header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_image_file(path) -> Tensor:
    x = read_idx(path)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise RuntimeError(f"{path}: expected a uint8 image file of 3 dimensions, "
                           f"got {x.dtype} with shape {x.shape}")
    return _wrap(x)


def read_label_file(path) -> Tensor:
    x = read_idx(path)
    if x.dtype != np.uint8 or x.ndim != 1:
        raise RuntimeError(f"{path}: expected a uint8 label file of 1 dimension, "
                           f"got {x.dtype} with shape {x.shape}")
    return _wrap(x.astype(np.int64))


def _array(x) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


class MNIST(VisionDataset):
    """The MNIST digits (60,000 train / 10,000 test, 28x28 grey). Matches `torchvision.datasets.MNIST`.

    Items are `(image, target)`: a PIL "L" image (a HxW uint8 array when Pillow is missing) and an int.
    `mirrors` is a class attribute (list of URL prefixes), so it can be pointed at a local server.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():  # processed/{training,test}.pt written by old torchvision versions
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        missing = self._missing()
        if missing:
            raise RuntimeError(
                f"Dataset not found. You can use download=True to download it. {type(self).__name__} expects "
                f"{', '.join(missing)} (each optionally .gz) in {self.raw_folder}")
        self.data, self.targets = self._load_data()

    # --- files -------------------------------------------------------------------------------
    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "processed")

    def _check_legacy_exist(self) -> bool:
        files = (self.training_file, self.test_file)
        return all(os.path.isfile(os.path.join(self.processed_folder, f)) for f in files)

    def _load_legacy_data(self):
        from ...serialization import load
        name = self.training_file if self.train else self.test_file
        data, targets = load(os.path.join(self.processed_folder, name), weights_only=True)
        return data, targets

    def _split_files(self):
        prefix = "train" if self.train else "t10k"
        return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]

    def _find(self, name: str) -> str | None:
        for folder in (self.raw_folder, os.path.dirname(self.raw_folder), self.root):
            for candidate in (name, name + ".gz"):
                p = os.path.join(folder, candidate)
                if os.path.isfile(p):
                    return p
        return None

    def _missing(self):
        return [n for n in self._split_files() if self._find(n) is None]

    def _check_exists(self) -> bool:
        return not self._missing()

    def _load_data(self):
        images, labels = (self._find(n) for n in self._split_files())
        data, targets = read_image_file(images), read_label_file(labels)
        if data.shape[0] != targets.shape[0]:
            raise RuntimeError(f"{images} has {data.shape[0]} images but {labels} has "
                               f"{targets.shape[0]} labels")
        return data, targets

    def download(self) -> None:
        """Fetch the missing IDX files from `mirrors`, verifying md5 and writing atomically."""
        if self._check_exists():
            return
        folders = (self.root, os.path.dirname(self.raw_folder), self.raw_folder)
        made = [d for d in folders if not os.path.isdir(d)]
        os.makedirs(self.raw_folder, exist_ok=True)
        todo = [(f, md5) for f, md5 in self.resources
                if self._find(f[:-3] if f.endswith(".gz") else f) is None]
        try:
            for filename, md5 in todo:
                path = _fetch_from_mirrors(self.mirrors, filename, md5, self.raw_folder, type(self).__name__,
                                           expected=[f for f, _ in todo])
                if path.endswith(".gz"):
                    extract_archive(path, self.raw_folder)
        except BaseException:
            for d in reversed(made):  # leave no empty folders behind a failed download
                if os.path.isdir(d) and not os.listdir(d):
                    os.rmdir(d)
            raise

    # --- items -------------------------------------------------------------------------------
    def __getitem__(self, index: int):
        img = _array(self.data)[index]
        target = int(_array(self.targets)[index])
        if _pil.image_module() is not None:
            img = _pil.from_array(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"

    # torchvision's deprecated aliases
    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data")
        return self.data


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST. Matches `torchvision.datasets.FashionMNIST`."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST. Matches `torchvision.datasets.KMNIST`."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST, one of six splits. Matches `torchvision.datasets.EMNIST` (images are stored
    transposed in the files and, as in torchvision, are returned as stored)."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    mirrors = ["https://biometrics.nist.gov/cs_links/EMNIST/"]
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split: str, **kwargs) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = f"training_{split}.pt"
        self.test_file = f"test_{split}.pt"
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    def _split_files(self):
        prefix = f"emnist-{self.split}-{'train' if self.train else 'test'}"
        return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]

    @property
    def images_file(self) -> str:
        return os.path.join(self.raw_folder, self._split_files()[0])

    @property
    def labels_file(self) -> str:
        return os.path.join(self.raw_folder, self._split_files()[1])

    def download(self) -> None:
        import shutil
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        path = _fetch_from_mirrors(self.mirrors, "gzip.zip", self.md5, self.raw_folder, "EMNIST")
        extract_archive(path, self.raw_folder)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
        shutil.rmtree(gzip_folder)

