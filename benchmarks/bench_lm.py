"""Word-level language models as in the PyTorch word_language_model example: vocabulary 10k, embedding 200,
2 layers of 200, bptt 35, batch 20, dropout 0.2. One training step each: the hidden state detached, forward,
NLL of log_softmax, backward, clip_grad_norm_(0.25), and the example's manual SGD update
(p.data.add_(p.grad, alpha=-lr)). LSTM, GRU, and a 2-layer TransformerEncoder (2 heads, causal mask).

    python benchmarks/run.py lm
"""
from __future__ import annotations

import math

import numpy as np

STEP_MEMORY = True
NTOKEN, NINP, NHID, NLAYERS, BPTT, BATCH, NHEAD = 10000, 200, 200, 2, 35, 20, 2


def _rnn_model(lib, kind):
    nn = lib.nn
    F = lib.nn.functional

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.2)
            self.encoder = nn.Embedding(NTOKEN, NINP)
            self.rnn = getattr(nn, kind)(NINP, NHID, NLAYERS, dropout=0.2)
            self.decoder = nn.Linear(NHID, NTOKEN)
            nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            decoded = self.decoder(self.drop(output)).view(-1, NTOKEN)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self):
            z = lib.zeros(NLAYERS, BATCH, NHID)
            return (z, z.clone()) if kind == "LSTM" else z

    return RNNModel()


def _transformer_model(lib):
    nn = lib.nn
    F = lib.nn.functional

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            pe = lib.zeros(max_len, d_model)
            position = lib.arange(0, max_len, dtype=lib.float).unsqueeze(1)
            div_term = lib.exp(lib.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = lib.sin(position * div_term)
            pe[:, 1::2] = lib.cos(position * div_term)
            self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

        def forward(self, x):
            return self.dropout(x + self.pe[:x.size(0), :])

    class TransformerModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.pos_encoder = PositionalEncoding(NINP, 0.2)
            layer = nn.TransformerEncoderLayer(NINP, NHEAD, NHID, 0.2)
            self.transformer_encoder = nn.TransformerEncoder(layer, NLAYERS, enable_nested_tensor=False)
            self.encoder = nn.Embedding(NTOKEN, NINP)
            self.decoder = nn.Linear(NINP, NTOKEN)
            nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

        def forward(self, src, mask):
            src = self.pos_encoder(self.encoder(src) * math.sqrt(NINP))
            output = self.decoder(self.transformer_encoder(src, mask))
            return F.log_softmax(output, dim=-1)

    return TransformerModel()


def workloads(lib):
    rng = np.random.default_rng(0)
    data = lib.tensor(rng.integers(0, NTOKEN, (BPTT, BATCH)).astype(np.int64))
    targets = lib.tensor(rng.integers(0, NTOKEN, BPTT * BATCH).astype(np.int64))
    lr = 20.0
    out = {}
    for kind in ("LSTM", "GRU"):
        lib.manual_seed(0)
        model = _rnn_model(lib, kind)
        model.train()
        state = [model.init_hidden()]

        def step(model=model, state=state, kind=kind):
            h = state[0]
            h = tuple(t.detach() for t in h) if kind == "LSTM" else h.detach()
            model.zero_grad()
            output, h = model(data, h)
            state[0] = h
            loss = lib.nn.functional.nll_loss(output, targets)
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)

        out[f"{kind.lower()}_lm_step"] = step
    lib.manual_seed(0)
    tmodel = _transformer_model(lib)
    tmodel.train()
    mask = lib.triu(lib.full((BPTT, BPTT), float("-inf")), diagonal=1)

    def transformer_step():
        tmodel.zero_grad()
        output = tmodel(data, mask).view(-1, NTOKEN)
        loss = lib.nn.functional.nll_loss(output, targets)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(tmodel.parameters(), 0.25)
        for p in tmodel.parameters():
            p.data.add_(p.grad, alpha=-lr)

    out["transformer_lm_step"] = transformer_step
    return out
