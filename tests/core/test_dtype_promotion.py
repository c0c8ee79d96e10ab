"""dtype promotion: ember.result_type / promote_types / can_cast / binary ops vs torch, every dtype pair."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
PAIRS = list(itertools.product(NAMES, NAMES))
SCALARS = [True, 2, 2.5]


def _mk(lib, name, ndim):
    dt = getattr(lib, name)
    shape = (2,) * ndim
    if name == "bool":
        return lib.ones(shape, dtype=dt)
    return lib.full(shape, 2, dtype=dt)


@pytest.mark.parametrize("a,b", PAIRS)
def test_promote_types(torch, a, b):
    got = ember.promote_types(getattr(ember, a), getattr(ember, b))
    assert repr(got) == repr(torch.promote_types(getattr(torch, a), getattr(torch, b)))


@pytest.mark.parametrize("nda,ndb", [(1, 1), (1, 0), (0, 1), (0, 0), (2, 1)])
def test_result_type_tensors(torch, nda, ndb):
    for a, b in PAIRS:
        got = ember.result_type(_mk(ember, a, nda), _mk(ember, b, ndb))
        want = torch.result_type(_mk(torch, a, nda), _mk(torch, b, ndb))
        assert repr(got) == repr(want), (a, b, nda, ndb)


@pytest.mark.parametrize("nd", [0, 1])
def test_result_type_scalars(torch, nd):
    for a in NAMES:
        for s in SCALARS:
            assert repr(ember.result_type(_mk(ember, a, nd), s)) == \
                repr(torch.result_type(_mk(torch, a, nd), s)), (a, s)
            assert repr(ember.result_type(s, _mk(ember, a, nd))) == \
                repr(torch.result_type(s, _mk(torch, a, nd))), (s, a)


def test_result_type_two_scalars(torch):
    for s1, s2 in itertools.product(SCALARS, SCALARS):
        assert repr(ember.result_type(s1, s2)) == repr(torch.result_type(s1, s2))


OPS = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "sub": lambda x, y: x - y,
    "div": lambda x, y: x / y,
}

_ERR = {"add": RuntimeError, "mul": RuntimeError, "div": RuntimeError, "sub": RuntimeError}


def _skip(opname, *names):
    # subtraction with any bool operand is an error case of the op library (tests/ops), not promotion
    return opname == "sub" and "bool" in names


@pytest.mark.parametrize("opname", list(OPS))
@pytest.mark.parametrize("nda,ndb", [(1, 1), (1, 0), (0, 1)])
def test_binary_op_dtypes(torch, opname, nda, ndb):
    op = OPS[opname]
    for a, b in PAIRS:
        if _skip(opname, a, b):
            continue
        ta, tb = _mk(torch, a, nda), _mk(torch, b, ndb)
        try:
            want = op(ta, tb)
        except RuntimeError:
            with pytest.raises(_ERR[opname]):
                op(_mk(ember, a, nda), _mk(ember, b, ndb))
            continue
        got = op(_mk(ember, a, nda), _mk(ember, b, ndb))
        assert repr(got.dtype) == repr(want.dtype), (opname, a, b)
        assert got.shape == want.shape
        np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64))


@pytest.mark.parametrize("opname", list(OPS))
def test_binary_op_with_python_scalars(torch, opname):
    op = OPS[opname]
    for a in NAMES:
        for s in SCALARS:
            for args in ((0, 1), (1, 0)):
                if _skip(opname, a, type(s).__name__):
                    continue
                te = _mk(torch, a, 1)
                ee = _mk(ember, a, 1)
                try:
                    want = op(te, s) if args == (0, 1) else op(s, te)
                except RuntimeError:
                    with pytest.raises(_ERR[opname]):
                        op(ee, s) if args == (0, 1) else op(s, ee)
                    continue
                got = op(ee, s) if args == (0, 1) else op(s, ee)
                assert repr(got.dtype) == repr(want.dtype), (opname, a, s, args)
                np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64),
                                           rtol=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_comparison_dtype_is_bool(torch, name):
    e, t = _mk(ember, name, 1), _mk(torch, name, 1)
    for f in (lambda x: x == 2, lambda x: x < 3, lambda x: x >= x, lambda x: x != 1.5):
        assert repr(f(e).dtype) == repr(f(t).dtype) == "torch.bool"
        assert f(e).tolist() == f(t).tolist()



def test_can_cast_every_pair(same):
    same(lambda L: tuple(L.can_cast(getattr(L, a), getattr(L, b)) for a, b in PAIRS))


def test_issue_examples():
    assert (ember.tensor([1, 2]) + 1.5).dtype is ember.float32
    assert (ember.ones(2) + ember.ones(2, dtype=ember.float64)).dtype is ember.float64
    assert (ember.ones(2) + ember.tensor(1.0, dtype=ember.float64)).dtype is ember.float32
    assert (ember.tensor([1, 2]) / ember.tensor([2, 2])).dtype is ember.float32


def test_default_dtype_float64_promotion(torch):
    try:
        ember.set_default_dtype(ember.float64)
        torch.set_default_dtype(torch.float64)
        for a in NAMES:
            for s in SCALARS:
                assert repr((_mk(ember, a, 1) * s).dtype) == repr((_mk(torch, a, 1) * s).dtype)
        assert repr(ember.tensor([1.0]).dtype) == repr(torch.tensor([1.0]).dtype)
        assert repr(ember.arange(0.0, 1.0, 0.5).dtype) == repr(torch.arange(0.0, 1.0, 0.5).dtype)
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


def test_set_default_dtype_rejects_int():
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


def test_dtype_objects(torch):
    for n in NAMES:
        d = getattr(ember, n)
        assert repr(d) == repr(getattr(torch, n))
        assert d.is_floating_point == getattr(torch, n).is_floating_point
        assert d.itemsize == getattr(torch, n).itemsize
        assert d.is_signed == getattr(torch, n).is_signed
    for alias in ("half", "float", "double", "short", "int", "long"):
        assert repr(getattr(ember, alias)) == repr(getattr(torch, alias))


IOPS = {"iadd": "__iadd__", "imul": "__imul__", "itruediv": "__itruediv__"}


@pytest.mark.parametrize("opname", list(IOPS))
@pytest.mark.parametrize("ndb", [1, 0, "scalar"])
def test_inplace_op_dtypes(torch, opname, ndb):
    meth = IOPS[opname]
    for a, b in itertools.product(NAMES, NAMES if ndb != "scalar" else ["bool", "int64", "float32"]):
        def run(lib):
            x = _mk(lib, a, 1)
            if ndb == "scalar":
                y = {"bool": True, "int64": 2, "float32": 2.5}[b]
            else:
                y = _mk(lib, b, ndb)
            r = getattr(x, meth)(y)
            assert r is x
            return x
        try:
            want = run(torch)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                run(ember)
            continue
        got = run(ember)
        assert repr(got.dtype) == repr(want.dtype), (opname, a, b, ndb)
        np.testing.assert_allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64), rtol=1e-3,
                                   err_msg=f"{opname} {a} {b} {ndb}")
