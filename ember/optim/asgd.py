"""ASGD: averaged stochastic gradient descent."""
from __future__ import annotations

from .optimizer import Optimizer, _check_lr, _check_nonneg, _next_step, _pre_grad, _scalar, _scalar_state, _zeros_state

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD. Matches `torch.optim.ASGD` (eta and mu are float32 0-dim state tensors)."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonneg(weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["eta"] = _scalar_state(_scalar(group["lr"]))
        state["mu"] = _scalar_state(1.0)
        state["ax"] = _zeros_state(p)

    def _update(self, p, g, state, group):
        lr = _scalar(group["lr"])
        lambd, alpha, t0 = float(group["lambd"]), float(group["alpha"]), float(group["t0"])
        g = _pre_grad(p, g, group["maximize"], group["weight_decay"])
        step = _next_step(state)
        eta_t, mu_t = state["eta"]._data, state["mu"]._data
        eta = float(eta_t)
        p *= 1 - lambd * eta
        p -= eta * g
        ax = state["ax"]._data
        if float(mu_t) != 1:
            d = p - ax
            d *= float(mu_t)
            ax += d
        else:
            ax[...] = p
        eta_t[...] = lr / ((1 + lambd * lr * step) ** alpha)
        mu_t[...] = 1 / max(1, step - t0)

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
