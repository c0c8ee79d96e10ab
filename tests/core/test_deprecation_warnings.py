"""torch's deprecation warnings (and a few related UserWarnings) for the functions and modules ember has
(issue 16): each scenario warns with torch's category and message, and keeps torch's behaviour. torch's side
runs in a fresh process (some of its warnings fire once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember

HERE = os.path.dirname(os.path.abspath(__file__))


def scenarios(L):
    F, nn = L.nn.functional, L.nn
    x4 = L.ones(2, 3, 4, 4)

    def p():
        return nn.Parameter(L.ones(2))

    def opt():
        return L.optim.SGD([p()], lr=0.1)

    def backward_hook():
        m = nn.Linear(2, 2)
        m.register_backward_hook(lambda mod, gi, go: None)
        m(L.ones(1, 2, requires_grad=True)).sum().backward()

    def sched_epoch():
        o = opt()
        s = L.optim.lr_scheduler.StepLR(o, 1)
        o.step()
        s.step(3)

    return {
        "dropout2d_2d": lambda: F.dropout2d(L.ones(3, 4), 0.5, training=False),
        "Dropout2d_2d": lambda: nn.Dropout2d()(L.ones(3, 4)),
        "dropout2d_3d": lambda: F.dropout2d(L.ones(2, 3, 4), 0.5, training=False),
        "dropout2d_5d": lambda: F.dropout2d(L.ones(1, 2, 3, 4, 5), 0.5, training=False),
        "dropout3d_3d": lambda: F.dropout3d(L.ones(2, 3, 4), 0.5, training=False),
        "Dropout3d_3d": lambda: nn.Dropout3d()(L.ones(2, 3, 4)),
        "softmax_nodim": lambda: F.softmax(L.ones(2, 3)),
        "log_softmax_nodim": lambda: F.log_softmax(L.ones(2, 3)),
        "Softmax_nodim": lambda: nn.Softmax()(L.ones(2, 3)),
        "upsample": lambda: F.upsample(x4, scale_factor=2),
        "upsample_nearest": lambda: F.upsample_nearest(x4, scale_factor=2),
        "upsample_bilinear": lambda: F.upsample_bilinear(x4, scale_factor=2),
        "size_average": lambda: F.mse_loss(L.ones(2), L.zeros(2), size_average=False),
        "reduce_false": lambda: F.l1_loss(L.ones(2), L.zeros(2), reduce=False),
        "CrossEntropyLoss_reduce": lambda: nn.CrossEntropyLoss(reduce=False),
        "init_normal": lambda: nn.init.normal(L.ones(2, 2)),
        "init_xavier_uniform": lambda: nn.init.xavier_uniform(L.ones(2, 2)),
        "hardtanh_min_value": lambda: nn.Hardtanh(min_value=-2.0),
        "hardtanh_max_value": lambda: nn.Hardtanh(max_value=2.0),
        "state_dict_positional": lambda: nn.Linear(2, 2).state_dict({}, "p."),
        "register_backward_hook": backward_hook,
        "clip_grad_norm": lambda: nn.utils.clip_grad_norm([p()], 1.0),
        "clip_grad_empty_generator": lambda: nn.utils.clip_grad_norm_((q for q in []), 1.0),
        "weight_norm": lambda: nn.utils.weight_norm(nn.Linear(2, 2)),
        "sched_step_epoch": sched_epoch,
        "sched_get_lr": lambda: L.optim.lr_scheduler.StepLR(opt(), 1).get_lr(),
        "sched_before_opt": lambda: L.optim.lr_scheduler.StepLR(opt(), 1).step(),
        "plateau_step_epoch": lambda: L.optim.lr_scheduler.ReduceLROnPlateau(opt()).step(1.0, 3),
        "backward_grad_variables": lambda: L.autograd.backward(
            [L.ones(1, requires_grad=True) * 2], grad_variables=[L.ones(1)]
        ),
        "grad_only_inputs": lambda: L.autograd.grad(
            [(L.ones(1, requires_grad=True) * 2).sum()],
            [L.ones(1, requires_grad=True)],
            allow_unused=True,
            only_inputs=False,
        ),
        "range": lambda: L.range(0, 3),
        "meshgrid_no_indexing": lambda: L.meshgrid(L.ones(2), L.ones(3)),
        "T_1d": lambda: L.ones(3).T,
        "T_0d": lambda: L.tensor(1.0).T,
        "tensor_of_tensor": lambda: L.tensor(L.ones(2)),
        "new_tensor_of_tensor": lambda: L.ones(2).new_tensor(L.ones(2)),
        "chain_matmul": lambda: L.chain_matmul(L.ones(2, 2), L.ones(2, 2)),
        "qr": lambda: L.qr(L.eye(2)),
        "cholesky": lambda: L.cholesky(L.eye(2)),
        "kl_div_mean": lambda: F.kl_div(L.zeros(2), L.ones(2) / 2),
        "gumbel_eps": lambda: F.gumbel_softmax(L.ones(2, 3), eps=1e-5),
        "embedding_bag_order": lambda: F.embedding_bag(L.ones(5, 2), L.tensor([[0, 1]])),
        "grid_sample_default": lambda: F.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2)),
        "affine_grid_default": lambda: F.affine_grid(L.eye(2, 3)[None], (1, 1, 2, 2)),
        "rnn_dropout_one_layer": lambda: nn.LSTM(2, 2, dropout=0.5),
        "mse_size": lambda: F.mse_loss(L.ones(2, 1), L.ones(2)),
        "optimizer_duplicate_params": lambda: (lambda q: L.optim.SGD([q, q], lr=0.1))(p()),
        "cuda_amp_autocast": lambda: L.cuda.amp.autocast(enabled=False),
        "cuda_amp_gradscaler": lambda: L.cuda.amp.GradScaler(enabled=False),
        "mha_mask_types": lambda: nn.MultiheadAttention(4, 2)(
            L.ones(3, 1, 4),
            L.ones(3, 1, 4),
            L.ones(3, 1, 4),
            key_padding_mask=L.zeros(1, 3, dtype=L.bool),
            attn_mask=L.zeros(3, 3),
        ),
        "Container": lambda: nn.Container(),
        "index_list_sequence": lambda: L.ones(3, 4)[[0, L.tensor(1)]],
        "index_uint8_mask": lambda: L.ones(3)[L.tensor([1, 0, 1], dtype=L.uint8)],
        "std_dof": lambda: L.ones(1).std(),
    }


def record(L):
    out = {}
    for name, f in scenarios(L).items():
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                f()
                err = None
            except Exception as e:  # noqa: BLE001 - compared below
                err = type(e).__name__
        out[name] = [
            err,
            [[x.category.__name__, str(x.message).split(" (Triggered internally")[0]] for x in w],
        ]
    return out


@pytest.fixture(scope="module")
def torch_warnings(torch):
    code = (
        f"import sys, json; sys.path.insert(0, {HERE!r}); import torch; "
        "from test_deprecation_warnings import record; print(json.dumps(record(torch)))"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HERE, os.path.dirname(HERE)]))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", list(scenarios(ember)))
def test_same_warning_as_torch(name, torch_warnings):
    want = torch_warnings[name]
    got = json.loads(json.dumps(record_one(name)))
    assert want[1], f"{name}: the scenario does not make torch warn"
    assert got[0] == want[0] and len(got[1]) == len(want[1]), f"{name}:\n torch: {want}\n ember: {got}"
    for (gc, gm), (wc, wm) in zip(got[1], want[1]):
        # the same category and words; ember leaves out links into torch's docs and issue tracker
        same = gm == wm or (wm.startswith(gm) and "http" in wm[len(gm) :])
        assert gc == wc and same, f"{name}:\n torch: {wc}: {wm}\n ember: {gc}: {gm}"


def record_one(name):
    f = scenarios(ember)[name]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            f()
            err = None
        except Exception as e:  # noqa: BLE001
            err = type(e).__name__
    return [err, [[x.category.__name__, str(x.message)] for x in w]]


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout2d_on_2d_input_behaves_as_dropout(p, torch):
    """Deprecated-but-accepted: a 2-D input is dropped element by element (torch's feature dropout with no
    spatial dims), in training and eval."""
    from oracle import run_both

    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    for training in (True, False):
        run_both(torch, lambda L: _quiet(lambda: L.nn.functional.dropout2d(L.tensor(x), p, training)))
        run_both(torch, lambda L: _quiet(lambda: L.nn.Dropout2d(p).train(training)(L.tensor(x))))


def test_dropout2d_on_2d_input_drops_single_elements():
    ember.manual_seed(0)
    y = _quiet(lambda: ember.nn.functional.dropout2d(ember.ones(64, 64), 0.5, True))
    zero = (y == 0).numpy()
    # element-wise: rows and columns mix kept and dropped elements (whole-row dropout would not)
    assert 0.4 < zero.mean() < 0.6
    assert (zero.any(1) & ~zero.all(1)).all() and (zero.any(0) & ~zero.all(0)).all()
    assert set(np.unique(y.numpy())) <= {0.0, 2.0}


def test_dropout3d_on_3d_input_drops_planes_of_the_first_dim():
    ember.manual_seed(0)
    y = _quiet(lambda: ember.nn.functional.dropout3d(ember.ones(32, 3, 4), 0.5, True)).numpy()
    per = y.reshape(32, -1)
    assert ((per == 0).all(1) | (per == 2).all(1)).all() and 0 < (per == 0).all(1).mean() < 1
