"""Shape and indexing kernels. View-producing forwards return NumPy views (memory is shared)."""
from __future__ import annotations

import numpy as np

from ._base import Op, b_reshape, b_transpose


class Reshape(Op):
    saves = ("c",)
    bw_name = "ViewBackward0"

    @staticmethod
    def forward(x, shape):
        return x.reshape(shape), (x.shape,)

    @staticmethod
    def backward(saved, g, needs):
        return (b_reshape(g, saved[0]),)


class Permute(Op):
    saves = ("c",)

    @staticmethod
    def forward(x, axes):
        return x.transpose(axes), (axes,)

    @staticmethod
    def backward(saved, g, needs):
        inv = tuple(np.argsort(saved[0]).tolist())
        return (b_transpose(g, inv),)


class Transpose(Permute):
    pass


class Expand(Op):
    @staticmethod
    def forward(x, shape):
        return np.broadcast_to(x, shape), None

    @staticmethod
    def backward(saved, g, needs):
        return (g,)   # the engine sums g back to the input's shape


class Index(Op):
    """x[idx]; idx is a key NumPy understands (ints, slices, None, Ellipsis, int/bool arrays)."""
    saves = ("c", "c", "c")

    @staticmethod
    def forward(x, idx, basic):
        return x[idx], (x.shape, idx, basic)

    @staticmethod
    def backward(saved, g, needs):
        shape, idx, basic = saved
        if type(g) is np.ndarray:
            gx = np.zeros(shape, dtype=g.dtype)
            if basic:
                gx[idx] = g
            else:
                np.add.at(gx, idx, g)
            return (gx,)
        from ember._tensor import _apply
        return (_apply(IndexBackward, (g,), shape, idx, basic),)


class IndexBackward(Op):
    """The adjoint of Index: scatter-add g into zeros (differentiable for double backward)."""
    saves = ("c", "c")
    bw_name = "IndexPutBackward0"

    @staticmethod
    def forward(g, shape, idx, basic):
        gx = np.zeros(shape, dtype=g.dtype)
        if basic:
            gx[idx] = g
        else:
            np.add.at(gx, idx, g)
        return gx, (idx, basic)

    @staticmethod
    def backward(saved, gg, needs):
        idx, basic = saved
        if type(gg) is np.ndarray:
            return (gg[idx],)
        from ember._tensor import _apply
        return (_apply(Index, (gg,), idx, basic),)


class SetItem(Op):
    """out = x with out[idx] = v (the functional form behind __setitem__)."""
    saves = ("c", "c", "c")
    bw_name = "CopySlices"

    @staticmethod
    def forward(x, v, idx, basic):
        out = x.copy()
        out[idx] = v
        return out, (idx, basic, v.shape if hasattr(v, "shape") else ())

    @staticmethod
    def backward(saved, g, needs):
        idx, basic, vshape = saved
        gx = gv = None
        if needs[0]:
            if type(g) is np.ndarray:
                gx = g.copy()
                gx[idx] = 0
            else:
                mask = np.ones(g.shape, dtype=bool)
                mask[idx] = False
                gx = g * mask
        if needs[1]:
            if type(g) is np.ndarray:
                gv = g[idx]
            else:
                from ember._tensor import _apply
                gv = _apply(Index, (g,), idx, basic)
            # several writes to one element keep only the last: torch's gradient is then unspecified
        return gx, gv
