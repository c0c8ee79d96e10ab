"""Rprop: resilient backpropagation (sign-based steps with per-element step sizes)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _check_lr, _full_state, _next_step, _scalar, _scalar_state, _zeros_state

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop. Matches `torch.optim.Rprop`."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False,
                 foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["prev"] = _zeros_state(p)
        state["step_size"] = _full_state(p, _scalar(group["lr"]))

    def _update(self, p, g, state, group):
        etaminus, etaplus = map(float, group["etas"])
        step_size_min, step_size_max = map(float, group["step_sizes"])
        if group["maximize"]:
            g = -g
        _next_step(state)
        prev = state["prev"]._data
        step_size = state["step_size"]._data
        sign = np.sign(g * prev)
        factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0)).astype(step_size.dtype)
        step_size *= factor
        np.clip(step_size, step_size_min, step_size_max, out=step_size)
        # a sign change: skip this element's update and forget its gradient
        g = np.where(sign < 0, 0, g).astype(g.dtype, copy=False)
        p -= ((g > 0).astype(g.dtype) - (g < 0)) * step_size      # torch's sign: 0 for NaN
        prev[...] = g

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
