"""Worker robustness scenarios, each run in its own process by test_workers.py (so a hang fails the test via
the harness's timeout instead of hanging CI). Usage: python _worker_scenarios.py NAME; the last stdout line is
a JSON report."""
from __future__ import annotations

import gc
import json
import os
import random
import signal
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import numpy as np  # noqa: E402

import ember  # noqa: E402
from ember.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info  # noqa: E402


def children():
    """Child processes of this process (any state, zombies included), from /proc."""
    me, out = os.getpid(), []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == me:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read()
            except OSError:
                cmd = b""
            if b"resource_tracker" in cmd or b"forkserver" in cmd:
                continue  # multiprocessing's own helpers (spawn/forkserver), not DataLoader workers
            out.append((int(pid), fields[0]))
    return out


def wait_no_children(limit=5.0):
    t = time.monotonic()
    while children() and time.monotonic() - t < limit:
        time.sleep(0.02)
    return time.monotonic() - t


class Index(Dataset):
    def __init__(self, n, fail_at=None, exc=ValueError, sleep=0.0, kill_at=None, hang_at=None):
        self.n, self.fail_at, self.exc, self.sleep = n, fail_at, exc, sleep
        self.kill_at, self.hang_at = kill_at, hang_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.sleep:
            time.sleep(self.sleep)
        if i == self.fail_at:
            raise self.exc(f"bad sample {i}")
        if i == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if i == self.hang_at:
            time.sleep(60)
        return np.array([i], dtype=np.int64)


class TwoArgError(Exception):
    def __init__(self, code, detail):
        super().__init__(code, detail)


class TwoArgIndex(Index):
    def __getitem__(self, i):
        if i == 3:
            raise TwoArgError(7, "detail")
        return i


class Rand(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return [info.id, info.seed, random.random(), float(np.random.rand()), ember.rand(1).item()]


class BadIter(IterableDataset):
    def __iter__(self):
        raise OSError("cannot open shard")


def bad_collate(batch):
    raise TypeError("collate refuses")


def bad_init(worker_id):
    raise ValueError(f"init failed in {worker_id}")


def _exc_report(e, t0):
    return {"type": type(e).__name__, "msg": str(e), "notes": getattr(e, "__notes__", []),
            "elapsed": time.monotonic() - t0, "reap": wait_no_children(), "children": children()}


def sc_getitem_error():
    t0 = time.monotonic()
    try:
        list(DataLoader(Index(20, fail_at=5), batch_size=2, num_workers=2))
    except Exception as e:
        return _exc_report(e, t0)
    return {"type": None}


def sc_two_arg_error():
    t0 = time.monotonic()
    try:
        list(DataLoader(TwoArgIndex(8), batch_size=2, num_workers=2))
    except Exception as e:
        return _exc_report(e, t0)
    return {"type": None}


def sc_local_error():
    class LocalError(Exception):  # cannot be pickled by reference
        pass

    class Raises(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            raise LocalError(f"local boom {i}")
    t0 = time.monotonic()
    try:
        list(DataLoader(Raises(), batch_size=2, num_workers=2))
    except Exception as e:
        return _exc_report(e, t0)
    return {"type": None}


def sc_key_error():
    t0 = time.monotonic()
    try:
        list(DataLoader(Index(8, fail_at=2, exc=KeyError), batch_size=2, num_workers=2))
    except Exception as e:
        return _exc_report(e, t0)
    return {"type": None}


def sc_collate_error():
    t0 = time.monotonic()
    try:
        list(DataLoader(Index(8), batch_size=2, num_workers=2, collate_fn=bad_collate))
    except Exception as e:
        return _exc_report(e, t0)
    return {"type": None}


class Unpicklable(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return threading.Lock()  # cannot be pickled back to the main process


def identity(batch):
    return batch


def sc_unpicklable_result():
    t0 = time.monotonic()
    try:
        list(DataLoader(Unpicklable(), batch_size=2, num_workers=2, collate_fn=identity))
    except Exception as e:
        return _exc_report(e, t0)
    return {"type": None}


def sc_sigkill():
    t0 = time.monotonic()
    try:
        list(DataLoader(Index(40, kill_at=9, sleep=0.01), batch_size=2, num_workers=2))
    except Exception as e:
        return _exc_report(e, t0)
    return {"type": None}


def sc_timeout():
    t0 = time.monotonic()
    try:
        list(DataLoader(Index(8, hang_at=3), batch_size=2, num_workers=2, timeout=1))
    except Exception as e:
        return _exc_report(e, t0)
    return {"type": None}


def sc_break_early():
    loader = DataLoader(Index(400, sleep=0.002), batch_size=4, num_workers=2)
    it = iter(loader)
    first = next(it).tolist()
    during = len(children())
    for b in loader:  # a second loader iterator, abandoned by break
        break
    t0 = time.monotonic()
    del it, b
    gc.collect()
    return {"first": first, "during": during, "reap": wait_no_children(), "children": children(),
            "elapsed": time.monotonic() - t0}


def sc_keyboard_interrupt():
    # Python's Ctrl-C handler, also when this process was started with SIGINT ignored (a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    loader = DataLoader(Index(400, sleep=0.05), batch_size=4, num_workers=2)
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    t0 = time.monotonic()
    try:
        for _ in loader:
            pass
    except KeyboardInterrupt:
        return {"type": "KeyboardInterrupt", "elapsed": time.monotonic() - t0, "reap": wait_no_children(),
                "children": children()}
    return {"type": None}


def sc_parent_dies():
    # prints the workers' pids, then dies by SIGKILL mid-epoch: the test checks the workers go away
    loader = DataLoader(Index(400, sleep=0.01), batch_size=4, num_workers=2)
    it = iter(loader)
    next(it)
    print(json.dumps({"workers": [w.pid for w in it._workers]}), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def sc_seeds():
    out = []
    for _ in range(2):
        ember.manual_seed(0)
        loader = DataLoader(Rand(), batch_size=2, num_workers=2)
        rows = [r for b in loader for r in zip(*[c.tolist() for c in b])]
        out.append(rows)
    return {"epochs": out, "children": children()}


def sc_persistent():
    loader = DataLoader(Index(30), batch_size=4, num_workers=2, shuffle=True, persistent_workers=True)
    epochs, pids = [], []
    for k in range(3):
        it = iter(loader)
        pids.append([w.pid for w in it._workers])
        if k == 0:  # abandon the first epoch early: its in-flight results must not leak into the next
            next(it)
            continue
        epochs.append([i for b in it for i in b.view(-1).tolist()])
    alive = len(children())
    del loader, it
    gc.collect()
    return {"epochs": epochs, "pids": pids, "alive": alive, "reap": wait_no_children(),
            "children": children()}


def sc_spawn():
    out = [b.view(-1).tolist() for b in DataLoader(Index(10), batch_size=3, num_workers=2,
                                                    multiprocessing_context="spawn")]
    try:
        list(DataLoader(Index(4), batch_size=2, num_workers=1, multiprocessing_context="spawn",
                        collate_fn=lambda b: b))
        err = None
    except Exception as e:
        err = {"type": type(e).__name__, "msg": str(e)}
    return {"batches": out, "err": err, "reap": wait_no_children(), "children": children()}


def sc_init_errors():
    res = {}
    for name, kw in [("init_fn", dict(dataset=Index(4), worker_init_fn=bad_init)),
                     ("iter", dict(dataset=BadIter()))]:
        try:
            list(DataLoader(batch_size=2, num_workers=2, **kw))
            res[name] = None
        except Exception as e:
            res[name] = {"type": type(e).__name__, "msg": str(e)}
    res["reap"] = wait_no_children()
    res["children"] = children()
    return res


class Big(Dataset):
    def __init__(self, kill_at=None):
        self.kill_at = kill_at

    def __len__(self):
        return 24

    def __getitem__(self, i):
        if i == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return np.full((64, 64, 16), i, np.float32), i  # 256 KiB a sample: 2 MiB batches go through /dev/shm


def shm_files():
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith(f"ember_dl_{os.getpid()}_"))


def sc_shm():
    res = {}
    ok, shared = True, 0
    for x, y in DataLoader(Big(), batch_size=8, num_workers=2):
        ok &= bool((x.numpy()[:, 0, 0, 0] == y.numpy()).all()) and x.shape == (8, 64, 64, 16)
        shared += type(x.numpy().base).__name__ == "mmap"
    res["ok"], res["shared"], res["after_epoch"] = ok, shared, shm_files()
    loader = DataLoader(Big(), batch_size=8, num_workers=2, persistent_workers=True)
    for _ in range(2):
        for x, y in loader:
            break
    del loader, x, y
    gc.collect()
    res["after_break"] = shm_files()
    try:
        list(DataLoader(Big(kill_at=20), batch_size=4, num_workers=2))
    except RuntimeError as e:
        res["killed"] = "exit code -9" in str(e)
    res["after_kill"] = shm_files()
    res["reap"], res["children"] = wait_no_children(), children()
    return res


class Arrays(Dataset):
    """Per-sample data held as NumPy arrays (the copy-on-read advice), not as a list of Python objects."""

    def __init__(self, n):
        self.names = np.array([f"sample_{i:06d}.png" for i in range(n)])
        self.labels = np.arange(n) % 10

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return np.full(256, len(self.names[i]), np.float32), self.labels[i]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1])


def sc_rss():
    loader = DataLoader(Arrays(20000), batch_size=64, num_workers=2, persistent_workers=True, shuffle=True)
    sizes = []
    for _ in range(4):
        it = iter(loader)
        for _ in it:
            pass
        sizes.append([rss_kb(w.pid) for w in it._workers])
    del loader, it
    gc.collect()
    return {"rss": sizes, "reap": wait_no_children(), "children": children()}


class InfoDataset(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = get_worker_info()
        try:
            info.id = 5
            ro = False
        except RuntimeError:
            ro = True
        return [info.id, info.num_workers, ro, type(info.dataset).__name__]


def sc_worker_info():
    rows = [r for b in DataLoader(InfoDataset(), batch_size=1, num_workers=2, collate_fn=lambda b: b[0])
            for r in [b]]
    return {"rows": rows, "main": get_worker_info() is None, "children": children()}


class BigFirst(Dataset):
    """Sample 0 is a 64 MiB array sent through the result pipe (a custom collate keeps it out of shared
    memory); the worker that loads it stores its pid in `pid`."""

    def __init__(self, pid):
        self.pid = pid

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 0:
            self.pid.value = os.getpid()
            return np.ones(64 << 20, dtype=np.uint8)
        time.sleep(0.01)
        return np.array([i])


def first(batch):
    return batch[0]


def _rchar():
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


def sc_sigkill_mid_send():
    # The worker is SIGKILLed once the main process has read a few MiB of its 64 MiB message: the main
    # process is then blocked in the middle of reading a message whose writer is dead.
    import multiprocessing as mp
    pid = mp.get_context("fork").Value("i", 0, lock=False)
    state = {"read_at_kill": None}

    def killer():
        base = None
        while True:
            if pid.value and base is None:
                base = _rchar()
            if base is not None and _rchar() - base > (4 << 20):
                state["read_at_kill"] = _rchar() - base
                os.kill(pid.value, signal.SIGKILL)
                return
            time.sleep(0.0002)

    threading.Thread(target=killer, daemon=True).start()
    t0 = time.monotonic()
    try:
        for _ in DataLoader(BigFirst(pid), batch_size=1, num_workers=2, collate_fn=first):
            pass
    except Exception as e:
        res = _exc_report(e, t0)
        res["read_at_kill"] = state["read_at_kill"]
        return res
    return {"type": None, "read_at_kill": state["read_at_kill"]}


class Ragged(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return {"x": np.zeros(2 + (i == 5), np.float32)}


def sc_stack_error():
    # default_collate's shape error in a worker: re-raised as torch's RuntimeError, no private class
    t0 = time.monotonic()
    try:
        list(DataLoader(Ragged(), batch_size=2, num_workers=2))
    except Exception as e:
        res = _exc_report(e, t0)
        res["class"] = f"{type(e).__module__}.{type(e).__qualname__}"
        return res
    return {"type": None}


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def sc_persistent_dead_worker():
    # the reproduction: a persistent worker dies between epochs, then another one mid-epoch
    from ember.utils.data import TensorDataset
    loader = DataLoader(TensorDataset(ember.arange(64.0)), batch_size=4, num_workers=2,
                        persistent_workers=True)
    for _ in loader:
        pass
    pids = [w.pid for w in loader._iterator._workers]
    os.kill(pids[0], signal.SIGKILL)
    time.sleep(0.5)
    res = {"pids": pids}
    t0 = time.monotonic()
    try:
        for _ in loader:
            pass
        res["between"] = {"type": None}
    except Exception as e:
        res["between"] = _exc_report(e, t0)
    res["left_after_error"] = [p for p in pids if _running(p)]
    res["data"] = sorted(v for (b,) in loader for v in b.tolist())     # the next epoch: fresh workers
    res["new_pids"] = [w.pid for w in loader._iterator._workers]
    res["alive_between_epochs"] = len(children())
    it = iter(loader)
    next(it)
    os.kill(res["new_pids"][1], signal.SIGKILL)
    t0 = time.monotonic()
    try:
        for _ in it:
            pass
        res["mid"] = {"type": None}
    except Exception as e:
        res["mid"] = _exc_report(e, t0)
    res["data2"] = sorted(v for (b,) in loader for v in b.tolist())
    del loader, it
    gc.collect()
    res["reap"] = wait_no_children()
    res["children"] = children()
    return res


if __name__ == "__main__":
    name = sys.argv[1]
    try:
        result = globals()[f"sc_{name}"]()
    except BaseException as e:  # report, never hang
        result = {"crash": f"{type(e).__name__}: {e}", "tb": traceback.format_exc()}
    print(json.dumps(result, default=str), flush=True)
