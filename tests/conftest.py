"""Shared test fixtures.

`torch` is the oracle: tests that compare against PyTorch take the `torch` fixture and compare through
`tests/oracle.py` (`same` below is its `run_both`). When torch is missing they fail if the CI variable is
set (CI must run them), and skip otherwise.
"""
from __future__ import annotations

import functools
import os

import numpy as np
import oracle
import pytest

try:
    from hypothesis import settings as _hsettings
    _hsettings.register_profile("ci", derandomize=True, max_examples=40, deadline=None)
    _hsettings.register_profile("dev", max_examples=60, deadline=None)
    _hsettings.load_profile("ci" if os.environ.get("CI") else "dev")
except ImportError:  # pragma: no cover
    pass


def _import_torch():
    try:
        import torch
    except ImportError:
        if os.environ.get("CI"):
            raise RuntimeError("torch (the test oracle) is not installed, and CI requires it: "
                               "pip install -e '.[test]'") from None
        return None
    torch.set_num_threads(1)
    return torch


@pytest.fixture(scope="session")
def torch():
    t = _import_torch()
    if t is None:
        pytest.skip("torch (the oracle) is not installed; CI fails instead of skipping")
    return t


@pytest.fixture
def same(torch):
    """`oracle.run_both` bound to the oracle: `same(lambda L: ..., rtol=..., atol=...)`."""
    return functools.partial(oracle.run_both, torch)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")
MNIST_DIR = os.path.join(SHARED, "data", "mnist")


@pytest.fixture(scope="session")
def mnist_dir():
    """The real MNIST test set from ../shared/data/mnist: required in CI, skipped elsewhere if absent."""
    if not os.path.exists(os.path.join(MNIST_DIR, "t10k-images-idx3-ubyte.gz")):
        if os.environ.get("CI"):
            raise RuntimeError(f"the shared MNIST files are missing at {MNIST_DIR}")
        pytest.skip("shared MNIST data not present")
    return MNIST_DIR

