"""Sparse COO x dense products on a random graph (a GCN layer's propagation step), forward and backward.

A 5,000-node graph with 50,000 directed edges plus self loops (coalesced adjacency), 64 features:
`torch.spmm(adj, h)` alone, and one training step of two graph convolutions (spmm, relu, spmm,
log_softmax, nll_loss, backward) where the edge weights also require grad (GAT-style).

    python benchmarks/run.py sparse
"""
from __future__ import annotations

import numpy as np

N, E, F_IN, HID, K = 5000, 50000, 64, 32, 8


def _graph():
    rng = np.random.default_rng(0)
    e = np.hstack([rng.integers(0, N, size=(2, E)), np.tile(np.arange(N), (2, 1))])
    w = rng.random(e.shape[1]).astype(np.float32)
    x = rng.standard_normal((N, F_IN)).astype(np.float32)
    return e, w, x, rng


def workloads(lib):
    F = lib.nn.functional
    e, w, x, rng = _graph()
    adj = lib.sparse_coo_tensor(lib.tensor(e), lib.tensor(w), (N, N)).coalesce()
    h = lib.tensor(x)
    edge_w = lib.tensor(w, requires_grad=True)
    w1 = lib.tensor((rng.standard_normal((F_IN, HID)) * 0.1).astype(np.float32), requires_grad=True)
    w2 = lib.tensor((rng.standard_normal((HID, K)) * 0.1).astype(np.float32), requires_grad=True)
    y = lib.tensor(rng.integers(0, K, N))
    idx = lib.tensor(e)

    def spmm_forward():
        lib.spmm(adj, h)

    def gcn_step():
        a = lib.sparse_coo_tensor(idx, edge_w, (N, N))
        out = lib.spmm(a, F.relu(lib.spmm(a, h @ w1))) @ w2
        F.nll_loss(F.log_softmax(out, dim=1), y).backward()
        edge_w.grad = w1.grad = w2.grad = None

    return {"spmm_forward_5k_nodes": spmm_forward, "gcn_step_uncoalesced_weights": gcn_step}


if __name__ == "__main__":
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import ember
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from run import compare
    we, wt = workloads(ember), workloads(torch)
    for k in we:
        compare(k, we[k], wt[k])
