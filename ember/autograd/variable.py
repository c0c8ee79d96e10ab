"""`Variable`, pre-0.4 PyTorch's tensor wrapper, kept for old scripts."""
from __future__ import annotations


def Variable(data, requires_grad=False, volatile=False):
    """Returns the tensor itself (requires_grad set): Variables and Tensors merged in PyTorch 0.4."""
    if requires_grad:
        data.requires_grad_(True)
    return data
