# The DCGAN tutorial's networks (ConvTranspose2d generator, strided-conv discriminator, BatchNorm,
# LeakyReLU, weights_init via model.apply) at 16x16, one training step per batch with BCELoss.
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

nc, nz, ngf, ndf = 3, 8, 8, 8
rng = np.random.default_rng(0)


def weights_init(m):
    # the tutorial draws N(0, 0.02) / N(1, 0.02); here the draws come from a shared numpy stream
    classname = m.__class__.__name__
    with torch.no_grad():
        if classname.find('Conv') != -1:
            m.weight.copy_(torch.from_numpy(rng.normal(0.0, 0.02, size=tuple(m.weight.shape)).astype(np.float32)))
        elif classname.find('BatchNorm') != -1:
            m.weight.copy_(torch.from_numpy(rng.normal(1.0, 0.02, size=tuple(m.weight.shape)).astype(np.float32)))
            nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        return self.main(input)


netG = Generator()
netG.apply(weights_init)
netD = Discriminator()
netD.apply(weights_init)
print(netG.main[0], netD.main[-2])
criterion = nn.BCELoss()
fixed_noise = torch.from_numpy(rng.standard_normal((4, nz, 1, 1)).astype(np.float32))
real_label, fake_label = 1., 0.
optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
real_data = torch.from_numpy(np.tanh(rng.standard_normal((48, nc, 16, 16))).astype(np.float32))
noises = torch.from_numpy(rng.standard_normal((3, 16, nz, 1, 1)).astype(np.float32))
for i in range(3):
    netD.zero_grad()
    real_cpu = real_data[i * 16:(i + 1) * 16]
    b_size = real_cpu.size(0)
    label = torch.full((b_size,), real_label, dtype=torch.float)
    output = netD(real_cpu).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()
    fake = netG(noises[i])
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()
    print('[%d/3]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
          % (i, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
print("fake", tuple(fake.shape), [round(v, 4) for v in fake[0, 0, :2, :4].flatten().tolist()])
print("grad G0", round(netG.main[0].weight.grad.abs().sum().item(), 5))
print("bn running", [round(v, 5) for v in netG.main[1].running_var[:4].tolist()])
