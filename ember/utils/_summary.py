"""`ember.utils.summary`: torchinfo's model summary (same signature, same table, same numbers).

    from ember.utils import summary
    summary(model, input_size=(64, 1, 28, 28), col_names=("output_size", "num_params", "mult_adds"))

One forward pass with hooks on every submodule records, per call, the input/output shapes, the
parameter counts and the multiply-adds (torchinfo's estimate: weights times output positions); the
table then folds rows deeper than `depth` into their parents. Deviation: "Input size (MB)" counts the
bytes of the input tensors' memory (torchinfo adds the 64-byte size of torch's storage object).
"""
from __future__ import annotations

import math
import sys

import numpy as np
from .._creation import rand
from .._device import device as _device
from .._dtype import float32
from .._tensor import Tensor
from .._tensor_base import Size
from ..autograd.grad_mode import no_grad

__all__ = ["summary", "ModelStatistics", "LayerInfo", "clear_cached_forward_pass"]

COLUMNS = ("input_size", "output_size", "num_params", "params_percent", "kernel_size", "mult_adds",
           "trainable")
ROW_SETTINGS = ("ascii_only", "depth", "var_names", "hide_recursive_layers")
HEADERS = {"kernel_size": "Kernel Shape", "input_size": "Input Shape", "output_size": "Output Shape",
           "num_params": "Param #", "params_percent": "Param %", "mult_adds": "Mult-Adds",
           "trainable": "Trainable"}
NEEDS_INPUT = {"input_size", "output_size", "mult_adds"}
_CACHE: dict = {}


def clear_cached_forward_pass() -> None:
    """Forget the forward passes kept by `summary(..., cache_forward_pass=True)`."""
    _CACHE.clear()


def _prod(xs) -> int:
    out = 1
    for v in xs:
        out *= _prod(v) if isinstance(v, (list, tuple)) else v
    return out


def _tensor_cls():
    return Tensor


def _size_of(obj):
    """(shape list, bytes per element) of a module input/output, the way torchinfo reads them."""
    Tensor = _tensor_cls()
    if isinstance(obj, Tensor):
        return list(obj.shape), obj.element_size()
    if isinstance(obj, np.ndarray):
        return list(obj.shape), obj.dtype.itemsize
    if hasattr(obj, "tensors"):
        return _size_of(obj.tensors)
    if not hasattr(obj, "__getitem__") or not obj:
        return [], 0
    if isinstance(obj, dict):
        return _size_of(list(obj.values()))
    if callable(getattr(obj, "size", None)) and callable(getattr(obj, "element_size", None)):
        return list(obj.size()), obj.element_size()
    if isinstance(obj, (list, tuple)):
        return _size_of(obj[0])
    return [], 0


def _io_size(obj, batch_dim):
    if obj is None:
        return [], 0
    if isinstance(obj, (list, tuple)) and obj and hasattr(obj[0], "data") and hasattr(obj[0].data, "size"):
        first = obj[0].data                  # a tuple of arguments/outputs (or a PackedSequence): the first
        size, nbytes = list(first.size()), first.element_size()
        if batch_dim is not None:
            size = size[:batch_dim] + [1] + size[batch_dim + 1:]
        return size, nbytes
    if isinstance(obj, dict):
        size, nbytes = _size_of(list(obj.values())[-1])
        if batch_dim is not None:
            size = [size[:batch_dim] + [1] + size[batch_dim + 1:]]
        return size, nbytes
    if isinstance(obj, (_tensor_cls(), np.ndarray)):
        return _size_of(obj)
    if isinstance(obj, (list, tuple)):
        size, nbytes = _size_of(obj)
        if batch_dim is not None and batch_dim < len(size):
            size[batch_dim] = 1
        return size, nbytes
    raise TypeError(f"summary: a layer takes or returns an unsupported type: {type(obj).__name__}")


class LayerInfo:
    """One row of the summary: a module call (or a container that was never called itself)."""

    def __init__(self, var_name, module, depth, parent_info=None):
        from ember.jit import ScriptModule

        self.layer_id = id(module)
        self.module = module
        self.class_name = module.original_name if isinstance(module, ScriptModule) else type(module).__name__
        self.var_name = var_name
        self.depth = depth
        self.depth_index = None
        self.parent_info = parent_info
        self.children = []
        self.inner_layers = {}
        self.executed = False
        self.is_leaf_layer = not any(True for _ in module.children())
        self.is_recursive = False
        self.input_size, self.output_size = [], []
        k = getattr(module, "kernel_size", None)
        self.kernel_size = None if k is None else (list(k) if isinstance(k, (tuple, list)) else int(k))
        self.num_params = self.trainable_params = self.param_bytes = self.output_bytes = self.macs = 0

    def __repr__(self):
        return f"{self.class_name}: {self.depth}"

    @property
    def trainable(self) -> str:
        if self.num_params == 0:
            return "--"
        if self.trainable_params == 0:
            return "False"
        return "True" if self.trainable_params == self.num_params else "Partial"

    def _count(self, name, p):
        """(count, name): a pruned weight `x_orig` counts the ones of its `x_mask` buffer."""
        if name.endswith("_orig"):
            obj = self.module
            for part in (name[:-5] + "_mask").split("."):
                obj = getattr(obj, part, None)
            if obj is not None:
                return int(obj.sum().item()), name[:-5]
        return p.numel(), name

    def calculate_num_params(self):
        self.num_params = self.trainable_params = self.param_bytes = 0
        self.inner_layers = {}
        last = None
        for name, p in self.module.named_parameters():
            n, name = self._count(name, p)
            self.num_params += n
            self.param_bytes += n * p.element_size()
            if p.requires_grad:
                self.trainable_params += n
            ksize = list(p.shape)
            if name == "weight" and len(ksize) > 1:
                ksize[0], ksize[1] = ksize[1], ksize[0]
            if self.parent_info is not None or "." not in name:
                self.inner_layers[name] = {"kernel_size": str(ksize), "num_params": f"\u251c\u2500{n:,}"}
                last = name
        if last is not None:
            self.inner_layers[last]["num_params"] = "\u2514\u2500" + self.inner_layers[last]["num_params"][2:]

    def calculate_macs(self):
        for name, p in self.module.named_parameters():
            n, name = self._count(name, p)
            if name in ("weight", "bias"):
                if "Conv" in self.class_name:       # every output position (batch and space), any channel
                    self.macs += int(n * _prod(self.output_size[:1] + self.output_size[2:]))
                else:
                    self.macs += self.output_size[0] * n
            elif "weight" in name or "bias" in name:      # recurrent layers: weight_ih_l0, ...
                self.macs += _prod(self.output_size[:2]) * n

    def leftover_params(self) -> int:
        return self.num_params - sum(c.num_params if c.is_leaf_layer else c.leftover_params()
                                     for c in self.children if not c.is_recursive)

    def leftover_trainable_params(self) -> int:
        return self.trainable_params - sum(
            c.trainable_params if c.is_leaf_layer else c.leftover_trainable_params()
            for c in self.children if not c.is_recursive)

    def num_params_str(self, at_max_depth) -> str:
        if self.num_params == 0:
            return "--"
        if self.is_recursive:
            return "(recursive)"
        if at_max_depth or self.is_leaf_layer:
            s = f"{self.num_params:,}"
            return s if self.trainable_params else f"({s})"
        left = self.leftover_params()
        return f"{left:,}" if left > 0 else "--"

    def params_percent_str(self, total, at_max_depth) -> str:
        if total == 0:
            return "     --"
        if self.is_recursive:
            return "(recursive)"
        n = self.num_params if at_max_depth or self.is_leaf_layer else self.leftover_params()
        return "     --" if n == 0 else f"{n / total:>7.2%}"

    def macs_str(self, at_max_depth) -> str:
        if self.macs <= 0:
            return "--"
        if self.is_leaf_layer:
            return f"{self.macs:,}"
        if at_max_depth:
            return f"{sum(c.macs for c in self.children if c.is_leaf_layer):,}"
        return "--"

    def name(self, show_var_name, show_depth) -> str:
        s = self.class_name
        if show_var_name and self.var_name:
            s += f" ({self.var_name})"
        if show_depth and self.depth > 0:
            s += f": {self.depth}" + (f"-{self.depth_index}" if self.depth_index is not None else "")
        return s


class ModelStatistics:
    """What `summary` returns: totals as attributes (torchinfo's names) and the table as `str()`."""

    def __init__(self, summary_list, input_size, total_input, depth, verbose, col_names, col_width, rows):
        self.summary_list = summary_list
        self.input_size = input_size
        self.total_input = total_input
        self.depth, self.verbose, self.col_names, self.col_width = depth, verbose, col_names, col_width
        self.rows = rows
        self.total_params = self.trainable_params = self.total_mult_adds = 0
        self.total_param_bytes = self.total_output_bytes = 0
        for layer in summary_list:
            if layer.is_leaf_layer:
                self.total_mult_adds += layer.macs
                if layer.num_params > 0:
                    self.total_output_bytes += layer.output_bytes * 2      # outputs and their gradients
                if layer.is_recursive:
                    continue
                self.total_params += max(layer.num_params, 0)
                self.total_param_bytes += layer.param_bytes
                self.trainable_params += max(layer.trainable_params, 0)
            elif not layer.is_recursive:
                self.total_params += max(layer.leftover_params(), 0)
                self.trainable_params += max(layer.leftover_trainable_params(), 0)
        width = 40
        longest = max((len(layer.name("var_names" in rows, "depth" in rows)) + layer.depth * 5 + 1
                       for layer in summary_list), default=0)
        if longest >= width:
            width = math.ceil(longest / 5) * 5
        self.layer_name_width = width

    def _row(self, name, values) -> str:
        line = f"{name:<{self.layer_name_width}} "
        for col in self.col_names:
            line += f"{values.get(col, ''):<{self.col_width}} "
        return line.rstrip() + "\n"

    def _prefix(self, depth) -> str:
        ascii_only = "ascii_only" in self.rows
        if depth == 0:
            return ""
        if depth == 1:
            return "+ " if ascii_only else "\u251c\u2500"
        bar, corner = ("|    ", "+ ") if ascii_only else ("\u2502    ", "\u2514\u2500")
        return bar * (depth - 1) + corner

    def _layer_rows(self) -> str:
        out = []
        var_names, show_depth = "var_names" in self.rows, "depth" in self.rows
        for layer in self.summary_list:
            if layer.depth > self.depth or ("hide_recursive_layers" in self.rows and layer.is_recursive):
                continue
            at_max = layer.depth == self.depth
            values = {"kernel_size": str(layer.kernel_size) if layer.kernel_size else "--",
                      "input_size": str(layer.input_size) if layer.input_size else "--",
                      "output_size": str(layer.output_size) if layer.output_size else "--",
                      "num_params": layer.num_params_str(at_max),
                      "params_percent": layer.params_percent_str(self.total_params, at_max),
                      "mult_adds": layer.macs_str(at_max),
                      "trainable": layer.trainable}
            out.append(self._row(self._prefix(layer.depth) + layer.name(var_names, show_depth), values))
            if self.verbose == 2:
                for inner, vals in layer.inner_layers.items():
                    out.append(self._row(self._prefix(layer.depth + 1) + inner, vals))
        return "".join(out)

    @staticmethod
    def _num(n, auto) -> str:
        if auto:
            unit, v = ("T", n / 1e12) if n >= 1e12 else ("G", n / 1e9) if n >= 1e9 else ("M", n / 1e6)
        else:
            unit, v = "", n
        if float(v).is_integer():
            v = int(v)
        shown = f"{v:,d}" if isinstance(v, int) else f"{v:,.2f}"
        return (f" ({unit})" if unit else "") + f": {shown}"

    def __str__(self):
        line = "=" * (len(self.col_names) * self.col_width + self.layer_name_width)
        header = "Layer (type" + (" (var_name)" if "var_names" in self.rows else "") + \
                 (":depth-idx" if "depth" in self.rows else "") + ")"
        s = (f"{line}\n{self._row(header, HEADERS)}{line}\n{self._layer_rows()}{line}\n"
             f"Total params{self._num(self.total_params, False)}\n"
             f"Trainable params{self._num(self.trainable_params, False)}\n"
             f"Non-trainable params{self._num(self.total_params - self.trainable_params, False)}\n")
        if self.input_size:
            total = self.total_input + self.total_output_bytes + self.total_param_bytes
            s += (f"Total mult-adds{self._num(self.total_mult_adds, True)}\n{line}\n"
                  f"Input size (MB): {self.total_input / 1e6:0.2f}\n"
                  f"Forward/backward pass size (MB): {self.total_output_bytes / 1e6:0.2f}\n"
                  f"Params size (MB): {self.total_param_bytes / 1e6:0.2f}\n"
                  f"Estimated Total Size (MB): {total / 1e6:0.2f}\n")
        return s + line

    __repr__ = __str__


def _validate_sizes(input_size):
    if not isinstance(input_size, (list, tuple)):
        raise TypeError(f"summary: input_size must be a tuple/list of sizes (one tuple per input), got "
                        f"{type(input_size).__name__}")

    def flat(xs):
        for v in xs:
            if isinstance(v, (list, tuple)):
                yield from flat(v)
            else:
                yield v
    if not input_size or any(v <= 0 for v in flat(input_size)):
        raise ValueError(f"summary: input_size {input_size} is empty or has a size <= 0")
    if isinstance(input_size, list) and isinstance(input_size[0], int):
        return [tuple(input_size)]
    if isinstance(input_size, list):
        return input_size
    if isinstance(input_size[0], (tuple, list)):
        return list(input_size)
    return [input_size]


def _structure(data, leaf):
    """`data` with every tensor replaced by leaf(tensor) (nested lists, tuples, dicts)."""
    Tensor = _tensor_cls()
    if isinstance(data, (Tensor, np.ndarray)):
        return leaf(data)
    if isinstance(data, dict):
        return type(data)({k: _structure(v, leaf) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_structure(v, leaf) for v in data))
    if isinstance(data, (list, tuple)):
        return type(data)(_structure(v, leaf) for v in data)
    return data


def _input_bytes(data) -> int:
    Tensor = _tensor_cls()
    if isinstance(data, Tensor):
        a = data.numpy() if not data.requires_grad else data.detach().numpy()
        return int((a.base if isinstance(a.base, np.ndarray) else a).nbytes)
    if isinstance(data, np.ndarray):
        return int(data.nbytes)
    if isinstance(data, dict):
        return sum(_input_bytes(v) for v in data.values())
    if isinstance(data, (list, tuple)):
        return sum(_input_bytes(v) for v in data)
    return 0


def _register(model, x, batch_dim):
    """Hooks on every module (torchinfo's order and bookkeeping). Returns (rows, handles)."""
    rows, seen_ids, latest, handles = [], set(), {}, {}

    def pre_hook_for(var_name, depth, parent):
        def pre_hook(module, args):
            info = LayerInfo(var_name, module, depth, parent)
            info.calculate_num_params()
            info.is_recursive = info.layer_id in seen_ids
            rows.append(info)
            seen_ids.add(info.layer_id)
            latest[info.layer_id] = info
        return pre_hook

    def post_hook(module, args, out):
        info = latest[id(module)]
        info.input_size, _ = _io_size(args, batch_dim)
        info.output_size, nbytes = _io_size(out, batch_dim)
        info.output_bytes = nbytes * _prod(info.output_size)
        info.executed = True
        info.calculate_macs()

    stack = [(type(model).__name__, model, 0, None)]
    while stack:
        var_name, module, depth, parent = stack.pop()
        latest[id(module)] = placeholder = LayerInfo(var_name, module, depth, parent)
        pre = pre_hook_for(var_name, depth, parent)
        if x is None:                   # no forward pass: every module is a row, in tree order
            pre(module, None)
        else:
            for h in handles.pop(id(module), ()):      # a shared module: hooked where it is seen last
                h.remove()
            handles[id(module)] = (module.register_forward_pre_hook(pre),
                                   module.register_forward_hook(post_hook))
        # _modules, not named_children(): a module registered twice under one parent is two rows
        stack.extend((name, child, depth + 1, placeholder)
                     for name, child in reversed(list(module._modules.items())) if child is not None)
    return rows, handles


def _add_uncalled_containers(rows):
    """Insert the containers (e.g. ModuleList) whose children ran but which were never called themselves."""
    ids = {r.layer_id for r in rows}
    current = {}
    i = 0
    while i < len(rows):
        row = rows[i]
        chain, p = {}, row.parent_info
        while p is not None and p.depth > 0:
            chain[p.depth] = p
            p = p.parent_info
        added = 0
        for d in range(1, row.depth):
            if (d not in current or current[d].module is not chain[d].module) and \
                    chain[d] is not rows[i + added - 1]:
                chain[d].calculate_num_params()
                chain[d].is_recursive = chain[d].layer_id in ids
                rows.insert(i + added, chain[d])
                ids.add(chain[d].layer_id)
                current[d] = chain[d]
                added += 1
        current[row.depth] = row
        d = row.depth + 1
        while d in current:
            del current[d]
            d += 1
        i += added + 1


def _finish(rows):
    count = {}
    for i, row in enumerate(rows):
        count[row.depth] = count.get(row.depth, 0) + 1
        row.depth_index = count[row.depth]
        j = i + 1
        while j < len(rows) and rows[j].depth > row.depth:
            j += 1
        row.children = rows[i + 1:j]


def summary(model, input_size=None, input_data=None, batch_dim=None, cache_forward_pass=None, col_names=None,
            col_width=25, depth=3, device=None, dtypes=None, mode=None, row_settings=None, verbose=None,
            **kwargs) -> ModelStatistics:
    """Summarize `model` layer by layer. Matches `torchinfo.summary` (signature, table and numbers).

    Give `input_size` (shapes; float32 unless `dtypes`) or `input_data` (a Tensor, a list of positional
    arguments or a dict of keyword arguments) for the shape and mult-add columns. ember runs on the CPU:
    `device` is accepted and checked, nothing is moved.
    """
    from ember.nn import Module

    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    has_input = input_data is not None or input_size is not None
    cols = tuple(col_names) if col_names is not None else (
        ("output_size", "num_params") if has_input else ("num_params",))
    for c in cols:
        if c not in COLUMNS:
            raise ValueError(f"summary: unknown column {c!r}; the columns are {', '.join(COLUMNS)}")
    rows_set = set(row_settings) if row_settings is not None else {"depth"}
    for r in rows_set:
        if r not in ROW_SETTINGS:
            raise ValueError(f"summary: unknown row setting {r!r}; the settings are "
                             f"{', '.join(ROW_SETTINGS)}")
    if mode not in (None, "train", "eval"):
        raise ValueError(f"summary: mode must be 'train' or 'eval', got {mode!r}")
    if verbose is None:
        verbose = 0 if getattr(sys, "ps1", None) else 1
    if col_width <= 0:
        raise ValueError(f"Column width must be greater than 0: col_width={col_width}")
    if verbose not in (0, 1, 2):
        raise ValueError("Verbose must be either 0 (quiet), 1 (default), or 2 (verbose).")
    if input_data is not None and input_size is not None:
        raise RuntimeError("Only one of (input_data, input_size) should be specified.")
    if not has_input and NEEDS_INPUT & set(cols):
        raise ValueError(f"You must pass input_data or input_size in order to use columns: "
                         f"{sorted(NEEDS_INPUT & set(cols))}")
    if device is not None:
        _device(device)        # a bad device string raises as in torch

    x, sizes = None, []
    if input_data is not None:
        sizes = _structure(input_data, lambda t: Size(t.shape))
        x = [input_data] if isinstance(input_data, (Tensor, np.ndarray)) else input_data
    elif input_size is not None:
        sizes = _validate_sizes(input_size)
        dts = dtypes if dtypes is not None else [float32] * len(sizes)
        x = []
        for size, dt in zip(sizes, dts):
            t = rand(*size)
            if batch_dim is not None:
                t = t.unsqueeze(batch_dim)
            x.append(t.to(dt))

    key = type(model).__name__
    if cache_forward_pass and key in _CACHE:
        rows = _CACHE[key]
    else:
        rows = _forward(model, x, batch_dim, mode or "eval", kwargs)
        _CACHE[key] = rows
    stats = ModelStatistics(rows, sizes, _input_bytes(x) if x is not None else None, depth, verbose, cols,
                            col_width, rows_set)
    if verbose > 0:
        print(stats)
    return stats


def _forward(model, x, batch_dim, mode, kwargs):

    rows, handles = _register(model, x, batch_dim)
    if x is None:
        _finish(rows)
        return rows
    was_training = model.training
    try:
        model.train(mode == "train")
        with no_grad():
            if isinstance(x, dict):
                model(**x, **kwargs)
            else:
                model(*x, **kwargs)
    except Exception as e:
        ran = [r for r in rows if r.executed]
        raise RuntimeError(f"Failed to run summary: the forward pass raised {type(e).__name__}. "
                           f"Layers that ran: {ran}") from e
    finally:
        for pair in handles.values():
            for h in pair:
                h.remove()
        model.train(was_training)
    _add_uncalled_containers(rows)
    _finish(rows)
    return rows
