"""Datasets: map-style (`__getitem__` + `__len__`), iterable-style (`__iter__`), and ways to combine them."""
from __future__ import annotations

import bisect
import itertools
import math
import warnings
from typing import Iterable, Sequence

import numpy as np

from ember._tensor import Tensor

from ember._tensor_base import _wrap
from ember.random import _gen, default_generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split"]


class Dataset:
    """A map-style dataset: subclasses define `__getitem__(index)` (and usually `__len__`).

    Matches `torch.utils.data.Dataset`; `a + b` builds a ConcatDataset. Define `__getitems__(indices)` to
    load a whole batch in one call (the DataLoader then uses it instead of `__getitem__`).
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define `__iter__`. Matches `torch.utils.data.IterableDataset`.

    With `num_workers > 0` every worker iterates its own copy; shard with `get_worker_info()` to avoid
    duplicates. `a + b` builds a ChainDataset.
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: "Dataset") -> "ChainDataset":
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample i is `tuple(t[i] for t in tensors)`. Matches `torch.utils.data.TensorDataset`."""

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].size(0)
        if any(t.size(0) != n for t in tensors):
            sizes = [tuple(t.shape) for t in tensors]
            raise AssertionError(f"Size mismatch between tensors: shapes {sizes} differ in their first "
                                 f"dimension")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: list) -> list:
        # One gather per tensor instead of one indexing op per sample and tensor; default_collate then uses
        # the gathered columns as the batch (see _StackedBatch). Tensors that require grad take the
        # per-sample path so that autograd sees the indexing.
        tensors = self.tensors
        if any(type(t) is not Tensor or t._rg for t in tensors):
            return [tuple(t[i] for t in tensors) for i in indices]
        try:
            idx = np.asarray(indices, dtype=np.int64)
        except (TypeError, ValueError):
            return [tuple(t[i] for t in tensors) for i in indices]
        n = tensors[0]._data.shape[0]
        if idx.ndim != 1 or (idx.size and (idx.max() >= n or idx.min() < -n)):
            bad = next(int(i) for i in idx.reshape(-1) if not -n <= i < n) if idx.size else indices
            raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        columns = [t._data[idx] for t in tensors]
        batch = _StackedBatch(zip(*[list(map(_wrap, c)) for c in columns]))
        batch.columns = columns
        return batch

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class _StackedBatch(list):
    """The samples of one batch (a plain list of tuples to any collate_fn) that also carries the batch
    already stacked per field, which default_collate returns instead of stacking the samples again. The
    samples are views into those columns, so in-place edits of a sample show; any change to the list itself
    drops the columns."""

    __slots__ = ("columns",)


def _dropping_columns(name):
    base = getattr(list, name)

    def method(self, *args, **kwargs):
        self.columns = None
        return base(self, *args, **kwargs)
    method.__name__ = name
    return method


for _name in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend", "insert", "pop",
              "remove", "sort", "reverse", "clear"):
    setattr(_StackedBatch, _name, _dropping_columns(_name))
del _name


class StackDataset(Dataset):
    """Zip datasets of equal length: positional ones give tuples, keyword ones give dicts.

    Matches `torch.utils.data.StackDataset`.
    """

    def __init__(self, *args, **kwargs) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or ``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args) if args else list(kwargs.values())
        self._length = len(parts[0])
        if any(len(d) != self._length for d in parts):
            raise ValueError(f"Size mismatch between datasets: lengths {[len(d) for d in parts]}")
        self.datasets = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list):
        columns = {}
        items = self.datasets.items() if isinstance(self.datasets, dict) else enumerate(self.datasets)
        for key, d in items:
            getitems = getattr(d, "__getitems__", None)
            if callable(getitems):
                col = getitems(indices)
                if len(col) != len(indices):
                    raise ValueError(f"Nested dataset's output size mismatch. Expected {len(indices)}, "
                                     f"got {len(col)}")
            else:
                col = [d[i] for i in indices]
            columns[key] = col
        if isinstance(self.datasets, dict):
            keys = list(columns)
            return [dict(zip(keys, row)) for row in zip(*columns.values())]
        return list(zip(*columns.values()))

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The concatenation of map-style datasets. Matches `torch.utils.data.ConcatDataset`."""

    @staticmethod
    def cumsum(sequence):
        return list(itertools.accumulate(len(d) for d in sequence))

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        if which >= len(self.datasets):
            raise IndexError(f"index {idx} is out of range for ConcatDataset of length {len(self)}")
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Iterable datasets chained one after another. Matches `torch.utils.data.ChainDataset`."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of `dataset` at `indices`. Matches `torch.utils.data.Subset`."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        cls = type(self)
        if cls.__getitem__ is not Subset.__getitem__ and cls.__getitems__ is Subset.__getitems__:
            raise NotImplementedError(
                f"{cls.__name__} overrides __getitem__ but not __getitems__. When subclassing Subset and "
                "overriding __getitem__, you must also override __getitems__ so the DataLoader sees your "
                "logic, e.g.\n\ndef __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]")

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        mapped = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(mapped)
        d = self.dataset
        return [d[i] for i in mapped]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator=default_generator) -> list[Subset]:
    """Split into non-overlapping random Subsets of the given lengths, or of the given fractions (summing to
    1; the remainder is spread round-robin). Matches `torch.utils.data.random_split`.

    The permutation comes from ember's generator, so it differs from torch's for the same seed.
    """
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of the input "
                         f"dataset ({n})!")
    perm = _gen(generator).permutation(n).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + length]))
        offset += length
    return out
