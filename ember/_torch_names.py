"""torch's names for ember's classes and functions, both ways, for whole-object pickles.

A model pickled whole (`torch.save(model)`) names every class by its module path:
`torch.nn.modules.linear.Linear`, `torch.optim.adam.Adam`, `torch.nn.functional.relu`. ember keeps
torch's file layout, so the same path with `torch` -> `ember` (`torchvision` -> `ember.vision`) is
ember's class. `ember.save` writes torch's names for ember's objects (`torch_name`), and a trusted load
(`weights_only=False`) reads them back as ember's (`ember_modules`). Objects defined in ember's private
modules (`ember._ops.activation.relu`) are written under the public namespace that holds them
(`torch.nn.functional.relu`).
"""
from __future__ import annotations

import sys

__all__ = ["torch_name", "ember_modules"]

# (ember's module, torch's module) of the public namespaces that re-export objects defined privately
_PUBLIC = (("ember.nn.functional", "torch.nn.functional"), ("ember", "torch"),
           ("ember.linalg", "torch.linalg"), ("ember.special", "torch.special"), ("ember.fft", "torch.fft"),
           ("ember.sparse", "torch.sparse"))
_ROOTS = (("ember.vision", "torchvision"), ("ember", "torch"))

# torch's C namespaces that a pickle may name (F.gelu is `torch._C._nn.gelu`): where ember has them
_C_MODULES = {"torch._C._nn": ("ember.nn.functional", "ember"), "torch._C._VariableFunctions": ("ember",),
              "torch._C._linalg": ("ember.linalg",), "torch._C._special": ("ember.special",),
              "torch._C._fft": ("ember.fft",), "torch._C._sparse": ("ember.sparse",)}


def _is_ember(module):
    return type(module) is str and (module == "ember" or module.startswith("ember."))


def torch_name(obj, name=None):
    """`(module, qualname)` naming ember class or function `obj` the way torch does; None if `obj` is
    not ember's."""
    module = getattr(obj, "__module__", None)
    if not _is_ember(module):
        return None
    qual = name or getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if type(qual) is not str:
        return None
    if any(part.startswith("_") for part in module.split(".")[1:]):
        for emod, tmod in _PUBLIC:
            ns = sys.modules.get(emod)
            if ns is not None and vars(ns).get(qual) is obj:
                return tmod, qual
    for e, t in _ROOTS:
        if module == e or module.startswith(e + "."):
            return t + module[len(e):], qual
    return None  # pragma: no cover - _is_ember guarantees a root matched


def ember_modules(module):
    """The ember modules to look in for torch module `module` (empty if it is not torch's)."""
    found = _C_MODULES.get(module)
    if found is not None:
        return found
    for e, t in _ROOTS:            # whole path components: "torchvision" is not under "torch"
        if module == t or module.startswith(t + "."):
            return (e + module[len(t):],)
    return ()

