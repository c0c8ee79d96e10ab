"""SVG and Graphviz DOT text for a laid-out graph (pure Python, no Graphviz needed for the SVG)."""
from __future__ import annotations

import itertools

from ._layout import layout

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
FONT_SIZE = 12
CHAR_W = 7.25        # advance of a 12 px monospace glyph (0.6 em), rounded up
LINE_H = 15.0
PAD_X, PAD_Y = 8.0, 5.0
MAX_CHARS = 56       # longer label lines are cut (the full text is in the box's tooltip)

FILL = {"fn": "#e4e4e4", "leaf": "#add8e6", "output": "#caff70", "saved": "#ffcc80", "module": "#fff3c4"}
_ids = itertools.count()


def esc(s: str) -> str:
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


def clip(line: str) -> str:
    return line if len(line) <= MAX_CHARS else line[:MAX_CHARS - 1] + "\u2026"


def box_size(lines):
    chars = max((len(clip(s)) for s in lines), default=0)
    return chars * CHAR_W + 2 * PAD_X, len(lines) * LINE_H + 2 * PAD_Y


def to_svg(nodes, edges, from_sinks=True) -> str:
    """`nodes`: [(kind, name, lines, tooltip)]; `edges`: [(src, dst, dashed)]; src is drawn above dst."""
    lay = layout([box_size(n[2]) for n in nodes], [(u, v) for u, v, _ in edges], from_sinks=from_sinks)
    pid = f"ember{next(_ids)}"
    w, h = max(lay.width, 2 * 12.0), max(lay.height, 2 * 12.0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="0 0 {w:.1f} {h:.1f}" font-family="{FONT}" font-size="{FONT_SIZE}">',
           f'<defs><marker id="{pid}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#444"/>'
           '</marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>', '<g class="edges">']
    for (u, v, dashed), d in zip(edges, lay.paths):
        dash = ' stroke-dasharray="4,3"' if dashed else ""
        out.append(f'<path class="edge" data-from="{pid}-n{u}" data-to="{pid}-n{v}" d="{d}" fill="none" '
                   f'stroke="#444" stroke-width="1.1"{dash} marker-end="url(#{pid}-arrow)"/>')
    dashed_src = {u for u, _, dashed in edges if dashed}
    for u, d in lay.trunks:
        dash = ' stroke-dasharray="4,3"' if u in dashed_src else ""
        out.append(f'<path class="bus" data-from="{pid}-n{u}" d="{d}" fill="none" stroke="#444" '
                   f'stroke-width="1.1"{dash}/>')
    out.append('</g><g class="nodes">')
    for i, (kind, name, lines, tip) in enumerate(nodes):
        bw, bh = lay.w[i], lay.h[i]
        x0, y0 = lay.x[i] - bw / 2, lay.y[i] - bh / 2
        out.append(f'<g class="node" id="{pid}-n{i}" data-kind="{kind}" data-name="{esc(name)}">'
                   f'<title>{esc(tip)}</title><rect x="{x0:.1f}" y="{y0:.1f}" width="{bw:.1f}" '
                   f'height="{bh:.1f}" rx="4" fill="{FILL[kind]}" stroke="#333"/>')
        for j, line in enumerate(lines):
            ty = y0 + PAD_Y + LINE_H * (j + 0.78)
            bold = ' font-weight="bold"' if j == 0 else ""
            out.append(f'<text x="{lay.x[i]:.1f}" y="{ty:.1f}" text-anchor="middle"{bold}>'
                       f'{esc(clip(line))}</text>')
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out)


def _dot_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(nodes, edges, name="ember") -> str:
    out = [f"digraph {_dot_str(name)} {{", "  graph [rankdir=TB];",
           '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];']
    for i, (kind, _, lines, tip) in enumerate(nodes):
        out.append(f"  n{i} [label={_dot_str(chr(10).join(lines))}, fillcolor={_dot_str(FILL[kind])}, "
                   f"tooltip={_dot_str(tip)}];")
    for u, v, dashed in edges:
        out.append(f"  n{u} -> n{v}" + (" [style=dashed];" if dashed else ";"))
    out.append("}")
    return "\n".join(out) + "\n"
