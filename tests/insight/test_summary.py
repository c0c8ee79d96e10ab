"""ember.utils.summary against torchinfo on the same architectures built in torch and in ember: the whole
table, the totals and every row's shapes, parameter counts and mult-adds."""
from __future__ import annotations

import numpy as np
import pytest
from ember_testutil import require

import ember
from ember.utils import summary

ALL_COLUMNS = ("input_size", "output_size", "num_params", "params_percent", "kernel_size", "mult_adds",
               "trainable")
ROW_FIELDS = ("class_name", "var_name", "depth", "depth_index", "is_leaf_layer", "is_recursive", "input_size",
              "output_size", "num_params", "trainable_params", "param_bytes", "output_bytes", "macs",
              "kernel_size", "trainable", "executed")
TOTALS = ("total_params", "trainable_params", "total_mult_adds", "total_param_bytes", "total_output_bytes")


@pytest.fixture(scope="module")
def torchinfo():
    return require("torchinfo")


def mnist_net(L):
    nn, F = L.nn, L.nn.functional

    class Net(nn.Module):       # examples/mnist.py's model
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 32, 3, 1), nn.Conv2d(32, 64, 3, 1)
            self.dropout1, self.dropout2 = nn.Dropout(0.25), nn.Dropout(0.5)
            self.fc1, self.fc2 = nn.Linear(9216, 128), nn.Linear(128, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
            x = F.relu(self.fc1(L.flatten(self.dropout1(x), 1)))
            return F.log_softmax(self.fc2(self.dropout2(x)), dim=1)
    return Net()


def containers(L):
    nn = L.nn

    class Net(nn.Module):       # a called Sequential, a never-called ModuleList, a reused layer, frozen bias
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
            self.blocks = nn.ModuleList([nn.Linear(8 * 13 * 13, 32), nn.Linear(32, 32)])
            self.head = nn.Linear(32, 10)
            self.head.bias.requires_grad_(False)

        def forward(self, x):
            x = self.features(x).flatten(1)
            for b in self.blocks:
                x = b(x).relu()
            return self.head(self.blocks[1](x))
    return Net()


def recurrent(L):
    nn = L.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(50, 16)
            self.rnn = nn.LSTM(16, 24, num_layers=2, batch_first=True)
            self.out = nn.Linear(24, 3)

        def forward(self, tokens):
            h, _ = self.rnn(self.emb(tokens))
            return self.out(h[:, -1])
    return Net()


def nested(L):
    nn = L.nn
    inner = nn.Sequential(nn.Sequential(nn.Linear(4, 5), nn.GELU()), nn.Linear(5, 5))
    return nn.Sequential(nn.Sequential(inner, nn.LayerNorm(5)), nn.Linear(5, 2))


def conv1d(L):
    nn = L.nn
    return nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.ConvTranspose1d(4, 2, 2, stride=2),
                         nn.AvgPool1d(2))


def _inputs(L, data):
    if isinstance(data, np.ndarray):
        return L.from_numpy(data.copy())
    if isinstance(data, dict):
        return {k: _inputs(L, v) for k, v in data.items()}
    return [_inputs(L, v) for v in data]


CASES = [
    (mnist_net, dict(input_size=(64, 1, 28, 28))),
    (mnist_net, dict()),
    (mnist_net, dict(input_size=(8, 1, 28, 28), col_names=ALL_COLUMNS, verbose=2)),
    (containers, dict(input_size=(2, 1, 28, 28), col_names=ALL_COLUMNS, row_settings=("depth", "var_names"))),
    (containers, dict(input_size=(2, 1, 28, 28), row_settings=("hide_recursive_layers",), depth=1)),
    (recurrent, dict(input_data=[np.random.default_rng(0).integers(0, 50, (4, 7))],
                     col_names=("output_size", "num_params", "mult_adds"))),
    (nested, dict(input_size=(3, 4), depth=2,
                  col_names=("output_size", "num_params", "mult_adds", "trainable"))),
    (nested, dict(input_size=[(3, 4)], row_settings=("ascii_only", "var_names"), col_width=12)),
    (nested, dict(input_size=(4,), batch_dim=0, col_names=("input_size", "output_size", "mult_adds"))),
    (nested, dict(input_data={"input": np.ones((5, 4), np.float32)}, mode="train")),
    (conv1d, dict(input_size=(3, 2, 10),
                  col_names=("output_size", "num_params", "kernel_size", "mult_adds"))),
]


@pytest.mark.parametrize("build,kw", CASES, ids=[f"{b.__name__}-{i}" for i, (b, _) in enumerate(CASES)])
def test_same_table_totals_and_rows_as_torchinfo(torch, torchinfo, build, kw, capsys):
    kw = dict(kw)
    data = kw.pop("input_data", None)
    verbose = kw.pop("verbose", 0)
    torch.manual_seed(0)
    t = torchinfo.summary(build(torch), input_data=None if data is None else _inputs(torch, data),
                          verbose=verbose, **kw)
    t_out = capsys.readouterr().out
    e = summary(build(ember), input_data=None if data is None else _inputs(ember, data), verbose=verbose,
                **kw)
    e_out = capsys.readouterr().out
    # torchinfo 1.8.0 on Python >= 3.11 prints its unit enum as "Units.MEGABYTES" instead of "M" (a bug of
    # str-enum formatting there); ember prints what torchinfo means, "(M)"
    expected = str(t).replace("Units.MEGABYTES", "M").replace("Units.GIGABYTES", "G")
    assert str(e) == expected
    assert e_out == (t_out.replace("Units.MEGABYTES", "M") if verbose else "")
    for name in TOTALS:
        assert getattr(e, name) == getattr(t, name), name
    if data is None and "input_size" not in kw:
        assert e.total_input is t.total_input is None
    else:   # torchinfo counts sys.getsizeof of the storage: its bytes plus torch's 64-byte object
        assert t.total_input - e.total_input == 64
    assert len(e.summary_list) == len(t.summary_list)
    for er, tr in zip(e.summary_list, t.summary_list):
        for f in ROW_FIELDS:
            assert getattr(er, f) == getattr(tr, f), (tr, f)
        assert [c.class_name for c in er.children] == [c.class_name for c in tr.children]
        assert er.inner_layers == {k: {c.value: s for c, s in v.items()} for k, v in tr.inner_layers.items()}


def test_prints_by_default_and_restores_the_mode(capsys):
    m = nested(ember)
    m.train()
    stats = summary(m, input_size=(2, 4))
    assert capsys.readouterr().out == str(stats) + "\n"
    assert m.training and all(c.training for c in m.modules())
    m.eval()
    summary(m, input_size=(2, 4), mode="train", verbose=0)
    assert not any(c.training for c in m.modules())
    assert stats.total_params == sum(p.numel() for p in m.parameters())


def test_errors_are_clear():
    m = nested(ember)
    with pytest.raises(RuntimeError, match="Only one of"):
        summary(m, input_size=(1, 4), input_data=ember.ones(1, 4), verbose=0)
    with pytest.raises(ValueError, match="unknown column 'flops'"):
        summary(m, input_size=(1, 4), col_names=("flops",), verbose=0)
    with pytest.raises(ValueError, match="input_data or input_size"):
        summary(m, col_names=("output_size",), verbose=0)
    with pytest.raises(ValueError, match="size <= 0"):
        summary(m, input_size=(0, 4), verbose=0)
    with pytest.raises(RuntimeError, match="Failed to run summary.*RuntimeError") as info:
        summary(m, input_size=(2, 7), verbose=0)            # wrong feature size for the first Linear
    assert "Linear" in str(info.value.__cause__) or "7" in str(info.value.__cause__)
    with pytest.raises(TypeError, match="expected an nn.Module"):
        summary(lambda x: x, input_size=(1,))
