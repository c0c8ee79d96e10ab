"""Layered (Sugiyama-style) layout of a DAG, in pure Python.

1. Layers: longest path, counted from the sinks (`from_sinks=True`: each node sits just above its
   highest consumer, so a parameter is drawn next to the op that uses it) or from the sources.
2. Edges spanning several layers pass through one dummy point per crossed layer, so they run between
   the boxes of the layers they cross, never through a box. The long edges leaving one node share
   a single trunk of dummies (drawn once) and branch off it, so a weight used by every step of an
   unrolled loop is one line with branches, and the cost stays linear.
3. Crossing reduction: barycenter sweeps down and up; the order with the fewest crossings is kept.
4. Coordinates: layer by layer, the positions minimising the weighted L1 distance of each node to its
   neighbours, keeping order and gaps (isotonic regression, solved exactly by pool-adjacent-violators
   with weighted medians). L1, unlike least squares, keeps chains and trunks straight.
5. Edge paths: vertical inside a layer's band, a smooth cubic between bands; edges get their own
   ports on the box side, spread in the order of the other end, so parallel edges stay apart.

Each sweep is O((V + E) log V) (plus the merges of colliding blocks); the number of sweeps is fixed.
"""
from __future__ import annotations

H_GAP = 18.0         # horizontal space between two boxes of a layer
LAYER_GAP = 42.0     # vertical space between two layers (where edges bend)
MARGIN = 12.0
DUMMY_W = 8.0        # width reserved for an edge crossing a layer
SWEEPS = 8


class Layout:
    """Result: node centres and sizes, one SVG path per edge, and the drawing's size."""

    __slots__ = ("x", "y", "w", "h", "paths", "trunks", "width", "height", "layer")

    def __init__(self, x, y, w, h, paths, trunks, width, height, layer):
        self.x, self.y, self.w, self.h = x, y, w, h
        self.paths, self.trunks = paths, trunks      # trunks: [(source node, path data)]
        self.width, self.height, self.layer = width, height, layer


def _layers(n, edges, from_sinks):
    succ = [[] for _ in range(n)]
    pred = [[] for _ in range(n)]
    for u, v in edges:
        succ[u].append(v)
        pred[v].append(u)
    # Kahn's algorithm, in the direction the ranks are counted
    first, second = (succ, pred) if from_sinks else (pred, succ)
    left = [len(first[v]) for v in range(n)]
    rank = [0] * n
    stack = [v for v in range(n) if left[v] == 0]
    done = 0
    while stack:
        v = stack.pop()
        done += 1
        r = rank[v] + 1
        for u in second[v]:
            if rank[u] < r:
                rank[u] = r
            left[u] -= 1
            if left[u] == 0:
                stack.append(u)
    if done != n:
        raise ValueError("the graph has a cycle; a layered drawing needs a DAG")
    if from_sinks:
        top = max(rank, default=0)
        return [top - r for r in rank]
    return rank


def _crossings(order_up, order_down, up_adj):
    """Crossings between two adjacent layers (edges given as the upper neighbours of each lower node)."""
    pos_up = {v: i for i, v in enumerate(order_up)}
    pairs = []
    for j, v in enumerate(order_down):
        for u in up_adj[v]:
            pairs.append((pos_up[u], j))
    if len(pairs) < 2:
        return 0
    pairs.sort()
    # count inversions in the lower positions with a Fenwick tree
    size = len(order_down)
    tree = [0] * (size + 1)
    total = 0
    seen = 0
    for _, j in pairs:
        # edges already seen whose lower end is right of j cross this one
        i, s = j + 1, 0
        while i > 0:
            s += tree[i]
            i -= i & -i
        total += seen - s
        seen += 1
        i = j + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return total


def _total_crossings(layers, up_adj):
    return sum(_crossings(layers[i - 1], layers[i], up_adj) for i in range(1, len(layers)))


def _sweep(layers, adj, down):
    """One barycenter pass; `adj` gives each node's neighbours in the previous layer of the pass."""
    rng = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
    pos = {}
    for layer in layers:
        for i, v in enumerate(layer):
            pos[v] = i
    for li in rng:
        layer = layers[li]
        keys = []
        for i, v in enumerate(layer):
            nb = adj[v]
            if nb:
                keys.append((sum(pos[u] for u in nb) / len(nb), i, v))
            else:
                keys.append((float(i), i, v))
        keys.sort()
        layer[:] = [v for _, _, v in keys]
        for i, v in enumerate(layer):
            pos[v] = i


def _weighted_median(pts, total):
    half = total / 2
    acc = 0.0
    for v, w in pts:
        acc += w
        if acc >= half:
            return v
    return pts[-1][0]


def _place_layer(offs, points):
    """Positions for one layer: minimise the weighted L1 distance of each node to its neighbours' positions
    (`points[i]` = [(position, weight)]), keeping the order and the gaps `offs`. Pool adjacent violators
    with a weighted median per block; L1 (not least squares) keeps chains and long edges straight."""
    blocks = []     # [sorted points, total weight, median, count]
    for i, pts in enumerate(points):
        o = offs[i]
        cur = sorted((p - o, w) for p, w in pts)
        tw = sum(w for _, w in cur)
        blk = [cur, tw, _weighted_median(cur, tw), 1]
        while blocks and blocks[-1][2] > blk[2]:
            prev = blocks.pop()
            merged = sorted(prev[0] + blk[0])
            tw = prev[1] + blk[1]
            blk = [merged, tw, _weighted_median(merged, tw), prev[3] + blk[3]]
        blocks.append(blk)
    out = []
    i = 0
    for _, _, m, cnt in blocks:
        for _ in range(cnt):
            out.append(m + offs[i])
            i += 1
    return out


def _coordinates(layers, up_adj, down_adj, widths, is_dummy):
    x = {}
    offsets = []
    for layer in layers:
        offs = [0.0] * len(layer)
        for i in range(1, len(layer)):
            offs[i] = offs[i - 1] + (widths[layer[i - 1]] + widths[layer[i]]) / 2 + H_GAP
        offsets.append(offs)
        for v, o in zip(layer, offs):
            x[v] = o

    def weight(u, v):
        return 8.0 if is_dummy[u] and is_dummy[v] else 1.0

    for sweep in range(SWEEPS):
        moved = 0.0
        order = range(len(layers)) if sweep % 2 == 0 else range(len(layers) - 1, -1, -1)
        for li in order:
            layer = layers[li]
            points = []
            for v in layer:
                # a light anchor at the current position settles ties (flat stretches of the L1 cost)
                pts = [(x[v], 0.01)]
                pts += [(x[u], weight(u, v)) for u in up_adj[v]]
                pts += [(x[u], weight(u, v)) for u in down_adj[v]]
                points.append(pts)
            for v, xv in zip(layer, _place_layer(offsets[li], points)):
                moved = max(moved, abs(xv - x[v]))
                x[v] = xv
        if moved < 0.5:
            break
    return x


def layout(sizes, edges, from_sinks=True):
    """Lay out nodes of `sizes` [(width, height)] joined by `edges` [(upper, lower)]: a Layout."""
    n = len(sizes)
    rank = _layers(n, edges, from_sinks)
    n_layers = max(rank, default=-1) + 1
    widths = [float(w) for w, _ in sizes]
    heights = [float(h) for _, h in sizes]
    is_dummy = [False] * n
    up_adj = [[] for _ in range(n)]
    down_adj = [[] for _ in range(n)]
    # long edges leaving the same node share one trunk of dummies (a bus: a weight used by every step of
    # an unrolled loop is one vertical line with branches, not hundreds of parallel lines)
    trunks = {}
    for u, v in edges:
        if rank[v] - rank[u] > 1:
            trunks[u] = max(trunks.get(u, 0), rank[v] - rank[u] - 1)
    for u, length in trunks.items():
        trunk = []
        prev = u
        for li in range(rank[u] + 1, rank[u] + 1 + length):
            d = len(widths)
            widths.append(DUMMY_W)
            heights.append(0.0)
            is_dummy.append(True)
            up_adj.append([prev])
            down_adj.append([])
            down_adj[prev].append(d)
            rank.append(li)
            trunk.append(d)
            prev = d
        trunks[u] = trunk
    chains = []
    for u, v in edges:
        chain = [u] + (trunks[u][:rank[v] - rank[u] - 1] if rank[v] - rank[u] > 1 else []) + [v]
        down_adj[chain[-2]].append(v)
        up_adj[v].append(chain[-2])
        chains.append(chain)

    layers = [[] for _ in range(n_layers)]
    for v in _initial_order(n, len(widths), rank, down_adj):
        layers[rank[v]].append(v)
    best = [list(layer) for layer in layers]
    best_c = _total_crossings(layers, up_adj)
    for _ in range(SWEEPS // 2):
        if best_c == 0:
            break
        _sweep(layers, up_adj, True)
        _sweep(layers, down_adj, False)
        c = _total_crossings(layers, up_adj)
        if c < best_c:
            best, best_c = [list(layer) for layer in layers], c
    layers = best

    x = _coordinates(layers, up_adj, down_adj, widths, is_dummy)
    min_x = min((x[v] - widths[v] / 2 for v in x), default=0.0)
    shift = MARGIN - min_x
    for v in x:
        x[v] += shift

    band_top, band_h = [], []
    top = MARGIN
    for layer in layers:
        h = max((heights[v] for v in layer), default=0.0)
        band_top.append(top)
        band_h.append(h)
        top += h + LAYER_GAP
    height = top - LAYER_GAP + MARGIN if layers else 2 * MARGIN
    width = max((x[v] + widths[v] / 2 for v in x), default=0.0) + MARGIN
    y = [band_top[rank[v]] + band_h[rank[v]] / 2 for v in range(n)]

    paths, trunk_paths = _route(chains, trunks, x, y, widths, heights, rank, band_top, band_h, n)
    return Layout([x[v] for v in range(n)], y, widths[:n], heights[:n], paths, trunk_paths, width, height,
                  rank[:n])


def _initial_order(n, total, rank, down_adj):
    """Depth-first order from the top layer, following edges downwards: related nodes start together."""
    seen = [False] * total
    order = []
    roots = sorted(range(n), key=lambda v: (rank[v], v))
    for r in roots:
        if seen[r]:
            continue
        stack = [r]
        while stack:
            v = stack.pop()
            if seen[v]:
                continue
            seen[v] = True
            order.append(v)
            stack.extend(reversed(down_adj[v]))
    return order


def _ports(node_x, width, ends):
    """Port x positions on one side of a box: `ends` = [(edge, neighbour point id, its x)]. Edges through
    the same neighbour point (a shared trunk) share a port; the others are spread in the neighbours' order."""
    groups = {}
    for e, nb, nx in ends:
        groups.setdefault(nb, (nx, len(groups), []))[2].append(e)
    k = len(groups)
    span = min(width - 12.0, 14.0 * (k - 1)) if k > 1 else 0.0
    out = {}
    for j, (_, _, es) in enumerate(sorted(groups.values())):
        px = node_x if k == 1 else node_x - span / 2 + span * j / (k - 1)
        for e in es:
            out[e] = px
    return out


def _route(chains, trunks, x, y, widths, heights, rank, band_top, band_h, n):
    """SVG path data: one per edge, and one per trunk (the shared run of a node's long edges)."""
    out_ends = [[] for _ in range(n)]   # (edge index, next point, its x)
    in_ends = [[] for _ in range(n)]
    for e, chain in enumerate(chains):
        out_ends[chain[0]].append((e, chain[1], x[chain[1]]))
        in_ends[chain[-1]].append((e, chain[-2], x[chain[-2]]))
    out_port, in_port = {}, {}
    for v in range(n):
        if out_ends[v]:
            out_port.update(_ports(x[v], widths[v], out_ends[v]))
        if in_ends[v]:
            in_port.update(_ports(x[v], widths[v], in_ends[v]))

    def leave(v):                       # the point where a path leaves v's layer band
        return band_top[rank[v]] + band_h[rank[v]]

    def enter(seg, cx, cy, nx, ny):     # a smooth bend from (cx, cy) down to (nx, ny)
        if abs(nx - cx) < 0.05:
            seg.append(f"V{ny:.1f}")
        else:
            mid = (cy + ny) / 2
            seg.append(f"C{cx:.1f},{mid:.1f} {nx:.1f},{mid:.1f} {nx:.1f},{ny:.1f}")

    # a trunk: down from its node's port through each dummy (vertical inside a band, bending between)
    trunk_paths = []
    trunk_port = {}
    for e, chain in enumerate(chains):
        if len(chain) > 2:
            trunk_port.setdefault(chain[0], out_port[e])
    for u, trunk in trunks.items():
        cx, cy = trunk_port[u], y[u] + heights[u] / 2
        seg = [f"M{cx:.1f},{cy:.1f}"]
        if leave(u) > cy:
            seg.append(f"V{leave(u):.1f}")
        cy = leave(u)
        for d in trunk:
            enter(seg, cx, cy, x[d], band_top[rank[d]])
            cx, cy = x[d], leave(d)
            seg.append(f"V{cy:.1f}")
        trunk_paths.append((u, "".join(seg)))

    paths = []
    for e, chain in enumerate(chains):
        u, v = chain[0], chain[-1]
        if len(chain) > 2:              # starts where it branches off its trunk
            d = chain[-2]
            cx, cy = x[d], leave(d)
            seg = [f"M{cx:.1f},{cy:.1f}"]
        else:
            cx, cy = out_port[e], y[u] + heights[u] / 2
            seg = [f"M{cx:.1f},{cy:.1f}"]
            if leave(u) > cy:
                seg.append(f"V{leave(u):.1f}")
            cy = leave(u)
        nx, ny = in_port[e], band_top[rank[v]]
        enter(seg, cx, cy, nx, ny)
        top_v = y[v] - heights[v] / 2
        if top_v > ny:
            seg.append(f"V{top_v:.1f}")
        paths.append("".join(seg))
    return paths, trunk_paths
