"""ember's layers hold by construction: every import statement (also inside functions) goes to the same
or a lower part of tests/layers.py, nothing imports the package face, the import graph has no cycle, and
nothing in ember imports torch. `python tests/test_layering.py` prints the violations."""
from __future__ import annotations

import ast
import os
import subprocess
import sys


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layers import EXCEPTIONS, PARTS  # noqa: E402

FACE = "ember/__init__.py"


def _files():
    out = []
    for root, _, files in os.walk(os.path.join(ROOT, "ember")):
        for f in files:
            if f.endswith(".py"):
                out.append(os.path.relpath(os.path.join(root, f), ROOT).replace(os.sep, "/"))
    return sorted(out)


def _module_file(mod, files):
    """The file of module `mod` ('ember.nn.functional'), or None when it is not an ember module."""
    p = mod.replace(".", "/")
    if p + ".py" in files:
        return p + ".py"
    if p + "/__init__.py" in files:
        return p + "/__init__.py"
    return None


def imports(path, files):
    """(line, target file) for every import statement of `path` that names an ember module."""
    tree = ast.parse(open(os.path.join(ROOT, path), encoding="utf-8").read(), path)
    mod = path[:-3].replace("/", ".")
    pkg = mod.rsplit(".", 1)[0] if not path.endswith("__init__.py") else mod[: -len(".__init__")]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                f = _module_file(a.name, files)
                if f:
                    out.append((node.lineno, f))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if not name.startswith("ember"):
                continue
            for a in node.names:     # `from pkg import submodule` imports the submodule, else the module
                f = _module_file(f"{name}.{a.name}", files) or _module_file(name, files)
                if f:
                    out.append((node.lineno, f))
    return out


def part_of(path):
    """The part whose path prefix matches `path` most specifically (a file's own entry beats its folder's)."""
    best, best_len = None, -1
    for name, prefixes, _ in PARTS:
        for p in prefixes:
            if (path == p or (not p.endswith(".py") and path.startswith(p))) and len(p) > best_len:
                best, best_len = name, len(p)
    if best is None:
        raise AssertionError(f"{path} belongs to no part of tests/layers.py: add it there")
    return best


def graph():
    files = set(_files())
    return {f: imports(f, files) for f in sorted(files)}


def violations():
    g = graph()
    uses = {name: set(u) | {name} for name, _, u in PARTS}
    bad = []
    for f, edges in g.items():
        pf = part_of(f)
        for line, t in edges:
            if t == f:
                continue
            if t == FACE:
                bad.append(f"{f}:{line} imports the package face ember/__init__.py")
                continue
            pt = part_of(t)
            if pt not in uses[pf] and (f, pt) not in EXCEPTIONS:
                bad.append(f"{f}:{line} ({pf}) imports {t} ({pt})")
    return bad


def cycles():
    """Strongly connected components of more than one file (Tarjan, iterative)."""
    g = {f: sorted({t for _, t in e if t != f}) for f, e in graph().items()}
    index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]
    for root in g:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter[0]
                counter[0] += 1
                stack.append(v)
                on.add(v)
            succ = g.get(v, [])
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return comps


def test_every_file_has_a_part():
    for f in _files():
        part_of(f)


def test_imports_go_down_only():
    bad = violations()
    assert not bad, "imports against tests/layers.py:\n" + "\n".join(bad)


def test_no_import_cycle():
    comps = cycles()
    assert not comps, "import cycles:\n" + "\n".join(" -> ".join(c) for c in comps)


def test_the_checker_sees_imports_inside_functions(tmp_path):
    # a lazy import inside a function is an edge like any other
    files = {"ember/a.py", "ember/b.py"}
    src = "def f():\n    from . import b\n    from .b import x\n    import ember.b\n"
    global ROOT
    old = ROOT
    os.makedirs(tmp_path / "ember")
    (tmp_path / "ember" / "a.py").write_text(src)
    (tmp_path / "ember" / "b.py").write_text("x = 1\n")
    ROOT = str(tmp_path)
    try:
        assert [t for _, t in imports("ember/a.py", files)] == ["ember/b.py"] * 3
    finally:
        ROOT = old


def test_no_torch_anywhere_in_ember():
    bad = []
    for f in _files():
        tree = ast.parse(open(os.path.join(ROOT, f), encoding="utf-8").read(), f)
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and not node.level and node.module else []
            bad += [(f, n) for n in names if n.split(".")[0] in ("torch", "torchvision")]
    assert not bad, f"ember must never import torch: {bad}"


def test_import_ember_loads_no_optional_subpackage():
    code = ("import sys, ember; heavy = [m for m in sys.modules if m.startswith(('ember.nn', 'ember.optim', "
            "'ember.vision', 'ember.utils.', 'ember.serialization', 'ember.distributed')) "
            "and m != 'ember.utils.hooks']; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.strip()
    assert out == "[]", out


if __name__ == "__main__":
    for line in violations():
        print(line)
    for c in cycles():
        print("cycle:", " -> ".join(c))


def _family_table():
    """{family: set of families it may import} from the table in docs/ARCHITECTURE.md."""
    text = open(os.path.join(ROOT, "docs", "ARCHITECTURE.md"), encoding="utf-8").read()
    section = text.split("## The op families", 1)[1]
    allowed = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        names = [n.strip("` ") for n in cells[0].split(",")]
        deps = set()
        if cells[2] != "none":
            for word in cells[2].replace("(", ",").replace(")", ",").split(","):
                word = word.strip()
                if word:
                    deps.add(word.split()[-1])      # "linear also dropout" -> dropout
        for n in names:
            allowed[n] = deps
    return allowed


def test_op_family_imports_match_the_architecture_table():
    allowed = _family_table()
    files = set(_files())
    fams = {f[len("ember/_ops/"):-3] for f in files
            if f.startswith("ember/_ops/") and not f.split("/")[-1].startswith("_")}
    assert set(allowed) == fams, f"families missing from / extra in docs/ARCHITECTURE.md: {set(allowed) ^ fams}"
    problems = []
    for fam in sorted(fams):
        used = {t[len("ember/_ops/"):-3] for _, t in imports(f"ember/_ops/{fam}.py", files)
                if t.startswith("ember/_ops/") and not t.split("/")[-1].startswith("_")} - {fam}
        if used - allowed[fam]:
            problems.append(f"{fam} imports {sorted(used - allowed[fam])}, not in its row of docs/ARCHITECTURE.md")
    assert not problems, "\n".join(problems)
