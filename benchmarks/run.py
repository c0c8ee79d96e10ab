"""Benchmark harness: the same workload through ember and through torch, in one process.

Each `benchmarks/bench_*.py` module exposes `workloads(lib) -> {name: callable}` where `lib` is
the `ember` or `torch` module. The harness alternates ember and torch runs of every workload
and prints the median time of each and the ratio ember/torch. Ratios, not absolute times, are
what the issues set targets on: machines are noisy, both sides see the same noise.

How the numbers read (the header of every run says it again):
- `time e/t`: ember's median time / torch's: below 1.00x ember is faster. `[lo-hi]` is the
  spread of the per-round ratios (each round times ember then torch back to back).
- `mem e/t` (modules with `STEP_MEMORY = True`): ember's step memory / torch's, below 1.00x ember
  uses less. Step memory is the peak RSS above the pre-step baseline, measured in a fresh process
  per library and workload: build, one warm-up step, `gc.collect()` and `malloc_trim`, reset the
  peak (`/proc/self/clear_refs`), two more steps; median of 3 processes per side, alternated.
- modules without `workloads` print their own lines; throughput figures there (samples/s, GB/s,
  steps/s) read the other way: a higher ember/torch ratio means ember is faster.

    python benchmarks/run.py                 # everything
    python benchmarks/run.py overhead cnn    # only modules whose name contains one of the words
    python benchmarks/run.py --quick         # fewer repeats
    python benchmarks/run.py --threads 2     # BLAS/OpenMP threads for both sides (default 1)
    python benchmarks/run.py --no-memory     # skip the step-memory processes

Both libraries get the same thread count (NumPy's BLAS through OPENBLAS_NUM_THREADS and friends,
`set_num_threads` on both sides: ember's worker pool too), so neither wins by using more cores. One thread is the default:
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


def _fmt_time(t):
    return f"{t * 1e3:9.1f} ms" if t >= 0.01 else f"{t * 1e6:9.1f} us"


def compare(name, ember_fn, torch_fn, repeats=7, end="\n"):
    """Median times and the time ratio ember/torch of alternated rounds; prints one line."""
    ne = _calibrate(ember_fn)
    nt = _calibrate(torch_fn)
    te, tt = [], []
    for _ in range(repeats):       # alternate so drift hits both sides alike
        te.append(_time(ember_fn, ne))
        tt.append(_time(torch_fn, nt))
    me, mt = statistics.median(te), statistics.median(tt)
    rr = [a / b for a, b in zip(te, tt)]
    print(f"{name:<34} ember {_fmt_time(me)}  torch {_fmt_time(mt)}  time e/t {me / mt:5.2f}x "
          f"[{min(rr):.2f}-{max(rr):.2f}]", end=end, flush=True)
    return me / mt


_MEM_CODE = """
import ctypes, gc, importlib.util, sys
path, name, libname, n = sys.argv[1:5]
sys.path.insert(0, {root!r})
lib = importlib.import_module(libname)
lib.set_num_threads(int(n))
spec = importlib.util.spec_from_file_location("bench_mod", path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
step = mod.workloads(lib)[name]
step()
gc.collect()
try:
    ctypes.CDLL("libc.so.6").malloc_trim(0)
except OSError:
    pass
def status(key):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1])
base = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
step()
step()
print((status("VmHWM") - base) / 1024)
"""


def step_memory(path, name, repeats=3):
    """Median step memory (MiB) of ember and torch: see the module docstring."""
    code = _MEM_CODE.format(root=os.path.dirname(HERE))
    got = {"ember": [], "torch": []}
    for _ in range(repeats):
        for libname in ("ember", "torch"):
            out = subprocess.run([sys.executable, "-c", code, path, name, libname,
                                  os.environ.get("EMBER_BENCH_THREADS", "1")],
                                 capture_output=True, text=True, cwd=os.path.dirname(HERE))
            if out.returncode:
                return None
            got[libname].append(float(out.stdout.split()[-1]))
    return statistics.median(got["ember"]), statistics.median(got["torch"])


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
    memory = "--no-memory" not in argv
    words = [a for a in argv if not a.startswith("--") and a != n]
    import_time()
    import ember
    import torch
    torch.set_num_threads(int(n))
    ember.set_num_threads(int(n))
    print(f"threads: {n} (torch.set_num_threads and the BLAS variables); load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("time e/t = ember time / torch time (median; [spread of the rounds]): below 1.00x ember is faster")
    print("mem e/t  = ember step memory / torch's (peak RSS above the pre-step baseline): below 1.00x ember uses less")
    print("samples/s, GB/s, steps/s figures read the other way: an ember/torch ratio above 1.00x means ember is faster")
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
        mem = memory and getattr(mod, "STEP_MEMORY", False)
        for name in we:
            compare(f"{mod_name[6:]}:{name}", we[name], wt[name], repeats=3 if quick else 7,
                    end="" if mem else "\n")
            if mem:
                m = step_memory(path, name, 1 if quick else 3)
                print("   step memory: failed" if m is None else
                      f"   mem ember {m[0]:6.1f} MiB torch {m[1]:6.1f} MiB  mem e/t {m[0] / max(m[1], 0.1):5.2f}x",
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
