"""Imports flow down only (STYLE.md 8.2), and nothing in ember imports torch."""
from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

PKG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ember")


def _module_level_imports(path):
    """Absolute names imported at module level (function bodies may import lazily)."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    rel = os.path.relpath(path, os.path.dirname(PKG))[:-3].replace(os.sep, ".")
    pkg = rel.rsplit(".", 1)[0] if not rel.endswith("__init__") else rel[: -len(".__init__")]
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                out.append(".".join(base + ([node.module] if node.module else [])))
            else:
                out.append(node.module)
    return out


def _files():
    for root, _, files in os.walk(PKG):
        for f in files:
            if f.endswith(".py"):
                yield os.path.join(root, f)


def _all_imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.module


def test_no_torch_anywhere_in_ember():
    bad = [(os.path.relpath(p, PKG), m) for p in _files() for m in _all_imports(p)
           if m.split(".")[0] in ("torch", "torchvision")]
    assert not bad, f"ember must never import torch: {bad}"


# (package prefix, prefixes it must not import at module level)
RULES = [
    ("ember._ops", ("ember.nn", "ember.optim", "ember.utils", "ember.vision", "ember._tensor")),
    ("ember.optim", ("ember.nn", "ember.utils.data", "ember.vision")),
    ("ember.utils.data", ("ember.nn", "ember.optim", "ember.vision")),
    ("ember.nn.functional", ("ember.nn.modules",)),
    ("ember._tensor", ("ember.nn", "ember.optim", "ember.utils", "ember.vision")),
]


@pytest.mark.parametrize("prefix,forbidden", RULES)
def test_imports_flow_down(prefix, forbidden):
    bad = []
    for p in _files():
        mod = os.path.relpath(p, os.path.dirname(PKG))[:-3].replace(os.sep, ".")
        if not (mod == prefix or mod.startswith(prefix + ".")):
            continue
        for m in _module_level_imports(p):
            if m and any(m == f or m.startswith(f + ".") for f in forbidden):
                bad.append((mod, m))
    assert not bad, f"upward imports: {bad}"


def test_import_ember_loads_no_optional_subpackage():
    code = ("import sys, ember; heavy = [m for m in sys.modules if m.startswith(('ember.nn', 'ember.optim', "
            "'ember.vision', 'ember.utils.', 'ember.serialization')) and m != 'ember.utils.hooks']; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(PKG)).stdout.strip()
    assert out == "[]", out
