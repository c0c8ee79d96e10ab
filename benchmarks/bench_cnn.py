"""The PyTorch MNIST example CNN: one training step (forward, nll_loss, backward, SGD), batch 64.

conv 1->32 3x3, relu, conv 32->64 3x3, relu, max_pool 2, dropout, flatten, linear 9216->128, relu,
dropout, linear 128->10, log_softmax, nll_loss. Target (issue 4): ember at most 2.0x torch.

    python benchmarks/run.py cnn
"""
from __future__ import annotations

import numpy as np

STEP_MEMORY = True


def _net(lib):
    nn = lib.nn
    F = lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            return F.log_softmax(self.fc2(x), dim=1)

    return Net()


def workloads(lib):
    F = lib.nn.functional
    lib.manual_seed(0)
    model = _net(lib)
    model.train()
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 64).astype(np.int64))
    opt = lib.optim.SGD(model.parameters(), lr=0.01)

    def mnist_cnn_step():
        opt.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        opt.step()

    return {"mnist_cnn_step": mnist_cnn_step}


if __name__ == "__main__":
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import ember
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from run import compare
    we, wt = workloads(ember), workloads(torch)
    for k in we:
        compare(k, we[k], wt[k])
