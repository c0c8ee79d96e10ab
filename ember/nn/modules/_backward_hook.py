"""Module full backward hooks (`register_full_backward_hook`): the gradients of a module's inputs and
outputs, gathered from tensor hooks, handed to the user's hooks once all are known."""
from __future__ import annotations

from ..._ops.linear import Identity
from ..._tensor import Tensor
from ..._tensor_base import _unary


class _BackwardHookState:
    """Calls `hook(module, grad_input, grad_output)` once the gradients of the module's inputs are known.

    Tensor inputs that require grad are routed through an identity node whose incoming gradient
    is the grad_input; a hook on each output records grad_output.
    """

    def __init__(self, module, hooks, n_inputs):
        self.module = module
        self.hooks = hooks
        self.grad_inputs = [None] * n_inputs
        self.pending = 0
        self.grad_outputs = None
        self.n_out = 0
        self.out_grads = {}

    @classmethod
    def wrap_inputs(cls, module, hooks, args):
        state = cls(module, hooks, len(args))
        new = list(args)
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and a._rg:
                t = _unary(Identity, a)
                state.pending += 1
                t.register_hook(state._input_hook(i))
                new[i] = t
        return tuple(new), state

    def _input_hook(self, i):
        def hook(g):
            self.grad_inputs[i] = g
            self.pending -= 1
            if self.pending == 0:
                return self._fire(i)
            return None
        return hook

    def watch_outputs(self, result):
        outs = result if isinstance(result, (tuple, list)) else (result,)
        self.outputs_n = len(outs)
        self.grad_outputs = [None] * len(outs)
        for j, o in enumerate(outs):
            if isinstance(o, Tensor) and o._rg:
                o.register_hook(self._output_hook(j))

    def _output_hook(self, j):
        def hook(g):
            for pre in self.module._backward_pre_hooks.values():
                go = list(self.grad_outputs)
                go[j] = g
                res = pre(self.module, tuple(go))
                if res is not None:
                    res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                    g = res[j]
            self.grad_outputs[j] = g
            if self.hooks and self.pending == 0 and not any(x is not None for x in self.grad_inputs):
                self._fire(None)     # no input needs a gradient: torch calls with grad_input=(None,...)
            return g
        return hook

    def _fire(self, last):
        gi = tuple(self.grad_inputs)
        go = tuple(self.grad_outputs or ())
        for hook in self.hooks:
            res = hook(self.module, gi, go)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(gi):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(res)}, "
                                       f"but expected {len(gi)}")
                gi = res
        if last is not None:
            return gi[last]
        return None
