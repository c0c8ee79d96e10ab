"""SummaryWriter: TensorBoard event files written directly (no tensorboard or protobuf package needed).

Events are kept in memory and appended to the file when `max_queue` of them are waiting, when
`flush_secs` have passed since the last write (checked at each add), on `flush()`/`close()`, and at
interpreter exit. torch does the same from a background thread; here nothing runs between calls.
Each record is appended with one write, so a crash can only cut the last record, which TensorBoard's
reader skips.
"""
from __future__ import annotations

import itertools
import os
import socket
import time
import weakref
from datetime import datetime

from . import _proto as P
from . import _summary as S

__all__ = ["SummaryWriter", "FileWriter"]

_uid = itertools.count()


def _write_out(state):
    """Append the pending records of one event file (also the exit-time finalizer)."""
    f, pending = state["file"], state["pending"]
    if pending and f is not None:
        f.write(b"".join(pending))
        f.flush()
        pending.clear()
    state["last"] = time.monotonic()


def _close_file(state):
    _write_out(state)
    if state["file"] is not None:
        state["file"].close()
        state["file"] = None


class FileWriter:
    """One event file in `log_dir`. Matches `torch.utils.tensorboard.writer.FileWriter` (events as bytes)."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        log_dir = os.fspath(log_dir)
        os.makedirs(log_dir, exist_ok=True)
        self.log_dir = log_dir
        self.max_queue, self.flush_secs = max_queue, flush_secs
        name = "events.out.tfevents.%010d.%s.%s.%s" % (time.time(), socket.gethostname(), os.getpid(),
                                                        next(_uid))
        self.path = os.path.join(log_dir, name) + filename_suffix
        self._state = {"file": open(self.path, "ab"), "pending": [], "last": time.monotonic()}
        self._finalizer = weakref.finalize(self, _close_file, self._state)
        self.add_event(P.event(time.time(), file_version="brain.Event:2",
                               source_metadata=P.f_bytes(1, "ember.utils.tensorboard")))
        self.flush()

    def get_logdir(self):
        return self.log_dir

    def add_event(self, event_bytes: bytes) -> None:
        if self._state["file"] is None:
            raise RuntimeError(f"the event file {self.path} is closed")
        self._state["pending"].append(P.record(event_bytes))
        if len(self._state["pending"]) >= self.max_queue or \
                time.monotonic() - self._state["last"] >= self.flush_secs:
            _write_out(self._state)

    def add_summary(self, summary_bytes: bytes, global_step=None, walltime=None) -> None:
        wall = time.time() if walltime is None else walltime
        step = None if global_step is None else int(global_step)
        self.add_event(P.event(wall, step, summary_bytes=summary_bytes))

    def add_graph(self, graph_def: bytes, run_metadata: bytes, walltime=None) -> None:
        wall = time.time() if walltime is None else walltime
        self.add_event(P.event(wall, graph_def=graph_def))
        # TaggedRunMetadata: tag = 1, run_metadata = 2
        self.add_event(P.event(wall, tagged_run_metadata=P.f_bytes(1, "step1") + P.f_bytes(2, run_metadata)))

    def flush(self) -> None:
        _write_out(self._state)

    def close(self) -> None:
        self._finalizer()


class SummaryWriter:
    """Writes TensorBoard logs. Matches `torch.utils.tensorboard.SummaryWriter` for scalars, histograms,
    images, text, hyperparameters and graphs, without importing tensorboard or protobuf.

    Deviations: `add_hparams` stores bools as bools (torch turns them into 1.0/0.0); `add_graph` builds
    the graph from autograd and module hooks (no TorchScript), so ops autograd does not record are absent.
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue, self.flush_secs, self.filename_suffix = max_queue, flush_secs, filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = S.default_bins()

    def _get_file_writer(self):
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step = self.purge_step
                self.file_writer.add_event(P.event(time.time(), step, file_version="brain.Event:2"))
                # SessionLog: status = 1 (START = 1)
                self.file_writer.add_event(P.event(time.time(), step, session_log=P.f_int(1, 1)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False) -> None:
        self._get_file_writer().add_summary(S.scalar(tag, scalar_value, new_style, double_precision),
                                            global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None) -> None:
        """Each value goes to its own run `<log_dir>/<main_tag>_<tag>`, under the tag `main_tag`."""
        walltime = time.time() if walltime is None else walltime
        base = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            key = base + "/" + main_tag.replace("/", "_") + "_" + tag
            fw = self.all_writers.get(key)
            if fw is None:
                fw = FileWriter(key, self.max_queue, self.flush_secs, self.filename_suffix)
                self.all_writers[key] = fw
            fw.add_summary(S.scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._get_file_writer().add_summary(S.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts,  # noqa: A002
                          global_step=None, walltime=None) -> None:
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError(f"len(bucket_limits) != len(bucket_counts): {len(bucket_limits)} vs "
                             f"{len(bucket_counts)}")
        summary = S.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW") -> None:
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW") -> None:
        """A batch of images, tiled 8 per row into one picture (as torch does)."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None) -> None:
        self._get_file_writer().add_summary(S.text(tag, text_string), global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None) -> None:
        """Hyperparameters and their metrics, in a run `<log_dir>/<run_name>` (default: the time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        exp, ssi, sei = S.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as w:
            for s in (exp, ssi, sei):
                w.file_writer.add_summary(s, global_step)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True) -> None:
        """The graph of `model` on `input_to_model`, grouped by submodule (from autograd and module hooks)."""
        from ._graph import graph

        graph_def, run_metadata = graph(model, input_to_model, verbose)
        self._get_file_writer().add_graph(graph_def, run_metadata)

    def flush(self) -> None:
        if self.all_writers is None:
            return
        for w in self.all_writers.values():
            w.flush()

    def close(self) -> None:
        if self.all_writers is None:
            return
        for w in self.all_writers.values():
            w.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
