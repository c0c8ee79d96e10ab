"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode. Thread-local, like torch."""
from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _GradState(threading.local):
    enabled = True       # class attributes are the per-thread defaults
    inference = False


STATE = _GradState()


def is_grad_enabled() -> bool:
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _Mode:
    """Base for grad-mode switches: usable as a context manager and as a decorator."""

    def __call__(self, fn):
        if isinstance(fn, type):
            raise TypeError(f"{type(self).__name__} cannot decorate a class")
        mode = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_Mode):
    """Disable gradient recording inside the block. Matches `torch.no_grad`."""

    def __init__(self, orig_func=None):
        self._prev = []

    def __enter__(self):
        self._prev.append(STATE.enabled)
        STATE.enabled = False

    def __exit__(self, *exc):
        STATE.enabled = self._prev.pop()
        return False


class enable_grad(_Mode):
    """Enable gradient recording inside the block. Matches `torch.enable_grad`."""

    def __init__(self, orig_func=None):
        self._prev = []

    def __enter__(self):
        self._prev.append(STATE.enabled)
        STATE.enabled = True

    def __exit__(self, *exc):
        STATE.enabled = self._prev.pop()
        return False


class set_grad_enabled(_Mode):
    """Set grad mode on (True) or off (False); takes effect at once, or as a context manager."""

    def __init__(self, mode: bool):
        self._prev = STATE.enabled
        self.mode = bool(mode)
        STATE.enabled = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def clone(self):
        prev = STATE.enabled
        c = set_grad_enabled(self.mode)
        STATE.enabled = prev
        c._prev = prev
        return c

    def __call__(self, fn):
        STATE.enabled = self._prev   # used as a decorator: undo the immediate switch
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class inference_mode(_Mode):
    """Like no_grad (ember has no separate inference tensors). Matches `torch.inference_mode`."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        self._prev = []

    def __enter__(self):
        self._prev.append((STATE.enabled, STATE.inference))
        if self.mode:
            STATE.enabled = False
            STATE.inference = True

    def __exit__(self, *exc):
        STATE.enabled, STATE.inference = self._prev.pop()
        return False

    def clone(self):
        return inference_mode(self.mode)
