"""`ember.nn.parameter`: `Parameter` and `Buffer` at torch's path. They are defined with the core
(`ember/_parameter.py`): loading a checkpoint rebuilds parameters without importing `ember.nn`."""
from __future__ import annotations

from .._parameter import Buffer, Parameter, _factory_dtype, empty_array  # noqa: F401

__all__ = ["Parameter", "Buffer"]
