"""`torch.layout` objects: how a tensor's elements are stored (`torch.strided`, `torch.sparse_coo`)."""
from __future__ import annotations

__all__ = ["layout", "strided", "sparse_coo"]


class layout:
    """A tensor's memory layout: `ember.strided` (dense) or `ember.sparse_coo`. Matches `torch.layout`."""

    __slots__ = ("_name",)
    __module__ = "ember"

    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def __setattr__(self, name, value):
        raise AttributeError(f"torch.layout objects are immutable (cannot set {name!r})")

    def __repr__(self):
        return "torch." + self._name

    def __reduce__(self):
        return (_layout_by_name, (self._name,))


strided = layout("strided")
sparse_coo = layout("sparse_coo")
_BY_NAME = {"strided": strided, "sparse_coo": sparse_coo}


def _layout_by_name(name):
    return _BY_NAME[name]
