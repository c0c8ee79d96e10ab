"""RNN, LSTM, GRU and their cells. Match torch's layers: parameter names/shapes/order, default
initialisation U(-1/sqrt(hidden), 1/sqrt(hidden)), gate order (LSTM i,f,g,o; GRU r,z,n), input
layouts (time-major, batch_first, unbatched), multi-layer with inter-layer dropout, bidirectional.

The input projection of every time step is one GEMM per layer and direction; the recurrence is a
Python loop over time steps (as in any eager framework), composed of differentiable ember ops.
PackedSequence inputs run on the padded batch with per-row state freezing. LSTM's proj_size projects each
hidden state through `weight_hr_l{k}` (torch's LSTMP). `RNNBase` has no forward of its own, as in torch.
"""
from __future__ import annotations

import warnings
import math

import numpy as np

from ..._ops import recurrent as K
from ..._tensor import Tensor
from ..._tensor_base import _apply, _wrap
from .. import functional as F
from .. import init
from ..parameter import Parameter, _factory_dtype, empty_array
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _param(shape, dtype):
    return Parameter(_wrap(empty_array(shape, _factory_dtype(dtype))))


def _stack(ts, dim):
    from ..._ops.join import stack
    return stack(ts, dim)


def _cat(ts, dim):
    from ..._ops.join import cat
    return cat(ts, dim)


def _zeros(shape, like):
    return _wrap(np.zeros(shape, dtype=like._data.dtype))


def _promote(*ts):
    # the fused cells compute in one dtype: a float64 hidden state with float32 weights promotes, as torch
    dt = ts[0].dtype
    if all(t.dtype == dt for t in ts):
        return ts
    from ..._dtype import promote_types
    for t in ts[1:]:
        dt = promote_types(dt, t.dtype)
    return tuple(t.to(dt) for t in ts)


def _cell_step(mode, gi, h, c, w_hh, b_hh):
    """One recurrence step given the input projection `gi` (N, G*H). Returns (h, c)."""
    gh = F.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        hc = _apply(K.LstmCell, _promote(gi + gh, c))
        H = c.shape[-1]
        return hc[:, :H], hc[:, H:]
    if mode == "GRU":
        return _apply(K.GruCell, _promote(gi, gh, h)), None
    pre = gi + gh
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


class RNNBase(Module):
    """Shared implementation of RNN / LSTM / GRU. Matches `torch.nn.RNNBase`."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}",
                          stacklevel=2)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        real = proj_size or hidden_size       # the width of h (and of each direction's output)
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                in_sz = input_size if layer == 0 else real * dirs
                names = [("weight_ih" + sfx, (gate, in_sz)), ("weight_hh" + sfx, (gate, real))]
                if bias:
                    names += [("bias_ih" + sfx, (gate,)), ("bias_hh" + sfx, (gate,))]
                if proj_size:
                    names.append(("weight_hr" + sfx, (proj_size, hidden_size)))
                for n, shape in names:
                    setattr(self, n, _param(shape, dtype))
                    self._flat_weights_names.append(n)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    @property
    def all_weights(self):
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    def flatten_parameters(self):
        return None

    def __getstate__(self):
        # torch's RNNBase reads these two lists when it unpickles a model ember pickled whole
        state = super().__getstate__()
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        names = self._flat_weights_names
        state["_all_weights"] = [names[i:i + per] for i in range(0, len(names), per)]
        state["_flat_weights"] = self._flat_weights
        return state

    def __setstate__(self, state):
        state.pop("_flat_weights", None)         # a property here (torch pickles the list)
        state.pop("_flat_weight_refs", None)
        super().__setstate__(state)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _check_hidden(self, h, expected, name):
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {name} size {expected}, got {list(h.shape)}")

    def _run(self, input, hx):
        """The forward of RNN, LSTM and GRU (torch's RNNBase itself has none)."""
        from ..utils.rnn import PackedSequence, _padded_sorted
        packed = input if isinstance(input, PackedSequence) else None
        masks = seq_mask = None
        if packed is not None:
            # run on the padded batch in packed (length-sorted) order; a row's state freezes past its length,
            # so the reverse direction starts at each sequence's own last step
            input, lens = _padded_sorted(packed)
            masks = [_wrap((lens > t)[:, None]) for t in range(input.shape[0])]
            seq_mask = lens[None, :] > np.arange(input.shape[0])[:, None]
            if hx is not None and packed.sorted_indices is not None:
                idx = packed.sorted_indices
                hx = tuple(h.index_select(1, idx) for h in hx) if isinstance(hx, (tuple, list)) else \
                    hx.index_select(1, idx)
        elif not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor or PackedSequence input, got "
                            f"{type(input).__name__}")
        lstm = self.mode == "LSTM"
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        batched = input.ndim == 3
        if batched and self.batch_first and packed is None:
            input = input.transpose(0, 1)
        if not batched:
            input = input.unsqueeze(1)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        L, N = input.shape[0], input.shape[1]
        dirs = 2 if self.bidirectional else 1
        P = self.proj_size
        cshape = (self.num_layers * dirs, N, self.hidden_size)
        hshape = (self.num_layers * dirs, N, P) if P else cshape
        if hx is None:
            h0 = _zeros(hshape, input)
            c0 = _zeros(cshape, input) if lstm else None
        else:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise RuntimeError("LSTM expects hx to be a tuple (h_0, c_0)")
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            if not batched:
                if h0.ndim != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {h0.ndim}-D tensor")
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            elif h0.ndim != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {h0.ndim}-D tensor")
            self._check_hidden(h0, hshape, "hidden[0]" if lstm else "hidden")
            if c0 is not None:
                self._check_hidden(c0, cshape, "hidden[1]")
        x = input
        hn, cn = [], []
        for layer in range(self.num_layers):
            outs_dir = []
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
                b_ih = getattr(self, "bias_ih" + sfx) if self.bias else None
                b_hh = getattr(self, "bias_hh" + sfx) if self.bias else None
                k = layer * dirs + d
                h = h0[k]
                c = c0[k] if lstm else None
                gi_all = F.linear(x, w_ih, b_ih)          # (L, N, G*H): one GEMM for every step
                if L and self.mode in ("RNN_TANH", "RNN_RELU"):
                    if b_hh is not None:
                        gi_all = gi_all + b_hh
                    res = _apply(K.RnnSeq, _promote(gi_all, w_hh, h), seq_mask, bool(d), self.mode == "RNN_RELU")
                    outs_dir.append(res)
                    hn.append(res[0 if d else L - 1])
                    continue
                if L and self.mode in ("LSTM", "GRU"):
                    # the whole time loop (and its backward through time) as one node
                    last = 0 if d else L - 1
                    H = self.hidden_size
                    if lstm and P:
                        if b_hh is not None:
                            gi_all = gi_all + b_hh
                        w_hr = getattr(self, "weight_hr" + sfx)
                        res = _apply(K.LstmProjSeq, _promote(gi_all, w_hh, w_hr, h, c), seq_mask, bool(d))
                        outs_dir.append(res[:, :, :P])
                        hn.append(res[last, :, :P])
                        cn.append(res[last, :, P:])
                    elif lstm:
                        if b_hh is not None:
                            gi_all = gi_all + b_hh
                        res = _apply(K.LstmSeq, _promote(gi_all, w_hh, h, c), seq_mask, bool(d))
                        outs_dir.append(res[:, :, :H])
                        hn.append(res[last, :, :H])
                        cn.append(res[last, :, H:])
                    else:
                        bh = b_hh if b_hh is not None else _zeros((3 * H,), gi_all)
                        res = _apply(K.GruSeq, _promote(gi_all, w_hh, bh, h), seq_mask, bool(d))
                        outs_dir.append(res)
                        hn.append(res[last])
                    continue
                steps = range(L - 1, -1, -1) if d else range(L)
                outs = [None] * L
                if masks is None:
                    for t in steps:
                        h, c = _cell_step(self.mode, gi_all[t], h, c, w_hh, b_hh)
                        outs[t] = h
                else:
                    from ..._ops.binary import where
                    for t in steps:
                        h1, c1 = _cell_step(self.mode, gi_all[t], h, c, w_hh, b_hh)
                        h = where(masks[t], h1, h)
                        c = where(masks[t], c1, c) if lstm else None
                        outs[t] = h1
                outs_dir.append(_stack(outs, 0) if L else _zeros((0, N, P or self.hidden_size), input))
                hn.append(h)
                if lstm:
                    cn.append(c)
            x = outs_dir[0] if dirs == 1 else _cat(outs_dir, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h_n = _stack(hn, 0)
        c_n = _stack(cn, 0) if lstm else None
        if packed is not None:
            bs = packed.batch_sizes.numpy()
            x = PackedSequence(_cat([x[t, :int(b)] for t, b in enumerate(bs)], 0), packed.batch_sizes,
                               packed.sorted_indices, packed.unsorted_indices)
            if packed.unsorted_indices is not None:
                h_n = h_n.index_select(1, packed.unsorted_indices)
                c_n = c_n.index_select(1, packed.unsorted_indices) if lstm else None
            return (x, (h_n, c_n)) if lstm else (x, h_n)
        if not batched:
            x = x.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        elif self.batch_first:
            x = x.transpose(0, 1)
        return (x, (h_n, c_n)) if lstm else (x, h_n)


_NOT_GIVEN = object()


def _no_proj(proj_size):
    """torch's RNN and GRU refuse a `proj_size` argument, whatever its value."""
    if proj_size is not _NOT_GIVEN:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class RNN(RNNBase):
    """Elman RNN with tanh or relu. Matches `torch.nn.RNN`."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, *, proj_size=_NOT_GIVEN):
        _no_proj(proj_size)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._run(input, hx)


class LSTM(RNNBase):
    """Long short-term memory, optionally with projected hidden states (`proj_size`). Matches `torch.nn.LSTM`."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, dtype=dtype)

    def forward(self, input, hx=None):
        return self._run(input, hx)


class GRU(RNNBase):
    """Gated recurrent unit. Matches `torch.nn.GRU`."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, *, proj_size=_NOT_GIVEN):
        _no_proj(proj_size)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)

    def forward(self, input, hx=None):
        return self._run(input, hx)


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = _param((num_chunks * hidden_size, input_size), dtype)
        self.weight_hh = _param((num_chunks * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _param((num_chunks * hidden_size,), dtype)
            self.bias_hh = _param((num_chunks * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if getattr(self, "bias", True) is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _run(self, mode, input, hx, lstm=False):
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        N = input.shape[0]
        if hx is None:
            h = _zeros((N, self.hidden_size), input)
            c = _zeros((N, self.hidden_size), input) if lstm else None
        else:
            h, c = hx if lstm else (hx, None)
            if not batched:
                h = h.unsqueeze(0)
                c = c.unsqueeze(0) if c is not None else None
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        h, c = _cell_step(mode, gi, h, c, self.weight_hh, self.bias_hh)
        if not batched:
            h = h.squeeze(0)
            c = c.squeeze(0) if c is not None else None
        return (h, c) if lstm else h


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, dtype=dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._run("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, dtype=dtype)

    def forward(self, input, hx=None):
        return self._run("LSTM", input, hx, lstm=True)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, dtype=dtype)

    def forward(self, input, hx=None):
        return self._run("GRU", input, hx)
