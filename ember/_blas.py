"""Threads: the BLAS thread pool NumPy uses (OpenBLAS / MKL), and ember's own small worker pool, both
sized by `ember.set_num_threads`.

The BLAS is found lazily through ctypes in the already-loaded library; where none is found (e.g.
Accelerate), the requested number is only recorded. `parallel(fn, n)` runs kernel work that is large
and independent along the batch on up to `num_threads()` threads (NumPy releases the GIL in its
loops and in BLAS calls); meanwhile the BLAS runs single-threaded, so the cores are not oversubscribed.
"""
from __future__ import annotations

import contextvars
import ctypes
import glob
import os
import threading

import numpy as np

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
            "openblas_set_num_threads", "MKL_Set_Num_Threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
            "openblas_get_num_threads", "MKL_Get_Max_Threads")

_cache: list = []


def _candidates():
    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.rsplit(" ", 1)[-1].strip()
                name = os.path.basename(p)
                if ("blas" in name or "mkl_rt" in name) and (".so" in name or name.endswith(".dylib")):
                    if p not in paths:
                        paths.append(p)
    except OSError:
        pass
    import numpy
    base = os.path.dirname(os.path.dirname(numpy.__file__))
    for pat in ("numpy.libs/*blas*", "numpy/.dylibs/*blas*", "numpy.libs/*mkl*"):
        for p in glob.glob(os.path.join(base, pat)):
            if p not in paths:
                paths.append(p)
    return paths


def _lib():
    """(setter, getter) ctypes functions of the loaded BLAS, or (None, None)."""
    if _cache:
        return _cache[0]
    found = (None, None)
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
        if setter is not None:
            setter.restype = None
            setter.argtypes = [ctypes.c_int]
            if getter is not None:
                getter.restype = ctypes.c_int
                getter.argtypes = []
            found = (setter, getter)
            break
    _cache.append(found)
    return found


def set_threads(n: int) -> bool:
    _requested[0] = int(n)
    setter, _ = _lib()
    if setter is None:
        return False
    setter(int(n))
    return True


def get_threads():
    _, getter = _lib()
    return None if getter is None else int(getter())


# ---- ember's worker pool ---------------------------------------------------------------------

_requested = [0]          # set_num_threads's value; 0: follow the BLAS (its environment variables)
_pool: list = [None, 0, 0]  # executor, its size, the pid that made it (a forked child makes its own)
_local = threading.local()  # .inside: a worker thread (nested parallel calls run inline)


def num_threads() -> int:
    n = _requested[0]
    if n:
        return n
    n = get_threads()
    _requested[0] = n if n else (os.cpu_count() or 1)
    return _requested[0]


def _executor(n):
    ex, size, pid = _pool
    if ex is None or size < n or pid != os.getpid():
        from concurrent.futures import ThreadPoolExecutor
        ex = ThreadPoolExecutor(max_workers=n, thread_name_prefix="ember-worker")
        _pool[:] = [ex, n, os.getpid()]
    return ex


def _run_marked(fn, lo, hi):
    _local.inside = True
    try:
        return fn(lo, hi)
    finally:
        _local.inside = False


def serial_blas(fn):
    """`fn` run with the BLAS on one thread when ember's pool has several (the pool does the threading).
    NOTE: a multi-threaded BLAS call leaves OpenBLAS's threads spinning for a while after it returns; on a
    2-core machine they then take a core from the pool's next region (measured: a Winograd conv forward on
    two threads went from 16 ms to 30 ms behind the small GEMM that transforms its weight). So a function
    that opens parallel regions runs its small GEMMs single-threaded too."""
    def wrapped(*args, **kwargs):
        n = num_threads()
        setter = _lib()[0]
        if n <= 1 or setter is None or getattr(_local, "serial", False) or getattr(_local, "inside", False):
            return fn(*args, **kwargs)      # (a worker: its region set the BLAS to one thread already)
        _local.serial = True
        setter(1)
        try:
            return fn(*args, **kwargs)
        finally:
            _local.serial = False
            setter(n)
    wrapped.__name__, wrapped.__qualname__, wrapped.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    wrapped.__wrapped__ = fn
    return wrapped


def parallel(fn, n, min_per_thread=1):
    """[fn(lo, hi) for each of up to num_threads() contiguous shares of range(n)], in share order.
    Runs inline (one share) with one thread, for small n, or inside a worker."""
    t = min(num_threads(), n // max(min_per_thread, 1))
    if t <= 1 or getattr(_local, "inside", False):
        return [fn(0, n)]
    bounds = [n * i // t for i in range(t + 1)]
    ex = _executor(t - 1)
    # inside serial_blas the BLAS is on one thread already (and stays so until it ends)
    setter = None if getattr(_local, "serial", False) else _lib()[0]
    if setter is not None:
        setter(1)
    try:
        # each task runs in a copy of the caller's context: NumPy's error state (ember's kernels run quiet,
        # NOTE [ Quiet floating-point errors ]) is a context variable, which pool threads do not inherit
        futs = [ex.submit(contextvars.copy_context().run, _run_marked, fn, bounds[i], bounds[i + 1])
                for i in range(1, t)]
        try:
            first = _run_marked(fn, bounds[0], bounds[1])
        finally:
            for f in futs:          # every share ends (or fails) before the BLAS gets its threads back
                f.exception()
        return [first] + [f.result() for f in futs]
    finally:
        if setter is not None:
            setter(num_threads())


# ---- 2-d products on the pool ------------------------------------------------------------------

_GEMM_MIN = 1 << 22       # multiply-adds from which a product is shared among the threads (a test lowers it)


def matmul(a, b):
    """`a @ b` for ember's 2-d products (linear layers): with several threads, on the pool in row (or column)
    blocks with the BLAS single-threaded, so that no OpenBLAS thread is left spinning behind ember's next
    parallel region (NOTE in `serial_blas`). With one thread, inside a worker or a serial region:
    np.matmul."""
    if (_requested[0] or num_threads()) <= 1 or getattr(_local, "inside", False) or \
            getattr(_local, "serial", False):
        return np.matmul(a, b)
    return _shared_matmul(a, b)


@serial_blas
def _shared_matmul(a, b):
    M, K = a.shape
    N = b.shape[1]
    if M * K * N < _GEMM_MIN:
        return np.matmul(a, b)
    out = np.empty((M, N), np.result_type(a.dtype, b.dtype))
    if M >= N:
        parallel(lambda lo, hi: np.matmul(a[lo:hi], b, out=out[lo:hi]), M, 32)
    else:
        parallel(lambda lo, hi: np.matmul(a, b[:, lo:hi], out=out[:, lo:hi]), N, 32)
    return out
