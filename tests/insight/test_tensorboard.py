"""ember.utils.tensorboard.SummaryWriter: event files read back with TensorBoard's own reader, compared
with what torch.utils.tensorboard.SummaryWriter writes for the same calls."""
from __future__ import annotations

import glob
import io
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
from ember_testutil import require

import ember
import ember.nn as enn
from ember.utils.tensorboard import SummaryWriter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WALL = 1_700_000_000.25


@pytest.fixture(scope="module")
def tb():
    require("tensorboard")
    from tensorboard.backend.event_processing import event_accumulator, event_file_loader
    from tensorboard.compat.proto import graph_pb2
    from tensorboard.plugins.hparams import plugin_data_pb2
    return type("TB", (), dict(loader=event_file_loader.LegacyEventFileLoader, acc=event_accumulator,
                               GraphDef=graph_pb2.GraphDef, HParams=plugin_data_pb2.HParamsPluginData))


@pytest.fixture(scope="module")
def TorchWriter(torch, tb):
    from torch.utils.tensorboard import SummaryWriter as W
    return W


def events(tb, folder):
    """{sub-folder: [Event]} for every event file under `folder`, as written (the file_version event left
    out). The legacy loader gives the events untouched (the other one converts old-style summaries)."""
    out = {}
    for path in sorted(glob.glob(os.path.join(folder, "**", "events.out.tfevents.*"), recursive=True)):
        evs = list(tb.loader(path).Load())
        assert evs[0].file_version == "brain.Event:2"
        out.setdefault(os.path.relpath(os.path.dirname(path), folder), []).extend(evs[1:])
    return out


def both(tmp_path, TorchWriter, calls):
    for name, W, lib in (("torch", TorchWriter, "torch"), ("ember", SummaryWriter, "ember")):
        w = W(str(tmp_path / name))
        calls(w, lib)
        w.close()
    return str(tmp_path / "torch"), str(tmp_path / "ember")


def same_events(tb, a_dir, b_dir, summary_eq=None, same_time=True):
    a, b = events(tb, a_dir), events(tb, b_dir)
    assert sorted(a) == sorted(b)
    for run in a:
        assert len(a[run]) == len(b[run]), run
        for ea, eb in zip(a[run], b[run]):
            assert ea.step == eb.step and (ea.wall_time == eb.wall_time or not same_time)
            if summary_eq is None:
                assert ea.summary == eb.summary
            else:
                summary_eq(ea.summary, eb.summary)


def test_scalars_histograms_text_like_torch(tmp_path, tb, TorchWriter, torch):
    rng = np.random.default_rng(0)
    values = rng.standard_normal(1000).astype(np.float32)
    ints = rng.integers(-5, 50, 300)

    def calls(w, lib):
        L = torch if lib == "torch" else ember
        for i in range(4):
            w.add_scalar("loss", 1.0 / (i + 1), i, walltime=WALL + i)
        w.add_scalar("t", L.tensor(2.5), 7, walltime=WALL)
        w.add_scalar("np", np.float64(0.1), walltime=WALL)
        w.add_scalar("new", 3.25, 1, walltime=WALL, new_style=True)
        w.add_scalar("new64", 1 / 3, 1, walltime=WALL, new_style=True, double_precision=True)
        w.add_scalars("run/acc", {"train": 0.5, "val": 0.25}, 3, walltime=WALL)
        w.add_histogram("w", L.from_numpy(values), 2, walltime=WALL)
        w.add_histogram("ints", ints, 2, walltime=WALL)
        w.add_histogram("few", values, 3, walltime=WALL, max_bins=7)
        w.add_histogram("auto", values, 4, bins="auto", walltime=WALL)
        w.add_histogram("zeros", np.zeros(10), 5, walltime=WALL)
        w.add_histogram_raw("raw", 0.0, 4.0, 6, 9.0, 21.0, [1.0, 2.0, 4.0], [1, 2, 3], 6, walltime=WALL)
        w.add_text("note", "hello *world* \u00e9", 2, walltime=WALL)
    same_events(tb, *both(tmp_path, TorchWriter, calls))
    acc = tb.acc.EventAccumulator(str(tmp_path / "ember"), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    assert [(s.step, round(s.value, 6)) for s in acc.Scalars("loss")] == [(0, 1.0), (1, 0.5), (2, 0.333333),
                                                                          (3, 0.25)]
    h = acc.Histograms("w")[0].histogram_value
    assert h.num == 1000 and sum(h.bucket) == 1000 and h.min == values.min()


def _decode_png(data):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(data)))


def test_images_decode_to_torchs_pixels(tmp_path, tb, TorchWriter, torch):
    rng = np.random.default_rng(1)
    chw = rng.random((3, 9, 11)).astype(np.float32)
    hwc = rng.integers(0, 256, (9, 11, 3)).astype(np.uint8)
    gray = rng.random((1, 5, 6))
    hw = rng.random((7, 4))
    rgba = rng.random((5, 6, 4))
    batch = rng.random((10, 1, 6, 5)).astype(np.float32)      # 10 images: two rows of the 8-wide grid
    out_of_range = rng.standard_normal((3, 4, 4)) * 2

    def calls(w, lib):
        L = torch if lib == "torch" else ember
        w.add_image("chw", L.from_numpy(chw), 0, walltime=WALL)
        w.add_image("hwc", hwc, 1, walltime=WALL, dataformats="HWC")
        w.add_image("gray", gray, 2, walltime=WALL)
        w.add_image("hw", hw, 3, walltime=WALL, dataformats="HW")
        w.add_image("rgba", rgba, 4, walltime=WALL, dataformats="HWC")
        w.add_image("clip", out_of_range, 5, walltime=WALL)
        w.add_images("batch", L.from_numpy(batch), 6, walltime=WALL)
        nhwc = batch.transpose(0, 2, 3, 1).repeat(3, axis=3)
        w.add_images("nhwc", nhwc, 7, walltime=WALL, dataformats="NHWC")

    def image_eq(sa, sb):
        (va,), (vb,) = sa.value, sb.value
        assert va.tag == vb.tag
        ia, ib = va.image, vb.image
        assert (ia.height, ia.width, ia.colorspace) == (ib.height, ib.width, ib.colorspace)
        pa, pb = _decode_png(ia.encoded_image_string), _decode_png(ib.encoded_image_string)
        assert pa.shape == pb.shape == (ia.height, ia.width, ia.colorspace) and np.array_equal(pa, pb), va.tag
    same_events(tb, *both(tmp_path, TorchWriter, calls), summary_eq=image_eq)


def test_hparams_like_torch(tmp_path, tb, TorchWriter, torch):
    def calls(w, lib):
        L = torch if lib == "torch" else ember
        w.add_hparams({"lr": 0.01, "bsize": 32, "opt": "adam", "drop": None, "t": L.tensor([0.5])},
                      {"hparam/accuracy": 0.75, "hparam/loss": 0.5},
                      hparam_domain_discrete={"opt": ["adam", "sgd"], "bsize": [16, 32]},
                      run_name="trial", global_step=3)

    def plugin_eq(sa, sb):
        (va,), (vb,) = sa.value, sb.value
        assert va.tag == vb.tag
        if va.HasField("metadata") and va.metadata.plugin_data.plugin_name == "hparams":
            assert vb.metadata.plugin_data.plugin_name == "hparams"
            ca, cb = tb.HParams(), tb.HParams()
            ca.ParseFromString(va.metadata.plugin_data.content)
            cb.ParseFromString(vb.metadata.plugin_data.content)
            assert ca == cb and (ca.experiment.hparam_infos or ca.session_start_info.hparams
                                 or ca.session_end_info.status)
        else:
            assert sa == sb
    t_dir, e_dir = both(tmp_path, TorchWriter, calls)
    assert sorted(events(tb, e_dir)) == [".", "trial"]
    runs = events(tb, e_dir)
    assert len(runs["trial"]) == 5 and all(e.step == 3 for e in runs["trial"])
    same_events(tb, t_dir, e_dir, summary_eq=plugin_eq, same_time=False)    # add_hparams takes no walltime


def test_hparams_bools_stay_bools(tmp_path, tb):
    """Deviation, documented: torch stores True as the number 1.0 (it tests int before bool)."""
    with SummaryWriter(str(tmp_path)) as w:
        w.add_hparams({"flag": True, "n": 2}, {"m": 1.0}, run_name="r")
    (ssi,) = [e for e in events(tb, str(tmp_path))["r"] if e.summary.value[0].tag.endswith("start_info")]
    data = tb.HParams()
    data.ParseFromString(ssi.summary.value[0].metadata.plugin_data.content)
    assert data.session_start_info.hparams["flag"].bool_value is True
    assert data.session_start_info.hparams["n"].number_value == 2.0


def _op_shapes(graph_def, io=False):
    """{scope: sorted output shapes of its op nodes} (torch: aten:: nodes; ember: everything but leaves)."""
    out = {}
    for n in graph_def.node:
        is_io = n.op == "IO Node"
        if is_io != io or n.op.startswith("prim::") or n.op in ("Parameter", "Constant"):
            continue
        shapes = [tuple(d.size for d in s.dim) for s in n.attr["_output_shapes"].list.shape]
        out.setdefault(n.name.rsplit("/", 1)[0], []).extend(shapes)
    return {k: sorted(v) for k, v in out.items()}


def _net(nn, F):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.block = nn.Sequential(nn.Linear(18, 8), nn.ReLU())
            self.fc = nn.Linear(8, 3)

        def forward(self, x):
            x = F.relu(self.conv(x)).flatten(1)
            return F.log_softmax(self.fc(self.block(x)), 1)
    return Net()


def test_graph_scopes_and_shapes_match_torchs_trace(tmp_path, tb, TorchWriter, torch):
    x = np.random.default_rng(0).standard_normal((2, 1, 5, 5)).astype(np.float32)
    with TorchWriter(str(tmp_path / "torch")) as w:
        w.add_graph(_net(torch.nn, torch.nn.functional), torch.from_numpy(x))
    model = _net(enn, ember.nn.functional)
    model.train()
    with SummaryWriter(str(tmp_path / "ember")) as w:
        w.add_graph(model, ember.from_numpy(x))
    assert model.training and model.conv.training        # the mode is restored after the eval-mode run
    graphs = {}
    for name in ("torch", "ember"):
        acc = tb.acc.EventAccumulator(str(tmp_path / name))
        acc.Reload()
        graphs[name] = acc.Graph()
        assert acc.Tags()["run_metadata"] == ["step1"]
    g = graphs["ember"]
    assert _op_shapes(g) == _op_shapes(graphs["torch"])
    io_shapes = [sorted(v for vs in _op_shapes(gr, io=True).values() for v in vs)
                 for gr in (g, graphs["torch"])]
    assert io_shapes[0] == io_shapes[1] == [(2, 1, 5, 5), (2, 3)]
    names = {n.name for n in g.node}
    assert all(i in names for n in g.node for i in n.input)
    params = {n.name for n in g.node if n.op == "Parameter"}
    assert params == {"Net/Conv2d[conv]/weight", "Net/Conv2d[conv]/bias",
                      "Net/Sequential[block]/Linear[0]/weight", "Net/Sequential[block]/Linear[0]/bias",
                      "Net/Linear[fc]/weight", "Net/Linear[fc]/bias"}


def test_file_names_flush_and_close(tmp_path, tb, monkeypatch):
    w = SummaryWriter(str(tmp_path / "a"), max_queue=3, filename_suffix=".v1")
    (path,) = glob.glob(str(tmp_path / "a" / "*"))
    pattern = rf"events\.out\.tfevents\.\d{{10}}\.{re.escape(socket.gethostname())}\.{os.getpid()}\.\d+\.v1"
    assert re.fullmatch(pattern, os.path.basename(path))
    assert len(list(tb.loader(path).Load())) == 1             # the file-version event, flushed at once
    w.add_scalar("x", 1.0, 0)
    w.add_scalar("x", 2.0, 1)
    assert len(list(tb.loader(path).Load())) == 1             # still queued
    w.add_scalar("x", 3.0, 2)                                 # the queue is full: written
    assert len(list(tb.loader(path).Load())) == 4
    w.add_scalar("x", 4.0, 3)
    w.flush()
    assert len(list(tb.loader(path).Load())) == 5
    w.close()
    w.close()                                                 # a second close does nothing
    w.add_scalar("x", 5.0, 4)                                 # like torch: a new event file
    w.close()
    assert len(glob.glob(str(tmp_path / "a" / "*"))) == 2
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as d:
        assert re.fullmatch(r"runs/\w{3}\d\d_\d\d-\d\d-\d\d_" + re.escape(socket.gethostname()) + "_lr0.1",
                            d.get_logdir().replace(os.sep, "/"))
    with SummaryWriter(str(tmp_path / "p"), purge_step=5) as p:
        p.add_scalar("y", 1.0, 5)
    evs = events(tb, str(tmp_path / "p"))["."]
    assert evs[0].step == 5 and evs[0].file_version == "brain.Event:2" and evs[1].session_log.status == 1


def test_crc_matches_tensorboard_and_is_checked(tmp_path, tb):
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as reference

    from ember.utils.tensorboard._proto import masked_crc32c
    rng = np.random.default_rng(0)
    for n in (0, 1, 255, 256, 4095, 4096, 4097, 70001):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert masked_crc32c(data) == reference(data), n
    with SummaryWriter(str(tmp_path)) as w:
        w.add_text("t", "x" * 5000)
        w.add_scalar("s", 1.0)
    (path,) = glob.glob(str(tmp_path / "events*"))
    assert len(list(tb.loader(path).Load())) == 3
    raw = bytearray(open(path, "rb").read())
    raw[-200] ^= 1                                            # one flipped bit in the text record
    open(path, "wb").write(bytes(raw))
    assert len(list(tb.loader(path).Load())) == 1             # the reader checks the CRC: it stops there


def test_no_tensorboard_protobuf_or_pillow_at_run_time(tmp_path):
    code = f"""
import sys, ember, ember.nn as nn
from ember.utils.tensorboard import SummaryWriter
with SummaryWriter({str(tmp_path)!r}) as w:
    w.add_scalar('a', 1.0, 0); w.add_histogram('h', ember.randn(100), 0); w.add_text('t', 'x')
    w.add_image('i', ember.rand(3, 4, 4)); w.add_hparams({{'lr': 0.1}}, {{'m': 1.0}})
    w.add_graph(nn.Linear(2, 1), ember.randn(3, 2))
print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'tensorboard', 'google', 'torch', 'PIL'}}))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_bad_input_errors(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        with pytest.raises(AssertionError, match=r"one element.*\(3,\)"):
            w.add_scalar("v", np.ones(3))
        with pytest.raises(AssertionError, match="dataformats 'CHW'"):
            w.add_image("i", np.ones((4, 4)))
        with pytest.raises(TypeError, match="should be dictionary"):
            w.add_hparams([("lr", 1)], {})
        with pytest.raises(ValueError, match="empty"):
            w.add_histogram("h", np.array([]))
        with pytest.raises(ValueError, match="should be one of int, float, str, bool"):
            w.add_hparams({"x": [1]}, {})
