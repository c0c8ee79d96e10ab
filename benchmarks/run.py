"""Benchmark harness: the same workload through ember and through torch, in one process.

Each `benchmarks/bench_*.py` module exposes `workloads(lib) -> {name: callable}` where `lib` is
the `ember` or `torch` module. The harness alternates ember and torch runs of every workload
and prints the median time of each and the ratio ember/torch. Ratios, not absolute times, are
what the issues set targets on: machines are noisy, both sides see the same noise.

    python benchmarks/run.py                 # everything
    python benchmarks/run.py overhead cnn    # only modules whose name contains one of the words
    python benchmarks/run.py --quick         # fewer repeats
    python benchmarks/run.py --threads 2     # BLAS/OpenMP threads for both sides (default 1)

Both libraries get the same thread count (NumPy's BLAS through OPENBLAS_NUM_THREADS and friends,
torch through set_num_threads), so neither wins by using more cores. One thread is the default:
on a small shared machine, multi-threaded runs swing by large factors from run to run.
"""
from __future__ import annotations

import glob
import importlib.util
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def _time(fn, number):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def _calibrate(fn, budget=0.05):
    fn()  # warm up
    n = 1
    while True:
        t = _time(fn, n)
        if t * n >= budget or n >= 1 << 16:
            return max(1, n)
        n *= 2


def compare(name, ember_fn, torch_fn, repeats=7):
    ne = _calibrate(ember_fn)
    nt = _calibrate(torch_fn)
    te, tt = [], []
    for _ in range(repeats):       # alternate so drift hits both sides alike
        te.append(_time(ember_fn, ne))
        tt.append(_time(torch_fn, nt))
    me, mt = statistics.median(te), statistics.median(tt)
    print(f"{name:<34} ember {me * 1e6:11.1f} us   torch {mt * 1e6:11.1f} us   ratio {me / mt:6.2f}x", flush=True)
    return me / mt


def _import_stats(module, env):
    code = (f"import time; t=time.perf_counter(); import {module}; d=time.perf_counter()-t; "
            "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]; print(d, hwm)")
    walls, inner, rss = [], [], []
    subprocess.run([sys.executable, "-c", f"import {module}"], env=env, check=True)   # write the .pyc files
    for _ in range(5):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                             cwd=os.path.dirname(HERE), check=True).stdout.split()
        walls.append(time.perf_counter() - t0)
        inner.append(float(out[0]))
        rss.append(int(out[1]) / 1024)
    return statistics.median(walls), statistics.median(inner), statistics.median(rss)


def import_time():
    """Wall time and peak RSS of `python -c 'import ember'` in a fresh process (median of 5), next to numpy's.

    Bytecode caching is on (as after `pip install`), whatever PYTHONDONTWRITEBYTECODE says here. Peak RSS
    is VmHWM: ru_maxrss would carry the parent's peak over across exec.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for mod in ("numpy", "ember"):
        w, i, r = _import_stats(mod, env)
        print(f"{'import ' + mod:<34} wall {w * 1e3:.0f} ms (interpreter included), import itself "
              f"{i * 1e3:.0f} ms, peak RSS {r:.1f} MiB")


def _threads(argv):
    if "--threads" in argv:
        i = argv.index("--threads")
        n = argv[i + 1]
        del argv[i:i + 2]
        return n
    return "1"


def main(argv):
    argv = list(argv)
    n = _threads(argv)
    if os.environ.get("EMBER_BENCH_THREADS") != n:
        # the BLAS reads its thread count at import: re-exec with the variables set
        env = dict(os.environ, EMBER_BENCH_THREADS=n, OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n,
                   MKL_NUM_THREADS=n)
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + argv + ["--threads", n], env)
    quick = "--quick" in argv
    words = [a for a in argv if not a.startswith("--") and a != n]
    import_time()
    import ember
    import torch
    torch.set_num_threads(int(n))
    print(f"threads: {n} (torch.set_num_threads and the BLAS variables)")
    for path in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        mod_name = os.path.basename(path)[:-3]
        if words and not any(w in mod_name for w in words):
            continue
        spec = importlib.util.spec_from_file_location(mod_name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if not hasattr(mod, "workloads"):
            if hasattr(mod, "run"):
                mod.run(ember, torch)
            continue
        try:
            we = mod.workloads(ember)
            wt = mod.workloads(torch)
        except Exception as e:  # a workload that can't be built yet is reported, not fatal
            print(f"{mod_name}: cannot build workloads: {type(e).__name__}: {e}")
            continue
        for name in we:
            compare(f"{mod_name[6:]}:{name}", we[name], wt[name], repeats=3 if quick else 7)


if __name__ == "__main__":
    main(sys.argv[1:])
