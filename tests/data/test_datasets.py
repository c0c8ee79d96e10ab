"""Datasets and samplers: the seed article's examples, torch parity where orders are defined, invariants where
they are random (ember's streams differ from torch's)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, Dataset, DistributedSampler,
                              IterableDataset, RandomSampler, SequentialSampler, StackDataset, Subset,
                              SubsetRandomSampler, TensorDataset, WeightedRandomSampler, random_split)


class Numbers(Dataset):  # the seed article's dataset
    def __init__(self, x, y):
        self.data = x
        self.labels = y

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return (self.data[i], self.labels[i])


class ExampleLoader:  # the seed article's iterator
    def __init__(self, data):
        self.data = iter(data)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.data)


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_seed_numbers_dataset():
    dataset = Numbers([1, 2, 3], [0, 1, 0])
    assert len(dataset) == 3
    assert dataset[0] == (1, 0)
    loader = ExampleLoader([1, 2, 3])
    assert next(iter(loader)) == 1
    assert next(loader) == 2
    # ExampleLoader over a DataLoader: the iterator protocol composes
    dl = ember.utils.data.DataLoader(dataset, batch_size=2)
    x, y = next(ExampleLoader(dl))
    assert x.tolist() == [1, 2] and y.tolist() == [0, 1]


def test_base_dataset_errors():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())


def test_tensor_dataset(torch):
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    ds = TensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    tds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    assert len(ds) == len(tds) == 6
    for i in (0, 5, -1):
        a, b = ds[i]
        ta, tb = tds[i]
        np.testing.assert_array_equal(a.numpy(), ta.numpy())
        assert b.item() == tb.item()
    with pytest.raises(AssertionError):
        TensorDataset(ember.zeros(3), ember.zeros(4))


def test_concat_and_add(torch):
    a, b = Numbers([1, 2], [0, 0]), Numbers([3, 4, 5], [1, 1, 1])
    cat = a + b
    assert isinstance(cat, ConcatDataset)
    tcat = torch.utils.data.ConcatDataset([a, b])
    assert len(cat) == len(tcat) == 5
    assert cat.cumulative_sizes == tcat.cumulative_sizes
    assert [cat[i] for i in range(-5, 5)] == [tcat[i] for i in range(-5, 5)]
    with pytest.raises(ValueError):
        cat[-6]
    with pytest.raises(AssertionError):
        ConcatDataset([])
    with pytest.raises(AssertionError):
        ConcatDataset([Stream(3)])


def test_chain_dataset():
    ch = Stream(2) + Stream(3)
    assert isinstance(ch, ChainDataset)
    assert list(ch) == [0, 1, 0, 1, 2] and len(ch) == 5
    with pytest.raises(AssertionError):
        list(ChainDataset([Numbers([1], [1])]))


def test_subset_and_stack(torch):
    base = Numbers(list(range(10)), list(range(10, 20)))
    sub = Subset(base, [7, 2, 5])
    assert len(sub) == 3 and sub[0] == (7, 17) and sub.__getitems__([2, 1]) == [(5, 15), (2, 12)]
    st = StackDataset(base, Numbers(list("abcdefghij"), [0] * 10))
    tst = torch.utils.data.StackDataset(base, Numbers(list("abcdefghij"), [0] * 10))
    assert st[3] == tst[3] and st.__getitems__([1, 4]) == tst.__getitems__([1, 4])
    sd = StackDataset(a=base, b=sub.dataset)
    assert sd[2] == {"a": (2, 12), "b": (2, 12)} and sd.__getitems__([0]) == [{"a": (0, 10), "b": (0, 10)}]
    with pytest.raises(ValueError):
        StackDataset(base, Numbers([1], [1]))
    with pytest.raises(ValueError):
        StackDataset()

    class Bad(Subset):
        def __getitem__(self, i):
            return 0
    with pytest.raises(NotImplementedError, match="__getitems__"):
        Bad(base, [0])


@pytest.mark.parametrize("lengths,expected", [([3, 7], [3, 7]), ([0.3, 0.7], [3, 7]),
                                              ([0.5, 0.25, 0.25], [6, 2, 2]), ([1 / 3] * 3, [4, 3, 3])])
def test_random_split_sizes(torch, lengths, expected):
    base = Numbers(list(range(10)), [0] * 10)
    parts = random_split(base, lengths, generator=ember.Generator().manual_seed(0))
    tparts = torch.utils.data.random_split(base, lengths, generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in tparts] == expected
    allidx = sorted(i for p in parts for i in p.indices)
    assert allidx == list(range(10))
    again = random_split(base, lengths, generator=ember.Generator().manual_seed(0))
    assert [p.indices for p in again] == [p.indices for p in parts]


def test_random_split_errors():
    base = Numbers(list(range(10)), [0] * 10)
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(base, [3, 3])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(base, [1.5, -0.5])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        random_split(Numbers([1, 2], [0, 0]), [0.05, 0.05, 0.9])
    assert any("Length of split at index 1 is 0" in str(x.message) for x in w)


def test_sequential_and_batch_sampler_match_torch(torch):
    for n, bs, dl in [(10, 3, False), (10, 3, True), (9, 3, True), (1, 4, False), (0, 2, False)]:
        s = BatchSampler(SequentialSampler(range(n)), bs, dl)
        ts = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), bs, dl)
        assert list(s) == list(ts) and len(s) == len(ts)
    for bad in (0, -1, True, 2.0):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 1)


def test_random_sampler():
    g = ember.Generator().manual_seed(3)
    s = RandomSampler(range(20), generator=g)
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(20)) and a != b and len(s) == 20
    assert list(RandomSampler(range(20), generator=ember.Generator().manual_seed(3))) == a
    ember.manual_seed(5)
    c = list(RandomSampler(range(20)))
    ember.manual_seed(5)
    assert list(RandomSampler(range(20))) == c
    r = list(RandomSampler(range(5), replacement=True, num_samples=50, generator=g))
    assert len(r) == 50 and set(r) <= set(range(5))
    over = list(RandomSampler(range(5), num_samples=12, generator=g))
    assert len(over) == 12 and sorted(over[:5]) == list(range(5)) and sorted(over[5:10]) == list(range(5))
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler([])


def test_subset_and_weighted_samplers():
    g = ember.Generator().manual_seed(1)
    s = SubsetRandomSampler([10, 20, 30, 40], generator=g)
    assert sorted(s) == [10, 20, 30, 40] and len(s) == 4
    w = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 400, generator=g)
    draws = np.array(list(w))
    assert len(w) == 400 and set(draws.tolist()) <= {1, 3}
    assert 0.65 < (draws == 3).mean() < 0.85  # p = 0.75
    nr = list(WeightedRandomSampler([1.0, 1.0, 1.0, 1.0], 4, replacement=False, generator=g))
    assert sorted(nr) == [0, 1, 2, 3]
    assert w.weights.dtype == ember.float64
    with pytest.raises(RuntimeError):
        list(WeightedRandomSampler([1.0, 1.0], 3, replacement=False))
    with pytest.raises(RuntimeError):
        list(WeightedRandomSampler([-1.0, 1.0], 3))
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 3)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement"):
        WeightedRandomSampler([1.0], 1, replacement=None)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 4, False),
                                                  (11, 4, True)])
def test_distributed_sampler(torch, n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TDS
    ds = list(range(n))
    shards = []
    for rank in range(replicas):
        s = DistributedSampler(ds, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        ts = TDS(ds, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(s) == list(ts) and len(s) == len(ts)
        sh = DistributedSampler(ds, num_replicas=replicas, rank=rank, shuffle=True, seed=7,
                                drop_last=drop_last)
        e0 = list(sh)
        sh.set_epoch(1)
        e1 = list(sh)
        assert len(e0) == len(e1) == len(ts)
        shards.append((e0, e1))
    for k in range(2):
        union = [i for sh in shards for i in sh[k]]
        if drop_last:
            assert len(set(union)) == len(union)
        else:
            assert set(union) == set(ds)
    if n > replicas:
        assert shards[0][0] != shards[0][1] or n <= 3  # a new epoch reshuffles


def test_distributed_sampler_errors():
    with pytest.raises(ValueError, match="Invalid rank 3"):
        DistributedSampler(range(4), num_replicas=2, rank=3)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):   # as torch
        DistributedSampler(range(4))
