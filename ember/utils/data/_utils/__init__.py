"""Internals of ember.utils.data: collate, fetch, worker loop, and the exception wrapper."""
from __future__ import annotations

import pickle
import sys
import traceback


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as its type plus formatted traceback."""

    def __init__(self, exc_info=None, where: str = "in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = _public_type(exc_info[0])
        self.exc_name = self.exc_type.__name__
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where
        try:  # a class defined inside a function cannot travel to the main process: re-raise as RuntimeError
            pickle.dumps(self.exc_type)
        except Exception:
            self.exc_type = RuntimeError

    def reraise(self):
        """Raise the original type with the worker's traceback in the message, or a RuntimeError when the
        type cannot be rebuilt from one message argument (never a TypeError from the rebuild itself)."""
        msg = f"Caught {self.exc_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            raise KeyError(_KeyErrorMessage(msg))  # KeyError's str() repr()s its argument: keep newlines
        try:
            exc = self.exc_type(msg)
            if not isinstance(exc, BaseException) or msg not in str(exc):
                raise TypeError
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


def _public_type(t):
    """The exception type to re-raise: ember's private classes (a leading underscore) become their nearest
    public base (e.g. a RuntimeError), as torch raises; every other class is kept."""
    for c in t.__mro__:
        if not (c.__module__.startswith("ember") and c.__name__.startswith("_")):
            return c
    return RuntimeError


class _KeyErrorMessage(str):
    def __repr__(self):
        return self
