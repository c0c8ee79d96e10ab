"""`python -m ember.compat SCRIPT.py`: unmodified PyTorch scripts run on ember.

Every run is a subprocess: the real torch (the test oracle) may already be imported here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest

_spec = importlib.util.spec_from_file_location(
    "_vision_idx", os.path.join(os.path.dirname(os.path.abspath(__file__)), "vision", "_vision_idx.py")
)
_idx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_idx)
write_mnist = _idx.write_mnist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "mnist.py")


def run_compat(args, cwd, timeout=120):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "ember.compat", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


IMPORT_STYLES = """
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch import nn as nn2
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset, TensorDataset
import torch.utils.data
import torchvision
import torchvision.transforms as T
from torchvision import datasets, transforms
from torchvision.transforms import functional as TF
import torch.backends.cudnn as cudnn
import ember

assert torch is ember and nn is ember.nn and nn2 is nn and F is ember.nn.functional
assert datasets is ember.vision.datasets and T is transforms is ember.vision.transforms
assert torchvision is ember.vision and torch.utils.data.DataLoader is DataLoader
assert TF is ember.vision.transforms.functional and StepLR is ember.optim.lr_scheduler.StepLR
assert ember.nn.__spec__.name == "ember.nn"  # the alias does not rename ember's modules
assert not torch.cuda.is_available() and torch.cuda.device_count() == 0
assert not torch.backends.mps.is_available() and not torch.backends.cudnn.is_available()
cudnn.deterministic = True
torch.cuda.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
assert not torch.accelerator.is_available() and torch.accelerator.current_accelerator() is None
model = nn.Sequential(nn.Linear(3, 2)).to(device)
x = torch.ones(4, 3).to(device)
loader = DataLoader(TensorDataset(x, torch.zeros(4, dtype=torch.long)), batch_size=2)
xb, yb = next(iter(loader))
out = model(xb)
assert tuple(out.shape) == (2, 2) and str(device) == "cpu"
try:
    torch.nn.functional.frobnicate
except AttributeError as e:
    print("ATTR:", e)
try:
    torch.optim.lr_scheduler.Frobnicator  # a module reached by attribute only
except AttributeError as e:
    print("ATTR2:", e)
try:
    torch.frobnicate
except AttributeError as e:
    print("ATTR3:", e)
try:
    import torch.jit.frontend
except ImportError as e:
    print("MOD:", e)
print("ARGV:", sys.argv[1:])
print("OK")
"""


def test_each_import_style(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(IMPORT_STYLES)
    r = run_compat([str(script), "--flag", "x"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "OK" in r.stdout and "ARGV: ['--flag', 'x']" in r.stdout
    assert re.search(r"ATTR: .*'frobnicate' is not implemented in ember", r.stdout)
    assert re.search(r"ATTR2: .*'Frobnicator' is not implemented in ember", r.stdout)
    assert re.search(r"ATTR3: .*frobnicate.*not implemented in ember", r.stdout)
    assert re.search(r"MOD: .*torch.jit.frontend is not implemented in ember", r.stdout)


def torch_flavoured_example() -> str:
    """examples/mnist.py rewritten with PyTorch's own imports, as the official script has them."""
    src = open(EXAMPLE).read()
    for old, new in [
        ("import ember as torch", "import torch"),
        ("import ember.nn as nn", "import torch.nn as nn"),
        ("import ember.nn.functional as F", "import torch.nn.functional as F"),
        ("import ember.optim as optim", "import torch.optim as optim"),
        ("from ember.optim.lr_scheduler", "from torch.optim.lr_scheduler"),
        ("from ember.utils.data", "from torch.utils.data"),
        ("from ember.vision import", "from torchvision import"),
    ]:
        assert old in src
        src = src.replace(old, new)
    assert "ember" not in re.sub(
        r"#.*|\"\"\"[\s\S]*?\"\"\"|'[^'\n]*'|\"[^\"\n]*\"", "", src.split("import torch", 1)[1]
    )
    return src


def test_example_runs_as_pytorch_script(tmp_path):
    write_mnist(tmp_path / "data" / "MNIST" / "raw", n=40, prefix="train")
    write_mnist(tmp_path / "data" / "MNIST" / "raw", n=20, prefix="t10k", seed=1)
    script = tmp_path / "main.py"
    script.write_text(torch_flavoured_example())
    r = run_compat(
        [
            str(script),
            "--dry-run",
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--test-batch-size",
            "10",
            "--data",
            str(tmp_path / "data"),
        ],
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert re.search(r"Test set: Average loss: \d+\.\d{4}, Accuracy: \d+/20 \(\d+%\)", r.stdout), r.stdout
    assert "Train Epoch: 1 [0/40 (0%)]" in r.stdout


def test_runner_usage_and_errors(tmp_path):
    r = run_compat([], cwd=tmp_path)
    assert r.returncode == 2 and "usage" in r.stdout
    r = run_compat(["missing.py"], cwd=tmp_path)
    assert r.returncode == 2 and "can't open file" in r.stderr
    (tmp_path / "mod_x.py").write_text("import torch, sys\nprint('MOD', torch.__name__, sys.argv[1:])\n")
    r = run_compat(["-m", "mod_x", "a"], cwd=tmp_path)
    assert r.returncode == 0 and "MOD ember ['a']" in r.stdout, r.stderr


def run_py(code, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_install_uninstall_in_process(tmp_path):
    r = run_py(
        "import ember.compat as c, sys; c.install(); c.install(); import torch.nn as nn; print(nn.__name__);"
        "c.uninstall(); print('torch' in sys.modules, c.installed())",
        tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["ember.nn", "False", "False"]


def test_install_refuses_when_real_torch_is_loaded(tmp_path):
    # a stand-in for the real torch already in sys.modules (importing the real one takes seconds)
    r = run_py(
        "import sys, types; sys.modules['torch'] = types.ModuleType('torch')\nimport ember.compat as c\n"
        "try:\n    c.install()\nexcept RuntimeError as e:\n    print('ERR', e)",
        tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "ERR the real torch is already imported" in r.stdout


def test_cuda_and_backends_answer_like_cpu_torch():
    import ember

    assert ember.cuda.is_available() is False and ember.cuda.device_count() == 0
    ember.cuda.manual_seed_all(1)
    with pytest.raises(AssertionError, match="CUDA"):
        ember.cuda.current_device()
    assert ember.backends.mps.is_available() is False and ember.backends.cuda.is_built() is False
