"""`ember.cuda`: there is no GPU in ember; this answers like a CPU-only torch build.

`is_available()` is False and `device_count()` 0, seeding calls are no-ops, and anything that needs
a device raises as torch does without CUDA.
"""
from __future__ import annotations

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "empty_cache", "synchronize", "current_device", "get_device_name", "set_device",
           "memory_allocated", "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats",
           "is_bf16_supported", "device"]


def _no_cuda(*args, **kwargs):
    raise AssertionError("Torch not compiled with CUDA enabled (ember runs on the CPU only)")


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(*args, **kwargs) -> bool:
    return False


def manual_seed(seed) -> None:
    """No-op (no CUDA generators), like torch without a GPU."""


def manual_seed_all(seed) -> None:
    """No-op."""


def seed() -> None:
    """No-op."""


def seed_all() -> None:
    """No-op."""


def empty_cache() -> None:
    """No-op."""


def reset_peak_memory_stats(device=None) -> None:
    """No-op."""


def memory_allocated(device=None) -> int:
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


synchronize = current_device = get_device_name = set_device = _no_cuda
get_device_properties = get_device_capability = _no_cuda


class device:
    """`with torch.cuda.device(i):` needs CUDA."""

    def __init__(self, device):
        _no_cuda()
