"""ember's worker pool (`_blas.parallel`, sized by `ember.set_num_threads`): shares of the batch in order,
nested calls inline, the BLAS single-threaded inside a parallel region and restored after, a forked child
making its own pool, exceptions reaching the caller."""
from __future__ import annotations

import os
import threading

import pytest

import ember
from ember import _blas


@pytest.fixture
def threads():
    before = ember.get_num_threads()
    yield lambda n: ember.set_num_threads(n)
    ember.set_num_threads(before)


def test_parallel_shares_cover_the_range_in_order(threads):
    threads(2)
    seen = []
    parts = _blas.parallel(lambda lo, hi: (lo, hi, threading.current_thread().name, seen.append(lo)), 10)
    assert [(lo, hi) for lo, hi, _, _ in parts] == [(0, 5), (5, 10)]
    assert parts[1][2].startswith("ember-worker")        # the second share ran on a worker thread
    assert sorted(seen) == [0, 5]
    threads(1)
    assert [p[:2] for p in _blas.parallel(lambda lo, hi: (lo, hi), 10)] == [(0, 10)]
    threads(3)
    assert [p[:2] for p in _blas.parallel(lambda lo, hi: (lo, hi), 2)] == [(0, 1), (1, 2)]   # no empty shares


def test_nested_parallel_runs_inline_and_blas_is_restored(threads):
    threads(2)

    def inner(lo, hi):
        if _blas.get_threads() is not None:
            assert _blas.get_threads() == 1          # one BLAS thread per worker: no oversubscription
        return _blas.parallel(lambda a, b: (a, b), 8)

    parts = _blas.parallel(inner, 2)
    assert parts == [[(0, 8)], [(0, 8)]]
    assert ember.get_num_threads() == 2


def test_parallel_exception_reaches_the_caller(threads):
    threads(2)

    def boom(lo, hi):
        if lo:
            raise ValueError("share failed")
        return lo

    with pytest.raises(ValueError, match="share failed"):
        _blas.parallel(boom, 4)
    assert ember.get_num_threads() == 2
    assert _blas.parallel(lambda lo, hi: hi - lo, 4) == [2, 2]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_forked_child_makes_its_own_pool(threads):
    threads(2)
    _blas.parallel(lambda lo, hi: None, 2)                # the parent's pool exists
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                          # the child: the parent's worker threads are gone
        try:
            ok = _blas.parallel(lambda lo, hi: (lo, hi), 4) == [(0, 2), (2, 4)]
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    assert os.read(r, 1) == b"1"


def test_workers_run_in_the_callers_numpy_state(threads, monkeypatch):
    """The workers see the caller's context: ember's quiet floating-point state reaches them (a conv of inf
    input is NaN without a warning, as on one thread), and a user's own state too."""
    import warnings

    import numpy as np

    from ember._ops import _convolve
    threads(2)
    monkeypatch.setattr(_convolve, "_PARALLEL_MIN", 1)
    x = ember.full((8, 4, 6, 6), float("inf"), requires_grad=True)
    conv = ember.nn.Conv2d(4, 4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = conv(x)
        y.sum().backward()
    assert np.isnan(y.detach().numpy()).all()
    with np.errstate(all="raise"):
        states = _blas.parallel(lambda lo, hi: np.geterr()["invalid"], 2)
    assert states == ["raise", "raise"]


def test_conv_runs_its_blas_single_threaded_and_restores_it(threads, monkeypatch):
    """The conv engine (which opens parallel regions) keeps the BLAS on one thread for its whole call, small GEMMs
    included (see `_blas.serial_blas`), and gives the count back after."""
    from ember._ops import _convolve
    assert _blas.get_threads() is not None, "NumPy's OpenBLAS wheels expose the thread count (ctypes)"
    threads(2)
    seen = []
    real = _convolve._wino_weight

    def spy(*args, **kwargs):
        seen.append(_blas.get_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(_convolve, "_wino_weight", spy)
    ember.nn.functional.conv2d(ember.ones(2, 64, 8, 8), ember.ones(64, 64, 3, 3), padding=1)   # Winograd
    assert seen == [1]
    assert _blas.get_threads() == 2


@pytest.mark.parametrize("shape", [(70, 9, 5), (5, 9, 70), (64, 1, 64)], ids=["rows", "columns", "square"])
def test_shared_matmul_equals_numpy(threads, monkeypatch, shape):
    """Linear layers' products on the pool (row or column blocks, BLAS single-threaded) give NumPy's product."""
    import numpy as np
    M, K, N = shape
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((M, K)).astype(np.float32), rng.standard_normal((K, N)).astype(np.float32)
    monkeypatch.setattr(_blas, "_GEMM_MIN", 1)
    threads(2)
    seen = []
    real = np.matmul

    def spy(x, y, out=None):
        seen.append((threading.current_thread().name, _blas.get_threads()))
        return real(x, y, out=out)

    monkeypatch.setattr(_blas.np, "matmul", spy)
    got = _blas.matmul(a, b)
    monkeypatch.setattr(_blas.np, "matmul", real)
    np.testing.assert_allclose(got, a @ b, rtol=1e-6, atol=1e-6)
    assert len(seen) == 2 and all(n == 1 for _, n in seen)       # two blocks, each with one BLAS thread
    assert any(name.startswith("ember-worker") for name, _ in seen)
    assert _blas.get_threads() == 2


def test_serial_blas_inside_a_worker_leaves_the_region_single_threaded(threads):
    """A serial_blas function called from a pool worker must not give the BLAS its threads back while the
    region that started the worker still runs."""
    threads(2)
    inner = _blas.serial_blas(lambda: _blas.get_threads())
    seen = _blas.parallel(lambda lo, hi: (inner(), _blas.get_threads()), 2)
    assert seen == [(1, 1), (1, 1)]
    assert _blas.get_threads() == 2
