# Recurrent models as in the sequence-modelling tutorials: an LSTM tagger over embeddings, a GRU
# classifier over padded/packed variable-length batches, an LSTMCell loop, gradient clipping.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

rng = np.random.default_rng(0)


def init_from_numpy(module, seed):
    g = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(g.uniform(-0.3, 0.3, size=tuple(p.shape)).astype(np.float32)))


def r(t, k=4):
    return [round(v, k) for v in t.detach().flatten().tolist()]


# ---- "Sequence Models and LSTM Networks": an LSTM part-of-speech tagger ----
training_data = [
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"]),
]
word_to_ix = {}
for sent, tags in training_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


model = LSTMTagger(6, 6, len(word_to_ix), len(tag_to_ix))
init_from_numpy(model, 1)
loss_function = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(30):
    for sentence, tags in training_data:
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
    if epoch % 10 == 9:
        print(f"tagger epoch {epoch} loss {loss.item():.5f}")
with torch.no_grad():
    tag_scores = model(prepare_sequence(training_data[0][0], word_to_ix))
    print("tag scores", r(tag_scores[0]), tag_scores.argmax(1).tolist())

# ---- a GRU classifier over a padded, packed batch of variable-length sequences ----
class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(12, 5, padding_idx=0)
        self.gru = nn.GRU(5, 7, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(14, 3)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(self.emb(x), lengths, batch_first=True, enforce_sorted=False)
        out, h = self.gru(packed)
        out, out_lens = pad_packed_sequence(out, batch_first=True)
        feat = torch.cat([h[-2], h[-1]], dim=1)
        return self.fc(feat), out, out_lens


seqs = [torch.from_numpy(rng.integers(1, 12, size=n)) for n in (5, 3, 6, 2)]
labels = torch.tensor([0, 2, 1, 2])
lengths = torch.tensor([len(s) for s in seqs])
batch = pad_sequence(seqs, batch_first=True)
print("padded", tuple(batch.shape), batch[1].tolist())
clf = GRUClassifier()
init_from_numpy(clf, 2)
opt = torch.optim.Adam(clf.parameters(), lr=0.01)
for step in range(5):
    logits, out, out_lens = clf(batch, lengths)
    loss = F.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(clf.parameters(), 0.5)
    opt.step()
    print(f"gru step {step} loss {loss.item():.5f}")
print("unpacked", tuple(out.shape), out_lens.tolist(), r(out[1, 2, :4]), r(out[3, 1:3, 0]))

# ---- an LSTMCell / RNN loop (char-rnn style generation with greedy decoding) ----
cell = nn.LSTMCell(4, 8)
rnn = nn.RNN(4, 8, nonlinearity='tanh', batch_first=True)
head = nn.Linear(8, 4)
init_from_numpy(cell, 3)
init_from_numpy(rnn, 4)
init_from_numpy(head, 5)
h, c = torch.zeros(2, 8), torch.zeros(2, 8)
x = F.one_hot(torch.tensor([1, 3]), 4).float()
generated = []
for t in range(6):
    h, c = cell(x, (h, c))
    nxt = head(h).argmax(1)
    generated.append(nxt.tolist())
    x = F.one_hot(nxt, 4).float()
print("generated", generated)
seq = torch.from_numpy(rng.standard_normal((2, 5, 4)).astype(np.float32))
out, hn = rnn(seq)
(out.sum() + hn.pow(2).sum()).backward()
print("rnn", r(out[0, -1, :4]), r(hn[0, 1, :3]), round(rnn.weight_hh_l0.grad.abs().sum().item(), 4))
