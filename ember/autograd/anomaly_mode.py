"""Anomaly detection: `detect_anomaly`, `set_detect_anomaly`. Matches `torch.autograd.anomaly_mode`.

While it is on, every recorded node keeps the traceback of the user code that created it (in
`grad_fn.metadata["traceback_"]`), a backward that produces NaN raises torch's RuntimeError naming the
node, and any error raised in a node's backward is preceded by a warning showing that forward traceback.
Off (the default) it costs nothing: see autograd/_observe.py.
"""
from __future__ import annotations

import functools
import warnings

from . import _observe

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled() -> bool:
    return _observe.OBSERVER.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    return _observe.OBSERVER.check_nan


class detect_anomaly:
    """Context manager (or decorator) turning anomaly detection on. Matches `torch.autograd.detect_anomaly`."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        self.prev = (False, True)

    def __enter__(self):
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only "
                      "be enabled for debugging.", UserWarning, stacklevel=2)
        self.prev = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        _observe.set_anomaly(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _observe.set_anomaly(*self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off now; as a context manager, restore the previous state on exit.
    Matches `torch.autograd.set_detect_anomaly`."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        _observe.set_anomaly(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _observe.set_anomaly(*self.prev)
        return False
