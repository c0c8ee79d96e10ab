"""DataLoader in-process behaviour: batches and order equal to torch's, len() equal to torch's, argument
checks with torch's types and messages, shuffling invariants, and a few fixed 2-worker cases."""
from __future__ import annotations

import itertools
import multiprocessing as mp

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_same, raises_like, run_both

import ember
import ember.utils.data as edata
from ember.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    get_worker_info,
)
from ember.utils.data.distributed import DistributedSampler


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"x": np.full((2, 3), i, np.float32), "y": i, "pair": (i * 0.5, np.int64(i))}


class Index(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


class Stream(IterableDataset):
    def __init__(self, n, length=True):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def _torch_stream(torch, n):
    methods = {"__iter__": Stream.__iter__, "__len__": Stream.__len__, "__init__": Stream.__init__}
    cls = type("TStream", (torch.utils.data.IterableDataset,), methods)
    return cls(n)


@pytest.mark.parametrize("n,bs,drop_last", [(10, 3, False), (10, 3, True), (7, 7, False), (5, 1, True)])
def test_batches_equal_torch_sequential(torch, n, bs, drop_last):
    ds = Squares(n)
    assert_same(list(DataLoader(ds, batch_size=bs, drop_last=drop_last)),
                list(torch.utils.data.DataLoader(ds, batch_size=bs, drop_last=drop_last)), rtol=0, atol=0)


def test_batch_size_none_and_batch_sampler_equal_torch(torch):
    ds = Squares(4)
    assert_same(list(DataLoader(ds, batch_size=None)), list(torch.utils.data.DataLoader(ds, batch_size=None)),
                rtol=0, atol=0)
    bsamp = [[3, 0], [1], [2, 2]]
    assert_same(list(DataLoader(ds, batch_sampler=bsamp)),
                list(torch.utils.data.DataLoader(ds, batch_sampler=bsamp)), rtol=0, atol=0)
    seq = SequentialSampler(ds)
    assert_same(list(DataLoader(ds, sampler=seq, batch_size=3)),
                list(torch.utils.data.DataLoader(ds, sampler=seq, batch_size=3)), rtol=0, atol=0)


def test_iterable_dataset_equal_torch(torch):
    for bs, dl in [(3, False), (3, True), (None, False)]:
        assert_same(list(DataLoader(Stream(8), batch_size=bs, drop_last=dl)),
                    list(torch.utils.data.DataLoader(_torch_stream(torch, 8), batch_size=bs, drop_last=dl)),
                    rtol=0, atol=0)


def _configs():
    for n, bs, dl, kind in itertools.product([0, 1, 7, 64, 65], [None, 1, 3, 64], [False, True],
                                             ["map", "iter", "sampler", "batch_sampler"]):
        if bs is None and dl:
            continue
        yield n, bs, dl, kind


def test_len_equals_torch(torch):
    for n, bs, dl, kind in _configs():
        kw = {"batch_size": bs, "drop_last": dl}
        if kind == "map":
            e, t = Index(n), Index(n)
        elif kind == "iter":
            e, t = Stream(n), _torch_stream(torch, n)
        elif kind == "sampler":
            e, t = Index(n), Index(n)
            kw["sampler"] = list(range(n // 2))
        else:
            e, t = Index(n), Index(n)
            kw = {"batch_sampler": BatchSampler(range(n), bs or 2, dl)}
        assert len(DataLoader(e, **kw)) == len(torch.utils.data.DataLoader(t, **kw)), (n, bs, dl, kind)
    with pytest.raises(TypeError):
        len(DataLoader(IterableDataset()))


def test_indexing_a_dataloader_is_a_type_error():
    loader = DataLoader(Index(4), batch_size=2)
    with pytest.raises(TypeError, match="DataLoader"):
        loader[0]
    x = next(iter(loader))  # the seed article's idiom
    assert x.tolist() == [0, 1]
    it = iter(loader)
    assert iter(it) is it and len(it) == 2


BAD_ARGS = [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True), dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True), dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="nope"), dict(num_workers=1, multiprocessing_context=3),
]


@pytest.mark.parametrize("kw", BAD_ARGS, ids=[str(k) for k in BAD_ARGS])
def test_bad_arguments_match_torch(torch, kw):
    raises_like(torch, lambda L: L.utils.data.DataLoader(Index(4), **kw), exc="message")


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_option_errors_match_torch(torch, kw):
    with pytest.raises(ValueError) as want:
        torch.utils.data.DataLoader(_torch_stream(torch, 3), **kw)
    with pytest.raises(ValueError) as got:
        DataLoader(Stream(3), **kw)
    assert str(got.value).split(" but got")[0] == str(want.value).split(" but got")[0]


def test_no_reassignment_after_init():
    loader = DataLoader(Index(4))
    for attr in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset", "persistent_workers"):
        msg = f"{attr} attribute should not be set after DataLoader is initialized"
        with pytest.raises(ValueError, match=msg):
            setattr(loader, attr, None)
    loader.num_workers = 0  # allowed, as in torch


def test_shuffle_epochs_are_distinct_permutations():
    loader = DataLoader(Index(50), batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(0))
    epochs = [np.concatenate([b.numpy() for b in loader]).tolist() for _ in range(3)]
    for e in epochs:
        assert sorted(e) == list(range(50))
    assert epochs[0] != epochs[1] != epochs[2]
    again = DataLoader(Index(50), batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(0))
    assert np.concatenate([b.numpy() for b in again]).tolist() == epochs[0]


@given(n=st.integers(0, 40), bs=st.integers(1, 12), drop_last=st.booleans(), shuffle=st.booleans())
def test_every_index_once_property(n, bs, drop_last, shuffle):
    if n == 0 and shuffle:  # torch's RandomSampler refuses an empty dataset too
        with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
            DataLoader(Index(n), batch_size=bs, shuffle=True)
        return
    loader = DataLoader(Index(n), batch_size=bs, drop_last=drop_last, shuffle=shuffle)
    batches = [b.tolist() for b in loader]
    flat = [i for b in batches for i in b]
    assert len(batches) == len(loader)
    assert len(flat) == len(set(flat))
    expected = (n // bs) * bs if drop_last else n
    assert len(flat) == expected and set(flat) <= set(range(n))
    assert all(len(b) == bs for b in batches[:-1]) and (not drop_last or all(len(b) == bs for b in batches))
    if not shuffle:
        assert flat == list(range(expected))


@pytest.mark.parametrize("n,bs,drop_last,shuffle,in_order", [(23, 4, False, True, True),
                                                              (23, 4, True, False, True),
                                                              (9, 2, False, True, False)])
def test_every_index_once_two_workers(n, bs, drop_last, shuffle, in_order):
    g = ember.Generator().manual_seed(1)
    loader = DataLoader(Index(n), batch_size=bs, drop_last=drop_last, shuffle=shuffle, num_workers=2,
                        generator=g, in_order=in_order)
    flat = [i for b in loader for i in b.tolist()]
    expected = (n // bs) * bs if drop_last else n
    assert len(flat) == expected == len(set(flat))
    if in_order:  # the same order as the single-process loader with the same seed
        single = DataLoader(Index(n), batch_size=bs, drop_last=drop_last, shuffle=shuffle,
                            generator=ember.Generator().manual_seed(1))
        assert flat == [i for b in single for i in b.tolist()]
    assert mp.active_children() == []


def test_iterable_dataset_two_workers_sharded():
    out = sorted(i for b in DataLoader(Stream(11), batch_size=3, num_workers=2) for i in b.tolist())
    assert out == list(range(11))
    assert mp.active_children() == []


def test_random_sampler_in_loader_uses_loader_generator():
    a = [b.tolist() for b in DataLoader(Index(10), batch_size=5, sampler=RandomSampler(
        Index(10), generator=ember.Generator().manual_seed(2)))]
    b = [b.tolist() for b in DataLoader(Index(10), batch_size=5, sampler=RandomSampler(
        Index(10), generator=ember.Generator().manual_seed(2)))]
    assert a == b


def test_single_process_errors_propagate_with_index_note():
    class Bad(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 4:
                raise KeyError("missing")
            return i
    with pytest.raises(KeyError) as e:
        list(DataLoader(Bad(), batch_size=3))
    assert any("dataset index 4" in n for n in getattr(e.value, "__notes__", ["dataset index 4"]))


class ListBacked(Dataset):
    def __init__(self):
        self.names = [f"file_{i}" for i in range(100_000)]

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return len(self.names[i])


def test_copy_on_read_warning_for_big_python_lists():
    with pytest.warns(UserWarning, match="'names' is a Python list of 100000 items.*NumPy arrays"):
        out = [b.tolist() for b in DataLoader(ListBacked(), batch_size=2, num_workers=1)]
    assert out == [[6, 6], [6, 6]]


class SlowFirst(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i < 2:
            import time
            time.sleep(0.2)
        return i


def test_in_order_false_yields_ready_batches_first_and_persists():
    loader = DataLoader(SlowFirst(), batch_size=2, num_workers=2, in_order=False, persistent_workers=True)
    for _ in range(2):
        batches = [b.tolist() for b in loader]
        assert sorted(i for b in batches for i in b) == list(range(12))
        assert batches[0] != [0, 1]  # the slow first batch did not hold the others back
    ordered = [b.tolist() for b in DataLoader(SlowFirst(), batch_size=2, num_workers=2)]
    assert ordered == [[2 * k, 2 * k + 1] for k in range(6)]
    del loader


def test_persistent_iterable_dataset_restarts_each_epoch():
    loader = DataLoader(Stream(11), batch_size=3, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(i for b in loader for i in b.tolist()) == list(range(11))


def test_prefetch_factor_bounds_outstanding_tasks():
    loader = DataLoader(Index(100), batch_size=2, num_workers=2, prefetch_factor=3)
    it = iter(loader)
    assert len(it._task_info) == it._send_idx == 6  # batches sent and not yet yielded
    next(it)
    assert len(it._task_info) == 6 and it._send_idx == 7  # one yielded, one more sent
    it._shutdown_workers()
    assert mp.active_children() == []


def test_tensor_dataset_batches_equal_torch(torch):
    x = np.random.default_rng(0).random((23, 3, 2), dtype=np.float32)
    y = np.arange(23)
    eds = ember.utils.data.TensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    tds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    for kw in (dict(batch_size=5), dict(batch_size=5, drop_last=True), dict(batch_size=None)):
        assert_same(list(DataLoader(eds, **kw)), list(torch.utils.data.DataLoader(tds, **kw)), rtol=0, atol=0)
    # through a Subset (random_split), a custom collate_fn, and two workers
    sub = ember.utils.data.Subset(eds, [4, 0, 22])
    tsub = torch.utils.data.Subset(tds, [4, 0, 22])
    assert_same(list(DataLoader(sub, batch_size=2)), list(torch.utils.data.DataLoader(tsub, batch_size=2)),
                rtol=0, atol=0)
    seen = DataLoader(eds, batch_size=4, collate_fn=lambda b: [(type(s).__name__, len(s)) for s in b])
    assert next(iter(seen)) == [("tuple", 2)] * 4
    assert_same(list(DataLoader(eds, batch_size=5, num_workers=2)),
                list(torch.utils.data.DataLoader(tds, batch_size=5)), rtol=0, atol=0)
    with pytest.raises(IndexError, match="out of bounds"):
        eds.__getitems__([0, 23])


def test_tensor_dataset_batch_list_edits_are_respected():
    from ember.utils.data import default_collate
    eds = ember.utils.data.TensorDataset(ember.arange(6.0).view(3, 2), ember.arange(3))
    batch = eds.__getitems__([0, 1])
    batch[0][0].add_(10)  # in place on a sample: visible in the batch
    assert default_collate(batch)[0].tolist() == [[10.0, 11.0], [2.0, 3.0]]
    batch.append(eds[2])  # the list changed: collate the samples as they are now
    assert default_collate(batch)[1].tolist() == [0, 1, 2]
    w = ember.ones(3, 2, requires_grad=True)
    gb = ember.utils.data.TensorDataset(w).__getitems__([0, 2])
    out = default_collate(gb)[0]
    out.sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]


# ---- options, len() and argument conflicts, compared with torch.utils.data (the result, or the exception type
# and message) --------------------------------------------------------------------------------------------------

class Numbers:
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return i


def _stream(m, n, shard):
    class Stream(m.IterableDataset):
        def __iter__(self):
            info = m.get_worker_info()
            if shard and info is not None:
                return iter(range(info.id, n, info.num_workers))
            return iter(range(n))

        def __len__(self):
            return n

    return Stream()


def _lists(loader):
    return [b.tolist() if hasattr(b, "tolist") else b for b in loader]


def _seq_bs(m, bs=2):
    return m.BatchSampler(m.SequentialSampler(Numbers()), bs, False)


LOADER_CASES = [
    ("index_loader", lambda L, m: m.DataLoader(Numbers())[0]),
    ("next_iter", lambda L, m: next(iter(m.DataLoader(Numbers(), batch_size=4))).tolist()),
    ("len_iterable", lambda L, m: len(m.DataLoader(_stream(m, 10, False), batch_size=3))),
    ("len_iterable_drop_last", lambda L, m: len(m.DataLoader(_stream(m, 10, False), batch_size=3,
                                                             drop_last=True))),
    ("len_iterable_no_batching", lambda L, m: len(m.DataLoader(_stream(m, 10, False), batch_size=None))),
    ("iterable_batches", lambda L, m: _lists(m.DataLoader(_stream(m, 10, False), batch_size=3))),
    ("iterable_drop_last", lambda L, m: _lists(m.DataLoader(_stream(m, 10, False), batch_size=3,
                                                            drop_last=True))),
    ("iterable_no_batching", lambda L, m: _lists(m.DataLoader(_stream(m, 4, False), batch_size=None))),
    ("len_drop_last", lambda L, m: len(m.DataLoader(Numbers(), batch_size=3, drop_last=True))),
    ("len_keep_last", lambda L, m: len(m.DataLoader(Numbers(), batch_size=3))),
    ("drop_last_batches", lambda L, m: _lists(m.DataLoader(Numbers(), batch_size=3, drop_last=True))),
    ("iterator_len", lambda L, m: len(iter(m.DataLoader(Numbers(), batch_size=3)))),
    ("no_batching_items", lambda L, m: [type(b).__name__ for b in m.DataLoader(Numbers(), batch_size=None)]),
    ("no_batching_len", lambda L, m: len(m.DataLoader(Numbers(), batch_size=None))),
    ("no_batching_drop_last", lambda L, m: m.DataLoader(Numbers(), batch_size=None, drop_last=True)),
    ("sampler_and_shuffle", lambda L, m: m.DataLoader(Numbers(), sampler=m.SequentialSampler(Numbers()),
                                                      shuffle=True)),
    ("sampler_and_shuffle_false", lambda L, m: len(m.DataLoader(Numbers(), shuffle=False,
                                                                sampler=m.SequentialSampler(Numbers())))),
    ("batch_sampler_and_batch_size", lambda L, m: m.DataLoader(Numbers(), batch_sampler=_seq_bs(m),
                                                               batch_size=3)),
    ("batch_sampler_and_shuffle", lambda L, m: m.DataLoader(Numbers(), batch_sampler=_seq_bs(m),
                                                            shuffle=True)),
    ("batch_sampler_and_drop_last", lambda L, m: m.DataLoader(Numbers(), batch_sampler=_seq_bs(m),
                                                              drop_last=True)),
    ("batch_sampler_and_sampler", lambda L, m: m.DataLoader(Numbers(), batch_sampler=_seq_bs(m),
                                                            sampler=[0])),
    ("batch_sampler_len", lambda L, m: len(m.DataLoader(Numbers(), batch_sampler=_seq_bs(m, 3)))),
    ("iterable_and_shuffle", lambda L, m: m.DataLoader(_stream(m, 4, False), shuffle=True)),
    ("iterable_and_sampler", lambda L, m: m.DataLoader(_stream(m, 4, False), sampler=[0, 1])),
    ("iterable_and_batch_sampler", lambda L, m: m.DataLoader(_stream(m, 4, False),
                                                             batch_sampler=[[0, 1]])),
    ("batch_size_zero", lambda L, m: m.DataLoader(Numbers(), batch_size=0)),
    ("batch_size_bool", lambda L, m: m.DataLoader(Numbers(), batch_size=True)),
    ("set_batch_size", lambda L, m: setattr(m.DataLoader(Numbers()), "batch_size", 3)),
    ("random_sampler_num_samples", lambda L, m: m.RandomSampler(Numbers(), num_samples=0)),
    ("random_sampler_len", lambda L, m: len(m.RandomSampler(Numbers(), num_samples=25))),
    ("weighted_num_samples", lambda L, m: m.WeightedRandomSampler([1.0, 2.0], num_samples=0)),
    ("distributed_lens", lambda L, m: [len(DS(m)(range(10), num_replicas=3, rank=r)) for r in range(3)]),
    ("distributed_lens_drop_last", lambda L, m: [len(DS(m)(range(10), num_replicas=3, rank=r, drop_last=True))
                                                 for r in range(3)]),
    ("distributed_order", lambda L, m: [list(DS(m)(range(10), num_replicas=3, rank=r, shuffle=False))
                                        for r in range(3)]),
    ("distributed_bad_rank", lambda L, m: DS(m)(range(10), num_replicas=3, rank=3)),
]


def DS(m):
    if m is edata:
        return DistributedSampler
    import torch.utils.data.distributed
    return torch.utils.data.distributed.DistributedSampler


@pytest.mark.parametrize("name,fn", LOADER_CASES, ids=[c[0] for c in LOADER_CASES])
def test_loader_options_match_torch(torch, name, fn):
    want = run_both(torch, lambda L: fn(L, L.utils.data), rtol=0, atol=0, exc="message")
    if name == "index_loader":
        assert isinstance(want, TypeError)


@pytest.mark.parametrize("n,bs,drop_last,shard,nw", [
    (10, 3, False, True, 2), (10, 3, True, True, 2), (7, 2, False, False, 2), (10, None, False, True, 2),
])
def test_iterable_dataset_with_workers_matches_torch(torch, n, bs, drop_last, shard, nw):
    run_both(torch, lambda L: _lists(L.utils.data.DataLoader(_stream(L.utils.data, n, shard), batch_size=bs,
                                                             drop_last=drop_last, num_workers=nw, timeout=20)),
             rtol=0, atol=0)


def test_generator_controls_shuffling():
    def order(seed, nw=0):
        g = ember.Generator().manual_seed(seed)
        return _lists(edata.DataLoader(Numbers(), batch_size=4, shuffle=True, generator=g, num_workers=nw,
                                       timeout=20 if nw else 0))

    a = order(7)
    assert a == order(7) and a != order(8)
    assert sorted(sum(a, [])) == list(range(10))
    assert order(7, nw=2) == a  # workers do not change the sampler's order
    g = ember.Generator().manual_seed(7)
    loader = edata.DataLoader(Numbers(), batch_size=4, shuffle=True, generator=g)
    e1, e2 = _lists(loader), _lists(loader)
    assert e1 == a and e2 != e1 and sorted(sum(e2, [])) == list(range(10))
    ember.manual_seed(3)
    b = _lists(edata.DataLoader(Numbers(), batch_size=4, shuffle=True))
    ember.manual_seed(3)
    assert _lists(edata.DataLoader(Numbers(), batch_size=4, shuffle=True)) == b


def test_persistent_workers_follow_set_epoch():
    class Twenty(Numbers):
        def __len__(self):
            return 20

    sampler = DistributedSampler(Twenty(), num_replicas=2, rank=0, seed=3)
    ref = DistributedSampler(Twenty(), num_replicas=2, rank=0, seed=3)
    loader = edata.DataLoader(Twenty(), batch_size=3, sampler=sampler, num_workers=2, persistent_workers=True,
                              timeout=20)
    first = iter(loader)
    seen = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        ref.set_epoch(epoch)
        got = sum(_lists(loader), [])
        assert got == list(ref)
        seen.append(got)
    assert seen[0] != seen[1] != seen[2]
    assert iter(loader) is first  # the same workers serve every epoch
    it = iter(loader)
    next(it)  # abandon an epoch early: its in-flight batches must not leak into the next one
    assert sum(_lists(loader), []) == list(ref)
    first._shutdown_workers()
