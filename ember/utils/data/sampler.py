"""Samplers: iterables of dataset indices (or, for BatchSampler, of lists of indices)."""
from __future__ import annotations

import itertools
from typing import Iterator, Sequence

import numpy as np

from ember._tensor import Tensor
from ember._tensor_base import _wrap
from ember.random import _gen

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    """Base class: subclasses define `__iter__` (and `__len__` when they can).

    Matches `torch.utils.data.Sampler`.
    """

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


def _fresh_np_generator(generator) -> np.random.Generator:
    # NOTE: without an explicit generator, draw one seed from ember's default generator and make a private
    # stream, as torch does: the epoch's order is fixed by one draw, whatever else then consumes the
    # default stream.
    if generator is None:
        return np.random.default_rng(int(_gen(None).integers(0, 2 ** 63 - 1)))
    return _gen(generator)


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1. Matches `torch.utils.data.SequentialSampler`."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation (or `num_samples` draws with replacement).

    Matches `torch.utils.data.RandomSampler`.

    Orders come from ember's generators, so they differ from torch's for the same seed.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        ns = self.num_samples
        if not isinstance(ns, int) or isinstance(ns, bool) or ns <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={ns}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        gen = _fresh_np_generator(self.generator)
        k = self.num_samples
        if self.replacement:
            yield from gen.integers(0, n, size=k).tolist()
            return
        for _ in range(k // n):
            yield from gen.permutation(n).tolist()
        if k % n:
            yield from gen.permutation(n)[:k % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in random order. Matches `torch.utils.data.SubsetRandomSampler`."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        perm = _gen(self.generator).permutation(len(self.indices)).tolist()
        indices = self.indices
        for i in perm:
            yield indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probabilities proportional to `weights`.

    Matches `torch.utils.data.WeightedRandomSampler` (same distribution, different stream).
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = _wrap(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        w = self.weights._data
        if (w < 0).any() or not np.isfinite(w).all():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0 or "
                               "inf/nan)")
        total = w.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement:
            if self.num_samples > w.shape[0]:
                raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                                   f"(num_samples={self.num_samples}, {w.shape[0]} weights)")
            if np.count_nonzero(w) < self.num_samples:
                raise RuntimeError(f"invalid multinomial distribution: only {np.count_nonzero(w)} non-zero "
                                   f"weights for {self.num_samples} samples without replacement")
        out = _gen(self.generator).choice(w.shape[0], size=self.num_samples, replace=self.replacement,
                                          p=w / total)
        yield from out.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of `batch_size`. Matches `torch.utils.data.BatchSampler`."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        it = iter(self.sampler)
        if self.drop_last:
            for batch in zip(*([it] * self.batch_size)):
                yield list(batch)
            return
        islice, bs = itertools.islice, self.batch_size
        batch = list(islice(it, bs))
        while batch:
            yield batch
            batch = list(islice(it, bs))

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class _InfiniteConstantSampler(Sampler):
    # The index "sampler" of an IterableDataset: None forever (the fetcher pulls from the dataset's iterator).
    def __iter__(self):
        while True:
            yield None
