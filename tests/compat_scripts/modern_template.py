# A "modern" training-script template: thread/determinism settings, AMP plumbing that is disabled on
# the CPU, warmup + cosine schedule (SequentialLR), an EMA model (swa_utils.AveragedModel), early
# stopping with copy.deepcopy(state_dict), inference_mode, and a few metrics helpers.
import copy
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
print("threads", torch.get_num_threads())
torch.use_deterministic_algorithms(True)
print("deterministic", torch.are_deterministic_algorithms_enabled())
torch.set_float32_matmul_precision("high")
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
use_amp = device.type == "cuda"
scaler = torch.amp.GradScaler(device.type, enabled=use_amp)
print("scaler enabled", scaler.is_enabled())

rng = np.random.default_rng(0)
X = rng.standard_normal((200, 8)).astype(np.float32)
true_w = rng.standard_normal(8).astype(np.float32)
y = (X @ true_w + 0.1 * rng.standard_normal(200)).astype(np.float32)
X_t, y_t = torch.tensor(X), torch.tensor(y).unsqueeze(1)
train_ds = TensorDataset(X_t[:160], y_t[:160])
val_ds = TensorDataset(X_t[160:], y_t[160:])
train_loader = DataLoader(train_ds, batch_size=32, shuffle=False, drop_last=True)
val_loader = DataLoader(val_ds, batch_size=64)
print("batches", len(train_loader), len(val_loader))


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 32), nn.LayerNorm(32), nn.SiLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x)


model = Regressor().to(device)
g = np.random.default_rng(1)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.as_tensor(g.uniform(-0.3, 0.3, size=p.shape), dtype=p.dtype))
ema = torch.optim.swa_utils.AveragedModel(model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.9))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
epochs = 12
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=2 * len(train_loader))
cosine = CosineAnnealingLR(optimizer, T_max=(epochs - 2) * len(train_loader), eta_min=1e-4)
scheduler = SequentialLR(optimizer, schedulers=[warmup, cosine], milestones=[2 * len(train_loader)])

best_val, best_state, patience, bad = math.inf, None, 3, 0
for epoch in range(epochs):
    model.train()
    for xb, yb in train_loader:
        xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
            loss = F.mse_loss(model(xb), yb)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        ema.update_parameters(model)
    model.eval()
    with torch.inference_mode():
        val_loss = sum(F.mse_loss(model(xb), yb, reduction="sum").item() for xb, yb in val_loader) / len(val_ds)
    if val_loss < best_val:
        best_val, best_state, bad = val_loss, copy.deepcopy(model.state_dict()), 0
    else:
        bad += 1
    print(f"epoch {epoch:2d} loss {loss.item():.5f} val {val_loss:.5f} lr {scheduler.get_last_lr()[0]:.6f}")
    if bad >= patience:
        print("early stop")
        break

model.load_state_dict(best_state)
with torch.no_grad():
    pred = model(X_t[160:])
    ema_pred = ema(X_t[160:])
print("best val", round(best_val, 5), "ema val", round(F.mse_loss(ema_pred, y_t[160:]).item(), 5))
print("ema n_averaged", int(ema.n_averaged))
err = (pred - y_t[160:]).abs().squeeze(1)
print("mae", round(err.mean().item(), 5), "median", round(err.median().item(), 5),
      "q90", round(torch.quantile(err, 0.9).item(), 5))
edges = torch.tensor([0.1, 0.25, 0.5, 1.0])
buckets = torch.bucketize(err, edges)
print("error buckets", torch.bincount(buckets, minlength=5).tolist())
print("searchsorted", torch.searchsorted(edges, torch.tensor([0.05, 0.25, 2.0])).tolist(),
      torch.searchsorted(edges, torch.tensor([0.25]), right=True).tolist())
top = torch.topk(err, 3).indices
print("worst", top.tolist(), torch.isin(top, torch.tensor([0, 1, 2, 3, 4])).tolist())
r2 = 1 - ((pred - y_t[160:]) ** 2).sum() / ((y_t[160:] - y_t[160:].mean()) ** 2).sum()
print("r2", round(r2.item(), 5))
print("corr", round(torch.corrcoef(torch.stack([pred.squeeze(1), y_t[160:].squeeze(1)]))[0, 1].item(), 5))
print("constants", torch.pi, torch.e, torch.inf, -torch.inf)
print("diff", torch.diff(torch.tensor([1, 4, 9, 16])).tolist(), torch.tensor([[1.0, 3.0, 6.0]]).diff(dim=1).tolist())
