"""`ember.accelerator`: no accelerator exists in ember (torch's device-agnostic API, CPU-only answers)."""
from __future__ import annotations

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "synchronize"]


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False):
    """None: there is no accelerator (as torch returns on a CPU-only machine)."""
    return None


def device_count() -> int:
    return 0


def current_device_index() -> int:
    return -1


def synchronize(device=None) -> None:
    """No-op."""
