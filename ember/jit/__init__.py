"""ember.jit: TorchScript's entry points, honestly.

ember has no TorchScript compiler. `script` and `trace` return objects that run the original Python
and so compute exactly what the original computes; they exist so that tutorials calling
`torch.jit.script(model)` or `torch.jit.trace(model, x)` keep working. What TorchScript adds on top
(a serialized archive, `.code`, `.graph`) is not produced: `save` raises NotImplementedError that says
what to use instead (`ember.save(model.state_dict())`).

Deviations from torch, on purpose:
- a traced module keeps its Python control flow (torch freezes the branch taken by the example, which
  silently computes something else on other inputs); the example is still run once, as torch does;
- `script` does not type-check annotations (there is no compiler to check them for).
"""
from __future__ import annotations

import copy
import functools
import inspect
import pickle
import warnings
from collections import OrderedDict

from ..nn.modules.module import Module

__all__ = ["script", "trace", "trace_module", "save", "load", "ScriptModule", "ScriptFunction",
           "RecursiveScriptModule", "TracedModule", "TopLevelTracedModule", "ignore", "unused", "export",
           "script_method", "is_scripting", "is_tracing", "annotate", "freeze", "optimize_for_inference",
           "Final", "Attribute", "interface"]

_NO_ARCHIVE = ("TorchScript archives are not produced by ember (it runs your Python directly and has no "
               "TorchScript compiler). Save the weights instead: ember.save(model.state_dict(), PATH), and "
               "load them into the same model class with model.load_state_dict(ember.load(PATH)).")
_NO_IR = "ember has no TorchScript IR: `{}` is not available. The object runs the original Python code."


def _deprecated(name):
    # torch 2.13 warns on these entry points; so does ember, with advice that works here
    warnings.warn(f"`torch.jit.{name}` is deprecated in PyTorch; use `torch.compile` or call the model "
                  "directly (in ember all three run the same Python).", DeprecationWarning, stacklevel=3)


def _no_archive(*_args, **_kwargs):
    raise NotImplementedError(_NO_ARCHIVE)


class ScriptModule(Module):
    """A Module that TorchScript would compile. Matches `torch.jit.ScriptModule`; runs as plain Python.

    `save`, `code` and `graph` raise NotImplementedError (no TorchScript archive or IR in ember).
    """

    def save(self, f, **kwargs):
        """Raises NotImplementedError: use `ember.save(model.state_dict(), f)`."""
        _no_archive()

    def save_to_buffer(self, *args, **kwargs):
        _no_archive()

    @property
    def code(self):
        raise NotImplementedError(_NO_IR.format("code"))

    @property
    def graph(self):
        raise NotImplementedError(_NO_IR.format("graph"))

    @property
    def inlined_graph(self):
        raise NotImplementedError(_NO_IR.format("inlined_graph"))

    @property
    def original_name(self) -> str:
        return getattr(type(self), "_ember_original_name", type(self).__name__)

    def __reduce_ex__(self, protocol):
        raise pickle.PicklingError("ScriptModules cannot be pickled. " + _NO_ARCHIVE)

    def __copy__(self):
        new = object.__new__(type(self))
        new.__setstate__(Module.__getstate__(self))
        return new

    def __deepcopy__(self, memo):
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.__setstate__(copy.deepcopy(Module.__getstate__(self), memo))
        return new


class RecursiveScriptModule(ScriptModule):
    """What `script(module)` returns: a copy of the module sharing its parameters and buffers."""


class TracedModule(ScriptModule):
    """A submodule of what `trace(module, ...)` returns."""


class TopLevelTracedModule(TracedModule):
    """What `trace(module, ...)` returns: a copy of the module sharing its parameters and buffers."""


_WRAPPER_CLASSES: dict = {}


def _wrapper_class(cls, kind):
    key = (cls, kind)
    w = _WRAPPER_CLASSES.get(key)
    if w is None:
        # same name as the user's class so that repr(model) reads the same; `original_name` gives it too
        ns = {"_ember_original_name": cls.__name__, "__module__": cls.__module__,
              "__qualname__": cls.__qualname__}
        w = type(cls.__name__, (kind, cls), ns)
        _WRAPPER_CLASSES[key] = w
    return w


def _wrap_module(m: Module, kind, child_kind):
    """A shallow copy of `m` (and, recursively, of its submodules) whose class also derives from `kind`.

    Parameters and buffers are the same objects as in `m` (training either one trains both, as in torch);
    the module tree, the hooks and the training flags are copies.
    """
    if isinstance(m, ScriptModule):
        return m
    new = object.__new__(_wrapper_class(type(m), kind))
    state = Module.__getstate__(m)
    for k, v in list(state.items()):
        if type(v) is OrderedDict:       # hook tables: the copy gets its own
            state[k] = OrderedDict(v)
    new.__setstate__(state)
    for name, child in list(new._modules.items()):
        if child is not None:
            setattr(new, name, _wrap_module(child, child_kind, child_kind))
    return new


class ScriptFunction:
    """A scripted or traced function. Matches `torch.jit.ScriptFunction`; calls the original function.

    `save`, `code` and `graph` raise NotImplementedError (no TorchScript archive or IR in ember).
    """

    def __init__(self, fn):
        self._fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def save(self, f, **kwargs):
        """Raises NotImplementedError (there is no TorchScript archive in ember)."""
        _no_archive()

    save_to_buffer = save

    @property
    def code(self):
        raise NotImplementedError(_NO_IR.format("code"))

    @property
    def graph(self):
        raise NotImplementedError(_NO_IR.format("graph"))

    @property
    def schema(self):
        raise NotImplementedError(_NO_IR.format("schema"))

    def __get__(self, obj, objtype=None):      # usable as a method, like a plain function
        return self if obj is None else functools.partial(self, obj)

    def __reduce_ex__(self, protocol):
        raise pickle.PicklingError("ScriptFunctions cannot be pickled. " + _NO_ARCHIVE)

    def __repr__(self):
        return f"<ember.jit.ScriptFunction {getattr(self._fn, '__qualname__', self._fn)!r}>"


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Matches `torch.jit.script`: a Module gives a RecursiveScriptModule (a copy sharing the parameters),
    a function gives a ScriptFunction; both run the original Python. A class is returned unchanged."""
    _deprecated("script")
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        return _wrap_module(obj, RecursiveScriptModule, RecursiveScriptModule)
    if inspect.isclass(obj):
        return obj
    if callable(obj):
        return ScriptFunction(obj)
    raise RuntimeError(f"Type '{type(obj).__name__}' cannot be compiled: ember.jit.script takes an "
                       "nn.Module, a function or a class")


_TRACING = [0]


def _run_example(fn, example_inputs, example_kwarg_inputs):
    if example_kwarg_inputs is not None:
        if not isinstance(example_kwarg_inputs, dict):
            raise RuntimeError("example_kwarg_inputs should be a dict, got "
                               f"{type(example_kwarg_inputs).__name__}")
        args, kwargs = (), example_kwarg_inputs
    elif example_inputs is None:
        raise RuntimeError("trace: example_inputs is required (a Tensor or a tuple of Tensors), "
                           "or pass example_kwarg_inputs")
    else:
        args, kwargs = (example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)), {}
    _TRACING[0] += 1
    try:
        fn(*args, **kwargs)
    finally:
        _TRACING[0] -= 1


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """Matches `torch.jit.trace`: runs `func` once on the example (errors surface here, as in torch) and
    returns a callable running the original Python. Unlike torch, control flow is not frozen to the branch
    the example took, so the result computes exactly what `func` computes on every input."""
    _deprecated("trace")
    if isinstance(func, (ScriptModule, ScriptFunction)):
        return func
    if isinstance(func, Module):
        _run_example(func, example_inputs, example_kwarg_inputs)
        return _wrap_module(func, TopLevelTracedModule, TracedModule)
    if not callable(func):
        raise RuntimeError(f"trace expects a Module or a function, got {type(func).__name__}")
    _run_example(func, example_inputs, example_kwarg_inputs)
    return ScriptFunction(func)


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
                 strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
                 example_inputs_is_kwarg=False, _store_inputs=True):
    """Matches `torch.jit.trace_module`: `inputs` maps method names to example inputs, each run once."""
    if not isinstance(mod, Module):
        raise AttributeError("expected torch.nn.Module as the first argument")
    if not isinstance(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")
    for name, example in inputs.items():
        method = getattr(mod, name)
        if example_inputs_is_kwarg:
            _run_example(method, None, example)
        else:
            _run_example(method, example, None)
    return _wrap_module(mod, TopLevelTracedModule, TracedModule)


def save(m, f, _extra_files=None):
    """Raises NotImplementedError: no TorchScript archive in ember. Use `ember.save(m.state_dict(), f)`."""
    _no_archive()


def load(f, map_location=None, _extra_files=None, _restore_shapes=False, **kwargs):
    """Raises NotImplementedError: ember cannot run a TorchScript archive (it has no TorchScript runtime)."""
    raise NotImplementedError("ember cannot load TorchScript archives (it has no TorchScript runtime). "
                              "Build the model in Python and load its weights: "
                              "model.load_state_dict(ember.load(PATH)), with PATH written by "
                              "torch.save(model.state_dict(), PATH).")


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """Matches `torch.jit.freeze` for what ember can honour: the module, unchanged (must be in eval mode)."""
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use torch.jit.script or "
                           "torch.jit.trace to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call "
                           ".eval() on your module before freezing.")
    return mod


def optimize_for_inference(mod, other_methods=None):
    """Matches `torch.jit.optimize_for_inference`: ember has no graph to optimize, so the eval-mode module."""
    if isinstance(mod, ScriptModule) and mod.training:
        mod = freeze(mod.eval())
    return mod


def _identity_decorator(fn=None, **kwargs):
    if fn is None:                   # used as @ignore(drop=True)
        return lambda f: f
    return fn


ignore = _identity_decorator
unused = _identity_decorator
export = _identity_decorator
script_method = _identity_decorator
interface = _identity_decorator


def is_scripting() -> bool:
    """False: ember never runs code as TorchScript. Matches `torch.jit.is_scripting` in eager mode."""
    return False


def is_tracing() -> bool:
    """True only while `trace` runs its example. Matches `torch.jit.is_tracing`."""
    return _TRACING[0] > 0


def annotate(the_type, the_value):
    """Matches `torch.jit.annotate`: returns `the_value` (the type is for TorchScript's compiler)."""
    return the_value


class _FinalMeta(type):
    def __getitem__(cls, item):
        return item


class Final(metaclass=_FinalMeta):
    """`torch.jit.Final[T]` annotation: accepted, means T."""


def Attribute(value, type=None):  # noqa: N802 - torch's name
    """Matches `torch.jit.Attribute`: returns `value`."""
    return value
