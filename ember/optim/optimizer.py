"""Optimizer base class: parameter groups, per-parameter state, step traversal and state_dict.

NOTE [ Optimizer split ]
The base class owns the traversal, the version-counter bumps, hooks and the state dict. A
subclass supplies `_init_state(p, state, group)` (create its state tensors, torch's names and
dtypes) and `_update(p, g, state, group)`, which updates the parameter's ndarray `p` in place
from the gradient ndarray `g`. All math runs on float32 ndarrays with Python-float scalars, which
NumPy 2 treats as weak, so nothing is upcast to float64.
"""
from __future__ import annotations

import copy
import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict
from typing import Any, Callable

import numpy as np

from .._ops._base import QUIET, as_user, quiet_off, quiet_on, state_now
from .._tensor import Tensor

from .._tensor_base import _wrap

from .._inplace import zero_grads
from ..utils.hooks import RemovableHandle
from ..autograd.grad_mode import enable_grad

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Singleton marking a default that every parameter group must specify."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: "OrderedDict[int, Callable]" = OrderedDict()
_global_post_hooks: "OrderedDict[int, Callable]" = OrderedDict()


def _add_hook(container, hook, prepend=False):
    h = RemovableHandle(container)
    key = h.id
    container[key] = hook
    if prepend:
        container.move_to_end(key, last=False)
    return h


def register_optimizer_step_pre_hook(hook) -> RemovableHandle:
    """Register a pre-step hook for every optimizer.
    Matches `torch.optim.optimizer.register_optimizer_step_pre_hook`."""
    return _add_hook(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook) -> RemovableHandle:
    """Register a post-step hook for every optimizer."""
    return _add_hook(_global_post_hooks, hook)


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return f"ember.{type(obj).__name__}"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _scalar(x) -> float:
    """A group option as a Python float (a 1-element Tensor lr is allowed, as in torch); anything but a number
    (a string such as lr="0.1") is a TypeError, as in torch."""
    if isinstance(x, Tensor):
        return float(x._data.reshape(()))
    if isinstance(x, (int, float, np.number)):
        return float(x)
    raise TypeError(f"an optimizer option must be a number or a 1-element Tensor, not {_typename(x)} ({x!r})")


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= _scalar(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonneg(**options):
    """torch's ValueError for the first option (in the order given) that is not >= 0; each keyword is the
    name torch's message uses (e.g. `epsilon=eps`)."""
    for label, value in options.items():
        if not 0.0 <= _scalar(value):
            raise ValueError(f"Invalid {label} value: {value}")


def _check_betas(betas):
    for i in (0, 1):
        if not 0.0 <= _scalar(betas[i]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def _hooked_step(step):
    """Wrap a subclass's step so the registered pre/post hooks run around it (torch's profile_hook_step)."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        pre = self._optimizer_step_pre_hooks
        if pre or _global_pre_hooks:
            for hook in itertools.chain(_global_pre_hooks.values(), pre.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
        # NOTE [ Quiet floating-point errors ] (_ops/_base.py): the update's NumPy arithmetic (inf or NaN
        # gradients) warns nothing, as in torch; the user's closure runs in the user's NumPy state
        user = state_now()
        call_args, call_kwargs = args, kwargs
        if args and callable(args[0]):
            call_args = (lambda: as_user(user, args[0]),) + args[1:]
        elif callable(kwargs.get("closure")):
            call_kwargs = dict(kwargs, closure=lambda: as_user(user, kwargs["closure"]))
        tok = quiet_on(QUIET)
        try:
            out = step(self, *call_args, **call_kwargs)
        finally:
            quiet_off(tok)
        post = self._optimizer_step_post_hooks
        if post or _global_post_hooks:
            for hook in itertools.chain(post.values(), _global_post_hooks.values()):
                hook(self, args, kwargs)
        return out

    wrapper._hooked = True
    return wrapper


class Optimizer:
    """Base class for optimizers. Matches `torch.optim.Optimizer`.

    `params` is an iterable of Tensors, of (name, Tensor) pairs, or of dicts (parameter groups,
    each with a "params" entry and per-group options that override `defaults`).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _hooked_step(step)

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}")
        try:
            param_groups = list(params)
        except TypeError:
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}") from None
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # ---- pickling / repr ---------------------------------------------------------------------
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                     "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    # ---- groups --------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a parameter group (a dict with "params" and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for param in params:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{_typename(param)}")
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization parameter "
                                 f"{name}")
            param_group.setdefault(name, default)
        ids = {id(p) for p in tensors}
        if len(ids) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
            if any(id(p) in ids for p in group["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- gradients -------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default).
        Matches `torch.optim.Optimizer.zero_grad`."""
        zero_grads([p for group in self.param_groups for p in group["params"]], set_to_none)

    # ---- the step ----------------------------------------------------------------------------------
    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    def _elementwise_step(self, closure):
        # Shared step for the per-parameter algorithms (see NOTE [ Optimizer split ]).
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        state_all = self.state
        init_state, update = self._init_state, self._update
        for group in self.param_groups:
            for p in group["params"]:
                g = getattr(p, "_grad", None)
                if g is None:
                    continue
                state = state_all[p]
                if not state:
                    init_state(p, state, group)
                update(p._data, g._data, state, group)
                p._vc[0] += 1
        return loss

    # ---- hooks -----------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook) -> RemovableHandle:
        """Call `hook(optimizer, args, kwargs)` before each step; it may return new (args, kwargs)."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook) -> RemovableHandle:
        """Call `hook(optimizer, args, kwargs)` after each step."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ---- state dict ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{'state': {param_id: {...}}, 'param_groups': [{..., 'params': [ids]}]}, as torch lays it out.

        Parameter ids number the parameters in group order; state values are the live tensors (not copies).
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        packed_state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": packed_state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict made by `state_dict()` (ember's or torch's layout). Tensors are copied and cast
        to the parameter's dtype ('step' stays as saved)."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(itertools.chain.from_iterable(g["params"] for g in saved_groups),
                          itertools.chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast_state(param, v)
            else:
                state[k] = v
        new_groups = []
        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            new_groups.append(new_group)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _to_array(value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "__array__") and hasattr(value, "shape"):   # e.g. a torch tensor from a torch checkpoint
        return np.asarray(value.detach() if hasattr(value, "detach") else value)
    return None


def _cast_state(param, value, key=None):
    arr = _to_array(value)
    if arr is not None:
        if key != "step" and arr.dtype.kind == "f" and param._data.dtype.kind == "f":
            return _wrap(arr.astype(param._data.dtype, copy=True))
        return _wrap(np.array(arr, copy=True))
    if key == "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _scalar_state(float(value))     # an old checkpoint's Python-number step, as torch converts it
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value


# ---- helpers shared by the algorithms ---------------------------------------------------------------

def _zeros_state(p) -> Tensor:
    return _wrap(np.zeros_like(p._data))


def _full_state(p, value) -> Tensor:
    return _wrap(np.full_like(p._data, value))


def _scalar_state(value=0.0) -> Tensor:
    # torch keeps 'step' (and ASGD's eta/mu, NAdam's mu_product) as float32 0-dim tensors
    return _wrap(np.array(value, dtype=np.float32))


def _lerp_(a, b, w):
    """a <- a + w (b - a) in place, with torch's two-sided formula (exact at w = 1)."""
    d = b - a
    if abs(w) < 0.5:
        d *= w
        a += d
    else:
        d *= float(np.float32(1.0) - np.float32(w))
        np.subtract(b, d, out=a)


def _addcmul_sq_(v, g, value):
    """v <- v + value * g * g, in torch's evaluation order."""
    t = g * value
    t *= g
    v += t


def _pre_grad(p, g, maximize, weight_decay, decoupled=False, lr=0.0):
    """The gradient after `maximize` and `weight_decay` (never mutates the stored grad). The decay is an L2
    term added to the gradient, or with `decoupled` (AdamW-style) a shrink of `p` by (1 - lr * weight_decay)."""
    if maximize:
        g = -g
    wd = float(weight_decay)
    if wd != 0:
        if decoupled:
            p *= 1 - lr * wd
        else:
            g = g + wd * p
    return g


def _next_step(state) -> float:
    """Increment the float32 'step' state tensor in place and return its new value."""
    st = state["step"]._data
    st += 1
    return float(st)


def _adam_moments_(m, v, g, beta1, beta2):
    """Adam's moment updates in place: m <- lerp(m, g, 1 - beta1), v <- beta2 v + (1 - beta2) g^2."""
    _lerp_(m, g, 1 - beta1)
    v *= beta2
    _addcmul_sq_(v, g, 1 - beta2)
