"""Models and optimizers pickled whole (`torch.save(model)`), across the two libraries.

torch names every class of a whole-model pickle by its module path (`torch.nn.modules.conv.Conv2d`);
ember keeps torch's file layout and maps `torch.X` -> `ember.X` on a trusted load (weights_only=False),
and `ember.save` writes torch's names for ember's classes. Every layer below is pickled by one library
and loaded by the other; the loaded layer must compute what the original computes, print the same and
keep its training flag. User classes defined in `__main__` and loads with only one of the libraries
installed run in subprocesses.
"""
from __future__ import annotations

import collections
import io
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember
from ember.serialization import UnpicklingError
from oracle import assert_same

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (constructor on a library, input shapes or None for no forward): one layer of every ember.nn.modules file
LAYERS = {
    "Linear": (lambda L: L.nn.Linear(4, 3), [(2, 4)]),
    "Bilinear": (lambda L: L.nn.Bilinear(3, 4, 2), [(2, 3), (2, 4)]),
    "Identity": (lambda L: L.nn.Identity(), [(2, 3)]),
    "Conv1d": (lambda L: L.nn.Conv1d(2, 3, 3, padding=1), [(1, 2, 7)]),
    "Conv2d": (lambda L: L.nn.Conv2d(2, 4, 3, stride=2, padding=1, padding_mode="reflect"), [(1, 2, 8, 8)]),
    "ConvTranspose2d": (lambda L: L.nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1), [(1, 2, 4, 4)]),
    "BatchNorm1d": (lambda L: L.nn.BatchNorm1d(4), [(3, 4)]),
    "BatchNorm2d": (lambda L: L.nn.BatchNorm2d(3, momentum=None), [(2, 3, 4, 4)]),
    "InstanceNorm2d": (lambda L: L.nn.InstanceNorm2d(3, affine=True), [(2, 3, 4, 4)]),
    "LayerNorm": (lambda L: L.nn.LayerNorm([3, 4]), [(2, 3, 4)]),
    "GroupNorm": (lambda L: L.nn.GroupNorm(2, 4), [(2, 4, 3)]),
    "RMSNorm": (lambda L: L.nn.RMSNorm(4), [(2, 4)]),
    "LocalResponseNorm": (lambda L: L.nn.LocalResponseNorm(2), [(1, 4, 3, 3)]),
    "ReLU": (lambda L: L.nn.ReLU(inplace=True), [(2, 3)]),
    "LeakyReLU": (lambda L: L.nn.LeakyReLU(0.2), [(2, 3)]),
    "PReLU": (lambda L: L.nn.PReLU(3), [(2, 3)]),
    "GELU": (lambda L: L.nn.GELU(approximate="tanh"), [(2, 3)]),
    "Softmax": (lambda L: L.nn.Softmax(dim=1), [(2, 3)]),
    "LogSoftmax": (lambda L: L.nn.LogSoftmax(dim=-1), [(2, 3)]),
    "Hardtanh": (lambda L: L.nn.Hardtanh(-0.5, 0.5), [(2, 3)]),
    "Threshold": (lambda L: L.nn.Threshold(0.1, 20.0), [(2, 3)]),
    "SiLU": (lambda L: L.nn.SiLU(), [(2, 3)]),
    "Softplus": (lambda L: L.nn.Softplus(beta=2.0), [(2, 3)]),
    "GLU": (lambda L: L.nn.GLU(), [(2, 4)]),
    "MultiheadAttention": (lambda L: L.nn.MultiheadAttention(4, 2, batch_first=True), [(2, 3, 4)] * 3),
    "MultiheadAttention_kdim": (lambda L: L.nn.MultiheadAttention(4, 2, kdim=3, vdim=5),
                                [(3, 2, 4), (3, 2, 3), (3, 2, 5)]),
    "Dropout": (lambda L: L.nn.Dropout(0.3), [(2, 3)]),
    "Dropout2d": (lambda L: L.nn.Dropout2d(), [(2, 3, 2, 2)]),
    "Flatten": (lambda L: L.nn.Flatten(), [(2, 3, 2)]),
    "Unflatten": (lambda L: L.nn.Unflatten(1, (2, 3)), [(2, 6)]),
    "Embedding": (lambda L: L.nn.Embedding(5, 3, padding_idx=0), None),
    "EmbeddingBag": (lambda L: L.nn.EmbeddingBag(5, 3, mode="max"), None),
    "MaxPool2d": (lambda L: L.nn.MaxPool2d(2, ceil_mode=True), [(1, 2, 5, 5)]),
    "AvgPool1d": (lambda L: L.nn.AvgPool1d(2), [(1, 2, 6)]),
    "AdaptiveAvgPool2d": (lambda L: L.nn.AdaptiveAvgPool2d((2, 3)), [(1, 2, 5, 7)]),
    "AdaptiveMaxPool1d": (lambda L: L.nn.AdaptiveMaxPool1d(3), [(1, 2, 7)]),
    "LPPool2d": (lambda L: L.nn.LPPool2d(2, 2), [(1, 2, 4, 4)]),
    "ReflectionPad2d": (lambda L: L.nn.ReflectionPad2d((1, 0, 2, 1)), [(1, 2, 3, 3)]),
    "ConstantPad1d": (lambda L: L.nn.ConstantPad1d(2, 3.5), [(1, 2, 3)]),
    "ZeroPad2d": (lambda L: L.nn.ZeroPad2d(1), [(1, 2, 3, 3)]),
    "PixelShuffle": (lambda L: L.nn.PixelShuffle(2), [(1, 8, 2, 2)]),
    "Upsample": (lambda L: L.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                 [(1, 2, 3, 3)]),
    "Fold": (lambda L: L.nn.Fold((3, 3), 2), [(1, 8, 4)]),
    "Unfold": (lambda L: L.nn.Unfold(2), [(1, 2, 3, 3)]),
    "CosineSimilarity": (lambda L: L.nn.CosineSimilarity(dim=1), [(2, 3), (2, 3)]),
    "PairwiseDistance": (lambda L: L.nn.PairwiseDistance(p=1.0), [(2, 3), (2, 3)]),
    "MSELoss": (lambda L: L.nn.MSELoss(reduction="sum"), [(2, 3), (2, 3)]),
    "SmoothL1Loss": (lambda L: L.nn.SmoothL1Loss(beta=0.5), [(2, 3), (2, 3)]),
    "KLDivLoss": (lambda L: L.nn.KLDivLoss(reduction="batchmean", log_target=True), [(2, 3), (2, 3)]),
    "CrossEntropyLoss": (lambda L: L.nn.CrossEntropyLoss(label_smoothing=0.1), None),
    "RNN": (lambda L: L.nn.RNN(3, 4, num_layers=2, nonlinearity="relu"), [(5, 2, 3)]),
    "LSTM": (lambda L: L.nn.LSTM(3, 4, batch_first=True, bidirectional=True), [(2, 5, 3)]),
    "LSTM_proj": (lambda L: L.nn.LSTM(3, 4, num_layers=2, proj_size=2, bidirectional=True), [(5, 2, 3)]),
    "GRU": (lambda L: L.nn.GRU(3, 4, bias=False), [(5, 2, 3)]),
    "LSTMCell": (lambda L: L.nn.LSTMCell(3, 4), [(2, 3)]),
    "GRUCell": (lambda L: L.nn.GRUCell(3, 4), [(2, 3)]),
    "TransformerEncoderLayer": (lambda L: L.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0,
                                                                       batch_first=True), [(2, 3, 4)]),
    "TransformerEncoderLayer_gelu": (lambda L: L.nn.TransformerEncoderLayer(4, 2, 8, activation="gelu",
                                                                            norm_first=True), [(3, 2, 4)]),
    "TransformerDecoderLayer": (lambda L: L.nn.TransformerDecoderLayer(4, 2, 8), [(3, 2, 4), (5, 2, 4)]),
    "TransformerEncoder": (lambda L: L.nn.TransformerEncoder(L.nn.TransformerEncoderLayer(4, 2, 8), 2,
                                                             enable_nested_tensor=False), [(3, 2, 4)]),
    "Transformer": (lambda L: L.nn.Transformer(4, 2, 1, 1, 8), [(3, 2, 4), (5, 2, 4)]),
    "Sequential": (lambda L: L.nn.Sequential(L.nn.Conv2d(1, 2, 3), L.nn.BatchNorm2d(2), L.nn.ReLU(),
                                             L.nn.Flatten(), L.nn.Linear(8, 2)), [(3, 1, 4, 4)]),
    "Sequential_named": (lambda L: L.nn.Sequential(collections.OrderedDict(
        fc=L.nn.Linear(3, 3), act=L.nn.Tanh())), [(2, 3)]),
    "ModuleList": (lambda L: L.nn.ModuleList([L.nn.Linear(2, 2), L.nn.ReLU()]), None),
    "ModuleDict": (lambda L: L.nn.ModuleDict({"a": L.nn.Linear(2, 2)}), None),
    "ParameterList": (lambda L: L.nn.ParameterList([L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.zeros(3))]),
                      None),
    "ParameterDict": (lambda L: L.nn.ParameterDict({"w": L.nn.Parameter(L.ones(2))}), None),
}

_INTS = {"Embedding": np.array([[1, 0, 4]]), "EmbeddingBag": np.array([[1, 2], [4, 3]])}


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _forward(L, m, name, shapes):
    if name in _INTS:
        return m(L.from_numpy(_INTS[name]))
    if name == "CrossEntropyLoss":
        x = _inputs([(3, 4)])[0]
        return m(L.from_numpy(x), L.tensor([0, 3, 1]))
    with L.no_grad():
        return m(*[L.from_numpy(a) for a in _inputs(shapes)])


def _state(m):
    return {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}


def _same_layer(got, want, name, shapes):
    assert type(got).__name__ == type(want).__name__
    assert repr(got) == repr(want)
    assert got.training == want.training
    assert sorted(_state(got)) == sorted(_state(want))
    for k, v in _state(want).items():
        np.testing.assert_array_equal(_state(got)[k], v, err_msg=k)
    if not want.training and (shapes is not None or name in _INTS or name == "CrossEntropyLoss"):
        from_got = _forward(ember if type(got).__module__.startswith("ember") else sys.modules["torch"],
                            got, name, shapes)
        from_want = _forward(ember if type(want).__module__.startswith("ember") else sys.modules["torch"],
                             want, name, shapes)
        assert_same(from_got, from_want, rtol=1e-5, atol=1e-5, requires_grad=False)


def _built(L, name, seed=0):
    L.manual_seed(seed)
    m = LAYERS[name][0](L)
    if "Dropout" not in name:          # dropout layers stay in training mode (no forward compared)
        m.eval()
    return m


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_torch_pickles_a_layer_whole_and_ember_loads_it(tmp_path, torch, name):
    m = _built(torch, name)
    torch.save(m, tmp_path / "m.pt")
    back = ember.load(tmp_path / "m.pt", weights_only=False)
    assert type(back).__module__ == type(m).__module__.replace("torch", "ember", 1)
    _same_layer(back, m, name, LAYERS[name][1])


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_ember_pickles_a_layer_whole_and_torch_loads_it(tmp_path, torch, name):
    m = _built(ember, name)
    ember.save(m, tmp_path / "m.pt")
    back = torch.load(tmp_path / "m.pt", weights_only=False)
    assert type(back).__module__ == type(m).__module__.replace("ember", "torch", 1)
    _same_layer(back, m, name, LAYERS[name][1])
    again = ember.load(tmp_path / "m.pt", weights_only=False)       # and ember reads its own file back
    _same_layer(again, m, name, LAYERS[name][1])


def _classes(L, m):
    return sorted({type(s) for s in m.modules()}, key=lambda c: c.__name__)


@pytest.mark.parametrize("name", ["Sequential", "MultiheadAttention", "LSTM", "TransformerEncoderLayer",
                                  "ParameterList"])
def test_safe_globals_load_a_whole_model_the_torch_2_6_way(tmp_path, torch, name):
    """weights_only=True (the default) with the model's classes allowlisted, as torch's error advises."""
    m = _built(torch, name)
    torch.save(m, tmp_path / "m.pt")
    extra = [torch.nn.functional.relu] if "Transformer" in name else []
    with torch.serialization.safe_globals(_classes(torch, m) + extra):
        want = torch.load(tmp_path / "m.pt")
    eclasses = _classes(ember, _built(ember, name))
    with pytest.raises(UnpicklingError, match="torch.nn.modules"):
        ember.load(tmp_path / "m.pt")
    with ember.serialization.safe_globals(eclasses + ([ember.nn.functional.relu] if extra else [])):
        back = ember.load(tmp_path / "m.pt")
    _same_layer(back, want, name, LAYERS[name][1])
    # the other way: ember's file, torch's weights-only loader with torch's classes allowlisted
    ember.save(_built(ember, name), tmp_path / "e.pt")
    with torch.serialization.safe_globals(_classes(torch, m) + extra):
        tback = torch.load(tmp_path / "e.pt")
    _same_layer(tback, _built(ember, name), name, LAYERS[name][1])


def test_safe_globals_accept_torch_paths_or_ember_classes(tmp_path, torch):
    torch.save(torch.nn.Linear(2, 3), tmp_path / "m.pt")
    with ember.serialization.safe_globals([ember.nn.modules.linear.Linear]):
        assert type(ember.load(tmp_path / "m.pt")) is ember.nn.Linear
    with ember.serialization.safe_globals([(ember.nn.Linear, "torch.nn.modules.linear.Linear")]):
        assert type(ember.load(tmp_path / "m.pt")) is ember.nn.Linear
    assert ember.serialization.get_safe_globals() == []


def _train(L, model, opt, steps=3):
    x = L.from_numpy(_inputs([(6, 4)], seed=1)[0])
    for _ in range(steps):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    return model(x).detach()


@pytest.mark.parametrize("opt_name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_optimizer_pickled_whole_continues_in_the_other_library(tmp_path, torch, opt_name):
    """A checkpoint {'model': model, 'opt': optimizer} pickled whole, training resumed after loading."""
    kw = {"SGD": dict(lr=0.1, momentum=0.9), "Adam": dict(lr=0.01), "AdamW": dict(lr=0.01, amsgrad=True),
          "RMSprop": dict(lr=0.01, centered=True)}[opt_name]
    for src, dst in ((torch, ember), (ember, torch)):
        src.manual_seed(0)
        model = src.nn.Sequential(src.nn.Linear(4, 5), src.nn.Tanh(), src.nn.Linear(5, 1))
        opt = getattr(src.optim, opt_name)(model.parameters(), **kw)
        _train(src, model, opt)
        src.save({"model": model, "opt": opt}, tmp_path / "ck.pt")
        want = _train(src, model, opt)                      # the original keeps training
        ck = dst.load(tmp_path / "ck.pt", weights_only=False)
        assert type(ck["opt"]).__module__.split(".")[0] == dst.__name__
        assert ck["opt"].param_groups[0]["params"][0] is next(ck["model"].parameters())
        got = _train(dst, ck["model"], ck["opt"])          # the loaded copy trains the same way
        assert_same(got, want, rtol=1e-5, atol=1e-6)


_MAIN_TORCH = """
import sys, torch
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
        self.head = torch.nn.Linear(4, 2)
        self.scale = 2.0
    def forward(self, x):
        return self.head(self.body(x)) * self.scale
if sys.argv[1] == "save":
    torch.manual_seed(0)
    torch.save(Net().eval(), sys.argv[2])
else:
    net = torch.load(sys.argv[2], weights_only=False)
    if len(sys.argv) > 4:
        with torch.serialization.safe_globals([Net, torch.nn.Sequential, torch.nn.Linear, torch.nn.ReLU]):
            assert repr(torch.load(sys.argv[2])) == repr(net)
    print(type(net).__module__, type(net.head).__module__)
    x = torch.arange(6.0).reshape(2, 3) / 5
    print(net(x).tolist(), repr(net))
assert sys.modules["torch"].__name__ == sys.argv[-1]
"""


def _run(lib, mode, path, *extra):
    """The script above with `torch` bound to `lib`, in a process where the other library is not imported."""
    if lib == "ember":
        pre = "import ember.compat; ember.compat.install()\n"     # `import torch` is ember, never torch
    else:
        pre = "import sys; sys.modules['ember'] = None\n"
    code = pre + textwrap.dedent(_MAIN_TORCH)
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code, mode, str(path), *extra, lib], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.mark.parametrize("saver,loader", [("torch", "ember"), ("ember", "torch")])
def test_a_main_module_class_travels_between_the_libraries(tmp_path, torch, saver, loader):
    path = tmp_path / "net.pt"
    _run(saver, "save", path)
    got = _run(loader, "load", path, "safe_globals")
    want = _run(saver, "load", path)           # what the saving library computes with its own file
    # the class paths print as the loading library's own (under ember.compat, torch.nn is ember.nn)
    assert got.splitlines()[0] == ("__main__ ember.nn.modules.linear" if loader == "ember"
                                   else "__main__ torch.nn.modules.linear")
    gl, wl = got.splitlines()[1], want.splitlines()[1]
    assert gl.split("]]")[1] == wl.split("]]")[1]
    np.testing.assert_allclose(eval(gl.split("]]")[0] + "]]"), eval(wl.split("]]")[0] + "]]"), rtol=1e-6)


def test_a_torch_global_ember_lacks_is_named(tmp_path, torch):
    torch.save({"m": torch.nn.ChannelShuffle(2)} if not hasattr(ember.nn, "ChannelShuffle")
               else {"m": torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4])}, tmp_path / "m.pt")
    with pytest.raises(UnpicklingError, match=r"nn\.modules\.\w+\.\w+, which ember does not implement"):
        ember.load(tmp_path / "m.pt", weights_only=False)


def test_functions_of_torch_c_namespaces_resolve(tmp_path, torch):
    # F.gelu is torch._C._nn.gelu: a layer holding it pickles that path
    layer = torch.nn.TransformerEncoderLayer(4, 2, 8, activation=torch.nn.functional.gelu)
    torch.save(layer, tmp_path / "m.pt")
    back = ember.load(tmp_path / "m.pt", weights_only=False)
    assert back.activation is ember.nn.functional.gelu


def test_ember_writes_public_torch_names_for_its_functions():
    buf = io.BytesIO()
    ember.save({"f": ember.nn.functional.relu, "g": ember.exp, "c": ember.nn.Conv2d, "t": ember.Tensor}, buf)
    data = buf.getvalue()
    for path in (b"torch.nn.functional\nrelu", b"torch\nexp", b"torch.nn.modules.conv\nConv2d",
                 b"torch\nTensor"):
        assert path in data
    assert b"ember" not in data
    back = ember.load(io.BytesIO(data), weights_only=False)
    assert back["f"] is ember.nn.functional.relu and back["c"] is ember.nn.Conv2d
    assert back["t"] is ember.Tensor


_SCRIPT = os.path.join(ROOT, "tests", "compat_scripts", "whole_model_pickle.py")


def _script(lib, *args, cwd):
    cmd = [sys.executable] + ([] if lib == "torch" else ["-m", "ember.compat"]) + [_SCRIPT, *args]
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONWARNINGS="ignore")
    out = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.mark.parametrize("saver,loader", [("torch", "ember"), ("ember", "torch")])
def test_the_compat_script_saves_in_one_library_and_loads_in_the_other(tmp_path, torch, saver, loader):
    """tests/compat_scripts/whole_model_pickle.py: its save half under one library, its load half (whole
    model, safe_globals, optimizer checkpoint, resumed training) under the other print what torch prints
    running both halves."""
    import test_compat_scripts as harness
    got = _script(saver, "save", str(tmp_path), cwd=tmp_path)
    got += _script(loader, "load", str(tmp_path), cwd=tmp_path)
    (tmp_path / "ref").mkdir()
    want = _script("torch", "both", str(tmp_path / "ref"), cwd=tmp_path / "ref")
    ours, theirs = harness._compared_lines(got), harness._compared_lines(want)
    assert len(ours) == len(theirs), (ours, theirs)
    for a, b in zip(ours, theirs):
        assert harness.NUM.sub("#", a) == harness.NUM.sub("#", b), (a, b)
        na, nb = harness._numbers(a), harness._numbers(b)
        assert all(harness._same_number(p, q) for p, q in zip(na, nb)), (a, b)
