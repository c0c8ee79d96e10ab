"""Run on two 'hosts' (network namespaces): every rank reports its host and checks a collective."""
import os
import socket

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
names = [None] * dist.get_world_size()
dist.all_gather_object(names, (socket.gethostname(), os.environ["GROUP_RANK"], os.environ["LOCAL_RANK"]))
t = torch.full((1000,), float(dist.get_rank() + 1))
dist.all_reduce(t)
big = torch.ones(1_000_000)
dist.all_reduce(big)
if dist.get_rank() == 0:
    print("HOSTS", names, t[0].item(), big[-1].item(), flush=True)
