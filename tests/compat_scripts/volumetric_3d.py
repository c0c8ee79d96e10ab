# Volumetric (3-d) networks as medical-imaging and video tutorials write them: a 3-d CNN classifier
# (Conv3d, BatchNorm3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d) and a 3-d autoencoder (strided Conv3d,
# InstanceNorm3d, ConvTranspose3d, MaxPool3d indices with MaxUnpool3d), trained a few steps with Adam,
# then evaluated; the F.* forms and a state_dict round trip.
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)
N = 8
volumes = rng.standard_normal((N, 1, 8, 12, 12)).astype(np.float32)
labels = rng.integers(0, 3, size=N)
volumes[np.arange(N), 0, :4, :6, :6] += 1.5 * labels[:, None, None, None]     # learnable
x_all = torch.from_numpy(volumes)
y_all = torch.from_numpy(labels)


def numpy_init(model, seed):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.from_numpy((r.standard_normal(p.shape) / np.sqrt(fan_in)).astype(np.float32)))
            elif name.endswith("weight"):
                p.fill_(1.0)
            else:
                p.copy_(torch.from_numpy((0.01 * r.standard_normal(p.shape)).astype(np.float32)))


def r(v, k=4):
    return [round(float(a), k) for a in np.asarray(v).ravel()]


class Classifier3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 8, kernel_size=3, padding=1, bias=False)   # a bias before BatchNorm is dead
        self.bn1 = nn.BatchNorm3d(8)
        self.pool = nn.MaxPool3d(2)
        self.conv2 = nn.Conv3d(8, 16, kernel_size=(3, 3, 3), stride=(1, 2, 2), padding=1, bias=False)
        self.bn2 = nn.BatchNorm3d(16)
        self.avg = nn.AvgPool3d(kernel_size=2, stride=1, padding=1, count_include_pad=False)
        self.gap = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.avg(F.relu(self.bn2(self.conv2(x))))
        return self.fc(torch.flatten(self.gap(x), 1))


class AutoEncoder3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv3d(1, 6, 3, stride=2, padding=1, bias=False),
                                 nn.InstanceNorm3d(6, affine=True), nn.LeakyReLU(0.1), nn.Conv3d(6, 12, 3, padding=1))
        self.pool = nn.MaxPool3d(2, return_indices=True)
        self.unpool = nn.MaxUnpool3d(2)
        self.dec = nn.ConvTranspose3d(12, 1, kernel_size=4, stride=2, padding=1)

    def forward(self, x):
        h = self.enc(x)
        p, idx = self.pool(h)
        return self.dec(self.unpool(p, idx, output_size=h.shape))


clf = Classifier3d()
numpy_init(clf, 1)
print(clf.conv2)
print(clf.avg, clf.gap)
opt = torch.optim.Adam(clf.parameters(), lr=0.01)
losses = []
for step in range(4):
    batch = slice((step % 2) * 4, (step % 2) * 4 + 4)
    opt.zero_grad()
    loss = F.cross_entropy(clf(x_all[batch]), y_all[batch])
    loss.backward()
    opt.step()
    losses.append(loss.item())
print("classifier losses", r(losses))
print("conv1 grad norm", r(clf.conv1.weight.grad.norm()))
print("running stats", r(clf.bn2.running_mean[:4]), r(clf.bn2.running_var[:4]))
clf.eval()
with torch.no_grad():
    logits = clf(x_all)
print("eval logits", r(logits[:2]))
print("predictions", logits.argmax(1).tolist())

ae = AutoEncoder3d()
numpy_init(ae, 2)
opt = torch.optim.Adam(ae.parameters(), lr=0.005)
for step in range(3):
    opt.zero_grad()
    recon = ae(x_all[:4])
    loss = F.mse_loss(recon, x_all[:4])
    loss.backward()
    opt.step()
    print("autoencoder", step, tuple(recon.shape), r(loss.item()))

# the functional forms and a state_dict round trip
v = x_all[:2]
print("max_pool3d", r(F.max_pool3d(v, 3, stride=2, padding=1, ceil_mode=True).sum()))
out, idx = F.max_pool3d(v, 2, return_indices=True)
print("indices", idx.flatten()[:6].tolist(), idx.dtype)
print("avg_pool3d", r(F.avg_pool3d(v, (2, 3, 3), stride=(1, 2, 2), divisor_override=10).sum()))
print("adaptive", r(F.adaptive_avg_pool3d(v, (2, 3, 3))[0, 0, 1]))
print("adaptive max", r(F.adaptive_max_pool3d(v, (3, 2, 5)).sum()))
w = torch.from_numpy(rng.standard_normal((2, 1, 2, 3, 3)).astype(np.float32))
print("conv3d", r(F.conv3d(v, w, stride=2, dilation=(1, 2, 1)).sum()))
print("conv_transpose3d", tuple(F.conv_transpose3d(v[:, :, :3, :3, :3], w.transpose(0, 1), stride=2).shape))
print("lp_pool3d", r(F.lp_pool3d(v.abs(), 2.0, 2).mean()))
buf = io.BytesIO()
torch.save(clf.state_dict(), buf)
buf.seek(0)
clone = Classifier3d()
clone.load_state_dict(torch.load(buf))
clone.eval()
with torch.no_grad():
    print("reloaded equal", bool(torch.equal(clone(x_all), logits)))
