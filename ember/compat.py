"""Run an unmodified PyTorch script on ember.

    python -m ember.compat SCRIPT.py [ARGS...]     # or: python -m ember.compat -m package.module [ARGS...]

or, in a notebook, `import ember.compat; ember.compat.install()` before `import torch`.

`install()` puts an import hook first on `sys.meta_path` so that `torch`, `torch.X.Y`, `torchvision`
and `torchvision.X` resolve to `ember`, `ember.X.Y`, `ember.vision` and `ember.vision.X` (the
very same module objects: `torch.nn is ember.nn`). A module ember lacks raises
ModuleNotFoundError, and a missing name raises AttributeError, both saying it is not implemented
in ember, instead of a confusing error later.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys

__all__ = ["install", "uninstall", "installed", "main"]

_ROOTS = {"torch": "ember", "torchvision": "ember.vision"}
_SAVED = ("__spec__", "__loader__", "__package__", "__path__", "__file__", "__cached__")


def _target(fullname: str) -> str | None:
    root, _, rest = fullname.partition(".")
    base = _ROOTS.get(root)
    if base is None:
        return None
    return f"{base}.{rest}" if rest else base


def _missing_getattr(module_name: str):
    def __getattr__(name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}: "
                             f"'{name}' is not implemented in ember")
    return __getattr__


def _add_missing_hook(module) -> None:
    """Give an ember module a module-level __getattr__ with the 'not implemented in ember' message."""
    if "__getattr__" not in vars(module):
        try:
            module.__getattr__ = _missing_getattr(module.__name__)
        except (AttributeError, TypeError):  # pragma: no cover - exotic module objects
            pass


def _hook_all() -> None:
    # every imported ember module gets the clear missing-name message (`ember` has its own __getattr__)
    for name, module in list(sys.modules.items()):
        if name.startswith("ember.") and module is not None:
            _add_missing_hook(module)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target
        self._saved = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        # the import system stamps its own spec on the module; remember the real one to restore it
        self._saved = {k: vars(module)[k] for k in _SAVED if k in vars(module)}
        return module

    def exec_module(self, module):
        for k, v in (self._saved or {}).items():
            setattr(module, k, v)
        _hook_all()  # this import may have pulled in more ember modules (e.g. ember.nn.functional)


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        tgt = _target(fullname)
        if tgt is None:
            return None
        if tgt not in sys.modules:
            try:
                found = importlib.util.find_spec(tgt)
            except ModuleNotFoundError:
                found = None
            if found is None:
                raise ModuleNotFoundError(f"No module named {fullname!r}: {fullname} is not implemented "
                                          f"in ember (no module {tgt})", name=fullname)
        module = sys.modules.get(tgt)
        if module is not None:
            is_pkg = hasattr(module, "__path__")
        else:
            is_pkg = found.submodule_search_locations is not None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(tgt), is_package=is_pkg)


_FINDER = _AliasFinder()


def installed() -> bool:
    return _FINDER in sys.meta_path


def install() -> None:
    """Make `import torch` / `import torchvision` (and their submodules) import ember. Idempotent."""
    for root in _ROOTS:
        mod = sys.modules.get(root)
        if mod is not None and not getattr(mod, "__name__", "").startswith("ember"):
            raise RuntimeError(f"the real {root} is already imported in this process; call "
                               f"ember.compat.install() before anything imports {root}")
    if not installed():
        sys.meta_path.insert(0, _FINDER)
    _hook_all()


def uninstall() -> None:
    """Remove the hook and the `torch*`/`torchvision*` aliases (ember's own modules stay imported)."""
    if installed():
        sys.meta_path.remove(_FINDER)
    for name in list(sys.modules):
        aliased = getattr(sys.modules[name], "__name__", "").startswith("ember")
        if name.partition(".")[0] in _ROOTS and aliased:
            del sys.modules[name]


_USAGE = "usage: python -m ember.compat SCRIPT.py [ARGS...]   |   python -m ember.compat -m MODULE [ARGS...]"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE)
        print(__doc__.strip().splitlines()[0])
        return 0 if argv else 2
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(_USAGE, file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"ember.compat: can't open file {script!r}: no such file", file=sys.stderr)
        return 2
    sys.argv = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    # run through the importable copy so that the hook's state is shared with `import ember.compat`
    from ember import compat as _compat
    sys.exit(_compat.main())
