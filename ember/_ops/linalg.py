"""Matrix products."""
from __future__ import annotations

import numpy as np

from ._base import Op, b_matmul, b_swap_last


class Matmul(Op):
    saves = ("x0", "x1")
    bw_name = "MmBackward0"

    @staticmethod
    def forward(a, b):
        return np.matmul(a, b), (a, b)

    @staticmethod
    def backward(saved, g, needs):
        a, b = saved
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:     # dot product
            return (g * b if needs[0] else None), (g * a if needs[1] else None)
        if a.ndim == 1:                      # (k) @ (..., k, n) -> (..., n)
            if needs[0]:
                ga = b_matmul(g[..., None, :], b_swap_last(b))[..., 0, :]
            if needs[1]:
                gb = a[:, None] * g[..., None, :]
            return ga, gb
        if b.ndim == 1:                      # (..., m, k) @ (k) -> (..., m)
            if needs[0]:
                ga = g[..., :, None] * b
            if needs[1]:
                gb = b_matmul(b_swap_last(a), g[..., :, None])[..., 0]
            return ga, gb
        if needs[0]:
            ga = b_matmul(g, b_swap_last(b))
        if needs[1]:
            gb = b_matmul(b_swap_last(a), g)
        return ga, gb   # batch dims: the engine sums them back to each input's shape
