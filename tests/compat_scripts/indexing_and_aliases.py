# Tutorial-style tensor code that leans on torch's indexing rules and NumPy-style keywords:
# gathering predictions with a range of rows, per-sample picks with lists, a strided crop mixing an
# integer and an index tensor, reductions of scalars, axis=/keepdims=, and cropping with negative padding.
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(0)

# ---- picking the score of the true class for every sample (x[range(n), y]) ---------------------------
logits = torch.tensor(rng.standard_normal((6, 5)).astype(np.float32), requires_grad=True)
labels = torch.tensor(rng.integers(0, 5, 6))
picked = logits[range(len(labels)), labels]
print("picked", [round(v, 4) for v in picked.tolist()])
loss = -(picked - logits.logsumexp(axis=1)).mean()
loss.backward()
print("nll", round(loss.item(), 4), "grad row 0", [round(v, 4) for v in logits.grad[0].tolist()])
print("same as cross_entropy", round(F.cross_entropy(logits.detach(), labels).item(), 4))

# ---- lists mixing ints and tensors, ranges of rows ---------------------------------------------------
table = torch.arange(20.0).reshape(4, 5)
print("rows 0 and 2", table[[0, 2]].tolist())
print("row 1, column 3", table[1, torch.tensor(3)].item())
print("every other row", table[range(0, 4, 2)].tolist())
print("row/column pairs", table[[0, 1, 2], [4, 3, 2]].tolist())
print("float list truncates", table[[0.5, 2.9]].shape)

# ---- an integer index and a tensor index separated by slices keep the tensor dims in place ----------
video = torch.arange(2 * 3 * 12 * 5 * 4.0).reshape(2, 3, 12, 5, 4)
idx = torch.tensor([0, 2, 4])
clip = video[1, :, 3:11:2, idx, 0:2]
print("strided crop shape", tuple(clip.shape), "sum", clip.sum().item())
video[1, :, 3:11:2, idx, 0:2] = 0.0
print("after zeroing", video.sum().item())
print("several ellipses", tuple(video[..., 1, ...].shape))

# ---- reductions and scans of 0-d tensors (a scalar loss) ---------------------------------------------
w = torch.tensor(2.0, requires_grad=True)
total = w.sum(0) + w.mean(-1) + w.logsumexp(0) + w.cumsum(0) + w.std(0, correction=0)
total.backward()
print("0-d reductions", round(total.item(), 4), "grad", round(w.grad.item(), 4))
try:
    w.detach().cumsum(1)
except IndexError:
    print("cumsum(1) of a 0-d tensor: IndexError")

# ---- NumPy-style keywords ----------------------------------------------------------------------------
data = torch.tensor(rng.standard_normal((3, 4)).astype(np.float32))
s, m = torch.std_mean(data, axis=1)
print("std_mean axis=1", [round(v, 4) for v in s.tolist()], [round(v, 4) for v in m.tolist()])
print("sum keepdims", tuple(data.sum(axis=0, keepdims=True).shape))
print("softmax axis", [round(v, 4) for v in torch.softmax(data, axis=1)[0].tolist()])
print("cat axis", tuple(torch.cat([data, data], axis=1).shape), "amax", torch.amax(data, axis=1).shape)

# ---- cropping with negative padding ------------------------------------------------------------------
img = torch.arange(25.0).reshape(1, 1, 5, 5)
for mode in ("reflect", "replicate", "circular"):
    out = F.pad(img, (-1, 2, 1, -2), mode=mode)
    print("pad", mode, tuple(out.shape), out.sum().item(), out[0, 0, 0].tolist())
print("constant crop", F.pad(img, (-2, -2, 0, 0)).shape)
