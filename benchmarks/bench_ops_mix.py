"""A mix of 20 common tensor ops on (64, 256) float32 tensors, forward + backward."""
import numpy as np


def workloads(lib):
    rng = np.random.default_rng(0)
    a0 = rng.standard_normal((64, 256)).astype(np.float32)
    b0 = rng.uniform(0.5, 2.0, (64, 256)).astype(np.float32)
    c0 = rng.standard_normal(256).astype(np.float32)
    a = lib.tensor(a0, requires_grad=True)
    b = lib.tensor(b0, requires_grad=True)
    c = lib.tensor(c0, requires_grad=True)

    def mix():
        t = a * b + c                            # 1 mul, 2 add (broadcast)
        t = t - a / b                            # 3 sub, 4 div
        t = t.exp().log1p()                      # 5 exp, 6 log1p
        t = t + b.sqrt() * a.tanh()              # 7 sqrt, 8 tanh
        t = t + a.sigmoid() - b.log()            # 9 sigmoid, 10 log
        t = lib.clamp(t, -3.0, 3.0)              # 11 clamp
        t = lib.maximum(t, a)                    # 12 maximum
        t = t + a.abs().pow(1.5)                 # 13 abs, 14 pow
        t = t * lib.relu(a)                      # 15 relu
        s = lib.softmax(t, dim=1)                # 16 softmax
        m = t.mean(dim=0, keepdim=True)          # 17 mean
        v = t.var(dim=1)                         # 18 var
        l = t.logsumexp(dim=1)                   # 19 logsumexp
        out = (s * m).sum() + v.sum() + t.amax(dim=1).sum() + l.sum()   # 20 amax, sums
        out.backward()
        a.grad = None
        b.grad = None
        c.grad = None

    return {"20-op mix (64x256) fwd+bwd": mix}
