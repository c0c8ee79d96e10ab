"""The worker side of the multi-process DataLoader: the loop, WorkerInfo, seeding, the parent watchdog."""
from __future__ import annotations

import faulthandler
import io
import os
import pickle
import queue
import random
import signal
import struct
import sys
from dataclasses import dataclass

import numpy as np

from multiprocessing.reduction import ForkingPickler as _ForkingPickler

from . import ExceptionWrapper
from . import shm
from .fetch import _create_fetcher

# How often an idle worker wakes up to check that its parent is still alive (seconds).
_POLL_INTERVAL = 0.5

_worker_info = None


class WorkerInfo:
    """What a worker knows about itself: id, num_workers, seed and its copy of dataset. Read-only."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__keys if k != "dataset")
        return f"{self.__class__.__name__}({items}, dataset={type(self.dataset).__name__})"


def get_worker_info():
    """Inside a DataLoader worker: its WorkerInfo (id, num_workers, seed, dataset); in the main process: None.

    Matches `torch.utils.data.get_worker_info`. Use it in `IterableDataset.__iter__` to shard the stream.
    """
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    epoch: int


# NOTE [ Worker seeding ]
#
# Every iterator (every epoch, unless persistent_workers) draws one 63-bit `base_seed` from the loader's
# `generator` (ember's default generator when None), so a seeded program sees the same augmentations run to
# run, and a new epoch sees new ones. Worker `w` then seeds, before `worker_init_fn` runs:
#   * `WorkerInfo.seed = base_seed + w` (torch's convention: `ember.initial_seed()` returns it), used for
#     ember's default generator and Python's `random`;
#   * NumPy's global RNG from `SeedSequence(base_seed).spawn(...)[w]` (keyed by spawn_key=(w,)), the
#     statistically independent child streams NumPy recommends for parallel work. This fixes the classic
#     bug where forked workers inherit one np.random state and produce identical "random" augmentations.
# Because the seeds depend only on (base_seed, w), the results do not depend on the start method.

def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = (base_seed + worker_id) & 0xFFFF_FFFF_FFFF_FFFF
    random.seed(seed)
    ss = np.random.SeedSequence(base_seed, spawn_key=(worker_id,))
    np.random.seed(ss.generate_state(4))
    from ember.random import manual_seed
    manual_seed(seed)
    return seed


def _big_pipe(ctx):
    """A one-way pipe (reader, writer) whose kernel buffer is grown to 1 MiB where Linux allows it."""
    reader, writer = ctx.Pipe(duplex=False)
    if sys.platform.startswith("linux"):
        try:
            import fcntl
            fcntl.fcntl(writer.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ
        except OSError:
            pass
    return reader, writer


# NOTE [ Result pipes ]
#
# Every worker sends its results through its *own* one-way pipe, written directly by the worker's main thread
# (no feeder thread, no lock shared with the other workers), and the main process closes its copy of the
# write end as soon as the worker has started. The worker is then the only writer, so if it dies in the
# middle of writing a message (SIGKILL, the OOM killer) the main process's read ends with EOF at once
# instead of waiting forever for the rest of the message, and no other worker's stream is corrupted by the
# half-written message (a single multiprocessing.Queue shared by all workers has both problems). The main
# process waits on all result pipes and all worker sentinels together (multiprocessing.connection.wait).

# Wire format of one result: a Connection message `header` = struct (n, size_1..size_n) + a protocol-5 pickle
# of (epoch, idx, data), then the n out-of-band buffers (the raw bytes of the batch's arrays) written straight
# to the pipe's file descriptor. Sending copies each array once (into the pipe) and receiving once (out of the
# pipe, into the batch's final memory): no pickle copy and no intermediate bytes object on either side.
_HEAD = struct.Struct("<I")
_SIZE = struct.Struct("<Q")


class _OutOfBandPickler(_ForkingPickler):
    # ForkingPickler (with its registered reducers, ours for Tensor included) at protocol 5, collecting
    # contiguous array buffers out of band instead of copying them into the pickle
    def __init__(self, file, buffers):
        pickle.Pickler.__init__(self, file, 5, buffer_callback=buffers.append)
        self.dispatch_table = self._copyreg_dispatch_table.copy()
        self.dispatch_table.update(self._extra_reducers)


# raw writes/reads on the pipe's file descriptor need POSIX pipes (Windows pipes are handles): elsewhere every
# result is one ordinary in-band message
_OUT_OF_BAND = hasattr(os, "readv") and sys.platform != "win32"


def _encode(msg):
    if not _OUT_OF_BAND:
        return _HEAD.pack(0) + _ForkingPickler.dumps(msg), ()
    bufs = []
    f = io.BytesIO()
    _OutOfBandPickler(f, bufs).dump(msg)
    views = [b.raw() for b in bufs]
    head = _HEAD.pack(len(views)) + b"".join(_SIZE.pack(v.nbytes) for v in views)
    return head + f.getbuffer(), views


def _send_result(conn, epoch, idx, data, where) -> bool:
    """Pickle and send one result; an unpicklable batch is replaced by an error naming it. False when the
    main process has closed the pipe (it is shutting down)."""
    try:
        head, views = _encode((epoch, idx, data))
    except Exception as e:
        try:
            raise RuntimeError(f"the batch could not be sent to the main process because it cannot be "
                               f"pickled: {type(e).__name__}: {e}") from e
        except RuntimeError:
            data = ExceptionWrapper(where=f"{where} while sending batch {idx}")
        head, views = _encode((epoch, idx, data))
    try:
        conn.send_bytes(head)
        if views:
            fd = conn.fileno()
            for v in views:
                while v.nbytes:
                    v = v[os.write(fd, v):]
    except OSError:  # BrokenPipeError: the main process is gone or has shut us down
        return False
    return True


def _recv_result(conn):
    """Main-process side of _send_result. EOFError/OSError when the worker died before or while writing."""
    head = conn.recv_bytes()
    n, = _HEAD.unpack_from(head)
    if not n:
        return pickle.loads(memoryview(head)[_HEAD.size:])
    fd = conn.fileno()
    bufs = []
    pos = _HEAD.size
    for _ in range(n):
        size, = _SIZE.unpack_from(head, pos)
        pos += _SIZE.size
        buf = np.empty(size, np.uint8)
        view = memoryview(buf)
        while view.nbytes:
            got = os.readv(fd, [view])
            if not got:
                raise EOFError("DataLoader worker closed its result pipe in the middle of a batch")
            view = view[got:]
        bufs.append(buf)
    return pickle.loads(memoryview(head)[pos:], buffers=bufs)


class _IndexQueue:
    """The task channel from the main process to one worker: a bare one-way pipe with one writer and one
    reader, written directly by the main thread. (multiprocessing.Queue would hand every put to a feeder
    thread, a GIL round trip per batch, and would buffer silently for a dead worker; here a dead worker's
    pipe raises BrokenPipeError, because the main process closes its copy of the read end.)"""

    def __init__(self, ctx):
        # room for many batches of indices, so that put never waits for a busy worker
        self._reader, self._writer = _big_pipe(ctx)

    def put(self, obj) -> None:
        self._writer.send(obj)

    def get(self, timeout: float):
        if self._reader.poll(timeout):
            return self._reader.recv()
        raise queue.Empty

    def close_reader(self) -> None:
        self._reader.close()

    def close(self) -> None:
        for conn in (self._reader, self._writer):
            try:
                conn.close()
            except OSError:
                pass


class _ParentWatchdog:
    # A worker whose parent died is re-parented (to init or a subreaper): then the ppid changes and we exit,
    # so killing the training script with SIGKILL never leaves orphaned workers behind.
    def __init__(self):
        self.parent_pid = os.getppid()
        self.alive = True

    def is_alive(self) -> bool:
        if self.alive:
            self.alive = os.getppid() == self.parent_pid
        return self.alive


















def _reduce_tensor(t):
    # Tensors cross the process boundary as their ndarray (one pickle of the raw bytes) or, when large, as
    # the path of a shared-memory file; never through Tensor.__reduce_ex__, which first copies the data.
    if t._rg or getattr(t, "_grad", None) is not None:
        return t.__reduce_ex__(4)
    data = t._data
    if data.nbytes >= shm.MIN_BYTES and shm.enabled():
        buf = data.base
        if not (type(buf) is shm.ShmBuffer and data.flags.c_contiguous and data.nbytes == len(buf)):
            copy = shm.empty(data.shape, data.dtype)  # e.g. a custom collate_fn's output: one copy, no pipe
            if copy is not None:
                copy[...] = data
                data, buf = copy, copy.base
        if type(buf) is shm.ShmBuffer:
            return shm.rebuild, (buf.path, data.shape, data.dtype.str)
    if not (data.flags.c_contiguous or data.flags.f_contiguous):
        data = np.ascontiguousarray(data)
    return _rebuild_tensor, (data,)


def _rebuild_tensor(data):
    from ember._tensor_base import _wrap
    return _wrap(data)


def _worker_loop(is_iterable, dataset, index_queue, result_conn, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, shm_prefix=None):
    global _worker_info
    watchdog = _ParentWatchdog()
    if shm_prefix is not None and shm.usable():
        shm.enable(f"{shm_prefix}{worker_id}_")
    try:
        # Ctrl-C reaches the whole process group; the main process owns the shutdown (NOTE [ Shutdown ]).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if hasattr(signal, "SIGUSR1"):  # the main process asks for our stack on a timeout
            try:
                # sys.stderr may be a captured stream without a file descriptor (pytest's capsys,
                # notebooks): the original stderr is where a stack dump can go
                faulthandler.register(signal.SIGUSR1, file=sys.__stderr__ or sys.stderr, all_threads=False)
            except (AttributeError, ValueError, OSError):
                pass
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        from ember._tensor import Tensor
        _ForkingPickler.register(Tensor, _reduce_tensor)
        where = f"in DataLoader worker process {worker_id} (pid {os.getpid()})"

        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(
                where=f"{where} during start-up (worker_init_fn or iter(dataset))")

        iteration_end = False
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=_POLL_INTERVAL)
            except queue.Empty:
                continue
            if r is None:  # the shutdown sentinel
                break
            if isinstance(r, _ResumeIteration):  # persistent workers: a new epoch starts
                iteration_end = False
                if is_iterable and init_exception is None:
                    try:
                        fetcher = _create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
                    except Exception:
                        init_exception = ExceptionWrapper(where=f"{where} in iter(dataset)")
                continue
            if done_event.is_set() or iteration_end:
                continue  # draining: no new work
            epoch, idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if is_iterable and isinstance(e, StopIteration):
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"{where} while loading batch {idx}")
            if not _send_result(result_conn, epoch, idx, data, where):
                break
            del data, idx, index, r  # drop references before blocking on the next get
    except KeyboardInterrupt:
        pass
    try:
        result_conn.close()
    except OSError:
        pass
    if shm.enabled() and not watchdog.is_alive():
        shm.cleanup(shm.prefix())  # nobody will map our pending batches: free them
