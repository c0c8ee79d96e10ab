"""DCGAN at 64x64 (the PyTorch example's networks: nz 100, ngf = ndf = 64, ConvTranspose2d + BatchNorm
generator, strided-conv discriminator, BCELoss, Adam), batch 16: one training step = the discriminator on
a real and a fake batch, then the generator, as in the example's loop.

Target (issue 14): ember at most 1.0x torch in time and in step memory.

    python benchmarks/run.py dcgan
"""
from __future__ import annotations

import numpy as np

STEP_MEMORY = True
nc, nz, ngf, ndf, batch = 3, 100, 64, 64, 16


def _nets(lib):
    nn = lib.nn
    G = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def weights_init(m):
        name = m.__class__.__name__
        if name.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif name.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    G.apply(weights_init)
    D.apply(weights_init)
    return G, D


def workloads(lib):
    lib.manual_seed(0)
    netG, netD = _nets(lib)
    criterion = lib.nn.BCELoss()
    optD = lib.optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optG = lib.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    rng = np.random.default_rng(0)
    real = lib.tensor(np.tanh(rng.standard_normal((batch, nc, 64, 64))).astype(np.float32))
    noise = lib.tensor(rng.standard_normal((batch, nz, 1, 1)).astype(np.float32))

    def dcgan_step():
        netD.zero_grad()
        label = lib.full((batch,), 1.0, dtype=lib.float)
        errD_real = criterion(netD(real).view(-1), label)
        errD_real.backward()
        fake = netG(noise)
        label.fill_(0.0)
        errD_fake = criterion(netD(fake.detach()).view(-1), label)
        errD_fake.backward()
        optD.step()
        netG.zero_grad()
        label.fill_(1.0)
        errG = criterion(netD(fake).view(-1), label)
        errG.backward()
        optG.step()

    return {"dcgan64_step": dcgan_step}
