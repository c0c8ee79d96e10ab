"""Bad input gets torch's answer, never NumPy's: every row of the table in `badinput_table.py` (wrong shapes,
dtypes, argument types, empty or NaN input; ops, creation, indexing, layers, losses, optimizers) runs
through torch and ember. torch raises: ember raises the same exception type (or a subclass), with a
message that is not NumPy's or Python's internals'. torch returns: ember returns the same result."""

from __future__ import annotations

import os
import sys
import warnings

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from badinput_table import ROWS
from oracle import run_both

# phrases of NumPy's (and of Python internals') error messages; one in ember's message but not in
# torch's means a NumPy error leaked through instead of torch's
LEAKS = (
    "numpy",
    "ndarray",
    "ufunc",
    "axis",
    "array is too big",
    "negative dimensions are not allowed",
    "could not be broadcast",
    "cannot reshape array",
    "setting an array element",
    "only integer scalar",
    "object arrays",
    "'list' argument",
    "could not convert",
    "not supported between instances",
    "unsupported operand type",
    "is not iterable",
    "cannot be interpreted as an integer",
    "has no attribute",
    "'NoneType'",
    "positional argument",
    "maximum supported dimension",
    "out of bounds for int",
    "invalid literal",
    "object of type",
    "is not subscriptable",
    "unhashable",
    "int() argument",
    "float() argument",
    "zero-size array",
    "Cannot cast",
    "cannot convert float",
)


def test_table_size():
    assert len(ROWS) >= 300
    names = [r[0] for r in ROWS]
    assert len(set(names)) == len(names), "duplicate row ids"


@pytest.mark.parametrize("name,fn,exc", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input(name, fn, exc, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own deprecation warnings are not the subject here
        torch.manual_seed(0)
        got = run_both(torch, fn, exc=exc, path=name)
    if isinstance(got, Exception):
        ours = _ember_error(fn)
        want = str(got)
        for leak in LEAKS:
            assert leak.lower() not in str(ours).lower() or leak.lower() in want.lower(), (
                f"{name}: ember's message has {leak!r}: {ours!r} (torch: {want!r})"
            )


def _ember_error(fn):
    import ember

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(ember)
        except Exception as e:  # noqa: BLE001 - run_both has checked its type
            return e
    raise AssertionError("ember did not raise")
