"""ember.utils: helpers around the core. Submodules (`ember.utils.data`, ...) load on first use."""
from __future__ import annotations

import importlib as _importlib

from ._summary import summary  # noqa: F401 - torchinfo's model summary (numpy-only import)


def __getattr__(name):
    if not name.startswith("_"):
        try:
            return _importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
