"""NumPy's floating-point warnings never reach the user, and ember leaves the user's warning filters and
NumPy error state alone (NOTE [ Quiet floating-point errors ] in ember/_ops/_base.py).

Every row of the math table (opdb_math.py) runs on edge values (0, -0, inf, -inf, nan, negatives, huge,
tiny) under `warnings.simplefilter("error")`, forward and backward; its forward values are torch's."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
import zlib

import numpy as np
import pytest

import ember

sys.path.insert(0, os.path.dirname(__file__))
from opdb_math import OPS
from oracle import check, flatten

EDGE = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, -2.5, 1.0, 0.5, 3e38, -3e38, 1e-45, 88.0, -88.0])

# torch itself dies of SIGFPE on gcd(INT64_MIN, -1) (the edge values cast to int64)
ROWS = [s for s in OPS if s.name not in ("gcd_lcm",)]

# Rows whose values on these edge inputs differ from torch's in ways that are not about warnings (float32
# accumulation order of overflowing sums, fused alpha multiplies, NaN/inf placement in special functions;
# torch's mode with NaN and topk's order among ties (0.0 and -0.0) depend on its sort's unspecified
# handling of them): the warnings test below still runs them.
VALUE_DIFFS = {
    "mode_d1",
    "mode_int",
    "topk_smallest",
    "add_alpha",
    "sub_alpha",
    "lerp_tensor",
    "sum_dneg_keep",
    "mean_dneg_keep",
    "nansum_dneg_keep",
    "nanmean_dneg_keep",
    "std_d1",
    "std_dneg_keep",
    "std_correction0",
    "var_mean",
    "cumprod_dneg",
    "matrix_norm_nuc",
    "matrix_norm_2",
    "digamma",
    "polygamma1",
    "polygamma2",
    "ldexp",
    "angle",
    "mvlgamma",
    "cov",
    "histogram_weight",
}


def _edge_cases(spec):
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    for i, arrays in enumerate(spec.samples(rng)):
        data = [np.resize(np.roll(EDGE, 3 * j + i), a.size).reshape(a.shape) for j, a in enumerate(arrays)]
        for dt in (np.float32, np.float64):
            yield f"{spec.name} sample {i} {dt.__name__}", [np.array(a, dtype=dt) for a in data]


@pytest.mark.parametrize("spec", ROWS, ids=[s.name for s in ROWS])
def test_no_warning_escapes(spec):
    """Forward and backward on edge values with every warning an error."""
    for where, inputs in _edge_cases(spec):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            # torch's own warning for a reduction over fewer elements than its correction (var/std of a 0-d tensor)
            warnings.filterwarnings("ignore", "[a-z_]+\\(\\): degrees of freedom is <= 0", UserWarning)
            try:
                ts = [ember.tensor(a, requires_grad=spec.grad) for a in inputs]
                outs = [
                    o for o in flatten(spec.fn(ember, *ts)) if isinstance(o, ember.Tensor) and o.requires_grad
                ]
                if outs:
                    ember.autograd.backward(outs, [ember.ones_like(o) for o in outs])
            except (RuntimeError, IndexError, ValueError) as e:
                # the op refuses such input (as torch does, e.g. mvlgamma's domain check); a warning
                # turned error is a RuntimeWarning, which is not one of these
                assert not isinstance(e, Warning), f"{where}: {e!r}"


@pytest.mark.parametrize(
    "spec",
    [s for s in ROWS if s.name not in VALUE_DIFFS],
    ids=[s.name for s in ROWS if s.name not in VALUE_DIFFS],
)
def test_edge_values_match_torch(spec, torch):
    fn_t = spec.torch_fn or spec.fn
    for where, inputs in _edge_cases(spec):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check(
                torch,
                lambda *xs: spec.fn(ember, *xs),
                lambda *xs: fn_t(torch, *xs),
                inputs,
                rtol=1e-4,
                atol=1e-5,
                grad=False,
                path=where,
            )


def test_the_edge_values_do_make_numpy_warn():
    """The inputs above are ones NumPy warns about (so the tests above test the suppression)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):
            np.log(EDGE)
        with pytest.raises(RuntimeWarning):
            EDGE.astype(np.float32) * np.float32(10)


def test_user_numpy_state_and_filters_untouched():
    """ember's ops leave NumPy's error state as the user set it, and the user's own NumPy code still warns."""
    x = ember.tensor([0.0, -1.0, np.inf], requires_grad=True)
    with np.errstate(divide="raise", invalid="warn"):
        before = np.geterr()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = ember.log(x) * (x - x)
            y.sum().backward()
            assert np.geterr() == before
            with pytest.raises(FloatingPointError):
                np.log(np.zeros(1))
            with pytest.raises(RuntimeWarning):
                np.sqrt(-np.ones(1))


def test_user_hooks_run_in_the_users_numpy_state():
    """Hooks are user code: inside them NumPy behaves as the user configured it (ember is quiet only in its
    own kernels)."""
    seen = []

    def hook(g):
        seen.append(np.geterr()["divide"])
        return None

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(hook)
    x.register_hook(hook)
    with np.errstate(divide="raise"):
        y.sum().backward()
    assert seen == ["raise", "raise"]


def test_custom_function_backward_runs_in_the_users_numpy_state():
    class Log(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.log()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            np.divide(np.ones(1), np.zeros(1))  # the user's own NumPy code: raises under the user's state
            return g / x

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            Log.apply(x).sum().backward()


def test_import_adds_no_warning_filter():
    code = (
        "import warnings, numpy; before = list(warnings.filters); import ember, ember.nn, ember.optim; "
        "assert warnings.filters == before, [f for f in warnings.filters if f not in before]"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )


def test_nested_and_concurrent_kernels_stay_quiet():
    """The quiet context is entered by one caller at a time: an op run from inside it (nested) and ops
    in several threads at once fall back to switching the state, still without warnings."""
    import threading

    from ember._ops._base import quiet_run

    def inner():
        return ember.log(ember.tensor([0.0, -1.0])) * ember.tensor([np.inf])

    errors = []

    def work():
        try:
            x = ember.tensor(np.array([0.0, -1.0, np.inf] * 1000))
            for _ in range(200):
                (ember.log(x) - x) * x
        except Exception as e:  # noqa: BLE001 - collected and asserted on below
            errors.append(e)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = quiet_run(inner)
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert np.isnan(out[1].item()) and out[0].item() == -np.inf
    assert errors == []


OPTIMIZERS = [
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "Rprop",
    "ASGD",
]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_steps_on_inf_and_nan_gradients_stay_quiet(name, torch):
    """An update with inf/NaN gradients warns nothing (as in torch) and gives torch's values."""

    def run(L):
        p = L.nn.Parameter(L.ones(4))
        opt = getattr(L.optim, name)([p], lr=0.1)
        for _ in range(2):
            p.grad = L.tensor([np.inf, -np.inf, np.nan, 1e38])
            opt.step()
        return p.detach()

    from oracle import run_both

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_both(torch, run, path=name)


def test_optimizer_closure_runs_in_the_users_numpy_state():
    p = ember.nn.Parameter(ember.ones(2))
    opt = ember.optim.SGD([p], lr=0.1)
    seen = []

    def closure():
        seen.append(np.geterr()["divide"])
        loss = (p * 2).sum()
        loss.backward()
        return loss

    with np.errstate(divide="raise"):
        opt.step(closure)
        opt.step(closure=closure)
    assert seen == ["raise", "raise"]
