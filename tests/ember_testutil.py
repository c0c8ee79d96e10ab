"""Helpers shared by test modules (a unique module name: `conftest` is ambiguous across folders)."""
import importlib
import os

import pytest


def require(module_name):
    """Import an optional test dependency: skipped locally when missing, an error in CI (never a silent skip)."""
    if os.environ.get("CI"):
        return importlib.import_module(module_name)
    return pytest.importorskip(module_name)


def rand(rng, *shape, dtype=None):
    """Standard-normal test data of the given shape (float32 unless `dtype` says otherwise)."""
    import numpy as np
    return rng.standard_normal(shape).astype(dtype or np.float32)
