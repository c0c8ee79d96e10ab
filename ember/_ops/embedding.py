"""Embeddings: row lookup (`embedding`), bags of rows reduced by sum/mean/max (`embedding_bag`) and
`one_hot`. Kernels and the `torch.nn.functional` functions. Matches torch's.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .._tensor_base import TensorBase, _apply, _unary, _wrap
from ._base import Op, is_array
from .activation import _tensor_grad_unsupported

__all__ = ["embedding", "embedding_bag", "one_hot"]


# ---- kernels -------------------------------------------------------------------------------------

class Embedding(Op):
    quiet = False      # no floating-point flags (NOTE [ Quiet floating-point errors ])
    saves = ("c",)
    bw_name = "EmbeddingBackward0"

    @staticmethod
    def forward(w, idx, padding_idx, scale_grad_by_freq=False):
        return w[idx], ((idx, w.shape, padding_idx, scale_grad_by_freq),)

    @staticmethod
    def backward(saved, g, needs):
        idx, shape, padding_idx, scale = saved[0]
        if not is_array(g):
            _tensor_grad_unsupported("embedding")
        gw = np.zeros(shape, dtype=g.dtype)
        flat = idx.reshape(-1)
        np.add.at(gw, flat, g.reshape(-1, shape[1]))
        if scale:       # each row's gradient divided by how often its index occurs in the batch
            gw /= np.maximum(np.bincount(flat, minlength=shape[0]), 1).astype(gw.dtype)[:, None]
        if padding_idx is not None:
            gw[padding_idx] = 0
        return (gw,)


class EmbeddingBag(Op):
    # bags of rows of w reduced by sum / mean / max; psw: per-sample weights (ones when not given)
    saves = ("x0", "x1", "c")
    bw_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(w, psw, idx, bag, nbags, mode, padding_idx, scale_grad_by_freq=False):
        d = w.shape[1]
        valid = np.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
        rows = w[idx]
        out = np.zeros((nbags, d), w.dtype)
        extra = None
        if mode == "max":
            out.fill(-np.inf)
            vb = bag[valid]
            np.maximum.at(out, vb, rows[valid])
            filled = np.bincount(vb, minlength=nbags) > 0
            out[~filled] = 0
            # first row attaining the max, per (bag, dim), for the backward
            hit = (rows == out[bag]) & valid[:, None]
            i, j = np.nonzero(hit)
            first = np.full((nbags, d), -1, np.int64)
            order = np.argsort(i, kind="stable")[::-1]    # later rows first, so the first row wins
            first[bag[i[order]], j[order]] = i[order]
            extra = first
        else:
            c = psw * valid
            np.add.at(out, bag, rows * c[:, None])
            if mode == "mean":
                counts = np.bincount(bag, weights=valid, minlength=nbags).astype(w.dtype)
                extra = np.maximum(counts, 1)
                out /= extra[:, None]
        return out, (w, psw, (idx, bag, valid, mode, extra, scale_grad_by_freq))

    @staticmethod
    def backward(saved, g, needs):
        w, psw, (idx, bag, valid, mode, extra, by_freq) = saved
        if not is_array(g):
            _tensor_grad_unsupported("embedding_bag")
        gw = gp = None
        if mode == "max":
            if needs[0]:
                gw = np.zeros(w.shape, g.dtype)
                b, j = np.nonzero(extra >= 0)
                np.add.at(gw, (idx[extra[b, j]], j), g[b, j])
            return gw, None
        gb = g[bag]
        if mode == "mean":
            gb = gb / extra[bag][:, None]
        if needs[0]:
            gw = np.zeros(w.shape, g.dtype)
            np.add.at(gw, idx, gb * (psw * valid)[:, None])
            if by_freq:     # each row's gradient over its number of uses in the mini-batch (documented rule)
                counts = np.bincount(idx, minlength=w.shape[0])
                gw /= np.maximum(counts, 1).astype(g.dtype)[:, None]
        if needs[1]:
            gp = (gb * w[idx]).sum(axis=1) * valid
        return gw, gp


# ---- public functions ------------------------------------------------------------------------------

def _norm_padding_idx(padding_idx, num_embeddings, msg="Padding_idx must be within num_embeddings"):
    """padding_idx counted from the end when negative; out of range: torch's AssertionError with `msg`."""
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num_embeddings, msg
        elif padding_idx < 0:
            assert padding_idx >= -num_embeddings, msg
            padding_idx = num_embeddings + padding_idx
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of `weight` picked by integer `input`. Matches `torch.nn.functional.embedding`."""
    idx = input._data if isinstance(input, TensorBase) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {D.legacy_type_name(idx.dtype)} instead (while checking arguments "
                           "for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        padding_idx = _norm_padding_idx(padding_idx, n)
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    if sparse:
        warnings.warn("ember: embedding(sparse=True) is not supported; computing a dense gradient", stacklevel=2)
    return _unary(Embedding, weight, idx, padding_idx, bool(scale_grad_by_freq))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2, scale_grad_by_freq=False,
                  mode: str = "mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxes of bags of embedding rows, without materialising the per-index rows.

    Matches `torch.nn.functional.embedding_bag` (2-D input of fixed-size bags, or 1-D input + offsets).
    """
    if weight._data.dtype.kind in "iu" and input._data.dtype.kind == "f":
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.",
                      stacklevel=2)
        weight, input = input, weight
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError("embedding_bag: expected input to be an integer tensor")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({tuple(input.shape)})")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        nbags, length = idx.shape
        flat = idx.reshape(-1)
        bag = np.repeat(np.arange(nbags), length)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        off = offsets._data.astype(np.int64)
        if off.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        if off.size and off[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                               f"position 0. However, got {int(off[0])}")
        if include_last_offset:
            off, nbags = off[:-1], off.size - 1
        else:
            nbags = off.size
        flat = idx
        bag = np.searchsorted(off, np.arange(idx.size), side="right") - 1
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    n = weight.shape[0]
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _embedding_renorm(weight, flat, max_norm, norm_type)
    dt = weight._data.dtype
    psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else _wrap(np.ones(flat.shape, dt))
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    return _apply(EmbeddingBag, (weight, psw), flat, bag, nbags, mode, padding_idx, bool(scale_grad_by_freq))


def _embedding_renorm(weight, idx, max_norm, norm_type):
    # NOTE: torch renormalises the picked rows in place under no_grad (never recorded); writing the rows
    # here avoids copying the whole table through `inplace`
    w = weight._data
    rows = np.unique(idx.reshape(-1))
    sub = w[rows]
    norms = np.linalg.norm(sub.astype(np.float64), ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] = (sub * scale[:, None]).astype(w.dtype)
    weight._vc[0] += 1


def one_hot(tensor, num_classes: int = -1):
    """int64 one-hot encoding with a new last dim. Matches `torch.nn.functional.one_hot`."""
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size:
        if a.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if a.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(a.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, a[..., None], 1, axis=-1)
    return _wrap(out)
