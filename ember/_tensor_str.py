"""Tensor printing in torch's format (placeholder: simple NumPy-based formatting)."""
from __future__ import annotations

import numpy as np


def tensor_repr(t) -> str:
    body = np.array2string(t._data, separator=", ", prefix="tensor(")
    extras = []
    if t._data.dtype.name not in ("float32", "int64", "bool"):
        extras.append(f"dtype=torch.{t._data.dtype.name}")
    if t._node is not None:
        extras.append(f"grad_fn=<{t._node.op.bw_name}>")
    elif t._rg:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
