"""`ember.distributed`: torch.distributed's data-parallel API on MPI (through mpi4py).

Start ranks with `python -m ember.distributed.run` (torchrun's flags) or `mpiexec`; `init_process_group`
joins the MPI world they form. Importing this package does not import mpi4py or start MPI.
"""
from __future__ import annotations

from ._core import (  # noqa: F401
    Backend, DistBackendError, DistError, DistNetworkError, DistStoreError, GroupMember, ProcessGroup,
    RedOpType, ReduceOp, Work, destroy_process_group, get_backend, get_default_backend_for_device,
    get_global_rank, get_group_rank, get_node_local_rank, get_process_group_ranks, get_rank, get_world_size,
    group, init_process_group, is_available, is_gloo_available, is_initialized, is_mpi_available,
    is_nccl_available, is_torchelastic_launched, is_ucc_available, new_group,
)
from ._collectives import (  # noqa: F401
    P2POp, all_gather, all_gather_into_tensor, all_gather_object, all_reduce, all_to_all, all_to_all_single,
    barrier, batch_isend_irecv, broadcast, broadcast_object_list, gather, gather_object, irecv, isend,
    monitored_barrier, recv, recv_object_list, reduce, reduce_scatter, reduce_scatter_tensor, scatter,
    scatter_object_list, send, send_object_list,
)
from . import _core as _c, _collectives as _cc

__all__ = list(_c.__all__) + list(_cc.__all__)
reduce_op = ReduceOp   # torch's deprecated alias
_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024   # DDP's first gradient bucket (torch's value and name)
del _c, _cc
