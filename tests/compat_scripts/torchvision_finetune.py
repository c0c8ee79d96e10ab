# Transfer-learning-style code with torchvision.models: replace the head, freeze the backbone,
# train only the new layer, then unfreeze everything with per-group learning rates.
import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision import models

model = models.resnet18(weights=None)
print("params", sum(p.numel() for p in model.parameters()))
assert sum(p.numel() for p in model.parameters()) == 11689512  # torchvision's resnet18
assert list(model.state_dict())[:3] == ["conv1.weight", "bn1.weight", "bn1.bias"]
num_ftrs = model.fc.in_features
model.fc = nn.Linear(num_ftrs, 4)
for name, param in model.named_parameters():
    param.requires_grad = name.startswith("fc.")
trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
print("trainable", trainable)
assert trainable == 512 * 4 + 4

rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((8, 3, 32, 32)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 4, size=8))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1, momentum=0.9)
model.train()
losses = []
for step in range(5):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
assert model.conv1.weight.grad is None and model.fc.weight.grad is not None
print("# head-only losses", losses)
assert losses[-1] < losses[0], losses

for p in model.parameters():
    p.requires_grad_(True)
optimizer = torch.optim.Adam([
    {"params": [p for n, p in model.named_parameters() if not n.startswith("fc.")], "lr": 1e-4},
    {"params": model.fc.parameters(), "lr": 1e-3},
])
loss = criterion(model(x), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
assert model.conv1.weight.grad is not None
model.eval()
with torch.no_grad():
    probs = torch.softmax(model(x), dim=1)
assert probs.shape == (8, 4) and torch.allclose(probs.sum(1), torch.ones(8))
print("resnet50 via get_model", type(models.get_model("resnet50", num_classes=3).layer1[0]).__name__)
grid = torchvision.utils.make_grid(x[:4], nrow=2, normalize=True)
print("grid", tuple(grid.shape))
print("ok")
