"""Malformed checkpoints: hostile tensor arguments, unknown zip compression, corrupt and truncated files.
Whatever the damage, ember.load gives a correct result or an UnpicklingError/RuntimeError that names the file
and where in it; never a TypeError, a NumPy error, a bare MemoryError, a crash or a hang."""
from __future__ import annotations

import collections
import io
import zipfile

import numpy as np
import pytest

import ember
from ember import serialization as S
from ember.serialization import UnpicklingError

from test_hostile_checkpoints import Named, _T, _tensor_file

OD = collections.OrderedDict


# ---- hostile _rebuild_tensor_v2 arguments ---------------------------------------------------------

BAD_ARGS = {
    "size_is_an_int": (0, 4, (1,), False, OD()),
    "size_of_floats": (0, (1.5,), (1,), False, OD()),
    "size_is_none": (0, None, (1,), False, OD()),
    "negative_size": (0, (-1,), (1,), False, OD()),
    "negative_offset": (-1, (2,), (1,), False, OD()),
    "float_offset": (1.5, (2,), (1,), False, OD()),
    "stride_length_mismatch": (0, (2,), (1, 1), False, OD()),
    "negative_stride": (0, (2,), (-1,), False, OD()),
    "stride_is_a_string": (0, (2,), "ab", False, OD()),
    "past_the_storage": (1, (4,), (1,), False, OD()),
    "strided_past_the_storage": (0, (2, 2), (3, 1), False, OD()),
    "huge_zero_stride_view": (0, (2 ** 62,), (0,), False, OD()),
    "huge_2d": (0, (2 ** 40, 2 ** 40), (0, 0), False, OD()),
    "too_few_args": (0,),
}


@pytest.mark.parametrize("name", sorted(BAD_ARGS))
def test_hostile_tensor_arguments(name):
    with pytest.raises(UnpicklingError) as ei:
        ember.load(Named(_tensor_file(*BAD_ARGS[name])))
    msg = str(ei.value)
    assert "'hostile.pt', record 'a/data.pkl'" in msg and "at byte" in msg, msg


def test_the_storage_argument_must_be_a_storage():
    buf = io.BytesIO()
    S._Pickler(buf, 2).dump({"t": _T(5, 0, (1,), (1,), False, OD())})
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("a/data.pkl", buf.getvalue())
    with pytest.raises(UnpicklingError, match="not a storage"):
        ember.load(Named(b.getvalue()))


def test_well_formed_arguments_load():
    assert ember.load(io.BytesIO(_tensor_file(1, (2,), (2,))))["t"].tolist() == [1.0, 3.0]
    assert ember.load(io.BytesIO(_tensor_file(0, (2, 2), (0, 1))))["t"].tolist() == [[0.0, 1.0], [0.0, 1.0]]
    assert ember.load(io.BytesIO(_tensor_file(0, (0, 2 ** 40), (1, 1))))["t"].shape == (0, 2 ** 40)


def test_integer_parameter_requiring_grad_is_refused():
    class P:
        def __reduce__(self):
            storage = S._StorageRef("0", ember.int64, 2)
            t = _T(storage, 0, (2,), (1,), False, OD())
            return (S._Global("torch._utils", "_rebuild_parameter"), (t, True, OD()))

    buf = io.BytesIO()
    S._Pickler(buf, 2).dump({"p": P()})
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("a/data.pkl", buf.getvalue())
        z.writestr("a/data/0", np.arange(2, dtype=np.int64).tobytes())
    with pytest.raises(UnpicklingError, match="_rebuild_parameter"):
        ember.load(Named(b.getvalue()))


def test_unknown_compression_method_is_named(tmp_path):
    raw = bytearray(_tensor_file())
    cd = raw.rindex(b"PK\x01\x02")                     # the last central directory entry: a/data/0
    raw[cd + 10:cd + 12] = (99).to_bytes(2, "little")  # method 99 (AES), unknown to zipfile and torch
    path = tmp_path / "m.pt"
    path.write_bytes(bytes(raw))
    with pytest.raises(UnpicklingError) as ei:
        ember.load(path)
    msg = str(ei.value)
    assert str(path) in msg and "'a/data/0'" in msg and "compression method 99" in msg


def test_not_a_zip_and_not_a_legacy_file(tmp_path):
    path = tmp_path / "x.pt"
    path.write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(UnpicklingError, match="zip archive expected") as ei:
        ember.load(path)
    assert str(path) in str(ei.value)
    path.write_bytes(b"\x80\x02}q\x00.")               # a pickle, but not a checkpoint
    with pytest.raises(UnpicklingError, match="magic number"):
        ember.load(path)


def test_corrupt_pickle_record_fails_its_crc(tmp_path):
    path = tmp_path / "c.pt"
    ember.save({"epoch": 12345}, path)
    raw = bytearray(path.read_bytes())
    i = raw.index((12345).to_bytes(2, "little"))
    raw[i] ^= 1                                         # epoch 12345 -> 12344: still a valid pickle
    path.write_bytes(bytes(raw))
    with pytest.raises(UnpicklingError, match="CRC"):
        ember.load(path)


# ---- fuzz: bit flips, byte overwrites and truncations of real checkpoints --------------------------------

def _content(lib):
    base = lib.from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4).copy())
    return {"model": OD([("w", base), ("col", base[:, 1]),
                         ("i", lib.from_numpy(np.arange(5, dtype=np.int64))),
                         ("h", lib.from_numpy(np.ones((2, 2), np.float16)))]),
            "epoch": 3, "name": "run", "betas": (0.9, 0.99), "flags": [True, None]}


def _structure(obj):
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, _structure(v)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_structure(v) for v in obj])
    if hasattr(obj, "shape") and hasattr(obj, "dtype"):
        return ("tensor", str(obj.dtype).split(".")[-1], tuple(obj.shape))
    return obj


def _mutate(raw, seed):
    rng = np.random.default_rng(seed)
    raw = bytearray(raw)
    kind = seed % 3
    if kind == 0:                                       # flip 1-3 bits
        for _ in range(rng.integers(1, 4)):
            i = int(rng.integers(len(raw)))
            raw[i] ^= 1 << int(rng.integers(8))
    elif kind == 1:                                     # overwrite 1-8 bytes with random ones
        n = int(rng.integers(1, 9))
        i = int(rng.integers(len(raw) - n))
        raw[i:i + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    else:                                               # truncate (never to nothing: that is EOFError)
        raw = raw[:int(rng.integers(1, len(raw)))]
    return bytes(raw)


@pytest.fixture(scope="module")
def originals(torch, tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    files = {}
    ember.save(_content(ember), d / "e.pt")
    torch.save(_content(torch), d / "t.pt")
    torch.save(_content(torch), d / "l.pt", _use_new_zipfile_serialization=False)
    for k in ("e", "t", "l"):
        files[k] = (d / f"{k}.pt").read_bytes()
    return files


@pytest.mark.parametrize("fmt", ["e", "t", "l"])
def test_fuzzed_checkpoints_load_correctly_or_fail_clearly(originals, fmt):
    """100 deterministic mutations of each of: an ember zip, a torch zip, a torch legacy file.

    Zip format: the pickle record is CRC-checked, so a file that loads has exactly the original structure
    (keys, containers, scalars, tensor dtypes and shapes); tensor bytes carry no checksum in torch's format,
    so a flip inside a storage changes values (as with torch). Legacy format has no checksum at all: a flip in
    its pickle can change a key or a number, so there only the outcome type is checked."""
    raw = originals[fmt]
    expected = _structure(ember.load(io.BytesIO(raw)))
    outcomes = collections.Counter()
    for seed in range(100):
        bad = _mutate(raw, seed)
        try:
            got = ember.load(Named(bad, f"fuzz{seed}.pt"))
        except (UnpicklingError, RuntimeError) as e:
            assert f"'fuzz{seed}.pt'" in str(e), (seed, str(e))
            outcomes["error"] += 1
            continue
        except Exception as e:  # noqa: BLE001 - the assertion names it
            raise AssertionError(f"seed {seed}: {type(e).__name__}: {e}") from e
        outcomes["loaded"] += 1
        if fmt != "l":
            assert _structure(got) == expected, seed
        if seed % 3 == 2:
            raise AssertionError(f"seed {seed}: a truncated file loaded")
    assert outcomes["error"] >= 40, outcomes
