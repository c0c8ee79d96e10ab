"""Indexing as torch reads a key (issue 16): Python ranges and other sequences as index tensors, lists mixing
ints and tensors (torch's legacy tuple rule and its warning), float lists truncated to indices, several
ellipses, and integers applied before tensor indices (so the index dims stay where the tensor index stands:
`x[1, :, 3:11:2, idx, 0:2]`, which NumPy reads differently). Values, shapes and gradients against torch;
writes through such keys too."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import check, run_both

X = np.arange(2 * 3 * 12 * 5 * 4, dtype=np.float32).reshape(2, 3, 12, 5, 4)
Y = np.arange(12, dtype=np.float32).reshape(3, 4)


def _t(L, a):
    return L.tensor(a)


KEYS = [
    ("range_with_tensor", Y, lambda L: (range(3), L.tensor([0, 1, 2]))),
    ("range_alone", Y, lambda L: range(0, 3, 2)),
    ("range_second_dim", Y, lambda L: (slice(None), range(1, 3))),
    ("tuple_of_ranges", Y, lambda L: (range(2), range(1, 3))),
    ("list_int_and_0d_tensor", Y, lambda L: [0, L.tensor(2)]),
    ("list_of_index_tensors", Y, lambda L: [L.tensor([0, 1]), L.tensor([1, 2])]),
    ("list_of_lists", Y, lambda L: [[0, 1], [1, 2]]),
    ("list_with_range", Y, lambda L: [range(2)]),
    ("float_list_truncates", Y, lambda L: [0.5, 1.7]),
    ("bool_list", Y, lambda L: [True, False, True]),
    ("numpy_index_array", Y, lambda L: np.array([2, 0])),
    (
        "int_slices_tensor_slice",
        X,
        lambda L: (1, slice(None), slice(3, 11, 2), L.tensor([0, 2, 4]), slice(0, 2)),
    ),
    ("int_slice_tensor", X, lambda L: (0, slice(None), L.tensor([1, 2]))),
    ("int_ellipsis_tensor", X, lambda L: (1, Ellipsis, L.tensor([0, 3]))),
    ("tensor_slice_int", X, lambda L: (L.tensor([0, 1]), slice(None), 2)),
    ("two_tensors_apart", X, lambda L: (L.tensor([0, 1]), slice(None), L.tensor([1, 2]))),
    ("int_between_tensors", X, lambda L: (L.tensor([0, 1]), 1, L.tensor([1, 2]))),
    ("0d_tensor_as_int", X, lambda L: (L.tensor(1), slice(None), L.tensor([1, 2]))),
    ("numpy_int_as_int", X, lambda L: (np.int64(1), slice(None), L.tensor([1, 2]))),
    ("int_none_tensor", X, lambda L: (1, None, L.tensor([0, 2]))),
    ("int_mask_apart", X, lambda L: (1, slice(None), L.tensor([True] * 6 + [False] * 6))),
    ("two_ellipses", Y, lambda L: (Ellipsis, Ellipsis)),
    ("ellipsis_int_ellipsis", X, lambda L: (Ellipsis, 1, Ellipsis)),
    ("int_ellipsis_int_ellipsis", X, lambda L: (1, Ellipsis, 2, Ellipsis)),
    ("ellipsis_none_ellipsis", X, lambda L: (Ellipsis, None, Ellipsis)),
    ("ellipses_spanning_nothing", Y, lambda L: (Ellipsis, 1, Ellipsis, 2)),
    ("ellipses_then_full_slice", Y, lambda L: (Ellipsis, Ellipsis, slice(None))),
]


@pytest.mark.parametrize("name,data,key", KEYS, ids=[k[0] for k in KEYS])
def test_getitem_and_gradient(name, data, key, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy-list warning is tested below
        check(torch, lambda x: x[key(_lib_of(x))], lambda x: x[key(torch)], [data], path=name)


@pytest.mark.parametrize("name,data,key", KEYS, ids=[k[0] for k in KEYS])
def test_setitem(name, data, key, torch):
    def write(L):
        x = L.tensor(data)
        k = key(L)
        x[k] = -1.0
        y = L.tensor(data)
        y[k] = y[k] * 2  # a tensor value of the indexed shape
        return x, y

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_both(torch, write, path=name)


def _lib_of(t):
    import ember

    return ember if isinstance(t, ember.Tensor) else __import__("torch")


BAD = [
    ("ellipses_then_int", lambda L: L.ones(2, 3)[..., ..., 1]),
    ("ellipses_then_none", lambda L: L.ones(2, 3, 4)[..., ..., None]),
    ("string", lambda L: L.ones(3)["a"]),
    ("list_with_string", lambda L: L.ones(3)[[0, "a"]]),
    ("float", lambda L: L.ones(3)[1.5]),
    ("float_in_tuple", lambda L: L.ones(3, 3)[0, 1.5]),
    ("dict", lambda L: L.ones(3)[{}]),
    ("float_tensor", lambda L: L.ones(3)[L.tensor([0.0])]),
    ("range_out_of_bounds", lambda L: L.ones(3)[range(4)]),
    ("list_too_many", lambda L: L.ones(3, 4)[[L.tensor(0), 1, 2]]),
]


@pytest.mark.parametrize("name,fn", BAD, ids=[b[0] for b in BAD])
def test_bad_keys(name, fn, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_both(torch, fn, path=name)


@pytest.mark.parametrize(
    "key",
    [
        lambda L: [0, L.tensor(1)],
        lambda L: [[0, 1], [1, 2]],
        lambda L: [range(2)],
        lambda L: [slice(0, 2), 1],
    ],
    ids=["int_tensor", "lists", "range", "slice"],
)
def test_legacy_sequence_warning(key, torch):
    """A list read as a tuple of indices warns as torch does (a UserWarning naming x[tuple(seq)])."""
    import ember

    got = {}
    for L in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.ones(3, 4)[key(L)]
        # torch's C++ warnings end with where they were raised: " (Triggered internally at ...)"
        got[L.__name__] = [
            (x.category.__name__, str(x.message).split(" (Triggered internally")[0]) for x in w
        ]
    assert got["ember"] == got["torch"] and len(got["torch"]) == 1
    assert "x[tuple(seq)]" in got["ember"][0][1]
