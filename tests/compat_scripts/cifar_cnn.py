# A small CNN classifier on CIFAR-shaped data ("Training a Classifier" tutorial, plus BatchNorm,
# Dropout, SGD momentum, StepLR / OneCycleLR, eval(), saving and loading the state dict).
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(0)
N = 64
images = rng.standard_normal((N, 3, 32, 32)).astype(np.float32)
labels = rng.integers(0, 10, size=N)
# make the task learnable: the label shifts the mean of one channel region
images[np.arange(N), labels % 3, :8, :8] += 2.0 + 0.2 * labels[:, None, None]
inputs_all = torch.from_numpy(images)
labels_all = torch.from_numpy(labels)


class Net(nn.Module):
    def __init__(self, p_drop=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.bn2 = nn.BatchNorm2d(16)
        self.dropout = nn.Dropout(p_drop)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = self.dropout(F.relu(self.fc1(x)))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


def numpy_init(model, seed):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.from_numpy((r.standard_normal(p.shape) / np.sqrt(fan_in)).astype(np.float32)))
            elif "bn" in name and name.endswith("weight"):
                p.fill_(1.0)
            else:
                p.copy_(torch.from_numpy((0.01 * r.standard_normal(p.shape)).astype(np.float32)))


def r(v, k=5):
    return [round(float(a), k) for a in np.asarray(v).ravel()]


# ---- deterministic part: no dropout, fixed batches, compared with PyTorch ----
net = Net(p_drop=0.0)
numpy_init(net, 1)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
for epoch in range(4):
    running_loss = 0.0
    for i in range(0, N, 16):
        inputs, labels = inputs_all[i:i + 16], labels_all[i:i + 16]
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    scheduler.step()
    print(f"[{epoch + 1}] loss: {running_loss / 4:.5f} lr: {scheduler.get_last_lr()[0]:.6f}")

print("bn1 running_mean", r(net.bn1.running_mean, 4))
print("bn2 running_var", r(net.bn2.running_var[:6], 4), int(net.bn2.num_batches_tracked))
net.eval()
with torch.no_grad():
    outputs = net(inputs_all[:8])
    _, predicted = torch.max(outputs, 1)
    print("eval logits", r(outputs[0], 4))
    print("predicted", predicted.tolist())
    correct = (outputs.argmax(1) == labels_all[:8]).sum().item()
    print("correct", correct, "of", labels_all[:8].size(0))

path = os.path.join(tempfile.mkdtemp(), "cifar_net.pth")
torch.save(net.state_dict(), path)
net2 = Net(p_drop=0.0)
missing = net2.load_state_dict(torch.load(path))
print("load_state_dict", missing)
net2.eval()
with torch.no_grad():
    print("reloaded equal", torch.equal(net2(inputs_all[:8]), outputs))
print("state keys", len(net.state_dict()), list(net.state_dict())[:6])
print("n params", sum(p.numel() for p in net.parameters()))

# OneCycleLR schedule (deterministic)
opt2 = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
sched2 = optim.lr_scheduler.OneCycleLR(opt2, max_lr=0.1, total_steps=10)
lrs = []
for _ in range(10):
    opt2.step()
    lrs.append(sched2.get_last_lr()[0])
    sched2.step()
print("onecycle", r(lrs, 6))
print("momentum", r([g["momentum"] for g in opt2.param_groups], 5))

# ---- with dropout: random streams differ from PyTorch, only check that it learns ----
torch.manual_seed(0)
net = Net(p_drop=0.25)
numpy_init(net, 2)
optimizer = optim.SGD(net.parameters(), lr=0.02, momentum=0.9)
scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=6 * 4)
losses = []
for epoch in range(6):
    net.train()
    tot = 0.0
    for i in range(0, N, 16):
        optimizer.zero_grad()
        loss = criterion(net(inputs_all[i:i + 16]), labels_all[i:i + 16])
        loss.backward()
        optimizer.step()
        scheduler.step()
        tot += loss.item()
    losses.append(tot / 4)
print("# dropout losses", losses)
assert losses[-1] < losses[0], losses
print("ok")
