"""default_collate / default_convert against torch's on the same samples: container types, values, dtypes."""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

import ember
from ember.utils.data import default_collate, default_convert

Point = collections.namedtuple("Point", ["x", "y"])


@dataclasses.dataclass
class Sample:
    image: object
    label: object


def _norm(obj):
    """A comparable form: tensors -> ('T', dtype, shape, values); containers keep their type name."""
    name = type(obj).__name__
    if name == "Tensor":
        return ("T", str(obj.dtype).replace("torch.", "").replace("ember.", ""), tuple(obj.shape),
                obj.numpy().tolist())
    if isinstance(obj, dict):
        return ("dict", {k: _norm(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (name, [_norm(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (name, [_norm(v) for v in obj])
    if isinstance(obj, np.ndarray):
        return ("nd", obj.tolist())
    return obj


def _mk(torch, kind, i):
    a = np.arange(6, dtype=np.float32).reshape(2, 3) + i
    return {
        "np": a,
        "np_int": np.arange(3) + i,
        "np0d": np.array(i, dtype=np.float32),
        "npscalar": np.float64(i) / 2,
        "npint32": np.int32(i),
        "int": i,
        "float": i / 2,
        "bool": bool(i % 2),
        "str": f"s{i}",
        "bytes": b"b%d" % i,
        "tuple": (a, i),
        "list": [a, i, "x"],
        "dict": {"img": a, "lbl": i, "meta": {"id": i, "name": f"n{i}"}},
        "namedtuple": Point(a, i),
        "nested": [({"k": (a, i)}, [i, i])],
    }[kind]


KINDS = ["np", "np_int", "np0d", "npscalar", "npint32", "int", "float", "bool", "str", "bytes", "tuple",
         "list", "dict", "namedtuple", "nested"]


@pytest.mark.parametrize("kind", KINDS)
def test_default_collate_matches_torch(torch, kind):
    batch = [_mk(torch, kind, i) for i in range(3)]
    got = default_collate(batch)
    want = torch.utils.data.default_collate(batch)
    assert _norm(got) == _norm(want)


def test_collate_tensors(torch):
    xs = [np.arange(4, dtype=np.float32) * i for i in range(3)]
    got = default_collate([(ember.from_numpy(x), ember.tensor(i)) for i, x in enumerate(xs)])
    want = torch.utils.data.default_collate([(torch.from_numpy(x), torch.tensor(i))
                                             for i, x in enumerate(xs)])
    assert _norm(got) == _norm(want)
    # one Tensor per field: the batch owns a fresh array
    assert not np.shares_memory(got[0].numpy(), xs[1])


def test_collate_keeps_autograd():
    ws = [ember.ones(2, requires_grad=True) for _ in range(3)]
    out = default_collate(ws)
    assert out.requires_grad and out.shape == (3, 2)
    out.sum().backward()
    assert ws[0].grad.tolist() == [1.0, 1.0]


def test_collate_dataclass():
    a = np.zeros((2, 2), np.float32)
    out = default_collate([Sample(a, 1), Sample(a + 1, 2)])
    assert isinstance(out, Sample) and out.image.shape == (2, 2, 2) and out.label.tolist() == [1, 2]


@pytest.mark.parametrize("kind", ["np", "npscalar", "int", "tuple", "list", "dict", "namedtuple", "str"])
def test_default_convert_matches_torch(torch, kind):
    sample = _mk(torch, kind, 1)
    assert _norm(default_convert(sample)) == _norm(torch.utils.data.default_convert(sample))


def test_collate_shape_mismatch_names_shapes_and_entry(torch):
    batch = [np.zeros(3, np.float32), np.zeros(3, np.float32), np.zeros(4, np.float32)]
    with pytest.raises(RuntimeError, match=r"\[3\] at entry 0 and \[4\] at entry 2"):
        default_collate(batch)
    with pytest.raises(RuntimeError):  # torch raises the same type
        torch.utils.data.default_collate(batch)
    nested = [{"img": np.zeros((2, 2))}, {"img": np.zeros((2, 3))}]
    msg = r"\[2, 2\] at entry 0 and \[2, 3\] at entry 1 \(field sample\['img'\]"
    with pytest.raises(RuntimeError, match=msg) as ei:
        default_collate(nested)
    with pytest.raises(RuntimeError) as ti:
        torch.utils.data.default_collate(nested)
    assert type(ei.value) is type(ti.value) is RuntimeError      # exactly torch's class, no private subclass
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])


@pytest.mark.parametrize("bad", [[object(), object()], [np.array(["a"]), np.array(["b"])],
                                 [np.array([None], dtype=object)] * 2])
def test_collate_type_errors_match_torch(torch, bad):
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate(bad)
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        torch.utils.data.default_collate(bad)


class Box:
    def __init__(self, v):
        self.v = v


def collate_box(batch, *, collate_fn_map=None):
    return sum(b.v for b in batch)


def test_collate_with_custom_fn_map_matches_torch(torch):
    from torch.utils.data._utils import collate as tcollate

    from ember.utils.data._utils.collate import collate, default_collate_fn_map
    batch = [{"box": Box(1), "x": np.zeros(2, np.float32), "n": (1, "a")},
             {"box": Box(2), "x": np.ones(2, np.float32), "n": (2, "b")}]
    got = collate(batch, collate_fn_map={**default_collate_fn_map, Box: collate_box})
    want = tcollate.collate(batch, collate_fn_map={**tcollate.default_collate_fn_map, Box: collate_box})
    assert _norm(got) == _norm(want) and got["box"] == 3
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        collate([Box(1)], collate_fn_map=default_collate_fn_map)
