"""The autograd engine vs torch: accumulation, hooks, retain_grad, backward options, autograd.grad,
higher-order gradients, version counters, graph names, deep graphs and memory."""
from __future__ import annotations

import gc
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import ember

X2 = np.array([1.0, 2.0], np.float32)


def _leaf(L, x=X2, dtype=None):
    return L.tensor(x, requires_grad=True, dtype=dtype)


# ---- .grad accumulation, non-leaf grads, retain_grad, hooks -------------------------------------

def accumulate(L):
    x = _leaf(L)
    (x * 2).sum().backward()
    (x * x).sum().backward()
    return x.grad


def nonleaf_grad_is_none(L):
    x = _leaf(L)
    y = x * 2
    y.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return y.grad


def retain_grad(L):
    x = _leaf(L)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    return y.grad, y.retains_grad, x.grad, y.is_leaf


def retain_grad_accumulates(L):
    x = _leaf(L)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward(retain_graph=True)
    (y * y).sum().backward()
    return y.grad


def retain_grad_on_leaf(L):
    x = _leaf(L)
    x.retain_grad()
    (x * 2).sum().backward()
    return x.grad, x.retains_grad


def retain_grad_no_rg(L):
    L.ones(2).retain_grad()


def hook_leaf_replace_and_remove(L):
    x = _leaf(L)
    h = x.register_hook(lambda g: g * 10)
    (x * 2).sum().backward()
    g1 = x.grad.clone()
    h.remove()
    x.grad = None
    (x * 2).sum().backward()
    return g1, x.grad


def hook_leaf_observe(L):
    x = _leaf(L)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))
    (x * 3).sum().backward()
    return seen, x.grad


def hook_nonleaf(L):
    x = _leaf(L)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()) or g + 1)
    (y * y).sum().backward()
    return x.grad, seen


def hook_nonleaf_remove(L):
    x = _leaf(L)
    y = x * 3
    h = y.register_hook(lambda g: g * 0)
    h.remove()
    (y * y).sum().backward()
    return x.grad


def hooks_chain_in_order(L):
    x = _leaf(L)
    y = x * 1
    y.register_hook(lambda g: g + 1)
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    return x.grad


def hook_then_retain(L):
    x = _leaf(L)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    y.sum().backward()
    return y.grad, x.grad


def hook_no_rg(L):
    L.ones(2).register_hook(lambda g: g)


def grad_not_aliased(L):
    x = _leaf(L)
    g = L.tensor([1.0, 2.0])
    (x * 1).backward(g)
    x.grad.add_(1)
    return g, x.grad


def grad_setter(L):
    x = _leaf(L)
    x.grad = L.ones(2)
    (x * 2).sum().backward()
    return x.grad


def grad_setter_bad_shape(L):
    x = _leaf(L)
    x.grad = L.ones(3)


def grad_dtype_follows_leaf(L):
    a = _leaf(L, dtype=L.float64)
    b = _leaf(L)
    (a * b).sum().backward()
    return a.grad, b.grad


def broadcast_grads(L):
    a = L.ones(3, 1, requires_grad=True)
    b = L.ones(4, requires_grad=True)
    c = L.tensor(2.0, requires_grad=True)
    (a * b * c).sum().backward()
    return a.grad, b.grad, c.grad


def same_input_twice(L):
    x = _leaf(L)
    (x * x + x).sum().backward()
    return x.grad


def diamond(L):
    x = _leaf(L)
    y = x.exp()
    z = y * y + y.sin() if hasattr(y, "sin") else y * y
    (z + y).sum().backward()
    return x.grad


# ---- backward(): options and errors ------------------------------------------------------------

def backward_twice(L):
    x = _leaf(L)
    y = (x * x).sum()
    y.backward()
    y.backward()


def backward_twice_exp(L):
    x = _leaf(L)
    y = x.exp().sum()
    y.backward()
    y.backward()


def backward_twice_nothing_saved(L):
    x = _leaf(L)
    y = (x * 2).sum()
    y.backward()
    y.backward()
    return x.grad


def retain_graph(L):
    x = _leaf(L)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


def nonscalar_implicit(L):
    (_leaf(L) * 2).backward()


def int_output_implicit(L):
    _leaf(L).sum().long().backward()


def backward_gradient(L):
    x = _leaf(L)
    (x * x).backward(L.tensor([1.0, 10.0]))
    return x.grad


def backward_gradient_bad_shape(L):
    x = _leaf(L)
    (x * x).backward(L.tensor([1.0, 10.0, 3.0]))


def backward_gradient_0d(L):
    x = _leaf(L)
    (x * x).sum().backward(L.tensor(3.0))
    return x.grad


def backward_inputs_leaf(L):
    x = _leaf(L)
    w = L.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    return x.grad, w.grad


def backward_inputs_nonleaf(L):
    x = _leaf(L)
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return y.grad, x.grad


def backward_no_grad_fn(L):
    L.tensor([1.0]).sum().backward()


def backward_leaf_itself(L):
    x = _leaf(L)
    x.backward(L.tensor([1.0, 2.0]))
    return x.grad


def autograd_backward_fn(L):
    x = _leaf(L)
    L.autograd.backward([(x * 2).sum(), (x * x).sum()])
    return x.grad


def autograd_backward_grads(L):
    x = _leaf(L)
    L.autograd.backward([x * 2, x * x], [L.ones(2), L.tensor([1.0, 0.0])])
    return x.grad


def backward_under_no_grad(L):
    x = _leaf(L)
    y = (x * x).sum()
    with L.no_grad():
        y.backward()
    return x.grad


# ---- autograd.grad -----------------------------------------------------------------------------

def grad_basic(L):
    x = _leaf(L)
    g, = L.autograd.grad((x ** 3).sum(), x)
    return g, x.grad


def grad_second_order(L):
    x = _leaf(L)
    g, = L.autograd.grad((x ** 3).sum(), x, create_graph=True)
    g2, = L.autograd.grad(g.sum(), x)
    return g, g2, x.grad


def grad_third_order(L):
    x = _leaf(L)
    g, = L.autograd.grad((x ** 4).sum(), x, create_graph=True)
    g2, = L.autograd.grad(g.sum(), x, create_graph=True)
    g3, = L.autograd.grad(g2.sum(), x)
    return g3


def grad_unused(L):
    x, z = _leaf(L), L.tensor([1.0], requires_grad=True)
    return L.autograd.grad((x * 2).sum(), [x, z])


def grad_allow_unused(L):
    x, z = _leaf(L), L.tensor([1.0], requires_grad=True)
    return L.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)


def grad_materialize(L):
    x, z = _leaf(L), L.tensor([1.0], requires_grad=True)
    return L.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)


def grad_nonleaf_input(L):
    x = _leaf(L)
    y = x * 2
    return L.autograd.grad((y * y).sum(), y)


def grad_outputs(L):
    x = _leaf(L)
    return L.autograd.grad(x * x, x, grad_outputs=L.tensor([1.0, 3.0]))


def grad_multiple_outputs(L):
    x = _leaf(L)
    return L.autograd.grad([(x * x).sum(), (x * 3).sum()], [x])


def grad_input_no_rg(L):
    x = _leaf(L)
    return L.autograd.grad((x * 2).sum(), L.ones(2))


def grad_twice_frees(L):
    x = _leaf(L)
    y = (x * x).sum()
    L.autograd.grad(y, x)
    L.autograd.grad(y, x)


def grad_retain_graph(L):
    x = _leaf(L)
    y = (x * x).sum()
    a = L.autograd.grad(y, x, retain_graph=True)
    return a, L.autograd.grad(y, x)


def hvp(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = L.tensor([1.0, 0.0, -1.0])
    y = (x ** 3).sum() + x[0] * x[1] * x[2]
    g, = L.autograd.grad(y, x, create_graph=True)
    hv, = L.autograd.grad((g * v).sum(), x)
    return g.detach(), hv


def hvp_matrix(L):
    a = L.tensor(np.array([[2.0, 1.0], [1.0, 3.0]], np.float32))
    x = _leaf(L)
    y = 0.5 * (x @ a @ x) + x.exp().sum()
    g, = L.autograd.grad(y, x, create_graph=True)
    hv, = L.autograd.grad(g, x, grad_outputs=L.tensor([1.0, -1.0]))
    return hv


def gradient_penalty(L):
    w = L.tensor(np.array([[0.5, -1.0], [2.0, 0.3]], np.float32), requires_grad=True)
    b = L.tensor([0.1, -0.2], requires_grad=True)
    x = L.tensor(np.array([[1.0, 2.0], [-0.5, 0.5]], np.float32), requires_grad=True)
    out = ((x @ w + b).tanh() * (x @ w).sigmoid()).sum()
    g, = L.autograd.grad(out, x, create_graph=True)
    pen = (((g * g).sum(dim=1).sqrt() - 1) ** 2).mean()
    (pen + out).backward()
    return w.grad, b.grad, x.grad


def double_backward_via_backward(L):
    x = _leaf(L)
    y = (x.exp() * x).sum()
    y.backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    return g.detach(), x.grad, g.requires_grad


def double_backward_relu_log_sqrt_div(L):
    x = L.tensor([0.5, 2.0, 3.0], requires_grad=True)
    y = (x.relu() * x.log() + x.sqrt() / (x + 1) - x.tanh() * x.sigmoid() + x.abs().mean() + (-x).exp()).sum()
    g, = L.autograd.grad(y, x, create_graph=True)
    g2, = L.autograd.grad(g.sum(), x)
    return g.detach(), g2


def double_backward_matmul_broadcast(L):
    a = L.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 5, requires_grad=True)
    b = L.tensor(np.arange(3, dtype=np.float32) / 3, requires_grad=True)
    y = ((a * b) @ (a.reshape(3, 2) ** 2)).sum()
    ga, gb = L.autograd.grad(y, [a, b], create_graph=True)
    h = L.autograd.grad((ga.sum() + (gb * gb).sum()), [a, b])
    return ga.detach(), gb.detach(), h


def grad_of_piecewise_linear_grad(L):
    # torch's backward of these ops takes their inputs: the gradient (create_graph) requires grad, and its own
    # gradient is zero
    F = L.nn.functional
    x = L.tensor(np.linspace(-2, 2, 16, dtype=np.float32).reshape(1, 1, 4, 4), requires_grad=True)
    outs = []
    # (hardsigmoid too, where torch's second derivative is not implemented: ember's is zero)
    for f in (F.relu, F.relu6, lambda t: F.leaky_relu(t, 0.1), lambda t: F.threshold(t, 0.2, -1.0), F.hardtanh,
              lambda t: F.rrelu(t), lambda t: F.max_pool2d(t, 2), lambda t: F.avg_pool2d(t, 2),
              lambda t: F.adaptive_max_pool2d(t, 3), lambda t: F.nll_loss(t.reshape(4, 4), L.tensor([0, 1, 2, 3])),
              lambda t: F.leaky_relu_(t * 1, 0.1), lambda t: F.relu_(t * 1), lambda t: F.hardshrink(t, 0.7),
              lambda t: F.softshrink(t, 0.7)):
        g, = L.autograd.grad(f(x).sum(), x, create_graph=True)
        g2, = L.autograd.grad(g.sum(), x)
        outs += [g.requires_grad, g.detach(), g2]
    return outs


def grad_of_clamp_grad_refused(L):
    # clamp's backward is a mask of its input, not a function of it: torch's gradient does not require grad
    x = L.tensor([-2.0, 0.5, 2.0], requires_grad=True)
    g, = L.autograd.grad(x.clamp(-1, 1).sum(), x, create_graph=True)
    assert not g.requires_grad
    L.autograd.grad(g.sum(), x)


# ---- in-place and versions -------------------------------------------------------------------

def leaf_inplace(L):
    x = _leaf(L)
    x.add_(1)


def leaf_inplace_setitem(L):
    x = _leaf(L)
    x[0] = 1


def leaf_inplace_no_grad(L):
    x = _leaf(L)
    with L.no_grad():
        x.add_(1)
        x[0] = 7
    return x, x.is_leaf


def inplace_saved_exp(L):
    x = _leaf(L)
    y = x * 2
    z = y.exp()
    y.add_(1)
    z.sum().backward()


def inplace_output_of_exp(L):
    x = _leaf(L)
    y = x.exp()
    y.mul_(2)
    y.sum().backward()


def inplace_not_needed_mul_scalar(L):
    x = _leaf(L)
    y = x * 2
    z = y * 3
    y.add_(1)
    z.sum().backward()
    return x.grad


def inplace_not_needed_mul_const(L):
    x = _leaf(L)
    m = L.tensor([1.0, 0.0])
    y = x * 2
    z = y * m
    y.add_(1)
    z.sum().backward()
    return x.grad


def inplace_needed_mul_const(L):
    x = _leaf(L)
    m = L.tensor([1.0, 0.0])
    y = x * 2
    z = m * y
    m.add_(1)
    z.sum().backward()


def inplace_pow_output(L):
    x = _leaf(L)
    y = x ** 2
    y.add_(1)
    y.sum().backward()
    return x.grad


def inplace_div_scalar(L):
    x = _leaf(L)
    y = x * 2
    z = y / 3
    y.add_(1)
    z.sum().backward()
    return x.grad


def inplace_matmul_const(L):
    x = _leaf(L)
    y = x * 2
    z = y @ L.tensor([1.0, 2.0])
    y.add_(1)
    z.backward()
    return x.grad


def inplace_matmul_self(L):
    x = _leaf(L)
    y = x * 2
    z = y @ y
    y.add_(1)
    z.backward()


def inplace_relu_output(L):
    x = _leaf(L)
    z = (x * 2).relu()
    z.add_(1)
    z.sum().backward()


def inplace_sigmoid_tanh_output(L):
    x = _leaf(L)
    z = x.tanh()
    z.mul_(2)
    z.sum().backward()


def inplace_chain_grads(L):
    x = _leaf(L)
    y = x * 1
    y.mul_(3)
    y.add_(x)
    y.exp_()
    y.sum().backward()
    return x.grad, y.grad_fn.name()


def inplace_self_mul(L):
    x = _leaf(L)
    y = x * 1
    y *= y
    y.sum().backward()


def inplace_mul_other_rg(L):
    x = _leaf(L)
    w = L.tensor([3.0, 4.0], requires_grad=True)
    y = x * 1
    y.mul_(w)
    y.sum().backward()
    return x.grad, w.grad


def inplace_setitem_grad(L):
    x = _leaf(L)
    y = x * 1
    y[0] = 5
    y.sum().backward()
    return x.grad


def inplace_setitem_tensor_value(L):
    x = _leaf(L)
    v = L.tensor(3.0, requires_grad=True)
    y = x * 1
    y[1] = v * 2
    (y * y).sum().backward()
    return x.grad, v.grad


def inplace_setitem_saved(L):
    x = _leaf(L)
    y = x * 1
    z = y ** 2
    y[0] = 5
    z.sum().backward()


def inplace_on_view_of_saved(L):
    x = _leaf(L)
    y = x * 1
    z = y.sigmoid()
    w = y[0:1].detach()
    w.zero_()
    z.sum().backward()


def inplace_zero_fill_grad(L):
    x = _leaf(L)
    y = x * 2
    y.zero_()
    (y + x).sum().backward()
    return x.grad


def version_counter(L):
    x = L.ones(2)
    v0 = x._version
    x.add_(1)
    x[0] = 3
    x.mul_(2)
    return v0, x._version


def requires_grad_spreads_through_inplace(L):
    x = L.ones(2)
    w = L.tensor([2.0, 3.0], requires_grad=True)
    x.mul_(w)
    x.sum().backward()
    return x.requires_grad, x.is_leaf, w.grad


# ---- graph introspection ----------------------------------------------------------------------

def _walk(f):
    if f is None:
        return None
    return (f.name(), tuple(_walk(g) for g, _ in f.next_functions))


def names_simple(L):
    a = _leaf(L)
    b = L.tensor([3.0, 4.0])
    return _walk((a * b + a).sum().grad_fn)


def names_mixed(L):
    a = _leaf(L)
    return _walk((a.exp() * 2 - a.relu() / 3).mean().grad_fn)


def names_matmul_reshape(L):
    a = L.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    b = L.tensor(np.ones((3, 2), np.float32), requires_grad=True)
    return _walk((a @ b).reshape(4).tanh().sigmoid().sqrt().log().neg().abs().grad_fn)


def names_pow_sub_scalars(L):
    a = _leaf(L)
    return _walk((1 - a ** 2 + a * 2 + a / 2).sum().grad_fn)


def accumulate_grad_variable(L):
    a = _leaf(L)
    y = a * 2
    return y.grad_fn.next_functions[0][0].variable is a


CASES = [v for k, v in list(globals().items()) if callable(v) and getattr(v, "__module__", None) == __name__
         and not k.startswith("_") and k not in ("warnings",) and v.__code__.co_varnames[:1] == ("L",)]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_autograd_vs_torch(same, case):
    same(case, rtol=1e-4, atol=1e-5)


def test_backward_twice_message():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        y.backward()


def test_version_error_message():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="^one of the variables needed for gradient computation has been "
                                           "modified by an inplace operation"):
        y.sum().backward()


def test_leaf_inplace_message():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        x.mul_(2)


def test_nonleaf_grad_warns(torch):
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        with pytest.warns(UserWarning, match="is not a leaf Tensor"):
            assert y.grad is None
        y.retain_grad()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert y.grad is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert x.grad is None


def test_deep_chain_no_recursion_error():
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 10000, rtol=1e-3)
    # a deep graph is also freed without recursion when the last reference goes
    y = x
    for _ in range(20000):
        y = y + 1.0
    del y


def test_graph_freed_by_refcount():
    gc.disable()
    try:
        x = ember.randn(100, requires_grad=True)
        y = (x * 2).exp()
        z = y.sum()
        ry, rn = weakref.ref(y), weakref.ref(y.grad_fn)
        z.backward()
        del y, z
        assert ry() is None and rn() is None
        # without backward too
        y = (x * 2).tanh()
        rn = weakref.ref(y.grad_fn)
        del y
        assert rn() is None
    finally:
        gc.enable()


def test_backward_frees_saved_tensors():
    x = ember.randn(1000, requires_grad=True)
    y = x.exp()
    big = y * y
    node = big.grad_fn
    big.sum().backward()
    assert node.saved is not None and not isinstance(node.saved, tuple)   # released after use


def test_memory_flat_over_training_loop():
    rng = np.random.default_rng(0)
    w = ember.tensor(rng.standard_normal((64, 64)).astype(np.float32) * 0.1, requires_grad=True)
    xb = ember.tensor(rng.standard_normal((32, 64)).astype(np.float32))

    def step():
        h = (xb @ w).tanh()
        loss = ((h - 0.5) ** 2).mean() + (w * w).sum() * 1e-4
        loss.backward()
        with ember.no_grad():
            w.sub_(w.grad * 0.01)
        w.grad = None

    gc.disable()
    try:
        for _ in range(20):
            step()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            step()
        grown = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
    finally:
        gc.enable()
    assert grown < 200_000, grown


def test_backward_hook_count_and_grad_fn_register_hook():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(1))
    y = x * 2
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert len(calls) == 2


def test_seed_snippets(torch):
    class Double:
        def __call__(self, t):
            return t * 2

    ember.manual_seed(0)
    x = ember.rand(1, 784)
    assert x.shape == (1, 784) and x.dtype is ember.float32
    x.requires_grad_()
    y = Double()(x).sum()
    y.backward()
    assert np.array_equal(x.grad.numpy(), np.full((1, 784), 2, np.float32))
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    yt = Double()(xt).sum()
    yt.backward()
    np.testing.assert_allclose(y.item(), yt.item(), rtol=1e-6)
    x2 = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y2 = (x2 * 2).sum()
    y2.backward()
    assert x2.grad.tolist() == [2.0, 2.0, 2.0]
    assert repr(y2) == "tensor(12., grad_fn=<SumBackward0>)"


def test_leaf_grads_never_alias():
    # Add's backward hands one array to both inputs: each leaf must get its own .grad
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    for _ in range(2):
        (a + b).backward(ember.ones(3))
    assert a.grad.tolist() == [2.0, 2.0, 2.0] and b.grad.tolist() == [2.0, 2.0, 2.0]
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    # a hook that keeps the gradient it saw must not see it change afterwards
    kept = []
    c = ember.ones(2, requires_grad=True)
    c.register_hook(lambda g: kept.append(g))
    (c * 3).sum().backward()
    (c * 3).sum().backward()
    assert kept[0].tolist() == [3.0, 3.0] and c.grad.tolist() == [6.0, 6.0]
    # create_graph: distinct Tensor objects
    d, e = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    (d + e).sum().backward(create_graph=True)
    assert d.grad is not e.grad


def test_custom_function_returning_saved_tensor_as_grad():
    class F(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return x         # an existing tensor: .grad must not alias it

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = ember.tensor([5.0, 5.0])
    F.apply(y * 1 + x * 0 + x).sum().backward()
    x2 = ember.tensor([1.0, 2.0], requires_grad=True)
    F.apply(x2).sum().backward()
    F.apply(x2).sum().backward()
    assert x2.tolist() == [1.0, 2.0] and x2.grad.tolist() == [2.0, 4.0]


def data_writes_untracked(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    x.data.add_(1)          # .data: own version counter, so no error (torch uses the new values)
    y.sum().backward()
    return x.grad, x._version


def detach_writes_tracked(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    x.detach().add_(1)      # detach() shares the version counter
    y.sum().backward()


@pytest.mark.parametrize("case", [data_writes_untracked, detach_writes_tracked],
                         ids=["data_writes_untracked", "detach_writes_tracked"])
def test_data_vs_detach_versions(same, case):
    same(case)


def hook_changes_dtype(L):
    x = _leaf(L)
    y = x * 2
    y.register_hook(lambda g: g.double())
    y.sum().backward()


def hook_changes_shape(L):
    x = _leaf(L)
    y = x * 2
    y.register_hook(lambda g: g[:1])
    y.sum().backward()


def leaf_hook_changes_dtype(L):
    x = _leaf(L)
    x.register_hook(lambda g: g.double())
    (x * 2).sum().backward()


@pytest.mark.parametrize("case", [hook_changes_dtype, hook_changes_shape, leaf_hook_changes_dtype],
                         ids=["hook_changes_dtype", "hook_changes_shape", "leaf_hook_changes_dtype"])
def test_hook_result_checked(same, case):
    same(case)


def retain_then_inplace(L):
    x = _leaf(L)
    y = x * 1
    y.retain_grad()
    y.mul_(2)
    (y * 3).sum().backward()
    return y.grad, x.grad


def hook_then_inplace(L):
    x = _leaf(L)
    y = x * 1
    y.register_hook(lambda g: g * 100)
    y.mul_(2)
    (y * 3).sum().backward()
    return x.grad


def retain_then_view_inplace(L):
    x = L.tensor([[1.0, 2.0]], requires_grad=True)
    y = x * 1
    y.retain_grad()
    y[0].mul_(2)
    (y * 3).sum().backward()
    return y.grad, x.grad


def retain_twice_with_inplace(L):
    x = _leaf(L)
    y = x * 1
    y.retain_grad()
    y.add_(1)
    y.retain_grad()
    y.sum().backward()
    return y.grad, y.retains_grad


_RETAIN = [retain_then_inplace, hook_then_inplace, retain_then_view_inplace, retain_twice_with_inplace]


@pytest.mark.parametrize("case", _RETAIN, ids=[c.__name__ for c in _RETAIN])
def test_retain_grad_follows_inplace(same, case):
    same(case)


def test_tutorial_polynomial_fit_matches_torch(torch):
    # the PyTorch tutorial's tensors+autograd loop: fit sin(x) with a cubic, manual SGD under no_grad
    def run(L):
        x = L.linspace(-np.pi, np.pi, 200)
        y = L.tensor(np.sin(np.linspace(-np.pi, np.pi, 200)).astype(np.float32))
        a, b, c, d = (L.tensor(v, requires_grad=True) for v in (0.1, -0.2, 0.3, -0.05))
        lr = 1e-6
        losses = []
        for t in range(60):
            y_pred = a + b * x + c * x ** 2 + d * x ** 3
            loss = (y_pred - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with L.no_grad():
                a -= lr * a.grad
                b -= lr * b.grad
                c.sub_(lr * c.grad)
                d.data.add_(-lr * d.grad)
                a.grad = None
                b.grad.zero_()
                c.grad.zero_()
                d.grad.zero_()
        return losses, [v.item() for v in (a, b, c, d)]

    el, ep = run(ember)
    tl, tp = run(torch)
    np.testing.assert_allclose(el, tl, rtol=1e-4)
    np.testing.assert_allclose(ep, tp, rtol=1e-4, atol=1e-6)
    assert el[-1] < el[0]
