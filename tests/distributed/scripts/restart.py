"""Fails on the first attempt (restart count 0), succeeds on the next."""
import os

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
count = int(os.environ["TORCHELASTIC_RESTART_COUNT"])
if count == 0 and dist.get_rank() == 1:
    raise RuntimeError("first attempt fails")
t = torch.tensor([1.0])
dist.all_reduce(t)
print(f"attempt {count} rank {dist.get_rank()} sum {t.item()}")
