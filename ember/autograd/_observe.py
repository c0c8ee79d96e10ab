"""Watching ops as they run, for anomaly mode and the profiler, at no cost while nobody watches.

`watch(client)` / `unwatch(client)`: while at least one client is registered, the recording hooks and
`new_node` run observing code (NOTE [ Observing the hooks ] in `_tensor_base.py`) and the engine hands
every node's backward to `OBSERVER`. A client has `op(op, t0, t1, args)` for each forward kernel run (the
kernel class and the hook's arguments), `node(node, t0, t1)` for each backward node run, and
`span(name, t0, t1)` for the engine's evaluation of a node and gradient accumulation (times in ns,
`time.perf_counter_ns`).
Anomaly mode is the built-in `anomaly` switch: nodes keep the user's forward traceback, and the engine
checks their gradients for NaN (torch's anomaly detection).
"""
from __future__ import annotations

import os
import sys
import threading
import traceback
import warnings
from time import perf_counter_ns

import numpy as np

from .. import _tensor_base as T
from . import graph as G

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_ndarray = np.ndarray


def user_stack():
    """The current call stack without ember's own frames, formatted like a traceback (torch's style)."""
    frames = [f for f in traceback.extract_stack() if not os.path.abspath(f.filename).startswith(_EMBER_DIR)]
    return traceback.format_list(frames)


def user_stacklevel():
    """The `stacklevel` for warnings.warn that points at the first frame outside ember."""
    f, level = sys._getframe(1), 1
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_EMBER_DIR):
        f, level = f.f_back, level + 1
    return level


def op_name(op):
    """torch's operator name for a kernel (`aten::mul` for Mul, from its grad_fn name MulBackward0)."""
    if getattr(op, "aten", None):
        return "aten::" + op.aten
    n = op.bw_name.rsplit("::", 1)[-1]
    n = n[: n.rfind("Backward")] if "Backward" in n else n
    out = []
    for i, ch in enumerate(n):
        if ch.isupper() and i and (not n[i - 1].isupper() or (i + 1 < len(n) and n[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "aten::" + "".join(out)


def input_shapes(args):
    out = []
    for a in args:
        if isinstance(a, T.TensorBase):
            out.append(list(a._data.shape))
        elif isinstance(a, (tuple, list)) and a and isinstance(a[0], T.TensorBase):
            out.extend(list(t._data.shape) for t in a)
        else:
            out.append([])
    return out


class _Observer:
    def __init__(self):
        self.clients = []
        self.anomaly = False
        self.check_nan = True
        self._inside = threading.local()      # hooks called by hooks (operand conversion) count once

    # ---- forward ---------------------------------------------------------------------------------
    def forward(self, plain, op, args):
        inside = self._inside
        if getattr(inside, "depth", 0):
            return plain(op, *args)
        inside.depth = 1
        clients = self.clients
        t0 = perf_counter_ns() if clients else 0
        try:
            out = plain(op, *args)
        finally:
            inside.depth = 0
        if clients:
            t1 = perf_counter_ns()
            for c in clients:
                c.op(op, t0, t1, args)
        if self.anomaly and isinstance(out, T.TensorBase) and out._node is not None:
            self.created(out._node)
        return out

    def created(self, node):
        if self.anomaly:
            meta = node.metadata
            if "traceback_" not in meta:
                meta["traceback_"] = user_stack()

    # ---- backward (called by the engine for every node while observing) --------------------------
    def backward(self, node, saved, g, needs):
        # two spans, as torch's profiler shows: the engine's evaluation of the node around its function
        t0 = perf_counter_ns()
        ta = perf_counter_ns()
        try:
            gin = node.op.backward(saved, g, needs)
            tb = perf_counter_ns()
            if self.anomaly and self.check_nan:
                _check_nan(node, gin)
        except BaseException:
            if self.anomaly:
                _warn_forward_trace(node)
            raise
        t1 = perf_counter_ns()
        name = node.op.bw_name.rsplit("::", 1)[-1]
        for c in self.clients:
            c.node(node, ta, tb)
            c.span("autograd::engine::evaluate_function: " + name, t0, t1)
        return gin

    def accumulated(self, t0):
        t1 = perf_counter_ns()
        for c in self.clients:
            c.span("torch::autograd::AccumulateGrad", t0, t1)


def _check_nan(node, gin):
    for i, gi in enumerate(gin if type(gin) is tuple else (gin,)):
        if gi is None:
            continue
        a = gi if type(gi) is _ndarray else getattr(gi, "_data", None)
        if a is not None and a.dtype.kind == "f" and np.isnan(a).any():
            raise RuntimeError(f"Function '{node.op.bw_name.rsplit('::', 1)[-1]}' returned nan values in its "
                               f"{i}th output.")


def _warn_forward_trace(node):
    meta = getattr(node, "meta", None)
    trace = meta.get("traceback_") if meta else None
    if trace:
        name = node.op.bw_name.rsplit("::", 1)[-1]
        warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the error:\n"
                      + "".join(trace), UserWarning, stacklevel=user_stacklevel())


OBSERVER = _Observer()
_SWAPS = ((T._unary, T._unary_plain, T._observed_unary), (T._binary, T._binary_plain, T._observed_binary),
          (T._apply, T._apply_plain, T._observed_apply), (G.new_node, G.new_node_plain, G.observed_new_node))
_LOCK = threading.Lock()


def _refresh():
    on = bool(OBSERVER.clients) or OBSERVER.anomaly
    T._OBSERVER[0] = G.OBSERVER[0] = OBSERVER if on else None
    for fn, plain, observed in _SWAPS:
        fn.__code__ = (observed if on else plain).__code__


def watch(client):
    with _LOCK:
        OBSERVER.clients = OBSERVER.clients + [client]
        _refresh()


def unwatch(client):
    with _LOCK:
        OBSERVER.clients = [c for c in OBSERVER.clients if c is not client]
        _refresh()


def set_anomaly(enabled, check_nan=True):
    with _LOCK:
        OBSERVER.anomaly = bool(enabled)
        OBSERVER.check_nan = bool(check_nan)
        _refresh()
