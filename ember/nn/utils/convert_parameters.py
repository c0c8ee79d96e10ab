"""Flatten parameters into one vector and back. Matches `torch.nn.utils.parameters_to_vector` etc."""
from __future__ import annotations


from ..._ops.join import cat
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """Concatenate the flattened parameters into one 1-D tensor (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    """Copy slices of the 1-D `vec` into the parameters' data, in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    v = vec._data
    i = 0
    for p in parameters:
        n = p._data.size
        # like torch, each parameter becomes a view of `vec`
        p._data = v[i:i + n].reshape(p._data.shape).astype(p._data.dtype, copy=False)
        p._vc[0] += 1
        i += n
