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


def _decorate(fn, make_ctx, name):
    """Run `fn` (a function or a generator function) under a fresh context from `make_ctx()`.

    Generators get the mode each time they resume (and not while suspended), like torch.
    """
    if isinstance(fn, type):
        raise TypeError(f"{name} cannot decorate a class")
    code = getattr(fn, "__code__", None)
    if code is not None and code.co_flags & 0x20:     # CO_GENERATOR (no `inspect` import: keeps import fast)
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with make_ctx():
                    value = next(gen)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        with make_ctx():
                            gen.close()
                        raise
                    except BaseException as exc:    # thrown into the generator
                        with make_ctx():
                            value = gen.throw(exc)
                    else:
                        with make_ctx():
                            value = gen.send(sent)
            except StopIteration as stop:
                return stop.value
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_ctx():
            return fn(*args, **kwargs)
    return wrapper


class _Mode:
    """Base for grad-mode switches: usable as a context manager and as a decorator, with or without
    parentheses (`@no_grad()` and `@no_grad`)."""

    def __new__(cls, orig_func=None, *args, **kwargs):
        if orig_func is not None and callable(orig_func) and cls is not set_grad_enabled:
            return _decorate(orig_func, cls, cls.__name__)      # bare decorator: @no_grad
        return super().__new__(cls)

    def __call__(self, fn):
        return _decorate(fn, self.clone, type(self).__name__)

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
        return _decorate(fn, lambda: set_grad_enabled(mode), "set_grad_enabled")


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
