"""ember.vision.datasets: IDX parsing, MNIST family, download path, CIFAR, folders, FakeData."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import pickle
import threading

import numpy as np
import pytest
from ember_testutil import require
from _vision_idx import idx_bytes, write_mnist  # tests/vision is on sys.path under pytest

import ember
from ember.vision import _pil, datasets
from ember.vision.datasets import utils as dutils
from ember.vision.datasets.mnist import read_idx


# ---------------------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_roundtrip(tmp_path, dtype, gz):
    arr = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    p = tmp_path / "x-idx3"
    data = idx_bytes(arr)
    if gz:
        with gzip.open(p, "wb") as f:  # gzip detected by its magic bytes, not the name
            f.write(data)
    else:
        p.write_bytes(data)
    out = read_idx(p)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative and out.flags.writeable
    np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize(
    "payload, msg",
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x00", "bad magic"),
        (b"\x00\x00\x08\x03\x00\x00", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x00\x00", "size mismatch"),
        (b"", "bad magic"),
    ],
)
def test_read_idx_errors(tmp_path, payload, msg):
    p = tmp_path / "bad"
    p.write_bytes(payload)
    with pytest.raises(RuntimeError, match=msg):
        read_idx(p)


# ---------------------------------------------------------------------------------------- MNIST
@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
@pytest.mark.parametrize("gz", [False, True])
def test_mnist_family_generated(tmp_path, cls, gz):
    images, labels = write_mnist(tmp_path / cls.__name__ / "raw", gz=gz)
    ds = cls(str(tmp_path), train=False)
    assert len(ds) == 12
    assert ds.data.dtype == ember.uint8 and tuple(ds.data.shape) == (12, 28, 28)
    assert ds.targets.dtype == ember.int64
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, target = ds[3]
    assert type(target) is int and target == labels[3]
    np.testing.assert_array_equal(np.asarray(img), images[3])
    assert ds.class_to_idx[ds.classes[2]] == 2 and len(ds.classes) == 10
    assert "Split: Test" in repr(ds) and f"Dataset {cls.__name__}" in repr(ds)


def test_mnist_transforms_and_missing(tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw", prefix="train")
    ds = datasets.MNIST(
        tmp_path, train=True, transform=lambda im: np.asarray(im).sum(), target_transform=lambda t: t + 100
    )
    img, target = ds[0]
    assert img == int(ds.data[0].numpy().sum()) and target == int(ds.targets[0]) + 100
    with pytest.raises(RuntimeError, match=r"download=True.*t10k-images-idx3-ubyte"):
        datasets.MNIST(tmp_path, train=False)


def test_mnist_without_pillow(tmp_path, monkeypatch):
    images, _ = write_mnist(tmp_path / "MNIST" / "raw")
    monkeypatch.setattr(_pil, "_Image", None)
    img, _ = datasets.MNIST(tmp_path, train=False)[5]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (28, 28)
    np.testing.assert_array_equal(img, images[5])


def test_emnist_split(tmp_path):
    raw = tmp_path / "EMNIST" / "raw"
    images, labels = write_mnist(raw, prefix="emnist-letters-test", gz=False)
    ds = datasets.EMNIST(tmp_path, split="letters", train=False)
    assert ds.classes[0] == "N/A" and len(ds.classes) == 27
    np.testing.assert_array_equal(ds.data.numpy(), images)
    with pytest.raises(ValueError, match="split"):
        datasets.EMNIST(tmp_path, split="nope")


def test_real_mnist_test_set(mnist_dir, tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        os.symlink(os.path.join(os.path.abspath(mnist_dir), f), raw / f)  # never copy the real files
    ds = datasets.MNIST(tmp_path, train=False)
    assert len(ds) == 10000
    assert ds.targets[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the well-known first t10k labels
    assert np.bincount(ds.targets.numpy()).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    x = ds.data.numpy()
    assert x.dtype == np.uint8 and x.max() == 255 and x.min() == 0
    # the shared folder itself (files directly in root) is also accepted
    assert len(datasets.MNIST(mnist_dir, train=False)) == 10000


# ---------------------------------------------------------------------------------------- download
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _serve_mnist(www):
    images, labels = write_mnist(www, prefix="t10k")
    write_mnist(www, prefix="train", seed=1)
    return (
        images,
        labels,
        [
            (n, hashlib.md5((www / n).read_bytes()).hexdigest())
            for n in (
                "train-images-idx3-ubyte.gz",
                "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz",
            )
        ],
    )


def test_download_from_local_server(http_root, tmp_path, monkeypatch):
    www, url = http_root
    images, labels, resources = _serve_mnist(www)
    monkeypatch.setattr(
        datasets.MNIST, "mirrors", ["http://127.0.0.1:9/nothing/", url]
    )  # first mirror is dead
    monkeypatch.setattr(datasets.MNIST, "resources", resources)
    ds = datasets.MNIST(tmp_path / "data", train=False, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), images)
    raw = tmp_path / "data" / "MNIST" / "raw"
    names = sorted(os.listdir(raw))
    assert "t10k-images-idx3-ubyte" in names and "t10k-images-idx3-ubyte.gz" in names
    assert not [n for n in names if n.endswith(".part")]  # no temp files left
    (www / "t10k-images-idx3-ubyte.gz").unlink()  # already present: not fetched again
    assert len(datasets.MNIST(tmp_path / "data", train=False, download=True)) == 12


def test_download_md5_mismatch_is_caught(http_root, tmp_path, monkeypatch):
    www, url = http_root
    _, _, resources = _serve_mnist(www)
    resources[0] = (resources[0][0], "0" * 32)  # the served train-images file is "corrupted"
    monkeypatch.setattr(datasets.MNIST, "mirrors", [url])
    monkeypatch.setattr(datasets.MNIST, "resources", resources)
    with pytest.raises(dutils.DownloadError, match="checksum mismatch"):
        datasets.MNIST(tmp_path / "data", train=True, download=True)
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert not raw.exists() or not [n for n in os.listdir(raw) if n.startswith("train-images")]


def test_download_offline_error_names_files(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(tmp_path / "data", train=False, download=True)
    msg = str(info.value)
    for f in (
        "train-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        os.path.join("data", "MNIST", "raw"),
    ):
        assert f in msg
    assert not (tmp_path / "data").exists()  # nothing left behind


def test_download_url_atomic(http_root, tmp_path):
    www, url = http_root
    (www / "f.bin").write_bytes(b"hello")
    md5 = hashlib.md5(b"hello").hexdigest()
    path = dutils.download_url(url + "f.bin", tmp_path / "d", md5=md5)
    assert open(path, "rb").read() == b"hello" and dutils.check_integrity(path, md5)
    assert not dutils.check_integrity(path, "1" * 32)


# ---------------------------------------------------------------------------------------- CIFAR
def _write_cifar(root, n=5, protocol=2):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    allx, ally = [], []
    names = [n_ for n_, _ in datasets.CIFAR10.train_list] + ["test_batch"]
    for name in names:
        x = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        y = rng.integers(0, 10, n).tolist()
        with open(folder / name, "wb") as f:
            pickle.dump(
                {"batch_label": name, "labels": y, "data": x, "filenames": ["a.png"] * n}, f, protocol
            )
        allx.append(x)
        ally.append(y)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"c{i}" for i in range(10)], "num_vis": 3072}, f, protocol)
    return allx, ally


@pytest.mark.parametrize("protocol", [2, 5])
def test_cifar10_generated(tmp_path, monkeypatch, protocol):
    allx, ally = _write_cifar(tmp_path, protocol=protocol)
    folder = tmp_path / "cifar-10-batches-py"
    md5 = lambda n: hashlib.md5((folder / n).read_bytes()).hexdigest()  # noqa: E731
    monkeypatch.setattr(datasets.CIFAR10, "train_list", [[n, md5(n)] for n, _ in datasets.CIFAR10.train_list])
    monkeypatch.setattr(datasets.CIFAR10, "test_list", [["test_batch", md5("test_batch")]])
    monkeypatch.setattr(datasets.CIFAR10, "meta", dict(datasets.CIFAR10.meta, md5=md5("batches.meta")))
    train = datasets.CIFAR10(tmp_path, train=True)
    test = datasets.CIFAR10(tmp_path, train=False)
    assert len(train) == 25 and len(test) == 5 and train.classes[3] == "c3"
    assert train.data.shape == (25, 32, 32, 3) and train.targets == sum(ally[:5], [])
    # row layout: 1024 red, then green, then blue values, each row-major 32x32
    x0 = allx[0][1]
    np.testing.assert_array_equal(train.data[1][:, :, 2], x0[2048:].reshape(32, 32))
    img, t = test[2]
    assert np.asarray(img).shape == (32, 32, 3) and t == ally[5][2]


def test_cifar_restricted_unpickler_rejects_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    payload = pickle.dumps({"data": Evil()}, protocol=2)
    import io

    from ember.vision.datasets.cifar import restricted_load

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        restricted_load(io.BytesIO(payload))
    ok = restricted_load(
        io.BytesIO(pickle.dumps({"a": np.arange(3, dtype=np.uint8), "b": [1, "x"]}, protocol=2))
    )
    np.testing.assert_array_equal(ok["a"], [0, 1, 2])


def test_cifar_missing(tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.CIFAR100(tmp_path)


# ---------------------------------------------------------------------------------------- folders, fake
def test_image_folder(tmp_path):
    Image = require("PIL.Image")
    for cls, n in (("cat", 2), ("dog", 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            Image.fromarray(np.full((4, 5, 3), 10 * i, np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("skip me")
    ds = datasets.ImageFolder(tmp_path)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert ds.targets == [0, 0, 1, 1, 1] and len(ds.imgs) == 5
    img, t = ds[3]
    assert img.mode == "RGB" and img.size == (5, 4) and t == 1 and np.asarray(img)[0, 0, 0] == 10
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)
    assert len(datasets.ImageFolder(tmp_path, allow_empty=True)) == 5


def test_image_folder_needs_pillow(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.npy").write_bytes(b"")
    monkeypatch.setattr(_pil, "_Image", None)
    with pytest.raises(ImportError, match="pip install Pillow"):
        datasets.ImageFolder(tmp_path)
    ds = datasets.DatasetFolder(tmp_path, loader=lambda p: p, extensions=(".npy",))
    assert ds[0] == (str(tmp_path / "a" / "x.npy"), 0)


def test_fakedata():
    ds = datasets.FakeData(size=4, image_size=(3, 8, 6), num_classes=3)
    a, ta = ds[1]
    b, tb = ds[1]
    assert np.asarray(a).shape == (8, 6, 3) and ta == tb and 0 <= ta < 3
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert len(ds) == 4
    with pytest.raises(IndexError):
        ds[4]


def test_emnist_download_from_zip(http_root, tmp_path, monkeypatch):
    import zipfile

    www, url = http_root
    images, labels = write_mnist(tmp_path / "src", prefix="emnist-digits-test", n=6)
    with zipfile.ZipFile(www / "gzip.zip", "w") as z:
        for f in os.listdir(tmp_path / "src"):
            z.write(tmp_path / "src" / f, f"gzip/{f}")
    monkeypatch.setattr(datasets.EMNIST, "mirrors", [url])
    monkeypatch.setattr(datasets.EMNIST, "md5", hashlib.md5((www / "gzip.zip").read_bytes()).hexdigest())
    ds = datasets.EMNIST(tmp_path / "data", split="digits", train=False, download=True)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    assert not (tmp_path / "data" / "EMNIST" / "raw" / "gzip").exists()


def test_mnist_legacy_processed_files(tmp_path, torch):
    """Folders from old torchvision versions hold processed/{training,test}.pt (torch.save'd tuples)."""
    processed = tmp_path / "MNIST" / "processed"
    processed.mkdir(parents=True)
    data = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    targets = torch.tensor([4, 0, 9])
    torch.save((data, targets), processed / "test.pt")
    torch.save((data[:1], targets[:1]), processed / "training.pt")
    ds = datasets.MNIST(tmp_path, train=False)
    assert len(ds) == 3 and ds[2][1] == 9 and ds.data.dtype == ember.uint8
    np.testing.assert_array_equal(np.asarray(ds[1][0]), data[1].numpy())
    assert len(datasets.MNIST(tmp_path, train=True)) == 1
