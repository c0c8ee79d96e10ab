"""DataLoader throughput: ember.utils.data vs torch.utils.data in the same run.

A map-style Dataset whose __getitem__ does ~50 microseconds of NumPy work (an MNIST-sized float32 image
normalised and augmented) and returns (ndarray image, int label); batch_size 64; one full epoch timed
(iterator creation and worker start-up included), best of `repeats`. Reports samples/s for num_workers=0
and 2 and the ratios the issue sets as targets:
  nw=0: ember >= 1.0x torch;  nw=2: ember >= 1.6x ember's nw=0 and >= 1.0x torch's nw=2.
Also (informative) 3 MiB batches of cheap samples with num_workers=2, where transport dominates, and a
shuffled TensorDataset (N x 784 float32, the most common loader), num_workers=0.

    python benchmarks/bench_data.py            # 20k samples
    python benchmarks/bench_data.py --quick    # 5k samples
"""
from __future__ import annotations

import resource
import sys
import time

import numpy as np

_TARGET_US = 50.0


class WorkDataset:
    """Samples cost ~`reps` rounds of NumPy work on a 28x28 image (calibrated to ~50 us)."""

    def __init__(self, n: int, reps: int = 4):
        rng = np.random.default_rng(0)
        self.images = rng.random((256, 28, 28), dtype=np.float32)
        self.n = n
        self.reps = reps

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = self.images[i & 255]
        for _ in range(self.reps):
            x = (x - x.mean()) / (x.std() + 1e-6)
            x = np.tanh(x[::-1, :] * 0.5) + np.roll(x, 1, axis=1) * 0.1
        return x.astype(np.float32)[None], i % 10


class LargeDataset:
    """Cheap samples of 3x64x64 float32 (48 KiB): 3 MiB batches, where transport dominates."""

    def __init__(self, n: int):
        self.n = n
        self.image = np.random.default_rng(0).random((3, 64, 64), dtype=np.float32)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.image + np.float32(i), i


def _us_per_item(reps: int, n: int = 1000) -> float:
    ds = WorkDataset(n, reps=reps)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for i in range(n):
            ds[i]
        best = min(best, (time.perf_counter() - t) / n * 1e6)
    return best


def _calibrate() -> int:
    # cost = base + reps * per_rep: fit both from two points, then aim at _TARGET_US
    t1, t4 = _us_per_item(1), _us_per_item(4)
    per_rep = max((t4 - t1) / 3, 1e-3)
    return max(1, round((_TARGET_US - (t1 - per_rep)) / per_rep))


_CPU = {}  # (loader module, num_workers) -> (main CPU s, workers' CPU s) of the fastest epoch


def _epoch(loader_cls, ds, num_workers, shuffle=False):
    loader = loader_cls(ds, batch_size=64, shuffle=shuffle, num_workers=num_workers)
    r0, c0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    count = 0
    for x, y in loader:
        count += len(y)
    dt = time.perf_counter() - t
    del loader, x, y
    r1, c1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    assert count == len(ds)
    key = (loader_cls.__module__.split(".")[0], type(ds).__name__, num_workers)
    cpu = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime,
           c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime)
    if key not in _CPU or dt < _CPU[key][0]:
        _CPU[key] = (dt, cpu)
    return len(ds) / dt


def run(ember, torch, quick: bool = False, repeats: int = 3) -> dict:
    import ember.utils.data as edata
    n = 5000 if quick else 20000
    reps = _calibrate()
    ds = WorkDataset(n, reps)
    us = _us_per_item(reps, 2000)
    res = {"getitem_us": us, "samples": n}
    if torch is not None:
        torch.set_num_threads(1)
    for nw in (0, 2):
        # alternate ember and torch so machine drift hits both alike; keep the best epoch (noise only slows)
        for _ in range(repeats):
            e = _epoch(edata.DataLoader, ds, nw)
            res[f"ember_nw{nw}"] = max(res.get(f"ember_nw{nw}", 0.0), e)
            if torch is not None:
                tt = _epoch(torch.utils.data.DataLoader, ds, nw)
                res[f"torch_nw{nw}"] = max(res.get(f"torch_nw{nw}", 0.0), tt)
    big = LargeDataset(2000 if quick else 6000)
    for _ in range(repeats):  # informative: large batches (ember moves them through /dev/shm)
        res["ember_large_nw2"] = max(res.get("ember_large_nw2", 0.0), _epoch(edata.DataLoader, big, 2))
        if torch is not None:
            res["torch_large_nw2"] = max(res.get("torch_large_nw2", 0.0),
                                         _epoch(torch.utils.data.DataLoader, big, 2))
    x = np.random.default_rng(0).random((10000 if quick else 30000, 784), dtype=np.float32)
    y = np.arange(len(x)) % 10
    eds = edata.TensorDataset(ember.from_numpy(x), ember.from_numpy(y))
    tds = None if torch is None else torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    for _ in range(repeats):  # informative: the most common loader of all, TensorDataset, shuffled
        res["ember_tensords_nw0"] = max(res.get("ember_tensords_nw0", 0.0),
                                        _epoch(edata.DataLoader, eds, 0, shuffle=True))
        if torch is not None:
            res["torch_tensords_nw0"] = max(res.get("torch_tensords_nw0", 0.0),
                                            _epoch(torch.utils.data.DataLoader, tds, 0, shuffle=True))
    lines = [f"DataLoader: {n} samples, __getitem__ {us:.1f} us, batch 64 (samples/s, best of {repeats})"]
    for nw in (0, 2):
        e = res[f"ember_nw{nw}"]
        line = f"  num_workers={nw}: ember {e:9.0f}"
        if torch is not None:
            tt = res[f"torch_nw{nw}"]
            line += f"   torch {tt:9.0f}   ember/torch {e / tt:5.2f}x"
        lines.append(line)
    lines.append(f"  ember nw=2 / ember nw=0: {res['ember_nw2'] / res['ember_nw0']:.2f}x (target >= 1.6x)")
    # CPU seconds explain the wall-clock figures on a busy machine: with 2 idle cores, nw=2 can approach
    # nw0_cpu / max(main_cpu, workers_cpu / 2)
    for lib in ("ember", "torch"):
        if (lib, "WorkDataset", 2) in _CPU:
            main0 = _CPU[(lib, "WorkDataset", 0)][1][0]
            main2, workers2 = _CPU[(lib, "WorkDataset", 2)][1]
            res[f"{lib}_cpu"] = (main0, main2, workers2)
            lines.append(f"  {lib} CPU s per epoch: nw=0 {main0:.2f}; nw=2 main {main2:.2f} + workers "
                         f"{workers2:.2f} (2-core bound {main0 / max(main2, workers2 / 2):.2f}x)")
    line = f"  3 MiB batches, num_workers=2: ember {res['ember_large_nw2']:9.0f}"
    if torch is not None:
        line += (f"   torch {res['torch_large_nw2']:9.0f}   "
                 f"ember/torch {res['ember_large_nw2'] / res['torch_large_nw2']:5.2f}x")
    lines.append(line)
    line = f"  TensorDataset(Nx784), shuffled, num_workers=0: ember {res['ember_tensords_nw0']:9.0f}"
    if torch is not None:
        line += (f"   torch {res['torch_tensords_nw0']:9.0f}   "
                 f"ember/torch {res['ember_tensords_nw0'] / res['torch_tensords_nw0']:5.2f}x")
    lines.append(line)
    print("\n".join(lines))
    return res


if __name__ == "__main__":
    import os
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import ember
    try:
        import torch
    except ImportError:
        torch = None
    run(ember, torch, quick="--quick" in sys.argv)
