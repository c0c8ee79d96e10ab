"""__getitem__/__setitem__ against torch: every index kind and combination, values and gradients."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember

KEYS = [
    ("int", lambda m: 1),
    ("neg_int", lambda m: -1),
    ("tuple_ints", lambda m: (1, -2)),
    ("all_ints", lambda m: (1, 2, 3)),
    ("slice", lambda m: slice(1, None)),
    ("slice_past_end", lambda m: slice(1, 100)),
    ("neg_slices", lambda m: (slice(-2, None), slice(None, -1))),
    ("step_slices", lambda m: (slice(None, None, 2), slice(1, None, 2), slice(None, None, 3))),
    ("none", lambda m: None),
    ("ellipsis", lambda m: ...),
    ("none_ellipsis_int", lambda m: (None, ..., 1, None)),
    ("list", lambda m: [1, 0, 1]),
    ("neg_list", lambda m: [-1, -2]),
    ("empty_list", lambda m: []),
    ("list_of_bools", lambda m: [True, False]),
    ("list_of_lists", lambda m: [[0, 1], [1, 2]]),
    ("list_of_tensors", lambda m: [m.tensor([0, 1]), m.tensor([1, 2])]),
    ("list_tensor_scalars", lambda m: [m.tensor(0), m.tensor(2)]),
    ("list_with_slice", lambda m: [0, slice(None), 1]),
    ("tuple_in_tuple", lambda m: ((0, 1), slice(None), 0)),
    ("tensor", lambda m: m.tensor([1, 1, 0])),
    ("tensor_2d", lambda m: m.tensor([[0, 1], [1, 1]])),
    ("tensor_0d", lambda m: m.tensor(1)),
    ("tensor_0d_slice", lambda m: (m.tensor(1), slice(None))),
    ("int32_tensor", lambda m: m.tensor([1, 0], dtype=m.int32)),
    ("neg_tensor", lambda m: (slice(None), m.tensor([-1, -3]))),
    ("mask_full", lambda m: m.tensor(np.arange(24).reshape(2, 3, 4) % 3 == 0)),
    ("mask_2d_int", lambda m: (m.tensor([[True, False, True], [False, False, True]]), 1)),
    ("int_mask", lambda m: (1, m.tensor([True, False, True]))),
    ("mask_mid", lambda m: (slice(None), m.tensor([True, False, True]))),
    ("uint8_mask", lambda m: m.tensor([1, 0], dtype=m.uint8)),
    ("bool_true", lambda m: True),
    ("bool_false_int", lambda m: (False, 0)),
    ("tensor_bool_0d", lambda m: m.tensor(True)),
    ("adv_sep_by_slice", lambda m: (m.tensor([0, 1]), slice(None), m.tensor([1, 3]))),
    ("adv_adjacent", lambda m: (slice(None), m.tensor([[0, 1]]), m.tensor([[1], [3]]))),
    ("adv_bcast", lambda m: (m.tensor([[0], [1]]), m.tensor([0, 2, 1]))),
    ("ellipsis_adv", lambda m: (..., m.tensor([0, 3]))),
    ("none_adv", lambda m: (None, m.tensor([1]), None, slice(1, 3))),
    ("int_adv_slice", lambda m: (1, m.tensor([0, 2]), slice(None, None, 2))),
]

IDS = [k[0] for k in KEYS]


def _data():
    return np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)


@pytest.mark.parametrize("name,key", KEYS, ids=IDS)
def test_getitem_matches_torch(name, key, torch):
    d = _data()
    res = []
    for m in (torch, ember):
        x = m.tensor(d, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = x[key(m)]
        cot = np.random.default_rng(4).standard_normal(tuple(y.shape)).astype(np.float32)
        (y * m.tensor(cot)).sum().backward()
        res.append((y.detach().numpy().copy(), str(y.dtype), x.grad.numpy().copy()))
    (ty, tdt, tg), (ey, edt, eg) = res
    assert ey.shape == ty.shape and edt == tdt
    np.testing.assert_array_equal(ey, ty)
    np.testing.assert_allclose(eg, tg, rtol=1e-6, atol=1e-6)


def _no_dup(name):
    # duplicate targets: torch leaves which write wins (and the value gradient) unspecified
    return name not in ("list", "tensor", "tensor_2d", "list_of_lists", "adv_bcast", "uint8_mask")


@pytest.mark.parametrize("name,key", [k for k in KEYS if _no_dup(k[0])], ids=[i for i in IDS if _no_dup(i)])
@pytest.mark.parametrize("vkind", ["scalar", "tensor", "bcast"])
def test_setitem_matches_torch(name, key, vkind, torch):
    d = _data()
    res = []
    for m in (torch, ember):
        x = m.tensor(d, requires_grad=True)
        y = x * 1.5
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            target_shape = tuple(y[key(m)].shape)
            v = None
            if vkind == "scalar":
                val = 2.5
            else:
                shape = target_shape if vkind == "tensor" else target_shape[-1:]
                v = m.tensor(np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) + 0.5,
                             requires_grad=True)
                val = v * 1.0
            y[key(m)] = val
        cot = np.random.default_rng(4).standard_normal(tuple(y.shape)).astype(np.float32)
        (y * m.tensor(cot)).sum().backward()
        res.append((y.detach().numpy().copy(), x.grad.numpy().copy(),
                    None if v is None else v.grad.numpy().copy()))
    (ty, tg, tv), (ey, eg, ev) = res
    np.testing.assert_array_equal(ey, ty)
    np.testing.assert_allclose(eg, tg, rtol=1e-6, atol=1e-6)
    if tv is not None:
        np.testing.assert_allclose(ev, tv, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("value", [
    lambda m: m.tensor([1, 2, 3, 4]),                      # int values into a float tensor: cast
    lambda m: m.tensor(7.0, dtype=m.float64),              # 0-d float64 into float32
    lambda m: True,
])
def test_setitem_casts_values_like_torch(value, torch):
    out = []
    for m in (torch, ember):
        x = m.zeros(3, 4)
        x[1] = value(m)
        out.append((x.numpy().copy(), str(x.dtype)))
    np.testing.assert_array_equal(out[1][0], out[0][0])
    assert out[1][1] == out[0][1]
