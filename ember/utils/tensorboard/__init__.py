"""ember.utils.tensorboard: TensorBoard logs without the tensorboard package. Matches
`torch.utils.tensorboard` (`SummaryWriter`); the event-file format is written by ember itself."""
from __future__ import annotations

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
