"""Reductions and scans of a 0-d tensor (issue 16): dim 0 and -1 (alone or in a tuple) reduce nothing, as in
torch, with torch's values and gradients (mean's backward included); any other dim is torch's IndexError."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import check, raises_like

OK = [
    ("sum", lambda x, d: x.sum(d)),
    ("sum_keep", lambda x, d: x.sum(d, keepdim=True)),
    ("sum_tuple", lambda x, d: x.sum((d,))),
    ("mean", lambda x, d: x.mean(d)),
    ("nansum", lambda x, d: x.nansum(d)),
    ("nanmean", lambda x, d: x.nanmean(d)),
    ("prod", lambda x, d: x.prod(d)),
    ("logsumexp", lambda x, d: x.logsumexp(d)),
    ("std", lambda x, d: x.std(d, correction=0)),
    ("var", lambda x, d: x.var(d, correction=0)),
    ("std_unbiased", lambda x, d: x.std(d)),
    ("amax", lambda x, d: x.amax(d)),
    ("amin", lambda x, d: x.amin(d)),
    ("max", lambda x, d: x.max(d)),
    ("min", lambda x, d: x.min(d)),
    ("argmax", lambda x, d: x.argmax(d)),
    ("median", lambda x, d: x.median(d)),
    ("norm", lambda x, d: x.norm(dim=d)),
    ("all", lambda x, d: x.all(d)),
    ("any", lambda x, d: x.any(d)),
    ("count_nonzero", lambda x, d: x.count_nonzero(d)),
    ("softmax", lambda x, d: x.softmax(d)),
    ("log_softmax", lambda x, d: x.log_softmax(d)),
    ("cumsum", lambda x, d: x.cumsum(d)),
    ("cumprod", lambda x, d: x.cumprod(d)),
    ("logcumsumexp", lambda x, d: x.logcumsumexp(d)),
    ("cummax", lambda x, d: x.cummax(d)),
    ("cummin", lambda x, d: x.cummin(d)),
    ("sort", lambda x, d: x.sort(d)),
    ("argsort", lambda x, d: x.argsort(d)),
    ("topk", lambda x, d: x.topk(1, d)),
    ("kthvalue", lambda x, d: x.kthvalue(1, d)),
    ("flatten", lambda x, d: x.flatten(d)),
    ("unsqueeze", lambda x, d: x.unsqueeze(d)),
    ("squeeze", lambda x, d: x.squeeze(d)),
]


@pytest.mark.parametrize("name,fn", OK, ids=[o[0] for o in OK])
@pytest.mark.parametrize("dim", [0, -1])
def test_dim_0_and_minus_1(name, fn, dim, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # std/var warn about degrees of freedom <= 0 (checked below)
        check(
            torch,
            lambda x: fn(x, dim),
            lambda x: fn(x, dim),
            [np.array(1.5, np.float32)],
            path=f"{name}({dim})",
        )


@pytest.mark.parametrize("name,fn", OK, ids=[o[0] for o in OK])
@pytest.mark.parametrize("dim", [1, -2])
def test_other_dims_raise_index_error(name, fn, dim, torch):
    if name == "unsqueeze":
        dim = 2 if dim == 1 else -3  # unsqueeze of a 0-d tensor takes dims 0, 1, -1, -2
    e = raises_like(torch, lambda L: fn(L.tensor(1.5), dim), path=f"{name}({dim})")
    assert isinstance(e, IndexError)


def test_degrees_of_freedom_warning(torch):
    import ember

    msgs = {}
    for L in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.tensor(1.5).std(0)
            L.ones(3).var(0, correction=3)
        msgs[L.__name__] = [
            (x.category.__name__, str(x.message).split(" (Triggered internally")[0]) for x in w
        ]
    assert msgs["ember"] == msgs["torch"] and len(msgs["torch"]) == 2
