# A graph convolutional network (Kipf & Welling style) on a small random graph with a sparse adjacency.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)
n_nodes, n_feat, n_hid, n_class = 60, 12, 16, 3

# a graph with three communities: most edges stay inside a community
labels_np = rng.integers(0, n_class, n_nodes)
src = rng.integers(0, n_nodes, 400)
dst = np.where(rng.random(400) < 0.8,
               np.array([rng.choice(np.flatnonzero(labels_np == labels_np[s])) for s in src]),
               rng.integers(0, n_nodes, 400))
features_np = (rng.standard_normal((n_nodes, n_feat)) + labels_np[:, None] * 0.5).astype(np.float32)

# normalised adjacency with self loops: D^-1/2 (A + I) D^-1/2, built as a sparse COO tensor
edges = np.hstack([np.vstack([src, dst]), np.vstack([dst, src]), np.tile(np.arange(n_nodes), (2, 1))])
a = torch.sparse_coo_tensor(torch.from_numpy(edges), torch.ones(edges.shape[1]), (n_nodes, n_nodes))
a = a.coalesce()
print("adjacency", a.shape, a.layout, a.is_sparse, a._nnz(), "entries after coalescing", a.is_coalesced())
deg = torch.sparse.sum(a, dim=1).to_dense()
print("degree range", deg.min().item(), deg.max().item())
d_inv_sqrt = deg.pow(-0.5)
idx = a.indices()
adj = torch.sparse_coo_tensor(idx, a.values() * d_inv_sqrt[idx[0]] * d_inv_sqrt[idx[1]], a.shape)
print("row sums of the normalised adjacency", torch.sparse.sum(adj, dim=1).to_dense()[:4])

small = torch.tensor([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 3.0]]).to_sparse()
print(small)
print(small.to_dense())
print(small.t().coalesce().values(), torch.sparse.sum(small))


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features, seed):
        super().__init__()
        w = np.random.default_rng(seed).uniform(-1, 1, (in_features, out_features)) / np.sqrt(out_features)
        self.weight = nn.Parameter(torch.from_numpy(w.astype(np.float32)))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x, adj):
        support = torch.mm(x, self.weight)
        return torch.spmm(adj, support) + self.bias


class GCN(nn.Module):
    def __init__(self):
        super().__init__()
        self.gc1 = GraphConvolution(n_feat, n_hid, 1)
        self.gc2 = GraphConvolution(n_hid, n_class, 2)

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        return F.log_softmax(self.gc2(x, adj), dim=1)


features = torch.from_numpy(features_np)
labels = torch.from_numpy(labels_np)
train = torch.arange(0, 40)
test = torch.arange(40, n_nodes)
model = GCN()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05, weight_decay=5e-4)
for epoch in range(30):
    optimizer.zero_grad()
    out = model(features, adj)
    loss = F.nll_loss(out[train], labels[train])
    loss.backward()
    optimizer.step()
    if epoch % 10 == 9:
        acc = (out[train].argmax(1) == labels[train]).float().mean().item()
        print(f"epoch {epoch + 1} loss {loss.item():.4f} train acc {acc:.3f}")

model.eval()
with torch.no_grad():
    out = model(features, adj)
print("test accuracy", (out[test].argmax(1) == labels[test]).float().mean().item())

# learnable edge weights (attention-like): the gradient reaches the values of the sparse tensor
edge_logits = torch.zeros(idx.shape[1], requires_grad=True)
weighted = torch.sparse_coo_tensor(idx, torch.sigmoid(edge_logits), a.shape)
h = torch.sparse.mm(weighted, features)
h.pow(2).mean().backward()
print("edge weight gradient", edge_logits.grad.shape, f"{edge_logits.grad.abs().sum().item():.5f}")
print("sparse @ dense", (adj @ features[:, :2]).sum(0), "dense @ sparse", (features[:, :2].t() @ adj).sum(1))
