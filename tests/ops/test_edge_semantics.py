"""Small behaviours programs rely on (issue 16): the gradient of `0 ** x` at negative x is -inf, einsum's
bad subscripts are RuntimeErrors and its sublist form works, linspace/logspace refuse bool; against torch."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import check, run_both


@pytest.mark.parametrize("form", ["operator", "pow", "int_base"])
def test_zero_base_power_gradient(form, torch):
    x = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 2.0])
    f = {"operator": lambda L, t: 0.0**t, "pow": lambda L, t: L.pow(0.0, t), "int_base": lambda L, t: 0**t}[
        form
    ]
    import ember

    check(torch, lambda t: f(ember, t), lambda t: f(torch, t), [x])


def test_zero_base_power_double_backward(torch):
    def f(L):
        t = L.tensor([-1.0, 0.5, 2.0], dtype=L.float64, requires_grad=True)
        (g,) = L.autograd.grad((0.0**t).sum(), t, create_graph=True)
        return g

    run_both(torch, f)


EINSUM_BAD = [
    ("unknown_output_letter", lambda L: L.einsum("ij,jk->il", L.ones(2, 2), L.ones(2, 2))),
    ("operand_count", lambda L: L.einsum("ij,jk->ik", L.ones(2, 2))),
    ("size_mismatch", lambda L: L.einsum("ij,jk->ik", L.ones(2, 3), L.ones(2, 2))),
    ("rank_mismatch", lambda L: L.einsum("ijk->i", L.ones(2, 2))),
    ("bad_character", lambda L: L.einsum("i#->i", L.ones(2, 2))),
    ("repeated_output", lambda L: L.einsum("ij->ii", L.ones(2, 2))),
    ("two_arrows", lambda L: L.einsum("ij->j->i", L.ones(2, 2))),
    ("sublist_out_of_range", lambda L: L.einsum(L.ones(2, 2), [0, 60])),
]


@pytest.mark.parametrize("name,fn", EINSUM_BAD, ids=[e[0] for e in EINSUM_BAD])
def test_einsum_bad_subscripts(name, fn, torch):
    run_both(torch, fn, path=name)


EINSUM_OK = [
    ("implicit_output", lambda L: L.einsum("ij,jk", L.arange(4.0).reshape(2, 2), L.ones(2, 2))),
    ("spaces", lambda L: L.einsum("i j -> j", L.arange(4.0).reshape(2, 2))),
    (
        "sublist",
        lambda L: L.einsum(L.arange(4.0).reshape(2, 2), [0, 1], L.arange(6.0).reshape(2, 3), [1, 2], [0, 2]),
    ),
    (
        "sublist_implicit",
        lambda L: L.einsum(L.arange(4.0).reshape(2, 2), [0, 1], L.arange(6.0).reshape(2, 3), [1, 2]),
    ),
    ("sublist_ellipsis", lambda L: L.einsum(L.arange(24.0).reshape(2, 3, 4), [Ellipsis, 1], [Ellipsis])),
    ("operand_list", lambda L: L.einsum("ij,jk->ik", [L.ones(2, 2), L.ones(2, 2)])),
]


@pytest.mark.parametrize("name,fn", EINSUM_OK, ids=[e[0] for e in EINSUM_OK])
def test_einsum_forms(name, fn, torch):
    run_both(torch, fn, path=name)


@pytest.mark.parametrize("fn", ["linspace", "logspace"])
def test_space_bool_dtype(fn, torch):
    e = run_both(torch, lambda L: getattr(L, fn)(0, 1, 5, dtype=L.bool))
    assert isinstance(e, NotImplementedError)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float64"])
def test_linspace_other_dtypes(dtype, torch):
    run_both(torch, lambda L: L.linspace(0, 10, 4, dtype=getattr(L, dtype)))
