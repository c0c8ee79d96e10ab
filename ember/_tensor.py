"""`ember.Tensor`: the data half (`_tensor_base.TensorBase`) plus the method mixin of every op family.

The methods are aliases of the op families' public functions (`ember/_ops/*`), so `x.exp()`,
`ember.exp(x)` and `F.*` forms run the same code. This module only adds what needs the autograd
engine (`backward`) and registers the class with the recording hooks (NOTE [ The one seam ] in
`_tensor_base.py`).
"""
from __future__ import annotations

from . import _tensor_base
from ._ops.activation import ActivationMethods
from ._ops.arith import ArithMethods
from ._ops.binary import BinaryMethods
from ._ops.convert import ConvertMethods
from ._ops.indexing import IndexingMethods
from ._ops.join import JoinMethods
from ._ops.linalg import LinalgMethods
from ._ops.matmul import MatmulMethods
from ._ops.reduction import ReductionMethods
from ._ops.sampling import SamplingMethods
from ._ops.scatter import ScatterMethods
from ._ops.sort import SortMethods
from ._ops.sparse import SparseConversionMethods, SparseCOOMethods
from ._ops.special import SpecialMethods
from ._ops.unary import UnaryMethods
from ._ops.views import ViewMethods
from ._tensor_base import Size, TensorBase
from .autograd.engine import backward as _backward

__all__ = ["Tensor", "Size", "SparseTensor"]


class Tensor(TensorBase, ConvertMethods, ArithMethods, UnaryMethods, BinaryMethods, SpecialMethods, ReductionMethods,
             SortMethods, SamplingMethods, ViewMethods, IndexingMethods, ScatterMethods, JoinMethods, MatmulMethods,
             LinalgMethods, ActivationMethods, SparseConversionMethods):
    """A multi-dimensional array that records the operations applied to it. Matches `torch.Tensor`.

    `Tensor(data)` copies `data` as float32 (torch's legacy constructor); `Tensor(2, 3)` makes an
    uninitialised (zeroed, here) float tensor of that shape. Prefer `ember.tensor(...)`.
    """

    __slots__ = ()

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate gradients of this tensor into the `.grad` of graph leaves. Matches `torch.Tensor.backward`."""
        _backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs=inputs)


class SparseTensor(SparseCOOMethods, Tensor):
    """A sparse COO tensor (`layout == torch.sparse_coo`): NOTE [ Sparse COO tensors ] in `_ops/sparse.py`.
    It is a Tensor and prints its type as one (`type(t)` shows `ember.Tensor`), as torch's sparse tensors do."""

    __slots__ = ("_sp_indices", "_sp_values", "_sp_shape", "_sp_coalesced", "_sp_shadow", "_sp_cache")


SparseTensor.__name__ = SparseTensor.__qualname__ = "Tensor"
SparseTensor.__module__ = "ember"

_tensor_base.Tensor = Tensor
_tensor_base.SparseTensor = SparseTensor
