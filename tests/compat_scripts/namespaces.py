# The imports at the top of real training scripts, used or not: torch.onnx, torch.nn.parallel, the
# profiler, torch.testing, torch.version. ONNX export sits behind a flag that is off.
import argparse

import numpy as np
import torch
import torch.autograd.profiler as profiler
import torch.nn as nn
import torch.nn.parallel
import torch.onnx
import torch.testing
from torch.nn.parallel import DataParallel, DistributedDataParallel  # noqa: F401

parser = argparse.ArgumentParser()
parser.add_argument("--export-onnx", action="store_true")
args = parser.parse_args([])

print("cuda build:", torch.version.cuda, "cuda available:", torch.cuda.is_available())
print("in onnx export:", torch.onnx.is_in_onnx_export(), callable(torch.onnx.export))

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        w = np.random.default_rng(i).uniform(-0.5, 0.5, tuple(p.shape))
        p.copy_(torch.from_numpy(w.astype(np.float32)))
if torch.cuda.device_count() > 1:
    model = nn.DataParallel(model)
wrapped = DataParallel(model)                  # on the CPU it runs the module itself
print(type(wrapped).__name__, wrapped.module is model, list(wrapped.state_dict())[:2])

x = torch.from_numpy(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))
with profiler.record_function("forward"):
    out = wrapped(x)
print(out)
torch.testing.assert_allclose(out, model(x))
torch.testing.assert_close(out, model(x))
print("outputs agree")

if args.export_onnx:
    torch.onnx.export(model, (x,), "model.onnx", input_names=["x"], output_names=["y"])
print("done")
