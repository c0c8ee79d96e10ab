"""examples/mnist.py --tensorboard DIR --graph FILE on tiny data: the log reads back in TensorBoard and the
picture is the autograd graph of the example's loss."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter

from ember_testutil import require

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SVG = "{http://www.w3.org/2000/svg}"


def _write_mnist():
    spec = importlib.util.spec_from_file_location("_vision_idx_insight",
                                                  os.path.join(ROOT, "tests", "vision", "_vision_idx.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write_mnist


def test_mnist_writes_a_tensorboard_log_and_a_graph_picture(tmp_path):
    require("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    write_mnist = _write_mnist()
    raw = tmp_path / "data" / "MNIST" / "raw"
    write_mnist(raw, n=48, prefix="train")
    write_mnist(raw, n=30, prefix="t10k", seed=1)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    args = ["--dry-run", "--epochs", "2", "--batch-size", "16", "--test-batch-size", "10", "--data",
            str(tmp_path / "data"), "--tensorboard", str(tmp_path / "log"),
            "--graph", str(tmp_path / "g.svg")]
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "mnist.py"), *args], cwd=tmp_path,
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"Saved a picture of the autograd graph to {tmp_path / 'g.svg'}" in r.stdout
    assert f"TensorBoard log in {tmp_path / 'log'}" in r.stdout

    root = ET.parse(tmp_path / "g.svg").getroot()
    names = Counter(g.get("data-name") for g in root.iter(SVG + "g") if g.get("class") == "node")
    assert names["ConvolutionBackward0"] == 2 and names["AddmmBackward0"] == 2
    assert names["AccumulateGrad"] == 8
    assert names["NllLossBackward0"] == 1 and names["output"] == 1
    texts = {t.text for t in root.iter(SVG + "text")}
    assert {"conv1.weight", "fc2.bias", "(16, 10) float32"} <= texts

    acc = EventAccumulator(str(tmp_path / "log"), size_guidance={"scalars": 0, "histograms": 0, "images": 0,
                                                                 "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    assert set(tags["scalars"]) == {"train/loss", "test/loss", "test/accuracy", "lr"}
    assert [s.step for s in acc.Scalars("train/loss")] == [0, 3]        # one batch per epoch, 3 batches each
    assert [s.step for s in acc.Scalars("test/accuracy")] == [1, 2]
    assert all(0 <= s.value <= 100 for s in acc.Scalars("test/accuracy"))
    assert {"conv1.weight", "conv1.bias", "fc2.weight"} <= set(tags["histograms"])
    (img,) = acc.Images("train/first_batch")
    assert (img.width, img.height) == (8 * 28, 2 * 28)                   # 16 digits, 8 per row
    assert tags["graph"] and "args/text_summary" in tags["tensors"]
    ops = {n.op for n in acc.Graph().node}
    assert {"Convolution", "Addmm", "IO Node", "Parameter"} <= ops
