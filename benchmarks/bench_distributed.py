"""Distributed: all_reduce bandwidth and DDP training steps/s on 2 ranks, ember (MPI) against raw mpi4py and
against torch's gloo, in the same run; and 1 rank under the launcher against plain ember.

    python benchmarks/run.py distributed        # through the harness
    python benchmarks/bench_distributed.py      # alone

Every rank gets 1 thread. On a 2-core shared machine 2 ranks are not faster than 1 for anyone: the numbers
compare implementations, they do not show scaling.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))
SIZES = [1 << 10, 64 << 10, 1 << 20, 10 << 20, 100 << 20]      # bytes of float32
STEPS = 30
ROUNDS = 15          # short timed rounds, alternating sides; the median of the rounds is reported


def _time_reps(fn, barrier, size):
    """Seconds per call; the repeat count depends on the size only: every rank runs the same collectives."""
    n = max(2, min(200, (20 << 20) // size))
    barrier()
    fn()
    barrier()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    barrier()
    return (time.perf_counter() - t) / n


def worker_allreduce(kind):
    import numpy as np
    res = {}
    if kind == "torch":
        import torch
        import torch.distributed as dist
        torch.set_num_threads(1)
        dist.init_process_group("gloo")
        for size in SIZES:
            t = torch.ones(size // 4)
            runs = []
            for _ in range(ROUNDS):
                runs.append(_time_reps(lambda: dist.all_reduce(t), dist.barrier, size))
            res[size] = {"gloo": statistics.median(runs)}
        rank = dist.get_rank()
    else:
        import ember
        import ember.distributed as dist
        from mpi4py import MPI
        dist.init_process_group("gloo")
        comm = MPI.COMM_WORLD
        for size in SIZES:
            t = ember.ones(size // 4)
            raw = np.ones(size // 4, np.float32)
            e, m = [], []
            for _ in range(ROUNDS):                  # alternate ember and raw mpi4py on equal buffers
                e.append(_time_reps(lambda: dist.all_reduce(t), dist.barrier, size))
                m.append(_time_reps(lambda: comm.Allreduce(MPI.IN_PLACE, raw, MPI.SUM), comm.Barrier, size))
            res[size] = {"ember": statistics.median(e), "mpi4py": statistics.median(m)}
        rank = dist.get_rank()
    if rank == 0:
        print("JSON", json.dumps(res), flush=True)


def worker_ddp(kind):
    import numpy as np
    distributed = kind != "plain"
    if kind == "torch":
        import torch as lib
        lib.set_num_threads(1)
    else:
        import ember as lib
    nn = lib.nn
    rank = 0
    if distributed:
        lib.distributed.init_process_group("gloo")
        rank = lib.distributed.get_rank()
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    if distributed:
        model = nn.parallel.DistributedDataParallel(model)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(rank)
    x = lib.from_numpy(rng.standard_normal((128, 784)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, 128))

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    for _ in range(3):
        step()
    if distributed:
        lib.distributed.barrier()
    t = time.perf_counter()
    for _ in range(STEPS):
        step()
    if distributed:
        lib.distributed.barrier()
    dt = time.perf_counter() - t
    if rank == 0:
        print("JSON", json.dumps({"steps_per_s": STEPS / dt}), flush=True)


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _launch(kind, what, nproc):
    bindir = os.path.dirname(sys.executable)
    if kind == "torch":
        env = _env()
        env["PYTHONPATH"] = ""
        cmd = [os.path.join(bindir, "torchrun"), "--nproc-per-node", str(nproc), HERE, "--worker", what, kind]
    elif kind == "plain":
        env = _env()
        cmd = [sys.executable, HERE, "--worker", what, kind]
    else:
        env = _env()
        cmd = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(nproc), HERE,
               "--worker", what, kind]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    if out.returncode:       # seen once here: gloo aborting (SIGABRT) on a busy machine; try once more
        print(f"  ({kind} {what} x{nproc} failed with exit code {out.returncode}; running it again)",
              flush=True)
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return json.loads(next(line for line in out.stdout.splitlines() if line.startswith("JSON"))[5:])


def run(ember=None, torch=None):
    ours = _launch("ember", "allreduce", 2)
    theirs = _launch("torch", "allreduce", 2)
    print(f"distributed all_reduce, float32, 2 ranks: bandwidth = bytes / time (median of {ROUNDS} rounds)")
    for size in SIZES:
        e, m, g = ours[str(size)]["ember"], ours[str(size)]["mpi4py"], theirs[str(size)]["gloo"]
        label = f"{size >> 20} MB" if size >= 1 << 20 else f"{size >> 10} KB"
        print(f"  all_reduce {label:>7}: ember {size / e / 1e9:6.2f} GB/s  mpi4py {size / m / 1e9:6.2f} "
              f"GB/s  gloo {size / g / 1e9:6.2f} GB/s   ember/mpi4py {m / e:5.2f}x   "
              f"ember/gloo {g / e:5.2f}x",
              flush=True)
    runs = {"ember": [], "torch": [], "ember1": [], "plain": []}
    for _ in range(3):                                  # alternate so drift hits every side alike
        runs["ember"].append(_launch("ember", "ddp", 2)["steps_per_s"])
        runs["torch"].append(_launch("torch", "ddp", 2)["steps_per_s"])
        runs["ember1"].append(_launch("ember", "ddp", 1)["steps_per_s"])
        runs["plain"].append(_launch("plain", "ddp", 1)["steps_per_s"])
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"DDP MLP 784-512-512-10, batch 128 per rank, 1 thread per rank "
          f"(median of 3 runs of {STEPS} steps):")
    print(f"  2 ranks: ember {med['ember']:6.1f} steps/s   torch gloo {med['torch']:6.1f} steps/s   "
          f"ember/torch {med['ember'] / med['torch']:5.2f}x", flush=True)
    print(f"  1 rank: ember under ember-run (DDP) {med['ember1']:6.1f} steps/s   plain ember (no DDP) "
          f"{med['plain']:6.1f} steps/s   ratio {med['ember1'] / med['plain']:5.2f}x", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        what, kind = sys.argv[2], sys.argv[3]
        (worker_allreduce if what == "allreduce" else worker_ddp)(kind)
    else:
        run()
