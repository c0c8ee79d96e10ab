"""ember.viz: the SVG is valid XML, boxes and arrows match the recorded graph one to one, the grad_fn
names equal torch's for the same computation, boxes never overlap, and the module tree shows the
output shapes torch's modules produce."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.viz import Drawing, draw_graph, draw_module

SVG = "{http://www.w3.org/2000/svg}"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse(drawing):
    root = ET.fromstring(drawing.svg)
    nodes = [g for g in root.iter(SVG + "g") if g.get("class") == "node"]
    edges = [p for p in root.iter(SVG + "path") if p.get("class") == "edge"]
    return root, nodes, edges


def walk(outputs):
    """Nodes and edges of the recorded graph, found independently of ember.viz: grad_fn nodes by
    identity, leaves by their variable, one output node each; an edge per non-None next_functions entry."""
    names, edges, seen, stack = Counter(), 0, set(), []
    for t in outputs:
        edges += 1
        stack.append(t.grad_fn)
    while stack:
        f = stack.pop()
        var = getattr(f, "variable", None)
        key = id(var) if var is not None else id(f)
        if key in seen:
            continue
        seen.add(key)
        names[f.name().split("::")[-1]] += 1
        for child, _ in f.next_functions:
            if child is not None:
                edges += 1
                stack.append(child)
    return names, len(seen) + len(outputs), edges


def drawn_names(nodes):
    return Counter(g.get("data-name") for g in nodes if g.get("data-kind") in ("fn", "leaf"))


def rects(nodes):
    out = []
    for g in nodes:
        r = g.find(SVG + "rect")
        x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
        out.append((x, y, x + w, y + h))
    return out


def assert_no_overlap(boxes):
    boxes = sorted(boxes)
    for i, (x0, y0, x1, y1) in enumerate(boxes):      # sweep over x: only boxes starting before x1 can meet
        for a0, b0, a1, b1 in boxes[i + 1:]:
            if a0 >= x1:
                break
            assert b0 >= y1 or b1 <= y0, f"boxes overlap: {(x0, y0, x1, y1)} and {(a0, b0, a1, b1)}"


# ---- the same computations in torch and in ember ------------------------------------------------------

def mlp(L, rng):
    x = L.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    w1 = L.tensor(rng.standard_normal((3, 5)).astype(np.float32), requires_grad=True)
    b1 = L.zeros(5, requires_grad=True)
    w2 = L.tensor(rng.standard_normal((5, 2)).astype(np.float32), requires_grad=True)
    h = (x @ w1 + b1).relu()
    return ((h @ w2).sigmoid() - 1).pow(2).mean()


def cnn(L, rng):
    F = L.nn.functional
    x = L.tensor(rng.standard_normal((2, 1, 8, 8)).astype(np.float32))
    w = L.tensor(rng.standard_normal((3, 1, 3, 3)).astype(np.float32), requires_grad=True)
    b = L.zeros(3, requires_grad=True)
    fc = L.tensor(rng.standard_normal((27, 4)).astype(np.float32), requires_grad=True)
    h = F.max_pool2d(F.relu(F.conv2d(x, w, b)), 2).flatten(1)
    return F.nll_loss(F.log_softmax(h @ fc, dim=1), L.tensor([1, 3]))


def shared(L, rng):
    x = L.tensor(rng.standard_normal(3), requires_grad=True)
    y = x.exp()                         # used three times: drawn once
    return (y * y + y.sin()).sum()


def layers(L, rng):
    nn = L.nn
    L.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.LayerNorm(18),
                      nn.Dropout(0.5))
    return m(L.tensor(rng.standard_normal((2, 1, 5, 5)).astype(np.float32))).sum()


# NOTE: nn.Linear is left out on purpose: torch records a TBackward0 for the weight's transpose that
# ember's recorder fuses into AddmmBackward0 (a difference of the recording core, drawn as recorded).
@pytest.mark.parametrize("build", [mlp, cnn, shared, layers])
def test_grad_fn_names_and_counts_equal_torchs(torch, build):
    t_names, _, _ = walk([build(torch, np.random.default_rng(0))])
    out = build(ember, np.random.default_rng(0))
    e_names, n_nodes, n_edges = walk([out])
    root, nodes, edges = parse(draw_graph(out))
    assert drawn_names(nodes) == t_names == e_names
    assert len(nodes) == n_nodes and len(edges) == n_edges
    assert root.tag == SVG + "svg"


def test_shared_subgraph_drawn_once(rng):
    out = shared(ember, rng)
    _, nodes, edges = parse(draw_graph(out))
    exp = [g for g in nodes if g.get("data-name") == "ExpBackward0"]
    assert len(exp) == 1
    from_exp = [e for e in edges if e.get("data-from") == exp[0].get("id")]
    assert len(from_exp) == 3       # into MulBackward0 twice (y * y) and SinBackward0 once


def test_labels_show_parameter_names_shapes_and_dtypes():
    ember.manual_seed(0)
    model = enn.Sequential(enn.Linear(3, 4), enn.ReLU(), enn.Linear(4, 2)).double()
    loss = model(ember.randn(5, 3, dtype=ember.float64)).pow(2).sum()
    _, nodes, _ = parse(draw_graph(loss, params=dict(model.named_parameters())))
    text = {g.get("data-name") + ":" + "|".join(t.text for t in g.iter(SVG + "text")) for g in nodes}
    assert "AccumulateGrad:AccumulateGrad|0.weight|(4, 3) float64" in text
    assert "AccumulateGrad:AccumulateGrad|2.bias|(2,) float64" in text
    assert "ReluBackward0:ReluBackward0|(5, 4) float64" in text
    assert "PowBackward0:PowBackward0|(5, 2) float64" in text
    assert "SumBackward0:SumBackward0|() float64" in text
    assert "output:output|() float64" in text


def test_show_saved_draws_each_saved_array_once_with_dashed_edges(rng):
    x = ember.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    w = ember.tensor(rng.standard_normal((4, 2)).astype(np.float32), requires_grad=True)
    y = (x @ w).tanh().sum()
    plain, saved = draw_graph(y), draw_graph(y, show_saved=True)
    mm = y.grad_fn.next_functions[0][0].next_functions[0][0]
    arrays = {id(v) for c, v in zip(mm.op.saves, mm.saved) if c != "c"}
    tanh = y.grad_fn.next_functions[0][0]
    arrays |= {id(v) for c, v in zip(tanh.op.saves, tanh.saved) if c != "c"}
    _, nodes, edges = parse(saved)
    kinds = Counter(g.get("data-kind") for g in nodes)
    assert kinds["saved"] == len(arrays) and saved.num_nodes == plain.num_nodes + len(arrays)
    dashed = [e for e in edges if e.get("stroke-dasharray")]
    assert len(dashed) == saved.num_edges - plain.num_edges > 0
    y.backward()        # backward frees what was saved: nothing left to draw
    assert draw_graph(y, show_saved=True).num_nodes == plain.num_nodes


def test_several_outputs_and_a_leaf_output():
    x = ember.ones(2, requires_grad=True)
    a, b = x * 2, x.exp()
    d = draw_graph((a, b, x), params={"x": x})
    _, nodes, edges = parse(d)
    assert Counter(g.get("data-kind") for g in nodes) == {"output": 3, "fn": 2, "leaf": 1}
    assert len(edges) == 5          # Mul <- x, Exp <- x, and one edge into each output


def test_big_graph_no_overlaps_and_edges_end_on_boxes():
    W = ember.randn(8, 8, requires_grad=True)
    U = ember.randn(8, 8, requires_grad=True)
    h, xs = ember.zeros(1, 8), ember.randn(120, 1, 8)
    for i in range(120):                # an unrolled RNN: W and U feed every step
        h = (h @ W + xs[i] @ U).tanh()
    out = h.sum()
    d = draw_graph(out, params={"W": W, "U": U})
    _, nodes, edges = parse(d)
    _, n_nodes, n_edges = walk([out])
    assert len(nodes) == n_nodes > 480 and len(edges) == n_edges
    boxes = rects(nodes)
    assert_no_overlap(boxes)
    by_id = {g.get("id"): box for g, box in zip(nodes, boxes)}
    for e in edges:                     # every arrow ends on the top side of its target box
        end = re.findall(r"(-?[\d.]+),(-?[\d.]+)", e.get("d"))[-1]
        x0, y0, x1, _ = by_id[e.get("data-to")]
        last_v = re.findall(r"V(-?[\d.]+)$", e.get("d"))
        y_end = float(last_v[0]) if last_v else float(end[1])
        assert abs(y_end - y0) < 0.2 and x0 <= float(end[0]) <= x1


def test_save_svg_and_dot(tmp_path):
    x = ember.ones(3, requires_grad=True)
    d = draw_graph((x.sin() * x).sum(), params={"x": x})
    assert d._repr_svg_() == d.svg and isinstance(d, Drawing)
    d.save(tmp_path / "g.svg")
    d.save(str(tmp_path / "g.dot"))
    assert ET.parse(tmp_path / "g.svg").getroot().tag == SVG + "svg"
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith('digraph "autograd" {') and dot.rstrip().endswith("}")
    assert len(re.findall(r"^  n\d+ \[label=", dot, re.M)) == d.num_nodes
    assert len(re.findall(r"^  n\d+ -> n\d+", dot, re.M)) == d.num_edges
    with pytest.raises(ValueError, match=r"\.svg or \.dot"):
        d.save(tmp_path / "g.png")
    assert sorted(os.listdir(tmp_path)) == ["g.dot", "g.svg"]       # no temporary file left behind


def test_bad_input_errors():
    with pytest.raises(TypeError, match="expected a Tensor"):
        draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="does not require grad"):
        draw_graph(ember.ones(2) * 2)
    with pytest.raises(TypeError, match="params must be a dict"):
        draw_graph(ember.ones(2, requires_grad=True) * 2, params=[1])
    with pytest.raises(TypeError, match="expected an nn.Module"):
        draw_module(lambda x: x, ember.ones(1))


def test_module_tree_shapes_match_torch_hooks(torch, rng):
    def build(nn):
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Sequential(nn.MaxPool2d(2), nn.Flatten()),
                             nn.Linear(4 * 3 * 3, 5))
    x = rng.standard_normal((2, 1, 8, 8)).astype(np.float32)
    tm = build(torch.nn)
    shapes = {}

    def record(name):
        def hook(mod, args, out):
            shapes.setdefault(name, tuple(out.shape))
        return hook
    for name, m in tm.named_modules():
        m.register_forward_hook(record(name))
    tm(torch.from_numpy(x))
    em = build(enn)
    d = draw_module(em, ember.from_numpy(x))
    _, nodes, edges = parse(d)
    assert len(nodes) == len(list(em.named_modules())) == len(shapes) and len(edges) == len(nodes) - 1
    lines = [[t.text for t in g.iter(SVG + "text")] for g in nodes]
    for (name, _), ls in zip(em.named_modules(), lines):
        shape = "(" + ", ".join(map(str, shapes[name])) + ")"
        assert ls[1] == f"out {shape} float32", (name, ls)
        assert ls[0] == (f"{name}: {type(em.get_submodule(name)).__name__}" if name else "Sequential")
    assert lines[1][2] == "params 40" and lines[0][2] == "params 225"
    assert_no_overlap(rects(nodes))


def test_committed_example_svg_is_valid():
    root = ET.parse(os.path.join(ROOT, "docs", "graph.svg")).getroot()
    names = {g.get("data-name") for g in root.iter(SVG + "g") if g.get("class") == "node"}
    assert {"AddmmBackward0", "AccumulateGrad", "output"} <= names


CHECK_PAGE = """<!DOCTYPE html><html><body>%s<pre id="result">pending</pre><script>
const bad = [];
const nodes = document.querySelectorAll('g.node');
const boxes = [];
nodes.forEach(g => {
  const r = g.querySelector('rect').getBBox();
  boxes.push(r);
  g.querySelectorAll('text').forEach(t => {
    const b = t.getBBox();
    if (b.width === 0 || b.x < r.x || b.y < r.y || b.x + b.width > r.x + r.width ||
        b.y + b.height > r.y + r.height)
      bad.push('text outside its box: ' + t.textContent);
  });
});
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const a = boxes[i], b = boxes[j];
  if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
    bad.push('overlap ' + i + ' ' + j);
}
document.getElementById('result').textContent = 'nodes=' + nodes.length + ' texts=' +
  document.querySelectorAll('g.node text').length + ' bad=' + JSON.stringify(bad);
</script></body></html>"""


def test_rendered_in_headless_chromium(tmp_path):
    """Optional: needs Debian's chromium (`apt-get install chromium`); CI does not install it."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium is not installed (optional browser check; apt-get install chromium)")
    ember.manual_seed(0)
    model = enn.Sequential(enn.Linear(3, 4), enn.ReLU(), enn.Linear(4, 2))
    d = draw_graph(model(ember.randn(5, 3)).sum(), params=dict(model.named_parameters()), show_saved=True)
    page = tmp_path / "page.html"
    page.write_text(CHECK_PAGE % d.svg)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    r = subprocess.run([exe, *flags, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="result">(.*?)</pre>', r.stdout)
    assert m, r.stderr[-2000:]
    n_texts = sum(len(n[2]) for n in d.nodes)
    assert m.group(1) == f"nodes={d.num_nodes} texts={n_texts} bad=[]"
