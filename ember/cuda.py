"""`ember.cuda`: there is no GPU in ember; this answers like a CPU-only torch build.

`is_available()` is False and `device_count()` 0, seeding calls are no-ops, and anything that needs
a device raises as torch does without CUDA.
"""
from __future__ import annotations

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "empty_cache", "synchronize", "current_device", "get_device_name", "set_device",
           "memory_allocated", "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats",
           "is_bf16_supported", "device", "amp", "initial_seed", "get_rng_state", "set_rng_state",
           "get_rng_state_all", "set_rng_state_all", "max_memory_reserved", "reset_max_memory_allocated",
           "memory_summary", "mem_get_info", "ipc_collect", "current_stream", "default_stream", "stream",
           "Stream", "Event"]

import sys as _sys
import types as _types
import warnings


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


def initial_seed() -> int:
    _no_cuda()


def get_rng_state(device="cuda"):
    _no_cuda()


def set_rng_state(new_state, device="cuda") -> None:
    """No-op (torch queues the call until CUDA initialises, which never happens here)."""


def get_rng_state_all() -> list:
    return []


def set_rng_state_all(new_states) -> None:
    """No-op."""


mem_get_info = current_stream = default_stream = stream = ipc_collect = _no_cuda


class Stream:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("Torch not compiled with CUDA enabled (ember runs on the CPU only): no CUDA streams")


Event = Stream


def max_memory_reserved(device=None) -> int:
    return 0


def reset_max_memory_allocated(device=None) -> None:
    """No-op."""


def memory_summary(device=None, abbreviated=False) -> str:
    return "ember: no CUDA memory in use (CPU only)\n"


def _amp_namespace():
    """`torch.cuda.amp` (deprecated in torch, still common): the same disabled scaler and no-op autocast."""
    from . import amp as _amp
    mod = _types.ModuleType(f"{__name__}.amp", "torch.cuda.amp: mixed precision is a no-op in ember.")

    class autocast(_amp.autocast):
        def __init__(self, enabled=True, dtype=None, cache_enabled=True):
            warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                          "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
            super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    class GradScaler(_amp.GradScaler):
        def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                     enabled=True):
            warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                          "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
            super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    mod.autocast, mod.GradScaler = autocast, GradScaler
    mod.custom_fwd, mod.custom_bwd = _amp.custom_fwd, _amp.custom_bwd
    mod.__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]
    _sys.modules[mod.__name__] = mod
    return mod


amp = _amp_namespace()
__path__: list = []  # a package (with no files): lets `import ember.cuda.amp` find the module above
