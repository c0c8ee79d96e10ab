"""Hostile checkpoints: a weights-only load never changes the process, never allocates more than the file can
supply, and turns every malformed file into an UnpicklingError naming the file and where.

Every hostile file is built here, byte by byte (small; nothing is committed)."""
from __future__ import annotations

import collections
import inspect
import io
import pickle
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import ember
import ember._dtype as D
from ember import _unpickler, serialization as S
from ember._tensor import Size
from ember.serialization import UnpicklingError

P2 = b"\x80\x02"


def G(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def U(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _zip(pkl, records=None, method=zipfile.ZIP_STORED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        z.writestr("a/data.pkl", pkl)
        z.writestr("a/version", b"3\n")
        for name, data in (records or {}).items():
            z.writestr(name, data)
    return b.getvalue()


class Named(io.BytesIO):
    """An in-memory checkpoint with a file name (errors must name it)."""

    def __init__(self, data, name="hostile.pt"):
        super().__init__(data)
        self.name = name


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


SHARED = [1, 2]


def shared_list():
    """An allowlisted function returning an object the whole process shares."""
    return SHARED


# ---- 1. a weights-only load never changes the process ---------------------------------------------

def _functions():
    fns = [m for _, m in inspect.getmembers(S._Loader, inspect.isfunction)]
    fns += [S._make_size, S._make_device, S._make_slice, S._make_bytearray, S._codecs_encode, S._view,
            S._storage_from_bytes, S._make_complex, S._get_layout]
    return fns


def _slot(d, a):
    try:
        return getattr(d, a)
    except TypeError as e:           # bfloat16.np: ember names the dtype but stores no such tensors
        return f"raises {e}"


def _snapshot():
    """Everything a crafted file could try to bend: dtypes, storage types, Size, the rebuild functions,
    the tables the loader resolves globals with, and the names ember exports for them."""
    return {
        "dtypes": {n: tuple(_slot(d, a) for a in D.dtype.__slots__) for n, d in D._BY_NAME.items()},
        "dtype_class": dict(vars(D.dtype)),
        "Size": dict(vars(Size)),
        "globals": dict(S._GLOBALS),
        "global_values": {k: tuple(v) if isinstance(v, tuple) else v for k, v in S._GLOBALS.items()},
        "storages": dict(S._DTYPE_OF_STORAGE),
        "storage_refs": {k: tuple(v) for k, v in S._STORAGE_REFS.items()},
        "user_safe": dict(S._USER_SAFE),
        "functions": [(f, f.__code__, f.__defaults__, f.__kwdefaults__, dict(f.__dict__))
                      for f in _functions()],
        "ember_names": {n: getattr(ember, n) for n in list(D._BY_NAME) + ["Size", "load", "save"]},
        "layouts": {n: (getattr(ember, n), getattr(ember, n)._name) for n in ("strided", "sparse_coo")},
        "legacy_types": [(t, t._dtype) for t in (ember.FloatTensor, ember.sparse.FloatTensor)],
        "interpreter": dict(_unpickler._DISPATCH),
        "OrderedDict": dict(vars(collections.OrderedDict)),
        "shared": list(SHARED),
    }


HOSTILE = {
    # the issue's reproduction: BUILD with slot state on a storage type
    "storage_type_slotstate": P2 + G("torch", "FloatStorage") + b"N}" + U("name") + U("HalfStorage") +
    b"s\x86b.",
    "dtype_dict_state": P2 + G("torch", "float32") + b"}" + U("itemsize") + b"K\x08sb.",
    "dtype_slot_state": P2 + G("torch", "float32") + b"N}" + U("np") + U("x") + b"s\x86b.",
    "rebuild_function_defaults": P2 + G("torch._utils", "_rebuild_tensor_v2") + b"N}" + U("__defaults__") +
    b")s\x86b.",
    "size_class_attribute": P2 + G("torch", "Size") + b"}" + U("numel") + b"Nsb.",
    "setitem_on_a_class": P2 + G("collections", "OrderedDict") + U("k") + U("v") + b"s.",
    "append_on_a_dtype": P2 + G("torch", "float32") + b"Na.",
    "setitems_on_a_dtype": P2 + G("torch", "int64") + b"(" + U("k") + U("v") + b"u.",
    "build_through_the_memo": P2 + G("torch", "HalfStorage") + b"q\x000h\x00}" + U("name") +
    U("FloatStorage") + b"sb.",
    "setitem_on_a_size": P2 + G("torch", "Size") + b"(K\x01K\x02t\x85R" + U("k") + U("v") + b"s.",
    "build_on_a_device": P2 + G("torch", "device") + U("cpu") + b"\x85R}" + U("type") + U("cuda") + b"sb.",
    "call_a_storage_type": P2 + G("torch", "FloatStorage") + b")R.",
    "newobj_on_a_builtin": P2 + G("collections", "OrderedDict") + b")\x81.",
    "additems_on_a_ref": P2 + G("builtins", "frozenset") + b"(" + U("x") + b"\x90.",
    "stack_global_protocol_4": b"\x80\x04\x8c\x05torch\x8c\x0cFloatStorage\x93N}\x8c\x04name"
                               b"\x8c\x0bHalfStorages\x86b.",
    "bytearray_of_a_size": P2 + G("builtins", "bytearray") + b"J\xff\xff\xff\x7f\x85R.",
    "os_system": P2 + G("os", "system") + U("echo pwned") + b"\x85R.",
    "ext_opcode": P2 + b"\x82\x01.",
    "text_opcode": P2 + b"I1\n.",
    "allowlisted_class_itself": P2 + G(__name__, "Point") + b"}" + U("x") + b"K\x01sb.",
    "append_on_what_an_allowlisted_function_returns": P2 + G(__name__, "shared_list") + b")RK\x03a.",
    # the globals of torch's default allowlist that ember added for issue 16
    "build_on_a_layout": P2 + G("torch.serialization", "_get_layout") + U("torch.strided") + b"\x85R}" +
    U("_name") + U("sparse_coo") + b"sb.",
    "build_on_a_legacy_type": P2 + G("torch", "FloatTensor") + b"}" + U("_dtype") + b"Nsb.",
    "build_on_a_sparse_legacy_type": P2 + G("torch.sparse", "FloatTensor") + b"}" + U("_dtype") + b"Nsb.",
    "from_type_with_a_foreign_function": P2 + G("torch._tensor", "_rebuild_from_type_v2") + G("builtins", "set") +
    G("torch", "Tensor") + b")}\x87" + b")R.",
    "complex_of_a_list": P2 + G("builtins", "complex") + b"]\x85R.",
    "counter_of_a_list": P2 + G("collections", "Counter") + b"]\x85R.",
    "an_unsupported_dtype": P2 + G("torch", "complex64") + b".",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_pickle_is_refused_and_changes_nothing(name):
    before = _snapshot()
    with S.safe_globals([Point, shared_list]):
        with pytest.raises(UnpicklingError) as ei:
            ember.load(Named(_zip(HOSTILE[name])))
    msg = str(ei.value)
    assert "'hostile.pt', record 'a/data.pkl'" in msg and "at byte" in msg and "opcode" in msg
    assert _snapshot() == before
    g = io.BytesIO()
    ck = {"w": ember.tensor([1.0, 2.0, 3.0, 4.0]), "h": ember.tensor([1, 2], dtype=ember.float16),
          "s": Size([2, 3])}
    ember.save(ck, g)
    g.seek(0)
    back = ember.load(g)
    assert back["w"].dtype is ember.float32 and back["w"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert back["h"].dtype is ember.float16 and back["s"] == (2, 3) and type(back["s"]) is Size


# Not compared with torch: the two files that need ember's allowlist, and those ember is stricter on (torch
# accepts them): calling a storage type or OrderedDict.__new__ (never in a checkpoint), BUILD on a
# torch.device, bytearray(2**31 - 1) (torch allocates 2 GB), and the three below
_STRICTER = {"allowlisted_class_itself", "append_on_what_an_allowlisted_function_returns",
             "call_a_storage_type", "newobj_on_a_builtin", "build_on_a_device", "bytearray_of_a_size",
             # torch loads a dtype ember lacks, Counter([]), and fails complex([]) with a TypeError
             "an_unsupported_dtype", "counter_of_a_list", "complex_of_a_list"}


@pytest.mark.parametrize("name", sorted(set(HOSTILE) - _STRICTER))
def test_torch_refuses_the_same_files(torch, name):
    with pytest.raises(pickle.UnpicklingError):
        torch.load(io.BytesIO(_zip(HOSTILE[name])), weights_only=True)


def test_allowlisted_class_instances_still_load(tmp_path):
    ember.save({"p": Point(1, 2)}, tmp_path / "p.pt")
    with pytest.raises(UnpicklingError, match="Point"):
        ember.load(tmp_path / "p.pt")
    with S.safe_globals([Point]):
        p = ember.load(tmp_path / "p.pt")["p"]
    assert type(p) is Point and (p.x, p.y) == (1, 2)


def test_state_dict_metadata_survives(tmp_path, torch):
    # torch's state_dict is an OrderedDict with a `_metadata` attribute: BUILD on a dict the load created
    net = torch.nn.Linear(2, 3)
    torch.save(net.state_dict(), tmp_path / "m.pt")
    back = ember.load(tmp_path / "m.pt")
    assert back._metadata == net.state_dict()._metadata


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_every_pickle_protocol_round_trips(tmp_path, torch, protocol):
    ck = {"w": ember.arange(6.0).reshape(2, 3), "b": b"\x00raw", "ba": bytearray(b"xy"), "s": {1, 2},
          "f": frozenset({"a"}), "t": (1, (2, 3)), "n": None, "big": 2 ** 70, "neg": -5, "sl": slice(1, 5, 2)}
    ember.save(ck, tmp_path / "p.pt", pickle_protocol=protocol)
    back = ember.load(tmp_path / "p.pt")
    assert back["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert {k: v for k, v in back.items() if k != "w"} == {k: v for k, v in ck.items() if k != "w"}
    tback = torch.load(tmp_path / "p.pt", weights_only=False)     # torch reads the file the same way
    assert tback["big"] == 2 ** 70 and tback["t"] == (1, (2, 3))


def test_deeply_nested_key_is_refused_not_a_crash():
    # hashing a tuple nested 10**5 deep overflows the C stack: refuse it as a dict key
    pkl = P2 + b"}" + b")" + b"\x85" * 100_000 + b"Ns."
    with pytest.raises(UnpicklingError, match="nested"):
        ember.load(Named(_zip(pkl)))
    ok = P2 + b"}" + b")" + b"\x85" * 50 + b"Ns."      # moderate nesting is fine
    assert len(ember.load(io.BytesIO(_zip(ok)))) == 1


# ---- 2. memory bounded by the file --------------------------------------------------------------

def _peak(fn):
    tracemalloc.start()
    try:
        try:
            fn()
            err = None
        except Exception as e:  # noqa: BLE001 - the caller inspects it
            err = e
        return tracemalloc.get_traced_memory()[1], err
    finally:
        tracemalloc.stop()


LIMIT = 8 << 20   # 8 MB: far above what these few-hundred-byte files can justify, far below the attacks


def test_huge_memo_index_uses_no_memory():
    for idx in (2 ** 26, 2 ** 29, 2 ** 32 - 1):
        pkl = P2 + b"Nr" + struct.pack("<I", idx) + b"."
        peak, err = _peak(lambda: ember.load(io.BytesIO(_zip(pkl))))
        assert err is None and peak < LIMIT


@pytest.mark.parametrize("op", [b"\x8e", b"\x8d", b"\x96"])          # BINBYTES8, BINUNICODE8, BYTEARRAY8
def test_huge_length_fields_are_refused_before_allocating(op):
    pkl = b"\x80\x04" + op + struct.pack("<Q", 2 ** 40) + b"xx."
    peak, err = _peak(lambda: ember.load(Named(_zip(pkl))))
    assert isinstance(err, UnpicklingError), err
    assert "longer than the rest of the file" in str(err) and "'hostile.pt'" in str(err)
    assert peak < LIMIT


@pytest.mark.parametrize("op", [b"X", b"B", b"T"])                   # BINUNICODE, BINBYTES, BINSTRING
def test_huge_4_byte_lengths_are_refused(op):
    err = _peak(lambda: ember.load(Named(_zip(P2 + op + struct.pack("<I", 2 ** 31 - 1) + b"xx."))))[1]
    assert isinstance(err, UnpicklingError) and "longer than the rest" in str(err)


class _T:
    """Pickles as a call of torch._utils._rebuild_tensor_v2 with whatever arguments it is given."""

    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return (S._Global("torch._utils", "_rebuild_tensor_v2"), self.args)


def _tensor_file(*args, numel=4, declared=None, method=zipfile.ZIP_STORED, data=None):
    storage = S._StorageRef("0", ember.float32, declared if declared is not None else numel)
    buf = io.BytesIO()
    S._Pickler(buf, 2).dump({"t": _T(storage, *args) if args else _T(storage, 0, (numel,), (1,))})
    raw = data if data is not None else np.arange(numel, dtype=np.float32).tobytes()
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("a/data.pkl", buf.getvalue())
        z.writestr("a/data/0", raw, compress_type=method)
    return b.getvalue()


def test_storage_larger_than_its_record_is_refused_before_allocating():
    peak, err = _peak(lambda: ember.load(Named(_tensor_file(0, (4,), (1,), declared=2 ** 40))))
    assert isinstance(err, UnpicklingError) and "record 'a/data/0'" in str(err) and "declares" in str(err)
    assert peak < LIMIT


def test_deflate_record_is_inflated_only_to_the_declared_size():
    bomb = bytes(64 << 20)                     # 64 MB of zeros, ~64 KB deflated; the pickle declares 16 bytes
    f = _tensor_file(0, (4,), (1,), method=zipfile.ZIP_DEFLATED, data=bomb)
    assert len(f) < 200_000
    peak, err = _peak(lambda: ember.load(io.BytesIO(f)))
    assert err is None and peak < LIMIT
    ok = _tensor_file(method=zipfile.ZIP_DEFLATED)    # an honest deflate record loads (torch reads them)
    assert ember.load(io.BytesIO(ok))["t"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_deflate_record_declaring_more_than_deflate_can_produce_is_refused():
    f = bytearray(_tensor_file(0, (4,), (1,), method=zipfile.ZIP_DEFLATED))
    z = zipfile.ZipFile(io.BytesIO(bytes(f)))
    info = z.getinfo("a/data/0")
    # patch the uncompressed size in the central directory entry to 1 TB
    cd = f.rindex(b"PK\x01\x02" + f[f.rindex(b"PK\x01\x02") + 4:f.rindex(b"PK\x01\x02") + 6])
    assert f[cd + 46:cd + 46 + len(b"a/data/0")] == b"a/data/0"
    f[cd + 24:cd + 28] = struct.pack("<I", 0xFFFFFFF0)
    assert info.compress_size < 100
    peak, err = _peak(lambda: ember.load(Named(bytes(f))))
    assert isinstance(err, UnpicklingError) and "more than deflate can produce" in str(err)
    assert peak < LIMIT


@pytest.mark.parametrize("method", [zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2])
def test_compression_methods_torch_never_writes_are_refused(method):
    f = _tensor_file(method=method, data=bytes(8 << 20))
    peak, err = _peak(lambda: ember.load(Named(f)))
    assert isinstance(err, UnpicklingError) and "record 'a/data/0'" in str(err)
    assert "compression method" in str(err) and peak < LIMIT


def _legacy(torch, tmp_path):
    path = tmp_path / "legacy.pt"
    torch.save({"w": torch.arange(7.0)}, path, _use_new_zipfile_serialization=False)
    return bytearray(path.read_bytes())


def test_legacy_storage_size_field_is_checked_before_allocating(tmp_path, torch):
    raw = _legacy(torch, tmp_path)
    at = len(raw) - 7 * 4 - 8
    assert struct.unpack("<q", raw[at:at + 8])[0] == 7
    for bad in (2 ** 60, 2 ** 40, -1):
        raw[at:at + 8] = struct.pack("<q", bad)
        peak, err = _peak(lambda: ember.load(Named(bytes(raw), "old.pt")))
        assert isinstance(err, UnpicklingError) and "'old.pt' (legacy format), storage 0" in str(err)
        assert peak < LIMIT
