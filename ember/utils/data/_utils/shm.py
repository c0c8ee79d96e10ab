"""Shared memory for large batches: a DataLoader worker stacks big batch fields straight into /dev/shm files,
and the main process maps them (NOTE [ Shared memory for large batches ])."""
from __future__ import annotations

import itertools
import mmap
import os
import sys

import numpy as np

from ember._tensor_base import _wrap

# NOTE [ Shared memory for large batches ]
#
# A batch field of at least `MIN_BYTES` does not travel through the result pipe. In a worker,
# default_collate stacks it straight into a file on /dev/shm (tmpfs),
# mapped with mmap; the pickled Tensor is then just the file's path, shape and dtype. The main process maps
# the file and unlinks it at once, so the memory lives exactly as long as the batch Tensor (munmap on
# garbage collection) and nothing is left in /dev/shm whatever happens next. Measured on the 2-core box
# (one worker, ms per batch field, pipe vs shm): 0.2 MB 0.39 vs 0.31, 0.8 MB 1.6 vs 0.7, 3 MB 7.6 vs 2.1,
# 38 MB (64x3x224x224 float32) 4.5x faster (those pipe figures are for the old pickled transport).
# Since results go out of band through the pipe (NOTE [ Result pipes ]: one copy in, one copy out), the pipe
# costs less CPU than a fresh tmpfs file below about a megabyte (page faults on every new page dominate):
# 64x1x28x28 float32 (200 KB) batches, 2 workers, CPU s per epoch of 313 batches, workers/main: shm
# 0.102/0.030, pipe 0.068/0.035; 3 MiB batches: shm 0.32/0.028, pipe 0.14/0.115. The main process's CPU is
# the one a training loop competes for, so large batch fields still use shared memory; the threshold is
# 512 KiB so that a worker's `prefetch_factor`=2 batches in flight fit in its 1 MiB result pipe and the
# worker never waits for the main process to read (it would stop preparing the next batch).
#   * Space is reserved with posix_fallocate, so a full /dev/shm (Docker's 64 MB default) makes us fall back
#     to the pipe instead of killing the worker with SIGBUS when it touches an unbacked page.
#   * File names are `ember_dl_<main pid>_<iterator id>_<worker id>_<n>`: the main process removes its
#     iterator's leftovers (results never read, a killed worker's files) at shutdown, and a worker whose
#     parent died removes its own.
#   * If the main process cannot map one more file (vm.max_map_count, when a program keeps tens of
#     thousands of batches alive), the batch is read into ordinary memory instead.
#   * Linux only (other platforms use the pipe); EMBER_DATALOADER_SHM=0 turns it off.
SHM_DIR = "/dev/shm"


MIN_BYTES = 1 << 19


_prefix = None  # set in a worker when shared memory is usable (enable())


_counter = itertools.count()


class ShmBuffer(mmap.mmap):
    __slots__ = ("path",)


def usable() -> bool:
    return (sys.platform.startswith("linux") and os.environ.get("EMBER_DATALOADER_SHM", "1") != "0"
            and os.path.isdir(SHM_DIR) and os.access(SHM_DIR, os.W_OK))


def empty(shape, dtype):
    """A new array backed by a /dev/shm file (worker side), or None when shared memory is unavailable."""
    prefix = _prefix
    if prefix is None:
        return None
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes == 0:
        return None
    path = os.path.join(SHM_DIR, f"{prefix}{next(_counter)}")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return None
    try:
        os.posix_fallocate(fd, 0, nbytes)
        buf = ShmBuffer(fd, nbytes)
    except OSError:  # /dev/shm is full: use the pipe
        unlink(path)
        return None
    finally:
        os.close(fd)
    buf.path = path
    return np.ndarray(shape, dtype, buffer=buf)


def release(arr) -> None:
    buf = arr.base
    if type(buf) is ShmBuffer:
        unlink(buf.path)


def unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def cleanup(prefix: str) -> None:
    # remove files of this iterator (or worker) that were never picked up
    try:
        names = os.listdir(SHM_DIR)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix):
            unlink(os.path.join(SHM_DIR, name))


def rebuild(path, shape, dtype):
    # main-process side: map, unlink at once (the mapping keeps the memory), wrap without copying
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
        unlink(path)
    return _wrap(np.ndarray(shape, dtype, buffer=buf))


def enable(prefix):
    """In a worker: make `empty` hand out /dev/shm arrays named `<prefix><n>`."""
    global _prefix
    _prefix = prefix


def enabled():
    return _prefix is not None


def prefix():
    return _prefix
