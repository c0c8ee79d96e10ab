"""DistributedDataParallel: gradients averaged across ranks in buckets, from post-accumulate-grad hooks."""
from __future__ import annotations

import contextlib

import numpy as np

from ... import _tensor_base
from ... import distributed as dist
from ...autograd.grad_mode import STATE
from ...distributed import _core
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


_UNFINISHED = (     # torch's text, word for word (scripts and tests match on it)
    "Expected to have finished reduction in the prior iteration before starting a new one. This error "
    "indicates that your module has parameters that were not used in producing loss. You can enable unused "
    "parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by \nmaking sure all `forward` function outputs "
    "participate in calculating loss. \nIf you already have done the above, then the distributed data "
    "parallel module wasn't able to locate the output tensors in the return value of your module's `forward` "
    "function. Please include the loss function and the structure of the return value of `forward` of your "
    "module when reporting this issue (e.g. list, dict, iterable).\nParameter indices which did not receive "
    "grad for rank {rank}: {indices}\n In addition, you can set the environment variable "
    "TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL to print out information about which particular "
    "parameters did not receive gradient on this rank as part of this error")


class _Bucket:
    """Parameters (indices into the DDP's list) whose gradients travel in one flat buffer."""
    __slots__ = ("params", "slices", "flat", "pending", "ready")

    def __init__(self, params, sizes, dtype):
        self.params = params
        self.slices = []
        pos = 0
        for n in sizes:
            self.slices.append(slice(pos, pos + n))
            pos += n
        self.flat = np.zeros(pos, dtype)
        self.pending = 0
        self.ready = False


def _assign_buckets(params, cap_bytes):
    """Parameter indices in reverse registration order, grouped per dtype into buckets: the first holds
    up to 1 MiB, the others up to `cap_bytes` (torch's rule); a bucket closes once it reaches its cap."""
    buckets, open_ = [], {}
    limit_of = {}
    for i in reversed(range(len(params))):
        p = params[i]
        dt = p._data.dtype
        cur = open_.setdefault(dt, [[], 0])
        cur[0].append(i)
        cur[1] += p._data.nbytes
        limit = limit_of.get(dt, dist._DEFAULT_FIRST_BUCKET_BYTES)
        if cur[1] >= limit:
            buckets.append((dt, cur[0]))
            del open_[dt]
            limit_of[dt] = cap_bytes
    for dt, (idx, _) in open_.items():
        buckets.append((dt, idx))
    return buckets


def _outputs(obj, out):
    """Tensors anywhere in a forward's return value (tuples, lists, dicts, dataclass-like objects)."""
    from ..._tensor import Tensor
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple, set)):
        for o in obj:
            _outputs(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _outputs(o, out)
    return out


def _reachable_leaves(tensors):
    """ids of the leaf tensors a backward from `tensors` reaches (graph walk over next_functions)."""
    seen, leaves = set(), set()
    stack = [t.grad_fn for t in tensors if t.grad_fn is not None]
    leaves.update(id(t) for t in tensors if t.grad_fn is None and t.requires_grad)
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if var is not None:
            leaves.add(id(var))
            continue
        for nxt, _ in node.next_functions:
            if nxt is not None:
                stack.append(nxt)
    return leaves


class DistributedDataParallel(Module):
    """Data-parallel training across the ranks of a process group. Matches
    `torch.nn.parallel.DistributedDataParallel` (CPU: `device_ids` must be None; `mixed_precision`,
    `device_mesh` and comm hooks are not implemented; `static_graph=True` detects unused parameters)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None,
                 init_sync=True, process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False, bucket_cap_mb_list=None, batched_grad_copy=False,
                 forward_sync_buffers=None):
        super().__init__()
        for name, value, default in (("mixed_precision", mixed_precision, None),
                                     ("device_mesh", device_mesh, None),
                                     ("delay_all_reduce_named_params", delay_all_reduce_named_params, None),
                                     ("param_to_hook_all_reduce", param_to_hook_all_reduce, None),
                                     ("bucket_cap_mb_list", bucket_cap_mb_list, None),
                                     ("skip_all_reduce_unused_params", skip_all_reduce_unused_params, False),
                                     ("batched_grad_copy", batched_grad_copy, False)):
            if value != default:
                raise NotImplementedError(f"DistributedDataParallel({name}=...) is not implemented in ember")
        params = [p for _, p in module.named_parameters()]
        if not any(p.requires_grad for p in params):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any "
                               "parameter that requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        if device_ids or output_device:
            devices = {p.device for p in params}
            raise ValueError("DistributedDataParallel device_ids and output_device arguments only work with "
                             "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
        self.module = module
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.process_group = process_group if process_group is not None else _core._default_pg()
        pg = self.process_group
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        if forward_sync_buffers is not None:
            self.broadcast_buffers = bool(forward_sync_buffers) and self.broadcast_buffers
        self.find_unused_parameters = bool(find_unused_parameters)
        self.static_graph = bool(static_graph)
        self.gradient_as_bucket_view = bool(gradient_as_bucket_view)
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._params = [p for p in params if p.requires_grad]
        self._world = pg.size()
        self._check_same_model()
        if init_sync and self._world > 1:
            self._broadcast(list(module.parameters()) + list(module.buffers()), 0)
        self._buckets = []
        self._bucket_of = [None] * len(self._params)
        for k, (dt, idx) in enumerate(_assign_buckets(self._params, self.bucket_bytes_cap)):
            self._buckets.append(_Bucket(idx, [self._params[i]._data.size for i in idx], dt))
            for i in idx:
                self._bucket_of[i] = k
        self._armed = False           # a forward with grad sync happened; its backward reduces
        self._fired = 0               # hooks fired in this backward
        self._next = 0                # next bucket to reduce (buckets go in index order on every rank)
        self._marked = np.zeros(len(self._params), bool)
        self._unused = []
        self._global_used = None
        self._divisor = self._world
        self._joining = None          # join() state: dict while inside the context
        self._handles = [p.register_post_accumulate_grad_hook(self._make_hook(i)) for i, p in
                         enumerate(self._params)]

    # ---- construction helpers --------------------------------------------------------------------
    def _check_same_model(self):
        mine = [(tuple(p.shape), str(p.dtype)) for p in self._params]
        everyone = [None] * self._world
        dist.all_gather_object(everyone, mine, group=self.process_group)
        me = self.process_group.rank()
        for r, theirs in enumerate(everyone):
            if len(theirs) != len(mine):
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {me} has {len(mine)} "
                                   f"params, while rank {r} has inconsistent {len(theirs)} params.")
            for i, (a, b) in enumerate(zip(mine, theirs)):
                if a != b:
                    raise RuntimeError(f"DDP expects same model across all ranks, but Rank {me} has "
                                       f"parameter {i} of shape {list(a[0])} and dtype {a[1]}, while rank "
                                       f"{r} has inconsistent shape {list(b[0])} and dtype {b[1]}.")

    def _broadcast(self, tensors, src):
        """Copy `src`'s tensors into everyone's, one broadcast per dtype (coalesced)."""
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t._data.dtype, []).append(t)
        for dt, ts in by_dtype.items():
            flat = np.concatenate([t._data.reshape(-1) for t in ts])
            dist.broadcast(_wrap(flat), src=src, group=self.process_group)
            pos = 0
            for t in ts:
                n = t._data.size
                t._data[...] = flat[pos:pos + n].reshape(t._data.shape)
                t._vc[0] += 1
                pos += n

    # ---- forward -----------------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._armed and self._fired:
            missing = np.nonzero(~self._marked)[0]
            raise RuntimeError(_UNFINISHED.format(rank=self.process_group.rank(),
                                                  indices=" ".join(map(str, missing.tolist()))))
        sync = STATE.enabled and self.require_backward_grad_sync
        if self._joining is not None and sync:
            self._join_count(1)
        if self.broadcast_buffers and self._world > 1:
            bufs = list(self.module.buffers())
            if bufs:
                self._broadcast(bufs, self._authoritative_rank(True))
        out = self.module(*inputs, **kwargs)
        if sync and self._world > 1:
            self._arm(out)
        else:
            self._armed = False
        return out

    def _arm(self, out):
        self._armed = True
        self._fired = 0
        self._next = 0
        self._marked[:] = False
        for b in self._buckets:
            b.pending = len(b.params)
            b.ready = False
        self._unused = []
        if self.find_unused_parameters or self.static_graph:
            reach = _reachable_leaves(_outputs(out, []))
            self._unused = [i for i, p in enumerate(self._params) if id(p) not in reach]

    def _authoritative_rank(self, active):
        # rank 0 normally; inside join() the highest rank still training (a joined rank's buffers are stale)
        if self._joining is None:
            return 0
        flag = np.array([self.process_group.rank() if active else -1], np.int64)
        dist.all_reduce(_wrap(flag), dist.ReduceOp.MAX, group=self.process_group)
        return int(flag[0])

    # ---- backward ----------------------------------------------------------------------------------
    def _make_hook(self, i):
        def hook(param):
            if self._armed:
                self._mark_ready(i)
        return hook

    def _mark_ready(self, i):
        if self._marked[i]:
            raise RuntimeError(f"Expected to mark a variable ready only once. Parameter {i} was marked twice "
                               f"in one iteration on rank {self.process_group.rank()} (a reentrant backward "
                               f"or a second backward without a forward?)")
        if self._fired == 0 and (self.find_unused_parameters or self.static_graph):
            self._fired += 1
            self._exchange_used()
            for j in self._unused:
                self._ready(j)
        self._fired += 1
        self._ready(i)

    def _exchange_used(self):
        used = np.ones(len(self._params), np.int32)
        used[self._unused] = 0
        dist.all_reduce(_wrap(used), dist.ReduceOp.MAX, group=self.process_group)
        self._global_used = used

    def _ready(self, i):
        self._marked[i] = True
        b = self._buckets[self._bucket_of[i]]
        b.pending -= 1
        if b.pending == 0:
            b.ready = True
            while self._next < len(self._buckets) and self._buckets[self._next].ready:
                self._reduce(self._buckets[self._next])
                self._next += 1
            if self._next == len(self._buckets):
                self._armed = False

    def _reduce(self, b, shadow=False):
        flat = b.flat
        params = self._params
        for i, sl in zip(b.params, b.slices):
            g = None if shadow else params[i].grad
            if g is None:
                flat[sl] = 0
            elif not (self.gradient_as_bucket_view and _is_view_of(g._data, flat, sl)):
                flat[sl] = g._data.reshape(-1)
        dist.all_reduce(_wrap(flat), group=self.process_group)
        if shadow:
            return
        np.divide(flat, self._divisor, out=flat, casting="unsafe")
        used = self._global_used
        for i, sl in zip(b.params, b.slices):
            p = params[i]
            g = p.grad
            view = flat[sl].reshape(p._data.shape)
            if g is None:
                if used is None or not used[i]:
                    continue        # no rank produced a gradient for it: leave .grad None, as torch does
                p.grad = _wrap(view if self.gradient_as_bucket_view else view.copy())
            elif self.gradient_as_bucket_view:
                if not _is_view_of(g._data, flat, sl):
                    p.grad = _wrap(view)
            else:
                g._data[...] = view
                g._vc[0] += 1

    # ---- context managers ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def no_sync(self):
        """Accumulate gradients locally in this block; the next synced backward averages the sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    @contextlib.contextmanager
    def join(self, divide_by_initial_world_size: bool = True, enable: bool = True,
             throw_on_early_termination: bool = False):
        """Train on uneven inputs: a rank that runs out of batches shadows the others' collectives until
        every rank is done, then all take the model of the last rank to finish. Matches `DDP.join`."""
        if not enable or self._world == 1:
            yield
            return
        self._joining = {"initial": divide_by_initial_world_size, "throw": throw_on_early_termination}
        try:
            yield
            self._shadow()
        finally:
            self._joining = None
            self._divisor = self._world

    def _join_count(self, active):
        flag = np.array([active], np.int32)
        dist.all_reduce(_wrap(flag), group=self.process_group)
        n = int(flag[0])
        if self._joining["throw"] and n < self._world:
            raise RuntimeError("Detected at least one rank that exhausted inputs. Throwing across all ranks.")
        if n:
            self._divisor = self._world if self._joining["initial"] else n
        return n

    def _shadow(self):
        last = True
        while True:
            n = self._join_count(0)
            if n == 0:
                break
            last = False
            if self.broadcast_buffers:
                bufs = list(self.module.buffers())
                if bufs:
                    self._broadcast(bufs, self._authoritative_rank(False))
            if self.find_unused_parameters or self.static_graph:
                used = np.zeros(len(self._params), np.int32)
                dist.all_reduce(_wrap(used), dist.ReduceOp.MAX, group=self.process_group)
            for b in self._buckets:
                self._reduce(b, shadow=True)
        # every rank leaves with the model of a rank that trained to the end
        flag = np.array([self.process_group.rank() if last else -1], np.int64)
        dist.all_reduce(_wrap(flag), dist.ReduceOp.MAX, group=self.process_group)
        self._broadcast(list(self.module.parameters()) + list(self.module.buffers()), int(flag[0]))
        self._armed = False


def _wrap(arr):
    return _tensor_base._wrap(arr)


def _is_view_of(a, flat, sl):
    return a.base is not None and np.shares_memory(a, flat[sl]) and a.size == sl.stop - sl.start \
        and a.__array_interface__["data"][0] == flat[sl].__array_interface__["data"][0]

