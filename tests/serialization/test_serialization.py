"""ember.save / ember.load: round trips with real torch both ways, safety, atomicity, safetensors."""
from __future__ import annotations

import collections
import fractions
import io
import os
import pickle
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
from ember_testutil import require

import ember
from ember.serialization import UnpicklingError
from oracle import assert_same

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DTYPES = ["float16", "float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _sample(dt, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    if dt == "bool":
        return rng.random(shape) > 0.5
    if dt.startswith("float"):
        return rng.standard_normal(shape).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(max(info.min, -100), min(info.max, 100), size=shape).astype(dt)


def _checkpoint(lib):
    """The same nested checkpoint built with ember or torch from the same numpy data."""
    base = lib.from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4).copy())
    ck = {
        "epoch": 3,
        "lr": 0.5,
        "name": "run-1",
        "betas": (0.9, 0.999),
        "flags": [True, None, 2],
        "zero_d": lib.tensor(3.5),
        "empty": lib.zeros(0, 5),
        "base": base,
        "col": base[:, 1],                 # a strided view of base
        "t": base.t(),                     # a transposed view
        "model": collections.OrderedDict(
            (f"layer.{dt}", lib.from_numpy(_sample(dt, seed=i))) for i, dt in enumerate(DTYPES)),
    }
    return ck


def test_ember_round_trip_keeps_values_dtypes_and_view_sharing(tmp_path):
    ck = _checkpoint(ember)
    path = tmp_path / "ck.pt"
    ember.save(ck, path)
    back = ember.load(path)
    assert_same(back, ck, rtol=0, atol=0)
    assert isinstance(back["model"], collections.OrderedDict)
    back["base"][0, 1] = 100.0               # views still share memory with their base
    assert back["col"][0].item() == 100.0
    assert back["t"][1, 0].item() == 100.0


def test_ember_writes_what_torch_reads(tmp_path, torch):
    ck = _checkpoint(ember)
    path = tmp_path / "ck.pt"
    ember.save(ck, path)
    back = torch.load(path)                  # torch's own weights_only loader accepts it
    assert_same(back, _checkpoint(torch), rtol=0, atol=0)
    back["base"][0, 1] = 100.0
    assert back["col"][0].item() == 100.0


def test_torch_writes_what_ember_reads(tmp_path, torch):
    ck = _checkpoint(torch)
    ck["bf16"] = torch.tensor([1.5, -2.25, 3.0], dtype=torch.bfloat16)
    ck["param"] = torch.nn.Parameter(torch.ones(2, 2))
    path = tmp_path / "ck.pt"
    torch.save(ck, path)
    back = ember.load(path)
    exp = _checkpoint(ember)
    for k in exp:
        assert_same(back[k], exp[k], rtol=0, atol=0, path=k)
    np.testing.assert_array_equal(back["bf16"].numpy(), np.array([1.5, -2.25, 3.0], np.float32))
    assert back["param"].requires_grad and back["param"].shape == (2, 2)
    back["base"][2, 1] = -1.0
    assert back["col"][2].item() == -1.0


def test_torch_module_and_optimizer_state_dicts(tmp_path, torch):
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(torch.randn(5, 4)).sum().backward()
    opt.step()
    path = tmp_path / "ck.pt"
    torch.save({"model": net.state_dict(), "optimizer": opt.state_dict()}, path)
    back = ember.load(path)
    sd = net.state_dict()
    assert list(back["model"].keys()) == list(sd.keys())
    for k, v in sd.items():
        np.testing.assert_array_equal(back["model"][k].numpy(), v.numpy())
        assert back["model"][k].dtype.name == str(v.dtype).split(".")[1]
    osd = opt.state_dict()
    assert back["optimizer"]["param_groups"][0]["betas"] == osd["param_groups"][0]["betas"]
    assert set(back["optimizer"]["state"]) == set(osd["state"])
    np.testing.assert_array_equal(back["optimizer"]["state"][0]["exp_avg"].numpy(),
                                  osd["state"][0]["exp_avg"].numpy())
    # and back again: ember re-saves, torch loads the same structure
    ember.save(back, tmp_path / "again.pt")
    again = torch.load(tmp_path / "again.pt")
    for k, v in sd.items():
        assert torch.equal(again["model"][k], v)


def test_file_objects_and_pathlike(tmp_path, torch):
    buf = io.BytesIO()
    ember.save({"x": ember.ones(3)}, buf)
    buf.seek(0)
    assert torch.load(buf)["x"].tolist() == [1.0, 1.0, 1.0]
    buf = io.BytesIO()
    torch.save({"y": torch.arange(3)}, buf)
    buf.seek(0)
    assert ember.load(buf)["y"].tolist() == [0, 1, 2]


def test_records_are_64_byte_aligned(tmp_path):
    path = tmp_path / "a.pt"
    ember.save({"a": ember.ones(7), "b": ember.zeros(3, dtype=ember.int64)}, path)
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            h = info.header_offset
            nl, el = int.from_bytes(raw[h + 26:h + 28], "little"), int.from_bytes(raw[h + 28:h + 30], "little")
            assert (h + 30 + nl + el) % 64 == 0, info.filename


def test_mmap_load(tmp_path, torch):
    torch.save({"w": torch.arange(10.0)}, tmp_path / "m.pt")
    back = ember.load(tmp_path / "m.pt", mmap=True)
    assert back["w"].tolist() == list(map(float, range(10)))
    back["w"][0] = 5.0                      # copy-on-write: the file is untouched
    assert ember.load(tmp_path / "m.pt")["w"][0].item() == 0.0


def test_map_location(tmp_path, torch):
    torch.save({"w": torch.ones(2)}, tmp_path / "m.pt")
    assert ember.load(tmp_path / "m.pt", map_location="cpu")["w"].tolist() == [1.0, 1.0]
    assert ember.load(tmp_path / "m.pt", map_location=lambda s, loc: s)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="CPU only"):
        ember.load(tmp_path / "m.pt", map_location="cuda:0")


def test_cuda_location_string_loads_to_cpu(tmp_path, torch):
    # rewrite the location string of a CPU checkpoint to 'cuda:0', as if saved from a GPU
    torch.save({"w": torch.ones(2)}, tmp_path / "c.pt")
    with zipfile.ZipFile(tmp_path / "c.pt") as zf:
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(tmp_path / "g.pt", "w") as zf:
        for info, data in items:
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            zf.writestr(info.filename, data)
    assert ember.load(tmp_path / "g.pt")["w"].tolist() == [1.0, 1.0]


# ---- safety ------------------------------------------------------------------------------------

class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _zip_with_pickle(path, payload: bytes):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/version", b"3\n")


@pytest.mark.parametrize("kind", ["torch_zip", "handmade_zip", "legacy_raw_pickle"])
def test_malicious_checkpoint_is_rejected_and_runs_nothing(tmp_path, torch, kind):
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.pt"
    if kind == "torch_zip":
        torch.save({"x": _Evil(marker)}, path)
    elif kind == "handmade_zip":
        _zip_with_pickle(path, pickle.dumps({"x": _Evil(marker)}, protocol=2))
    else:
        path.write_bytes(pickle.dumps(_Evil(marker), protocol=2))
    with pytest.raises(UnpicklingError, match="system"):
        ember.load(path)
    assert not marker.exists()
    assert "add_safe_globals" in _err(lambda: ember.load(path))


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e)
    return ""


def test_add_safe_globals_allows_a_named_class(tmp_path):
    path = tmp_path / "c.pt"
    ember.save({"c": fractions.Fraction(3, 7)}, path)
    with pytest.raises(UnpicklingError, match="Fraction"):
        ember.load(path)
    with ember.serialization.safe_globals([fractions.Fraction]):
        assert ember.load(path)["c"] == fractions.Fraction(3, 7)
    assert ember.load(path, weights_only=False)["c"] == fractions.Fraction(3, 7)


def test_counter_and_complex_load_by_default_as_in_torch(tmp_path, torch):
    torch.save({"c": collections.Counter("aab"), "z": 1 + 2j}, tmp_path / "c.pt")
    assert torch.load(tmp_path / "c.pt") == ember.load(tmp_path / "c.pt") == {"c": collections.Counter("aab"),
                                                                               "z": 1 + 2j}


@pytest.mark.parametrize("damage", ["truncate_half", "truncate_tail", "flip_storage_size", "garbage", "empty"])
def test_corrupted_files_give_clear_errors(tmp_path, damage):
    path = tmp_path / "ck.pt"
    ember.save({"w": ember.arange(1000.0), "n": 1}, path)
    raw = path.read_bytes()
    if damage == "truncate_half":
        raw = raw[: len(raw) // 2]
    elif damage == "truncate_tail":
        raw = raw[:-30]
    elif damage == "flip_storage_size":
        # claim a much larger tensor than the storage holds
        with zipfile.ZipFile(path) as zf:
            items = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in items:
                if name.endswith("data.pkl"):
                    data = data.replace(b"M\xe8\x03", b"M\xe8\x07")   # 1000 -> 2024 elements
                zf.writestr(name, data)
        raw = path.read_bytes()
    elif damage == "garbage":
        raw = os.urandom(4096)
    else:
        raw = b""
    path.write_bytes(raw)
    with pytest.raises((UnpicklingError, EOFError)) as ei:
        ember.load(path)
    assert str(ei.value)


# ---- atomic writes -----------------------------------------------------------------------------

_SAVER = r"""
import sys, numpy as np
sys.path.insert(0, {root!r})
import ember
big = {{"w": ember.from_numpy(np.full(16_000_000, 7.0, dtype=np.float32))}}
print("ready", flush=True)
while True:
    ember.save(big, {path!r})
"""


def test_killing_a_save_midway_never_destroys_the_previous_checkpoint(tmp_path):
    path = str(tmp_path / "ck.pt")
    ember.save({"w": ember.ones(4)}, path)
    proc = subprocess.Popen([sys.executable, "-c", _SAVER.format(root=ROOT, path=path)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        for delay in (0.05, 0.15, 0.3):
            time.sleep(delay)
            back = ember.load(path)                 # always a complete checkpoint: old or new
            assert back["w"].shape in ((4,), (16_000_000,))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        back = ember.load(path)
        assert back["w"].shape in ((4,), (16_000_000,))
        assert float(back["w"][0]) in (1.0, 7.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_failed_save_keeps_old_file_and_cleans_temp(tmp_path):
    path = tmp_path / "ck.pt"
    ember.save({"w": ember.ones(2)}, path)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        ember.save({"bad": Unpicklable()}, path)
    assert ember.load(path)["w"].tolist() == [1.0, 1.0]
    assert sorted(os.listdir(tmp_path)) == ["ck.pt"]


# ---- loading without torch ---------------------------------------------------------------------

_NO_TORCH = r"""
import sys
sys.modules["torch"] = None          # any `import torch` now raises ImportError
sys.path.insert(0, {root!r})
import numpy as np, ember
sd = ember.load({path!r})
x = ember.from_numpy(np.load({xpath!r}))
h = (x @ sd["0.weight"].t() + sd["0.bias"]).relu()
y = h @ sd["2.weight"].t() + sd["2.bias"]
np.save({out!r}, y.numpy())
assert "torch" not in [m for m in sys.modules if sys.modules[m] is not None]
"""


def test_model_trained_in_torch_predicts_the_same_in_ember_without_torch(tmp_path, torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x = torch.randn(32, 6)
    target = torch.randint(0, 3, (32,))
    for _ in range(20):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), target).backward()
        opt.step()
    path, xpath, out = tmp_path / "m.pt", tmp_path / "x.npy", tmp_path / "y.npy"
    torch.save(net.state_dict(), path)
    np.save(xpath, x.numpy())
    code = _NO_TORCH.format(root=ROOT, path=str(path), xpath=str(xpath), out=str(out))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    with torch.no_grad():
        expected = net(x).numpy()
    np.testing.assert_allclose(np.load(out), expected, rtol=1e-5, atol=1e-6)


# ---- safetensors -------------------------------------------------------------------------------

def _st_tensors():
    return {f"t.{dt}": _sample(dt, shape=(2, 3), seed=i) for i, dt in enumerate(DTYPES)} | {
        "scalar": np.array(2.5, dtype=np.float32), "empty": np.zeros((0, 4), dtype=np.float32)}


@pytest.mark.parametrize("mmap", [False, True])
def test_safetensors_round_trip_with_the_reference_package(tmp_path, torch, mmap):
    st_numpy = require("safetensors.numpy")
    data = _st_tensors()
    ember.safetensors.save_file({k: ember.from_numpy(v) for k, v in data.items()}, tmp_path / "e.safetensors",
                                metadata={"format": "pt"})
    ref = st_numpy.load_file(str(tmp_path / "e.safetensors"))
    for k, v in data.items():
        np.testing.assert_array_equal(ref[k], v)
        assert ref[k].dtype == v.dtype
    st_numpy.save_file(data, str(tmp_path / "r.safetensors"))
    back = ember.safetensors.load_file(tmp_path / "r.safetensors", mmap=mmap)
    for k, v in data.items():
        np.testing.assert_array_equal(back[k].numpy(), v)
        assert back[k].dtype.np == v.dtype
    assert ember.safetensors.load(ember.safetensors.save({"a": ember.ones(2)}))["a"].tolist() == [1.0, 1.0]


def test_safetensors_bad_header_is_a_clear_error(tmp_path):
    p = tmp_path / "bad.safetensors"
    p.write_bytes((10 ** 12).to_bytes(8, "little") + b"{}")
    with pytest.raises(ValueError, match="header length"):
        ember.safetensors.load_file(p)


def test_legacy_non_zip_format_from_torch(tmp_path, torch):
    ck = _checkpoint(torch)
    path = tmp_path / "legacy.pt"
    torch.save(ck, path, _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(path)
    back = ember.load(path)
    assert_same(back, _checkpoint(ember), rtol=0, atol=0)
    back["base"][1, 1] = 42.0                  # storage sharing survives the legacy format too
    assert back["col"][1].item() == 42.0


def test_module_load_state_dict_accepts_a_torch_checkpoint(tmp_path, torch):
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 3))
    tnet(torch.randn(8, 1, 8, 8))              # move the BatchNorm running stats
    tnet.eval()
    torch.save(tnet.state_dict(), tmp_path / "m.pt")
    enet = ember.nn.Sequential(ember.nn.Conv2d(1, 4, 3), ember.nn.BatchNorm2d(4), ember.nn.ReLU(),
                               ember.nn.Flatten(), ember.nn.Linear(4 * 6 * 6, 3))
    result = enet.load_state_dict(ember.load(tmp_path / "m.pt"))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    enet.eval()
    x = np.random.default_rng(1).standard_normal((2, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = tnet(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        got = enet(ember.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # and the other way: ember's state_dict loads into torch with identical keys
    ember.save(enet.state_dict(), tmp_path / "e.pt")
    missing, unexpected = tnet.load_state_dict(torch.load(tmp_path / "e.pt"))
    assert missing == [] and unexpected == []


@pytest.mark.parametrize("weights_only", [True, False])
def test_legacy_format_parameters_and_full_pickle(tmp_path, torch, weights_only):
    ck = {"p": torch.nn.Parameter(torch.arange(4.0)), "c": collections.Counter("aab"), "n": 7}
    torch.save(ck, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with ember.serialization.safe_globals([collections.Counter]):
        back = ember.load(tmp_path / "old.pt", weights_only=weights_only)
    assert type(back["p"]).__name__ == "Parameter" and back["p"].requires_grad
    assert back["p"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert back["c"] == collections.Counter("aab") and back["n"] == 7
