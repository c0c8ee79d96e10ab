"""The profiler: which ops ran, how often, and their self and total CPU time. Matches
`torch.autograd.profiler` (and serves `ember.profiler`).

ember records every op through a few hooks, so the profiler sees each forward kernel (named like torch's
operator, `aten::mm`), each backward node (`MmBackward0`), gradient accumulation into leaves
(`torch::autograd::AccumulateGrad`) and the ranges you mark with `record_function`. Times are wall-clock
time of the calling thread; an event's self time is its time minus the events nested in it. When no
profiler runs, the hooks cost nothing (autograd/_observe.py).
"""
from __future__ import annotations

import functools
import json
import os
import threading
from time import perf_counter_ns

from .._atomic import atomic_write_text
from . import _observe

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


def _format_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_share(us, total):
    return f"{us / total * 100:.2f}%" if total else "0.00%"


class FunctionEvent:
    """One op, backward node or marked range: `name`, start/end in us, `thread`, `input_shapes`."""

    def __init__(self, name, start_us, end_us, thread, input_shapes=None, is_user_annotation=False):
        self.name = self.key = name
        self.start_us, self.end_us = start_us, end_us
        self.thread = thread
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.is_user_annotation = is_user_annotation
        self.cpu_children = []
        self.cpu_parent = None
        self.count = 1

    @property
    def cpu_time_total(self):
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    def __repr__(self):
        return (f"<FunctionEvent name={self.name} cpu_time_total={_format_time(self.cpu_time_total)} "
                f"self_cpu_time_total={_format_time(self.self_cpu_time_total)} thread={self.thread}>")


class FunctionEventAvg:
    """Events of one key (name, and input shapes when grouped by them) summed. Matches torch's."""

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.is_user_annotation = False

    def add(self, evt):
        self.count += evt.count
        self.cpu_time_total += evt.cpu_time_total
        self.self_cpu_time_total += evt.self_cpu_time_total
        self.is_user_annotation = evt.is_user_annotation
        return self

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    cpu_time_str = property(lambda self: _format_time(self.cpu_time))
    cpu_time_total_str = property(lambda self: _format_time(self.cpu_time_total))
    self_cpu_time_total_str = property(lambda self: _format_time(self.self_cpu_time_total))

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str} count={self.count}>")


_SORT_KEYS = {"cpu_time", "cpu_time_total", "self_cpu_time_total", "count"}


class EventList(list):
    """A list of events (or of averages) with torch's summaries."""

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        groups = {}
        for e in self:
            shapes = str(e.input_shapes) if group_by_input_shape else None
            k = (e.key, shapes)
            if k not in groups:
                groups[k] = FunctionEventAvg(e.key, e.input_shapes if group_by_input_shape else None)
            groups[k].add(e)
        out = EventList(groups.values())
        out._with_shapes = group_by_input_shape
        return out

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def total_average(self):
        total = FunctionEventAvg("Total")
        for e in self:
            total.add(e)
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """The summary as text, in torch's layout (`sort_by` one of cpu_time, cpu_time_total,
        self_cpu_time_total, count; device columns are absent: ember runs on the CPU only)."""
        events = list(self)
        if sort_by is not None:
            if sort_by not in _SORT_KEYS:
                raise AttributeError(f"ember's profiler sorts by one of {sorted(_SORT_KEYS)}, got {sort_by!r}")
            events.sort(key=lambda e: getattr(e, sort_by), reverse=True)
        if not events:
            return ""
        with_shapes = getattr(self, "_with_shapes", False)
        name_w = max(len(e.key) for e in events) + 4
        if max_name_column_width is not None:
            name_w = min(name_w, max_name_column_width)
        headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
        widths = [name_w] + [12] * 6
        if with_shapes:
            shapes_w = max(len(str(e.input_shapes)) for e in events) + 4
            shapes_w = min(shapes_w, max_shapes_column_width) if max_shapes_column_width else shapes_w
            headers.append("Input Shapes")
            widths.append(shapes_w)
        fmt = "".join("{: >" + str(w) + "}  " for w in widths)
        sep = "".join("-" * w + "  " for w in widths)
        total = sum(e.self_cpu_time_total for e in events)
        unit = {"s": lambda us: f"{us / 1e6:.3f}s", "ms": lambda us: f"{us / 1e3:.3f}ms",
                "us": lambda us: f"{us:.3f}us"}.get(time_unit, _format_time)
        lines = []
        if header is not None:
            lines += ["=" * len(sep), header]
        lines += [sep, fmt.format(*headers), sep]
        for n, e in enumerate(events):
            if n == row_limit:
                break
            if top_level_events_only and getattr(e, "cpu_parent", None) is not None:
                continue
            name = e.key
            if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
                name = name[: max_name_column_width - 3] + "..."
            row = [name, _format_share(e.self_cpu_time_total, total), unit(e.self_cpu_time_total),
                   _format_share(e.cpu_time_total, total), unit(e.cpu_time_total),
                   unit(e.cpu_time_total / max(e.count, 1)), str(e.count)]
            if with_shapes:
                row.append(str(e.input_shapes)[:widths[-1]])
            lines.append(fmt.format(*row))
        lines += [sep, f"Self CPU time total: {_format_time(total)}"]
        return "\n".join(lines) + "\n"

    def export_chrome_trace(self, path):
        """Write the events in the Chrome trace format (chrome://tracing, Perfetto, TensorBoard's profiler)."""
        trace = [{"name": e.name, "ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
                  "ts": e.start_us, "dur": e.cpu_time_total, "pid": os.getpid(), "tid": e.thread,
                  "args": {"Input Dims": e.input_shapes} if e.input_shapes else {}} for e in self]
        atomic_write_text(path, json.dumps({"traceEvents": trace, "displayTimeUnit": "ms"}))


def _nest(events):
    """Link each event to the innermost event of its thread that contains it (parents and children)."""
    by_thread = {}
    for e in events:
        by_thread.setdefault(e.thread, []).append(e)
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e.start_us, -e.end_us))
        stack = []
        for e in evs:
            while stack and stack[-1].end_us < e.end_us:
                stack.pop()
            if stack:
                e.cpu_parent = stack[-1]
                stack[-1].cpu_children.append(e)
            stack.append(e)


class _Recorder:
    """The client `_observe` feeds while a profile is active."""

    def __init__(self, record_shapes):
        self.record_shapes = record_shapes
        self.raw = []
        self._lock = threading.Lock()

    def op(self, op, t0, t1, args):
        shapes = _observe.input_shapes(args) if self.record_shapes else None
        self.raw.append((_observe.op_name(op), t0, t1, threading.get_ident(), shapes, False))

    def node(self, node, t0, t1):
        self.raw.append((node.op.bw_name.rsplit("::", 1)[-1], t0, t1, threading.get_ident(), None, False))

    def span(self, name, t0, t1, user=False):
        self.raw.append((name, t0, t1, threading.get_ident(), None, user))

    def events(self, origin):
        evs = [FunctionEvent(n, (t0 - origin) / 1e3, (t1 - origin) / 1e3, tid, shapes, user)
               for n, t0, t1, tid, shapes, user in self.raw]
        _nest(evs)
        return EventList(evs)


class profile:
    """Context manager recording the ops run inside it. Matches `torch.autograd.profiler.profile`
    (CPU only: `use_cuda`/`use_device` other than the CPU are refused)."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        if use_cuda or (use_device not in (None, "cpu")):
            raise RuntimeError("ember's profiler records CPU time only: ember has no CUDA device")
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.function_events = None
        self._recorder = None
        self._origin = 0

    def __enter__(self):
        if self.enabled:
            self._recorder = _Recorder(self.record_shapes)
            self._origin = perf_counter_ns()
            _observe.watch(self._recorder)
        return self

    def __exit__(self, *exc):
        if self._recorder is not None:
            _observe.unwatch(self._recorder)
            self.function_events = self._recorder.events(self._origin)
            self._recorder = None
        return False

    def _events(self):
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self.function_events

    def events(self):
        return self._events()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        return self._events().key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by=None, row_limit=100, **kwargs):
        return self._events().table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self):
        return self._events().total_average()

    @property
    def self_cpu_time_total(self):
        return self._events().self_cpu_time_total

    def export_chrome_trace(self, path):
        self._events().export_chrome_trace(path)

    def __str__(self):
        return self.table()


class record_function:
    """Mark a range of code (context manager or decorator); it shows as one row in the profiler's table.
    Matches `torch.autograd.profiler.record_function`; costs one check when no profiler runs."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._t0 = None

    def __enter__(self):
        self._t0 = perf_counter_ns() if _observe.OBSERVER.clients else None
        return self

    def __exit__(self, *exc):
        if self._t0 is not None:
            t1 = perf_counter_ns()
            for c in _observe.OBSERVER.clients:
                c.span(self.name, self._t0, t1, True)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapper
