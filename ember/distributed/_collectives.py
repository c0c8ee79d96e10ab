"""Collectives on tensors and on picklable objects, in place on the tensors' NumPy buffers."""
from __future__ import annotations

import pickle

import numpy as np

from . import _core
from ._core import RedOpType, ReduceOp, _fail, _in_group, _resolve, _run, _wait

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "gather", "scatter",
           "reduce_scatter", "reduce_scatter_tensor", "all_to_all", "all_to_all_single", "barrier",
           "monitored_barrier", "send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv",
           "all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list",
           "send_object_list", "recv_object_list"]

_TAG_MONITOR = 32001


_TENSOR = []


def _tensor_type():
    if not _TENSOR:
        from .._tensor import Tensor
        _TENSOR.append(Tensor)
    return _TENSOR[0]


def _check_tensor(t, param, op_name):
    if not isinstance(t, _tensor_type()):
        raise TypeError(f"Invalid function argument. Expected parameter `{param}` of type torch.Tensor "
                        f"but got {type(t)} instead (in {op_name}).")


def _check_list(lst, param, op_name):
    if not isinstance(lst, (list, tuple)) or not all(isinstance(t, _tensor_type()) for t in lst):
        raise TypeError(f"Invalid function argument. Expected parameter `{param}` of type List[torch.Tensor] "
                        f"but got {type(lst)} instead (in {op_name}).")


class _Buf:
    """A tensor's ndarray as an MPI buffer; a non-contiguous tensor goes through a copy written back after."""
    __slots__ = ("t", "arr", "copied")

    def __init__(self, t, read=True):
        d = t._data
        self.t = t
        self.copied = not d.flags.c_contiguous
        self.arr = (np.ascontiguousarray(d) if read else np.empty(d.shape, d.dtype)) if self.copied else d

    def done(self):
        if self.copied:
            self.t._data[...] = self.arr
        self.t._vc[0] += 1


_NAMES = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "gather", "scatter",
          "reduce_scatter", "reduce_scatter_tensor", "all_to_all_single"]


def _fingerprint(pg, op_name, t):
    """With TORCH_DISTRIBUTED_DEBUG=DETAIL (torch's switch for this check): every rank must be in the same
    collective with the same dtype and shape; MPI itself would reduce mismatched sizes silently."""
    row = np.full(12, -1, np.int64)
    row[0] = _NAMES.index(op_name)
    row[1] = t._data.dtype.num
    row[2] = t._data.ndim
    row[3:3 + min(t._data.ndim, 9)] = t._data.shape[:9]
    rows = np.empty((pg.size(), 12), np.int64)
    _wait([pg._comm.Iallgather(row, rows)], pg, op_name)
    if (rows != rows[0]).any():
        def say(r):
            row = rows[r]
            kind = next((d.name for d in map(np.dtype, "?BbhilqefdH") if d.num == row[1]), str(row[1]))
            return f"rank {pg._ranks[r]}: {_NAMES[row[0]]} {kind} {row[3:3 + row[2]].tolist()}"
        raise _fail(pg, op_name, RuntimeError, "Detected mismatch between collectives on ranks: " +
                    "; ".join(say(r) for r in range(pg.size())))


def _finish_all(bufs, extra=None):
    def finish():
        if extra is not None:
            extra()
        for b in bufs:
            b.done()
    return finish


# ---- reductions ----------------------------------------------------------------------------------------
_OPS: dict = {}


def _mpi_op(op, dtype, pg, op_name):
    """The MPI op for a ReduceOp on a dtype, after torch's checks (AVG is SUM then a division)."""
    key = (op, dtype.kind)
    found = _OPS.get(key)
    if found is None:
        found = _OPS[key] = _find_op(op, dtype, pg, op_name)
    return found


def _find_op(op, dtype, pg, op_name):
    MPI = _core._MPI
    try:
        op = ReduceOp.RedOpType(int(op))
    except (ValueError, TypeError):
        raise _fail(pg, op_name, ValueError, f"unknown reduce op {op!r}") from None
    kind = dtype.kind
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and kind == "f":
        raise _fail(pg, op_name, RuntimeError,
                    f"Cannot use {_name(op)} with non-integral dtype (got {_dt(dtype)})")
    if op == ReduceOp.AVG and kind != "f":
        raise _fail(pg, op_name, RuntimeError,
                    f"{_name(op)} needs a floating-point tensor, got {_dt(dtype)} "
                    f"(its mean is not an integer)")
    if op in (RedOpType.PREMUL_SUM, RedOpType.UNUSED):
        raise _fail(pg, op_name, ValueError, f"{_name(op)} is not supported by ember's MPI backend")
    if kind == "b":   # MPI's C_BOOL takes only logical ops: torch's bool results are these
        return {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR, ReduceOp.BOR: MPI.LOR,
                ReduceOp.PRODUCT: MPI.LAND, ReduceOp.MIN: MPI.LAND, ReduceOp.BAND: MPI.LAND,
                ReduceOp.BXOR: MPI.LXOR}[op]
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND, ReduceOp.BOR: MPI.BOR,
            ReduceOp.BXOR: MPI.BXOR}[op]


def _name(op):
    return f"ReduceOp.{ReduceOp.RedOpType(int(op)).name}"


def _dt(np_dtype):
    from .._dtype import from_numpy_dtype
    return repr(from_numpy_dtype(np_dtype))


def _avg(arr, n):
    def divide():
        np.divide(arr, n, out=arr, casting="unsafe")
    return divide


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `tensor` across the group, in place on every rank. Matches `torch.distributed.all_reduce`.

    Every ReduceOp works on every dtype torch allows it on (AVG on floating dtypes, BAND/BOR/BXOR on
    integers and bool), and int16 works (gloo refuses it).
    """
    _check_tensor(tensor, "tensor", "all_reduce")
    pg = _resolve(group)
    if not _in_group(pg, "all_reduce"):
        return None
    if _core._DETAIL:
        _fingerprint(pg, "all_reduce", tensor)
    b = _Buf(tensor)
    mop = _mpi_op(op, b.arr.dtype, pg, "all_reduce")
    req = pg._comm.Iallreduce(_core._MPI.IN_PLACE, b.arr, mop)
    avg = op == ReduceOp.AVG
    if not async_op:        # the common case, without a work object
        _wait([req], pg, "all_reduce")
        if avg:
            np.divide(b.arr, pg.size(), out=b.arr, casting="unsafe")
        b.done()
        return None
    return _run([req], pg, "all_reduce", async_op, _finish_all([b], _avg(b.arr, pg.size()) if avg else None),
                [tensor])


def _root(pg, rank, group_rank, what, op_name):
    if rank is not None and group_rank is not None:
        raise ValueError(f"{op_name}: can not specify both {what} and group_{what}")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
        return group_rank
    if rank is None:
        rank = 0
    if rank not in pg._ranks:
        raise ValueError(f"Global rank {rank} is not part of group {pg}")
    return pg._ranks.index(rank)


def broadcast(tensor, src=None, group=None, async_op: bool = False, group_src=None):
    """Copy rank `src`'s tensor into every rank's tensor, in place. Matches `torch.distributed.broadcast`."""
    _check_tensor(tensor, "tensor", "broadcast")
    pg = _resolve(group)
    if not _in_group(pg, "broadcast"):
        return None
    if _core._DETAIL:
        _fingerprint(pg, "broadcast", tensor)
    root = _root(pg, src, group_src, "src", "broadcast")
    b = _Buf(tensor)
    req = pg._comm.Ibcast(b.arr, root=root)
    return _run([req], pg, "broadcast", async_op, _finish_all([b] if root != pg._rank else []), [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op: bool = False, group_dst=None):
    """Reduce into rank `dst`'s tensor (others keep theirs). Matches `torch.distributed.reduce`."""
    _check_tensor(tensor, "tensor", "reduce")
    pg = _resolve(group)
    if not _in_group(pg, "reduce"):
        return None
    if _core._DETAIL:
        _fingerprint(pg, "reduce", tensor)
    root = _root(pg, dst, group_dst, "dst", "reduce")
    b = _Buf(tensor)
    mop = _mpi_op(op, b.arr.dtype, pg, "reduce")
    if root == pg._rank:
        req = pg._comm.Ireduce(_core._MPI.IN_PLACE, b.arr, mop, root=root)
        extra = _avg(b.arr, pg.size()) if int(op) == ReduceOp.AVG else None
        finish = _finish_all([b], extra)
    else:
        req = pg._comm.Ireduce(b.arr, None, mop, root=root)
        finish = None
    return _run([req], pg, "reduce", async_op, finish, [tensor])


def _same(tensors, ref, op_name, pg, what):
    for i, t in enumerate(tensors):
        if t.dtype != ref.dtype:
            raise _fail(pg, op_name, TypeError, f"{what}[{i}] has dtype {t.dtype}, the input has {ref.dtype}")
        if t.numel() != ref.numel():
            raise _fail(pg, op_name, ValueError, f"{what}[{i}] has shape {tuple(t.shape)} "
                        f"({t.numel()} elements), the input has {tuple(ref.shape)} ({ref.numel()})")


def _count(pg, lst, op_name, what):
    if len(lst) != pg.size():
        raise _fail(pg, op_name, ValueError,
                    f"{what} has {len(lst)} tensors, the group has {pg.size()} ranks")


def _unstack(tmp, tensors):
    def finish():
        for t, row in zip(tensors, tmp):
            t._data[...] = row.reshape(t._data.shape)
            t._vc[0] += 1
    return finish


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Every rank's `tensor` into `tensor_list` on every rank. Matches `torch.distributed.all_gather`."""
    _check_list(tensor_list, "tensor_list", "all_gather")
    _check_tensor(tensor, "tensor", "all_gather")
    pg = _resolve(group)
    if not _in_group(pg, "all_gather"):
        return None
    if _core._DETAIL:
        _fingerprint(pg, "all_gather", tensor)
    _count(pg, tensor_list, "all_gather", "tensor_list")
    _same(tensor_list, tensor, "all_gather", pg, "tensor_list")
    src = np.ascontiguousarray(tensor._data)
    tmp = np.empty((pg.size(), src.size), src.dtype)
    req = pg._comm.Iallgather(src, tmp)
    return _run([req], pg, "all_gather", async_op, _unstack(tmp, tensor_list), tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every rank's input concatenated (or stacked) into `output_tensor`. Matches torch's."""
    _check_tensor(output_tensor, "output_tensor", "all_gather_into_tensor")
    _check_tensor(input_tensor, "input_tensor", "all_gather_into_tensor")
    pg = _resolve(group)
    if not _in_group(pg, "all_gather_into_tensor"):
        return None
    if _core._DETAIL:
        _fingerprint(pg, "all_gather_into_tensor", input_tensor)
    _sizes(output_tensor, input_tensor, pg, "all_gather_into_tensor", "output", "input")
    out = _Buf(output_tensor, read=False)
    req = pg._comm.Iallgather(np.ascontiguousarray(input_tensor._data), out.arr)
    return _run([req], pg, "all_gather_into_tensor", async_op, _finish_all([out]), [output_tensor])


def _sizes(big, small, pg, op_name, big_name, small_name):
    if big.dtype != small.dtype:
        raise _fail(pg, op_name, TypeError, f"{big_name} dtype {big.dtype} differs from {small_name} dtype "
                    f"{small.dtype}")
    if big.numel() != small.numel() * pg.size():
        raise _fail(pg, op_name, ValueError,
                    f"{big_name} tensor of shape {tuple(big.shape)} must have world_size ({pg.size()}) "
                    f"times the elements of the {small_name} tensor of shape {tuple(small.shape)}")


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Every rank's tensor into `gather_list` on rank `dst`. Matches `torch.distributed.gather`."""
    _check_tensor(tensor, "tensor", "gather")
    pg = _resolve(group)
    if not _in_group(pg, "gather"):
        return None
    root = _root(pg, dst, group_dst, "dst", "gather")
    src = np.ascontiguousarray(tensor._data)
    if root == pg._rank:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        _check_list(gather_list, "gather_list", "gather")
        _count(pg, gather_list, "gather", "gather_list")
        _same(gather_list, tensor, "gather", pg, "gather_list")
        tmp = np.empty((pg.size(), src.size), src.dtype)
        req = pg._comm.Igather(src, tmp, root=root)
        return _run([req], pg, "gather", async_op, _unstack(tmp, gather_list), gather_list)
    if gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    return _run([pg._comm.Igather(src, None, root=root)], pg, "gather", async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Rank `src`'s `scatter_list[i]` into rank i's tensor. Matches `torch.distributed.scatter`."""
    _check_tensor(tensor, "tensor", "scatter")
    pg = _resolve(group)
    if not _in_group(pg, "scatter"):
        return None
    root = _root(pg, src, group_src, "src", "scatter")
    out = _Buf(tensor, read=False)
    if root == pg._rank:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        _check_list(scatter_list, "scatter_list", "scatter")
        _count(pg, scatter_list, "scatter", "scatter_list")
        _same(scatter_list, tensor, "scatter", pg, "scatter_list")
        send = np.stack([np.ascontiguousarray(t._data).reshape(-1) for t in scatter_list])
    else:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        send = None
    req = pg._comm.Iscatter(send, out.arr, root=root)
    return _run([req], pg, "scatter", async_op, _finish_all([out]), [tensor])


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `input_list[i]` across ranks into rank i's `output`. Matches torch's `reduce_scatter`."""
    _check_tensor(output, "output", "reduce_scatter")
    _check_list(input_list, "input_list", "reduce_scatter")
    pg = _resolve(group)
    if not _in_group(pg, "reduce_scatter"):
        return None
    _count(pg, input_list, "reduce_scatter", "input_list")
    _same(input_list, output, "reduce_scatter", pg, "input_list")
    send = np.stack([np.ascontiguousarray(t._data).reshape(-1) for t in input_list])
    return _reduce_scatter(output, send, op, pg, "reduce_scatter", async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """`reduce_scatter` with the inputs concatenated in one tensor. Matches torch's."""
    _check_tensor(output, "output", "reduce_scatter_tensor")
    _check_tensor(input, "input", "reduce_scatter_tensor")
    pg = _resolve(group)
    if not _in_group(pg, "reduce_scatter_tensor"):
        return None
    if _core._DETAIL:
        _fingerprint(pg, "reduce_scatter_tensor", input)
    _sizes(input, output, pg, "reduce_scatter_tensor", "input", "output")
    send = np.ascontiguousarray(input._data)
    return _reduce_scatter(output, send, op, pg, "reduce_scatter_tensor", async_op)


def _reduce_scatter(output, send, op, pg, op_name, async_op):
    out = _Buf(output, read=False)
    mop = _mpi_op(op, send.dtype, pg, op_name)
    req = pg._comm.Ireduce_scatter_block(send, out.arr, mop)
    extra = _avg(out.arr, pg.size()) if int(op) == ReduceOp.AVG else None
    return _run([req], pg, op_name, async_op, _finish_all([out], extra), [output])


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op: bool = False):
    """Rank j's `input_tensor_list[i]` into rank i's `output_tensor_list[j]`. Matches torch's."""
    _check_list(output_tensor_list, "output_tensor_list", "all_to_all")
    _check_list(input_tensor_list, "input_tensor_list", "all_to_all")
    pg = _resolve(group)
    if not _in_group(pg, "all_to_all"):
        return None
    _count(pg, output_tensor_list, "all_to_all", "output_tensor_list")
    _count(pg, input_tensor_list, "all_to_all", "input_tensor_list")
    dts = {t.dtype for t in output_tensor_list} | {t.dtype for t in input_tensor_list}
    if len(dts) != 1:
        raise _fail(pg, "all_to_all", TypeError,
                    f"all tensors must have one dtype, got {sorted(map(str, dts))}")
    send = np.concatenate([np.ascontiguousarray(t._data).reshape(-1) for t in input_tensor_list])
    scounts = [t.numel() for t in input_tensor_list]
    rcounts = [t.numel() for t in output_tensor_list]
    recv = np.empty(sum(rcounts), send.dtype)
    req = pg._comm.Ialltoallv([send, scounts], [recv, rcounts])

    def finish():
        pos = 0
        for t, n in zip(output_tensor_list, rcounts):
            t._data[...] = recv[pos:pos + n].reshape(t._data.shape)
            t._vc[0] += 1
            pos += n
    return _run([req], pg, "all_to_all", async_op, finish, output_tensor_list)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,  # noqa: A002
                      group=None, async_op: bool = False):
    """`all_to_all` on dim-0 slices of one tensor. Matches `torch.distributed.all_to_all_single`."""
    _check_tensor(output, "output", "all_to_all_single")
    _check_tensor(input, "input", "all_to_all_single")
    pg = _resolve(group)
    if not _in_group(pg, "all_to_all_single"):
        return None
    if output.dtype != input.dtype:
        raise _fail(pg, "all_to_all_single", TypeError,
                    f"output dtype {output.dtype} != input dtype {input.dtype}")
    n = pg.size()

    def counts(t, splits, what):
        row = int(np.prod(t.shape[1:])) if t.dim() else 1
        if not splits:
            if t.shape[0] % n:
                raise _fail(pg, "all_to_all_single", ValueError, f"{what} dim 0 ({t.shape[0]}) is not "
                            f"divisible by the group size {n}; pass {what}_split_sizes")
            return [t.shape[0] // n * row] * n
        if len(splits) != n or sum(splits) != t.shape[0]:
            raise _fail(pg, "all_to_all_single", ValueError, f"{what}_split_sizes {list(splits)} must have "
                        f"{n} entries adding up to {what}.shape[0] = {t.shape[0]}")
        return [int(s) * row for s in splits]
    scounts = counts(input, input_split_sizes, "input")
    rcounts = counts(output, output_split_sizes, "output")
    out = _Buf(output, read=False)
    req = pg._comm.Ialltoallv([np.ascontiguousarray(input._data), scounts], [out.arr, rcounts])
    return _run([req], pg, "all_to_all_single", async_op, _finish_all([out]), [output])


def barrier(group=None, async_op: bool = False, device_ids=None, timeout=None):
    """Wait until every rank of the group gets here. Matches `torch.distributed.barrier`."""
    pg = _resolve(group)
    if not _in_group(pg, "barrier"):
        return None
    work = _core.Work([pg._comm.Ibarrier()], pg, "barrier")
    if async_op:
        return work
    work.wait(timeout)
    return None


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False):
    """A barrier whose rank 0 names the ranks that did not arrive in `timeout`. Matches torch's (gloo)."""
    import time
    pg = _resolve(group)
    if not _in_group(pg, "monitored_barrier"):
        return None
    seconds = pg._timeout if timeout is None else _core._timeout_seconds(timeout)
    comm = pg._comm
    if pg._rank != 0:
        _wait([comm.Isend(np.zeros(1, np.uint8), 0, _TAG_MONITOR)], pg, "monitored_barrier", seconds)
        _wait([comm.Irecv(np.zeros(1, np.uint8), 0, _TAG_MONITOR)], pg, "monitored_barrier", seconds)
        return None
    reqs = {r: comm.Irecv(np.zeros(1, np.uint8), r, _TAG_MONITOR) for r in range(1, pg.size())}
    deadline = time.monotonic() + seconds
    late = []
    for r, req in reqs.items():
        while not req.Test():
            if time.monotonic() > deadline:
                late.append(pg._ranks[r])
                break
        if late and not wait_all_ranks:
            break
    if late:
        _core._broken.append("monitored_barrier")
        if wait_all_ranks:
            raise _fail(pg, "monitored_barrier", _core.DistBackendError, f"Ranks {', '.join(map(str, late))} "
                        f"failed to pass monitoredBarrier in {seconds * 1000:.0f} ms")
        raise _fail(pg, "monitored_barrier", _core.DistBackendError,
                    f"Rank {late[0]} failed to pass monitoredBarrier in {seconds * 1000:.0f} ms")
    acks = [comm.Isend(np.zeros(1, np.uint8), r, _TAG_MONITOR) for r in reqs]
    _wait(acks, pg, "monitored_barrier", seconds)
    return None


# ---- point to point ------------------------------------------------------------------------------------
def _peer(pg, rank, group_rank, what, op_name):
    r = _root(pg, rank, group_rank, what, op_name) if (rank is not None or group_rank is not None) else None
    if r is None:
        raise ValueError(f"{op_name}: {what} must be given")
    if r == pg._rank:
        raise ValueError(f"Invalid {what} rank: {what} rank should not be the same as the rank of the "
                         f"current process (in {op_name}).")
    return r


def isend(tensor, dst=None, group=None, tag: int = 0, group_dst=None):
    """Send `tensor` to rank `dst` without waiting. Matches `torch.distributed.isend`."""
    _check_tensor(tensor, "tensor", "isend")
    pg = _resolve(group)
    if not _in_group(pg, "isend"):
        return None
    peer = _peer(pg, dst, group_dst, "dst", "isend")
    return _run([pg._comm.Isend(np.ascontiguousarray(tensor._data), peer, tag)], pg, "send", True)


def send(tensor, dst=None, group=None, tag: int = 0, group_dst=None) -> None:
    """Matches `torch.distributed.send`."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def irecv(tensor, src=None, group=None, tag: int = 0, group_src=None):
    """Receive into `tensor` from `src` (any rank when None) without waiting. Matches torch's."""
    _check_tensor(tensor, "tensor", "irecv")
    pg = _resolve(group)
    if not _in_group(pg, "irecv"):
        return None
    MPI = _core._MPI
    any_src = src is None and group_src is None
    peer = MPI.ANY_SOURCE if any_src else _peer(pg, src, group_src, "src", "irecv")
    b = _Buf(tensor, read=False)
    work = _core.Work([pg._comm.Irecv(b.arr, peer, tag)], pg, "recv", statuses=[MPI.Status()])

    def finish():
        b.done()
        work._result = pg._ranks[work._statuses[0].Get_source()]
    work._finish = finish
    return work


def recv(tensor, src=None, group=None, tag: int = 0, group_src=None) -> int:
    """Receive into `tensor`; returns the sender's global rank. Matches `torch.distributed.recv`."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return work.source_rank()


class P2POp:
    """One send or receive for `batch_isend_irecv`. Matches `torch.distributed.P2POp`."""

    def __init__(self, op, tensor, peer=None, group=None, tag: int = 0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed.isend`` or "
                             "``torch.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer


def batch_isend_irecv(p2p_op_list):
    """Start every send/receive of the list; returns their work objects. Matches torch's."""
    if not p2p_op_list or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type "
                         "``torch.distributed.P2POp``.")
    return [p.op(p.tensor, p.peer, p.group, p.tag, p.group_peer) for p in p2p_op_list]


# ---- objects -------------------------------------------------------------------------------------------
def _pickle(obj):
    return np.frombuffer(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), np.uint8)


def all_gather_object(object_list, obj, group=None):
    """Every rank's picklable `obj` into `object_list`. Matches `torch.distributed.all_gather_object`."""
    pg = _resolve(group)
    if not _in_group(pg, "all_gather_object"):
        return None
    if len(object_list) != pg.size():
        raise _fail(pg, "all_gather_object", ValueError,
                    f"object_list has {len(object_list)} entries, the group has {pg.size()} ranks")
    data = _pickle(obj)
    sizes = np.empty(pg.size(), np.int64)
    _wait([pg._comm.Iallgather(np.array([data.size], np.int64), sizes)], pg, "all_gather_object")
    recv = np.empty(int(sizes.sum()), np.uint8)
    _wait([pg._comm.Iallgatherv(data, [recv, sizes])], pg, "all_gather_object")
    pos = 0
    for i, n in enumerate(sizes.tolist()):
        object_list[i] = pickle.loads(recv[pos:pos + n].tobytes())
        pos += n


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Rank `src`'s list of picklable objects into every rank's `object_list`, in place. Matches torch's."""
    pg = _resolve(group)
    if not _in_group(pg, "broadcast_object_list"):
        return None
    root = _root(pg, src, group_src, "src", "broadcast_object_list")
    n = len(object_list)
    if root == pg._rank:
        parts = [_pickle(o) for o in object_list]
        sizes = np.array([p.size for p in parts], np.int64)
    else:
        sizes = np.empty(n, np.int64)
    _wait([pg._comm.Ibcast(sizes, root=root)], pg, "broadcast_object_list")
    buf = np.concatenate(parts) if root == pg._rank and n else np.empty(int(sizes.sum()), np.uint8)
    _wait([pg._comm.Ibcast(buf, root=root)], pg, "broadcast_object_list")
    if root != pg._rank:
        pos = 0
        for i, k in enumerate(sizes.tolist()):
            object_list[i] = pickle.loads(buf[pos:pos + k].tobytes())
            pos += k


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """Every rank's picklable `obj` into `object_gather_list` on rank `dst`. Matches torch's."""
    pg = _resolve(group)
    if not _in_group(pg, "gather_object"):
        return None
    root = _root(pg, dst, group_dst, "dst", "gather_object")
    me = root == pg._rank
    if me and (object_gather_list is None or len(object_gather_list) != pg.size()):
        raise ValueError(f"Argument ``object_gather_list`` must be specified on the destination rank with "
                         f"{pg.size()} entries.")
    if not me and object_gather_list is not None:
        raise ValueError("Argument ``object_gather_list`` must NOT be specified on non-destination ranks.")
    data = _pickle(obj)
    sizes = np.empty(pg.size(), np.int64) if me else None
    _wait([pg._comm.Igather(np.array([data.size], np.int64), sizes, root=root)], pg, "gather_object")
    recv = np.empty(int(sizes.sum()), np.uint8) if me else None
    _wait([pg._comm.Igatherv(data, [recv, sizes] if me else None, root=root)], pg, "gather_object")
    if me:
        pos = 0
        for i, n in enumerate(sizes.tolist()):
            object_gather_list[i] = pickle.loads(recv[pos:pos + n].tobytes())
            pos += n


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    """Rank `src`'s `scatter_object_input_list[i]` into rank i's `scatter_object_output_list[0]`."""
    pg = _resolve(group)
    if not _in_group(pg, "scatter_object_list"):
        return None
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    root = _root(pg, src, group_src, "src", "scatter_object_list")
    me = root == pg._rank
    if me:
        if scatter_object_input_list is None or len(scatter_object_input_list) != pg.size():
            raise ValueError(f"scatter_object_input_list must have {pg.size()} entries on the source rank")
        parts = [_pickle(o) for o in scatter_object_input_list]
        sizes = np.array([p.size for p in parts], np.int64)
        send = [np.concatenate(parts), sizes]
    else:
        sizes, send = None, None
    mine = np.empty(1, np.int64)
    _wait([pg._comm.Iscatter(sizes, mine, root=root)], pg, "scatter_object_list")
    recv = np.empty(int(mine[0]), np.uint8)
    _wait([pg._comm.Iscatterv(send, recv, root=root)], pg, "scatter_object_list")
    scatter_object_output_list[0] = pickle.loads(recv.tobytes())


def send_object_list(object_list, dst=None, group=None, device=None, group_dst=None, use_batch=False):
    """Send a list of picklable objects to `dst`. Matches `torch.distributed.send_object_list`."""
    pg = _resolve(group)
    if not _in_group(pg, "send_object_list"):
        return None
    peer = _peer(pg, dst, group_dst, "dst", "send_object_list")
    data = _pickle(list(object_list))
    _wait([pg._comm.Isend(np.array([data.size], np.int64), peer, 0)], pg, "send_object_list")
    _wait([pg._comm.Isend(data, peer, 0)], pg, "send_object_list")


def recv_object_list(object_list, src=None, group=None, device=None, group_src=None, use_batch=False):
    """Receive `send_object_list`'s objects into `object_list`; returns the sender's rank."""
    pg = _resolve(group)
    if not _in_group(pg, "recv_object_list"):
        return -1
    peer = _peer(pg, src, group_src, "src", "recv_object_list")
    n = np.empty(1, np.int64)
    _wait([pg._comm.Irecv(n, peer, 0)], pg, "recv_object_list")
    buf = np.empty(int(n[0]), np.uint8)
    _wait([pg._comm.Irecv(buf, peer, 0)], pg, "recv_object_list")
    got = pickle.loads(buf.tobytes())
    for i, o in enumerate(got[:len(object_list)]):
        object_list[i] = o
    return pg._ranks[peer]
