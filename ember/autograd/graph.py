"""The recorded graph: `Node` (a tensor's `grad_fn`), the hook records the engine runs, and what
`next_functions` shows for a leaf. Matches `torch.autograd.graph` where the names overlap.

Nothing here knows the Tensor class: nodes point at their inputs' nodes (or at leaf tensors) and
never at their outputs, so a graph dies by reference counting when its last tensor goes away.
"""
from __future__ import annotations

from ..utils.hooks import RemovableHandle

__all__ = ["Node"]

SECOND_TIME = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward.")


class Node:
    """One recorded op (a tensor's `grad_fn`).

    op: the kernel class (forward/backward); next: per input, its producer Node, the leaf Tensor itself,
    or None; saved: what the kernel's forward kept; shapes/dtypes: the inputs' (for unbroadcasting and
    casting gradients); vers: (version counter, version) pairs of saved tensors; hooks: tensor hooks,
    retain_grad markers and grad_fn hooks, in the order the engine runs them.
    """

    __slots__ = ("op", "next", "saved", "shapes", "dtypes", "vers", "hooks", "meta", "__weakref__")

    def name(self) -> str:
        return self.op.bw_name

    def __repr__(self):
        return f"<{self.op.bw_name.rsplit('::', 1)[-1]} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return next_functions(self)

    def register_hook(self, fn):
        """`fn(grad_inputs, grad_outputs)` after this node's backward; may return new grad_inputs."""
        return self._add_hook(NodePostHook(fn))

    def register_prehook(self, fn):
        """`fn(grad_outputs)` before this node's backward; may return new grad_outputs."""
        return self._add_hook(NodePreHook(fn))

    def _add_hook(self, h):
        # node hooks run after the tensor hooks and retain_grad kept in the same list
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(h)
        return RemovableHandle(self.hooks, item=h)

    @property
    def metadata(self):
        """A dict kept with this node (anomaly mode stores the forward traceback under "traceback_")."""
        m = getattr(self, "meta", None)
        if m is None:
            m = self.meta = {}
        return m


def new_node(op, next, saved, shapes, dtypes, vers=None):
    """A Node with every slot set (the recording hooks fill slots inline on their hot paths)."""
    node = object.__new__(Node)
    node.op = op
    node.next = next
    node.saved = saved
    node.shapes = shapes
    node.dtypes = dtypes
    node.vers = vers
    node.hooks = None
    return node


# NOTE [ Observing the hooks ] (_tensor_base.py): new_node's code is swapped for this one while anomaly
# mode or the profiler is on; OBSERVER[0] is then the observer (also read by the engine once per backward).
OBSERVER: list = [None]
new_node_plain = type(new_node)(new_node.__code__, globals(), "new_node", new_node.__defaults__)


def observed_new_node(op, next, saved, shapes, dtypes, vers=None):
    node = new_node_plain(op, next, saved, shapes, dtypes, vers)
    OBSERVER[0].created(node)
    return node


class NodePreHook:
    """A grad_fn pre-hook in Node.hooks: called like a tensor hook, with the gradient as a 1-tuple."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    @property
    def __name__(self):
        return getattr(self.fn, "__name__", type(self.fn).__name__)

    def __call__(self, g):
        r = self.fn((g,))
        return None if r is None else r[0]


class NodePostHook:
    """A grad_fn hook in Node.hooks, run by the engine after the node's backward."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


NODE_HOOKS = (NodePreHook, NodePostHook)


class RetainGrad:
    """Marker in Node.hooks: store the (post-hook) gradient on the tensor's .grad (`retain_grad()`)."""
    __slots__ = ("ref",)

    def __init__(self, ref):
        self.ref = ref


class PostAccumulateHook:
    """Entry in a leaf's `_hooks`: called with the tensor after its .grad is accumulated (backward only)."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


class AccumulateGrad:
    """What `next_functions` shows for a leaf: torch's AccumulateGrad, with `.variable`."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return ()


# torch ops whose Python-scalar operand is a Scalar argument (no edge), not a wrapped-number Tensor
# (which shows up as (None, 0)): x ** 2, 1 - x, 2 ** x, x % 2
_SCALAR_OVERLOADS = frozenset({"PowBackward0", "PowBackward1", "PowBackward2", "RsubBackward1", "RemainderBackward0"})


def next_functions(node):
    out = []
    nxt = node.next
    if len(nxt) == 2 and nxt[1] is None and node.dtypes[1] is None and node.op.bw_name in _SCALAR_OVERLOADS:
        nxt = nxt[:1]
    for e in nxt:
        if e is None or type(e) is Node:
            out.append((e, 0))
        else:
            out.append((AccumulateGrad(e), 0))
    return tuple(out)
