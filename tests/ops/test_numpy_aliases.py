"""NumPy-style keyword aliases (issue 16): torch's own functions take `axis=` for `dim=` and `keepdims=` for
`keepdim=`; ember takes them wherever torch does, with the same results."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import check

A = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
IDX = np.array([[0, 1]])

CALLS = [
    ("sum", lambda L, x: L.sum(x, axis=1, keepdims=True)),
    ("mean", lambda L, x: x.mean(axis=0, keepdims=True)),
    ("std_mean", lambda L, x: L.std_mean(x, axis=1)),
    ("var_mean", lambda L, x: L.var_mean(x, axis=1, keepdims=True)),
    ("std", lambda L, x: x.std(axis=1, keepdims=True)),
    ("logsumexp", lambda L, x: L.logsumexp(x, axis=1)),
    ("amax", lambda L, x: L.amax(x, axis=1, keepdims=True)),
    ("max", lambda L, x: L.max(x, axis=1, keepdims=True)),
    ("aminmax", lambda L, x: L.aminmax(x, axis=1, keepdims=True)),
    ("argmax", lambda L, x: x.argmax(axis=1)),
    ("median", lambda L, x: L.median(x, axis=0, keepdims=True)),
    ("nanmedian", lambda L, x: x.nanmedian(axis=1)),
    ("mode", lambda L, x: L.mode(x, axis=0, keepdims=True)),
    ("kthvalue", lambda L, x: x.kthvalue(2, axis=1)),
    ("sort", lambda L, x: L.sort(x, axis=0)),
    ("argsort", lambda L, x: x.argsort(axis=0)),
    ("topk", lambda L, x: L.topk(x, 2, axis=1)),
    ("cumsum", lambda L, x: L.cumsum(x, axis=1)),
    ("cummax", lambda L, x: x.cummax(axis=1)),
    ("logcumsumexp", lambda L, x: L.logcumsumexp(x, axis=1)),
    ("softmax", lambda L, x: L.softmax(x, axis=1)),
    ("log_softmax", lambda L, x: x.log_softmax(axis=0)),
    ("cat", lambda L, x: L.cat([x, x], axis=1)),
    ("concatenate", lambda L, x: L.concatenate([x, x], axis=0)),
    ("stack", lambda L, x: L.stack([x, x], axis=2)),
    ("unbind", lambda L, x: x.unbind(axis=1)),
    ("chunk", lambda L, x: L.chunk(x, 2, axis=1)),
    ("tensor_split", lambda L, x: L.tensor_split(x, 2, axis=1)),
    ("split_with_sizes", lambda L, x: L.split_with_sizes(x, [1, 2], axis=0)),
    ("unsqueeze", lambda L, x: x.unsqueeze(axis=1)),
    ("squeeze", lambda L, x: x[None].squeeze(axis=0)),
    ("select", lambda L, x: L.select(x, axis=1, index=2)),
    ("narrow", lambda L, x: L.narrow(x, axis=1, start=1, length=2)),
    ("gather", lambda L, x: L.gather(x, axis=1, index=L.tensor(IDX))),
    ("take_along_dim", lambda L, x: L.take_along_dim(x, L.tensor(IDX), axis=1)),
    ("index_select", lambda L, x: x.index_select(axis=1, index=L.tensor([0, 3]))),
    ("index_add", lambda L, x: L.index_add(x, axis=0, index=L.tensor([1]), source=x[:1] * 2)),
    ("scatter_add", lambda L, x: L.scatter_add(x, axis=1, index=L.tensor(IDX), src=x[:1, :2])),
    ("diff", lambda L, x: L.diff(x, axis=0)),
    ("trapezoid", lambda L, x: L.trapezoid(x, axis=1)),
    ("cumulative_trapezoid", lambda L, x: L.cumulative_trapezoid(x, axis=1)),
    ("count_nonzero", lambda L, x: L.count_nonzero(x, axis=1)),
    ("repeat_interleave", lambda L, x: L.repeat_interleave(x, 2, axis=0)),
    ("unflatten", lambda L, x: L.unflatten(x, axis=1, sizes=(2, 2))),
    ("renorm", lambda L, x: L.renorm(x, 2, axis=0, maxnorm=1.0)),
    ("cross", lambda L, x: L.cross(x[:, :3], x[:, 1:], axis=1)),
    ("cosine_similarity", lambda L, x: L.nn.functional.cosine_similarity(x, x + 1, axis=1)),
    ("pairwise_distance", lambda L, x: L.nn.functional.pairwise_distance(x, x + 1, keepdims=True)),
    ("size", lambda L, x: x.size(axis=1)),
    ("stride", lambda L, x: x.stride(axis=0)),
]


@pytest.mark.parametrize("name,fn", CALLS, ids=[c[0] for c in CALLS])
def test_alias(name, fn, torch):
    import ember

    check(torch, lambda x: fn(ember, x), lambda x: fn(torch, x), [A], path=name)


def test_in_place_aliases(torch):
    def f(L):
        x = L.tensor(A)
        x.cumsum_(axis=1)
        x.unsqueeze_(axis=0).squeeze_(axis=0)
        x.index_add_(axis=0, index=L.tensor([0]), source=L.ones(1, 4))
        return x

    from oracle import run_both

    run_both(torch, f)
