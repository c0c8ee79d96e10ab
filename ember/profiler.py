"""`ember.profiler`: torch.profiler's interface over ember's op profiler (ember.autograd.profiler).

`with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof: ...` then
`prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10)`. `schedule` and `step()` select
which steps are recorded; `on_trace_ready` receives the profiler after each recorded cycle
(`tensorboard_trace_handler(dir)` writes a Chrome trace TensorBoard's profiler plugin reads). CPU only.
"""
from __future__ import annotations

import enum
import os
import socket
import time

from .autograd import profiler as _ap
from .autograd.profiler import EventList, record_function  # noqa: F401

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3
    PrivateUse1 = 4


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """A step -> ProfilerAction function: skip `skip_first` steps, then cycles of `wait` idle, `warmup` and
    `active` recorded steps (`repeat` cycles, 0 = forever). Matches `torch.profiler.schedule`."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError("Invalid profiler schedule arguments")

    def fn(step):
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return fn


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """on_trace_ready handler writing `<worker>.<time>.pt.trace.json` into dir_name (atomically)."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{worker}.{time.time_ns() // 1_000_000}.pt.trace.json")
        prof.export_chrome_trace(path)
    return handler


class profile:
    """Record the ops run inside it (or in the steps `schedule` selects). Matches `torch.profiler.profile`."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None):
        acts = set(activities) if activities is not None else {ProfilerActivity.CPU}
        if acts - {ProfilerActivity.CPU}:
            raise RuntimeError(f"ember's profiler records CPU activity only, got {sorted(a.name for a in acts)}")
        self.schedule = schedule
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.step_num = 0
        self._session = None
        self._events = EventList()

    def _action(self):
        return self.schedule(self.step_num) if self.schedule is not None else ProfilerAction.RECORD

    def _begin(self):
        if self._session is None and self._action() in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._session = _ap.profile(record_shapes=self.record_shapes).__enter__()

    def _end(self, save):
        if self._session is not None:
            self._session.__exit__(None, None, None)
            self._events.extend(self._session.function_events)
            self._session = None
            if save and self.on_trace_ready is not None:
                self.on_trace_ready(self)

    def start(self):
        self._begin()
        return self

    def stop(self):
        self._end(save=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def step(self):
        """Mark the end of a training step (the schedule decides what the next one records)."""
        save = self._action() == ProfilerAction.RECORD_AND_SAVE
        self.step_num += 1
        if self._session is not None and self._action() not in (ProfilerAction.RECORD,
                                                                 ProfilerAction.RECORD_AND_SAVE):
            self._end(save=True)
        elif save:
            self._end(save=True)
        self._begin()

    def events(self):
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self._events.key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path):
        self._events.export_chrome_trace(path)
