"""DataLoader: batches from a Dataset, in the main process or in worker processes.

`iter(loader)` returns a single-process iterator (num_workers=0) or a multi-process one; `next()` on it gives
the next batch, so `images, labels = next(iter(loader))` works. A DataLoader itself cannot be indexed.

Memory advice ("copy-on-read"): with forked workers, every worker starts with the parent's memory shared
copy-on-write, but merely *reading* a Python object writes its reference count, so a dataset that holds a big
list/dict of Python objects (file names, strings, per-sample dicts) gets its pages copied into every worker
as they are touched, and the workers' memory grows through the epoch. Hold per-sample metadata in NumPy
arrays instead (numeric arrays; strings as one byte buffer plus an offsets array, or a fixed-width 'S'/'U'
array): an array is one object, so reading it dirties no pages. Prefer:

    self.paths = np.array(paths)            # not: self.paths = paths  (a list of str)
    self.labels = np.asarray(labels, np.int64)
"""
from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import pickle
import signal
import sys
import time
import warnings
from multiprocessing.connection import wait as _mp_wait

from ember.random import _gen

from ._utils import ExceptionWrapper
from ._utils.collate import default_collate, default_convert
from ._utils.fetch import _create_fetcher
from ._utils import shm
from ._utils.worker import (_big_pipe, _IndexQueue, _IterableDatasetStopIteration, _recv_result,
                            _ResumeIteration, _worker_loop)
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

from ._utils.worker import get_worker_info  # noqa: E402

# How long shutdown waits for workers to exit on their own before SIGTERM (and then SIGKILL).
_JOIN_GRACE = 0.5


class _DatasetKind:
    Map = 0
    Iterable = 1


def _default_context():
    # fork where the platform has it (fast start, no pickling of the dataset); spawn elsewhere.
    methods = mp.get_all_start_methods()
    if "fork" in methods and sys.platform != "darwin":
        return mp.get_context("fork")
    return mp.get_context()


class DataLoader:
    """Iterate over `dataset` in batches. Matches `torch.utils.data.DataLoader` (same signature, defaults,
    argument checks and `len()`).

    ember differences: `pin_memory` is accepted and ignored (CPU only); a failing worker stops all workers and
    the error is re-raised with the worker's traceback and the failing sample index; a dead worker is detected
    at once (not after a poll interval) and named with its exit code.
    """

    __initialized = False

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to "
                             "None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but "
                                 f"got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but "
                                 f"got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler "
                                 f"option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self._iterator = None
        self.__initialized = True

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx):
        if ctx is not None:
            if self.num_workers <= 0:
                raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(ctx, str):
                valid = mp.get_all_start_methods()
                if ctx not in valid:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                     f"{valid!r}, but got multiprocessing_context={ctx!r}")
                ctx = mp.get_context(ctx)
            elif not isinstance(ctx, mp.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context object or a "
                                f"string specifying the start method, but got multiprocessing_context={ctx}")
        self.__multiprocessing_context = ctx

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            name = self.__class__.__name__
            raise ValueError(f"{attr} attribute should not be set after {name} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            it = self._iterator
            if it is None or it._shutdown:
                self._iterator = self._get_iterator()
            else:
                it._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if self._dataset_kind == _DatasetKind.Iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


def _draw_base_seed(generator) -> int:
    return int(_gen(generator).integers(0, 2 ** 63 - 1))


class _BaseDataLoaderIter:
    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._is_iterable = loader._dataset_kind == _DatasetKind.Iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._collate_fn = loader.collate_fn
        self._timeout = loader.timeout
        self._persistent_workers = loader.persistent_workers
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _draw_base_seed(loader.generator)
        self._num_yielded = 0
        self._shutdown = False

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __getstate__(self):
        raise TypeError(f"{self.__class__.__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetch = _create_fetcher(self._is_iterable, self._dataset, self._auto_collation,
                                      self._collate_fn, self._drop_last).fetch

    def _next_data(self):
        return self._fetch(next(self._sampler_iter))


def _signal_name(code: int) -> str:
    try:
        sig = signal.Signals(-code)
        return f"{sig.name} ({signal.strsignal(sig) or sig.name})"
    except (ValueError, AttributeError):
        return f"signal {-code}"


# NOTE [ Shutdown ]
#
# Goals: no hang, no zombie, no orphan, whatever ends the iteration (the epoch ends, the user breaks out of
# the loop and drops the iterator, an exception or KeyboardInterrupt in the main process, an error in a
# worker, a worker killed by a signal, the main process killed).
#
# * Main process, `_shutdown_workers()` (idempotent; called at the end of a non-persistent epoch, on any
#   exception out of `__next__`, from `__del__`, and on interpreter exit through the workers' daemon flag):
#     1. set `done_event`, so workers skip the tasks still queued (no new results to send);
#     2. put the `None` sentinel on every index queue;
#     3. join all workers for up to `_JOIN_GRACE` seconds in total (an idle worker wakes within
#        `_POLL_INTERVAL`); a worker still busy in user code gets SIGTERM, then SIGKILL; every worker is
#        joined, so none is left as a zombie;
#     4. close the pipes (a worker blocked writing a result to a full pipe gets SIGTERM in step 3).
# * Worker death is seen at once: the main process waits on every worker's result pipe *and* process sentinel
#   with `multiprocessing.connection.wait`, so a worker killed by SIGKILL (the OOM killer) turns into a
#   RuntimeError naming the worker, pid and exit code instead of a hang; the other workers are shut down
#   first. A worker killed in the middle of writing a result cannot hang the main process either: it is the
#   only writer of its pipe, so the read ends with EOF (NOTE [ Result pipes ] in _utils/worker.py).
# * Parent death: each idle worker checks every `_POLL_INTERVAL` that its parent pid is unchanged and exits
#   otherwise (the parent-watchdog), so a SIGKILLed training script leaves no orphan workers.
# * `timeout`: the error names the batch, its dataset indices and the worker, and (POSIX) asks that worker's
#   faulthandler, via SIGUSR1, to print the Python stack it is stuck in.
# * Ctrl-C: workers ignore SIGINT; the main process gets the KeyboardInterrupt, shuts the workers down and
#   re-raises it.
# * Results carry the epoch they belong to: after an early `break` with persistent workers, results of the
#   abandoned epoch still in flight are dropped when they arrive.

class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        self._epoch = 0
        ctx = loader.multiprocessing_context or _default_context()
        if ctx.get_start_method() == "fork":
            _warn_copy_on_read(self._dataset)
        self._workers = []
        self._index_queues = []
        self._workers_status = []
        self._result_readers = []  # NOTE [ Result pipes ] (in _utils/worker.py)
        self._workers_done_event = ctx.Event()
        self._task_info = {}
        # NOTE [ Shared memory for large batches ] (in _utils/worker.py)
        self._shm_prefix = f"ember_dl_{os.getpid()}_{id(self):x}_"
        try:
            for i in range(self._num_workers):
                iq = _IndexQueue(ctx)
                reader, writer = _big_pipe(ctx)
                w = ctx.Process(target=_worker_loop, daemon=True,
                                args=(self._is_iterable, self._dataset, iq, writer,
                                      self._workers_done_event, self._auto_collation, self._collate_fn,
                                      self._drop_last, self._base_seed, loader.worker_init_fn, i,
                                      self._num_workers, self._shm_prefix))
                self._index_queues.append(iq)
                self._result_readers.append(reader)
                try:
                    w.start()
                finally:
                    # the worker has its own copies; later workers must not inherit them, and the worker
                    # must be the only writer of its result pipe (a dead writer then reads as EOF)
                    iq.close_reader()
                    writer.close()
                self._workers.append(w)
                self._workers_status.append(True)
        except BaseException as e:
            self._shutdown_workers()
            if isinstance(e, (pickle.PicklingError, AttributeError, TypeError)):
                _explain_pickling(loader, ctx, e)
            raise
        self._sentinels = {w.sentinel: i for i, w in enumerate(self._workers)}
        self._wait_list = self._result_readers + list(self._sentinels)
        try:
            self._reset(loader, first_iter=True)
        except BaseException:  # e.g. a user sampler failing on its first index
            self._shutdown_workers()
            raise

    def _reset(self, loader, first_iter=False):
        if not first_iter:
            # persistent workers: one may have died between epochs (the OOM killer, a signal): the same error
            # as mid-epoch, all workers shut down, and the next iter(loader) starts fresh ones
            self._raise_dead_workers()
        super()._reset(loader, first_iter)
        self._epoch += 1
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            for wid, q in enumerate(self._index_queues):
                try:
                    q.put(_ResumeIteration(self._epoch))
                except OSError:  # BrokenPipeError: it died just now
                    self._worker_gone(wid)
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _worker_gone(self, wid):
        self._workers[wid].join(timeout=1.0)
        self._raise_dead_workers()
        self._shutdown_workers()
        pid = self._workers[wid].pid
        raise RuntimeError(f"DataLoader worker {wid} (pid {pid}) stopped reading its tasks")

    def _try_put_index(self):
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_cycle)
            if self._workers_status[wid]:
                break
        else:
            return  # every worker's iterable is exhausted
        try:
            self._index_queues[wid].put((self._epoch, self._send_idx, index))
        except OSError:  # BrokenPipeError: that worker is gone (or going: let it finish dying)
            self._worker_gone(wid)
        self._task_info[self._send_idx] = (wid, index)  # + (data,) once it arrives out of order
        self._tasks_outstanding += 1
        self._send_idx += 1

    def __next__(self):
        try:
            data = self._next_data()
        except StopIteration:
            raise
        except BaseException:
            # any error (a worker's, a timeout, a dead worker, KeyboardInterrupt) ends the iteration
            self._shutdown_workers()
            raise
        self._num_yielded += 1
        return data

    def _next_data(self):
        if self._shutdown:
            raise StopIteration
        task_info = self._task_info
        while True:
            # skip over tasks whose results were returned out of order or whose worker's stream ended
            while self._rcvd_idx < self._send_idx:
                info = task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 3 or self._workers_status[info[0]]):
                    break
                task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            info = task_info[self._rcvd_idx]
            if len(info) == 3:  # already arrived, out of order
                del task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process_data(info[2])
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                task_info.pop(idx, None)
                self._try_put_index()
                continue
            if idx == self._rcvd_idx:
                del task_info[idx]
                self._rcvd_idx += 1
                return self._process_data(data)
            if not self._in_order:
                task_info.pop(idx, None)
                return self._process_data(data)
            task_info[idx] += (data,)

    def _process_data(self, data):
        if isinstance(data, ExceptionWrapper):
            self._shutdown_workers()
            data.reraise()
        self._try_put_index()
        return data

    def _get_data(self):
        timeout = self._timeout
        deadline = time.monotonic() + timeout if timeout > 0 else None
        sentinels = self._sentinels
        remaining = None
        while True:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._raise_timeout()
            ready = _mp_wait(self._wait_list, remaining)
            if not ready:
                continue
            for r in ready:
                if r in sentinels:  # a worker exited (NOTE [ Shutdown ]); it may be a moment from reapable
                    wid = sentinels[r]
                    self._workers[wid].join(timeout=2.0)
                    self._raise_dead_workers()
                    self._shutdown_workers()  # pragma: no cover - exited but not reapable within 2 s
                    raise RuntimeError(f"DataLoader worker {wid} (pid {self._workers[wid].pid}) exited "
                                       f"unexpectedly")
            conn = ready[0]
            try:
                # the worker is the only writer of this pipe: if it dies in the middle of the message, this
                # read ends with EOF instead of blocking (NOTE [ Result pipes ])
                epoch, idx, data = _recv_result(conn)
            except (EOFError, OSError):
                wid = self._result_readers.index(conn)
                self._workers[wid].join(timeout=2.0)
                self._raise_dead_workers()
                self._shutdown_workers()
                pid = self._workers[wid].pid
                raise RuntimeError(f"DataLoader worker {wid} (pid {pid}) closed its result pipe "
                                   f"unexpectedly") from None
            if epoch == self._epoch:
                return idx, data
            # else: a stale result from an abandoned epoch

    def _raise_timeout(self):
        wid, index = self._task_info[self._rcvd_idx][:2]
        msg = (f"DataLoader timed out after {self._timeout} seconds waiting for batch {self._rcvd_idx} "
               f"(dataset indices {index}) from worker {wid}")
        w = self._workers[wid]
        if hasattr(signal, "SIGUSR1") and w.exitcode is None:
            try:  # the worker's faulthandler prints where it is stuck (NOTE [ Shutdown ])
                os.kill(w.pid, signal.SIGUSR1)
                time.sleep(0.05)
                msg += f"; the Python stack of worker {wid} (pid {w.pid}) was printed to stderr"
            except OSError:
                pass
        raise RuntimeError(msg)

    def _raise_dead_workers(self):
        dead = [(i, w) for i, w in enumerate(self._workers) if w.exitcode is not None]
        if not dead:
            return
        parts = []
        for i, w in dead:
            code = w.exitcode
            text = f"DataLoader worker {i} (pid {w.pid}) exited unexpectedly with exit code {code}"
            if code < 0:
                text += f", killed by signal: {_signal_name(code)}"
                if -code == getattr(signal, "SIGKILL", None):
                    text += (" (often the out-of-memory killer: reduce batch_size, num_workers or "
                             "prefetch_factor)")
                elif -code == getattr(signal, "SIGBUS", None):
                    text += (" (usually shared memory /dev/shm is full or too small: in Docker raise "
                             "--shm-size)")
            parts.append(text)
        self._shutdown_workers()
        raise RuntimeError("; ".join(parts))

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for q in self._index_queues:
                try:
                    q.put(None)
                except Exception:
                    pass
            deadline = time.monotonic() + _JOIN_GRACE
            for w in self._workers:
                w.join(timeout=max(0.0, deadline - time.monotonic()))
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
            for w in self._workers:
                w.join(timeout=1.0)
                if w.is_alive():
                    w.kill()
                    w.join()
            for q in self._index_queues:
                q.close()
            for conn in self._result_readers:
                conn.close()
            if sys.platform.startswith("linux") and getattr(self, "_shm_prefix", None):
                shm.cleanup(self._shm_prefix)  # batches sent but never read
        except Exception:  # pragma: no cover - best effort during interpreter teardown
            pass

    def __del__(self):
        if hasattr(self, "_workers_done_event"):
            self._shutdown_workers()


_COPY_ON_READ_ITEMS = 100_000


def _warn_copy_on_read(dataset) -> None:
    # Only the dataset's own attributes are looked at (cheap, no recursion).
    for name, value in getattr(dataset, "__dict__", {}).items():
        if type(value) in (list, dict, set, tuple) and len(value) >= _COPY_ON_READ_ITEMS:
            warnings.warn(
                f"DataLoader: dataset attribute {name!r} is a Python {type(value).__name__} of {len(value)} "
                f"items; forked workers copy the memory of every Python object they read (copy-on-read), so "
                f"each worker's memory grows towards the size of this {type(value).__name__}. Hold such data "
                f"in NumPy arrays (see the ember.utils.data.dataloader docstring).", stacklevel=4)
            return


def _explain_pickling(loader, ctx, err):
    # With spawn/forkserver the dataset, collate_fn and worker_init_fn are pickled to reach the workers; name
    # the culprit and the fix instead of pickle's bare "Can't pickle local object".
    if ctx.get_start_method() == "fork":
        return
    for name in ("dataset", "collate_fn", "worker_init_fn"):
        obj = getattr(loader, name)
        try:
            pickle.dumps(obj)
        except Exception as e:
            raise pickle.PicklingError(
                f"DataLoader {name}={obj!r} cannot be sent to worker processes started with "
                f"'{ctx.get_start_method()}': {type(e).__name__}: {e}. Define it at module top level (no "
                f"lambda or nested function), guard the script with `if __name__ == '__main__':`, or use "
                f"num_workers=0."
            ) from err

