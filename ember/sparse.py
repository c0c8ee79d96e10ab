"""`torch.sparse`: sparse COO tensors' products and sums, and the legacy sparse tensor types.

The sparse COO tensor itself lives in the sparse op family (`ember/_ops/sparse.py`, NOTE [ Sparse COO
tensors ]). Not in ember: CSR/CSC/BSR/BSC layouts, sparse x sparse products, `torch.sparse.softmax`.
"""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._ops import matmul as _matmul
from ._ops.sparse import is_sparse, make_sparse, sparse_addmm as addmm, sparse_coo_tensor, sparse_mm
from ._ops.sparse import sparse_sum as sum  # noqa: A004 - torch's name
from ._tensor import Tensor
from ._tensor_base import _wrap

__all__ = ["mm", "sum", "addmm", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


def mm(mat1, mat2, reduce=None):
    """mat1 @ mat2 for a sparse COO mat1 (gradient of mat1: sparse, masked to its entries); dense operands as
    torch.mm. Matches `torch.sparse.mm`."""
    if isinstance(mat1, Tensor) and not is_sparse(mat1) and reduce is None:
        return _matmul.mm(mat1, mat2)
    return sparse_mm(mat1, mat2, reduce)


class _LegacySparseType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and is_sparse(obj) and obj._sp_values._data.dtype == cls._dtype.np

    def __repr__(cls):
        return f"<class 'torch.sparse.{cls.__name__}'>"


def _legacy(name, dt):
    def __new__(cls, *args, **kwargs):
        if kwargs:
            raise TypeError(f"torch.sparse.{name}() takes no keyword arguments")
        if len(args) >= 2 and isinstance(args[0], Tensor) and isinstance(args[1], Tensor):
            return sparse_coo_tensor(*args)          # (indices, values[, size]): values keep their dtype
        if all(type(a) is int for a in args):        # an empty sparse tensor of this size
            return make_sparse(_wrap(np.zeros((len(args), 0), dtype=np.int64)), _wrap(np.zeros(0, dt.np)),
                               args, True)
        raise TypeError(f"torch.sparse.{name}() takes (indices, values[, size]) or sizes, got "
                        f"{', '.join(type(a).__name__ for a in args)}")
    return _LegacySparseType(name, (), {"_dtype": dt, "__new__": __new__, "__slots__": (),
                                        "__doc__": f"Legacy constructor of sparse {dt} tensors. Matches "
                                                   f"`torch.sparse.{name}`."})


FloatTensor = _legacy("FloatTensor", D.float32)
DoubleTensor = _legacy("DoubleTensor", D.float64)
HalfTensor = _legacy("HalfTensor", D.float16)
LongTensor = _legacy("LongTensor", D.int64)
IntTensor = _legacy("IntTensor", D.int32)
ShortTensor = _legacy("ShortTensor", D.int16)
CharTensor = _legacy("CharTensor", D.int8)
ByteTensor = _legacy("ByteTensor", D.uint8)
BoolTensor = _legacy("BoolTensor", D.bool)
