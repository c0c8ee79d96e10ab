"""ember.viz: the autograd graph and the module tree as pictures, with no Graphviz.

    from ember.viz import draw_graph, draw_module
    g = draw_graph(loss, params=dict(model.named_parameters()))
    g                      # in Jupyter: shown as SVG
    g.save("graph.svg")    # or "graph.dot" for Graphviz users
    draw_module(model, x).save("model.svg")

The SVG is written by ember itself (layered layout, see `_layout.py`), so it works on any machine.
`draw_graph` draws what autograd recorded: one box per grad_fn node (torch's names, e.g. MulBackward0)
with the shape and dtype of the tensor it produced, one box per leaf (AccumulateGrad, named from
`params`) and one per output; an arrow for each edge of `next_functions`, in the direction data flows
in the forward pass. A node reached twice (a shared subgraph) is drawn once.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from . import _render
from .._atomic import atomic_write_text
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

__all__ = ["draw_graph", "draw_module", "Drawing"]


class Drawing:
    """A drawn graph: `_repr_svg_` (Jupyter), `.svg` / `.dot` text, and `.save(path)` (.svg or .dot)."""

    def __init__(self, nodes, edges, from_sinks=True, title="ember"):
        self.nodes = nodes          # [(kind, name, label lines, tooltip)]
        self.edges = edges          # [(src index, dst index, dashed)]
        self._from_sinks = from_sinks
        self._title = title
        self._svg = None

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)

    @property
    def num_edges(self) -> int:
        return len(self.edges)

    @property
    def svg(self) -> str:
        if self._svg is None:
            self._svg = _render.to_svg(self.nodes, self.edges, self._from_sinks)
        return self._svg

    @property
    def dot(self) -> str:
        return _render.to_dot(self.nodes, self.edges, self._title)

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path) -> str:
        """Write the picture to `path`: SVG for `.svg`, Graphviz source for `.dot`/`.gv`. Atomic."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext == ".svg":
            text = self.svg
        elif ext in (".dot", ".gv"):
            text = self.dot
        else:
            raise ValueError(f"Drawing.save: cannot tell the format from {path!r}: use a .svg or .dot name")
        atomic_write_text(path, text)
        return path

    def __repr__(self):
        return f"<ember.viz.Drawing: {self.num_nodes} nodes, {self.num_edges} edges>"


def _dtype_name(dt) -> str:
    s = str(dt)
    return s[6:] if s.startswith("torch.") else s


def _shape_str(shape) -> str:
    t = tuple(int(d) for d in shape)
    return "(" + ", ".join(map(str, t)) + ("," if len(t) == 1 else "") + ")"


def _describe(shape, dtype) -> str:
    return f"{_shape_str(shape)} {_dtype_name(dtype)}"


def _short(v, limit=24) -> str:
    r = repr(v)
    return r if len(r) <= limit else r[:limit - 1] + "\u2026"


def _check_params(params):
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(f"draw_graph: params must be a dict of name -> Tensor (e.g. "
                        f"dict(model.named_parameters())), got {type(params).__name__}")
    names = {}
    for k, v in params.items():
        names.setdefault(id(v), str(k))
    return names


def draw_graph(tensor, params=None, show_saved=False) -> Drawing:
    """Draw the autograd graph that produced `tensor` (or a tuple/list of tensors).

    `params`: {name: Tensor} used to name leaves (e.g. `dict(model.named_parameters())`).
    `show_saved`: also draw the tensors each node saved for backward (dashed edges) and its constants.
    """

    roots = list(tensor) if isinstance(tensor, (tuple, list)) else [tensor]
    if not roots:
        raise ValueError("draw_graph: nothing to draw (an empty sequence of tensors)")
    for i, t in enumerate(roots):
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: expected a Tensor (or a sequence of Tensors), got "
                            f"{type(t).__name__}")
        if t.grad_fn is None and not t.requires_grad:
            raise ValueError(f"draw_graph: output {i} ({_describe(t.shape, t.dtype)}) does not require grad, "
                             "so autograd recorded no graph for it (computed under no_grad(), or from "
                             "tensors without requires_grad=True?)")
    names = _check_params(params)

    nodes = []          # [kind, name, lines, tooltip]; lines filled at the end for fn nodes
    edges = []
    index = {}          # key -> node index
    out_desc = {}       # fn node index -> "shape dtype" of the tensor it produced
    fns = []            # (index, grad_fn), in discovery order

    def add(key, kind, name, lines, tip):
        index[key] = len(nodes)
        nodes.append([kind, name, lines, tip])
        return index[key]

    def leaf(var):
        key = ("leaf", id(var))
        i = index.get(key)
        if i is None:
            desc = _describe(var.shape, var.dtype)
            pname = names.get(id(var))
            lines = ["AccumulateGrad", pname, desc] if pname else ["AccumulateGrad", desc]
            i = add(key, "leaf", "AccumulateGrad", lines, f"{pname or 'leaf tensor'} {desc}")
        return i

    def fn_node(fn):
        i = index.get(id(fn))
        if i is None:
            name = fn.name()
            name = name.rsplit("::", 1)[-1]
            i = add(id(fn), "fn", name, None, name)
            fns.append((i, fn))
        return i

    for k, t in enumerate(roots):
        label = "output" if len(roots) == 1 else f"output {k}"
        o = add(("out", k), "output", "output", [label, _describe(t.shape, t.dtype)], label)
        if t.grad_fn is None:
            edges.append((leaf(t), o, False))
        else:
            src = fn_node(t.grad_fn)
            out_desc.setdefault(src, _describe(t.shape, t.dtype))
            edges.append((src, o, False))

    pos = 0
    while pos < len(fns):           # breadth first; fns grows while we walk
        i, fn = fns[pos]
        pos += 1
        shapes, dtypes = getattr(fn, "shapes", None), getattr(fn, "dtypes", None)
        for j, (child, _) in enumerate(fn.next_functions):
            if child is None:
                continue
            var = getattr(child, "variable", None)
            if var is not None:
                c = leaf(var)
            else:
                c = fn_node(child)
                if c not in out_desc and shapes is not None and j < len(shapes) and dtypes[j] is not None:
                    out_desc[c] = _describe(shapes[j], dtypes[j])
            edges.append((c, i, False))
        if show_saved:
            _add_saved(fn, i, nodes, edges, index, add)

    for i, fn in fns:
        name = nodes[i][1]
        lines = [name] + ([out_desc[i]] if i in out_desc else [])
        if show_saved:
            consts = _constants(fn)
            if consts:
                lines.append("consts: " + consts)
        nodes[i][2] = lines
        nodes[i][3] = " ".join(lines)
    return Drawing([tuple(n) for n in nodes], edges, from_sinks=True, title="autograd")


def _saved_values(fn):
    saved = getattr(fn, "saved", None)
    op = getattr(fn, "op", None)
    if not isinstance(saved, tuple) or op is None:      # freed by backward, or not an ember node
        return []
    return list(zip(op.saves, saved))


def _is_array(v):
    return hasattr(v, "shape") and hasattr(v, "dtype") and not isinstance(v, (int, float, bool))


def _add_saved(fn, i, nodes, edges, index, add):
    for code, val in _saved_values(fn):
        if not _is_array(val) or (code == "c" and getattr(val, "ndim", 0) == 0):
            continue
        key = ("saved", id(val))
        s = index.get(key)
        if s is None:
            what = {"out": "result"}.get(code, "const" if code == "c" else f"input {code[1:]}")
            desc = _describe(val.shape, val.dtype)
            s = add(key, "saved", "saved", [f"saved {what}", desc], f"saved {what} {desc}")
        edges.append((s, i, True))


def _constants(fn):
    vals = [v for code, v in _saved_values(fn)
            if code == "c" and not (_is_array(v) and getattr(v, "ndim", 0) > 0)]
    return ", ".join(_short(v.item() if _is_array(v) else v) for v in vals)


def _module_outputs(out):
    """The tensors in a module's output (tensor, nested tuples/lists/dicts), in order."""

    stack, found = [out], []
    while stack and len(found) < 8:
        o = stack.pop(0)
        if isinstance(o, Tensor):
            found.append(o)
        elif isinstance(o, (tuple, list)):
            stack[:0] = list(o)
        elif isinstance(o, Mapping):
            stack[:0] = list(o.values())
    return found


def draw_module(model, example_input) -> Drawing:
    """Draw the module tree of `model`, each submodule with the output shape it produced on `example_input`.

    `example_input`: a Tensor, a tuple/list of positional arguments, or a dict of keyword arguments.
    The forward runs once under no_grad; the model's mode (train/eval) is left as it is.
    """
    from ..nn import Module

    if not isinstance(model, Module):
        raise TypeError(f"draw_module: expected an nn.Module, got {type(model).__name__}")
    mods = list(model.named_modules())
    calls = {id(m): [] for _, m in mods}
    handles = []

    def hook(m, args, out):
        calls[id(m)].append(out)

    try:
        for _, m in mods:
            handles.append(m.register_forward_hook(hook))
        with no_grad():
            if isinstance(example_input, Mapping):
                model(**example_input)
            elif isinstance(example_input, (tuple, list)):
                model(*example_input)
            else:
                model(example_input)
    finally:
        for h in handles:
            h.remove()

    nodes, edges, index = [], [], {}
    for name, m in mods:
        cls = type(m).__name__
        title = f"{name}: {cls}" if name else cls
        outs = calls[id(m)]
        if not outs:
            shape_line = "not called"
        else:
            ts = _module_outputs(outs[0])
            shape_line = "out " + (", ".join(_describe(t.shape, t.dtype) for t in ts[:3]) or "(no tensor)")
            if len(ts) > 3:
                shape_line += ", \u2026"
            if len(outs) > 1:
                shape_line += f" \u00d7{len(outs)} calls"
        n_params = sum(p.numel() for p in m.parameters())
        lines = [title, shape_line] + ([f"params {n_params:,}"] if n_params else [])
        index[name] = len(nodes)
        nodes.append(("module", cls, lines, " ".join(lines)))
        if name:
            parent = name.rsplit(".", 1)[0] if "." in name else ""
            edges.append((index[parent], index[name], False))
    return Drawing(nodes, edges, from_sinks=False, title=type(model).__name__)
