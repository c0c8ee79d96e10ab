"""ember.optim.lr_scheduler against torch.optim.lr_scheduler: learning-rate (and momentum) sequences
over 100 steps, state_dict round trips, the ordering warning and bad input."""
from __future__ import annotations

import copy
import importlib
import warnings

import numpy as np
import pytest

import ember
import ember.optim as eo
from oracle import raises_like

N = 100


def _opt(lib, mod, name="SGD"):
    a = lib.tensor(np.ones(2, np.float32), requires_grad=True)
    b = lib.tensor(np.ones(3, np.float32), requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if name == "SGD":
        return getattr(mod, name)(groups, lr=0.1, momentum=0.9)
    return getattr(mod, name)(groups, lr=0.1)


class _Scale:
    """A callable object (its __dict__ is what LambdaLR's state_dict saves)."""

    def __init__(self, base):
        self.base = base

    def __call__(self, epoch):
        return self.base ** epoch


def _swa(lr_scheduler_module):
    """The swa_utils module next to a library's lr_scheduler module (torch.optim or ember.optim)."""
    return importlib.import_module(lr_scheduler_module.__name__.rsplit(".", 1)[0] + ".swa_utils")


SPECS = {
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-per-group": lambda S, o: S.LambdaLR(o, [lambda e: 1 / (e + 1), _Scale(0.9)]),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda S, o: S.StepLR(o, 7, 0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, [10, 30, 30, 60], 0.3),
    "ConstantLR": lambda S, o: S.ConstantLR(o, 0.4, 12),
    "LinearLR": lambda S, o: S.LinearLR(o, 0.2, 0.9, 25),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, 0.96),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, 40, 2.0),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, 17, 0.001),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, 7, 2, 0.001),
    "CosineAnnealingWarmRestarts-1": lambda S, o: S.CosineAnnealingWarmRestarts(o, 10),
    "CyclicLR": lambda S, o: S.CyclicLR(o, 0.01, 0.1, 9, 5),
    "CyclicLR-triangular2": lambda S, o: S.CyclicLR(o, 0.01, 0.1, 9, 5, "triangular2"),
    "CyclicLR-exp_range": lambda S, o: S.CyclicLR(o, [0.01, 0.02], 0.1, 6, mode="exp_range", gamma=0.99),
    "CyclicLR-scale_fn": lambda S, o: S.CyclicLR(o, 0.01, 0.1, 4, scale_fn=lambda x: 0.9 ** x,
                                                 scale_mode="iterations", cycle_momentum=False),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, 0.5, total_steps=101),
    "OneCycleLR-linear-3phase": lambda S, o: S.OneCycleLR(o, [0.5, 0.3], total_steps=101,
                                                          anneal_strategy="linear", three_phase=True),
    "OneCycleLR-epochs": lambda S, o: S.OneCycleLR(o, 1.0, epochs=10, steps_per_epoch=11, pct_start=0.25,
                                                   div_factor=10.0, final_div_factor=100.0),
    "SequentialLR": lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 10), S.CosineAnnealingLR(o, 50),
                                                    S.ExponentialLR(o, 0.9)], [10, 60]),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler([S.ConstantLR(o, 0.5, 20), S.ExponentialLR(o, 0.98),
                                                         S.StepLR(o, 13, 0.7)]),
    "Chained-of-Sequential": lambda S, o: S.ChainedScheduler([
        S.SequentialLR(o, [S.ConstantLR(o, 0.1, 5), S.MultiStepLR(o, [20, 40], 0.5)], [5]),
        S.ExponentialLR(o, 0.99)]),
    "SWALR-cos": lambda S, o: _swa(S).SWALR(o, 0.01, anneal_epochs=15),
    "SWALR-linear": lambda S, o: _swa(S).SWALR(o, [0.01, 0.2], anneal_epochs=0, anneal_strategy="linear"),
}
ADAM = {"CyclicLR-exp_range", "OneCycleLR-linear-3phase"}   # these cycle Adam's beta1 instead of momentum


def _run(lib, mod, key, steps=N):
    opt = _opt(lib, mod, "Adam" if key in ADAM else "SGD")
    sched = SPECS[key](mod.lr_scheduler, opt)
    lrs = [list(sched.get_last_lr())]
    moms = []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
        moms.append([g.get("momentum", g.get("betas")) for g in opt.param_groups])
    return lrs, moms


@pytest.mark.parametrize("key", list(SPECS))
def test_lr_sequence_matches_torch(torch, key):
    (tl, tm), (el, em) = _run(torch, torch.optim, key), _run(ember, eo, key)
    assert el == tl      # bit-for-bit: same formulas, same evaluation order
    assert em == tm


@pytest.mark.parametrize("key", ["StepLR", "CosineAnnealingLR", "CyclicLR", "OneCycleLR", "SequentialLR",
                                 "ChainedScheduler", "LambdaLR-per-group", "CosineAnnealingWarmRestarts"])
def test_scheduler_state_dict_round_trip(key):
    # run 40 steps; checkpoint both optimizer and scheduler at 20; a fresh pair resumes identically
    ref_lrs, _ = _run(ember, eo, key, steps=40)
    opt = _opt(ember, eo, "Adam" if key in ADAM else "SGD")
    sched = SPECS[key](eo.lr_scheduler, opt)
    for _ in range(20):
        opt.step()
        sched.step()
    osd, ssd = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2 = _opt(ember, eo, "Adam" if key in ADAM else "SGD")
    sched2 = SPECS[key](eo.lr_scheduler, opt2)
    sched2.load_state_dict(ssd)
    opt2.load_state_dict(osd)
    lrs = []
    for _ in range(20):
        opt2.step()
        sched2.step()
        lrs.append(list(sched2.get_last_lr()))
    assert lrs == ref_lrs[21:]


def test_state_dict_keys_match_torch(torch):
    for key in ("StepLR", "CosineAnnealingLR", "OneCycleLR", "LambdaLR-per-group"):
        t = SPECS[key](torch.optim.lr_scheduler, _opt(torch, torch.optim)).state_dict()
        e = SPECS[key](eo.lr_scheduler, _opt(ember, eo)).state_dict()
        assert sorted(e) == sorted(t), key
        assert e["last_epoch"] == t["last_epoch"] and e["base_lrs"] == t["base_lrs"]


def test_initial_lr_in_param_groups(torch):
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        opt = _opt(lib, mod)
        mod.lr_scheduler.StepLR(opt, 3)
        assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]


def test_resume_with_last_epoch_needs_initial_lr(torch):
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        with pytest.raises(KeyError, match="initial_lr"):
            mod.lr_scheduler.StepLR(_opt(lib, mod), 3, last_epoch=5)


@pytest.mark.parametrize("key", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                                 "ConstantLR", "PolynomialLR", "CosineAnnealingWarmRestarts"])
def test_step_with_epoch_closed_form(torch, key):
    out = []
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        opt = _opt(lib, mod)
        sched = SPECS[key](mod.lr_scheduler, opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 8, 15, 31, 70):
                opt.step()
                sched.step(epoch)
                seq.append(list(sched.get_last_lr()))
        out.append(seq)
    assert out[1] == out[0]


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=2),
    dict(threshold=0.1, threshold_mode="abs", patience=1, cooldown=3),
    dict(mode="max", threshold_mode="abs", patience=0, min_lr=[0.01, 0.02]),
    dict(factor=0.5, patience=1, min_lr=0.004, eps=1e-3),
]


@pytest.mark.parametrize("kw", PLATEAU)
def test_reduce_lr_on_plateau_matches_torch(torch, kw):
    metrics = np.random.default_rng(1).standard_normal(N).cumsum() * 0.1
    metrics[::7] += 1.0
    out = []
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        opt = _opt(lib, mod)
        sched = mod.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        seq = []
        for m in metrics:
            opt.step()
            sched.step(float(m))
            seq.append((list(sched.get_last_lr()), sched.num_bad_epochs, sched.cooldown_counter, sched.best))
        out.append(seq)
    assert out[1] == out[0]


def test_reduce_lr_on_plateau_state_dict():
    opt = _opt(ember, eo)
    sched = eo.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1)
    for m in (1.0, 0.5, 0.4):
        sched.step(m)
    sd = copy.deepcopy(sched.state_dict())
    sched2 = eo.lr_scheduler.ReduceLROnPlateau(_opt(ember, eo))
    sched2.load_state_dict(sd)
    assert (sched2.mode, sched2.best, sched2.num_bad_epochs, sched2.last_epoch) == ("max", 1.0, 0, 3)


def test_warns_if_scheduler_steps_before_optimizer():
    opt = _opt(ember, eo)
    sched = eo.lr_scheduler.StepLR(opt, 3)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        sched.step()
    opt = _opt(ember, eo)
    sched = eo.lr_scheduler.StepLR(opt, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
        sched.step()


def test_warns_if_optimizer_step_overridden():
    opt = _opt(ember, eo)
    sched = eo.lr_scheduler.ExponentialLR(opt, 0.9)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="overridden"):
        sched.step()


BAD = [
    ("not an optimizer", lambda lib, m: m.lr_scheduler.StepLR(object(), 3)),
    ("not an optimizer (plateau)", lambda lib, m: m.lr_scheduler.ReduceLROnPlateau([1, 2])),
    ("not an optimizer (onecycle)", lambda lib, m: m.lr_scheduler.OneCycleLR("sgd", 0.1, total_steps=10)),
    ("not an optimizer (cyclic)", lambda lib, m: m.lr_scheduler.CyclicLR(None, 0.1, 1.0)),
    ("ConstantLR factor > 1", lambda lib, m: m.lr_scheduler.ConstantLR(_opt(lib, m), factor=2.0)),
    ("LinearLR start 0", lambda lib, m: m.lr_scheduler.LinearLR(_opt(lib, m), start_factor=0)),
    ("plateau factor 1", lambda lib, m: m.lr_scheduler.ReduceLROnPlateau(_opt(lib, m), factor=1.0)),
    ("plateau mode", lambda lib, m: m.lr_scheduler.ReduceLROnPlateau(_opt(lib, m), mode="up")),
    ("plateau min_lr list", lambda lib, m: m.lr_scheduler.ReduceLROnPlateau(_opt(lib, m), min_lr=[0.1])),
    ("lambda count", lambda lib, m: m.lr_scheduler.LambdaLR(_opt(lib, m), [lambda e: 1.0])),
    ("multiplicative not callable", lambda lib, m: m.lr_scheduler.MultiplicativeLR(_opt(lib, m), 0.9)),
    ("warm restarts T_0", lambda lib, m: m.lr_scheduler.CosineAnnealingWarmRestarts(_opt(lib, m), 0)),
    ("onecycle no length", lambda lib, m: m.lr_scheduler.OneCycleLR(_opt(lib, m), 0.1)),
    ("onecycle pct", lambda lib, m: m.lr_scheduler.OneCycleLR(_opt(lib, m), 0.1, total_steps=10, pct_start=1.5)),
    ("onecycle strategy", lambda lib, m: m.lr_scheduler.OneCycleLR(_opt(lib, m), 0.1, total_steps=10,
                                                                   anneal_strategy="exp")),
    ("onecycle too many steps", lambda lib, m: [s.step() for s in [m.lr_scheduler.OneCycleLR(
        _opt(lib, m), 0.1, total_steps=3)] for _ in range(5)]),
    ("cyclic no momentum", lambda lib, m: m.lr_scheduler.CyclicLR(
        m.Adagrad([lib.tensor([1.0], requires_grad=True)]), 0.1, 1.0)),
    ("cyclic bad mode", lambda lib, m: m.lr_scheduler.CyclicLR(_opt(lib, m), 0.1, 1.0, mode="sine")),
    ("sequential milestones", lambda lib, m: (lambda o: m.lr_scheduler.SequentialLR(
        o, [m.lr_scheduler.StepLR(o, 2), m.lr_scheduler.StepLR(o, 3)], [1, 2]))(_opt(lib, m))),
    ("sequential other optimizer", lambda lib, m: m.lr_scheduler.SequentialLR(
        _opt(lib, m), [m.lr_scheduler.StepLR(_opt(lib, m), 2)], [])),
    ("chained plateau", lambda lib, m: (lambda o: m.lr_scheduler.ChainedScheduler(
        [m.lr_scheduler.ReduceLROnPlateau(o)]))(_opt(lib, m))),
    ("chained empty", lambda lib, m: m.lr_scheduler.ChainedScheduler([])),
]


@pytest.mark.parametrize("fn", [b[1] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_like_torch(torch, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(torch, lambda lib: fn(lib, lib.optim))


def test_not_an_optimizer_message():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        eo.lr_scheduler.ExponentialLR([], 0.9)


def test_tensor_lr_is_updated_in_place(torch):
    out = []
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        lr = lib.tensor(0.1)
        opt = mod.Adam([lib.tensor([1.0], requires_grad=True)], lr=lr)
        sched = mod.lr_scheduler.ExponentialLR(opt, 0.5)
        for _ in range(3):
            opt.step()
            sched.step()
        assert opt.param_groups[0]["lr"] is lr
        out.append(float(lr))
    assert out[0] == pytest.approx(out[1])


@pytest.mark.parametrize("which", ["ema", "swa"])
def test_swa_averaging_functions(torch, which):
    r = np.random.default_rng(2)
    seq = [[r.standard_normal(s).astype(np.float32) for s in ((3, 2), (4,))] for _ in range(6)]
    out = []
    for lib, mod in ((torch, torch.optim), (ember, eo)):
        fn = mod.swa_utils.get_ema_multi_avg_fn(0.9) if which == "ema" else mod.swa_utils.get_swa_multi_avg_fn()
        avg = [lib.tensor(a.copy()) for a in seq[0]]
        for n, cur in enumerate(seq[1:], 1):
            fn(avg, [lib.tensor(c) for c in cur], lib.tensor(n))
        out.append([a.numpy() for a in avg])
    for e, t in zip(out[1], out[0]):
        np.testing.assert_allclose(e, t, rtol=1e-6)


def test_get_lr_outside_step_warns():
    sched = eo.lr_scheduler.StepLR(_opt(ember, eo), 3)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
