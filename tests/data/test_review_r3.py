"""Second review of ember.utils.data (helper R3): seed-article behaviours, len() and batching options,
argument conflicts, generator-controlled shuffling, persistent workers with DistributedSampler.set_epoch, and
the worker result transport. Cases are compared with torch.utils.data where torch defines the behaviour."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.utils.data as edata
from ember.utils.data.distributed import DistributedSampler


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


# (name, fn(lib, data_module)): the result, or the exception type and message, must equal torch's
CASES = [
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


def _outcome(fn, lib, m):
    try:
        return "ok", fn(lib, m)
    except Exception as e:
        return type(e).__name__, str(e)


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_loader_behaviour_matches_torch(torch, name, fn):
    import torch.utils.data as tdata
    got, want = _outcome(fn, ember, edata), _outcome(fn, torch, tdata)
    if name == "index_loader":
        assert want[0] == "TypeError"
    assert got == want


@pytest.mark.parametrize("n,bs,drop_last,shard,nw", [
    (10, 3, False, True, 2), (10, 3, True, True, 2), (7, 2, False, False, 2), (10, None, False, True, 2),
])
def test_iterable_dataset_with_workers_matches_torch(torch, n, bs, drop_last, shard, nw):
    import torch.utils.data as tdata
    got = [_lists(edata.DataLoader(_stream(edata, n, shard), batch_size=bs, drop_last=drop_last,
                                   num_workers=nw, timeout=20))]
    want = [_lists(tdata.DataLoader(_stream(tdata, n, shard), batch_size=bs, drop_last=drop_last,
                                    num_workers=nw, timeout=20))]
    assert got == want


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


def test_result_transport_out_of_band_round_trip():
    # NOTE [ Result pipes ]: arrays travel as raw out-of-band buffers; values, dtypes, layouts and
    # writability must survive, and a writer that dies mid-batch must read as EOF, not block
    import multiprocessing as mp
    import threading

    from ember.utils.data._utils import worker as W
    from ember._tensor import Tensor
    W._ForkingPickler.register(Tensor, W._reduce_tensor)
    rng = np.random.default_rng(0)
    batch = {"img": ember.from_numpy(rng.random((64, 3, 33, 31), dtype=np.float32)),  # 785 KB
             "f": ember.from_numpy(np.asfortranarray(rng.random((50, 70)))),
             "strided": ember.from_numpy(np.arange(600, dtype=np.int16).reshape(20, 30)[:, ::3]),
             "label": ember.tensor([1, 2, 3]), "np": np.arange(10, dtype=np.uint8), "s": ["a", "b"],
             "grad": ember.ones(3, requires_grad=True)}
    r, w = W._big_pipe(mp.get_context())
    sender = threading.Thread(target=W._send_result, args=(w, 1, 7, batch, "here"))
    sender.start()
    epoch, idx, got = W._recv_result(r)
    sender.join()
    assert (epoch, idx) == (1, 7)
    for k in ("img", "f", "strided", "label", "grad"):
        assert got[k].dtype == batch[k].dtype and got[k].shape == batch[k].shape
        np.testing.assert_array_equal(got[k].detach().numpy(), batch[k].detach().numpy())
    assert got["grad"].requires_grad
    np.testing.assert_array_equal(got["np"], batch["np"])
    assert got["s"] == ["a", "b"]
    got["img"].add_(1)  # the received batch owns writable memory
    # half a message, then the writer is gone
    head, views = W._encode((1, 8, batch))
    w.send_bytes(head)
    import os
    os.write(w.fileno(), views[0][:1000])
    w.close()
    with pytest.raises((EOFError, OSError)):
        W._recv_result(r)
    r.close()
