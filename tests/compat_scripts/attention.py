# Transformer-ish code: embeddings, masks, einsum attention, nn.MultiheadAttention, LayerNorm,
# topk/sort/argmax, F.one_hot, torch.where, masked_fill, scaled_dot_product_attention.
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)


def r(t, k=4):
    return [round(v, k) for v in t.detach().flatten().tolist()]


def init_from_numpy(module, seed):
    g = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(g.normal(0, 0.2, size=tuple(p.shape)).astype(np.float32)))


# everyday tensor ops
scores = torch.from_numpy(rng.standard_normal((3, 6)).astype(np.float32))
values, indices = torch.topk(scores, k=2, dim=-1)
print("topk", r(values), indices.tolist())
s, idx = scores.sort(dim=1, descending=True)
print("sort", r(s[0]), idx[0].tolist(), scores.argsort(dim=0)[:, 0].tolist())
print("argmax", scores.argmax().item(), scores.argmax(dim=1).tolist(), scores.max(dim=0)[1].tolist())
labels = torch.tensor([0, 2, 1, 4])
oh = F.one_hot(labels, num_classes=5)
print("one_hot", oh.tolist(), oh.dtype, F.one_hot(labels).shape)
print("where", r(torch.where(scores > 0, scores, torch.zeros_like(scores))[0]), r(torch.where(scores[0] > 0, 1.0, -1.0)))
print("nonzero", torch.nonzero(scores[0] > 0).flatten().tolist(), (scores > 0).nonzero().shape)
print("softmax", r(F.softmax(scores, dim=-1)[0]), r(torch.log_softmax(scores, 1)[1]))
print("gather", r(scores.gather(1, indices)), r(torch.cumsum(scores[0], 0)))
print("multinomial-shape", torch.multinomial(F.softmax(scores, -1), 1).shape)

# a small GPT-style block
vocab, d_model, n_head, T, B = 11, 16, 4, 7, 2


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(d_model, 3 * d_model)
        self.c_proj = nn.Linear(d_model, d_model)
        self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(d_model, dim=2)
        k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
        q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
        v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y2 = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        assert torch.allclose(y, y2, atol=1e-5)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention()
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(approximate='tanh'),
                                 nn.Linear(4 * d_model, d_model), nn.Dropout(0.0))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class TinyGPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(vocab, d_model)
        self.wpe = nn.Embedding(T, d_model)
        self.blocks = nn.ModuleList([Block() for _ in range(2)])
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab, bias=False)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


model = TinyGPT()
init_from_numpy(model, 1)
idx = torch.from_numpy(rng.integers(0, vocab, size=(B, T)))
targets = torch.roll(idx, -1, dims=1)
targets[:, -1] = -1
opt = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.95))
for it in range(8):
    logits, loss = model(idx, targets)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if it % 2 == 1:
        print(f"iter {it}: loss {loss.item():.5f}")
model.eval()
with torch.no_grad():
    logits, _ = model(idx)
    probs = F.softmax(logits[:, -1, :], dim=-1)
    print("next-token probs", r(probs[0]))
    v, _ = torch.topk(logits[:, -1, :], 3)
    masked = logits[:, -1, :].clone()
    masked[masked < v[:, [-1]]] = -float('Inf')
    print("greedy", torch.argmax(masked, dim=-1).tolist(), r(F.softmax(masked, dim=-1)[1]))

# einsum attention and nn.MultiheadAttention agree
mha = nn.MultiheadAttention(embed_dim=d_model, num_heads=n_head, batch_first=True)
init_from_numpy(mha, 2)
x = torch.from_numpy(rng.standard_normal((B, T, d_model)).astype(np.float32))
key_padding_mask = torch.zeros(B, T, dtype=torch.bool)
key_padding_mask[1, -2:] = True
attn_out, attn_w = mha(x, x, x, key_padding_mask=key_padding_mask)
print("mha out", r(attn_out[1, 0]), "weights", r(attn_w[1, 0]), tuple(attn_w.shape))
Wq, Wk, Wv = mha.in_proj_weight.chunk(3)
bq, bk, bv = mha.in_proj_bias.chunk(3)
q = (x @ Wq.T + bq).view(B, T, n_head, -1)
k = (x @ Wk.T + bk).view(B, T, n_head, -1)
v = (x @ Wv.T + bv).view(B, T, n_head, -1)
att = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d_model // n_head)
att = att.masked_fill(key_padding_mask[:, None, None, :], float("-inf")).softmax(-1)
o = torch.einsum("bhqk,bkhd->bqhd", att, v).reshape(B, T, d_model)
o = mha.out_proj(o)
print("einsum matches mha", torch.allclose(o, attn_out, atol=1e-5), torch.allclose(att.mean(1), attn_w, atol=1e-6))
attn_out.sum().backward()
print("mha grad", round(mha.in_proj_weight.grad.abs().sum().item(), 3))

mask = torch.triu(torch.full((T, T), float('-inf')), diagonal=1)
print("causal mask", r(mask[1]))

layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=n_head, dim_feedforward=32, dropout=0.0, batch_first=True)
init_from_numpy(layer, 3)
enc = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
tmask = nn.Transformer.generate_square_subsequent_mask(T)
y = enc(x, mask=tmask)
print("encoder", r(y[0, 0]), r(tmask[1]))
y.pow(2).mean().backward()
print("encoder grad", round(enc.layers[0].linear1.weight.grad.abs().sum().item(), 4))
