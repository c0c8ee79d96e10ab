"""Custom differentiable ops: `ember.autograd.Function`, as in torch.

A Function's node is an ordinary engine Node whose op adapts the user's Tensor-level
`backward(ctx, *grads)`. Several outputs: each output gets a small selector node feeding one
slot of a shared node, so the engine keeps single-output nodes everywhere.
"""
from __future__ import annotations

import weakref

import numpy as np

from .._inplace import become_output
from .._ops._base import Op
from .._tensor_base import TensorBase, _edge, _wrap, _wrap_shared
from .graph import SECOND_TIME, new_node
from .grad_mode import STATE



class FunctionCtx:
    """The `ctx` passed to forward/backward. Matches torch's ctx API."""

    def __init__(self):
        self.to_save = ()
        self._saved = None
        self._versions = None
        self.needs_input_grad = ()
        self.dirty_tensors = ()
        self.non_differentiable = ()
        self.materialize_grads = True
        self._freed = False

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not hasattr(t, "_data"):
                raise TypeError(f"save_for_backward can only save variables, but argument is of type "
                                f"{type(t).__name__}")
        self.to_save = tensors

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(SECOND_TIME)
        if self._versions is not None:
            for t, v in zip(self.to_save, self._versions):
                if t is not None and t._vc[0] != v:
                    raise RuntimeError(
                        "one of the variables needed for gradient computation has been modified by an inplace "
                        f"operation: it was saved by a custom Function, is at version {t._vc[0]}; expected version "
                        f"{v} instead.")
        return tuple([t._unpack() if type(t) is _SavedOutput else t for t in self.to_save])

    def _release(self):
        # the engine frees a Function's saved tensors after its backward (unless retain_graph); the ctx
        # itself stays: a backward that saved nothing may run again, as in torch
        if self.to_save:
            self.to_save = ()
            self._freed = True
        return self

    def mark_dirty(self, *args):
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class _SavedOutput:
    """A saved output of the Function itself. Holding the output Tensor would make a cycle (output ->
    node -> ctx -> output) that only the cyclic GC frees; like torch's SavedVariable, keep its data and
    version counter, and its grad_fn weakly, and rebuild an alias on unpacking."""
    __slots__ = ("_data", "_vc", "ref")

    def __init__(self, t):
        self._data = t._data
        self._vc = t._vc
        self.ref = weakref.ref(t._node)

    def _unpack(self):
        node = self.ref()
        if node is None:
            raise RuntimeError(SECOND_TIME)
        t = _wrap(self._data)
        t._vc = self._vc
        t._rg = True
        t._node = node
        return t


class _FunctionOp(Op):
    """Engine-side adapter (one subclass per user Function class)."""
    registered = False
    quiet = False       # the user's forward and backward run in the user's NumPy error state
    user_code = True
    fn = None
    saves = ()

    @classmethod
    def backward(cls, ctx, g, needs):
        grads = g.parts if type(g) is _Partial else (g,)
        n_out = ctx._n_out
        if len(grads) < n_out:
            grads = tuple(grads) + (None,) * (n_out - len(grads))
        wrapped = []
        array_mode = True
        for i, gi in enumerate(grads):
            if gi is None:
                shape, dt = ctx._out_meta[i]
                if ctx.materialize_grads and dt is not None:    # non-tensor outputs get None, like torch
                    gi = _wrap(np.zeros(shape, dtype=dt))
            elif type(gi) is np.ndarray:
                gi = _wrap(gi)
            else:
                array_mode = False
            wrapped.append(gi)
        res = cls.fn.backward(ctx, *wrapped)
        if not isinstance(res, tuple):
            res = (res,)
        n_in = ctx._n_in
        if len(res) != n_in:
            if len(res) > n_in and all(r is None for r in res[n_in:]):
                res = res[:n_in]
            else:
                raise RuntimeError(f"function {cls.fn.__name__}Backward returned an incorrect number of gradients "
                                   f"(expected {n_in}, got {len(res)})")
        out = []
        for k, (r, shape) in enumerate(zip(res, ctx._in_shapes)):
            if shape is None:       # a non-tensor argument: its gradient must be None
                if r is not None:
                    raise RuntimeError(f"function {cls.bw_name} returned a gradient different than None at position "
                                       f"{k + 1}, but the corresponding forward input was not a Variable")
                continue
            if r is None:
                out.append(None)
                continue
            if not hasattr(r, "_data"):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
            rs = r._data.shape
            if rs != shape and not _expandable(shape, rs):
                raise RuntimeError(f"Function {cls.bw_name} returned an invalid gradient at index {len(out)} - got "
                                   f"{list(rs)} but expected shape compatible with {list(shape)}")
            out.append(r._data if array_mode else r)
        return tuple(out)


def _expandable(shape, target):
    """torch's is_expandable_to: `shape` broadcasts up to `target` (the engine then sums back)."""
    if len(shape) > len(target):
        return False
    for s, t in zip(reversed(shape), reversed(target)):
        if s != t and s != 1:
            return False
    return True


class _Partial:
    """The gradient of one output of a multi-output Function; `+` merges slots."""
    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = parts

    def __add__(self, other):
        if type(other) is not _Partial:
            return NotImplemented
        merged = []
        for a, b in zip(self.parts, other.parts):
            merged.append(b if a is None else a if b is None else a + b)
        return _Partial(tuple(merged))


class _Select(Op):
    """Routes output i's gradient into slot i of the shared Function node."""
    bw_name = "FunctionOutputBackward"
    saves = ("c",)

    @staticmethod
    def backward(saved, g, needs):
        i, n = saved
        parts = [None] * n
        parts[i] = g
        return (_Partial(tuple(parts)),)


class _FunctionMeta(type):
    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        if name != "Function":
            OpCls = type(name + "Backward", (_FunctionOp,), {"fn": cls, "bw_name": name + "Backward"})
            cls._op = OpCls


class Function(metaclass=_FunctionMeta):
    """Base class for custom autograd ops: define static `forward(ctx, ...)` and `backward(ctx, ...)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        tensor_pos = []
        needs = []
        for a in args:
            if isinstance(a, TensorBase):
                tensor_pos.append(a)
                needs.append(a._rg)
            else:
                tensor_pos.append(None)
                needs.append(False)
        ctx.needs_input_grad = tuple(needs)
        record = STATE.enabled and any(needs)
        prev = STATE.enabled
        STATE.enabled = False
        try:
            if cls.setup_context is not Function.setup_context:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.enabled = prev
        single = not isinstance(output, tuple)
        outs = (output,) if single else output
        if not record:
            return output
        ctx._n_in = len(args)
        # shapes only (None for non-tensor arguments): the ctx must not keep the inputs' arrays alive
        ctx._in_shapes = tuple(None if t is None else t._data.shape for t in tensor_pos)
        ctx._n_out = len(outs)
        ctx._out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, TensorBase) else ((), None) for o in outs]
        edges = tuple(_edge(t) for t in tensor_pos if t is not None)
        tens_in = [t for t in tensor_pos if t is not None]
        node = new_node(cls._op, edges, ctx, tuple(t._data.shape for t in tens_in),
                        tuple(t._data.dtype for t in tens_in))
        for t in ctx.dirty_tensors:
            if t._node is None and t._rg:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        dirty = {id(t) for t in ctx.dirty_tensors}
        nondiff = {id(t) for t in ctx.non_differentiable}
        inputs_ids = {id(t) for t in tens_in}
        result = []
        for i, o in enumerate(outs):
            if not isinstance(o, TensorBase):
                result.append(o)
                continue
            if id(o) in inputs_ids and id(o) not in dirty:
                o = _wrap_shared(o)      # an input returned as is becomes a new alias
            if id(o) in dirty:
                o._vc[0] += 1
            if id(o) in nondiff or o._data.dtype.kind != "f":
                if id(o) not in dirty:
                    o._rg = False
                    o._node = None
                result.append(o)
                continue
            out_node = node if len(outs) == 1 else new_node(_Select, (node,), (i, len(outs)), (None,), (None,))
            if id(o) in dirty:
                become_output(o, out_node)     # an input modified in place: retain_grad and views follow it
            else:
                o._node = out_node
                o._rg = True
            result.append(o)
        # versions of saved tensors are taken after mark_dirty's bump (a dirty input may be saved)
        ctx._versions = tuple(t._vc[0] if t is not None else None for t in ctx.to_save)
        if ctx.to_save:
            mine = {id(o) for o in result if isinstance(o, TensorBase) and o._node is not None}
            if mine:
                ctx.to_save = tuple([_SavedOutput(t) if t is not None and id(t) in mine else t
                                     for t in ctx.to_save])
        return result[0] if single else tuple(result)


class once_differentiable:
    def __new__(cls, fn):
        return fn
