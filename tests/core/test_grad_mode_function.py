"""Grad modes (context managers, decorators, thread-locality) and autograd.Function vs torch."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import ember


def _x(L):
    return L.tensor([1.0, 2.0, 3.0], requires_grad=True)


def no_grad_ctx(L):
    x = _x(L)
    with L.no_grad():
        y = x * 2
    return y.requires_grad, y.grad_fn, y.is_leaf, L.is_grad_enabled()


def no_grad_deco(L):
    x = _x(L)

    @L.no_grad()
    def f():
        return (x * 2).requires_grad, L.is_grad_enabled()
    return f(), L.is_grad_enabled()


def no_grad_bare_deco(L):
    x = _x(L)

    @L.no_grad
    def f():
        return (x * 2).requires_grad
    return f()


def no_grad_method_deco(L):
    class M:
        @L.no_grad()
        def f(self, a):
            return (a * 2).requires_grad
    return M().f(_x(L))


def no_grad_generator(L):
    @L.no_grad()
    def g():
        yield L.is_grad_enabled()
        yield L.is_grad_enabled()
    it = g()
    first = next(it)
    between = L.is_grad_enabled()
    return first, between, list(it)


def no_grad_exception_restores(L):
    try:
        with L.no_grad():
            raise ValueError("x")
    except ValueError:
        pass
    return L.is_grad_enabled()


def enable_grad_inside_no_grad(L):
    x = _x(L)
    with L.no_grad():
        with L.enable_grad():
            a = (x * 2).requires_grad
        b = (x * 2).requires_grad
    return a, b, L.is_grad_enabled()


def enable_grad_deco(L):
    x = _x(L)

    @L.enable_grad()
    def g():
        return (x * 2).requires_grad
    with L.no_grad():
        return g(), L.is_grad_enabled()


def set_grad_enabled_fn(L):
    L.set_grad_enabled(False)
    a = L.is_grad_enabled()
    L.set_grad_enabled(True)
    return a, L.is_grad_enabled()


def set_grad_enabled_ctx(L):
    x = _x(L)
    with L.set_grad_enabled(False):
        a = (x * 2).requires_grad
        with L.set_grad_enabled(True):
            b = (x * 2).requires_grad
    return a, b, L.is_grad_enabled()


def set_grad_enabled_deco(L):
    x = _x(L)

    @L.set_grad_enabled(False)
    def g():
        return (x * 2).requires_grad
    return L.is_grad_enabled(), g(), L.is_grad_enabled()


def inference_mode_ctx(L):
    x = _x(L)
    with L.inference_mode():
        y = x * 2
        inside = L.is_inference_mode_enabled(), L.is_grad_enabled()
    return y.requires_grad, inside, L.is_inference_mode_enabled(), L.is_grad_enabled()


def inference_mode_false(L):
    x = _x(L)
    with L.inference_mode(False):
        return (x * 2).requires_grad, L.is_inference_mode_enabled()


def inference_mode_decos(L):
    x = _x(L)

    @L.inference_mode()
    def f():
        return (x * 2).requires_grad

    @L.inference_mode
    def g():
        return (x * 2).requires_grad
    return f(), g(), L.is_grad_enabled()


def autograd_namespace(L):
    with L.autograd.no_grad():
        a = L.is_grad_enabled()
    with L.autograd.set_grad_enabled(False):
        b = L.is_grad_enabled()
    return a, b, L.autograd.enable_grad is L.enable_grad


MODES = [v for k, v in list(globals().items()) if callable(v) and getattr(v, "__module__", None) == __name__
         and not k.startswith("_") and v.__code__.co_varnames[:1] == ("L",)]


@pytest.mark.parametrize("case", MODES, ids=[c.__name__ for c in MODES])
def test_grad_modes_vs_torch(same, case):
    same(case)


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["worker_start"] = ember.is_grad_enabled()
        with ember.no_grad():
            seen["worker_inside"] = ember.is_grad_enabled()
            ev.set()
            ev2.wait(5)

    ev, ev2 = threading.Event(), threading.Event()
    with ember.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        ev.wait(5)
        seen["main_inside"] = ember.is_grad_enabled()
    seen["main_after"] = ember.is_grad_enabled()   # worker still inside its no_grad
    ev2.set()
    th.join()
    assert seen == {"worker_start": True, "worker_inside": False, "main_inside": False, "main_after": True}


def test_grad_mode_two_threads_concurrent():
    """One thread records under no_grad while another trains: neither sees the other's mode."""
    errors = []
    barrier = threading.Barrier(2)

    def no_grad_worker():
        try:
            w = ember.ones(8, requires_grad=True)
            with ember.no_grad():
                barrier.wait()
                for _ in range(300):
                    assert not (w * 2).requires_grad
                    assert not ember.is_grad_enabled()
        except Exception as e:   # noqa: BLE001
            errors.append(e)

    def grad_worker():
        try:
            w = ember.ones(8, requires_grad=True)
            barrier.wait()
            for _ in range(300):
                (w * 2).tanh().sum().backward()
                assert ember.is_grad_enabled()
            np.testing.assert_allclose(w.grad.numpy(), 300 * 2 * (1 - np.tanh(2.0) ** 2), rtol=1e-4)
        except Exception as e:   # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=no_grad_worker), threading.Thread(target=grad_worker)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors
    assert ember.is_grad_enabled()


def test_no_grad_decorator_rejects_class():
    with pytest.raises(TypeError):
        @ember.no_grad()
        class C:
            pass


# ---- autograd.Function --------------------------------------------------------------------------

def _fns(L):
    class Square(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x * x * k

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * x * ctx.k, None

    class MulAdd(L.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b)
            ctx.flags = ctx.needs_input_grad
            return a * b + c

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return (g * b if ctx.needs_input_grad[0] else None,
                    g * a if ctx.needs_input_grad[1] else None,
                    g if ctx.needs_input_grad[2] else None)

    class Split(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x.exp()

        @staticmethod
        def backward(ctx, ga, gb):
            # gb may be None when the second output is unused
            return ga * 2 + (gb * 3 if gb is not None else 0)

    class AddOneInplace(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class ArgMaxAndMax(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, idx)
            return x.max(), idx

        @staticmethod
        def backward(ctx, g, gidx):
            x, idx = ctx.saved_tensors
            out = L.zeros_like(x)
            out[idx] = g
            return out

    class Cube(L.autograd.Function):   # backward built of differentiable ops: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    class Passthrough(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 10

    class WrongCount(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, g

    return dict(Square=Square, MulAdd=MulAdd, Split=Split, AddOneInplace=AddOneInplace,
                ArgMaxAndMax=ArgMaxAndMax, Cube=Cube, Passthrough=Passthrough, WrongCount=WrongCount)


def fn_square(L):
    F = _fns(L)["Square"]
    x = _x(L)
    y = F.apply(x, 3.0)
    y.sum().backward()
    return y, x.grad, y.grad_fn.name()


def fn_needs_input_grad(L):
    F = _fns(L)["MulAdd"]
    a = _x(L)
    b = L.tensor([2.0, 2.0, 2.0])
    c = L.tensor([1.0, 1.0, 1.0], requires_grad=True)
    y = F.apply(a, b, c)
    (y * y).sum().backward()
    return y, a.grad, b.grad, c.grad


def fn_no_grad_input(L):
    F = _fns(L)["MulAdd"]
    y = F.apply(L.ones(2), L.ones(2), L.ones(2))
    return y, y.grad_fn, y.requires_grad


def fn_under_no_grad(L):
    F = _fns(L)["Square"]
    with L.no_grad():
        y = F.apply(_x(L), 2.0)
    return y.requires_grad, y.grad_fn


def fn_multi_output_both(L):
    F = _fns(L)["Split"]
    x = _x(L)
    a, b = F.apply(x)
    (a.sum() + (b * 2).sum()).backward()
    return a, b, x.grad


def fn_multi_output_one_used(L):
    F = _fns(L)["Split"]
    x = _x(L)
    a, b = F.apply(x)
    a.sum().backward()
    return x.grad


def fn_mark_dirty(L):
    F = _fns(L)["AddOneInplace"]
    x = _x(L)
    y = x * 1
    z = F.apply(y)
    (z * z).sum().backward()
    return z is y, z, x.grad, y._version


def fn_mark_dirty_leaf(L):
    F = _fns(L)["AddOneInplace"]
    F.apply(_x(L))


def fn_mark_non_differentiable(L):
    F = _fns(L)["ArgMaxAndMax"]
    x = _x(L)
    m, idx = F.apply(x)
    (m * 2).backward()
    return m, idx, idx.requires_grad, x.grad


def fn_double_backward(L):
    F = _fns(L)["Cube"]
    x = _x(L)
    g, = L.autograd.grad(F.apply(x).sum(), x, create_graph=True)
    g2, = L.autograd.grad(g.sum(), x)
    return g.detach(), g2


def fn_returns_input(L):
    F = _fns(L)["Passthrough"]
    x = _x(L)
    y = F.apply(x)
    y.sum().backward()
    return y is x, x.grad, y.is_leaf


def fn_wrong_grad_count(L):
    F = _fns(L)["WrongCount"]
    x = _x(L)
    F.apply(x).sum().backward()


def fn_saved_twice(L):
    F = _fns(L)["Square"]
    x = _x(L)
    y = F.apply(x, 1.0).sum()
    y.backward()
    y.backward()


def fn_saved_modified(L):
    F = _fns(L)["Square"]
    x = _x(L)
    h = x * 1
    y = F.apply(h, 1.0)
    h.add_(1)
    y.sum().backward()


def fn_in_graph_names(L):
    F = _fns(L)["Square"]
    x = _x(L)
    y = (F.apply(x.exp(), 1.0) * 2).sum()
    f = y.grad_fn
    names = []
    while f is not None:
        names.append(f.name())
        nf = [n for n, _ in f.next_functions if n is not None]
        f = nf[0] if nf else None
    return names


FUNCS = [v for k, v in list(globals().items()) if k.startswith("fn_") and callable(v)]


@pytest.mark.parametrize("case", FUNCS, ids=[c.__name__ for c in FUNCS])
def test_custom_function_vs_torch(same, case):
    same(case)


def test_function_ctx_attributes():
    seen = {}

    class F(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, scale):
            seen["needs"] = ctx.needs_input_grad
            ctx.save_for_backward(x, None)
            return x * y * scale

        @staticmethod
        def backward(ctx, g):
            x, none = ctx.saved_tensors
            seen["none"] = none
            return g, None, None

    x = ember.ones(2, requires_grad=True)
    F.apply(x, ember.ones(2), 2.0).sum().backward()
    assert seen == {"needs": (True, False, False), "none": None}
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError):
        class G(ember.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(3)
                return x
        G.apply(ember.ones(1, requires_grad=True))


def _fns2(L):
    class SetupCtx(L.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * ctx.k + x * 0, None

    class NoMaterialize(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            out = ga * 2 if ga is not None else None
            if gb is not None:
                out = gb * 3 if out is None else out + gb * 3
            return out

    class WithNonTensor(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 7

        @staticmethod
        def backward(ctx, g, _):
            return g * 2

    class Once(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        @L.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.exp()

    return SetupCtx, NoMaterialize, WithNonTensor, Once


def fn2_setup_context(L):
    F = _fns2(L)[0]
    x = _x(L)
    y = F.apply(x, 4.0)
    y.sum().backward()
    return y, x.grad


def fn2_no_materialize(L):
    F = _fns2(L)[1]
    x = _x(L)
    a, b = F.apply(x)
    b.sum().backward()
    return x.grad


def fn2_non_tensor_output(L):
    F = _fns2(L)[2]
    x = _x(L)
    y, k = F.apply(x)
    y.sum().backward()
    return k, x.grad


def fn2_once_differentiable(L):
    F = _fns2(L)[3]
    x = _x(L)
    y = F.apply(x)
    y.sum().backward()
    return x.grad


FUNCS2 = [fn2_setup_context, fn2_no_materialize, fn2_non_tensor_output, fn2_once_differentiable]


@pytest.mark.parametrize("case", FUNCS2, ids=[c.__name__ for c in FUNCS2])
def test_custom_function_more(same, case):
    same(case)


def fn3_dirty_and_saved(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 + x * 0

    a = L.tensor([1.0, 2.0], requires_grad=True)
    y = a * 1
    z = F.apply(y)
    z.sum().backward()
    return a.grad, y._version, z is y


def fn3_saved_output_modified(L):
    class G(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            out, = ctx.saved_tensors
            return g * out

    a = L.tensor([1.0, 2.0], requires_grad=True)
    o = G.apply(a)
    o.add_(1)
    o.sum().backward()


@pytest.mark.parametrize("case", [fn3_dirty_and_saved, fn3_saved_output_modified],
                         ids=["dirty_and_saved", "saved_output_modified"])
def test_custom_function_versions(same, case):
    same(case)


# ---- autograd.Function: non-tensor outputs, gradient shapes and types, grad mode inside, a second backward ----

def _fn_grad_mode_and_needs(L):
    rec = []

    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, w):
            rec.append((L.is_grad_enabled(), ctx.needs_input_grad, (x * 2).requires_grad))
            with L.enable_grad():
                rec.append((x * 2).requires_grad)
            return x * w * k

        @staticmethod
        def backward(ctx, g):
            rec.append((L.is_grad_enabled(), ctx.needs_input_grad))
            return g * 2, None, None
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = F.apply(x, 3, L.tensor([1.0, 1.0]))
    y.sum().backward()
    return rec, x.grad, y.requires_grad


def _fn_nontensor_outputs(L):
    # non-tensor outputs of a custom Function get None (not a zero tensor) in backward
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k, "tag", 3

        @staticmethod
        def backward(ctx, g, g_tag, g_int):
            assert g_tag is None and g_int is None
            return g * ctx.k, None

    x = L.tensor([1.0, 2.0], requires_grad=True)
    a, tag, n = F.apply(x, 3.0)
    a.sum().backward()
    return x.grad, tag, n


def _fn_grad_shape(shape):
    def f(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return L.ones(shape)
        x = L.tensor([[1.0, 2.0]], requires_grad=True)
        F.apply(x).sum().backward()
        return x.grad
    return f


def _fn_grad_for_nontensor(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g
    x = L.tensor([1.0, 2.0], requires_grad=True)
    F.apply(x, 2.0).sum().backward()


def _fn_grad_not_tensor(L):
    class F(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return 3
    x = L.tensor([1.0, 2.0], requires_grad=True)
    F.apply(x).sum().backward()


def _fn_twice(save):
    # a second backward without retain_graph fails only when the Function saved tensors
    def f(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                if save:
                    ctx.save_for_backward(x)
                ctx.k = 2.0
                return x * 2

            @staticmethod
            def backward(ctx, g):
                if save:
                    ctx.saved_tensors
                return g * ctx.k
        x = L.tensor([1.0, 2.0], requires_grad=True)
        z = F.apply(x).sum()
        z.backward()
        z.backward()
        return x.grad
    return f


FUNCTION_CASES = {
    "grad_mode_and_needs_input_grad": _fn_grad_mode_and_needs,
    "nontensor_outputs": _fn_nontensor_outputs,
    "grad_shape_scalar": _fn_grad_shape(()),
    "grad_shape_wrong": _fn_grad_shape((3,)),
    "grad_shape_expandable": _fn_grad_shape((3, 1, 2)),
    "grad_for_nontensor_input": _fn_grad_for_nontensor,
    "grad_not_a_tensor": _fn_grad_not_tensor,
    "twice_nothing_saved": _fn_twice(False),
    "twice_saved": _fn_twice(True),
}


@pytest.mark.parametrize("case", list(FUNCTION_CASES))
def test_custom_function_outputs_and_grads(same, case):
    same(FUNCTION_CASES[case])
