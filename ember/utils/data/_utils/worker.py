"""The worker side of the multi-process DataLoader: the loop, WorkerInfo, seeding, the parent watchdog."""
from __future__ import annotations

import faulthandler
import itertools
import mmap
import os
import queue
import random
import signal
import sys
from dataclasses import dataclass

import numpy as np

from . import ExceptionWrapper
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
    import ember
    ember.manual_seed(seed)
    return seed


class _IndexQueue:
    """The task channel from the main process to one worker: a bare one-way pipe with one writer and one
    reader, written directly by the main thread. (multiprocessing.Queue would hand every put to a feeder
    thread, a GIL round trip per batch, and would buffer silently for a dead worker; here a dead worker's
    pipe raises BrokenPipeError, because the main process closes its copy of the read end.)"""

    def __init__(self, ctx):
        self._reader, self._writer = ctx.Pipe(duplex=False)
        if sys.platform.startswith("linux"):
            try:  # room for many batches of indices, so that put never waits for a busy worker
                import fcntl
                fcntl.fcntl(self._writer.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ
            except OSError:
                pass

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


# NOTE [ Shared memory for large batches ]
#
# A batch field of at least `_SHM_MIN_BYTES` does not travel through the result pipe (pickle copy, two kernel
# copies, unpickle copy). In a worker, default_collate stacks it straight into a file on /dev/shm (tmpfs),
# mapped with mmap; the pickled Tensor is then just the file's path, shape and dtype. The main process maps
# the file and unlinks it at once, so the memory lives exactly as long as the batch Tensor (munmap on
# garbage collection) and nothing is left in /dev/shm whatever happens next. Measured on the 2-core box
# (one worker, ms per batch field, pipe vs shm): 0.2 MB 0.39 vs 0.31, 0.8 MB 1.6 vs 0.7, 3 MB 7.6 vs 2.1,
# 38 MB (64x3x224x224 float32) 4.5x faster; a 64x1x28x28 epoch with 2 workers ran 18% faster at 128 KiB
# than at 1 MiB. Below ~100 KB the file's syscalls cost more than the copies they save.
#   * Space is reserved with posix_fallocate, so a full /dev/shm (Docker's 64 MB default) makes us fall back
#     to the pipe instead of killing the worker with SIGBUS when it touches an unbacked page.
#   * File names are `ember_dl_<main pid>_<iterator id>_<worker id>_<n>`: the main process removes its
#     iterator's leftovers (results never read, a killed worker's files) at shutdown, and a worker whose
#     parent died removes its own.
#   * If the main process cannot map one more file (vm.max_map_count, when a program keeps tens of
#     thousands of batches alive), the batch is read into ordinary memory instead.
#   * Linux only (other platforms use the pipe); EMBER_DATALOADER_SHM=0 turns it off.
_SHM_DIR = "/dev/shm"
_SHM_MIN_BYTES = 1 << 17
_shm_prefix = None  # set in a worker when shared memory is usable
_shm_counter = itertools.count()


class _ShmBuffer(mmap.mmap):
    __slots__ = ("path",)


def _shm_usable() -> bool:
    return (sys.platform.startswith("linux") and os.environ.get("EMBER_DATALOADER_SHM", "1") != "0"
            and os.path.isdir(_SHM_DIR) and os.access(_SHM_DIR, os.W_OK))


def _shm_empty(shape, dtype):
    """A new array backed by a /dev/shm file (worker side), or None when shared memory is unavailable."""
    prefix = _shm_prefix
    if prefix is None:
        return None
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes == 0:
        return None
    path = os.path.join(_SHM_DIR, f"{prefix}{next(_shm_counter)}")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return None
    try:
        os.posix_fallocate(fd, 0, nbytes)
        buf = _ShmBuffer(fd, nbytes)
    except OSError:  # /dev/shm is full: use the pipe
        _unlink(path)
        return None
    finally:
        os.close(fd)
    buf.path = path
    return np.ndarray(shape, dtype, buffer=buf)


def _shm_release(arr) -> None:
    buf = arr.base
    if type(buf) is _ShmBuffer:
        _unlink(buf.path)


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _shm_cleanup(prefix: str) -> None:
    # remove files of this iterator (or worker) that were never picked up
    try:
        names = os.listdir(_SHM_DIR)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix):
            _unlink(os.path.join(_SHM_DIR, name))


def _rebuild_shm(path, shape, dtype):
    # main-process side: map, unlink at once (the mapping keeps the memory), wrap without copying
    from ember._tensor import _wrap
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as e:
        raise RuntimeError(f"DataLoader: the shared-memory batch file {path} disappeared before it was read "
                           f"({e})") from None
    try:
        try:
            buf = mmap.mmap(fd, nbytes)
        except OSError:  # out of mappings: copy into ordinary memory
            arr = np.empty(shape, dtype)
            with os.fdopen(os.dup(fd), "rb", buffering=0) as f:
                f.readinto(memoryview(arr).cast("B"))
            return _wrap(arr)
    finally:
        os.close(fd)
        _unlink(path)
    return _wrap(np.ndarray(shape, dtype, buffer=buf))


def _reduce_tensor(t):
    # Tensors cross the process boundary as their ndarray (one pickle of the raw bytes) or, when large, as
    # the path of a shared-memory file; never through Tensor.__reduce_ex__, which first copies the data.
    if t._rg or getattr(t, "_grad", None) is not None:
        return t.__reduce_ex__(4)
    data = t._data
    if data.nbytes >= _SHM_MIN_BYTES and _shm_prefix is not None:
        buf = data.base
        if not (type(buf) is _ShmBuffer and data.flags.c_contiguous and data.nbytes == len(buf)):
            shm = _shm_empty(data.shape, data.dtype)  # e.g. a custom collate_fn's output: one copy, no pipe
            if shm is not None:
                shm[...] = data
                data, buf = shm, shm.base
        if type(buf) is _ShmBuffer:
            return _rebuild_shm, (buf.path, data.shape, data.dtype.str)
    if not (data.flags.c_contiguous or data.flags.f_contiguous):
        data = np.ascontiguousarray(data)
    return _rebuild_tensor, (data,)


def _rebuild_tensor(data):
    from ember._tensor import _wrap
    return _wrap(data)


def _worker_loop(is_iterable, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, shm_prefix=None):
    global _worker_info, _shm_prefix
    watchdog = _ParentWatchdog()
    if shm_prefix is not None and _shm_usable():
        _shm_prefix = f"{shm_prefix}{worker_id}_"
        from . import collate
        collate._shm_empty = _shm_empty
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
        from multiprocessing.reduction import ForkingPickler
        from ember._tensor import Tensor
        ForkingPickler.register(Tensor, _reduce_tensor)
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
            data_queue.put((epoch, idx, data))
            del data, idx, index, r  # drop references before blocking on the next get
    except KeyboardInterrupt:
        pass
    if done_event.is_set() or not watchdog.is_alive():
        # never block process exit on results nobody will read
        data_queue.cancel_join_thread()
        data_queue.close()
    if _shm_prefix is not None and not watchdog.is_alive():
        _shm_cleanup(_shm_prefix)  # nobody will map our pending batches: free them
