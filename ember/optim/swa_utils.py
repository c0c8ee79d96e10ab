"""Stochastic weight averaging: AveragedModel, update_bn, SWALR and the averaging functions.
Matches `torch.optim.swa_utils`.

NOTE: `AveragedModel` is an `ember.nn.Module`, and `optim` must not import `nn` at module level
(STYLE 8.2), so the class is built on first access (module `__getattr__`) and `update_bn` imports
`nn` when called.
"""
from __future__ import annotations

import copy
import itertools
import math

import numpy as np

from .._tensor import Tensor
from .lr_scheduler import LRScheduler, _format_param
from .optimizer import _lerp_

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _lerp_param(avg: Tensor, cur: Tensor, w: float):
    _lerp_(avg._data, cur._data, w)
    avg._vc[0] += 1


def get_ema_multi_avg_fn(decay=0.999):
    """In-place exponential moving average over lists of tensors: avg <- decay * avg + (1 - decay) * cur."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(ema_param_list, current_param_list, _num_averaged):
        for avg, cur in zip(ema_param_list, current_param_list):
            _lerp_param(avg, cur, 1 - decay)

    return ema_update


def get_swa_multi_avg_fn():
    """In-place running mean over lists of tensors (num_averaged models seen so far)."""

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        n = float(num_averaged)
        for avg, cur in zip(averaged_param_list, current_param_list):
            _lerp_param(avg, cur, 1 / (n + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """Exponential moving average of one tensor, returning a new tensor."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """Running mean of one tensor, returning a new tensor."""

    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class SWALR(LRScheduler):
    """Anneal each group's lr to a fixed `swa_lr` over `anneal_epochs` (cos or linear), then hold it.
    Matches `torch.optim.swa_utils.SWALR`."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self):
        self._warn_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        # recover the lr before annealing from the current one, then move a step further toward swa_lr
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)


def _make_averaged_model():
    from ..nn.modules.module import Module
    from .._tensor_base import _wrap

    class AveragedModel(Module):
        """A copy of `model` whose parameters are a running (SWA) or custom average of `model`'s.
        Matches `torch.optim.swa_utils.AveragedModel`."""

        def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
            super().__init__()
            if avg_fn is not None and multi_avg_fn is not None:
                raise ValueError("Only one of avg_fn and multi_avg_fn should be provided")
            self.module = copy.deepcopy(model)
            self.register_buffer("n_averaged", _wrap(np.array(0, np.int64)))
            self.avg_fn = avg_fn
            self.multi_avg_fn = multi_avg_fn
            self.use_buffers = use_buffers

        def forward(self, *args, **kwargs):
            return self.module(*args, **kwargs)

        def update_parameters(self, model):
            """Fold `model`'s current parameters (and buffers, with use_buffers) into the average."""
            if self.use_buffers:
                mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
                theirs = list(itertools.chain(model.parameters(), model.buffers()))
            else:
                mine, theirs = list(self.parameters()), list(model.parameters())
            n = int(self.n_averaged._data)
            if n == 0:
                for avg, cur in zip(mine, theirs):
                    avg._data[...] = cur._data
                    avg._vc[0] += 1
            else:
                avg_d = [a.detach() for a in mine]
                cur_d = [c.detach() for c in theirs]
                if self.multi_avg_fn is not None:
                    self.multi_avg_fn(avg_d, cur_d, self.n_averaged)
                elif self.avg_fn is not None:
                    for avg, cur in zip(avg_d, cur_d):
                        avg._data[...] = self.avg_fn(avg, cur, self.n_averaged)._data
                        avg._vc[0] += 1
                else:
                    # running mean: avg + (cur - avg) / (n + 1), in the parameters' dtype
                    for avg, cur in zip(avg_d, cur_d):
                        a = avg._data
                        a[...] = a + (cur._data - a) / a.dtype.type(n + 1)
                        avg._vc[0] += 1
            if not self.use_buffers:
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg._data[...] = b_model._data
                    b_avg._vc[0] += 1
            self.n_averaged._data += 1
            self.n_averaged._vc[0] += 1

    AveragedModel.__qualname__ = "AveragedModel"     # so pickle finds it as ember.optim.swa_utils.AveragedModel
    AveragedModel.__module__ = __name__
    return AveragedModel


def __getattr__(name):
    if name == "AveragedModel":
        cls = globals()["AveragedModel"] = _make_averaged_model()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def update_bn(loader, model, device=None):
    """Recompute BatchNorm running statistics with one pass over `loader` (cumulative averages).
    Matches `torch.optim.swa_utils.update_bn`."""
    from ..nn.modules.batchnorm import _BatchNorm

    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)
