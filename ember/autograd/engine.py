"""The backward engine: walks the recorded graph once, in dependency order, without recursion.

NOTE [ Engine ]
- Order: one iterative DFS counts, for every node, how many consumers inside this graph will
  send it a gradient; a node runs when that count reaches zero (torch's dependency counting).
  A 10,000-op chain needs no Python recursion.
- Each edge's gradient is summed back to the input's shape (unbroadcast) and cast to the
  input's dtype here, once for every op, before it is accumulated.
- Gradients in flight live in a dict keyed by node and are popped when consumed. The engine
  never mutates an array it did not allocate: accumulation is `a + b`.
- Unless retain_graph, each node's saved values are dropped after it runs; running it again
  raises torch's "backward through the graph a second time" error.
- create_graph=True runs the very same rules on Tensors (saved arrays are rebuilt as Tensors
  attached to their producers), so the backward pass is itself recorded.
"""
from __future__ import annotations

import sys
import warnings
from time import perf_counter_ns

import numpy as np

from .. import _dtype as D
from .._ops._base import QUIET, Op, as_user, quiet_off, quiet_on, state_now, sum_to
from .._tensor_base import TensorBase, _apply, _tensor_of, _wrap
from .graph import OBSERVER, SECOND_TIME, Node, NodePostHook, PostAccumulateHook, RetainGrad
from .grad_mode import STATE

_ndarray = np.ndarray
_FREED = object()
_ONE = (True,)
_NOT_ONE = (False,)

def vers_codes(node):
    """The saves-code ("x0", "x1", "out") of each (counter, version) pair in node.vers, in the
    order the recording hooks write them: saved tensor inputs ascending, then the output."""
    op = node.op
    dts = node.dtypes
    codes = [f"x{k}" for k in op.saved_inputs if k < len(dts) and dts[k] is not None]
    if op.saves_out:
        codes.append("out")
    return codes


def check_versions(node, needs):
    v = node.vers
    for i in range(0, len(v), 2):
        vc = v[i]
        if vc[0] != v[i + 1]:
            # only an error if the modified value is needed by a gradient being computed now
            # (e.g. x * w saves x for w's gradient only); decided here, off the hot path
            used_by = node.op.saved_for
            if used_by is not None:
                codes = vers_codes(node)
                if len(codes) * 2 == len(v):
                    users = used_by.get(codes[i // 2])
                    if users is not None and not any(needs[k] for k in users if k < len(needs)):
                        continue
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"it was saved by {node.op.bw_name}, is at version {vc[0]}; expected version {v[i + 1]} instead. "
                "Hint: the backtrace further above shows the operation that failed to compute its gradient. "
                "Replace the in-place operation (e.g. `x += y`, `x.add_(y)`, `x[i] = v`) by its out-of-place "
                "form, or clone() the tensor before modifying it.")


def saved_as_tensors(node):
    """For create_graph: rebuild each saved array as a Tensor wired to the graph it came from."""
    saved = node.saved
    codes = node.op.saves
    if not codes or saved is None:
        return saved
    if type(saved) is not tuple:
        saved = (saved,)
    out = []
    for code, s in zip(codes, saved):
        if code == "c" or not isinstance(s, (_ndarray, np.generic)):   # 0-d results may be NumPy scalars
            out.append(s)
        elif code == "out":
            t = _wrap(s)
            t._node = node
            t._rg = True
            out.append(t)
        else:
            e = node.next[int(code[1:])]
            if e is None:
                out.append(_wrap(s))
            elif type(e) is Node:
                t = _wrap(s)
                t._node = e
                t._rg = True
                out.append(t)
            elif e._data is s:
                out.append(e)          # a leaf: the tensor itself
            else:
                out.append(e.to(D._FROM_NP[s.dtype]) if e._data.dtype != s.dtype else e)
    return tuple(out)


class ZeroGradLink(Op):
    """create_graph: makes a gradient a function of its op's inputs with a zero derivative (see _join_graph)."""
    registered = False

    @staticmethod
    def forward(x, *links):
        return x, tuple(a.dtype for a in links)

    @staticmethod
    def backward(saved, g, needs):
        return (g,) + tuple(np.zeros((), dt) for dt in saved)


def _join_graph(node, gin):
    """create_graph, for kernels with `grad_uses_inputs`: torch's backward formula of such an op takes its
    inputs (relu's result, max pooling's input), so the gradient it returns requires grad even where its
    derivative is zero, and differentiating it again gives zeros, not an error. A gradient that does not
    require grad is joined to the node's inputs through a zero-derivative link."""
    links = []
    for k, e in enumerate(node.next):
        if e is None:
            continue
        if type(e) is Node:
            t = _wrap(np.broadcast_to(np.zeros((), node.dtypes[k]), node.shapes[k]))
            t._node = e
            t._rg = True
            links.append(t)
        else:
            links.append(e)        # a leaf: the tensor itself
    if not links:
        return gin
    single = type(gin) is not tuple
    out = [gin] if single else list(gin)
    for i, gi in enumerate(out):
        if gi is not None and not (isinstance(gi, TensorBase) and gi._rg):
            out[i] = _apply(ZeroGradLink, (gi if isinstance(gi, TensorBase) else _wrap(np.asarray(gi)), *links))
    return out[0] if single else tuple(out)


def fix_array(g, shape, dtype):
    if g.shape != shape:
        g = sum_to(g, shape)
    if g.dtype is not dtype and dtype is not None:
        g = g.astype(dtype)
    return g


def fix_tensor(g, shape, dtype):
    if type(g) is _ndarray:
        g = _wrap(g)
    if tuple(g._data.shape) != tuple(shape):
        g = sum_to(g, shape)
    if dtype is not None and g._data.dtype is not dtype:
        g = g.to(D._FROM_NP[dtype])
    return g


def _run_hooks(hooks, g, create_graph, user):
    """Tensor hooks of a non-leaf: each may return a replacement; retain_grad stores the result."""
    for h in hooks:
        if type(h) is NodePostHook:
            continue
        if type(h) is RetainGrad:
            t = h.ref()
            if t is not None:
                gt = g if create_graph else _wrap(np.array(g))
                old = getattr(t, "_grad", None)
                t._grad = gt if old is None else (old + gt if create_graph else _wrap(old._data + gt._data))
            continue
        gt = g if create_graph else _wrap(g)
        r = as_user(user, h, gt)
        if r is not None:
            g = _hook_result(h, g, r, create_graph)
    return g


def _run_post_hooks(node, gin, g, create_graph, user):
    """grad_fn.register_hook hooks: fn(grad_inputs, grad_outputs), each input's gradient already summed
    to its shape and dtype as torch shows it; a returned tuple replaces grad_inputs."""
    post = [h for h in node.hooks if type(h) is NodePostHook]
    if not post:
        return gin
    fixed = []
    for i, e in enumerate(node.next):
        gi = gin[i] if i < len(gin) else None
        if gi is not None and e is not None and node.shapes[i] is not None:
            if create_graph:
                gi = fix_tensor(gi, node.shapes[i], node.dtypes[i])
            else:
                gi = _wrap(fix_array(np.asarray(gi), node.shapes[i], node.dtypes[i]))
        elif e is None:
            gi = None
        elif gi is not None and type(gi) is _ndarray:
            gi = _wrap(gi)
        fixed.append(gi)
    go = (g if create_graph or type(g) is not _ndarray else _wrap(g),)
    for h in post:
        r = as_user(user, h.fn, tuple(fixed), go)
        if r is not None:
            r = tuple(r) if isinstance(r, (tuple, list)) else (r,)
            name = getattr(h.fn, "__name__", "hook")
            if len(r) != len(fixed):
                raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got {len(r)}, but "
                                   f"expected {len(fixed)})")
            for a, b in zip(fixed, r):
                if a is not None and b is not None and tuple(a.shape) != tuple(b.shape):
                    raise RuntimeError(f"hook '{name}' has changed the size of value")
            fixed = list(r)
    if create_graph:
        return tuple(fixed)
    return tuple([None if f is None else f._data for f in fixed])


def _hook_result(h, g, r, create_graph):
    """A tensor hook's replacement gradient, checked like torch: same shape and dtype."""
    if not hasattr(r, "_data"):
        raise TypeError(f"expected a Tensor or None from the hook, got {type(r).__name__}")
    old = g._data if hasattr(g, "_data") else g
    new = r._data
    name = getattr(h, "__name__", type(h).__name__)
    if new.dtype != old.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {D.legacy_type_name(old.dtype)} "
                           f"got {D.legacy_type_name(new.dtype)})")
    if new.shape != old.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    return r if create_graph else new


def _graph(roots):
    """Dependency counts for every node reachable from `roots` (iterative DFS)."""
    deps = {}
    rootset = set(roots)
    stack = list(roots)
    pop = stack.pop
    push = stack.append
    get = deps.get
    while stack:
        for e in pop().next:
            if type(e) is Node:
                c = get(e)
                if c is None:
                    deps[e] = 1      # first visit (a root is already on the stack)
                    if e not in rootset:
                        push(e)
                else:
                    deps[e] = c + 1
    return deps


def run_backward(roots, seeds, retain_graph, create_graph, capture=None, accumulate=True, leaf_filter=None):
    """Propagate `seeds` (one gradient per root tensor) through the graph.

    capture: dict mapping a Node or a leaf Tensor's id to a slot; captured gradients are returned.
    accumulate: write into leaves' .grad (backward) or not (autograd.grad).
    leaf_filter: set of ids of tensors allowed to receive .grad (backward's `inputs=`).
    """
    grads = {}
    leaf_grads = {}
    captured = {}
    root_nodes = []
    for t, g in zip(roots, seeds):
        n = t._node
        if n is None:
            # the root itself is a leaf: its gradient is the seed
            if capture is not None and id(t) in capture:
                captured[id(t)] = g
            elif accumulate and t._rg:
                _add_leaf(leaf_grads, t, g)
            continue
        if n in grads:
            grads[n] = _plus(grads[n], g)
        else:
            grads[n] = g
            root_nodes.append(n)
    deps = _graph(root_nodes)
    ready = [n for n in root_nodes if n not in deps]
    prev_enabled = STATE.enabled
    STATE.enabled = bool(create_graph)
    obs = OBSERVER[0]        # anomaly mode or a profiler: see autograd/_observe.py
    # NOTE [ Quiet floating-point errors ] (_ops/_base.py): ember's code runs quiet, user code in `user`
    user = state_now()
    tok = quiet_on(QUIET)
    try:
        while ready:
            node = ready.pop()
            g = grads.pop(node, None)
            nxt = node.next
            if g is not None:
                if node.hooks:
                    g = _run_hooks(node.hooks, g, create_graph, user)
                if capture is not None and node in capture:
                    captured[node] = g
                saved = node.saved
                if saved is _FREED:
                    raise RuntimeError(SECOND_TIME)
                nn = len(nxt)
                if nn == 1:
                    needs = _ONE if nxt[0] is not None else _NOT_ONE
                elif nn == 2:
                    needs = (nxt[0] is not None, nxt[1] is not None)
                else:
                    needs = tuple([e is not None for e in nxt])
                v = node.vers
                # the usual one or two (counter, version) pairs are compared inline; anything else,
                # or a mismatch, goes to the full check (which decides whether it is an error)
                if v is not None and (v[0][0] != v[1] or (len(v) > 2 and (len(v) > 4 or v[2][0] != v[3]))):
                    check_versions(node, needs)
                if obs is not None:
                    gin = obs.backward(node, saved_as_tensors(node) if create_graph else saved, g, needs)
                    if create_graph and node.op.grad_uses_inputs:
                        gin = _join_graph(node, gin)
                elif node.op.user_code:     # a custom Function: the user's state
                    gin = as_user(user, node.op.backward, saved_as_tensors(node) if create_graph else saved,
                                  g, needs)
                elif create_graph:
                    gin = node.op.backward(saved_as_tensors(node), g, needs)
                    if node.op.grad_uses_inputs:
                        gin = _join_graph(node, gin)
                else:
                    gin = node.op.backward(saved, g, needs)
                if not retain_graph and saved is not None:
                    node.saved = _FREED if node.op.saves_tensors else _release(saved)
                if type(gin) is not tuple:
                    gin = (gin,)
                if node.hooks:
                    gin = _run_post_hooks(node, gin, g, create_graph, user)
                shapes = node.shapes
                dtypes = node.dtypes
                for i, e in enumerate(nxt):
                    if e is None:
                        continue
                    gi = gin[i]
                    if gi is not None:
                        shape = shapes[i]
                        if shape is None:         # internal edges (multi-output Functions) carry no metadata
                            pass
                        elif create_graph:
                            gi = fix_tensor(gi, shape, dtypes[i])
                        else:
                            if type(gi) is not _ndarray:
                                gi = np.asarray(gi) if not hasattr(gi, "_data") else gi._data
                            if gi.shape != shape or gi.dtype is not dtypes[i]:
                                gi = fix_array(gi, shape, dtypes[i])
                    if type(e) is Node:
                        if gi is not None:
                            prev = grads.get(e)
                            grads[e] = gi if prev is None else _plus(prev, gi)
                        c = deps[e] - 1
                        deps[e] = c
                        if c == 0:
                            ready.append(e)
                    elif gi is not None:
                        if capture is not None and id(e) in capture:
                            prev = captured.get(id(e))
                            captured[id(e)] = gi if prev is None else _plus(prev, gi)
                        if accumulate and (leaf_filter is None or id(e) in leaf_filter):
                            _add_leaf(leaf_grads, e, gi)
            else:
                if not retain_graph and node.saved is not None:
                    node.saved = _FREED if node.op.saves_tensors else _release(node.saved)
                for e in nxt:
                    if type(e) is Node:
                        c = deps[e] - 1
                        deps[e] = c
                        if c == 0:
                            ready.append(e)
        # drop the loop's references so that a leaf's gradient array is stolen only when nothing
        # else holds it (Add's backward hands the same array to both inputs, hooks may keep theirs)
        gin = gi = g = saved = None
        given = set()
        while leaf_grads:
            leaf, g = leaf_grads.popitem()[1]
            if obs is None:
                _accumulate_leaf(leaf, g, create_graph, given, user)
            else:
                t0 = perf_counter_ns()
                _accumulate_leaf(leaf, g, create_graph, given, user)
                obs.accumulated(t0)
    finally:
        quiet_off(tok)
        STATE.enabled = prev_enabled
    return captured


def _release(saved):
    """What an op that saved only constants keeps after its backward: like torch, a second backward
    fails only where tensors (arrays here: masks, indices) were saved; shapes and scalars stay."""
    if type(saved) is tuple:
        for s in saved:
            if isinstance(s, _ndarray):
                return _FREED
        return saved
    if isinstance(saved, _ndarray):
        return _FREED
    release = getattr(saved, "_release", None)      # a custom Function's ctx
    return saved if release is None else release()


def _plus(a, b):
    """a + b for gradients in flight; NumPy turns a sum of 0-d arrays into a scalar: undo that."""
    s = a + b
    if isinstance(s, np.generic):
        s = np.asarray(s)
    return s


def _add_leaf(leaf_grads, leaf, g):
    k = id(leaf)
    prev = leaf_grads.get(k)
    leaf_grads[k] = (leaf, g) if prev is None else (leaf, _plus(prev[1], g))


def _refs_probe(leaf, g):
    return sys.getrefcount(g)


def _unique_refs():
    # the reference count a gradient array has inside _accumulate_leaf when only the engine holds it
    # (measured with the same call shape, so it adapts to the interpreter)
    d = {0: (None, np.empty(1))}
    leaf, g = d.popitem()[1]
    return _refs_probe(leaf, g)


_UNIQUE_REFS = _unique_refs()


def _accumulate_leaf(leaf, g, create_graph, given, user):
    hooks = getattr(leaf, "_hooks", None)
    post = None
    if hooks:
        for h in list(hooks):
            if type(h) is PostAccumulateHook:
                post = [h] if post is None else post + [h]
                continue
            r = as_user(user, h, g if create_graph else _wrap(g))
            if r is not None:
                g = _hook_result(h, g, r, create_graph)
    old = getattr(leaf, "_grad", None)
    if create_graph:
        if type(g) is _ndarray:
            g = _wrap(g)
        elif getattr(g, "_base", None) is not None or not g._data.flags.c_contiguous:
            g = g.clone()              # a view (e.g. an expanded gradient) is stored as a copy, as in torch
        elif given is not None:
            if id(g) in given:
                g = g.clone()          # never the same Tensor object as another leaf's .grad
            given.add(id(g))
        leaf._grad = g if old is None else old + g
    elif old is None:
        # steal the array when nothing else holds it and we own it outright; otherwise copy (it may
        # alias another leaf's gradient, a broadcast view, a hook's tensor or a caller's tensor)
        if not (sys.getrefcount(g) <= _UNIQUE_REFS and g.flags.owndata and g.flags.writeable
                and g.flags.c_contiguous):
            g = np.array(g)
        leaf._grad = _wrap(g)
    else:
        # in place, as torch does, even into a .grad that has a graph (create_graph earlier): it keeps
        # that graph, and the version bump guards any backward that saved it
        d = old._data
        if d.flags.writeable:
            np.add(d, g, out=d, casting="unsafe")
            old._vc[0] += 1
        else:
            old._data = d + g
    if post is not None:
        g = None
        for h in post:
            as_user(user, h.fn, leaf)


def _seed_for(t, g, create_graph):
    if g is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {t.dtype}")
        one = np.ones(t._data.shape, dtype=t._data.dtype)
        return _wrap(one) if create_graph else one
    if not isinstance(g, TensorBase):
        g = _wrap(np.array(_tensor_of(g)._data, dtype=t._data.dtype))
    if g._data.shape != t._data.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] has a "
                           f"shape of {t.shape}.")
    if create_graph:
        return g
    d = g._data
    return np.array(d, dtype=t._data.dtype)   # a private copy: callers' tensors are never aliased


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate the gradients of `tensors` into the leaves' `.grad`. Matches `torch.autograd.backward`."""
    tensors = _as_tuple(tensors)
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` "
                      "instead.", FutureWarning, stacklevel=2)
        if grad_tensors is None:
            grad_tensors = grad_variables
        else:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                               "`backward()`. Please only use `grad_tensors`.")
    grad_tensors = _as_tuple(grad_tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(grad_tensors)} tensors and {len(tensors)} gradients")
    for t in tensors:
        if not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [_seed_for(t, g, create_graph) for t, g in zip(tensors, grad_tensors)]
    leaf_filter = None
    capture = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        for t in inputs:
            if not t._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        leaf_filter = {id(t) for t in inputs}
        # a non-leaf that already retains its grad gets it from its retain_grad hook (once)
        nonleaf = {t._node: t for t in inputs if t._node is not None and not t._retains()}
        if nonleaf:
            capture = dict(nonleaf)
    captured = run_backward(tensors, seeds, retain_graph, create_graph, capture=capture, leaf_filter=leaf_filter)
    if capture:
        for node, t in capture.items():
            g = captured.get(node)
            if g is not None:
                gt = g if create_graph else _wrap(np.array(g))
                old = getattr(t, "_grad", None)
                t._grad = gt if old is None else old + gt


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of `outputs` with respect to `inputs`, returned (not accumulated). Matches `torch.autograd.grad`."""
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To "
                      "accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning,
                      stacklevel=2)
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        raise NotImplementedError("ember: autograd.grad(is_grads_batched=True) is not implemented")
    grad_outputs = _as_tuple(grad_outputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    for i, t in enumerate(inputs):
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for t in outputs:
        if not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [_seed_for(t, g, create_graph) for t, g in zip(outputs, grad_outputs)]
    capture = {}
    for t in inputs:
        capture[t._node if t._node is not None else id(t)] = t
    captured = run_backward(outputs, seeds, retain_graph, create_graph, capture=capture, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        key = t._node if t._node is not None else id(t)
        g = captured.get(key)
        if g is not None and t._node is None and getattr(t, "_hooks", None):
            for h in list(t._hooks):       # a leaf's tensor hooks see (and may replace) its gradient
                if type(h) is PostAccumulateHook:
                    continue
                r = h(g if create_graph else _wrap(g))
                if r is not None:
                    g = _hook_result(h, g, r, create_graph)
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        if g is not None and not isinstance(g, TensorBase):
            g = _wrap(g if g.flags.owndata else np.array(g))
        result.append(g)
    return tuple(result)
