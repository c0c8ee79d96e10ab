"""Memory: what the core keeps alive and for how long (graphs freed without the cyclic GC, flat memory over a
training loop, the bounded scalar cache, the view registry). These tests read internals on purpose
(`_vc`, the view registry; `_node`; `ember._tensor_base._SCALARS`), kept to the minimum each needs."""
from __future__ import annotations

import gc
import weakref

import numpy as np

import ember


def test_scalar_cache_bounded_and_read_only():
    from ember import _tensor_base as T
    x = ember.ones(3)
    for i in range(2000):
        x * (1.0 + i)
    assert len(T._SCALARS) <= 512
    for s in T._SCALARS.values():
        assert not s.flags.writeable
    z = ember.tensor([1.0]) * -0.0          # never served from a cached +0.0
    assert np.signbit(z.numpy()[0])


def _time_rows(n):
    import time
    h = ember.randn(n, 2, requires_grad=True) * 2
    best = float("inf")
    gc.disable()               # the cyclic GC's full passes grow with the heap: time the registry only
    try:
        for _ in range(5):
            t0 = time.perf_counter()
            rows = list(h)
            best = min(best, time.perf_counter() - t0)
            del rows
    finally:
        gc.enable()
    return best


def test_view_registry_amortised():
    # thousands of live views of a non-leaf: registration stays linear (it used to rescan the whole
    # list on every view once 33 were alive: 20x the rows took about 400x the time; now about 25x)
    small, big = _time_rows(400), _time_rows(8000)
    assert big < 120 * small, (small, big)
    x = ember.randn(3000, 2, requires_grad=True)
    h = x * 2
    rows = list(h)
    vc = h._vc
    assert len(vc) <= 2 * len(rows) + 64
    del rows
    for i in range(1500):
        h[i % 7]          # transient views: dead entries are pruned (at the latest when the list doubles)
    assert len(vc) <= 64
    v = h[:2]
    h.mul_(3)                                 # live views follow an in-place write to their base
    v.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[:2], 6.0)
    np.testing.assert_allclose(x.grad.numpy()[2:], 0.0)


def test_training_loop_memory_flat():
    """Views, in-place writes, hooks, retain_grad and a custom Function: nothing accumulates."""
    import tracemalloc

    class F(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3

    g = ember.Generator().manual_seed(0)
    W = ember.randn(16, 16, generator=g, requires_grad=True)
    W.register_hook(lambda gr: gr * 1.0)

    def step():
        h = ember.randn(4, 16, generator=g) @ W
        h.register_hook(lambda gr: None)
        v = h[:, :8]
        h2 = h * 1
        h2[:, 0] = 0
        h2.t().add_(1)
        h2.retain_grad()
        buf = ember.zeros(4, 16)
        buf[:, :] = F.apply(h2).relu()
        (buf.sum() + v.sum()).backward()
        with ember.no_grad():
            W.sub_(W.grad * 1e-4)
        W.grad = None

    for _ in range(20):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(30):
            step()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        n0 = len(gc.get_objects())
        for _ in range(150):
            step()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
        n1 = len(gc.get_objects())
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, grown
    assert n1 - n0 < 50
    assert len(W._vc) == 1


def test_graph_freed_without_gc():
    """With the cyclic GC off, dropping the loss frees the whole graph (views, in-place, hooks, Functions)."""
    class F(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.save_for_backward(x, out)     # saving its own output must not make a cycle
            return out

        @staticmethod
        def backward(ctx, g):
            x, out = ctx.saved_tensors
            return g * out / x

    x = ember.rand(4, 8) + 0.5
    x.requires_grad_()

    def build():
        h = x * 2
        v = h[:, :4]
        h2 = h * 1
        h2.mul_(2)
        h2[:, 0] = 1
        h2.register_hook(lambda g: g)
        y = F.apply(h2)
        loss = y.sum() + v.sum()
        return loss, [weakref.ref(h), weakref.ref(h2._node), weakref.ref(v), weakref.ref(y._node)]

    gc.collect()
    gc.disable()
    try:
        for run_backward in (True, False):
            loss, refs = build()
            if run_backward:
                loss.backward(retain_graph=True)
            del loss
            assert [r() for r in refs] == [None] * len(refs)
    finally:
        gc.enable()
    # the saved output unpacks as a tensor of the graph: gradients, double backward
    (g,) = ember.autograd.grad(build()[0], x, create_graph=True)
    g.sum().backward()
    # column 0 is overwritten (only v's 2 reaches x), columns 1-3 get 2*2*2 + 2, columns 4-7 get 8
    np.testing.assert_allclose(g.detach().numpy(), np.tile([2.0, 10, 10, 10, 8, 8, 8, 8], (4, 1)), rtol=1e-5)


def test_function_ctx_does_not_keep_inputs_alive():
    class F(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = ember.ones(3, requires_grad=True)
    y = x * 2
    r = weakref.ref(y)
    out = F.apply(y, x)
    del y
    assert r() is None          # only y's node stays in the graph, not y's array
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0)


def test_view_registration_only_when_base_requires_grad():
    x = ember.zeros(4, 4)
    views = [x[0], x.view(-1), x.t()]
    assert len(x._vc) == 1 and all(v._vc is x._vc for v in views)   # shared counter, nothing registered
    y = ember.zeros(4, 4, requires_grad=True) * 1
    v = y[0]
    assert len(y._vc) == 2 and v._vc is y._vc
    c = x.t().reshape(-1)                                            # a copy: its own counter
    assert c._vc is not x._vc and getattr(c, "_base", None) is None


def test_inplace_activations_keep_one_copy(torch):
    # relu_ / leaky_relu_ save their result: the written tensor itself, not a second array (torch saves the
    # tensor too: LeakyReluBackward1); the gradients are torch's, and a negative slope is refused alike
    x0 = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    ops = [lambda L, t: L.relu_(t), lambda L, t: L.nn.functional.leaky_relu(t, 0.2, inplace=True)]
    for op in ops:
        grads, names = [], []
        for L in (ember, torch):
            x = L.tensor(x0, requires_grad=True)
            y = op(L, x * 1)
            if L is ember:
                assert any(c == "out" for c in y._node.op.saves)
                assert all(a is y._data for a, c in zip(y._node.saved, y._node.op.saves) if c == "out")
            names.append(y.grad_fn.name())
            y.backward(L.tensor(x0))
            grads.append(x.grad.numpy())
        assert names[0] == names[1]
        np.testing.assert_array_equal(grads[0], grads[1])
    for L in (ember, torch):
        y = L.nn.functional.leaky_relu(L.tensor(x0, requires_grad=True) * 1, -0.2, inplace=True)
        try:
            y.sum().backward()
        except RuntimeError as e:
            assert "negative slope" in str(e)
        else:
            raise AssertionError(f"{L.__name__}: no error for a negative in-place slope")
