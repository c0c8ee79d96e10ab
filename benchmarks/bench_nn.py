"""An MLP 784-512-512-10 training step (forward, cross_entropy, backward, SGD momentum), batch 128.

Target (issue 4): ember at most 1.1x torch; the step is GEMM-bound, so a NumPy framework can match it.

    python benchmarks/run.py nn
"""
from __future__ import annotations

import numpy as np

STEP_MEMORY = True


def workloads(lib):
    nn = lib.nn
    F = lib.nn.functional
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    model.train()
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 128).astype(np.int64))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def mlp_step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return {"mlp_step": mlp_step}


if __name__ == "__main__":
    import os
    import subprocess
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(subprocess.call([sys.executable, os.path.join(here, "run.py"), "nn"] + sys.argv[1:]))
