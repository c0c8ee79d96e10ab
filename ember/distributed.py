"""`ember.distributed`: ember is single-process, so distributed training is unavailable; the checks scripts
make before using it (`is_available()`, `is_initialized()`) answer False, and anything else raises."""
from __future__ import annotations

__all__ = ["is_available", "is_initialized", "is_torchelastic_launched", "init_process_group", "get_rank",
           "get_world_size", "barrier", "destroy_process_group", "all_reduce", "broadcast", "ReduceOp"]


def is_available() -> bool:
    return False


def is_initialized() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    return False


def _unavailable(*args, **kwargs):
    raise RuntimeError("torch.distributed is not available in ember (single process, CPU only)")


init_process_group = get_rank = get_world_size = barrier = destroy_process_group = _unavailable
all_reduce = all_gather = broadcast = reduce = gather = scatter = new_group = _unavailable


class ReduceOp:
    SUM, PRODUCT, MIN, MAX, BAND, BOR, BXOR, AVG = range(8)
