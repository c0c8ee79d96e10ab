"""`ember.nn.utils.rnn`: PackedSequence, pack/pad helpers. Match `torch.nn.utils.rnn` (differentiable)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ... import _dtype as D
from ..._creation import full, tensor
from ..._ops.join import cat, stack

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "unpad_sequence",
           "pack_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Time-major packed batch of variable-length sequences (data holds step t's live rows in turn)."""
    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def cpu(self):
        return self

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _invert(perm):
    inv = np.empty_like(perm.numpy())
    inv[perm.numpy()] = np.arange(len(inv))
    return tensor(inv, dtype=D.int64)


def _lengths_array(lengths):
    if hasattr(lengths, "numpy"):
        lengths = lengths.detach().numpy() if hasattr(lengths, "detach") else lengths.numpy()
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True):
    """Pack a padded (T, B, *) batch (B, T, * if batch_first) of sequences of the given lengths."""
    lens = _lengths_array(lengths)
    if enforce_sorted:
        if np.any(lens[:-1] < lens[1:]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                               "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
        order = None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = tensor(order, dtype=D.int64)
        lens = lens[order]
    if batch_first:
        input = input.transpose(0, 1)
    if order is not None:
        input = input.index_select(1, sorted_indices)
    if lens.size and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that is "
                           "<= 0")
    if lens.size and lens[0] > input.shape[0]:
        raise RuntimeError(f"Expected sequence length to be at most {input.shape[0]}, but got {lens[0]}")
    steps = int(lens[0]) if lens.size else 0
    batch_sizes = (lens[None, :] > np.arange(steps)[:, None]).sum(1).astype(np.int64)
    data = cat([input[t, :int(b)] for t, b in enumerate(batch_sizes)], 0)
    return PackedSequence(data, tensor(batch_sizes, dtype=D.int64), sorted_indices, None)


def _padded_sorted(sequence, padding_value=0.0, total_length=None):
    """(T, B, *) in the packed (sorted) batch order, and the sorted lengths."""
    from ..functional import pad
    bs = sequence.batch_sizes.numpy()
    n = int(bs[0]) if bs.size else 0
    T = len(bs) if total_length is None else int(total_length)
    if total_length is not None and total_length < len(bs):
        raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, but got "
                         f"total_length={total_length} and max sequence length being {len(bs)}")
    data = sequence.data
    rows, start = [], 0
    for b in bs:
        chunk = data[start:start + int(b)]
        start += int(b)
        if b < n:
            chunk = pad(chunk, (0, 0) * (chunk.ndim - 1) + (0, n - int(b)), value=padding_value)
        rows.append(chunk)
    feat = tuple(data.shape[1:])
    for _ in range(T - len(bs)):
        rows.append(full((n,) + feat, padding_value, dtype=data.dtype))
    padded = stack(rows, 0)
    lens = (bs[None, :] > np.arange(n)[:, None]).sum(1).astype(np.int64)
    return padded, lens


def pad_packed_sequence(sequence, batch_first: bool = False, padding_value: float = 0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths) in the original batch order."""
    padded, lens = _padded_sorted(sequence, padding_value, total_length)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lens = lens[sequence.unsorted_indices.numpy()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, tensor(lens, dtype=D.int64)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"):
    """Stack variable-length tensors (L_i, *) into (L_max, B, *) (or (B, L_max, *)), padding with
    `padding_value` on `padding_side`. Differentiable. Matches `torch.nn.utils.rnn.pad_sequence`."""
    from ..functional import pad
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    max_len = max(s.shape[0] for s in seqs)
    out = []
    for s in seqs:
        extra = max_len - s.shape[0]
        if extra:
            spec = [0, 0] * (s.ndim - 1) + ([0, extra] if padding_side == "right" else [extra, 0])
            s = pad(s, tuple(spec), value=padding_value)
        out.append(s)
    return stack(out, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False):
    """Inverse of `pad_sequence` for right padding: a list of (L_i, *) tensors."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(_lengths_array(lengths))]


def pack_sequence(sequences, enforce_sorted: bool = True):
    """Pack a list of (L_i, *) tensors. Matches `torch.nn.utils.rnn.pack_sequence`."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
