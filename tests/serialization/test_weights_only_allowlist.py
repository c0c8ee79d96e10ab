"""ember's weights-only allowlist holds everything torch's default one does.

Every global of torch's default allowlist (`torch._weights_only_unpickler._get_allowed_globals`) is either
loaded by ember (and the rebuild functions rebuild what torch rebuilds), or refused with the reason ember
cannot hold it (a dtype ember lacks, quantized or nested tensors, CUDA types): never the generic
"not an allowed global" refusal.
"""
from __future__ import annotations

import collections
import io
import zipfile

import numpy as np
import pytest

import ember
from ember.serialization import UnpicklingError
from oracle import assert_same


def _global_pickle(module, name):
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"."


def _zip(pkl):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("a/data.pkl", pkl)
        z.writestr("a/version", b"3\n")
    b.seek(0)
    return b


def _torch_allowlist(torch):
    from torch._weights_only_unpickler import _get_allowed_globals
    return sorted(_get_allowed_globals())


def test_every_global_torch_allows_is_known_to_ember(torch):
    refused = {}
    for full in _torch_allowlist(torch):
        module, _, name = full.rpartition(".")
        assert torch.load(_zip(_global_pickle(module, name))) is not None     # torch's own loader takes it
        try:
            ember.load(_zip(_global_pickle(module, name)))
        except UnpicklingError as e:
            assert "is in torch's weights-only allowlist, but ember" in str(e), (full, str(e))
            refused[full] = str(e)
    # what ember refuses is what it cannot hold, each with its reason
    assert all(("dtype" in m or "quantized" in m or "CUDA" in m or "nested" in m or "subclasses" in m or
                "meta" in m or "complex" in m or "bfloat16" in m) for m in refused.values()), refused
    for kept in ("torch.float32", "torch.FloatStorage", "torch._utils._rebuild_sparse_tensor", "builtins.set",
                 "collections.Counter", "torch.serialization._get_layout", "torch.nn.parameter.Parameter",
                 "torch.Tensor", "torch.LongTensor", "torch.cuda.FloatStorage"):
        assert kept not in refused


def _via_reduce(torch, fn, args):
    """A torch.save'd object that unpickles as `fn(*args)` (how torch writes its rarer rebuild calls)."""
    class Call:
        def __reduce__(self):
            return (fn, args)
    buf = io.BytesIO()
    torch.save({"x": Call()}, buf)
    buf.seek(0)
    return buf.getvalue()


def _both(torch, data):
    return ember.load(io.BytesIO(data))["x"], torch.load(io.BytesIO(data))["x"]


def test_rebuild_tensor_v3_views_an_untyped_storage(torch):
    t = torch.arange(6.0).reshape(2, 3)
    data = _via_reduce(torch, torch._utils._rebuild_tensor_v3,
                       (t.untyped_storage(), 0, (3, 2), (1, 3), False, collections.OrderedDict(),
                        torch.float32))
    got, want = _both(torch, data)
    assert_same(got, want)


def test_rebuild_from_type_v2_for_plain_tensors_and_parameters(torch):
    t = torch.arange(4.0)
    fn, args = t._reduce_ex_internal(2)
    rebuild = torch._tensor._rebuild_from_type_v2
    got, want = _both(torch, _via_reduce(torch, rebuild, (fn, torch.Tensor, args, {})))
    assert_same(got, want)
    p = torch.nn.Parameter(torch.ones(2))
    fn, args = p.__reduce_ex__(2)
    got, want = _both(torch, _via_reduce(torch, torch._tensor._rebuild_from_type_v2,
                                         (fn, torch.nn.Parameter, args, {})))
    assert_same(got, want)
    assert type(got).__name__ == "Parameter" and got.requires_grad


def test_a_tensor_with_python_attributes_is_refused_by_name(torch):
    t = torch.ones(2)
    t.note = "x"
    buf = io.BytesIO()
    torch.save(t, buf)
    assert torch.load(io.BytesIO(buf.getvalue())).note == "x"
    with pytest.raises(UnpicklingError, match="ember tensors hold no Python attributes"):
        ember.load(io.BytesIO(buf.getvalue()))


def test_device_tensor_rebuilt_from_a_cpu_tensor(torch):
    data = _via_reduce(torch, torch._utils._rebuild_device_tensor_from_cpu_tensor,
                       (torch.arange(3.0), torch.float64, "cpu", True))
    got, want = _both(torch, data)
    assert_same(got, want)


def test_parameter_called_directly(torch):
    data = _via_reduce(torch, torch.nn.Parameter, (torch.ones(3), False))
    got, want = _both(torch, data)
    assert_same(got, want)
    assert type(got).__name__ == "Parameter"


def test_layouts_load_as_layouts(torch):
    buf = io.BytesIO()
    torch.save({"a": torch.strided, "b": torch.sparse_coo}, buf)
    back = ember.load(io.BytesIO(buf.getvalue()))
    assert back == {"a": ember.strided, "b": ember.sparse_coo}
    ebuf = io.BytesIO()
    ember.save({"a": ember.strided, "b": ember.sparse_coo}, ebuf)
    assert torch.load(io.BytesIO(ebuf.getvalue())) == {"a": torch.strided, "b": torch.sparse_coo}


def test_old_gpu_checkpoint_storages_load_on_the_cpu(torch):
    buf = io.BytesIO()
    torch.save({"w": torch.arange(3.0)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"ctorch\nFloatStorage\n", b"ctorch.cuda\nFloatStorage\n")
            z.writestr(info.filename, data)
    assert b"torch.cuda" in zipfile.ZipFile(io.BytesIO(out.getvalue())).read("archive/data.pkl")
    np.testing.assert_array_equal(ember.load(io.BytesIO(out.getvalue()))["w"].numpy(), [0.0, 1.0, 2.0])


def test_unsupported_dtype_is_named(torch):
    buf = io.BytesIO()
    torch.save({"dtype": torch.complex64}, buf)
    with pytest.raises(UnpicklingError, match="ember has no dtype torch.complex64"):
        ember.load(io.BytesIO(buf.getvalue()))
    with pytest.raises(UnpicklingError, match="ember has no dtype torch.complex64"):
        ember.load(io.BytesIO(buf.getvalue()), weights_only=False)
