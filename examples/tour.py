"""A tour of the Python features behind PyTorch's API, each seed-article snippet running on ember.

    python examples/tour.py

Sections follow the articles in ../shared/seeds: callable classes, `Module.__call__` -> `forward`,
`Dataset` with `__len__`/`__getitem__`, `iter`/`next` on a DataLoader, and a dynamic graph (a
forward pass whose Python loop length depends on the input) trained to convergence.
"""
from __future__ import annotations

import importlib.util
import os
import sys

if importlib.util.find_spec("ember") is None:  # running from a source checkout without `pip install -e .`
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember as torch  # noqa: E402
import ember.nn as nn  # noqa: E402
from ember.utils.data import DataLoader, Dataset  # noqa: E402
from ember.vision import datasets, transforms  # noqa: E402


def section(title):
    print(f"\n== {title} " + "=" * max(0, 60 - len(title)))


# --------------------------------------------------------------------------------------------
section("Callable classes")
x = torch.rand(1, 784)
layer = nn.Linear(784, 10)
output = layer(x)
print("type(layer) =", type(layer))
print("layer(x).shape =", tuple(output.shape))


class Double(object):
    def __call__(self, x):
        return 2 * x


d = Double()
print("d(2) =", d(2))
print("Double()(2) =", Double()(2))


def double(x):
    return 2 * x


print("double(2) =", double(2), "| double.__call__(2) =", double.__call__(2))

# --------------------------------------------------------------------------------------------
section("Module.__call__ runs forward")


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc1(x)


x = torch.rand(10, 784)
model = Model()
output = model(x)  # model.__call__(x) -> model.forward(x)
print("model(x).shape =", tuple(output.shape), "| same as model.forward(x):",
      bool((model.forward(x) == output).all()))


class Power(nn.Module):  # from the "Why PyTorch" slides (plus the super().__init__() torch requires)
    def __init__(self, exponent):
        super().__init__()
        self.exponent = exponent

    def forward(self, input):
        return input ** self.exponent


cube = Power(3)
inp = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = cube(inp)
out.sum().backward()
print("Power(3)([1, 2, 3]) =", out.tolist(), "| grad 3x^2 =", inp.grad.tolist())

# --------------------------------------------------------------------------------------------
section("Dataset: __len__ and __getitem__")


class Numbers(Dataset):
    def __init__(self, x, y):
        self.data = x
        self.labels = y

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return (self.data[i], self.labels[i])


dataset = Numbers([1, 2, 3], [0, 1, 0])
print("len(dataset) =", len(dataset))
print("dataset[0] =", dataset[0])


class Data(object):
    def __init__(self):
        self.x = [10, 20, 30]

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return self.x[i]


print("len(Data()) =", len(Data()), "| Data()[0] =", Data()[0])

# an MNIST-shaped dataset that needs no download: torchvision's FakeData
trainset = datasets.FakeData(size=60, image_size=(1, 28, 28), num_classes=10, transform=transforms.ToTensor())
image, label = trainset[0]
print("FakeData item:", type(image).__name__, tuple(image.shape), image.dtype, "label", label)

# --------------------------------------------------------------------------------------------
section("iter / next, and the DataLoader")
x = [1, 2, 3]
y = iter(x)
print("next(y), next(y), next(y) =", next(y), next(y), next(y))
try:
    next(y)
except StopIteration:
    print("next(y) again -> StopIteration")


class ExampleLoader(object):
    def __init__(self, data):
        self.data = iter(data)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.data)


l = ExampleLoader([1, 2, 3])  # noqa: E741 - the article's name
print("next(iter(l)) =", next(iter(l)))

trainloader = DataLoader(trainset, batch_size=16, shuffle=True)
try:
    trainloader[0]
except TypeError as e:
    print("trainloader[0] -> TypeError:", e)
print("type(iter(trainloader)) =", type(iter(trainloader)).__name__)
images, labels = next(iter(trainloader))
print("images, labels = next(iter(trainloader)):", tuple(images.shape), tuple(labels.shape), labels.dtype)

# --------------------------------------------------------------------------------------------
section("Dynamic graphs: a Python loop as long as the input")


class RunningMean(nn.Module):
    """A tiny recurrent net: one step per element, so the graph is as long as the sequence."""

    def __init__(self, hidden=8):
        super().__init__()
        self.cell = nn.Linear(1 + hidden, hidden)
        self.out = nn.Linear(hidden, 1)
        self.hidden = hidden

    def forward(self, seq):  # seq: (batch, length)
        h = torch.zeros(seq.shape[0], self.hidden)
        for t in range(seq.shape[1]):  # ordinary Python control flow, re-traced every call
            h = torch.tanh(self.cell(torch.cat([seq[:, t:t + 1], h], dim=1)))
        return self.out(h).squeeze(1)


def batch(n, length):
    """Sequences of values in [-1, 1] around a random level, and their means (the targets)."""
    seq = (torch.rand(n, length) * 2 - 1) * 0.5 + (torch.rand(n, 1) - 0.5)
    return seq, seq.mean(dim=1)


torch.manual_seed(0)
net = RunningMean(hidden=16)
opt = torch.optim.Adam(net.parameters(), lr=0.01)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1000, gamma=0.3)
for step in range(1, 3001):
    length = int(torch.randint(1, 9, ()).item())  # each batch has its own sequence length
    seq, target = batch(32, length)
    loss = nn.functional.mse_loss(net(seq), target)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    sched.step()
    if step % 500 == 0:
        print(f"step {step:4d}  length {length}  loss {loss.item():.6f}")
with torch.no_grad():
    for s in (torch.tensor([[0.5, -0.5, 1.0]]), torch.tensor([[0.4] * 6]), torch.tensor([[-0.2]])):
        print(f"mean of {[round(v, 2) for v in s[0].tolist()]} = {s.mean().item():+.3f}, "
              f"net says {net(s).item():+.3f}")
    final = max(nn.functional.mse_loss(net(seq), target).item() for seq, target in
                (batch(256, length) for length in range(1, 9)))
print(f"held-out MSE (worst length 1-8) {final:.6f}: " + ("converged" if final < 2e-3 else "NOT converged"))
