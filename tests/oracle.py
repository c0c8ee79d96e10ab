"""The test oracle: run one case through torch and ember on the same NumPy data and compare everything.

- `assert_same(got, want)`: an ember result against torch's (or any two results): tensors by class
  name, dtype, shape, requires_grad and values; `Size`, dtypes, ndarrays, numbers, strings and None; tuples,
  lists and dicts item by item (the same container class; named tuples: the same field names).
- `run_both(torch, f)`: `f(lib)` for torch, then for ember: the same results, or the exception torch
  raises (ember's may be a subclass; `exc="same"` wants the same class name, `exc="message"` also the
  same message once "torch"/"ember" are blanked out, `exc="runtime"` takes any RuntimeError where torch
  raises one of its subclasses such as NotImplementedError).
- `raises_like(torch, f)`: torch must raise, and ember alike (`exc` as above). Returns ember's exception.
- `check(torch, fe, ft, arrays)`: the same NumPy inputs as tensors on both sides (float inputs require
  grad), outputs compared with `assert_same`, then the gradients of every float input and of every module
  parameter under a RANDOM cotangent (a `.sum()` seeds all ones and hides transposes and permutations).
- `check_gradgrad(torch, fe, ft, arrays)`: double backward: the gradients of the float inputs under a random
  cotangent with `create_graph=True`, then the gradients of those gradients under a second random cotangent.

A module name of its own (`conftest` is ambiguous across folders): `from oracle import run_both`.
"""
from __future__ import annotations

import sys

import numpy as np

import ember

__all__ = ["assert_same", "check", "check_gradgrad", "flatten", "is_tensor", "raises_like", "run_both",
           "to_numpy"]


def _torch_tensor(x):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def is_tensor(x):
    """An ember or a torch tensor."""
    return isinstance(x, ember.Tensor) or _torch_tensor(x)


def to_numpy(x):
    """The values of an ember/torch tensor (detached) or of anything NumPy can read."""
    if isinstance(x, ember.Tensor):
        return x.detach().numpy()
    if _torch_tensor(x):
        return x.detach().numpy(force=True)   # force: torch's ZeroTensor gradients and conj/neg views
    return np.asarray(x)


def flatten(out):
    """Nested tuples/lists (named tuples included) as one flat list."""
    if isinstance(out, (tuple, list)):
        flat = []
        for o in out:
            flat += flatten(o)
        return flat
    return [out]


def _close(got, want, rtol, atol, equal_nan, path):
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=equal_nan, err_msg=path)
    else:
        np.testing.assert_array_equal(got, want, err_msg=path)


def assert_same(got, want, rtol=1e-5, atol=1e-6, *, path="result", requires_grad=True, equal_nan=True):
    """`got` (ember) equals `want` (torch, or ember): see the module docstring. Floats within rtol/atol
    (rtol=atol=0: exact), everything else exactly."""
    tname = type(want).__name__
    if is_tensor(want):
        assert is_tensor(got), f"{path}: expected a Tensor, got {type(got).__name__}"
        assert type(got).__name__ == tname, f"{path}: {type(got).__name__} != {tname}"
        assert str(got.dtype) == str(want.dtype), f"{path}: dtype {got.dtype} != {want.dtype}"
        assert tuple(got.shape) == tuple(want.shape), \
            f"{path}: shape {tuple(got.shape)} != {tuple(want.shape)}"
        if requires_grad:
            assert got.requires_grad == want.requires_grad, \
                f"{path}: requires_grad {got.requires_grad} != {want.requires_grad}"
        _close(to_numpy(got), to_numpy(want), rtol, atol, equal_nan, path)
    elif isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), f"{path}: expected an ndarray, got {type(got).__name__}"
        assert got.dtype == want.dtype and got.shape == want.shape, \
            f"{path}: {got.dtype}{got.shape} != {want.dtype}{want.shape}"
        _close(got, want, rtol, atol, equal_nan, path)
    elif tname == "Size":
        assert type(got).__name__ == "Size" and tuple(got) == tuple(want), f"{path}: {got!r} != {want!r}"
    elif tname == "dtype":
        assert type(got).__name__ == "dtype" and str(got) == str(want), f"{path}: {got!r} != {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for k in want:
            assert_same(got[k], want[k], rtol, atol, path=f"{path}[{k!r}]", requires_grad=requires_grad,
                        equal_nan=equal_nan)
    elif isinstance(want, (tuple, list)):
        if type(want) in (tuple, list):
            assert type(got) is type(want), f"{path}: {type(got).__name__} != {tname}: {got!r} vs {want!r}"
        else:   # a named tuple such as torch.return_types.max: the same field names
            assert isinstance(got, tuple) and _fields(got) == _fields(want), \
                f"{path}: {type(got).__name__}{_fields(got)} != {tname}{_fields(want)}"
        assert len(got) == len(want), f"{path}: {len(got)} items != {len(want)}: {got!r} vs {want!r}"
        for i, (a, b) in enumerate(zip(got, want)):
            assert_same(a, b, rtol, atol, path=f"{path}[{i}]", requires_grad=requires_grad,
                        equal_nan=equal_nan)
    elif isinstance(want, float):
        assert type(got) is float, f"{path}: {type(got).__name__} != float"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=equal_nan, err_msg=path)
    elif want is None or isinstance(want, (bool, int, str, bytes)):
        assert type(got) is type(want) and got == want, f"{path}: {got!r} != {want!r}"
    else:
        assert got == want, f"{path}: {got!r} != {want!r}"


def _fields(t):
    return getattr(type(t), "__match_args__", None) or getattr(t, "_fields", None)


def _blank(msg):
    return str(msg).replace("torch", "X").replace("ember", "X")


def _expect_raise(want, call, exc, path="result"):
    """`call()` must raise like `want` (torch's exception); returns ember's exception."""
    try:
        call()
    except Exception as got:   # noqa: BLE001 - the oracle's exception type is the expectation
        said = f"{path}: torch raised {type(want).__name__}({want}), ember {type(got).__name__}({got})"
        if exc == "subclass":
            assert isinstance(got, type(want)), said
        elif exc == "runtime":
            assert isinstance(got, RuntimeError if isinstance(want, RuntimeError) else type(want)), said
        else:
            assert type(got).__name__ == type(want).__name__, said
            if exc == "message":
                assert _blank(got) == _blank(want), f"{path}: messages differ:\n torch: {want}\n ember: {got}"
        return got
    raise AssertionError(f"{path}: torch raised {type(want).__name__}({want}); ember did not raise")


def run_both(torch, f, rtol=1e-5, atol=1e-6, *, exc="subclass", path="result", **same_kw):
    """`f(lib)` for torch then ember: equal results (`assert_same`), or ember raises what torch raises.
    Returns torch's result, or torch's exception."""
    try:
        want = f(torch)
    except Exception as err:   # noqa: BLE001 - the oracle's exception type is the expectation
        _expect_raise(err, lambda: f(ember), exc, path)
        return err
    got = f(ember)
    assert_same(got, want, rtol, atol, path=path, **same_kw)
    return want


def raises_like(torch, f, exc="subclass", path="result"):
    """`f(lib)` raises on torch (asserted) and alike on ember (`exc` as in `run_both`); returns ember's
    exception."""
    try:
        f(torch)
    except Exception as err:   # noqa: BLE001 - the oracle's exception type is the expectation
        return _expect_raise(err, lambda: f(ember), exc, path)
    raise AssertionError(f"{path}: the oracle (torch) did not raise")


def _wrap(lib, a, grad):
    """A NumPy array as a tensor of its own copy, with the array's layout (a transposed array stays a
    non-contiguous tensor)."""
    if not isinstance(a, np.ndarray):
        return a
    t = lib.from_numpy(np.array(a))
    return t.requires_grad_(True) if grad else t


def check(torch, fe, ft, arrays, rtol=1e-5, atol=1e-6, *, grad=True, grad_rtol=None, grad_atol=None, seed=0,
          requires_grad=None, exc="subclass", path="result"):
    """`fe(*inputs)` (ember) against `ft(*inputs)` (torch) on the same NumPy `arrays` (anything else passes
    through unchanged; each array keeps its layout). Float arrays require grad (or per `requires_grad`, a
    list of bools). Outputs must be the same (`assert_same`, rtol/atol) or raise alike; then, unless
    `grad=False`, every output that requires grad gets a random cotangent and the gradients of the inputs,
    and of the parameters of `fe`/`ft` when they are modules (compared by name, then reset to None), must
    agree within grad_rtol (default rtol) and grad_atol (default 10 * atol). Returns (ember output, torch
    output), or torch's exception twice."""
    if requires_grad is None:
        requires_grad = [grad and isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    te = [_wrap(ember, a, r) for a, r in zip(arrays, requires_grad)]
    tt = [_wrap(torch, a, r) for a, r in zip(arrays, requires_grad)]
    try:
        ot = ft(*tt)
    except Exception as err:   # noqa: BLE001 - the oracle's exception type is the expectation
        _expect_raise(err, lambda: fe(*te), exc, path)
        return err, err
    oe = fe(*te)
    assert_same(oe, ot, rtol, atol, path=path)
    if not grad:
        return oe, ot
    grad_rtol = rtol if grad_rtol is None else grad_rtol
    grad_atol = 10 * atol if grad_atol is None else grad_atol
    pairs = [(e, t) for e, t in zip(flatten(oe), flatten(ot)) if _torch_tensor(t) and t.requires_grad]
    if not pairs:
        return oe, ot
    rng = np.random.default_rng(seed + 1)
    cots = [rng.standard_normal(tuple(t.shape)).astype(to_numpy(t).dtype) for _, t in pairs]
    torch.autograd.backward([t for _, t in pairs], [torch.from_numpy(c) for c in cots])
    ember.autograd.backward([e for e, _ in pairs], [ember.from_numpy(c.copy()) for c in cots])
    for i, r in enumerate(requires_grad):
        if r:
            _same_grad(te[i].grad, tt[i].grad, grad_rtol, grad_atol, f"{path}: gradient of input {i}")
    if hasattr(ft, "named_parameters"):
        pe, pt = dict(fe.named_parameters()), dict(ft.named_parameters())
        assert list(pe) == list(pt), f"{path}: parameters {list(pe)} != {list(pt)}"
        for name, p in pt.items():
            _same_grad(pe[name].grad, p.grad, grad_rtol, grad_atol, f"{path}: gradient of {name}")
            pe[name].grad = p.grad = None
    return oe, ot


def _same_grad(got, want, rtol, atol, path):
    """torch's None gradient: ember's is None or zero; otherwise they must be the same tensor."""
    if want is None:
        assert got is None or not np.any(to_numpy(got)), f"{path}: torch has none, ember {got}"
        return
    assert got is not None, f"{path}: ember has none"
    assert_same(got, want, rtol, atol, path=path)


def _gradgrad(lib, f, arrays, requires_grad, seed):
    """The first-order gradients of `f` on `lib` under random cotangents that require grad
    (create_graph=True), and the gradients of those (under second random cotangents) with respect to the
    inputs and the cotangents (as torch's gradgradcheck: the cotangents make the backward rule of a linear op
    differentiable too)."""
    xs = [_wrap(lib, a, r) for a, r in zip(arrays, requires_grad)]
    leaves = [x for x, r in zip(xs, requires_grad) if r]
    outs = [o for o in flatten(f(*xs)) if is_tensor(o) and o.requires_grad]
    rng = np.random.default_rng(seed + 2)

    def cot(t, grad=False):
        c = lib.from_numpy(rng.standard_normal(tuple(t.shape)).astype(to_numpy(t).dtype))
        return c.requires_grad_(grad)
    cots = [cot(o, True) for o in outs]
    gs = lib.autograd.grad(outs, leaves, cots, create_graph=True, allow_unused=True)
    cots2 = [cot(x) for x in leaves]     # one per leaf, whatever its gradient: the same draws on both sides
    keep = [i for i, g in enumerate(gs) if g is not None and g.requires_grad]
    if not keep:
        return gs, [None] * (len(leaves) + len(cots))
    gg = lib.autograd.grad([gs[i] for i in keep], leaves + cots, [cots2[i] for i in keep], allow_unused=True)
    return gs, gg


def check_gradgrad(torch, fe, ft, arrays, rtol=1e-5, atol=1e-5, *, seed=0, requires_grad=None, path="result"):
    """Double backward of `fe` (ember) against `ft` (torch) on the same NumPy `arrays` (float arrays require
    grad, or per `requires_grad`): the first-order gradients under random cotangents, taken with
    create_graph=True, and the gradients of those with respect to the inputs and the cotangents (under second
    random cotangents) must agree. A gradient torch has as None or zeros may be None or zeros in ember."""
    if requires_grad is None:
        requires_grad = [isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    gt, ggt = _gradgrad(torch, ft, arrays, requires_grad, seed)
    ge, gge = _gradgrad(ember, fe, arrays, requires_grad, seed)
    for i, (e, t) in enumerate(zip(ge, gt)):
        # values only: whether a gradient records a graph of its own follows how the backward rule is
        # written (torch's fused rules record one where the second derivative is zero)
        if t is not None and e is not None:
            assert_same(e, t, rtol, atol, path=f"{path}: gradient of input {i}", requires_grad=False)
        else:
            _same_grad(e, t, rtol, atol, f"{path}: gradient of input {i}")
    n = sum(requires_grad)
    assert len(gge) == len(ggt), f"{path}: {len(gge)} second-order gradients != {len(ggt)}"
    for i, (e, t) in enumerate(zip(gge, ggt)):
        what = f"input {i}" if i < n else f"cotangent {i - n}"
        if e is None and t is not None and not np.any(to_numpy(t)):
            continue
        _same_grad(e, t, rtol, atol, f"{path}: second-order gradient of {what}")
