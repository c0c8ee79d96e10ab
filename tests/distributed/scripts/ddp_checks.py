"""DDP on 2 ranks against one process computing the same thing by hand; prints `ok <check>` per check."""
import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
R, W = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(3)
B = 4
X = rng.standard_normal((20, W * B, 10)).astype(np.float32)
Y = rng.integers(0, 4, (20, W * B))


def make(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 4))


def loss_fn(model, x, y):
    return nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))


def same_everywhere(tensors):
    mine = np.concatenate([t.detach().numpy().ravel() for t in tensors])
    all_ = [None] * W
    dist.all_gather_object(all_, mine)
    return all(np.array_equal(all_[0], a) for a in all_)


def close(a, b, rtol=1e-5, atol=1e-6):
    return all(np.allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol, atol=atol)
               for p, q in zip(a, b))


# 1. 2 ranks x batch B == one process on batch 2B, for 20 Adam steps; tiny buckets (several of them)
dist._DEFAULT_FIRST_BUCKET_BYTES = 512
for as_view in (False, True):
    model = make(seed=R)       # different start on each rank: DDP broadcasts rank 0's parameters
    ddp = DDP(model, bucket_cap_mb=0.001, gradient_as_bucket_view=as_view)
    assert len(ddp._buckets) > 1
    ref = make(seed=0)
    assert close(model.parameters(), ref.parameters(), 0, 0)
    opt = torch.optim.Adam(ddp.parameters(), lr=1e-2)
    ropt = torch.optim.Adam(ref.parameters(), lr=1e-2)
    for s in range(20):
        opt.zero_grad(set_to_none=s % 2 == 0)
        loss_fn(ddp, X[s, R * B:(R + 1) * B], Y[s, R * B:(R + 1) * B]).backward()
        opt.step()
        ropt.zero_grad()
        loss_fn(ref, X[s], Y[s]).backward()
        ropt.step()
    assert close(model.parameters(), ref.parameters()), "DDP != single process on the doubled batch"
    assert same_everywhere(list(model.parameters())), "replicas differ"
    print(f"ok equivalence view={as_view}", flush=True)

# 2. no_sync: two local micro-batches accumulate, the third backward averages the sum
model, ref = make(), make()
ddp = DDP(model)
with ddp.no_sync():
    loss_fn(ddp, X[0, R * B:(R + 1) * B], Y[0, R * B:(R + 1) * B]).backward()
    local = [p.grad.clone() for p in model.parameters()]
loss_fn(ddp, X[1, R * B:(R + 1) * B], Y[1, R * B:(R + 1) * B]).backward()
for r in range(W):
    loss_fn(ref, X[0, r * B:(r + 1) * B], Y[0, r * B:(r + 1) * B]).backward()
    loss_fn(ref, X[1, r * B:(r + 1) * B], Y[1, r * B:(r + 1) * B]).backward()
assert close([p.grad for p in model.parameters()], [p.grad / W for p in ref.parameters()])
assert not same_everywhere(local), "no_sync still synchronised"
print("ok no_sync", flush=True)


# 3. find_unused_parameters: rank 0 uses head a, the other ranks head b; head c is unused everywhere
class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.a, self.b, self.c = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x, use_a):
        return self.a(x) if use_a else self.b(x)


net = DDP(Heads(), find_unused_parameters=True)
x = torch.ones(2, 3) * (R + 1)
for _ in range(2):                 # a second iteration must not raise
    net.zero_grad()
    net(x, R == 0).sum().backward()
ga = torch.ones(2, 3) * 2.0 / W            # d(sum)/dW of rank 0's input (all ones, 2 rows), averaged
gb = sum(torch.ones(2, 3) * 2.0 * (r + 1) for r in range(1, W)) / W
assert torch.allclose(net.module.a.weight.grad, ga) and torch.allclose(net.module.b.weight.grad, gb)
assert net.module.c.weight.grad is None
print("ok find_unused_parameters", flush=True)

# 4. BatchNorm buffers: each forward copies rank 0's running stats to every rank
bn = nn.Sequential(nn.Linear(10, 6), nn.BatchNorm1d(6))
ddp = DDP(bn)
for s in range(3):
    ddp(torch.from_numpy(X[s, R * B:(R + 1) * B])).sum().backward()
before = [b.clone() for b in bn.buffers()]
assert not same_everywhere([b.float() for b in before]) or W == 1   # local stats differ after a forward
ddp.eval()
ddp(torch.from_numpy(X[5, :B]))
assert same_everywhere([b.float() for b in bn.buffers()])
print("ok broadcast_buffers", flush=True)

# 5. join: rank r has 3 + 2r batches; a joined rank shadows the others' all-reduces (divided by W)
model, ref = make(), make()
ddp = DDP(model)
opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
ropt = torch.optim.SGD(ref.parameters(), lr=0.1)
n_of = [3 + 2 * r for r in range(W)]
with ddp.join():
    for s in range(n_of[R]):
        opt.zero_grad()
        loss_fn(ddp, X[s, R * B:(R + 1) * B], Y[s, R * B:(R + 1) * B]).backward()
        opt.step()
for s in range(max(n_of)):
    ropt.zero_grad()
    for r in range(W):
        if s < n_of[r]:
            (loss_fn(ref, X[s, r * B:(r + 1) * B], Y[s, r * B:(r + 1) * B]) / W).backward()
    ropt.step()
assert close(model.parameters(), ref.parameters()), "join: wrong result"
assert same_everywhere(list(model.parameters())), "join: replicas differ at the end"
print("ok join", flush=True)

# 6. an unused parameter without find_unused_parameters: torch's error at the next forward
net = DDP(Heads())
net(x, True).sum().backward()
try:
    net(x, True)
    raise AssertionError("no error")
except RuntimeError as e:
    assert "Expected to have finished reduction in the prior iteration" in str(e)
    assert f"Parameter indices which did not receive grad for rank {R}: 2 3 4 5" in str(e), str(e)
print("ok unused error", flush=True)
dist.destroy_process_group()
