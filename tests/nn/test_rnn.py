"""RNN / LSTM / GRU and cells vs torch: outputs, hidden states, gradients, state_dict keys, repr, init, errors."""
from __future__ import annotations

import numpy as np
import pytest

import ember

_X = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(np.float32)


def _load(lib, m):
    m.load_state_dict({k: lib.tensor(np.sin(np.arange(v.numel(), dtype=np.float32) * 0.37 + len(k))
                                      .reshape(tuple(v.shape)) * 0.5) for k, v in m.state_dict().items()})
    return m


def _run(lib, cls, kw, batch_first, unbatched, with_hx):
    m = _load(lib, getattr(lib.nn, cls)(4, 6, batch_first=batch_first, **kw))
    xa = _X[:, 0] if unbatched else (_X.transpose(1, 0, 2).copy() if batch_first else _X)
    x = lib.tensor(xa, requires_grad=True)
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    hx = ()
    if with_hx:
        shp = (d, 6) if unbatched else (d, 3, 6)
        h0 = lib.tensor(np.cos(np.arange(np.prod(shp), dtype=np.float32)).reshape(shp), requires_grad=True)
        c0 = lib.tensor(np.sin(np.arange(np.prod(shp), dtype=np.float32)).reshape(shp), requires_grad=True)
        hx = ((h0, c0),) if cls == "LSTM" else (h0,)
    out, hn = m(x, *hx)
    hs = hn if isinstance(hn, tuple) else (hn,)
    w = lib.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    ((out * w).sum() + sum((h ** 2).sum() for h in hs)).backward()
    res = [out, *hs, x.grad] + [p.grad for p in m.parameters()]
    if with_hx:
        res += [a.grad for a in (hx[0] if cls == "LSTM" else hx)]
    return [r.detach().numpy() for r in res], list(m.state_dict()), repr(m)


CASES = [(cls, kw, bf, ub, hx) for cls in ("RNN", "LSTM", "GRU")
         for kw in ({}, {"num_layers": 2}, {"bidirectional": True}, {"num_layers": 2, "bidirectional": True, "bias": False})
         for bf, ub, hx in ((False, False, False), (True, False, True), (False, True, True))]
CASES.append(("RNN", {"nonlinearity": "relu", "num_layers": 2}, False, False, True))


@pytest.mark.parametrize("cls,kw,batch_first,unbatched,with_hx", CASES)
def test_recurrent_layers_match_torch(torch, cls, kw, batch_first, unbatched, with_hx):
    t = _run(torch, cls, kw, batch_first, unbatched, with_hx)
    e = _run(ember, cls, kw, batch_first, unbatched, with_hx)
    assert e[1] == t[1] and e[2] == t[2]
    assert len(e[0]) == len(t[0])
    for a, b in zip(t[0], e[0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(torch, cls):
    res = []
    for lib in (torch, ember):
        m = _load(lib, getattr(lib.nn, cls)(4, 6))
        x = lib.tensor(_X[0], requires_grad=True)
        h = None
        for _ in range(3):
            h = m(x, h)
        hh = h if isinstance(h, tuple) else (h,)
        sum((q * q).sum() for q in hh).backward()
        res.append(([q.detach().numpy() for q in hh] + [x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()],
                    repr(m), list(m.state_dict())))
    assert res[1][1:] == res[0][1:]
    for a, b in zip(res[0][0], res[1][0]):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda nn: nn.RNNCell(2, 3, nonlinearity="relu", bias=False),
                                  lambda nn: nn.RNN(2, 3, nonlinearity="relu", dropout=0.5, num_layers=2),
                                  lambda nn: nn.LSTM(2, 3, batch_first=True, bidirectional=True),
                                  lambda nn: nn.Sequential(nn.GRU(2, 3, bias=False), nn.GRUCell(3, 3))])
def test_recurrent_repr(torch, make):
    assert repr(make(ember.nn)) == repr(make(torch.nn))


def test_default_init_is_uniform_over_inv_sqrt_hidden():
    m = ember.nn.LSTM(10, 400)
    w = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    bound = 1 / np.sqrt(400)
    assert np.abs(w).max() <= bound
    assert abs(w.mean()) < 0.01 * bound and abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound


def test_inter_layer_dropout_only_in_training():
    m = ember.nn.GRU(4, 6, num_layers=2, dropout=0.5)
    x = ember.tensor(_X)
    m.eval()
    a, b = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
    m.train()
    assert not np.allclose(m(x)[0].detach().numpy(), a)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.LSTM(4, 6)(lib.ones(5, 3, 5)),
    lambda lib: lib.nn.GRU(4, 6, num_layers=2)(lib.ones(5, 3, 4), lib.zeros(1, 3, 6)),
    lambda lib: lib.nn.LSTM(4, 6)(lib.ones(5, 3, 4), (lib.zeros(1, 3, 6), lib.zeros(1, 2, 6))),
    lambda lib: lib.nn.RNN(4, 6, nonlinearity="sigmoid"),
])
def test_recurrent_errors_match_torch(torch, call):
    errs = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            call(lib)
        errs.append((type(info.value), str(info.value).replace("torch", "X").replace("ember", "X")))
    assert errs[1][0] is errs[0][0] and errs[1][1] == errs[0][1]


# ---- PackedSequence ------------------------------------------------------------------------------------------

_XP = np.random.default_rng(0).standard_normal((5, 4, 3)).astype(np.float32)


def _run_packed(lib, cls, kw, lens, enforce, batch_first, with_hx):
    U = lib.nn.utils.rnn
    m = getattr(lib.nn, cls)(3, 4, batch_first=batch_first, **kw)
    _load(lib, m)
    x = lib.tensor(_XP.transpose(1, 0, 2).copy() if batch_first else _XP, requires_grad=True)
    p = U.pack_padded_sequence(x, lib.tensor(lens), batch_first=batch_first, enforce_sorted=enforce)
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    hx = ()
    if with_hx:
        h0 = lib.tensor(np.cos(np.arange(d * 16, dtype=np.float32)).reshape(d, 4, 4), requires_grad=True)
        hx = ((h0, h0 * 0.5),) if cls == "LSTM" else (h0,)
    out, hn = m(p, *hx)
    padded, lengths = U.pad_packed_sequence(out, batch_first=batch_first, padding_value=-2.0, total_length=6)
    hs = hn if isinstance(hn, tuple) else (hn,)
    w = lib.tensor(np.linspace(-1, 1, padded.numel(), dtype=np.float32).reshape(tuple(padded.shape)))
    ((padded * w).sum() + sum((h * h).sum() for h in hs)).backward()
    res = [p.data, p.batch_sizes, out.data, padded, lengths, *hs, x.grad] + [q.grad for q in m.parameters()]
    if with_hx:
        res.append(h0.grad)
    if p.sorted_indices is not None:
        res += [p.sorted_indices, p.unsorted_indices]
    return [r.detach().numpy() for r in res]


PACKED = [(cls, kw, lens, enf, bf, hx) for cls in ("RNN", "LSTM", "GRU")
          for kw in ({}, {"bidirectional": True, "num_layers": 2})
          for lens, enf in (([5, 4, 2, 1], True), ([2, 5, 1, 4], False))
          for bf, hx in ((False, False), (True, True))]


@pytest.mark.parametrize("cls,kw,lens,enforce,batch_first,with_hx", PACKED)
def test_packed_sequence_through_recurrent_layers(torch, cls, kw, lens, enforce, batch_first, with_hx):
    t = _run_packed(torch, cls, kw, lens, enforce, batch_first, with_hx)
    e = _run_packed(ember, cls, kw, lens, enforce, batch_first, with_hx)
    assert len(e) == len(t)
    for a, b in zip(t, e):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=2e-6)


def test_pack_sequence_helpers(torch):
    res = []
    for lib in (torch, ember):
        U = lib.nn.utils.rnn
        seqs = [lib.tensor([1.0, 2, 3]), lib.tensor([4.0]), lib.tensor([5.0, 6])]
        ps = U.pack_sequence(seqs, enforce_sorted=False)
        with pytest.raises(RuntimeError):
            U.pack_sequence(seqs)
        res.append((ps.data.tolist(), ps.batch_sizes.tolist(), ps.sorted_indices.tolist(),
                    ps.unsorted_indices.tolist(), [s.tolist() for s in U.unpack_sequence(ps)],
                    U.pad_sequence(seqs, batch_first=True).tolist()))
    assert res[1] == res[0]


@pytest.mark.parametrize("cls,kw", [("LSTM", {}), ("GRU", {}), ("RNN", {}), ("RNN", {"nonlinearity": "relu"})])
def test_recurrent_double_backward(torch, cls, kw):
    def f(lib):
        m = _load(lib, getattr(lib.nn, cls)(4, 5, bidirectional=True, **kw))
        x = lib.tensor(_X[:4, :2], requires_grad=True)
        out, _ = m(x)
        g, = lib.autograd.grad((out ** 2).sum(), x, create_graph=True)
        (g ** 2).sum().backward()
        return [g.detach().numpy(), x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()]
    for a, b in zip(f(torch), f(ember)):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "LSTMCell", "GRUCell"])
def test_saturated_gates_no_warnings_and_match(torch, cls):
    import warnings
    outs = []
    for lib in (torch, ember):
        m = _load(lib, getattr(lib.nn, cls)(4, 6))
        x = lib.tensor(_X[:, 0] * 300 if "Cell" in cls else _X * 300)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = m(x)
        y = y[0] if isinstance(y, tuple) else y
        outs.append(y.detach().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-6)


# ---- nn.utils.rnn.pad_sequence ---------------------------------------------------------------------------

def _pad_seq(batch_first, side):
    def f(lib):
        seqs = [lib.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2) + n, requires_grad=True) for n in (3, 1, 4)]
        out = lib.nn.utils.rnn.pad_sequence(seqs, batch_first=batch_first, padding_value=-1.0, padding_side=side)
        (out * lib.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)))).sum().backward()
        return [out] + [s.grad for s in seqs]
    return f


@pytest.mark.parametrize("batch_first,side", [(False, "right"), (True, "left")],
                         ids=["pad_sequence", "pad_sequence_bf_left"])
def test_pad_sequence_matches_torch(same, batch_first, side):
    same(_pad_seq(batch_first, side), rtol=1e-5, atol=1e-6)
