# A VAE (pytorch/examples style loss: BCE + KLD) and a REINFORCE policy-gradient update with
# torch.distributions. The noise and the sampled actions come from numpy so both frameworks see
# the same numbers; a last section samples from the framework's own streams (not compared).
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, Normal, kl_divergence

rng = np.random.default_rng(0)
data = torch.from_numpy((rng.random((64, 36)) > 0.6).astype(np.float32))
noise = torch.from_numpy(rng.standard_normal((6, 16, 4)).astype(np.float32))


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(36, 24)
        self.fc21 = nn.Linear(24, 4)
        self.fc22 = nn.Linear(24, 4)
        self.fc3 = nn.Linear(4, 24)
        self.fc4 = nn.Linear(24, 36)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps):
        std = torch.exp(0.5 * logvar)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps):
        mu, logvar = self.encode(x.view(-1, 36))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 36), reduction='sum')
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def init(module, seed):
    g = np.random.default_rng(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(g.uniform(-0.2, 0.2, size=tuple(p.shape)).astype(np.float32)))


model = VAE()
init(model, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(6):
    model.train()
    train_loss = 0
    for batch_idx in range(4):
        x = data[batch_idx * 16:(batch_idx + 1) * 16]
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(x, noise[(epoch + batch_idx) % 6])
        loss = loss_function(recon_batch, x, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    print('====> Epoch: {} Average loss: {:.4f}'.format(epoch, train_loss / len(data)))

# the same KL with torch.distributions
with torch.no_grad():
    mu, logvar = model.encode(data[:8])
    q = Normal(mu, torch.exp(0.5 * logvar))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    kl_dist = kl_divergence(q, p).sum()
    kl_formula = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    print(f"kl {kl_dist.item():.4f} {kl_formula.item():.4f}")
    print(f"log_prob {q.log_prob(mu + 0.1).sum().item():.4f} entropy {q.entropy().sum().item():.4f}")


# REINFORCE with a categorical policy
class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 16)
        self.dropout = nn.Dropout(p=0.0)
        self.affine2 = nn.Linear(16, 2)

    def forward(self, x):
        x = self.dropout(F.relu(self.affine1(x)))
        return F.softmax(self.affine2(x), dim=1)


policy = Policy()
init(policy, 2)
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
eps = np.finfo(np.float32).eps.item()
gamma = 0.99
for episode in range(3):
    states = torch.from_numpy(rng.standard_normal((10, 4)).astype(np.float32))
    probs = policy(states)
    m = Categorical(probs)
    actions = torch.from_numpy(rng.integers(0, 2, size=10))   # stands in for m.sample()
    log_probs = m.log_prob(actions)
    rewards = rng.random(10).tolist()
    R, returns = 0, []
    for r in rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    policy_loss = (-log_probs * returns).sum()
    optimizer.zero_grad()
    policy_loss.backward()
    optimizer.step()
    print(f"episode {episode} loss {policy_loss.item():.5f} entropy {m.entropy().mean().item():.5f}")

# framework-own sampling: only shapes and dtypes are compared
torch.manual_seed(0)
a = Categorical(logits=torch.zeros(5, 3)).sample()
z = Normal(torch.zeros(2), torch.ones(2)).rsample((7,))
print("samples", tuple(a.shape), a.dtype, tuple(z.shape), z.dtype)
print("# values", a.tolist(), z[0].tolist())
