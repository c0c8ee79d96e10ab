"""`Module`: the base class of every layer and model. Matches `torch.nn.Module`.

NOTE [ Registries mirrored in __dict__ ]
Parameters, buffers and submodules live in torch's registries (`_parameters`, `_buffers`,
`_modules`) and ALSO as plain instance attributes, so `self.weight` in `forward` is an ordinary
attribute read (about 7 ns) rather than torch's `__getattr__` fallback (about 450 ns). The
registries are a small dict subclass that mirrors every write and delete into the owner's
`__dict__`, so code that writes `m._parameters["w"] = p` directly stays consistent.
`__setattr__` runs only on assignment; `__getattr__` exists only to raise torch's error.
"""
from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict, namedtuple

import numpy as np

from ..._dtype import from_numpy_dtype
from ..._tensor import Tensor

from ..._tensor_base import _wrap
from ...autograd.grad_mode import STATE, no_grad
from ..._inplace import zero_grads
from ...utils.hooks import RemovableHandle
from ..parameter import Buffer, Parameter
from ._backward_hook import _BackwardHookState

__all__ = ["Module", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_hook"]

_setattr = object.__setattr__

# global hooks (torch.nn.modules.module.register_module_forward_*_hook)
_global_forward_pre_hooks: "OrderedDict[int, object]" = OrderedDict()
_global_forward_hooks: "OrderedDict[int, object]" = OrderedDict()
_global_backward_hooks: "OrderedDict[int, object]" = OrderedDict()
_GLOBAL = [False]       # any global hook set: one list read on the fast path


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class _GlobalHookHandle(RemovableHandle):
    """The handle of a global module hook: removing it also refreshes the fast path's flag."""

    def remove(self):
        super().remove()
        _GLOBAL[0] = bool(_global_forward_pre_hooks or _global_forward_hooks or _global_backward_hooks)


class _Registry(dict):
    """A name->object dict that mirrors writes into its owner's __dict__ (NOTE above)."""

    __slots__ = ("_owner_dict",)

    def __init__(self, owner_dict, items=()):
        dict.__init__(self)
        self._owner_dict = owner_dict
        for k, v in items:
            self[k] = v

    def __setitem__(self, k, v):
        dict.__setitem__(self, k, v)
        self._owner_dict[k] = v

    def __delitem__(self, k):
        dict.__delitem__(self, k)
        self._owner_dict.pop(k, None)

    def pop(self, k, *default):
        if k in self:
            self._owner_dict.pop(k, None)
        return dict.pop(self, k, *default)

    def popitem(self):
        k, v = dict.popitem(self)
        self._owner_dict.pop(k, None)
        return k, v

    def setdefault(self, k, v=None):
        if k not in self:
            self[k] = v
        return dict.__getitem__(self, k)

    def update(self, *args, **kw):
        for k, v in dict(*args, **kw).items():
            self[k] = v

    def clear(self):
        for k in list(self):
            self._owner_dict.pop(k, None)
        dict.clear(self)

    def __reduce__(self):
        return (dict, (dict(self),))

    def __copy__(self):
        return dict(self)

    def __deepcopy__(self, memo):
        import copy
        return {k: copy.deepcopy(v, memo) for k, v in self.items()}


def _typename(v):
    if isinstance(v, Tensor):
        return "torch." + {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                           "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                           "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}.get(
            v.dtype.name, "Tensor")
    t = type(v)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _addindent(s, n):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


def _short_repr(m):
    """One-line description of a module for error notes."""
    try:
        extra = m.extra_repr()
    except Exception:  # noqa: BLE001 - a broken extra_repr must not hide the real error
        extra = ""
    if "\n" in extra or (not extra and m._modules):
        extra = "..."
    return f"{m._get_name()}({extra})"


def _annotate(module, e):
    """Add (or update) a note on `e` naming the path of the innermost module whose forward raised.

    Each enclosing Module.__call__ extends the chain on its way out, so the note the user sees
    names the path from the outermost module that was called, e.g. `model.features.2`.
    """
    try:
        chain = e.__dict__.get("_ember_chain")
    except AttributeError:
        return
    if chain is not None and chain[-1] is module:
        return
    if chain is None or any(m is module for m in chain):
        # first module to see `e`, or the same exception object raised again by a later call
        chain = e._ember_chain = [module]
    else:
        chain.append(module)
    names = []
    for i in range(len(chain) - 1, 0, -1):
        parent, child = chain[i], chain[i - 1]
        name = None
        for k, v in parent._modules.items():
            if v is child:
                name = k
                break
        if name is None:
            for k, v in parent.named_modules():
                if v is child:
                    name = k
                    break
        names.append(name if name else f"<{child._get_name()}>")
    path = ".".join(["model"] + names)
    note = f"[ember] raised in {path} ({_short_repr(chain[0])})" if names else \
        f"[ember] raised in the forward of {_short_repr(chain[0])}"
    notes = getattr(e, "__notes__", None)
    idx = e.__dict__.get("_ember_note")
    if notes is not None and idx is not None and idx < len(notes):
        notes[idx] = note
    else:
        e.add_note(note)
        e._ember_note = len(e.__notes__) - 1


class _PublicPostHook:
    """A hook registered through the public `register_state_dict_post_hook` (must return None)."""

    __slots__ = ("hook",)

    def __init__(self, hook):
        self.hook = hook

    def __call__(self, *args):
        return self.hook(*args)


def _forward_unimplemented(self, *input):
    raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')


class Module:
    """Base class for all neural network modules. Matches `torch.nn.Module`.

    Subclasses call `super().__init__()` and then assign Parameters, buffers and submodules as
    attributes; `forward` defines the computation and calling the module runs it with hooks.
    """

    dump_patches = False
    _version = 1
    training: bool
    call_super_init = False

    forward = _forward_unimplemented

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected argument: "
                            f"{args[0] if args else next(iter(kwargs))!r}")
        d = self.__dict__
        _setattr(self, "training", True)
        _setattr(self, "_parameters", _Registry(d))
        _setattr(self, "_buffers", _Registry(d))
        _setattr(self, "_non_persistent_buffers_set", set())
        _setattr(self, "_modules", _Registry(d))
        _setattr(self, "_forward_pre_hooks", OrderedDict())
        _setattr(self, "_forward_pre_hooks_with_kwargs", OrderedDict())
        _setattr(self, "_forward_hooks", OrderedDict())
        _setattr(self, "_forward_hooks_with_kwargs", OrderedDict())
        _setattr(self, "_forward_hooks_always_called", OrderedDict())
        _setattr(self, "_backward_hooks", OrderedDict())
        _setattr(self, "_backward_pre_hooks", OrderedDict())
        _setattr(self, "_state_dict_hooks", OrderedDict())
        _setattr(self, "_state_dict_pre_hooks", OrderedDict())
        _setattr(self, "_load_state_dict_pre_hooks", OrderedDict())
        _setattr(self, "_load_state_dict_post_hooks", OrderedDict())

    # ---- calling ---------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks
                or _GLOBAL[0]):
            try:
                return self.forward(*args, **kwargs)
            except Exception as e:
                _annotate(self, e)
                raise
        try:
            return self._call_with_hooks(args, kwargs)
        except Exception as e:
            _annotate(self, e)
            raise

    _call_impl = __call__

    def _call_with_hooks(self, args, kwargs):
        for hid, hook in (*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if isinstance(res, tuple) and len(res) == 2:
                        args, kwargs = res
                    else:
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {res}.")
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw_hooks = list(_global_backward_hooks.values()) + list(self._backward_hooks.values())
        if (bw_hooks or self._backward_pre_hooks) and STATE.enabled:
            args, state = _BackwardHookState.wrap_inputs(self, bw_hooks, args)
        else:
            state = None
        try:
            result = self.forward(*args, **kwargs)
        except Exception:
            # hooks registered with always_call=True still run when forward raises
            for hid, hook in self._forward_hooks.items():
                if hid in self._forward_hooks_always_called:
                    try:
                        if hid in self._forward_hooks_with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception:  # noqa: BLE001 - the forward's error is the one to report
                        pass
            raise
        for hid, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = res
        if state is not None:
            state.watch_outputs(result)
        return result

    # ---- registration ----------------------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, params)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._remove_from(name, modules)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if isinstance(value, Buffer) or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.nn.Buffer, torch.Tensor or None expected)")
            if isinstance(value, Buffer):
                persistent = value.persistent
            else:
                persistent = name not in self._non_persistent_buffers_set
            if buffers is not None and name not in buffers:
                self._remove_from(name, buffers)
            self.register_buffer(name, value, persistent)
            return
        _setattr(self, name, value)

    def _remove_from(self, name, keep):
        d = self.__dict__
        for reg_name in ("_parameters", "_buffers", "_modules"):
            reg = d.get(reg_name)
            if reg is not None and reg is not keep and name in reg:
                del reg[name]
        if name in d and (keep is None or name not in keep):
            del d[name]
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name):
        # only reached when the attribute is not in __dict__ (registered objects always are)
        d = self.__dict__
        for reg_name in ("_parameters", "_buffers", "_modules"):
            reg = d.get(reg_name)
            if reg is not None and name in reg:
                return reg[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for reg_name in ("_parameters", "_buffers", "_modules"):
            reg = d.get(reg_name)
            if reg is not None and name in reg:
                del reg[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param) -> None:
        """Add a parameter (or None) under `name`. Matches `torch.nn.Module.register_parameter`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError("parameter name can't contain \".\"")
        if name == "":
            raise KeyError("parameter name can't be empty string \"\"")
        if name in self.__dict__ and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if hasattr(type(self), name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param._node is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                             f"explicitly. To express '{name}' as a function of another Tensor, compute the value in "
                             "the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a buffer (state that is not a parameter). Matches `torch.nn.Module.register_buffer`."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError("buffer name can't contain \".\"")
        if name == "":
            raise KeyError("buffer name can't be empty string \"\"")
        if name not in self._buffers and (name in self.__dict__ or hasattr(type(self), name)):
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        if isinstance(tensor, Buffer):
            t = _wrap(tensor._data)
            t._vc = tensor._vc
            tensor = t
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module) -> None:
        """Add a child module (or None) under `name`. Matches `torch.nn.Module.add_module`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f"module name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError("module name can't be empty string \"\"")
        self._modules[name] = module

    def register_module(self, name: str, module) -> None:
        self.add_module(name, module)

    def get_submodule(self, target: str) -> "Module":
        """The submodule at dotted path `target` ('' is self). Matches `torch.nn.Module.get_submodule`."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        p = getattr(mod, name)
        if not isinstance(p, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        return p

    def get_buffer(self, target: str) -> Tensor:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        if name not in mod._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return mod._buffers[name]

    def get_extra_state(self):
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called.")

    def set_extra_state(self, state):
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called.")

    # ---- iteration -------------------------------------------------------------------------------
    def _named_members(self, get_members_fn, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else \
            [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members_fn(module):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (module_prefix + ("." if module_prefix else "") + k), v

    def parameters(self, recurse: bool = True):
        """Yield every parameter (shared ones once). Matches `torch.nn.Module.parameters`."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_children(self):
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    __hash__ = object.__hash__

    # ---- mode and gradients ----------------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        _setattr(self, "training", mode)
        for m in self._modules.values():
            if m is not None:
                m.train(mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters. Matches `torch.nn.Module.zero_grad`."""
        zero_grads(self.parameters(), set_to_none)

    def apply(self, fn) -> "Module":
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- dtype / device ---------------------------------------------------------------------------
    def _apply(self, fn, recurse=True):
        """Convert every parameter, gradient and buffer with `fn(tensor) -> tensor`, keeping Parameter identity."""
        if recurse:
            for m in self.children():
                m._apply(fn)
        for name, p in self._parameters.items():
            if p is None:
                continue
            new = fn(p)
            if new._data is not p._data:
                p._data = new._data
            g = getattr(p, "_grad", None)
            if g is not None:
                ng = fn(g)
                if ng._data is not g._data:
                    g._data = ng._data
        for name, b in self._buffers.items():
            if b is not None:
                self._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs) -> "Module":
        """Cast floating-point parameters and buffers to a dtype; 'cpu' is the only device. Matches torch."""
        from ..._ops.convert import _parse_to
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        dtype, _ = _parse_to(args, kwargs)
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype={dtype}")
        return self._apply(lambda t: _cast_float(t, dtype.np))

    def float(self) -> "Module":
        return self._apply(lambda t: _cast_float(t, np.float32))

    def double(self) -> "Module":
        return self._apply(lambda t: _cast_float(t, np.float64))

    def half(self) -> "Module":
        return self._apply(lambda t: _cast_float(t, np.float16))

    def type(self, dst_type) -> "Module":
        from ..._dtype import to_dtype
        dt = to_dtype(dst_type, names=True).np
        return self._apply(lambda t: _cast_any(t, dt))

    def cpu(self) -> "Module":
        return self

    def cuda(self, device=None) -> "Module":
        from ..._device import check_device
        check_device("cuda")
        return self

    def to_empty(self, *, device=None, recurse=True) -> "Module":
        return self

    def share_memory(self) -> "Module":
        return self

    def compile(self, *args, **kwargs) -> None:
        """`torch.compile` on the module: a no-op in ember (eager only)."""
        return None

    # ---- state dict -------------------------------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """An ordered dict of every parameter and persistent buffer, keyed by dotted path. Matches torch."""
        if args:   # torch's deprecated positional form: (destination, prefix, keep_vars)
            warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                          "https://pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.state_dict for details.", FutureWarning, stacklevel=2)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        meta = getattr(destination, "_metadata", None)
        if meta is not None:
            meta[prefix[:-1]] = {"version": self._version}
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            r = hook(self, destination, prefix, {"version": self._version})
            if r is not None:
                if type(hook) is _PublicPostHook:
                    raise RuntimeError("state_dict post-hook must return None")
                destination = r
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items())
                       if v is not None}
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if type(param._data) is not np.ndarray or type(getattr(value, "_data", None)) not in _DENSE:
                _load_sparse(self, name, key, param, value, error_msgs)     # sparse COO buffers: replaced
                continue
            arr = _as_array(value)
            if arr is None:
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
                                  f"object from checkpoint but received {type(value)}")
                continue
            if param._data.ndim == 0 and arr.ndim == 1 and arr.shape[0] == 1:
                arr = arr[0]
            if arr.shape != param._data.shape:
                from ..._tensor_base import Size
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {Size(arr.shape)} from "
                                  f"checkpoint, the shape in current model is {Size(param._data.shape)}.")
                continue
            try:
                if assign:
                    new = np.array(arr) if not isinstance(value, Tensor) else value._data
                    if isinstance(param, Parameter):
                        t = value if isinstance(value, Parameter) else Parameter(_wrap(new), param._rg)
                        t.requires_grad_(param._rg)
                    else:
                        t = value if isinstance(value, Tensor) else _wrap(new)
                    setattr(self, name, t)
                else:
                    np.copyto(param._data, arr, casting="unsafe")
                    param._vc[0] += 1
            except Exception as ex:  # noqa: BLE001 - reported like torch, all at once
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the model are '
                                  f"{param.shape} and whose dimensions in the checkpoint are {tuple(arr.shape)}, "
                                  f"an exception occurred : {ex.args}.")
        extra_key = prefix + "_extra_state"
        has_extra = type(self).set_extra_state is not Module.set_extra_state
        if has_extra:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        if strict:
            for key in state_dict.keys():
                if key.startswith(prefix) and not (has_extra and key == extra_key):
                    head = key[len(prefix):].split(".", 1)
                    if len(head) > 1:
                        if head[0] not in self._modules:
                            unexpected_keys.append(key)
                    elif head[0] not in local_state:
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy parameters and buffers from `state_dict` (ember/torch-like tensors or numpy arrays).

        Matches `torch.nn.Module.load_state_dict`: returns `(missing_keys, unexpected_keys)` and, when
        strict, raises torch's RuntimeError listing missing/unexpected keys and size mismatches.
        """
        from collections.abc import Mapping
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)

        def load(module, local_sd, prefix=""):
            meta = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                meta["assign_to_params_buffers"] = assign
            module._load_from_state_dict(local_sd, prefix, meta, True, missing, unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:
                    cp = prefix + name + "."
                    load(child, {k: v for k, v in local_sd.items() if k.startswith(cp)}, cp)
            for hook in module._load_state_dict_post_hooks.values():
                hook(module, _IncompatibleKeys(missing, unexpected))

        with no_grad():
            load(self, state_dict)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # ---- hooks ------------------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """`hook(module, args)` (or `(module, args, kwargs)`) runs before forward. Matches torch."""
        h = RemovableHandle(self._forward_pre_hooks, extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[h.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[h.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(h.id, last=False)
        return h

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False):
        """`hook(module, args, output)` (or `(module, args, kwargs, output)`) runs after forward."""
        h = RemovableHandle(self._forward_hooks, extra_dict=[self._forward_hooks_with_kwargs,
                                                              self._forward_hooks_always_called])
        self._forward_hooks[h.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[h.id] = True
        if always_call:
            self._forward_hooks_always_called[h.id] = True
        if prepend:
            self._forward_hooks.move_to_end(h.id, last=False)
        return h

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """`hook(module, grad_input, grad_output)` runs when the gradients w.r.t. the module's inputs
        are computed; it may return a replacement for grad_input. Matches torch for modules whose
        tensor inputs are positional arguments."""
        h = RemovableHandle(self._backward_hooks)
        self._backward_hooks[h.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(h.id, last=False)
        return h

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """`hook(module, grad_output)` runs before the module's input gradients are computed; it may return a
        replacement grad_output. Matches torch for modules with one tensor output."""
        h = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[h.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(h.id, last=False)
        return h

    def register_backward_hook(self, hook):
        """torch's deprecated non-full backward hook; ember runs it as a full backward hook (the documented
        grad_input) and warns as torch does."""
        warnings.warn("Using a non-full backward hook when the forward contains multiple autograd Nodes is "
                      "deprecated and will be removed in future versions. This hook will be missing some "
                      "grad_input. Please use register_full_backward_hook to get the documented "
                      "behavior.", FutureWarning,
                      stacklevel=2)
        return self.register_full_backward_hook(hook)

    def register_state_dict_pre_hook(self, hook):
        h = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[h.id] = hook
        return h

    def register_state_dict_post_hook(self, hook):
        """`hook(module, state_dict, prefix, local_metadata)` runs after `state_dict`; must return None."""
        h = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[h.id] = _PublicPostHook(hook)
        return h

    def _register_state_dict_hook(self, hook):
        # torch's private form: the hook may return a replacement state_dict
        h = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[h.id] = hook
        return h

    def register_load_state_dict_pre_hook(self, hook):
        h = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[h.id] = lambda sd, prefix, meta, strict, mk, uk, em: hook(
            self, sd, prefix, meta, strict, mk, uk, em)
        return h

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        h = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[h.id] = (
            (lambda *a: hook(self, *a)) if with_module else hook)
        return h

    def register_load_state_dict_post_hook(self, hook):
        h = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[h.id] = hook
        return h

    # ---- printing ---------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): " + _addindent(repr(m), 2) for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        s = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                s += extra_lines[0]
            else:
                s += "\n  " + "\n  ".join(lines) + "\n"
        return s + ")"

    def __dir__(self):
        keys = set(dir(type(self))) | set(self.__dict__)
        for reg in ("_parameters", "_modules", "_buffers"):
            keys |= set(self.__dict__.get(reg, {}))
        return sorted(k for k in keys if not k[0].isdigit())

    # ---- pickling / copying ------------------------------------------------------------------------
    def __getstate__(self):
        # torch's layout: parameters, buffers and submodules live only in their registries (plain dicts),
        # so a model pickled whole loads in torch and a torch pickle loads here
        d = self.__dict__
        state = dict(d)
        for reg in ("_parameters", "_buffers", "_modules"):
            r = d.get(reg)
            if r is not None:
                state[reg] = dict(r)
                for k in r:
                    state.pop(k, None)
        state.setdefault("_is_full_backward_hook", None)
        return state

    def __setstate__(self, state):
        d = self.__dict__
        regs = {reg: state.pop(reg, None) for reg in ("_parameters", "_buffers", "_modules")}
        d.update(state)
        for reg, items in regs.items():
            r = _Registry(d)
            if isinstance(items, dict):          # torch's layout (and ember's since issue 16)
                for k, v in items.items():
                    r[k] = v
            else:                                # names only, the objects in __dict__ (older ember pickles)
                for k in items or ():
                    dict.__setitem__(r, k, d.get(k))
            d[reg] = r
        for attr in ("_forward_pre_hooks_with_kwargs", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
                     "_backward_pre_hooks", "_state_dict_pre_hooks", "_load_state_dict_post_hooks",
                     "_state_dict_hooks", "_load_state_dict_pre_hooks"):
            d.setdefault(attr, OrderedDict())
        d.setdefault("_non_persistent_buffers_set", set())


def _cast_float(t, np_dtype):
    a = t._data
    if type(a) is not np.ndarray:          # a sparse COO buffer (a GCN's adjacency): cast its values
        return t if not t.is_floating_point() or t.dtype.np == np_dtype else t.to(from_numpy_dtype(np_dtype))
    if a.dtype.kind != "f" or a.dtype == np_dtype:
        return t
    out = _wrap(a.astype(np_dtype))
    out._vc = t._vc
    return out


def _cast_any(t, np_dtype):
    a = t._data
    if type(a) is not np.ndarray:
        return t if t.dtype.np == np_dtype else t.to(from_numpy_dtype(np_dtype))
    if a.dtype == np_dtype:
        return t
    return _wrap(a.astype(np_dtype))


_DENSE = (np.ndarray, type(None))


def _load_sparse(module, name, key, old, value, error_msgs):
    if not (isinstance(value, Tensor) and value.is_sparse and old.is_sparse and value.shape == old.shape):
        error_msgs.append(f'While copying the parameter named "{key}": a sparse COO tensor loads only from a sparse '
                          f"COO tensor of the same size ({tuple(old.shape)})")
    else:
        module._buffers[name] = value.to(old.dtype).clone()


def _as_array(v):
    """The ndarray behind a checkpoint value (ember Tensor, numpy array, or anything with .numpy())."""
    if isinstance(v, Tensor):
        return v._data
    if isinstance(v, np.ndarray):
        return v
    if isinstance(v, np.generic):
        return np.asarray(v)
    f = getattr(v, "detach", None)
    if f is not None and hasattr(v, "numpy"):   # a foreign tensor (e.g. torch's)
        try:
            return np.asarray(v.detach().cpu().numpy())
        except Exception:  # noqa: BLE001
            return None
    return None



def register_module_forward_pre_hook(hook):
    h = _GlobalHookHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[h.id] = hook
    _GLOBAL[0] = True
    return h


def register_module_forward_hook(hook, *, always_call=False):
    h = _GlobalHookHandle(_global_forward_hooks)
    _global_forward_hooks[h.id] = hook
    _GLOBAL[0] = True
    return h


def register_module_full_backward_hook(hook):
    h = _GlobalHookHandle(_global_backward_hooks)
    _global_backward_hooks[h.id] = hook
    _GLOBAL[0] = True
    return h
