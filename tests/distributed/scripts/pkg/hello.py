"""Run with -m: prints this rank's torchrun variables."""
import os

import torch.distributed as dist

dist.init_process_group()
print(f"module rank {os.environ['RANK']} of {os.environ['WORLD_SIZE']} backend {dist.get_backend()}")
