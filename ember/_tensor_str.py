"""Tensor printing in torch's format: `tensor([[1., 2.]], requires_grad=True)`.

Matches `torch._tensor_str` output character for character for CPU strided tensors:
- one formatter per tensor decides, from the finite nonzero values (of the summarised tensor
  when it is summarised), between integer mode (`1.`), fixed (`1.2500`) and scientific
  (`1.2500e+05`) notation and the common column width;
- rows wrap at `linewidth`; tensors above `threshold` elements show `edgeitems` per side and `...`;
- suffixes (`dtype=`, `size=`, `grad_fn=`/`requires_grad=`) follow torch's rules and wrap too.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


class _PrintOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set the options used to print tensors. Matches `torch.set_printoptions`.

    As in torch, `sci_mode` is always assigned (leaving it out restores automatic choice).
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown print profile {profile!r}; expected one of {sorted(_PROFILES)}")
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options as keyword arguments for `set_printoptions`."""
    return {k: getattr(PRINT_OPTS, k) for k in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (restored on exit)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---- the element formatter ---------------------------------------------------------------------

class _Formatter:
    """Chooses notation and column width once per tensor, then formats single values."""

    __slots__ = ("floating", "int_mode", "sci_mode", "width", "precision")

    def __init__(self, a):
        self.floating = a.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        self.precision = p = PRINT_OPTS.precision
        flat = a.reshape(-1)
        if not self.floating:
            if flat.size:
                if flat.dtype.kind == "b":
                    self.width = 5 if not flat.all() else 4
                else:
                    self.width = max(len(str(flat.min())), len(str(flat.max())), 1)
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        mag = np.abs(vals).astype(np.float64)
        lo, hi = float(mag.min()), float(mag.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = bool(PRINT_OPTS.sci_mode)
        vals = vals.tolist()
        if self.sci_mode:
            fmt = f"{{:.{p}e}}".format
            extra = 0
        elif self.int_mode:
            fmt = "{:.0f}".format
            extra = 1          # the trailing "." marks the tensor as floating
        else:
            fmt = f"{{:.{p}f}}".format
            extra = 0
        # the longest string comes from the largest magnitude, the smallest one, or a sign
        self.width = max(self.width, max(len(fmt(v)) for v in vals) + extra)

    def format(self, value) -> str:
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.width}.{self.precision}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{self.precision}f}"
        else:
            s = str(value)
        return " " * (self.width - len(s)) + s


# ---- layout ------------------------------------------------------------------------------------

def _summarized(a):
    """The elements that will be shown: `edgeitems` from each end of every long axis."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if not e:
        return a if a.ndim == 1 else a[(slice(0, 0),) * a.ndim]
    for axis, n in enumerate(a.shape):
        if n > 2 * e:
            idx = np.r_[0:e, n - e:n]
            a = np.take(a, idx, axis=axis)
    return a


def _vector(a, indent, summarize, fmt):
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (fmt.width + 2)))
    e = PRINT_OPTS.edgeitems
    f = fmt.format
    if summarize and not e:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        items = [f(v) for v in a[:e].tolist()] + [" ..."] + [f(v) for v in a[-e:].tolist()]
    else:
        items = [f(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a, indent, summarize, fmt):
    nd = a.ndim
    if nd == 0:
        return fmt.format(a.item())
    if nd == 1:
        return _vector(a, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        parts = ([_nested(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                 + [_nested(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (nd - 1) + " " * (indent + 1)).join(parts) + "]"


def _body(a, indent):
    if a.size == 0:
        return "[]"
    summarize = a.size > PRINT_OPTS.threshold
    fmt = _Formatter(_summarized(a) if summarize else a)
    return _nested(a, indent, summarize, fmt)


def _with_suffixes(text, suffixes, indent, force_newline=False):
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if force_newline or last + len(s) + 2 > PRINT_OPTS.linewidth:
            force_newline = False
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def _grad_fn_name(node):
    op = node.op
    name = op.bw_name
    if name == "FunctionOutputBackward":     # one output of a multi-output autograd.Function
        name = node.next[0].op.bw_name
    return name.rsplit("::", 1)[-1]


def tensor_repr(t, tensor_contents=None) -> str:
    """torch's repr of a Tensor (or a subclass: the prefix is its class name, as in torch)."""
    from ._dtype import _FROM_NP, get_default_dtype
    cls = type(t)
    # ember's own subclasses (Parameter, Buffer, ...) print as plain tensors, like torch's;
    # user subclasses print their class name, as torch does
    prefix = "tensor(" if cls.__module__.startswith("ember.") else cls.__name__ + "("
    indent = len(prefix)
    a = t._data
    dt = _FROM_NP[a.dtype]
    default = get_default_dtype()
    suffixes = []
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dt is not default:
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if not (dt is default or dt.name in ("int64", "bool")):
            suffixes.append(f"dtype={dt!r}")
        body = _body(a, indent)
    if tensor_contents is not None:
        body = tensor_contents
    node = t._node
    if node is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(node)}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)


def sparse_repr(t) -> str:
    """torch's repr of a sparse COO tensor: its indices and values, then size, nnz, dtype, layout, grad."""
    from ._dtype import _FROM_NP, get_default_dtype
    indent = len("tensor(")
    idx, vals = t._sp_indices._data, t._sp_values._data
    parts = []
    for prefix, a in (("indices=tensor(", idx), ("values=tensor(", vals)):
        body = _body(a, indent + len(prefix))
        parts.append(prefix + body + (f", size={tuple(a.shape)}" if a.size == 0 else "") + ")")
    text = "tensor(" + (",\n" + " " * indent).join(parts)
    suffixes = [f"size={tuple(t._sp_shape)}", f"nnz={idx.shape[1]}"]
    dt = _FROM_NP[vals.dtype]
    if not (dt is get_default_dtype() or dt.name in ("int64", "bool")):
        suffixes.append(f"dtype={dt!r}")
    suffixes.append("layout=torch.sparse_coo")
    node = t._sp_values._node
    if node is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(node)}>")
    elif t._sp_values._rg:
        suffixes.append("requires_grad=True")
    return _with_suffixes(text, suffixes, indent, force_newline=True)
