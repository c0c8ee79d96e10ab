"""Every kernel of the op registry (`ember._ops._base.OPS`) is exercised by some table.

The tables are the op tables (`tests/ops/opdb_math.py`, `opdb_shape.py`, `test_sparse.py`), the in-place table
(`tests/core/test_inplace_ops.py`), the `torch.nn.functional` table (`tests/nn/fdb.py`) and the layer table
(`tests/nn/layerdb.py`); each has a `cases()` adapter yielding `(id, fn(L, *tensors), arrays, grad, gradgrad)`
(`grad`: whether the float arrays require grad, or a list of bools, one per array).
Every case runs here in ember only (the tables' own tests compare it with torch): forward, then backward with
a random cotangent when `grad`, and a double backward (`create_graph=True`, then a backward through the
gradients) when `gradgrad`, while an observer (`ember.autograd._observe.watch`) records every forward kernel
and every backward node that runs. Kernels that appear only in backward graphs (CopySlices, AsStrided, the
kernels of double-backward rules) count when their node runs. A case that raises counts for nothing.

A new kernel needs a table row that reaches it, compared against torch. `EXCLUDED` lists the kernels no public
call reaches, each with the reason.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import warnings

import numpy as np
import pytest
from oracle import flatten

import ember
from ember import _ops
from ember._ops._base import OPS, Op
from ember.autograd import _observe

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLES = [("ops", "opdb_math"), ("ops", "opdb_shape"), ("core", "test_inplace_ops"), ("nn", "fdb"),
          ("nn", "layerdb"), ("ops", "test_sparse")]

# Kernels no public call reaches (the reason each):
EXCLUDED: dict[str, str] = {
    "SampleFill": "the base class of the random fills (uniform_, normal_, ...); each fill records a subclass",
    "SetItemScalar": "the base class of SetItemScalarSlices and SetItemScalarIndexPut, which x[key] = number "
                     "records",
}


def _table(folder, name):
    path = os.path.join(_TESTS, folder)
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(name)


class _Recorder:
    """An observer client: the names of the kernels run forward and of the backward nodes run."""

    def __init__(self):
        self.seen = set()

    def op(self, op, t0, t1, args):
        self.seen.add(op.__name__)

    def node(self, node, t0, t1):
        self.seen.add(node.op.__name__)

    def span(self, name, t0, t1):
        pass


def _run(fn, arrays, grad, gradgrad, seed):
    """`grad`: whether the float arrays require grad, or a list (per array)."""
    rg = grad if isinstance(grad, list) else [grad and isinstance(a, np.ndarray) and a.dtype.kind == "f"
                                              for a in arrays]
    xs = [ember.tensor(a.copy(), requires_grad=r) if isinstance(a, np.ndarray) else a for a,
          r in zip(arrays, rg)]
    out = fn(ember, *xs)
    outs = [o for o in flatten(out) if isinstance(o, ember.Tensor) and o.requires_grad]
    if not any(rg) or not outs:
        return
    rng = np.random.default_rng(seed)

    def cot(t):
        return ember.tensor(rng.standard_normal(tuple(t.shape)), dtype=t.dtype)
    if not gradgrad:
        ember.autograd.backward(outs, [cot(o) for o in outs])
        return
    leaves = [x for x in xs if isinstance(x, ember.Tensor) and x.requires_grad]
    gs = ember.autograd.grad(outs, leaves, [cot(o) for o in outs], create_graph=True, allow_unused=True)
    gs = [g for g in gs if g is not None and g.requires_grad]
    if gs:
        ember.autograd.backward(gs, [cot(g) for g in gs])


def _exercised():
    """{kernel name: the first case that ran it}, and the ids of the cases that raised."""
    first, failed = {}, []
    for folder, name in TABLES:
        for i, (cid, fn, arrays, grad, gradgrad) in enumerate(_table(folder, name).cases()):
            rec = _Recorder()
            _observe.watch(rec)
            try:
                ember.manual_seed(i)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _run(fn, arrays, grad, gradgrad, i)
            except Exception:   # noqa: BLE001 - a case that raises (a refused dtype) counts for nothing
                failed.append(f"{name}:{cid}")
                continue
            finally:
                _observe.unwatch(rec)
            for k in rec.seen:
                first.setdefault(k, f"{name}:{cid}")
    return first, failed


def registered():
    """The concrete kernels: OPS without the abstract bases (names starting with `_`), with every op family
    imported (most nn families load only with ember.nn.functional)."""
    for info in pkgutil.iter_modules(_ops.__path__):
        importlib.import_module(f"{_ops.__name__}.{info.name}")
    return sorted(n for n in OPS if not n.startswith("_"))


def test_every_registered_kernel_is_exercised_by_a_table():
    kernels = registered()
    first, _ = _exercised()
    unknown, reached = set(EXCLUDED) - set(kernels), set(EXCLUDED) & set(first)
    assert not unknown, f"exclusions of unknown kernels: {sorted(unknown)}"
    assert not reached, f"excluded kernels that a table reaches (drop the exclusion): {sorted(reached)}"
    missing = [k for k in kernels if k not in first and k not in EXCLUDED]
    assert not missing, (f"{len(missing)} of {len(kernels)} registered kernels are exercised by no table row "
                         f"(add rows, compared against torch): {missing}")


def test_registry_refuses_a_second_kernel_of_the_same_name():
    before = dict(OPS)
    with pytest.raises(RuntimeError, match="two kernels are named Exp"):
        type("Exp", (Op,), {})
    assert OPS == before
    assert all(cls.__name__ == name for name, cls in OPS.items())


def test_runtime_kernels_stay_out_of_the_registry():
    before = dict(OPS)
    type("Exp", (Op,), {"registered": False})
    assert OPS == before
