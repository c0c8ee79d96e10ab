"""A torchrun + gloo script: run by the real torchrun (the oracle) and by ember's launcher with `import torch`
resolving to ember. Each rank prints one `RESULT <rank> <json>` line; the test compares them."""
import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DistributedSampler

torch.set_num_threads(1)
dist.init_process_group("gloo")
R, W = dist.get_rank(), dist.get_world_size()
out = {}
env_keys = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "GROUP_WORLD_SIZE",
            "ROLE_RANK", "ROLE_NAME", "ROLE_WORLD_SIZE", "TORCHELASTIC_RESTART_COUNT",
            "TORCHELASTIC_MAX_RESTARTS",
            "OMP_NUM_THREADS"]
out["env"] = {k: os.environ.get(k) for k in env_keys}
out["env_set"] = [k for k in ("MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID") if os.environ.get(k)]
out["api"] = [dist.is_available(), dist.is_initialized(), dist.is_torchelastic_launched(),
              str(dist.get_backend()), dist.get_rank(), dist.get_world_size(), dist.group.WORLD is not None,
              dist.get_node_local_rank(), dist.get_process_group_ranks(dist.group.WORLD),
              dist.is_gloo_available(), dist.is_nccl_available()]

DTYPES = [torch.bool, torch.uint8, torch.int8, torch.int32, torch.int64, torch.float16, torch.float32,
          torch.float64]
OPS = ["SUM", "PRODUCT", "MIN", "MAX", "AVG", "BAND", "BOR", "BXOR"]
table = {}
for dt in DTYPES:
    for op in OPS:
        if dt is torch.bool:
            t = torch.tensor([True, False, R == 1, False, R == 0])
        else:
            t = (torch.tensor([1, 0, 3, 5, 2]) + R).to(dt)
        try:
            dist.all_reduce(t, getattr(dist.ReduceOp, op))
            table[f"{dt} {op}"] = t.tolist()
        except Exception as e:        # the exception's type is compared (texts are gloo's own)
            table[f"{dt} {op}"] = type(e).__name__
out["all_reduce"] = table

t = torch.arange(6.0).reshape(2, 3) * (R + 1)
dist.broadcast(t, src=1)
out["broadcast"] = t.tolist()
gl = [torch.empty(3, dtype=torch.int64) for _ in range(W)]
dist.all_gather(gl, torch.arange(3) + 10 * R)
out["all_gather"] = [g.tolist() for g in gl]
whole = torch.empty(W, 2)
dist.all_gather_into_tensor(whole, torch.full((1, 2), float(R)))
out["all_gather_into_tensor"] = whole.tolist()
g = [torch.empty(2) for _ in range(W)] if R == 0 else None
dist.gather(torch.full((2,), R + 0.5), g, dst=0)
out["gather"] = None if g is None else [x.tolist() for x in g]
s = torch.empty(2)
dist.scatter(s, [torch.full((2,), 7.0 * k) for k in range(W)] if R == 1 else None, src=1)
out["scatter"] = s.tolist()
t = torch.tensor([2.0, 3.0]) * (R + 1)
dist.reduce(t, dst=0, op=dist.ReduceOp.PRODUCT)
out["reduce"] = t.tolist() if R == 0 else None
single = torch.empty(W * 2)
dist.all_to_all_single(single, torch.arange(W * 2.0) + 100 * R)
out["all_to_all_single"] = single.tolist()
work = dist.all_reduce(torch.ones(3), async_op=True)
out["async"] = [work.wait(), work.is_completed()]
objs = [None] * W
dist.all_gather_object(objs, {"r": R, "s": "x" * R})
out["all_gather_object"] = objs
lst = [R, "a", {"k": R}]
dist.broadcast_object_list(lst, src=1)
out["broadcast_object_list"] = lst
go = [None] * W if R == 0 else None
dist.gather_object([R], go, dst=0)
out["gather_object"] = go
so = [None]
dist.scatter_object_list(so, [f"x{k}" for k in range(W)] if R == 0 else None, src=0)
out["scatter_object_list"] = so
sub = dist.new_group([0, 1])
t = torch.tensor([R + 1.0])
dist.all_reduce(t, group=sub)
out["group"] = [t.tolist(), dist.get_rank(sub), dist.get_world_size(sub)]

out["sampler"] = [list(DistributedSampler(range(11), shuffle=False)),
                  DistributedSampler(range(11)).num_samples]


def model(seed_shift=0):
    rng = np.random.default_rng(5 + seed_shift)
    m = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3))
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.5))
    return m


rng = np.random.default_rng(9)
X = torch.from_numpy(rng.standard_normal((6, W, 4, 6)).astype(np.float32))
Y = torch.from_numpy(rng.integers(0, 3, (6, W, 4)))
m = model(seed_shift=R)                        # ranks start different: DDP broadcasts rank 0's
ddp = DDP(m, bucket_cap_mb=1e-4)
out["ddp_keys"] = list(ddp.state_dict())
opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
for step in range(6):
    opt.zero_grad()
    if step == 2:
        with ddp.no_sync():
            nn.functional.cross_entropy(ddp(X[step, R, :2]), Y[step, R, :2]).backward()
        nn.functional.cross_entropy(ddp(X[step, R, 2:]), Y[step, R, 2:]).backward()
    else:
        nn.functional.cross_entropy(ddp(X[step, R]), Y[step, R]).backward()
    opt.step()
out["ddp_params"] = [p.detach().numpy().round(5).tolist() for p in m.parameters()]
out["ddp_buffers"] = [b.numpy().round(5).tolist() for b in m.buffers() if b.dtype is torch.float32]


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 2)

    def forward(self, x):
        return self.a(x)


net = DDP(TwoHeads())
try:
    for _ in range(2):
        net(torch.ones(4, 3)).sum().backward()
    out["unused_error"] = None
except RuntimeError as e:
    out["unused_error"] = str(e)
net = DDP(TwoHeads(), find_unused_parameters=True)
for _ in range(2):
    net(torch.ones(4, 3) * (R + 1)).sum().backward()
out["find_unused"] = [net.module.a.weight.grad.tolist(), net.module.b.weight.grad is None]
try:
    DDP(nn.Linear(2, 2), device_ids=[0])
except ValueError as e:
    out["device_ids_error"] = str(e)
# one file per rank: the ranks share stdout, and torchrun does not keep their lines apart
with open(os.path.join(sys.argv[1], f"rank{R}.json"), "w") as f:
    json.dump(out, f)
dist.destroy_process_group()
