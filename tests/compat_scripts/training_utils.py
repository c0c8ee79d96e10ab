# Everyday training-loop utilities: seeding, device selection, model.apply(init_fn) with nn.init,
# parameter counting, gradient clipping, accumulation, ReduceLROnPlateau, checkpoint dicts.
import io
import math
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(42)
random.seed(42)
np.random.seed(42)
device = 'cuda' if torch.cuda.is_available() else 'cpu'
device = torch.device(device)
print("device", device.type)
if device.type == 'cuda':
    torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True


class MLP(nn.Module):
    def __init__(self, d_in=10, hidden=(32, 16), d_out=3):
        super().__init__()
        layers = []
        for h in hidden:
            layers += [nn.Linear(d_in, h), nn.GELU()]
            d_in = h
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(d_in, d_out)
        self.register_buffer("scale", torch.tensor(1.0))

    def forward(self, x):
        return self.head(self.body(x)) * self.scale


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


model = MLP().to(device)
model.apply(init_weights)
bound = math.sqrt(6.0 / (10 + 32))
w = model.body[0].weight
print("xavier in bound", bool((w.abs() <= bound).all()), bool(w.abs().max() > 0.5 * bound),
      model.body[0].bias.abs().sum().item())
n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
n_total = sum(p.numel() for p in model.parameters())
print(f"The model has {n_trainable:,} trainable parameters ({n_total} total)")
model.head.bias.requires_grad_(False)
print("trainable after freezing bias", sum(p.numel() for p in model.parameters() if p.requires_grad))
model.head.bias.requires_grad_(True)

# deterministic weights for the comparison with PyTorch
rng = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, size=tuple(p.shape)).astype(np.float32)))
vec = nn.utils.parameters_to_vector(model.parameters())
print("param vector", vec.shape, round(vec.sum().item(), 4))

X = torch.from_numpy(rng.standard_normal((96, 10)).astype(np.float32)).to(device)
Y = torch.from_numpy((np.abs(rng.standard_normal(96) * 1.3).astype(np.int64)) % 3).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2, weight_decay=0.01)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.5, patience=1)
accum = 2
for epoch in range(5):
    model.train()
    optimizer.zero_grad()
    total = 0.0
    for step, i in enumerate(range(0, 96, 24)):
        xb, yb = X[i:i + 24], Y[i:i + 24]
        loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1) / accum
        loss.backward()
        total += loss.item()
        if (step + 1) % accum == 0:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
            optimizer.step()
            optimizer.zero_grad()
    model.eval()
    with torch.no_grad():
        val = F.cross_entropy(model(X), Y).item()
    scheduler.step(val)
    print(f"epoch {epoch} train {total:.5f} val {val:.5f} gradnorm {norm.item():.5f} "
          f"lr {optimizer.param_groups[0]['lr']:.5f}")

# clip_grad_value_ and norms
out = model(X).pow(2).mean()
out.backward()
before = [p.grad.clone() for p in model.parameters()]
torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
print("clip value max", round(max(p.grad.abs().max().item() for p in model.parameters()), 6),
      round(sum(b.norm().item() for b in before), 5))
total_norm = torch.norm(torch.stack([torch.norm(p.grad.detach(), 2) for p in model.parameters()]), 2)
print("manual total norm", round(total_norm.item(), 6))

# checkpoint dict round trip through a buffer
buf = io.BytesIO()
torch.save({'epoch': 5, 'model_state_dict': model.state_dict(),
            'optimizer_state_dict': optimizer.state_dict(), 'loss': val}, buf)
buf.seek(0)
checkpoint = torch.load(buf, map_location=device, weights_only=False)
model2 = MLP()
model2.load_state_dict(checkpoint['model_state_dict'])
opt2 = torch.optim.AdamW(model2.parameters(), lr=3e-2, weight_decay=0.01)
opt2.load_state_dict(checkpoint['optimizer_state_dict'])
print("checkpoint", checkpoint['epoch'], round(checkpoint['loss'], 5),
      opt2.param_groups[0]['lr'], len(opt2.state_dict()['state']))
with torch.no_grad():
    print("same outputs", torch.allclose(model(X), model2(X)))
# one more step on both continues identically
for m, o in ((model, optimizer), (model2, opt2)):
    o.zero_grad()
    F.cross_entropy(m(X), Y).backward()
    o.step()
print("resumed equal", all(torch.allclose(a, b) for a, b in zip(model.parameters(), model2.parameters())))
print("named", [n for n, _ in model.named_parameters()][:3], [n for n, _ in model.named_buffers()])
print("children", [type(c).__name__ for c in model.children()], len(list(model.modules())))
