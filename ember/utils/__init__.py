"""ember.utils: helpers around the core. Submodules (`ember.utils.data`, ...) load on first use."""
from __future__ import annotations

import importlib as _importlib


def __getattr__(name):
    if name == "summary":       # a function (torchinfo's model summary), loaded on first use like the rest
        return _importlib.import_module(f"{__name__}._summary").summary
    if not name.startswith("_"):
        try:
            return _importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
