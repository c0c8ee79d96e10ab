"""ember.nn.parallel: DistributedDataParallel (on MPI) and DataParallel (runs the module: CPU only)."""
from __future__ import annotations

from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
