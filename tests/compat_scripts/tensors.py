# The "Tensors" tutorial operations.
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print("x_data", x_data.dtype, x_data.tolist(), x_np.dtype)

x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
torch.manual_seed(0)
x_rand = torch.rand_like(x_data, dtype=torch.float)
print("# rand_like", x_rand.shape, x_rand.dtype)

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")
print("# rand", rand_tensor.shape)

tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
if torch.cuda.is_available():
    tensor = tensor.to("cuda")

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1.shape, t1.sum().item())

rng = np.random.default_rng(0)
a = torch.from_numpy(rng.standard_normal((4, 4)).astype(np.float32))
y1 = a @ a.T
y2 = a.matmul(a.T)
y3 = torch.rand_like(y1)
torch.matmul(a, a.T, out=y3)
print("matmul", [round(v, 4) for v in y1.flatten().tolist()], torch.allclose(y1, y2), torch.equal(y1, y3))

z1 = a * a
z2 = a.mul(a)
z3 = torch.rand_like(a)
torch.mul(a, a, out=z3)
print("mul", round(z1.sum().item(), 4), torch.equal(z1, z2), torch.equal(z1, z3))

agg = a.sum()
agg_item = agg.item()
print("agg", round(agg_item, 4), type(agg_item).__name__)

print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

# a few more everyday tensor things
b = torch.arange(12).reshape(3, 4)
print("view", b.view(4, 3).tolist(), b.view(-1, 6).shape, b.t().contiguous().view(-1).tolist())
print("stack", torch.stack([b, b]).shape, torch.stack([b, b], dim=-1).shape)
print("squeeze", b.unsqueeze(0).shape, b.unsqueeze(0).squeeze().shape, b[None, :, None].shape)
print("permute", b.reshape(1, 3, 4).permute(2, 0, 1).shape, b.transpose(0, 1).shape)
print("types", b.float().dtype, b.double().dtype, b.long().dtype, b.to(torch.float16).dtype, (b > 5).dtype)
print("bool-index", b[b > 5].tolist(), b[:, [0, 2]].tolist(), b[[0, 2]].tolist())
print("reductions", b.float().mean().item(), b.float().std().item(), b.max().item(), b.min(dim=1).values.tolist())
print("mean-dim", b.float().mean(dim=0).tolist(), b.sum(dim=1, keepdim=True).shape)
print("clamp", b.clamp(2, 8).tolist(), b.clamp(min=3).tolist())
print("chunk", [c.shape for c in b.chunk(2, dim=1)], [c.shape for c in torch.split(b, [1, 2])])
print("flatten", torch.flatten(b).shape, b.flatten(0).shape, b.numel(), b.dim(), b.size(0), b.size())
print("zeros", torch.zeros(2, 3, dtype=torch.long).tolist(), torch.full((2, 2), 7.0).tolist())
print("linspace", torch.linspace(0, 1, 5).tolist(), torch.arange(0, 1, 0.25).tolist())
print("eye", torch.eye(3).tolist())
print("repr", torch.tensor([1.5, 2.25]), torch.tensor([[1, 2]]), torch.tensor(3.0))
