"""Transformer encoder/decoder layers, stacks and nn.Transformer vs torch (outputs, grads, keys, repr, masks)."""
from __future__ import annotations

import numpy as np
import pytest

import ember

_S = np.random.default_rng(0).standard_normal((6, 2, 8)).astype(np.float32)
_T = np.random.default_rng(1).standard_normal((4, 2, 8)).astype(np.float32)


def _load(lib, m):
    m.load_state_dict({k: lib.tensor(np.sin(np.arange(v.numel(), dtype=np.float32) * 0.3 + len(k))
                                      .reshape(tuple(v.shape)) * 0.4) for k, v in m.state_dict().items()})


def _run(lib, kind, kw, masks):
    nn = lib.nn
    bf = kw.get("batch_first", False)
    s = lib.tensor(_S.transpose(1, 0, 2).copy() if bf else _S, requires_grad=True)
    t = lib.tensor(_T.transpose(1, 0, 2).copy() if bf else _T, requires_grad=True)
    kpm = lib.tensor(np.array([[False] * 5 + [True], [False] * 6])) if masks else None
    if kind == "enc":
        m = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw), 2, norm=nn.LayerNorm(8))
        _load(lib, m)
        out = m(s, mask=nn.Transformer.generate_square_subsequent_mask(6) if masks else None,
                src_key_padding_mask=kpm)
    elif kind == "dec":
        m = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kw), 2)
        _load(lib, m)
        out = m(t, s, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4) if masks else None,
                memory_key_padding_mask=kpm)
    else:
        m = nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, **kw)
        _load(lib, m)
        out = m(s, t, tgt_mask=m.generate_square_subsequent_mask(4) if masks else None, src_key_padding_mask=kpm,
                memory_key_padding_mask=kpm)
    out.pow(2).sum().backward()
    grads = [out, s.grad, t.grad if t.grad is not None else np.zeros(1)]
    grads += [p.grad if p.grad is not None else np.zeros(1) for p in m.parameters()]
    return [g.detach().numpy() if hasattr(g, "detach") else g for g in grads], list(m.state_dict()), repr(m)


@pytest.mark.parametrize("kind", ["enc", "dec", "full"])
@pytest.mark.parametrize("kw", [{}, {"batch_first": True}, {"norm_first": True, "activation": "gelu"}, {"bias": False}])
@pytest.mark.parametrize("masks", [False, True])
def test_transformer_matches_torch(torch, kind, kw, masks):
    t, e = _run(torch, kind, kw, masks), _run(ember, kind, kw, masks)
    assert e[1] == t[1] and e[2] == t[2]
    for a, b in zip(t[0], e[0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


def test_square_subsequent_mask(torch):
    np.testing.assert_array_equal(ember.nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_transformer_init_xavier_and_dropout_train_only():
    m = ember.nn.Transformer(16, 2, 1, 1, 32)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and w.std() > 0.8 * bound / np.sqrt(3)
    x, y = ember.tensor(_S[:, :, :8].repeat(2, 2)), ember.tensor(_T[:, :, :8].repeat(2, 2))
    m.eval()
    np.testing.assert_array_equal(m(x, y).detach().numpy(), m(x, y).detach().numpy())
    m.train()
    assert not np.allclose(m(x, y).detach().numpy(), m(x, y).detach().numpy())
