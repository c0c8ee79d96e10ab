"""The PyTorch example VAE (784-400-20, reparameterisation with randn_like, BCE + KL loss summed, Adam),
batch 128 of MNIST-shaped data in [0, 1]: one training step.

    python benchmarks/run.py vae
"""
from __future__ import annotations

import numpy as np

STEP_MEMORY = True


def workloads(lib):
    nn = lib.nn
    F = lib.nn.functional

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 400)
            self.fc21 = nn.Linear(400, 20)
            self.fc22 = nn.Linear(400, 20)
            self.fc3 = nn.Linear(20, 400)
            self.fc4 = nn.Linear(400, 784)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = lib.exp(0.5 * logvar)
            return mu + lib.randn_like(std) * std

        def decode(self, z):
            return lib.sigmoid(self.fc4(F.relu(self.fc3(z))))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, 784))
            return self.decode(self.reparameterize(mu, logvar)), mu, logvar

    lib.manual_seed(0)
    model = VAE()
    model.train()
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x = lib.tensor(np.random.default_rng(0).random((128, 1, 28, 28), dtype=np.float32))

    def vae_step():
        opt.zero_grad()
        recon, mu, logvar = model(x)
        bce = F.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
        kld = -0.5 * lib.sum(1 + logvar - mu.pow(2) - logvar.exp())
        (bce + kld).backward()
        opt.step()

    return {"vae_step": vae_step}
