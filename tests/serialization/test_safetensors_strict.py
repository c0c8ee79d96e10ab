"""ember.safetensors is exactly as strict as the reference `safetensors` package: every case below (valid
and malformed headers, ranges, dtypes, metadata, JSON quirks) and 300 random mutations of a valid file get the
same accept/reject decision from both, through every entry point (load, load_file, load_file(mmap=True),
safe_open), and every rejection is one SafetensorError naming the file."""
from __future__ import annotations

import json
import os
import struct

import numpy as np
import pytest
from ember_testutil import require

import ember
from ember.safetensors import SafetensorError


def _file(hdr=None, data=b"", raw=None):
    h = raw if raw is not None else json.dumps(hdr).encode()
    return struct.pack("<Q", len(h)) + h + data


def T(dt, shape, off, **extra):
    return {"dtype": dt, "shape": shape, "data_offsets": off, **extra}


def _raw(body, data=b""):
    return _file(raw=body, data=data)


A8 = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'

CASES = {
    "ok": _file({"a": T("F32", [2], [0, 8])}, bytes(8)),
    "empty": _file({}),
    "metadata_only": _file({"__metadata__": {"a": "b"}}),
    "metadata_null": _file({"__metadata__": None}),
    "metadata_not_str": _file({"__metadata__": {"a": 1}}),
    "metadata_list": _file({"__metadata__": ["a"]}),
    "metadata_is_a_tensor": _file({"__metadata__": T("F32", [2], [0, 8])}, bytes(8)),
    "metadata_twice": _raw(b'{"__metadata__":{"a":"b"},"__metadata__":{"a":"c"}}'),
    "metadata_key_twice": _raw(b'{"__metadata__":{"a":"b","a":"c"}}'),
    "overlap": _file({"a": T("F32", [2], [0, 8]), "b": T("F32", [2], [0, 8])}, bytes(8)),
    "partial_overlap": _file({"a": T("F32", [2], [0, 8]), "b": T("F32", [2], [4, 12])}, bytes(12)),
    "hole": _file({"a": T("F32", [1], [0, 4]), "b": T("F32", [1], [8, 12])}, bytes(12)),
    "not_from_zero": _file({"a": T("F32", [1], [4, 8])}, bytes(8)),
    "trailing_bytes": _file({"a": T("F32", [2], [0, 8])}, bytes(12)),
    "data_too_short": _file({"a": T("F32", [2], [0, 8])}, bytes(4)),
    "bytes_but_no_tensors": _file({}, b"xx"),
    "end_before_begin": _file({"a": T("F32", [2], [8, 0])}, bytes(8)),
    "negative_shape": _file({"a": T("F32", [-2], [0, 8])}, bytes(8)),
    "float_shape": _file({"a": T("F32", [2.0], [0, 8])}, bytes(8)),
    "bool_shape": _file({"a": T("F32", [True, 2], [0, 8])}, bytes(8)),
    "shape_null": _file({"a": T("F32", None, [0, 8])}, bytes(8)),
    "shape_too_big_for_range": _file({"a": T("F32", [3], [0, 8])}, bytes(8)),
    "shape_overflows": _file({"a": T("F32", [2 ** 40, 2 ** 40, 2 ** 40], [0, 8])}, bytes(8)),
    "shape_over_u64": _file({"a": T("F32", [2 ** 64], [0, 8])}, bytes(8)),
    "scalar": _file({"a": T("F32", [], [0, 4])}, bytes(4)),
    "duplicate_tensor_last_wins_bad": _raw(b'{' + A8.encode() + b',"a":{"dtype":"F32","shape":[2],'
                                           b'"data_offsets":[8,16]}}', bytes(16)),
    "duplicate_tensor_identical": _raw(b'{' + A8.encode() + b',' + A8.encode() + b'}', bytes(8)),
    "duplicate_field": _raw(b'{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}',
                            bytes(8)),
    "unknown_dtype": _file({"a": T("F99", [2], [0, 8])}, bytes(8)),
    "lowercase_dtype": _file({"a": T("f32", [2], [0, 8])}, bytes(8)),
    "dtype_null": _file({"a": T(None, [2], [0, 8])}, bytes(8)),
    "extra_field": _file({"a": T("F32", [2], [0, 8], x={"y": [1, -2, 3.5, None]})}, bytes(8)),
    "missing_field": _file({"a": {"dtype": "F32", "shape": [2]}}, bytes(8)),
    "three_offsets": _file({"a": T("F32", [2], [0, 8, 9])}, bytes(8)),
    "string_offsets": _file({"a": T("F32", [2], ["0", "8"])}, bytes(8)),
    "tensor_not_an_object": _file({"a": [1]}),
    "not_an_object": _raw(b"[]"),
    "empty_name": _file({"": T("F32", [2], [0, 8])}, bytes(8)),
    "leading_space": _raw(b" {" + A8.encode() + b"}", bytes(8)),
    "trailing_space": _raw(b"{" + A8.encode() + b"}    ", bytes(8)),
    "trailing_junk": _raw(b"{" + A8.encode() + b"}x", bytes(8)),
    "nul_padding": _raw(b"{" + A8.encode() + b"}\x00\x00", bytes(8)),
    "bad_utf8": _raw(b'{"\xff":1}'),
    "lone_surrogate_name": _raw(b'{"\\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', bytes(8)),
    "nan": _raw(b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,NaN]}}', bytes(8)),
    "infinity_in_extra": _raw(b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":Infinity}}',
                              bytes(8)),
    "exponent_offset": _raw(b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}', bytes(8)),
    "minus_zero_offset": _raw(b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[-0,8]}}', bytes(8)),
    "deep_126": _raw(b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":' + b"[" * 125 + b"]" * 125 +
                     b"}}", bytes(8)),
    "deep_127": _raw(b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":' + b"[" * 126 + b"]" * 126 +
                     b"}}", bytes(8)),
    "deep_100000": _raw(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "header_over_limit": struct.pack("<Q", 100_000_001) + b"{}",
    "header_past_the_end": struct.pack("<Q", 100) + b"{}",
    "header_length_2_64": struct.pack("<Q", 2 ** 64 - 1) + b"{}",
    "empty_header": struct.pack("<Q", 0),
    "shorter_than_8": b"\x01\x00",
    "zero_size_first": _file({"a": T("F32", [0], [0, 0]), "b": T("F32", [2], [0, 8])}, bytes(8)),
    "zero_size_last": _file({"b": T("F32", [2], [0, 8]), "a": T("F32", [0, 3], [8, 8])}, bytes(8)),
    "zero_size_inside_a_range": _file({"b": T("F32", [2], [0, 8]), "a": T("F32", [0], [4, 4])}, bytes(8)),
    "two_zero_size_same_place": _file({"a": T("F32", [0], [0, 0]), "c": T("F32", [0], [0, 0]),
                                       "b": T("F32", [2], [0, 8])}, bytes(8)),
    "unordered_in_header": _file({"b": T("I64", [1], [8, 16]), "a": T("F32", [2], [0, 8])}, bytes(16)),
    "bool": _file({"a": T("BOOL", [2], [0, 2])}, bytes(2)),
    "bf16": _file({"a": T("BF16", [2], [0, 4])}, bytes(4)),
    "bf16_wrong_size": _file({"a": T("BF16", [3], [0, 4])}, bytes(4)),
    "f4_half_byte": _file({"a": T("F4", [3], [0, 2])}, bytes(2)),
    "u16_wrong_size": _file({"a": T("U16", [3], [0, 4])}, bytes(4)),
}

# valid files that ember refuses on purpose: it has no tensors of these dtypes (documented)
REFUSED_DTYPES = {
    "u16": _file({"a": T("U16", [2], [0, 4])}, bytes(4)),
    "u32": _file({"a": T("U32", [1], [0, 4])}, bytes(4)),
    "u64": _file({"a": T("U64", [1], [0, 8])}, bytes(8)),
    "c64": _file({"a": T("C64", [1], [0, 8])}, bytes(8)),
    "f8": _file({"a": T("F8_E4M3", [2], [0, 2])}, bytes(2)),
    "f4": _file({"a": T("F4", [4], [0, 2])}, bytes(2)),
}


def _reference(raw):
    st = require("safetensors")
    try:
        st.deserialize(raw)
    except st.SafetensorError:
        return False
    return True


def _ember_decisions(raw, tmp_path):
    path = tmp_path / "f.safetensors"
    path.write_bytes(raw)
    out = []
    for fn in (lambda: ember.safetensors.load(raw), lambda: ember.safetensors.load_file(path),
               lambda: ember.safetensors.load_file(path, mmap=True),
               lambda: [ember.safetensors.safe_open(path).get_tensor(k) for k in
                        ember.safetensors.safe_open(path).keys()]):
        try:
            fn()
            out.append(True)
        except SafetensorError as e:
            assert "safetensors bytes" in str(e) or repr(str(path)) in str(e), str(e)
            out.append(False)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_decision_as_the_reference(name, tmp_path):
    raw = CASES[name]
    ref = _reference(raw)
    assert _ember_decisions(raw, tmp_path) == [ref] * 4


@pytest.mark.parametrize("name", sorted(REFUSED_DTYPES))
def test_dtypes_ember_cannot_hold_are_refused_by_name(name, tmp_path):
    raw = REFUSED_DTYPES[name]
    assert _reference(raw)
    path = tmp_path / "f.safetensors"
    path.write_bytes(raw)
    with pytest.raises(SafetensorError, match="which ember cannot hold"):
        ember.safetensors.load_file(path)
    with ember.safetensors.safe_open(path) as f:      # listing is fine; reading the tensor is refused
        assert f.keys() == ["a"]
        with pytest.raises(SafetensorError, match="ember cannot hold"):
            f.get_tensor("a")


def _mutate(raw, rng):
    raw = bytearray(raw)
    n = struct.unpack("<Q", raw[:8])[0]
    kind = int(rng.integers(4))
    if kind == 0:                               # a random byte of the header JSON
        i = 8 + int(rng.integers(n))
        raw[i] = int(rng.choice(list(b'0123456789-[]{},:"e. ax\\')))
    elif kind == 1:                             # a digit of an offset or shape
        digits = [i for i in range(8, 8 + n) if chr(raw[i]).isdigit()]
        i = digits[int(rng.integers(len(digits)))]
        raw[i] = ord(str(int(rng.integers(10))))
    elif kind == 2:                             # the header length
        raw[:8] = struct.pack("<Q", max(0, n + int(rng.integers(-3, 4))))
    else:                                       # the data section's length
        delta = int(rng.integers(-6, 7))
        raw = raw[:len(raw) + delta] if delta < 0 else raw + bytes(delta)
    return bytes(raw)


def test_random_mutations_get_the_reference_decision():
    base = _file({"__metadata__": {"format": "pt"}, "w": T("F32", [2, 3], [0, 24]),
                  "b": T("I64", [2], [24, 40]), "h": T("F16", [3], [40, 46]), "m": T("BOOL", [2], [46, 48])},
                 bytes(48))
    rng = np.random.default_rng(0)
    decided = {True: 0, False: 0}
    for case in range(300):
        raw = _mutate(base, rng)
        ref = _reference(raw)
        try:
            ember.safetensors.load(raw)
            got = True
        except SafetensorError:
            got = False
        assert got == ref, (case, raw[:8 + struct.unpack("<Q", raw[:8])[0]] if len(raw) >= 8 else raw)
        decided[ref] += 1
    assert min(decided.values()) >= 30, decided


def test_bf16_is_widened_to_float32(torch, tmp_path):
    st_torch = require("safetensors.torch")
    t = torch.tensor([[1.5, -2.25], [3.0, 1e-3]], dtype=torch.bfloat16)
    st_torch.save_file({"x": t}, str(tmp_path / "b.safetensors"))
    for mmap in (False, True):
        back = ember.safetensors.load_file(tmp_path / "b.safetensors", mmap=mmap)["x"]
        assert back.dtype is ember.float32
        np.testing.assert_array_equal(back.numpy(), t.float().numpy())


def test_ranges_never_alias(tmp_path):
    # two tensors over the same bytes would share memory: the file is refused instead
    raw = CASES["overlap"]
    with pytest.raises(SafetensorError, match="overlaps|contiguous"):
        ember.safetensors.load(raw)


def test_save_file_writes_through_a_symlink(tmp_path):
    target = tmp_path / "real.safetensors"
    ember.safetensors.save_file({"a": ember.zeros(2)}, target)
    link = tmp_path / "latest.safetensors"
    os.symlink(target.name, link)
    ember.safetensors.save_file({"a": ember.ones(3)}, link)
    assert os.path.islink(link)
    assert ember.safetensors.load_file(target)["a"].tolist() == [1.0, 1.0, 1.0]
    assert sorted(os.listdir(tmp_path)) == ["latest.safetensors", "real.safetensors"]
