"""Small PyTorch programs in the style of PyTorch's tutorials run unchanged on ember.

Each script in tests/compat_scripts/ is plain PyTorch code with seeded numpy data and weights. It
runs (a) with `import torch` resolving to ember (what `python -m ember.compat` does) and (b) with the
real torch, each in a fresh forked process, and every number printed must agree (integers exactly). Lines starting with `#` depend on a framework's own random
stream (dropout, shuffling) and are not compared; those scripts assert on their own that training
makes progress. Scripts that need torchvision (absent from the oracle environment) run on ember
only and check their results against numpy inside the script.
"""
from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "compat_scripts")
ORACLE = ["quickstart", "tensors", "polynomial", "cifar_cnn", "gan_autoencoder", "training_utils",
          "attention", "modern_template", "vae_policy", "dcgan", "rnn_text", "gcn_sparse", "whole_model_pickle",
          "namespaces", "indexing_and_aliases", "edge_cases", "volumetric_3d"]
EMBER_ONLY = ["custom_dataset", "torchvision_finetune"]
NUM = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
                 r"|[-+]?(?<![A-Za-z])inf(?![A-Za-z])|(?<![A-Za-z])nan(?![A-Za-z])")


# One process per framework imports it once, then forks a child per script (each script starts from
# the same fresh state, and the 2 s torch import is paid once instead of once per script).
_RUNNER = r"""
import os, runpy, sys, traceback
use_ember, outdir, scripts = sys.argv[1] == "ember", sys.argv[2], sys.argv[3:]
if use_ember:
    import ember.compat
    ember.compat.install()
import torch  # noqa: F401  (ember under compat)
for path in scripts:
    name = os.path.splitext(os.path.basename(path))[0]
    work = os.path.join(outdir, name)
    os.makedirs(work, exist_ok=True)
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.chdir(work)
            out = os.open(os.path.join(outdir, name + ".out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            err = os.open(os.path.join(outdir, name + ".err"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(out, 1)
            os.dup2(err, 2)
            sys.argv = [path]
            runpy.run_path(path, run_name="__main__")
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    with open(os.path.join(outdir, name + ".rc"), "w") as f:
        f.write(str(os.waitstatus_to_exitcode(status)))
"""


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _run_all(names, use_ember, outdir):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    paths = [os.path.join(SCRIPTS, n + ".py") for n in names]
    proc = subprocess.run([sys.executable, "-c", _RUNNER, "ember" if use_ember else "torch", outdir, *paths],
                          env=env, capture_output=True, text=True, timeout=600)
    results = {}
    for n in names:
        def read(ext):
            p = os.path.join(outdir, n + ext)
            return open(p).read() if os.path.exists(p) else ""
        rc = read(".rc")
        results[n] = _Result(int(rc) if rc else -1, read(".out"), read(".err") + proc.stderr[-3000:])
    return results


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Every script's ember run (and torch run, when torch is installed): the two runners in parallel."""
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    jobs = [(ORACLE + EMBER_ONLY, True)] + ([(ORACLE, False)] if have_torch else [])
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [(use, pool.submit(_run_all, names, use, str(tmp_path_factory.mktemp("ember" if use else "torch"))))
                   for names, use in jobs]
        out = {}
        for use, f in futures:
            for name, res in f.result().items():
                out[(name, use)] = res
        return out


def _ok(proc, what):
    assert proc.returncode == 0, f"{what} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return proc.stdout


def _compared_lines(text):
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _numbers(line):
    return NUM.findall(line)


def _same_number(x, y):
    if re.fullmatch(r"[-+]?\d+", x) and re.fullmatch(r"[-+]?\d+", y):
        return int(x) == int(y)          # counts, indices, labels: exact
    a, b = float(x), float(y)
    # printed floats are rounded to ~5 digits, hence the absolute slack
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-4, abs_tol=2e-4)


@pytest.mark.parametrize("name", ORACLE)
def test_script_matches_torch(name, outputs, torch):
    ours = _compared_lines(_ok(outputs[(name, True)], f"ember run of {name}.py"))
    theirs = _compared_lines(_ok(outputs[(name, False)], f"torch run of {name}.py"))
    assert len(ours) == len(theirs), (ours, theirs)
    for a, b in zip(ours, theirs):
        assert NUM.sub("#", a) == NUM.sub("#", b), f"text differs:\n ember: {a}\n torch: {b}"
        na, nb = _numbers(a), _numbers(b)
        assert len(na) == len(nb) and all(_same_number(x, y) for x, y in zip(na, nb)), \
            f"numbers differ:\n ember: {a}\n torch: {b}"


@pytest.mark.parametrize("name", EMBER_ONLY)
def test_script_runs_on_ember(name, outputs):
    out = _ok(outputs[(name, True)], f"ember run of {name}.py")
    assert out.rstrip().endswith("ok"), out
