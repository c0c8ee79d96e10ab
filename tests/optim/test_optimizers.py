"""ember.optim optimizers against torch.optim: same initial parameters, the same gradient sequence
(set on .grad from NumPy each step), parameters and optimizer state compared after every step."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import ember
import ember.optim as eo
from oracle import assert_same, raises_like

SHAPES = [(5, 4), (7,), (3, 2, 2), ()]
STEPS = 22

# (algorithm, options): every documented option, alone and combined
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True, weight_decay=0.01)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.6, 0.9), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.3, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.7, 0.95), weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),     # rho_t passes 5 within the run
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-6, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-3, 0.05), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.01, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1, maximize=True)),
]


def _data(seed, steps=STEPS, shapes=SHAPES, dtype=np.float32):
    r = np.random.default_rng(seed)
    init = [r.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[r.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]
    return init, grads


def _params(lib, init):
    return [lib.tensor(a.copy(), requires_grad=True) for a in init]


def _set_grads(lib, params, grads):
    for p, g in zip(params, grads):
        p.grad = None if g is None else lib.tensor(g.copy())


def _assert_state_equal(eopt, topt, where=""):
    es, ts = eopt.state_dict(), topt.state_dict()
    assert_same(es["state"], ts["state"], 1e-5, 1e-6, path=f"{where}: state")
    assert [{k: v for k, v in g.items()} for g in es["param_groups"]] == ts["param_groups"], where


def _assert_params_equal(eps, tps, where=""):
    assert_same(list(eps), list(tps), 1e-5, 1e-6, path=f"{where}: params")


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(torch, name, kw):
    init, grads = _data(sum(map(ord, name)) + len(kw))
    tps, eps = _params(torch, init), _params(ember, init)
    topt, eopt = getattr(torch.optim, name)(tps, **kw), getattr(eo, name)(eps, **kw)
    for k in range(STEPS):
        _set_grads(torch, tps, grads[k])
        _set_grads(ember, eps, grads[k])
        topt.step()
        eopt.step()
        _assert_params_equal(eps, tps, f"{name} step {k}")
        _assert_state_equal(eopt, topt, f"{name} step {k}")


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Rprop"])
def test_missing_grads_are_skipped_and_groups(torch, name):
    # two groups with their own options; param 1 only gets a gradient on odd steps
    init, grads = _data(7)
    kw = dict(lr=0.05, momentum=0.9) if name == "SGD" else dict(lr=0.02)
    other = dict(lr=0.01, weight_decay=0.1) if name != "Rprop" else dict(lr=0.01, etas=(0.4, 1.3))

    def make(lib, mod):
        ps = _params(lib, init)
        return ps, getattr(mod, name)([{"params": ps[:2]}, {"params": ps[2:], **other}], **kw)

    tps, topt = make(torch, torch.optim)
    eps, eopt = make(ember, eo)
    for k in range(STEPS):
        g = list(grads[k])
        if k % 2 == 0:
            g[1] = None
        _set_grads(torch, tps, g)
        _set_grads(ember, eps, g)
        topt.step()
        eopt.step()
        _assert_params_equal(eps, tps, f"step {k}")
        _assert_state_equal(eopt, topt, f"step {k}")


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("NAdam", dict(lr=0.01)), ("Rprop", dict())])
def test_float64_params_keep_their_dtype(torch, name, kw):
    init, grads = _data(3, steps=5, dtype=np.float64)
    tps, eps = _params(torch, init), _params(ember, init)
    topt, eopt = getattr(torch.optim, name)(tps, **kw), getattr(eo, name)(eps, **kw)
    for k in range(5):
        _set_grads(torch, tps, grads[k])
        _set_grads(ember, eps, grads[k])
        topt.step()
        eopt.step()
    _assert_params_equal(eps, tps)
    _assert_state_equal(eopt, topt)


@pytest.mark.parametrize("name", ["SGD", "Adam", "NAdam", "RAdam", "Adamax", "RMSprop", "Adagrad", "Adadelta",
                                  "Rprop", "ASGD"])
def test_numpy_float64_options_do_not_upcast(name):
    # NumPy float64 scalars are not "weak" in NumPy 2: the optimizers must still compute in float32
    f = np.float64
    kw = dict(SGD=dict(lr=f(0.1), momentum=f(0.9), weight_decay=f(0.1)),
              Adam=dict(lr=f(0.01), betas=(f(0.9), f(0.99)), eps=f(1e-8), weight_decay=f(0.1)),
              NAdam=dict(lr=f(0.01), betas=(f(0.9), f(0.99)), weight_decay=f(0.1)),
              RAdam=dict(lr=f(0.01), betas=(f(0.9), f(0.99)), weight_decay=f(0.1)),
              Adamax=dict(lr=f(0.01), betas=(f(0.9), f(0.99)), weight_decay=f(0.1)),
              RMSprop=dict(lr=f(0.01), alpha=f(0.9), momentum=f(0.5), centered=True, weight_decay=f(0.1)),
              Adagrad=dict(lr=f(0.01), lr_decay=f(0.1), weight_decay=f(0.1)),
              Adadelta=dict(lr=f(0.5), rho=f(0.8), weight_decay=f(0.1)),
              Rprop=dict(lr=f(0.01), etas=(f(0.5), f(1.2))),
              ASGD=dict(lr=f(0.01), lambd=f(0.01), weight_decay=f(0.1)))[name]
    init, grads = _data(9, steps=3)
    eps = _params(ember, init)
    opt = getattr(eo, name)(eps, **kw)
    for k in range(3):
        _set_grads(ember, eps, grads[k])
        opt.step()
    for p in eps:
        assert p.dtype == ember.float32 and p._data.dtype == np.float32
    for st in opt.state.values():
        for v in st.values():
            assert v._data.dtype == np.float32


def test_tensor_lr(torch):
    init, grads = _data(4, steps=5)
    tps, eps = _params(torch, init), _params(ember, init)
    topt = torch.optim.Adam(tps, lr=torch.tensor(0.01))
    eopt = eo.Adam(eps, lr=ember.tensor(0.01))
    for k in range(5):
        _set_grads(torch, tps, grads[k])
        _set_grads(ember, eps, grads[k])
        topt.step()
        eopt.step()
    _assert_params_equal(eps, tps)


# ---- state dict ------------------------------------------------------------------------------------

ROUND_TRIP = [c for c in CASES if c[0] in ("SGD", "Adam", "NAdam", "Rprop", "ASGD", "Adagrad")][::2] + [
    ("RMSprop", dict(momentum=0.9, centered=True))]


@pytest.mark.parametrize("name,kw", ROUND_TRIP)
def test_state_dict_round_trip_resumes_identically(name, kw):
    init, grads = _data(11)
    ref = _params(ember, init)
    ref_opt = getattr(eo, name)(ref, **kw)
    for k in range(STEPS):
        if k == 10:
            saved = copy.deepcopy(ref_opt.state_dict())
            params = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ref]
        _set_grads(ember, ref, grads[k])
        ref_opt.step()
    opt = getattr(eo, name)(params, **kw)
    opt.load_state_dict(saved)
    for k in range(10, STEPS):
        _set_grads(ember, params, grads[k])
        opt.step()
    for a, b in zip(params, ref):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    # the loaded state is a copy, not an alias of the checkpoint
    for st in saved["state"].values():
        for v in st.values():
            assert all(v is not w for s2 in opt.state.values() for w in s2.values())


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                     ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict()),
                                     ("NAdam", dict()), ("ASGD", dict(t0=3))])
def test_load_torch_state_dict(torch, name, kw):
    # torch's checkpoint layout loads into ember (torch tensors converted), and both then continue alike
    init, grads = _data(5)
    tps = _params(torch, init)
    topt = getattr(torch.optim, name)(tps, **kw)
    for k in range(8):
        _set_grads(torch, tps, grads[k])
        topt.step()
    eps = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tps]
    eopt = getattr(eo, name)(eps, **kw)
    eopt.load_state_dict(topt.state_dict())
    _assert_state_equal(eopt, topt, "after load")
    for k in range(8, STEPS):
        _set_grads(torch, tps, grads[k])
        _set_grads(ember, eps, grads[k])
        topt.step()
        eopt.step()
    _assert_params_equal(eps, tps)
    _assert_state_equal(eopt, topt)


def test_state_dict_structure_with_names(torch):
    def make(lib, mod):
        a, b, c = (lib.tensor(np.ones(2, np.float32), requires_grad=True) for _ in range(3))
        opt = mod.SGD([{"params": [("w", a), ("b", b)]}, {"params": [("c", c)], "lr": 0.5}], lr=0.1, momentum=0.9)
        for p in (a, b, c):
            p.grad = lib.tensor(np.ones(2, np.float32))
        opt.step()
        return opt.state_dict()

    e, t = make(ember, eo), make(torch, torch.optim)
    assert e["param_groups"] == t["param_groups"]
    assert list(e["state"]) == list(t["state"]) == [0, 1, 2]
    assert [list(s) for s in e["state"].values()] == [list(s) for s in t["state"].values()]


def test_load_state_dict_mismatch_errors(torch):
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        a, b = (lib.tensor(np.ones(2, np.float32), requires_grad=True) for _ in range(2))
        sd = mod.SGD([a, b], lr=0.1).state_dict()
        with pytest.raises(ValueError, match="different number of parameter groups"):
            mod.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
        with pytest.raises(ValueError, match="doesn't match the size"):
            mod.SGD([a], lr=0.1).load_state_dict(sd)


# ---- base-class behaviour ------------------------------------------------------------------------

def test_zero_grad():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = eo.SGD([p], lr=0.1)
    p.grad = ember.tensor([3.0, 4.0])
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_updates_in_place_without_graph():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    data = p._data
    opt = eo.Adam([p], lr=0.1)
    (p * p).sum().backward()
    v0 = p._version
    opt.step()
    assert p._data is data and p.is_leaf and p.grad_fn is None and p.requires_grad
    assert p._version == v0 + 1
    assert p.dtype == ember.float32


def test_closure_and_backward_loop():
    # the training loop of the issue, on a tiny least-squares problem
    r = np.random.default_rng(0)
    x = ember.tensor(r.standard_normal((16, 3)).astype(np.float32))
    y = ember.tensor(r.standard_normal(16).astype(np.float32))
    w = ember.tensor(np.zeros(3, np.float32), requires_grad=True)
    opt = eo.SGD([w], lr=0.05, momentum=0.9)

    def closure():
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        return loss

    first = float(opt.step(closure))
    for _ in range(300):
        last = float(opt.step(closure))
    assert last < first
    wls = np.linalg.lstsq(x.numpy(), y.numpy(), rcond=None)[0]
    np.testing.assert_allclose(w.detach().numpy(), wls, atol=1e-3)


def test_step_hooks():
    p = ember.tensor([1.0], requires_grad=True)
    p.grad = ember.tensor([1.0])
    opt = eo.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", p.item())))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", p.item())))
    opt.step()
    assert calls == [("pre", 1.0), ("post", pytest.approx(0.9))]
    h1.remove()
    h2.remove()
    opt.step()
    assert len(calls) == 2


def test_add_param_group_and_repr(torch):
    out = []
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        a, b = (lib.tensor(np.ones(2, np.float32), requires_grad=True) for _ in range(2))
        opt = mod.Adam([a], lr=0.1)
        opt.add_param_group({"params": b, "weight_decay": 0.5})
        out.append(([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups], repr(opt)))
    assert out[0] == out[1]


def _raises_like_torch(torch, fn):
    """Run `fn(lib, optim_module)` on both; ember must raise the exception class torch raises."""
    return raises_like(torch, lambda lib: fn(lib, lib.optim), exc="same")


def _p(lib):
    return lib.tensor(np.ones(2, np.float32), requires_grad=True)


BAD = [
    ("negative lr SGD", lambda lib, m: m.SGD([_p(lib)], lr=-0.1)),
    ("negative lr Adam", lambda lib, m: m.Adam([_p(lib)], lr=-1e-3)),
    ("negative lr LBFGS", lambda lib, m: m.LBFGS([_p(lib)], lr=-1)),
    ("beta1 = 1", lambda lib, m: m.Adam([_p(lib)], betas=(1.0, 0.999))),
    ("beta2 < 0", lambda lib, m: m.AdamW([_p(lib)], betas=(0.9, -0.1))),
    ("beta NAdam", lambda lib, m: m.NAdam([_p(lib)], betas=(0.9, 1.5))),
    ("betas not floats", lambda lib, m: m.Adam([_p(lib)], betas=(0, 0.9))),
    ("negative eps", lambda lib, m: m.Adam([_p(lib)], eps=-1.0)),
    ("negative weight decay", lambda lib, m: m.RMSprop([_p(lib)], weight_decay=-1.0)),
    ("negative momentum", lambda lib, m: m.SGD([_p(lib)], lr=0.1, momentum=-0.5)),
    ("nesterov without momentum", lambda lib, m: m.SGD([_p(lib)], lr=0.1, nesterov=True)),
    ("rho > 1", lambda lib, m: m.Adadelta([_p(lib)], rho=1.5)),
    ("bad etas", lambda lib, m: m.Rprop([_p(lib)], etas=(1.5, 0.5))),
    ("non-tensor param", lambda lib, m: m.SGD([_p(lib), 3.0], lr=0.1)),
    ("tensor as params", lambda lib, m: m.SGD(_p(lib), lr=0.1)),
    ("empty params", lambda lib, m: m.Adam([])),
    ("set of params", lambda lib, m: m.Adam([{"params": {_p(lib)}}])),
    ("non-leaf param", lambda lib, m: m.SGD([_p(lib) * 2], lr=0.1)),
    ("same param in two groups",
     lambda lib, m: (lambda p: m.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(_p(lib))),
    ("LBFGS param groups", lambda lib, m: m.LBFGS([{"params": [_p(lib)]}, {"params": [_p(lib)]}])),
    ("missing names", lambda lib, m: m.SGD([("a", _p(lib)), _p(lib)], lr=0.1)),
    ("add_param_group not a dict", lambda lib, m: m.SGD([_p(lib)], lr=0.1).add_param_group([_p(lib)])),
]


@pytest.mark.parametrize("fn", [b[1] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_like_torch(torch, fn):
    _raises_like_torch(torch, fn)


# Every non-negativity check, alone and with two bad options (torch reports the first it checks).
BAD_OPTIONS = [
    ("Adam", dict(eps=-1.0)), ("Adam", dict(eps=-1.0, betas=(2.0, 0.9))), ("Adam", dict(weight_decay=-1.0)),
    ("AdamW", dict(weight_decay=-1.0)), ("RAdam", dict(eps=-1.0, weight_decay=-1.0)),
    ("NAdam", dict(weight_decay=-1.0, momentum_decay=-1.0)), ("NAdam", dict(momentum_decay=-1.0)),
    ("Adamax", dict(eps=-1.0)), ("Adadelta", dict(eps=-1.0, weight_decay=-1.0)), ("Adadelta", dict(weight_decay=-1)),
    ("Adagrad", dict(lr_decay=-1.0, eps=-1.0)), ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adagrad", dict(eps=-1.0)), ("RMSprop", dict(alpha=-1.0, eps=-1.0)), ("RMSprop", dict(momentum=-1.0)),
    ("RMSprop", dict(alpha=-1.0)), ("ASGD", dict(weight_decay=-1.0)),
]


@pytest.mark.parametrize("name,kw", BAD_OPTIONS, ids=[f"{n}-{'-'.join(k)}" for n, k in BAD_OPTIONS])
def test_bad_option_message_matches_torch(torch, name, kw):
    err = _raises_like_torch(torch, lambda lib, m: getattr(m, name)([_p(lib)], **kw))
    with pytest.raises(Exception) as te:
        getattr(torch.optim, name)([_p(torch)], **kw)
    assert str(err) == str(te.value)


def test_error_messages_are_clear():
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        eo.SGD([_p(ember)], lr=-0.1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.0"):
        eo.Adam([_p(ember)], betas=(1.0, 0.999))
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is float"):
        eo.SGD([3.0], lr=0.1)


def test_duplicate_param_in_one_group_warns(torch):
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        p = _p(lib)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            mod.SGD([p, p], lr=0.1)


def test_unused_kwargs_accepted():
    p = _p(ember)
    eo.SGD([p], lr=0.1, foreach=False, fused=None, differentiable=False)
    eo.Adam([p], foreach=None, fused=False, capturable=False, differentiable=False)
    eo.RMSprop([p], foreach=None, capturable=False)


# ---- LBFGS -------------------------------------------------------------------------------------------

_R = np.random.default_rng(0)
_A = _R.standard_normal((8, 8))
_A = _A @ _A.T / 8 + np.eye(8)
_B = _R.standard_normal(8)
_X0 = _R.standard_normal(8).astype(np.float32)


def _fg(x, rosen):
    # loss and gradient in float64 NumPy, so both libraries see identical closures
    x = x.astype(np.float64)
    if rosen:
        f = np.sum((1 - x[:-1]) ** 2) + 100 * np.sum((x[1:] - x[:-1] ** 2) ** 2)
        g = np.zeros_like(x)
        g[:-1] += -2 * (1 - x[:-1]) - 400 * x[:-1] * (x[1:] - x[:-1] ** 2)
        g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    else:
        f = 0.5 * x @ _A @ x - _B @ x + 0.1 * np.sum(x ** 4)
        g = _A @ x - _B + 0.4 * x ** 3
    return np.float32(f), g.astype(np.float32)


def _lbfgs_run(lib, mod, ls, rosen, steps, **kw):
    x = lib.tensor(_X0.copy(), requires_grad=True)
    opt = mod.LBFGS([x], line_search_fn=ls, **kw)

    def closure():
        f, g = _fg(x.detach().numpy(), rosen)
        x.grad = lib.tensor(g)
        return lib.tensor(f)

    out = [(float(opt.step(closure)), x.detach().numpy().copy()) for _ in range(steps)]
    return out, opt


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
@pytest.mark.parametrize("rosen,steps", [(False, 6), (True, 1)])
def test_lbfgs_matches_torch(torch, ls, rosen, steps):
    kw = dict(lr=1 if ls else 0.5, max_iter=10, history_size=5)
    t, topt = _lbfgs_run(torch, torch.optim, ls, rosen, steps, **kw)
    e, eopt = _lbfgs_run(ember, eo, ls, rosen, steps, **kw)
    for (lt, xt), (le, xe) in zip(t, e):
        assert le == pytest.approx(lt, rel=1e-5)
        np.testing.assert_allclose(xe, xt, rtol=1e-5, atol=1e-5)
    ts, es = topt.state_dict()["state"][0], eopt.state_dict()["state"][0]
    assert sorted(ts) == sorted(es)
    assert (es["func_evals"], es["n_iter"]) == (ts["func_evals"], ts["n_iter"])


def test_lbfgs_converges_on_rosenbrock():
    out, _ = _lbfgs_run(ember, eo, "strong_wolfe", True, 1, max_iter=500, max_eval=1000)
    x = out[-1][1]
    np.testing.assert_allclose(x, np.ones(8), atol=1e-3)


def test_lbfgs_needs_closure(torch):
    _raises_like_torch(torch, lambda lib, m: m.LBFGS([_p(lib)]).step())


def test_lbfgs_bad_line_search(torch):
    def fn(lib, mod):
        x = _p(lib)
        opt = mod.LBFGS([x], line_search_fn="armijo")

        def closure():
            x.grad = lib.tensor(np.ones(2, np.float32))
            return lib.tensor(1.0)

        opt.step(closure)

    _raises_like_torch(torch, fn)


def test_no_warnings_in_plain_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = _p(ember)
        opt = eo.AdamW([p])
        p.grad = ember.tensor(np.ones(2, np.float32))
        opt.step()


def test_user_defined_optimizer_subclass(torch):
    # a torch-style custom optimizer: Tensor ops under no_grad in step(); hooks still run around it
    def make(lib, mod):
        class PlainSGD(mod.Optimizer):
            def __init__(self, params, lr=0.1):
                super().__init__(params, dict(lr=lr))

            @lib.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.add_(p.grad, alpha=-group["lr"])
        return PlainSGD

    out = []
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        p = lib.tensor(np.array([1.0, -2.0], np.float32), requires_grad=True)
        opt = make(lib, mod)([p], lr=0.5)
        seen = []
        opt.register_step_post_hook(lambda o, a, k: seen.append(1))
        for _ in range(3):
            (p * p).sum().backward()
            opt.step()
            opt.zero_grad()
        out.append((p.detach().numpy().copy(), len(seen), opt.state_dict()["param_groups"]))
    np.testing.assert_allclose(out[1][0], out[0][0])
    assert out[1][1:] == out[0][1:]


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Rprop"])
def test_step_returns_closure_loss(name):
    p = ember.tensor([1.0, -1.0], requires_grad=True)
    opt = getattr(eo, name)([p])
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        calls.append(1)
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, ember.Tensor) and loss.item() == 2.0 and calls == [1]
    assert opt.step() is None


@pytest.mark.parametrize("name", ["Adam", "NAdam", "Adagrad", "Rprop", "ASGD"])
def test_load_state_dict_with_python_number_step(torch, name):
    """An old checkpoint stores 'step' as a Python number; torch converts it to a float32 tensor."""
    out = []
    for lib in (ember, torch):
        p = lib.zeros(3, requires_grad=True)
        o = getattr(lib.optim, name)([p])
        p.grad = lib.ones(3)
        o.step()
        sd = o.state_dict()
        sd["state"][0]["step"] = 1
        o2 = getattr(lib.optim, name)([p])
        o2.load_state_dict(sd)
        o2.step()
        st = o2.state[p]["step"]
        out.append((str(st.dtype), float(st), p.detach().numpy().copy()))
    assert out[0][:2] == out[1][:2] == ("torch.float32", 2.0)
    np.testing.assert_allclose(out[0][2], out[1][2], rtol=1e-6)
