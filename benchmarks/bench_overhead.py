"""Per-op overhead: a chain of 100 small elementwise ops on a (16,) float32 tensor."""
import numpy as np


def workloads(lib):
    x0 = np.random.default_rng(0).standard_normal(16).astype(np.float32)
    x = lib.tensor(x0)
    xg = lib.tensor(x0, requires_grad=True)

    def chain(t):
        for _ in range(25):
            t = t * 1.01
            t = t + 0.5
            t = t.tanh()
            t = t - 0.25
        return t

    def fwd_nograd():
        with lib.no_grad():
            chain(x)

    def fwd_bwd():
        chain(xg).sum().backward()

    return {"100 ops fwd no_grad": fwd_nograd, "100 ops fwd+bwd": fwd_bwd}
