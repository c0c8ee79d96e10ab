"""Matrix products as Tensor methods."""
from __future__ import annotations

from .._ops import linalg as L


def _check_matmul(a, b):
    sa, sb = a._data.shape, b._data.shape
    if len(sa) == 0 or len(sb) == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {len(sa)}D and {len(sb)}D")
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        if len(sa) <= 2 and len(sb) <= 2:
            ma = f"{sa[0]}x{sa[1]}" if len(sa) == 2 else f"1x{sa[0]}"
            mb = f"{sb[0]}x{sb[1]}" if len(sb) == 2 else f"{sb[0]}x1"
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({ma} and {mb})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{ka}] but got: "
                           f"[{kb}] (matmul of shapes {tuple(sa)} and {tuple(sb)})")


class LinalgMixin:
    __slots__ = ()

    def matmul(self, other):
        if not isinstance(other, _Tensor):
            raise TypeError(f"matmul(): argument 'other' must be Tensor, not {type(other).__name__}")
        if self._data.dtype is not other._data.dtype:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {self.dtype} != {other.dtype}")
        _check_matmul(self, other)
        return _binary(L.Matmul, self, other)

    def __matmul__(self, other):
        if not isinstance(other, _Tensor):
            from .._tensor import _as_operand
            other = _as_operand(other)
            if not isinstance(other, _Tensor):
                return NotImplemented
        return self.matmul(other)

    def __rmatmul__(self, other):
        from .._tensor import _as_operand
        other = _as_operand(other)
        if not isinstance(other, _Tensor):
            return NotImplemented
        return other.matmul(self)

    def mm(self, mat2):
        if self._data.ndim != 2:
            raise RuntimeError(f"self must be a matrix, got {self._data.ndim}-D tensor")
        if mat2._data.ndim != 2:
            raise RuntimeError(f"mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
        return self.matmul(mat2)


_binary = _Tensor = None


def _bind():
    global _binary, _Tensor
    from .._tensor import _binary as b, Tensor
    _binary, _Tensor = b, Tensor
