"""Control of the BLAS thread pool NumPy uses (OpenBLAS / MKL), for `ember.set_num_threads`.

Found lazily through ctypes in the already-loaded library; where none is found (e.g. Accelerate),
the requested number is only recorded.
"""
from __future__ import annotations

import ctypes
import glob
import os

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
    setter, _ = _lib()
    if setter is None:
        return False
    setter(int(n))
    return True


def get_threads():
    _, getter = _lib()
    return None if getter is None else int(getter())
