"""The layer table: one row per layer variant drives tests/nn/test_layers_oracle.py.

A row's `factory(L)` builds the layer with L = torch and L = ember; the test copies torch's parameters and
buffers into ember (`load_state_dict`) and compares `str(module)`, the state_dict keys, then in train and in
eval mode the outputs of `call(module, *tensors)` (default `module(*tensors)`) on the same NumPy `samples`,
the gradients of the float inputs (or per `rg`) and of every parameter under a random cotangent, and the
state_dict after the forward (the running statistics a training step updates). `random`: train mode draws
random numbers (dropout), so there only the structure of the output is compared. `lazy`: the layer gets its
shapes from a first forward (under no_grad) before the copy. `forward=False`: a base class without a forward
of its own (torch raises NotImplementedError when called). `bugs`: {test id: reason} for known ember bugs
(strict xfails); test ids are `structure` and `sample-i`.
"""
from __future__ import annotations

import sys
from collections import OrderedDict

import numpy as np
from fdb import ix, pm1, r, rix


def lib_of(x):
    """The library of a tensor: `ember` or `torch`."""
    return sys.modules[type(x).__module__.partition(".")[0]]


class LSpec:
    def __init__(self, name, factory, samples, *, variant="", call=None, rg=None, random=False, lazy=False,
                 forward=True, rtol=1e-5, atol=1e-6, bugs=None):
        self.name, self.factory, self.variant, self.call = name, factory, variant, call
        self.samples = [tuple(np.asarray(a) for a in sample) for sample in samples]
        self.rg, self.random, self.lazy, self.forward = rg, random, lazy, forward
        self.rtol, self.atol, self.bugs = rtol, atol, bugs or {}

    @property
    def id(self):
        return self.name + (f"-{self.variant}" if self.variant else "")

    def __repr__(self):
        return self.id

    def run(self, m, *xs):
        return self.call(m, *xs) if self.call is not None else m(*xs)


def L(name, factory, samples, **kw):
    return LSpec(name, factory, samples, **kw)


def nn(name, *args, samples, **kw):
    """A row for `L.nn.<name>(*args, **ctor)`, ctor given as `ctor=`."""
    ctor = kw.pop("ctor", {})
    return LSpec(name, lambda Lib, _n=name, _a=args, _k=ctor: getattr(Lib.nn, _n)(*_a, **_k), samples, **kw)


def _inplace(m, x):
    return m(x * 1)


def _unpool(dims):
    def call(m, x):
        pool = getattr(lib_of(x).nn.functional, f"max_pool{dims}d")
        out, idx = pool(x, 2, return_indices=True)
        return m(out, idx)
    return call


def _hooked(m):
    """A layer whose full backward hook doubles its input's gradient (the hook's gradients are compared by
    their effect)."""
    m.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 2,))
    return m


def _holder(Lib, kind):
    """A module holding a container of each kind (containers have no forward of their own)."""
    nn_ = Lib.nn

    class Holder(nn_.Module):
        def __init__(self):
            super().__init__()
            if kind == "ModuleList":
                self.items = nn_.ModuleList([nn_.Linear(3, 4), nn_.Tanh()])
                self.items.append(nn_.Linear(4, 2))
            elif kind == "ModuleDict":
                self.items = nn_.ModuleDict({"inp": nn_.Linear(3, 4), "act": nn_.Sigmoid()})
                self.items["out"] = nn_.Linear(4, 2)
            elif kind == "ParameterList":
                self.items = nn_.ParameterList([nn_.Parameter(Lib.ones(3, 2)), nn_.Parameter(Lib.zeros(2))])
            elif kind == "ParameterDict":
                self.items = nn_.ParameterDict({"w": nn_.Parameter(Lib.ones(3, 2))})
                self.items["b"] = nn_.Parameter(Lib.zeros(2))
            else:
                self.items = nn_.Container(lin=nn_.Linear(3, 2))

        def forward(self, x):
            if kind == "ModuleList":
                for m in self.items:
                    x = m(x)
                return x
            if kind == "ModuleDict":
                return self.items["out"](self.items["act"](self.items["inp"](x)))
            if kind == "ParameterList":
                return x @ self.items[0] + self.items[1]
            if kind == "ParameterDict":
                return x @ self.items["w"] + self.items["b"]
            return self.items.lin(x)
    return Holder()


def _encoder(Lib, **kw):
    layer = Lib.nn.TransformerEncoderLayer(4, 2, 8, 0.0, **kw)
    return Lib.nn.TransformerEncoder(layer, 2, norm=Lib.nn.LayerNorm(4), enable_nested_tensor=False)


def _decoder(Lib):
    return Lib.nn.TransformerDecoder(Lib.nn.TransformerDecoderLayer(4, 2, 8, 0.0), 2,
                                     norm=Lib.nn.LayerNorm(4))


def _t(Lib, a):
    return Lib.from_numpy(a.copy())


def _causal(x, n):
    return lib_of(x).triu(lib_of(x).ones(n, n, dtype=lib_of(x).bool), 1)


W3 = r(3, lo=0.5, hi=2)
W4 = r(4, lo=0.5, hi=2)
X4 = [(r(4, 6) * 2,), (r(2, 3, 4) * 2,)]
X4_1 = [(r(4, 6) * 2,)]
SEQ = r(5, 2, 3)          # (T, N, H)
IMG = r(2, 3, 4, 5)
IMG1 = r(2, 3, 7)
VOL = r(2, 2, 3, 4, 4)
LOSS2 = [(r(4, 3), r(4, 3))]


def act(name, *args, samples=X4_1, **kw):
    return nn(name, *args, samples=samples, **kw)


SPECS: list[LSpec] = [
    # ---- activations ---------------------------------------------------------------------------------------
    act("ReLU", samples=X4),
    L("ReLU", lambda Lib: Lib.nn.ReLU(inplace=True), X4_1, variant="inplace", call=_inplace),
    act("ReLU6"), act("LeakyReLU", 0.2, samples=X4),
    L("LeakyReLU", lambda Lib: Lib.nn.LeakyReLU(0.1, True), X4_1, variant="inplace", call=_inplace),
    act("PReLU", samples=[(r(4, 3, 5),), (r(3),)]),
    act("PReLU", 3, ctor={"init": 0.1}, samples=[(r(4, 3, 5),)], variant="channels"),
    act("ELU", ctor={"alpha": 0.7}), act("SELU"), act("CELU", 1.5), act("GELU"),
    act("GELU", ctor={"approximate": "tanh"}, variant="tanh"), act("SiLU"), act("Mish"),
    act("Hardswish", samples=[(r(4, 6) * 4,)]), act("Hardsigmoid", samples=[(r(4, 6) * 4,)]),
    act("Hardtanh", -0.5, 1.5), act("Hardshrink", 0.7), act("Softshrink", 0.4), act("Softplus", 2.0, 3.0),
    act("Softsign"), act("Tanh"), act("Tanhshrink"), act("Sigmoid"), act("LogSigmoid"),
    act("Softmax", 1, samples=[(r(4, 6, 3),)]), act("LogSoftmax", -1), act("Softmin", 0),
    act("Softmax2d", samples=[(r(2, 3, 4, 4),), (r(3, 2, 2),)]),
    act("Threshold", 0.3, -2.0), act("GLU", 1),
    act("RReLU", samples=[(r(6, 8),)], random=True),
    act("RReLU", 0.2, 0.2, variant="fixed-slope"),
    act("Identity", 54, ctor={"unused": "x"}),
    # ---- linear --------------------------------------------------------------------------------------------
    nn("Linear", 5, 3, samples=[(r(4, 5),), (r(2, 4, 5),), (r(5),)]),
    nn("Linear", 5, 3, ctor={"bias": False}, samples=[(r(4, 5),)], variant="no-bias"),
    L("Linear", lambda Lib: _hooked(Lib.nn.Linear(3, 2)), [(r(4, 3),)], variant="full-backward-hook"),
    nn("Bilinear", 3, 4, 2, samples=[(r(5, 3), r(5, 4))]),
    nn("LazyLinear", 3, samples=[(r(4, 5),)], lazy=True),
    # ---- convolution ---------------------------------------------------------------------------------------
    nn("Conv1d", 3, 4, 3, samples=[(IMG1,), (r(3, 7),)]),
    nn("Conv1d", 4, 6, 3, ctor={"stride": 2, "padding": 2, "dilation": 2, "groups": 2, "bias": False},
       samples=[(r(2, 4, 9),)], variant="strided-grouped"),
    *[nn("Conv1d", 3, 4, 3, ctor={"padding": "same", "padding_mode": m}, samples=[(IMG1,)],
         variant=f"same-{m}")
      for m in ("zeros", "reflect", "replicate", "circular")],
    nn("Conv2d", 3, 4, 3, samples=[(IMG,), (r(3, 4, 5),)]),
    nn("Conv2d", 6, 3, (2, 3), ctor={"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2), "groups": 3},
       samples=[(r(2, 6, 5, 6),)], variant="strided-grouped"),
    *[nn("Conv2d", 3, 2, 3, ctor={"padding": 1, "padding_mode": m}, samples=[(IMG,)], variant=m)
      for m in ("reflect", "replicate", "circular")],
    nn("Conv2d", 3, 2, (2, 3), ctor={"padding": "same", "bias": False}, samples=[(IMG,)], variant="same"),
    nn("ConvTranspose1d", 3, 4, 3, samples=[(IMG1,), (r(3, 7),)]),
    nn("ConvTranspose1d", 4, 6, 3, ctor={"stride": 2, "padding": 1, "output_padding": 1, "groups": 2,
                                         "dilation": 2}, samples=[(r(2, 4, 5),)], variant="strided-grouped"),
    nn("ConvTranspose2d", 3, 2, 3, samples=[(IMG,)]),
    nn("ConvTranspose2d", 4, 6, (2, 3), ctor={"stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0),
                                              "groups": 2, "dilation": (1, 2), "bias": False},
       samples=[(r(2, 4, 3, 4),)], variant="strided-grouped"),
    L("ConvTranspose2d", lambda Lib: Lib.nn.ConvTranspose2d(3, 2, 3, stride=2), [(IMG,)],
      variant="output-size",
      call=lambda m, x: m(x, output_size=[10, 12])),
    # ---- normalisation -------------------------------------------------------------------------------------
    nn("BatchNorm1d", 3, samples=[(r(4, 3),), (r(4, 3, 5),)]),
    nn("BatchNorm1d", 3, ctor={"affine": False, "momentum": None}, samples=[(r(4, 3, 5),)],
       variant="cumulative"),
    nn("BatchNorm2d", 3, samples=[(r(2, 3, 2, 3),)]),
    nn("BatchNorm2d", 3, ctor={"track_running_stats": False, "eps": 1e-3}, samples=[(r(2, 3, 2, 3),)],
       variant="no-stats"),
    nn("BatchNorm3d", 3, ctor={"momentum": 0.3}, samples=[(r(2, 3, 2, 2, 2),)]),
    nn("InstanceNorm1d", 3, samples=[(r(2, 3, 5),), (r(3, 5),)]),
    nn("InstanceNorm1d", 3, ctor={"affine": True, "track_running_stats": True}, samples=[(r(2, 3, 5),)],
       variant="affine-stats"),
    nn("InstanceNorm2d", 3, ctor={"affine": True}, samples=[(r(2, 3, 3, 4),), (r(3, 3, 4),)]),
    nn("InstanceNorm3d", 2, ctor={"track_running_stats": True, "momentum": 0.5},
       samples=[(r(2, 2, 2, 3, 2),)]),
    nn("LayerNorm", 4, samples=[(r(3, 4),), (r(2, 3, 4),)]),
    nn("LayerNorm", (3, 4), ctor={"elementwise_affine": False}, samples=[(r(2, 3, 4),)], variant="no-affine"),
    nn("LayerNorm", 4, ctor={"bias": False, "eps": 1e-3}, samples=[(r(3, 4),)], variant="no-bias"),
    nn("GroupNorm", 2, 4, samples=[(r(2, 4, 3),), (r(2, 4, 2, 3),)]),
    nn("GroupNorm", 1, 4, ctor={"affine": False}, samples=[(r(2, 4, 3),)], variant="no-affine"),
    nn("LocalResponseNorm", 3, ctor={"alpha": 0.5}, samples=[(r(2, 4, 3, 3),), (r(2, 4, 3),)]),
    nn("RMSNorm", 4, samples=[(r(3, 4),)]),
    nn("RMSNorm", (3, 4), ctor={"eps": 1e-3, "elementwise_affine": False}, samples=[(r(2, 3, 4),)],
       variant="no-affine"),
    # ---- pooling -------------------------------------------------------------------------------------------
    nn("AvgPool1d", 3, samples=[(IMG1,)]),
    nn("AvgPool1d", 3, 2, 1, True, False, samples=[(IMG1,)], variant="args"),
    nn("AvgPool2d", 2, samples=[(IMG,), (r(3, 4, 5),)]),
    nn("AvgPool2d", (3, 2), (2, 1), 1, ctor={"divisor_override": 3}, samples=[(IMG,)], variant="args"),
    nn("MaxPool1d", 3, 2, samples=[(IMG1,)]),
    nn("MaxPool1d", 2, ctor={"return_indices": True, "ceil_mode": True}, samples=[(IMG1,)],
       variant="indices"),
    nn("MaxPool2d", 2, samples=[(IMG,), (r(3, 4, 5),)]),
    nn("MaxPool2d", 3, 2, 1, ctor={"ceil_mode": True, "return_indices": True}, samples=[(IMG,)],
       variant="args"),
    nn("AdaptiveAvgPool1d", 3, samples=[(IMG1,)]), nn("AdaptiveAvgPool2d", (2, None), samples=[(IMG,)]),
    nn("AdaptiveMaxPool1d", 3, ctor={"return_indices": True}, samples=[(IMG1,)]),
    nn("AdaptiveMaxPool2d", 2, samples=[(IMG,)]),
    nn("LPPool1d", 2, 3, samples=[(IMG1,)]), nn("LPPool2d", 2, 2, ctor={"ceil_mode": True}, samples=[(IMG,)]),
    nn("MaxUnpool1d", 2, samples=[(r(2, 3, 8),)], call=_unpool(1)),
    nn("MaxUnpool2d", 2, samples=[(r(2, 3, 4, 6),)], call=_unpool(2)),
    # ---- padding -------------------------------------------------------------------------------------------
    nn("ConstantPad1d", (1, 2), 3.5, samples=[(IMG1,)]), nn("ConstantPad2d", 1, -1.0, samples=[(IMG,)]),
    nn("ZeroPad1d", (2, 0), samples=[(IMG1,)]), nn("ZeroPad2d", (1, 0, 2, 1), samples=[(IMG,)]),
    nn("ReflectionPad1d", 2, samples=[(IMG1,), (r(3, 7),)]),
    nn("ReflectionPad2d", (1, 1, 2, 0), samples=[(IMG,)]),
    nn("ReplicationPad1d", 2, samples=[(IMG1,)]), nn("ReplicationPad2d", 1, samples=[(IMG,), (r(3, 4, 5),)]),
    nn("CircularPad1d", 1, samples=[(IMG1,)]), nn("CircularPad2d", (1, 2, 0, 1), samples=[(IMG,)]),
    # ---- shape and resampling ------------------------------------------------------------------------------
    nn("PixelShuffle", 2, samples=[(r(1, 8, 2, 3),)]), nn("PixelUnshuffle", 2, samples=[(r(1, 2, 4, 6),)]),
    nn("ChannelShuffle", 3, samples=[(r(2, 6, 2, 2),), (r(2, 6, 3),)]),
    nn("Upsample", ctor={"scale_factor": 2}, samples=[(IMG,)]),
    nn("Upsample", ctor={"size": (5, 7), "mode": "bilinear", "align_corners": True}, samples=[(IMG,)],
       variant="bilinear"),
    nn("UpsamplingNearest2d", ctor={"scale_factor": 2}, samples=[(IMG,)]),
    nn("UpsamplingBilinear2d", ctor={"size": (6, 7)}, samples=[(IMG,)]),
    nn("Fold", (4, 5), 2, samples=[(r(2, 12, 12),)]),
    nn("Unfold", 2, ctor={"padding": 1, "stride": 2}, samples=[(IMG,)]),
    nn("Flatten", samples=[(r(2, 3, 4),)]), nn("Flatten", 0, 1, samples=[(r(2, 3, 4),)], variant="dims"),
    nn("Unflatten", 1, (3, 2), samples=[(r(4, 6),)]),
    # ---- embeddings, distances -----------------------------------------------------------------------------
    nn("Embedding", 5, 4, samples=[(rix(5, 2, 3),)]),
    nn("Embedding", 5, 4, ctor={"padding_idx": 0}, samples=[(ix(0, 2, 0, 4),)], variant="padding-idx"),
    nn("Embedding", 5, 4, ctor={"max_norm": 1.0}, samples=[(ix(1, 2, 1, 4),)], variant="max-norm"),
    nn("EmbeddingBag", 6, 3, ctor={"mode": "sum"}, samples=[(ix(0, 2, 5, 2, 1), ix(0, 2))]),
    nn("EmbeddingBag", 6, 3, ctor={"mode": "max"}, samples=[(rix(6, 3, 4),)], variant="max"),
    nn("PairwiseDistance", ctor={"p": 1.5, "keepdim": True}, samples=[(r(4, 3), r(4, 3))]),
    nn("CosineSimilarity", 0, samples=[(r(3, 2), r(3, 2))]),
    # ---- dropout -------------------------------------------------------------------------------------------
    nn("Dropout", 0.5, samples=[(r(4, 6),)], random=True),
    nn("Dropout1d", 0.5, samples=[(r(2, 3, 4),)], random=True),
    nn("Dropout2d", 0.5, samples=[(r(2, 3, 4, 2),)], random=True),
    nn("Dropout3d", 0.5, samples=[(r(2, 3, 2, 2, 2),)], random=True),
    nn("AlphaDropout", 0.3, samples=[(r(4, 6),)], random=True),
    nn("FeatureAlphaDropout", 0.3, samples=[(r(2, 3, 4, 2),)], random=True),
    # ---- losses --------------------------------------------------------------------------------------------
    nn("L1Loss", samples=LOSS2), nn("MSELoss", ctor={"reduction": "sum"}, samples=LOSS2),
    nn("HuberLoss", ctor={"delta": 0.7}, samples=LOSS2),
    nn("SmoothL1Loss", ctor={"beta": 0.5}, samples=LOSS2),
    nn("KLDivLoss", ctor={"reduction": "batchmean", "log_target": True}, samples=LOSS2),
    L("BCELoss", lambda Lib: Lib.nn.BCELoss(weight=_t(Lib, W3)),
      [(r(4, 3, lo=0.05, hi=0.95), r(4, 3, lo=0, hi=1))],
      rg=[True, False]),
    L("BCEWithLogitsLoss", lambda Lib: Lib.nn.BCEWithLogitsLoss(pos_weight=_t(Lib, W3)),
      [(r(4, 3), r(4, 3, lo=0, hi=1))]),
    L("CrossEntropyLoss",
      lambda Lib: Lib.nn.CrossEntropyLoss(_t(Lib, W3), ignore_index=1, label_smoothing=0.1),
      [(r(5, 3), ix(0, 1, 2, 2, 0))]),
    nn("CrossEntropyLoss", samples=[(r(4, 3, 2), rix(3, 4, 2))], variant="k-dim"),
    L("NLLLoss", lambda Lib: Lib.nn.NLLLoss(_t(Lib, W3), reduction="sum"), [(r(5, 3), ix(0, 1, 2, 2, 0))]),
    nn("NLLLoss2d", samples=[(r(2, 3, 2, 2), rix(3, 2, 2, 2))]),
    nn("PoissonNLLLoss", ctor={"log_input": False, "full": True}, samples=[(r(4, 3, lo=0.2, hi=2),
                                                                             r(4, 3, lo=0, hi=3))]),
    nn("GaussianNLLLoss", samples=[(r(4, 3), r(4, 3), r(4, 3, lo=0.5, hi=2))]),
    nn("HingeEmbeddingLoss", ctor={"margin": 0.5}, samples=[(r(4, 3), pm1(4, 3))], rg=[True, False]),
    nn("SoftMarginLoss", samples=[(r(4, 3), pm1(4, 3))], rg=[True, False]),
    L("MultiLabelSoftMarginLoss", lambda Lib: Lib.nn.MultiLabelSoftMarginLoss(_t(Lib, W3)),
      [(r(4, 3), (r(4, 3) > 0).astype(np.float32))], rg=[True, False]),
    L("MultiMarginLoss", lambda Lib: Lib.nn.MultiMarginLoss(2, 0.5, _t(Lib, W3)), [(r(4, 3), rix(3, 4))]),
    nn("CosineEmbeddingLoss", ctor={"margin": 0.2}, samples=[(r(4, 3), r(4, 3), pm1(4))],
       rg=[True, True, False]),
    nn("MarginRankingLoss", ctor={"margin": 0.3}, samples=[(r(5), r(5), pm1(5))], rg=[True, True, False]),
    nn("TripletMarginLoss", ctor={"margin": 0.5, "p": 1, "swap": True},
       samples=[(r(4, 3), r(4, 3), r(4, 3))]),
    nn("TripletMarginWithDistanceLoss", samples=[(r(4, 3), r(4, 3), r(4, 3))]),
    nn("TripletMarginWithDistanceLoss", ctor={"distance_function": lambda a, b: (a - b).abs().sum(-1),
                                              "margin": 0.5, "swap": True},
       samples=[(r(4, 3), r(4, 3), r(4, 3))], variant="distance-function"),
    nn("CTCLoss", ctor={"zero_infinity": True}, samples=[(r(6, 2, 4), ix(*[[1, 2, 2], [3, 1, 0]]), ix(6, 5),
                                                          ix(3, 2))],
       call=lambda m, x, *rest: m(x.log_softmax(2), *rest)),
    # ---- recurrent -----------------------------------------------------------------------------------------
    nn("RNN", 3, 4, samples=[(SEQ,), (r(5, 3),)]),
    nn("RNN", 3, 4, 2,
       ctor={"nonlinearity": "relu", "bias": False, "batch_first": True, "bidirectional": True},
       samples=[(r(2, 5, 3), r(4, 2, 4))], variant="deep-bidirectional"),
    nn("LSTM", 3, 4, samples=[(SEQ,), (r(5, 3),)]),
    nn("LSTM", 3, 4, 2, ctor={"batch_first": True, "bidirectional": True, "proj_size": 2},
       samples=[(r(2, 5, 3), r(4, 2, 2), r(4, 2, 4))], call=lambda m, x, h, c: m(x, (h, c)),
       variant="deep-bidirectional-proj"),
    nn("LSTM", 3, 5, ctor={"proj_size": 2}, samples=[(SEQ,), (r(5, 3),)], variant="proj"),
    nn("LSTM", 3, 4, 2, ctor={"proj_size": 3, "bias": False, "dropout": 0.0}, samples=[(SEQ,)],
       variant="deep-proj-no-bias"),
    nn("GRU", 3, 4, samples=[(SEQ,)]),
    nn("GRU", 3, 4, 2, ctor={"bidirectional": True}, samples=[(SEQ, r(4, 2, 4))],
       variant="deep-bidirectional"),
    nn("RNNCell", 3, 4, samples=[(r(2, 3),), (r(2, 3), r(2, 4)), (r(3),)]),
    nn("RNNCell", 3, 4, ctor={"nonlinearity": "relu", "bias": False}, samples=[(r(2, 3),)], variant="relu"),
    nn("LSTMCell", 3, 4, samples=[(r(2, 3),), (r(3),)]),
    nn("LSTMCell", 3, 4, samples=[(r(2, 3), r(2, 4), r(2, 4))], call=lambda m, x, h, c: m(x, (h, c)),
       variant="state"),
    nn("GRUCell", 3, 4, samples=[(r(2, 3),), (r(2, 3), r(2, 4))]),
    nn("RNNBase", "LSTM", 3, 4, samples=[(SEQ,)], forward=False),
    nn("RNNCellBase", 3, 4, True, 2, samples=[(r(2, 3),)], forward=False),
    # ---- attention, transformers ---------------------------------------------------------------------------
    nn("MultiheadAttention", 4, 2, samples=[(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4))], atol=1e-5),
    nn("MultiheadAttention", 4, 2, ctor={"batch_first": True, "kdim": 3, "vdim": 5, "add_bias_kv": True,
                                         "add_zero_attn": True},
       samples=[(r(2, 3, 4), r(2, 5, 3), r(2, 5, 5), np.array([[False] * 4 + [True], [False] * 5]))],
       call=lambda m, q, k, v, kpm: m(q, k, v, key_padding_mask=kpm, average_attn_weights=False),
       variant="kdim-vdim-bias-kv", atol=1e-5),
    nn("MultiheadAttention", 4, 2, ctor={"bias": False}, samples=[(r(3, 4), r(3, 4), r(3, 4))],
       call=lambda m, q, k, v: m(q, k, v, attn_mask=_causal(q, 3), need_weights=False), variant="self-causal",
       atol=1e-5),
    nn("TransformerEncoderLayer", 4, 2, 8, 0.0, samples=[(r(3, 2, 4),)], rtol=1e-4, atol=1e-5),
    nn("TransformerEncoderLayer", 4, 2, 8, 0.0, ctor={"activation": "gelu", "batch_first": True,
                                                     "norm_first": True},
       samples=[(r(2, 3, 4),)], call=lambda m, x: m(x, src_mask=_causal(x, 3)), variant="norm-first",
       rtol=1e-4, atol=1e-5),
    nn("TransformerDecoderLayer", 4, 2, 8, 0.0, samples=[(r(3, 2, 4), r(5, 2, 4))], rtol=1e-4, atol=1e-5),
    L("TransformerEncoder", _encoder, [(r(3, 2, 4),)], rtol=1e-4, atol=1e-5),
    L("TransformerDecoder", _decoder, [(r(3, 2, 4), r(5, 2, 4))], rtol=1e-4, atol=1e-5),
    nn("Transformer", ctor={"d_model": 4, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1,
                            "dim_feedforward": 8, "dropout": 0.0},
       samples=[(r(5, 2, 4), r(3, 2, 4))], call=lambda m, s, t: m(s, t, tgt_mask=_causal(t, 3)), rtol=1e-4,
       atol=1e-5),
    # ---- containers ----------------------------------------------------------------------------------------
    L("Sequential", lambda Lib: Lib.nn.Sequential(Lib.nn.Linear(4, 3), Lib.nn.ReLU(), Lib.nn.Linear(3, 2)),
      [(r(5, 4),)]),
    L("Sequential",
      lambda Lib: Lib.nn.Sequential(OrderedDict([("lin", Lib.nn.Linear(4, 3)), ("act", Lib.nn.GELU()),
                                                               ("norm", Lib.nn.BatchNorm1d(3))])),
      [(r(5, 4),)], variant="named"),
    *[L(kind, lambda Lib, _k=kind: _holder(Lib, _k), [(r(5, 3),)])
      for kind in ("ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Container")],
    L("DataParallel", lambda Lib: Lib.nn.DataParallel(Lib.nn.Linear(3, 2)), [(r(5, 3),)]),
    # ---- 3-d layers (rows ready before ember has these classes: they run once it does) -------------------
    nn("Conv3d", 2, 3, 2, samples=[(VOL,), (VOL[0],)]),
    nn("Conv3d", 4, 4, (2, 2, 3), ctor={"stride": (2, 1, 1), "padding": (1, 0, 1), "groups": 2,
                                        "padding_mode": "reflect", "bias": False},
       samples=[(r(1, 4, 4, 4, 5),)], variant="strided-grouped-reflect"),
    nn("Conv3d", 2, 3, 3, ctor={"padding": "same", "padding_mode": "circular"}, samples=[(VOL,)],
       variant="same-circular"),
    nn("ConvTranspose3d", 2, 3, 2, samples=[(VOL,)]),
    nn("ConvTranspose3d", 4, 4, (2, 2, 3), ctor={"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
       samples=[(r(1, 4, 2, 3, 2),)], variant="strided-grouped"),
    nn("AvgPool3d", 2, samples=[(VOL,)]),
    nn("AvgPool3d", (2, 1, 2), 1, (1, 0, 1), True, False, samples=[(VOL,)], variant="args"),
    nn("MaxPool3d", 2, samples=[(VOL,), (VOL[0],)]),
    nn("MaxPool3d", (2, 2, 3), 1, (1, 0, 1), ctor={"ceil_mode": True, "return_indices": True},
       samples=[(VOL,)], variant="args"),
    nn("AdaptiveAvgPool3d", (2, 1, 3), samples=[(VOL,)]),
    nn("AdaptiveMaxPool3d", (2, None, 3), ctor={"return_indices": True}, samples=[(VOL,)]),
    nn("LPPool3d", 2, 2, samples=[(VOL,)]),
    nn("MaxUnpool3d", 2, samples=[(r(2, 2, 4, 4, 4),)], call=_unpool(3)),
    nn("ConstantPad3d", (1, 0, 2, 1, 0, 1), 1.5, samples=[(VOL,)]), nn("ZeroPad3d", 1, samples=[(VOL,)]),
    nn("ReflectionPad3d", (1, 1, 2, 0, 1, 2), samples=[(VOL,), (VOL[0],)]),
    nn("ReplicationPad3d", 2, samples=[(VOL,)]), nn("CircularPad3d", (1, 2, 0, 1, 2, 1), samples=[(VOL,)]),
]

BY_ID = {s.id: s for s in SPECS}
assert len(BY_ID) == len(SPECS), "duplicate row ids"

# Public classes of ember.nn that torch.nn has and that get no row, with the reason each:
EXCLUDED = {
    "Module": "the base class of every row",
    "Parameter": "a tensor class, not a layer (tests/nn/test_module.py)",
    "Buffer": "a tensor class, not a layer (tests/nn/test_module.py)",
}


def active(nn_):
    """The rows of the classes `nn_` has (the table also holds rows for torch classes ember does not have
    yet)."""
    return [s for s in SPECS if hasattr(nn_, s.name)]


def cases():
    """Every row's samples in train and in eval mode, for tests/ops/test_op_coverage.py: (id, fn(L, *tensors),
    arrays, grad, gradgrad); a fresh layer each time."""
    import ember.nn
    def fn(spec, train):
        def run(Lib, *xs):
            m = spec.factory(Lib)
            if spec.lazy:
                with Lib.no_grad():
                    spec.run(m, *[x.detach() for x in xs])
            m.train(train)
            return spec.run(m, *xs)
        return run
    for s in active(ember.nn):
        if not s.forward:
            continue
        for i, arrays in enumerate(s.samples):
            rg = list(s.rg) if s.rg is not None else [a.dtype.kind == "f" for a in arrays]
            for train in (True, False):
                yield f"{s.id}-{i}-{'train' if train else 'eval'}", fn(s, train), list(arrays), rg, False
