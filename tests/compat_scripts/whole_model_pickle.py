# Saving and loading whole models and optimizers (torch.save(model)), the pre-2.6 way and the 2.6 way.
#
#   python whole_model_pickle.py             save, then load, in this process
#   python whole_model_pickle.py save DIR    only save into DIR
#   python whole_model_pickle.py load DIR    only load from DIR (the file may come from the other library)
import os
import sys

import numpy as np
import torch
import torch.nn as nn

mode = sys.argv[1] if len(sys.argv) > 1 else "both"
folder = sys.argv[2] if len(sys.argv) > 2 else "."
model_path = os.path.join(folder, "model.pt")
checkpoint_path = os.path.join(folder, "checkpoint.pt")


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                      nn.MaxPool2d(2))
        self.head = nn.Linear(4 * 4 * 4, 3)
        self.temperature = 2.0

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1)) / self.temperature


rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((6, 1, 8, 8)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 3, 6))


def train(model, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


if mode in ("save", "both"):
    model = TinyNet()
    with torch.no_grad():          # the same weights under every library
        for i, p in enumerate(model.parameters()):
            w = np.random.default_rng(i).uniform(-0.3, 0.3, tuple(p.shape))
            p.copy_(torch.from_numpy(w.astype(np.float32)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    print("loss before saving", round(train(model, optimizer, 3), 4))
    model.eval()
    torch.save(model, model_path)
    torch.save({"model": model, "optimizer": optimizer, "epoch": 3}, checkpoint_path)
    print("saved", os.path.exists(model_path), os.path.exists(checkpoint_path))

if mode in ("load", "both"):
    model = torch.load(model_path, weights_only=False)      # the whole model: only for trusted files
    print(type(model).__name__, model.training, model.temperature)
    print(model)
    with torch.no_grad():
        print("predictions", model(x).argmax(1).tolist(), model(x)[0])

    # torch >= 2.6: weights_only=True by default; allowlist the classes the file names
    with torch.serialization.safe_globals([TinyNet, nn.Sequential, nn.Conv2d, nn.BatchNorm2d, nn.ReLU,
                                           nn.MaxPool2d, nn.Linear]):
        again = torch.load(model_path)
    print("same weights", all(torch.equal(a, b) for a, b in zip(model.state_dict().values(),
                                                                  again.state_dict().values())))
    try:
        torch.load(model_path)
    except Exception as e:                                  # noqa: BLE001 - the class is not allowlisted
        print("weights_only refuses it:", type(e).__name__)

    ck = torch.load(checkpoint_path, weights_only=False)
    model, optimizer = ck["model"], ck["optimizer"]
    print("epoch", ck["epoch"], type(optimizer).__name__, optimizer.param_groups[0]["lr"],
          optimizer.param_groups[0]["momentum"])
    model.train()
    print("loss after resuming", round(train(model, optimizer, 3), 4))
