"""`add_graph`: a TensorBoard GraphDef of a module run on an example input.

torch traces the model with TorchScript; ember has no tracer, but it has what a trace gives: the
autograd graph (every differentiable op, its inputs and shapes) and forward hooks (which module was
running). Floating-point inputs are made leaves that require grad, the model runs once (in eval mode,
as torch's add_graph does), and each recorded op is assigned to the innermost module whose call
created it: when a module returns, the ops reachable from its outputs, stopping at its inputs and at
ops its submodules already claimed, are its own. Node names are scoped like torch's
("Net/Linear[fc1]/Addmm_3"), so TensorBoard folds each submodule into one box.
"""
from __future__ import annotations

from . import _proto as P
from ..._tensor import Tensor
from ...autograd.grad_mode import enable_grad


def _node_def(name, op, inputs, shape=None) -> bytes:
    """NodeDef: name = 1, op = 2, input = 3 (repeated), attr = 5 (map<string, AttrValue>)."""
    out = P.f_bytes(1, name) + P.f_bytes(2, op) + b"".join(P.f_bytes(3, i, always=True) for i in inputs)
    if shape is not None:
        # attr "_output_shapes": AttrValue.list = 1 -> ListValue.shape = 7 (repeated TensorShapeProto)
        value = P.f_msg(1, P.f_msg(7, P.tensor_shape(shape)))
        out += P.f_msg(5, P.f_bytes(1, "_output_shapes") + P.f_msg(2, value))
    return out


def _tensors(obj):

    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _tensors(o)]
    return []


def _op_name(fn) -> str:
    name = fn.name().rsplit("::", 1)[-1]
    stem = name.rstrip("0123456789")
    return stem[:-len("Backward")] if stem.endswith("Backward") else name


def graph(model, args, verbose=False):
    """(GraphDef bytes, RunMetadata bytes) for `model(*args)`."""

    if args is None:
        args = ()
    elif not isinstance(args, (list, tuple)):
        args = (args,)
    inputs = [a.detach().requires_grad_(True) if isinstance(a, Tensor) and a.is_floating_point() else a
              for a in args]

    scopes = {}                       # id(module) -> scope path
    root_scope = type(model).__name__
    for name, m in model.named_modules():
        if name:
            parent = scopes[id(model.get_submodule(name.rsplit(".", 1)[0]))] if "." in name else root_scope
            scopes[id(m)] = f"{parent}/{type(m).__name__}[{name.rsplit('.', 1)[-1]}]"
    scopes[id(model)] = root_scope
    owner = {}                        # id(grad_fn) -> scope of the module call that created it
    keep = []                         # grad_fns seen, kept alive so their ids stay unique
    entry = []                        # stack of the grad_fn ids of each running module's inputs

    def pre(module, a):
        entry.append({id(t.grad_fn) for t in _tensors(a) if t.grad_fn is not None})

    def post(module, a, out):
        stop = entry.pop()
        scope = scopes[id(module)]
        stack = [t.grad_fn for t in _tensors(out) if t.grad_fn is not None]
        while stack:
            fn = stack.pop()
            if fn is None or hasattr(fn, "variable") or id(fn) in stop or id(fn) in owner:
                continue
            owner[id(fn)] = scope
            keep.append(fn)
            stack.extend(child for child, _ in fn.next_functions)

    handles = []
    was_training = model.training
    try:
        for _, m in model.named_modules():
            handles.append(m.register_forward_pre_hook(pre))
            handles.append(m.register_forward_hook(post))
        model.eval()
        with enable_grad():
            out = model(*inputs)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    param_name = {id(p): n for n, p in model.named_parameters()}
    names, nodes, counter = {}, [], [0]
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor):
            names[id(t)] = f"input/input.{i}"
            nodes.append(_node_def(names[id(t)], "IO Node", [], tuple(t.shape)))

    def leaf_name(var):
        key = id(var)
        if key not in names:
            pname = param_name.get(key)
            if pname is not None:
                mod = model.get_submodule(pname.rsplit(".", 1)[0]) if "." in pname else model
                names[key] = f"{scopes[id(mod)]}/{pname.rsplit('.', 1)[-1]}"
                nodes.append(_node_def(names[key], "Parameter", [], tuple(var.shape)))
            else:
                counter[0] += 1
                names[key] = f"{root_scope}/Constant_{counter[0]}"
                nodes.append(_node_def(names[key], "Constant", [], tuple(var.shape)))
        return names[key]

    outs = _tensors(out)
    shape_of = {}
    order, seen = [], set()
    stack = [t.grad_fn for t in outs if t.grad_fn is not None]
    for t in outs:
        if t.grad_fn is not None:
            shape_of.setdefault(id(t.grad_fn), tuple(t.shape))
    while stack:                      # every recorded op, consumers before producers
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        order.append(fn)
        for j, (child, _) in enumerate(fn.next_functions):
            if child is not None and not hasattr(child, "variable"):
                if j < len(fn.shapes) and id(child) not in shape_of:
                    shape_of[id(child)] = tuple(fn.shapes[j])
                stack.append(child)
    for fn in order:
        counter[0] += 1
        names[id(fn)] = f"{owner.get(id(fn), root_scope)}/{_op_name(fn)}_{counter[0]}"
    lines = []
    for fn in reversed(order):        # producers first, as TensorBoard lists them
        ins = [leaf_name(c.variable) if hasattr(c, "variable") else names[id(c)]
               for c, _ in fn.next_functions if c is not None]
        nodes.append(_node_def(names[id(fn)], _op_name(fn), ins, shape_of.get(id(fn))))
        lines.append(f"{names[id(fn)]} {shape_of.get(id(fn), '')} <- {', '.join(ins)}")
    for i, t in enumerate(outs):
        src = names[id(t.grad_fn)] if t.grad_fn is not None else names.get(id(t))
        nodes.append(_node_def(f"output/output.{i}", "IO Node", [src] if src else [], tuple(t.shape)))
    if verbose:
        print("\n".join(lines))

    # GraphDef: node = 1 (repeated), versions = 4 (VersionDef: producer = 1)
    graph_def = b"".join(P.f_msg(1, n) for n in nodes) + P.f_msg(4, P.f_int(1, 22))
    # RunMetadata: step_stats = 1 -> StepStats.dev_stats = 1 -> DeviceStepStats.device = 1
    run_metadata = P.f_msg(1, P.f_msg(1, P.f_bytes(1, "/device:CPU:0")))
    return graph_def, run_metadata
