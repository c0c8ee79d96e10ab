"""DataParallel on the CPU: one process, so the wrapped module simply runs (as in CPU-only torch)."""
from __future__ import annotations

from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Matches `torch.nn.parallel.DataParallel` on a machine without GPUs: `forward` calls `module`, and
    `state_dict` keys get the `module.` prefix. Use DistributedDataParallel to train on several processes."""

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = []          # torch keeps none when no accelerator is present
        self.output_device = None
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim: int = 0, module_kwargs=None):
    """`torch.nn.parallel.data_parallel` on the CPU: `module(*inputs, **module_kwargs)` (torch raises "device
    type could not be determined" without an accelerator; ember runs the module, as DataParallel does)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
