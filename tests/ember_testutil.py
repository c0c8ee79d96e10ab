"""Helpers shared by test modules (a unique module name: `conftest` is ambiguous across folders)."""
import importlib
import os

import pytest


def require(module_name):
    """Import an optional test dependency: skipped locally when missing, an error in CI (never a silent skip)."""
    if os.environ.get("CI"):
        return importlib.import_module(module_name)
    return pytest.importorskip(module_name)
