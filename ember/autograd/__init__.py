"""Automatic differentiation: backward, grad, custom Functions, grad modes, gradcheck.

The submodules load on first use: the recording core imports `autograd.graph` and
`autograd.grad_mode` at the bottom of `import ember`, before the engine exists.
"""
from __future__ import annotations

import importlib as _importlib

from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,  # noqa: F401
                        no_grad, set_grad_enabled)

_NAMES = {"backward": "engine", "grad": "engine", "Function": "function", "FunctionCtx": "function",
          "once_differentiable": "function", "GradcheckError": "_gradcheck", "gradcheck": "_gradcheck",
          "gradgradcheck": "_gradcheck", "set_detect_anomaly": "anomaly_mode", "is_anomaly_enabled": "anomaly_mode",
          "detect_anomaly": "anomaly_mode", "is_anomaly_check_nan_enabled": "anomaly_mode", "Variable": "variable"}
_SUBMODULES = {"engine", "function", "functional", "graph", "grad_mode", "anomaly_mode", "variable", "profiler"}


def __getattr__(name):
    if name in _NAMES:
        return getattr(_importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_NAMES) | _SUBMODULES)
