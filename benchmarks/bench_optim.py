"""Optimizer step time: 100 parameter tensors totalling 1M float32 elements, gradients set.

SGD with momentum and Adam, one `step()` per call (the parameters keep moving; the numbers stay finite).
"""
import numpy as np


def _model(lib):
    rng = np.random.default_rng(0)
    sizes = [10_000] * 100                       # 100 tensors, 1M elements in all
    shapes = [(100, 100) if i % 2 == 0 else (10_000,) for i in range(len(sizes))]
    params = []
    for shape in shapes:
        p = lib.tensor(rng.standard_normal(shape).astype(np.float32) * 0.01, requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(shape).astype(np.float32) * 1e-3)
        params.append(p)
    return params


def workloads(lib):
    sgd = lib.optim.SGD(_model(lib), lr=1e-3, momentum=0.9)
    adam = lib.optim.Adam(_model(lib), lr=1e-4)
    sgd.step()
    adam.step()
    return {"sgd_momentum_step": sgd.step, "adam_step": adam.step}
