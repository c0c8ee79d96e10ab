"""CIFAR ResNet-18 (BasicBlocks [2, 2, 2, 2], 32x32 inputs, batch 32): one training step (forward,
cross_entropy, backward, SGD with momentum and weight decay), written as CIFAR tutorials write it.

Target (issue 14): ember at most 1.0x torch in time and in step memory.

    python benchmarks/run.py resnet
"""
from __future__ import annotations

import numpy as np

STEP_MEMORY = True


def _resnet18(lib):
    nn = lib.nn
    F = lib.nn.functional

    class BasicBlock(nn.Module):
        def __init__(self, inp, planes, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.shortcut = nn.Sequential()
            if stride != 1 or inp != planes:
                self.shortcut = nn.Sequential(nn.Conv2d(inp, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += self.shortcut(x)
            return F.relu(out)

    class ResNet(nn.Module):
        def __init__(self, num_blocks=(2, 2, 2, 2), num_classes=10):
            super().__init__()
            self.in_planes = 64
            self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.layer1 = self._layer(64, num_blocks[0], 1)
            self.layer2 = self._layer(128, num_blocks[1], 2)
            self.layer3 = self._layer(256, num_blocks[2], 2)
            self.layer4 = self._layer(512, num_blocks[3], 2)
            self.linear = nn.Linear(512, num_classes)

        def _layer(self, planes, n, stride):
            layers = []
            for s in [stride] + [1] * (n - 1):
                layers.append(BasicBlock(self.in_planes, planes, s))
                self.in_planes = planes
            return nn.Sequential(*layers)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
            out = F.avg_pool2d(out, 4)
            return self.linear(out.view(out.size(0), -1))

    return ResNet()


def workloads(lib):
    F = lib.nn.functional
    lib.manual_seed(0)
    model = _resnet18(lib)
    model.train()
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((32, 3, 32, 32)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 32).astype(np.int64))
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)

    def resnet18_step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return {"resnet18_cifar_step": resnet18_step}
