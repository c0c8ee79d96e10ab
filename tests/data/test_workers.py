"""Worker-process robustness: each scenario of _worker_scenarios.py runs in its own interpreter under a
timeout, so a hang or a crash fails the test instead of hanging CI; children are counted from /proc."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import ember

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker_scenarios.py")
TIMEOUT = 40.0

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts children through /proc")


SCENARIOS = ["getitem_error", "key_error", "two_arg_error", "local_error", "collate_error",
             "unpicklable_result", "sigkill", "timeout", "break_early", "keyboard_interrupt", "parent_dies",
             "seeds", "persistent", "spawn", "init_errors", "worker_info", "shm", "rss",
             "sigkill_mid_send", "stack_error", "persistent_dead_worker"]
_pool = None
_futures = {}


def _launch(name):
    p = subprocess.Popen([sys.executable, SCRIPT, name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.communicate()
        return None, f"scenario {name} hung for {TIMEOUT}s"
    return out, err


def run(name, copy=0):
    """The JSON report of a scenario. The first call starts every scenario, a few at a time in parallel
    (most of their time is spent waiting), so the module costs a fraction of running them in turn."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=4)
        for key in [(n, 0) for n in SCENARIOS] + [("seeds", 1)]:
            _futures[key] = _pool.submit(_launch, key[0])
    fut = _futures.pop((name, copy), None) or _pool.submit(_launch, name)
    out, err = fut.result()
    if out is None:
        pytest.fail(err)
    lines = out.strip().splitlines()
    assert lines, f"scenario {name} printed nothing; stderr:\n{err}"
    res = json.loads(lines[-1])
    assert "crash" not in res, res.get("tb")
    res["stderr"] = err
    return res


def _clean(res):
    assert res["children"] == [], f"workers left behind: {res['children']}"
    assert res["reap"] < 1.0


@pytest.mark.parametrize("name,exc_type,needles", [
    ("getitem_error", "ValueError", ["in DataLoader worker process", "Traceback", "bad sample 5",
                                     "dataset index 5"]),
    ("key_error", "KeyError", ["in DataLoader worker process", "bad sample 2", "dataset index 2"]),
    # a type that cannot be rebuilt from one message: RuntimeError with the original name, never a TypeError
    ("two_arg_error", "RuntimeError", ["Caught TwoArgError", "dataset index 3"]),
    ("local_error", "RuntimeError", ["Caught LocalError", "local boom 0", "dataset index 0"]),
    ("collate_error", "TypeError", ["collate refuses", "while collating", "dataset indices [0, 1]"]),
    # a batch that cannot be pickled back: an error instead of a result lost in the queue's feeder thread
    ("unpicklable_result", "RuntimeError", ["cannot be pickled", "lock"]),
    # default_collate's shape error: torch's RuntimeError (never a private ember class), naming the field
    ("stack_error", "RuntimeError", ["Caught RuntimeError", "stack expects each tensor to be equal size",
                                     "[2] at entry 0 and [3] at entry 1 (field sample['x']"]),
])
def test_worker_exception_reraised(name, exc_type, needles):
    res = run(name)
    assert res["type"] == exc_type, res
    for needle in needles:
        assert needle in res["msg"], (needle, res["msg"])
    assert res["elapsed"] < 5
    _clean(res)


def test_stack_error_class_is_torchs():
    assert run("stack_error")["class"] == "builtins.RuntimeError"


def test_persistent_workers_after_a_worker_died():
    res = run("persistent_dead_worker")
    pids, new = res["pids"], res["new_pids"]
    # killed between epochs: the next epoch raises the mid-epoch error, the survivor is shut down
    err = res["between"]
    assert err["type"] == "RuntimeError", err
    assert f"DataLoader worker 0 (pid {pids[0]}) exited unexpectedly" in err["msg"]
    assert "SIGKILL" in err["msg"]
    assert err["children"] == [] and res["left_after_error"] == []
    # the next iter() starts fresh workers, which load the whole epoch
    assert res["data"] == list(range(64)) and set(new).isdisjoint(pids) and res["alive_between_epochs"] == 2
    # killed mid-epoch: the same error, and again fresh workers next time
    mid = res["mid"]
    assert mid["type"] == "RuntimeError" and f"(pid {new[1]}) exited unexpectedly" in mid["msg"], mid
    assert "SIGKILL" in mid["msg"] and mid["children"] == []
    assert res["data2"] == list(range(64))
    _clean(res)


def test_sigkilled_worker_is_named_with_exit_code():
    res = run("sigkill")
    assert res["type"] == "RuntimeError"
    assert "DataLoader worker" in res["msg"] and "exit code -9" in res["msg"] and "SIGKILL" in res["msg"]
    assert res["elapsed"] < 5
    _clean(res)


def test_worker_killed_while_sending_a_big_batch_raises_not_hangs():
    # NOTE [ Result pipes ]: the main process is blocked reading the dead worker's half-written message
    res = run("sigkill_mid_send")
    assert res["read_at_kill"] is not None and res["read_at_kill"] < (64 << 20), res
    assert res["type"] == "RuntimeError", res
    assert "DataLoader worker" in res["msg"] and "SIGKILL" in res["msg"], res["msg"]
    assert res["elapsed"] < 5
    _clean(res)


def test_timeout_raises_after_given_seconds():
    res = run("timeout")
    assert res["type"] == "RuntimeError" and "DataLoader timed out after 1 seconds" in res["msg"]
    assert "dataset indices [2, 3]" in res["msg"] and "stack of worker 1" in res["msg"]
    assert "in __getitem__" in res["stderr"]  # the stuck worker's stack, from its faulthandler
    assert 0.9 < res["elapsed"] < 5
    _clean(res)


def test_break_early_and_del_iterator_reaps_workers():
    res = run("break_early")
    assert res["first"] == [[0], [1], [2], [3]] and res["during"] == 2
    _clean(res)


def test_keyboard_interrupt_shuts_workers_down():
    res = run("keyboard_interrupt")
    assert res["type"] == "KeyboardInterrupt" and res["elapsed"] < 3
    _clean(res)


def test_workers_exit_when_parent_is_killed():
    res = run("parent_dies")  # the script SIGKILLs itself after printing its workers' pids
    deadline = time.monotonic() + 5
    alive = res["workers"]
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _running(pid)]
        time.sleep(0.05)
    assert alive == [], "orphaned workers survived their parent"


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_worker_seeds_distinct_and_reproducible():
    a, b = run("seeds"), run("seeds", copy=1)
    assert a["epochs"] == b["epochs"]  # run to run
    e0, e1 = a["epochs"]
    assert e0 == e1  # same ember.manual_seed -> same augmentations
    by_worker = {}
    for wid, seed, py, npr, em in e0:
        by_worker.setdefault(wid, []).append((seed, py, npr, em))
    assert sorted(by_worker) == [0, 1]
    w0, w1 = by_worker[0], by_worker[1]
    assert w0[0][0] + 1 == w1[0][0]  # WorkerInfo.seed = base_seed + worker_id
    for k in (1, 2, 3):  # python random, numpy global, ember default generator all differ across workers
        assert {r[k] for r in w0}.isdisjoint({r[k] for r in w1})
    assert a["children"] == []


def test_persistent_workers_survive_epochs():
    res = run("persistent")
    assert res["pids"][0] == res["pids"][1] == res["pids"][2] and res["alive"] == 2
    for epoch in res["epochs"]:
        assert sorted(epoch) == list(range(30))
    assert res["epochs"][0] != res["epochs"][1]
    _clean(res)


def test_spawn_context_and_pickling_error():
    res = run("spawn")
    assert res["batches"] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert res["err"]["type"] == "PicklingError" and "collate_fn" in res["err"]["msg"]
    assert "top level" in res["err"]["msg"]
    _clean(res)


def test_errors_in_worker_init_and_iter():
    res = run("init_errors")
    assert res["init_fn"]["type"] == "ValueError" and "init failed in" in res["init_fn"]["msg"]
    assert res["iter"]["type"] == "OSError" and "cannot open shard" in res["iter"]["msg"]
    _clean(res)


def test_get_worker_info():
    res = run("worker_info")
    assert res["main"] is True
    assert [r[0] for r in res["rows"]] == [0, 1, 0, 1, 0, 1]  # round-robin, in order
    assert all(r[1] == 2 and r[2] is True and r[3] == "InfoDataset" for r in res["rows"])
    assert res["children"] == []


def test_large_batches_travel_through_shared_memory_without_leaks():
    res = run("shm")
    assert res["ok"] and res["shared"] == 3  # every 2 MiB batch field came as a /dev/shm mapping
    assert res["after_epoch"] == [] and res["after_break"] == [] and res["after_kill"] == []
    assert res["killed"]
    _clean(res)


def test_worker_memory_does_not_grow_across_epochs():
    res = run("rss")
    first, last = res["rss"][1], res["rss"][-1]  # after warm-up epoch vs two epochs later
    for a, b in zip(first, last):
        assert b - a < 4096, res["rss"]  # KiB
    _clean(res)


def test_shm_batch_read_without_mmap_when_mappings_run_out(monkeypatch):
    import mmap

    import numpy as np

    from ember.utils.data._utils import shm
    monkeypatch.setattr(shm, "_prefix", f"ember_dl_test_{os.getpid()}_")
    arr = shm.empty((4, 5), np.float32)
    arr[...] = np.arange(20, dtype=np.float32).reshape(4, 5)
    path = arr.base.path
    del arr

    def no_more_maps(*args, **kwargs):
        raise OSError(12, "Cannot allocate memory")
    monkeypatch.setattr(mmap, "mmap", no_more_maps)
    t = shm.rebuild(path, (4, 5), "<f4")
    assert t.tolist() == np.arange(20, dtype=np.float32).reshape(4, 5).tolist()
    assert not os.path.exists(path)


def test_result_transport_out_of_band_round_trip():
    # NOTE [ Result pipes ]: arrays travel as raw out-of-band buffers; values, dtypes, layouts and
    # writability must survive, and a writer that dies mid-batch must read as EOF, not block
    import multiprocessing as mp
    import threading

    # internals on purpose: the transport functions of ember.utils.data._utils.worker
    from ember.utils.data._utils import worker as W
    W._ForkingPickler.register(ember.Tensor, W._reduce_tensor)
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
