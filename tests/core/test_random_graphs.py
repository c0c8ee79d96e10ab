"""Randomly generated programs of core ops (broadcasting, reductions, views, in-place writes, reuse of
intermediates) run through torch and ember: same values and same gradients for every leaf."""
from __future__ import annotations

import os

import numpy as np
import pytest

import ember


def _program(seed, n_steps=14):
    """A list of (op, args) over a growing pool of tensors; shapes kept (3, 4)-broadcastable."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (3, 1), (1, 4), ()]
    leaves = [(rng.uniform(0.5, 1.5, shapes[rng.integers(len(shapes))]) * rng.choice([-1.0, 1.0])).astype(np.float32)
              for _ in range(3)]
    leaves[0] = rng.uniform(0.5, 1.5, (3, 4)).astype(np.float32)
    steps = []
    for _ in range(n_steps):
        kind = rng.choice(["binary", "unary", "scalar", "reduce", "view", "inplace", "matmul"],
                          p=[0.25, 0.2, 0.15, 0.1, 0.1, 0.1, 0.1])
        steps.append((str(kind), int(rng.integers(1 << 30))))
    return leaves, steps


BIN = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b * b + 1)]
UN = [lambda a: a.tanh(), lambda a: a.sigmoid(), lambda a: (a * 0.3).exp(), lambda a: -a, lambda a: a.relu(),
      lambda a: (a * a + 1).sqrt(), lambda a: (a * a + 1).log(), lambda a: a.abs(), lambda a: a ** 2]
SC = [lambda a: a * 1.5, lambda a: 2 - a, lambda a: a / 4, lambda a: a + 1, lambda a: 0.5 ** (a * 0.1)]


def _run(L, leaves, steps, second_order=False):
    ts = [L.tensor(x, requires_grad=True) for x in leaves]
    pool = list(ts)
    for kind, s in steps:
        r = np.random.default_rng(s)
        a = pool[r.integers(len(pool))]
        if kind == "binary":
            b = pool[r.integers(len(pool))]
            out = BIN[r.integers(len(BIN))](a, b)
        elif kind == "unary":
            out = UN[r.integers(len(UN))](a)
        elif kind == "scalar":
            out = SC[r.integers(len(SC))](a)
        elif kind == "reduce":
            if a.dim() == 0:
                out = a * 1
            else:
                d = int(r.integers(a.dim()))
                out = a.sum(d, keepdim=True) if r.random() < 0.5 else a.mean(d, keepdim=True)
        elif kind == "view":
            if a.dim() == 2:
                out = [lambda t: t.t().reshape(t.shape), lambda t: t.reshape(-1).reshape(t.shape),
                       lambda t: t[:, None][:, 0]][r.integers(3)](a)
            else:
                out = a.reshape(a.shape)
        elif kind == "inplace":
            base = a * 1           # in-place on a fresh intermediate (or a view of it)
            u = r.random()
            if base.dim() == 2 and u < 0.3:
                v = base[int(r.integers(base.shape[0]))]
                v.mul_(1.5)
                if r.random() < 0.5:
                    v.add_(pool[r.integers(len(pool))].sum() * 0.1)
            elif base.dim() == 2 and u < 0.5:
                v = base[:, 1:3]                      # a view taken before a write to its base
                base.mul_(2.0)
                base = base + v.sum() * 0.5
            elif base.dim() == 2 and u < 0.7:
                src = pool[r.integers(len(pool))]
                base[0] = src.sum() * 0.2             # setitem with a value that requires grad
                base[1:, ::2] += 1.0
            else:
                base.mul_(0.7)
                base.add_(1.0)
            out = base
        else:  # matmul with a (4, 4) leaf-derived matrix when shapes allow
            if a.dim() >= 1 and a.shape[-1] == 4:
                m = (ts[0].t() @ ts[0]) * 0.1
                out = a @ m
            else:
                out = a * 1
        pool.append(out)
        u = r.random()
        if u < 0.05:
            pool[-1] = out.detach()
        elif u < 0.15 and out.requires_grad and not out.is_leaf:
            out.register_hook(lambda g: g * 1.25)
    total = sum((p * (i + 1) * 0.1).sum() for i, p in enumerate(pool[len(ts):]))
    if not total.requires_grad:
        total = total + ts[0].sum()
    if second_order:
        gs = L.autograd.grad(total, ts, create_graph=True, allow_unused=True)
        pen = sum(((g * g).sum() for g in gs if g is not None and g.requires_grad), L.tensor(0.0))
        gs2 = L.autograd.grad(pen + total, ts, allow_unused=True)
        return [total] + [g.detach() if g is not None else L.zeros_like(t) for g, t in zip(gs, ts)] + \
            [g if g is not None else L.zeros_like(t) for g, t in zip(gs2, ts)]
    total.backward()
    return [total] + [t.grad if t.grad is not None else L.zeros_like(t) for t in ts]


_SEEDS = int(os.environ.get("EMBER_FUZZ_SEEDS", "40"))


@pytest.mark.parametrize("second_order", [False, True], ids=["backward", "double_backward"])
@pytest.mark.parametrize("seed", range(_SEEDS))
def test_random_program(torch, seed, second_order):
    leaves, steps = _program(seed)
    want = _run(torch, leaves, steps, second_order)
    got = _run(ember, leaves, steps, second_order)
    for w, g in zip(want, got):
        assert tuple(g.shape) == tuple(w.shape)
        assert repr(g.dtype) == repr(w.dtype)
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=2e-4, atol=2e-4)
