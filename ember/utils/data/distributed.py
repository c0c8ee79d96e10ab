"""DistributedSampler: each of `num_replicas` processes reads its own share of the dataset."""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _world_default(what: str) -> int:
    # as torch: ask the default process group (ValueError when it was not initialized)
    from ... import distributed as dist
    if not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return dist.get_world_size() if what == "num_replicas" else dist.get_rank()


class DistributedSampler(Sampler):
    """Rank `rank`'s slice (every `num_replicas`-th index) of a per-epoch permutation, padded by repetition
    (or truncated with `drop_last`) so all ranks get the same count.

    Matches `torch.utils.data.distributed.DistributedSampler`: `num_replicas`/`rank` default to the default
    process group's world size and rank. Call `set_epoch(epoch)` before each epoch to get a new order.
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = _world_default("num_replicas")
        if rank is None:
            rank = _world_default("rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            # every rank derives the same permutation from (seed, epoch), with no communication
            rng = np.random.default_rng((self.seed + self.epoch) & 0xFFFF_FFFF_FFFF_FFFF)
            indices = rng.permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch that seeds the next shuffle (all ranks must pass the same value)."""
        self.epoch = epoch
