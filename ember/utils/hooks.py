"""`ember.utils.hooks.RemovableHandle`: what every `register_*hook` returns (tensors, graph nodes, modules,
optimizers)."""
from __future__ import annotations

import itertools
import weakref

__all__ = ["RemovableHandle"]

_ids = itertools.count()


class RemovableHandle:
    """`remove()` unregisters one hook. Matches `torch.utils.hooks.RemovableHandle`.

    Hooks kept in dicts are stored under `handle.id` (weakly referenced dicts, as in torch); a hook
    kept in a list (a tensor's or a graph node's ordered hooks) is removed by identity.
    """

    def __init__(self, hooks_dict, *, extra_dict=None, item=None):
        self.id = next(_ids)
        self._item = item
        if isinstance(hooks_dict, dict):
            self.hooks_dict_ref = weakref.ref(hooks_dict)
        else:
            self.hooks_dict_ref = lambda c=hooks_dict: c       # lists cannot be weakly referenced
        extra = [] if extra_dict is None else (extra_dict if isinstance(extra_dict, list) else [extra_dict])
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra)

    def remove(self) -> None:
        c = self.hooks_dict_ref()
        if isinstance(c, dict):
            c.pop(self.id, None)
        elif c is not None:
            try:
                c.remove(self._item)
            except ValueError:
                pass
        for r in self.extra_dict_ref:
            d = r()
            if d is not None:
                d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
