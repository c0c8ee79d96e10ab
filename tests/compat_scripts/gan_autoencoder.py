# A tiny autoencoder and a DCGAN-style training step: BCEWithLogitsLoss, detach(), two optimizers,
# zero_grad(set_to_none=True), Tanh/Sigmoid/LeakyReLU, label tensors built with torch.full.
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

rng = np.random.default_rng(0)


def init_from_numpy(module, seed):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(r.normal(0.0, 0.1, size=tuple(p.shape)).astype(np.float32)))


def r5(t):
    return [round(v, 5) for v in t.detach().flatten().tolist()]


# ---- autoencoder ----
class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(20, 12), nn.ReLU(True), nn.Linear(12, 4))
        self.decoder = nn.Sequential(nn.Linear(4, 12), nn.ReLU(True), nn.Linear(12, 20), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


data = torch.from_numpy(rng.random((32, 20)).astype(np.float32))
ae = AutoEncoder()
init_from_numpy(ae, 1)
opt = optim.Adam(ae.parameters(), lr=1e-2, weight_decay=1e-5)
crit = nn.MSELoss()
for epoch in range(30):
    out = ae(data)
    loss = crit(out, data)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 10 == 9:
        print(f"epoch [{epoch + 1}/30], loss:{loss.item():.6f}")
with torch.no_grad():
    code = ae.encoder(data[:2])
print("code", r5(code))
print("bce", round(nn.functional.binary_cross_entropy(ae(data).clamp(1e-6, 1 - 1e-6), data).item(), 5))

# ---- GAN ----
nz = 8
netG = nn.Sequential(nn.Linear(nz, 32), nn.BatchNorm1d(32), nn.ReLU(True), nn.Linear(32, 20), nn.Tanh())
netD = nn.Sequential(nn.Linear(20, 32), nn.LeakyReLU(0.2, inplace=True), nn.Linear(32, 1))
init_from_numpy(netG, 2)
init_from_numpy(netD, 3)
criterion = nn.BCEWithLogitsLoss()
real_label, fake_label = 1.0, 0.0
optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
real_all = torch.from_numpy((rng.random((64, 20)) * 2 - 1).astype(np.float32))
noise_all = torch.from_numpy(rng.standard_normal((4, 16, nz)).astype(np.float32))
G_losses, D_losses = [], []
for i in range(4):
    # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad(set_to_none=True)
    real = real_all[i * 16:(i + 1) * 16]
    b_size = real.size(0)
    label = torch.full((b_size,), real_label, dtype=torch.float)
    output = netD(real).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = torch.sigmoid(output).mean().item()
    noise = noise_all[i]
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = torch.sigmoid(output).mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()
    # (2) Update G: maximize log(D(G(z)))
    netG.zero_grad(set_to_none=True)
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = torch.sigmoid(output).mean().item()
    optimizerG.step()
    print('[%d/4]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
          % (i, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
    G_losses.append(errG.item())
    D_losses.append(errD.item())
print("grad None after zero_grad", netD[0].weight.grad is not None, all(p.grad is None for p in netG.parameters()) is False)
netD.zero_grad(set_to_none=True)
print("set_to_none", all(p.grad is None for p in netD.parameters()))
print("G running_mean", r5(netG[1].running_mean[:5]))
netG.eval()
with torch.no_grad():
    fake = netG(noise_all[0][:2])
print("fake", r5(fake[:, :5]))
print("pos_weight", round(nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))(output, label).item(), 5))
