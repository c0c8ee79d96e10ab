"""nn.MultiheadAttention vs torch: packed and separate (kdim/vdim) projections, add_bias_kv, add_zero_attn,
masks, batch_first; outputs, attention weights and gradients of inputs and parameters."""
from __future__ import annotations

import numpy as np
import pytest

import ember

_Q = np.random.default_rng(0).standard_normal((5, 2, 8)).astype(np.float32)
_K = np.random.default_rng(1).standard_normal((7, 2, 8)).astype(np.float32)

CALLS = {
    "self": lambda l, m, q, k, v: m(q, q, q) if m._qkv_same_embed_dim else m(q, k, v),
    "cross": lambda l, m, q, k, v: m(q, k, v),
    "no_avg": lambda l, m, q, k, v: m(q, k, v, average_attn_weights=False),
    "key_padding": lambda l, m, q, k, v: m(q, k, v, key_padding_mask=l.tensor(np.array([[False] * 6 + [True],
                                                                                       [False] * 7]))),
    "bool_mask": lambda l, m, q, k, v: m(q, k, v, attn_mask=l.tensor(np.triu(np.ones((5, 7), bool), 1))),
    "float_mask": lambda l, m, q, k, v: m(q, k, v, attn_mask=l.tensor(np.linspace(-1, 0, 35, dtype=np.float32)
                                                                      .reshape(5, 7))),
    "no_weights": lambda l, m, q, k, v: m(q, k, v, need_weights=False),
}
CONFIGS = [{}, {"batch_first": True}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
           {"add_bias_kv": True, "add_zero_attn": True, "batch_first": True}, {"kdim": 5, "vdim": 3},
           {"kdim": 5, "vdim": 3, "add_bias_kv": True, "bias": False}]


def _run(lib, kw, call):
    m = lib.nn.MultiheadAttention(8, 2, **kw)
    m.load_state_dict({k: lib.tensor(np.sin(np.arange(v.numel(), dtype=np.float32) * 0.3 + len(k))
                                      .reshape(tuple(v.shape)) * 0.4) for k, v in m.state_dict().items()})
    bf = kw.get("batch_first", False)
    kd, vd = kw.get("kdim", 8), kw.get("vdim", 8)
    arrays = [_Q, _K[..., :kd].copy(), (_K[..., ::-1][..., :vd] * 0.7).copy()]
    q, k, v = (lib.tensor(a.transpose(1, 0, 2).copy() if bf else a, requires_grad=True) for a in arrays)
    out, w = CALLS[call](lib, m, q, k, v)
    loss = (out * lib.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))).sum()
    if w is not None:
        loss = loss + (w * w).sum()
    loss.backward()
    res = [out] + ([w] if w is not None else []) + [t.grad for t in (q, k, v) if t.grad is not None]
    res += [p.grad for p in m.parameters() if p.grad is not None]
    return [r.detach().numpy() for r in res], list(m.state_dict()), [n for n, _ in m.named_parameters()], repr(m)


@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("call", list(CALLS))
def test_multihead_attention_matches_torch(torch, kw, call):
    t, e = _run(torch, kw, call), _run(ember, kw, call)
    assert e[1:] == t[1:]
    assert len(e[0]) == len(t[0])
    for a, b in zip(t[0], e[0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
