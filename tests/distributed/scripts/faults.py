"""One rank misbehaves while the others wait in a collective: argv[1] says how."""
import datetime
import os
import signal
import sys
import time

import torch
import torch.distributed as dist

mode = sys.argv[1]
dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=2))
with open(os.path.join(sys.argv[2], f"pid{dist.get_rank()}"), "w") as f:
    f.write(str(os.getpid()))
dist.barrier()
if dist.get_rank() == 1:
    if mode == "raise":
        raise ValueError("rank one failed on purpose")
    if mode == "exit":
        os._exit(3)
    if mode == "sys_exit":
        sys.exit(5)
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(120)
if mode == "mismatch":     # run with TORCH_DISTRIBUTED_DEBUG=DETAIL
    dist.all_reduce(torch.ones(4 + dist.get_rank()))
if mode == "sleep":
    time.sleep(120)
dist.all_reduce(torch.ones(4))
print("finished", dist.get_rank())
