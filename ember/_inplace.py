"""In-place writes and view rebasing: every in-place op goes through `inplace(a, fn, *args)`.

`fn(*args)` computes the op's result out of place, with `a` as its input 0 (or writes straight into
a's memory and returns a tensor over it: fill_, copy_, x[i] = v). `inplace` runs torch's checks
first, writes the result into a's memory, bumps the version counter shared by a and its views, and
makes `a` stand for the result in the graph: its retain_grad() follows it, its base and sibling
views are rewired (NOTE [ In-place on views ], NOTE [ Views taken before an in-place write ]).
"""
from __future__ import annotations

from sys import getrefcount as _getrefcount
from weakref import ref as _weakref

import numpy as np

from . import _dtype as D
from ._ops._base import Op
from ._tensor_base import _PY_SCALARS, TensorBase, _binary, _edge, _op_name, _unary, _wrap, not_a_tensor
from .autograd.engine import check_versions, fix_array, fix_tensor, saved_as_tensors
from .autograd.graph import RetainGrad, new_node
from .autograd.grad_mode import STATE

_ndarray = np.ndarray
_KIND = {d.np: d._kind for d in D.ALL}

_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.")


def check_inplace(a):
    """torch's checks before an in-place write while grad mode is on."""
    if a._node is None and a._rg:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = getattr(a, "_base", None)
    if base is not None and base._node is None and base._rg:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def can_cast(src, dst):
    """torch's in-place rule: a result may be written into a tensor of the same or a higher category."""
    return _KIND[src] <= _KIND[dst]


def inplace(a, fn, *args):
    """The one entry point of every in-place op: write `fn(*args)` into `a`; `a` takes its place in the graph."""
    try:
        before = a._node if a._node is not None else (a if a._rg else None)
    except AttributeError:
        op = args[0] if args else None
        raise not_a_tensor(_op_name(op) + "_" if isinstance(op, type) else "in-place op", a) from None
    if STATE.enabled:
        check_inplace(a)
    out = fn(*args)
    if out is NotImplemented:
        return out
    node = out._node
    if out._data is not a._data:
        _check_result(a, out)
        if node is not None and node.next[0] is not before and getattr(a, "_base", None) is not None:
            # rebasing a view needs the write's input 0 to be the old view: record a plain copy instead
            return a.copy_(out)
    old = a._vc[0]
    if node is not None:
        _protect_saved(node, a, old)
    _store(a, out)
    if node is not None:
        if node.op.saves_out:
            _share_saved_output(node, out._data, a._data)
        v = node.vers
        if v is not None:
            ovc = out._vc
            nv = list(v)
            for i in range(0, len(nv), 2):
                if nv[i] is ovc:       # the saved output is now a's memory at its new version
                    nv[i] = a._vc
                    nv[i + 1] = old + 1
            node.vers = tuple(nv)
        become_output(a, node)
    return a


def write_untracked(a, fn, *args):
    """A write autograd does not see: for the ops torch gives no derivative (logical_and_, ...), whose result
    carries no gradient. The values and the version counter change, the graph does not, and a leaf that
    requires grad may be written, as in torch."""
    out = fn(*args)
    if out is NotImplemented:
        return out
    _check_result(a, out)
    _store(a, out)
    return a


def _check_result(a, out):
    src, dst = out._data, a._data
    if src.dtype is not dst.dtype and not can_cast(src.dtype, dst.dtype):
        raise RuntimeError(f"result type {D.scalar_type_name(src.dtype)} can't be cast to the desired "
                           f"output type {D.scalar_type_name(dst.dtype)}")
    if src.shape != dst.shape:
        raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast shape "
                           f"{list(src.shape)}")


def _store(a, out):
    """Copy the result into a's memory (unless it was written there directly) and bump the version."""
    src, dst = out._data, a._data
    if src is not dst:
        try:
            np.copyto(dst, src, casting="unsafe")
        except ValueError:
            raise RuntimeError(_OVERLAP) from None
    a._vc[0] += 1


def _share_saved_output(node, src, dst):
    """The op saved its output `src`, which now lives in a's memory `dst` too: keep a's memory instead, so the
    result is not held twice (relu_, leaky_relu_, sigmoid_, ...: torch saves the written tensor itself)."""
    if src is dst or src.dtype != dst.dtype or type(node.saved) is not tuple:
        return
    saved = list(node.saved)
    for i, code in enumerate(node.op.saves):
        if code == "out" and saved[i] is src:
            saved[i] = dst
    node.saved = tuple(saved)


def _protect_saved(node, a, old):
    """The write is about to overwrite a's memory, which is the op's input 0 (inplace's contract): if
    the op saved that array it gets a private copy, and input 0's version entry stops following a's
    counter (it may also be a promoted copy). Anything else the op saved from a's memory keeps its
    entry, so a backward that needs it raises torch's error (as `y *= y` does)."""
    op = node.op
    if not op.saved_inputs or op.saved_inputs[0] != 0:
        return
    dst = a._data
    if type(node.saved) is tuple:
        saved = list(node.saved)
        for i, code in enumerate(op.saves):
            if code == "x0" and saved[i] is dst:
                saved[i] = dst.copy()
        node.saved = tuple(saved)
    v = node.vers
    if v is not None and v[0] is a._vc and v[1] == old:     # input 0's entry comes first
        node.vers = ([old], old) + v[2:]      # a private counter nothing bumps


def become_output(t, node):
    """`t` was just written in place by `node`'s op: it now stands for node's output in the graph."""
    base = getattr(t, "_base", None)
    if not (t if base is None else base)._rg:
        _collect_views(t)
    _move_retain(t, node)
    t._node = node
    t._rg = True
    if base is not None:
        _rebase_view(t, node)
    if len(t._vc) > 1:
        _refresh_views(t)


def become_view(a, out):
    """squeeze_/unsqueeze_/t_/transpose_/as_strided_: `a` takes the view `out`'s shape (same memory) and node."""
    if STATE.enabled and a._rg and a._node is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    a._data = out._data
    if out._node is not None:
        a._node = out._node
    return a


def _move_retain(t, new):
    """t's node is about to become `new`: retain_grad() follows the tensor to its new version, as in
    torch (ordinary tensor hooks stay with the old version's node)."""
    old = t._node
    if old is None or not old.hooks or old is new:
        return
    keep = []
    for h in old.hooks:
        if type(h) is RetainGrad and h.ref() is t:
            if new.hooks is None:
                new.hooks = []
            new.hooks.append(h)
        else:
            keep.append(h)
    old.hooks = keep or None


# NOTE [ In-place on views ]
# An in-place op on a view `v` of `base` changes base's values too, so base's graph must change
# (torch's "rebase"). The op is recorded as usual (node N: old v -> new v), then:
# - base becomes the output of a CopySlices node: its gradient g flows unchanged to the old base
#   except in v's region, which is replaced by N's gradient for the old v (N's other inputs get
#   theirs as usual);
# - v becomes an AsStrided view of the new base (its gradient is scattered into base's shape).
# The region is kept as the flat (C-order) positions of v's elements inside base's array.

def _offsets(shape, strides):
    off = np.zeros(shape, dtype=np.intp)
    nd = len(shape)
    for k in range(nd):
        if shape[k] > 1 and strides[k]:
            off = off + (np.arange(shape[k], dtype=np.intp) * strides[k]).reshape((-1,) + (1,) * (nd - 1 - k))
    return off


def view_positions(vd, bd):
    """Flat C-order indices into `bd` of the elements of `vd` (an array sharing bd's memory)."""
    start = vd.__array_interface__["data"][0] - bd.__array_interface__["data"][0]
    voff = start + _offsets(vd.shape, vd.strides)
    if bd.flags.c_contiguous:
        pos = voff // bd.itemsize
        if bd.size and (pos.min(initial=0) < 0 or pos.max(initial=0) >= bd.size):
            raise RuntimeError("ember: in-place operation on a view that does not lie inside its base")
        return pos
    boff = _offsets(bd.shape, bd.strides).reshape(-1)
    order = np.argsort(boff, kind="stable")
    sboff = boff[order]
    k = np.clip(np.searchsorted(sboff, voff), 0, max(bd.size - 1, 0))
    if bd.size == 0 or not np.array_equal(sboff[k], voff):
        raise RuntimeError("ember: in-place operation on a view that does not lie inside its base")
    return order[k]


class CopySlices(Op):
    """Base tensor after an in-place write into one of its views (created here, never by a forward)."""
    bw_name = "torch::autograd::CopySlices"

    @staticmethod
    def backward(saved, g, needs):
        pos, node = saved
        if type(g) is not _ndarray:
            return _copy_slices_graph(pos, node, g, needs)
        inner = tuple(needs)
        if node.vers is not None:
            check_versions(node, inner)
        gin = node.op.backward(node.saved, g.reshape(-1)[pos], inner)
        if type(gin) is not tuple:
            gin = (gin,)
        out = [None] * len(inner)
        for i in range(1, len(inner)):
            gi = gin[i]
            if gi is not None and inner[i] and node.shapes[i] is not None:
                gi = fix_array(np.asarray(gi), node.shapes[i], node.dtypes[i])
            out[i] = gi
        if needs[0]:
            gb = np.array(g)
            g0 = gin[0]
            if g0 is None:
                gb.reshape(-1)[pos] = 0
            else:
                gb.reshape(-1)[pos] = fix_array(np.asarray(g0), pos.shape, None)
            out[0] = gb
        return tuple(out)


def _copy_slices_graph(pos, node, g, needs):
    """CopySlices' backward on Tensors (create_graph=True): the same rule, built of recorded ops."""
    inner = tuple(needs)
    if node.vers is not None:
        check_versions(node, inner)
    flat = g.reshape(-1)
    gin = node.op.backward(saved_as_tensors(node), flat[_wrap(pos)], inner)
    if type(gin) is not tuple:
        gin = (gin,)
    out = [None] * len(inner)
    for i in range(1, len(inner)):
        gi = gin[i]
        if gi is not None and inner[i] and node.shapes[i] is not None:
            gi = fix_tensor(gi, node.shapes[i], node.dtypes[i])
        out[i] = gi
    if needs[0]:
        keep = np.ones(g._data.size, dtype=g._data.dtype)
        keep[pos.reshape(-1)] = 0
        gb = flat * _wrap(keep)
        g0 = gin[0]
        if g0 is not None:
            g0 = fix_tensor(g0, pos.shape, None)
            gb = gb + scatter_flat(g0, pos, (g._data.size,), False)
        out[0] = gb.reshape(g._data.shape)
    return tuple(out)


class AsStrided(Op):
    """A view re-derived from its base's node: out = base.flat[pos]. Its gradient is scattered back
    (accumulated where the view's elements share memory: expand, unfold)."""
    saves = ("c", "c", "c")
    bw_name = "AsStridedBackward0"

    @staticmethod
    def backward(saved, g, needs):
        pos, shape, overlap = saved
        if type(g) is not _ndarray:
            return (scatter_flat(g, pos, shape, overlap),)
        gx = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=g.dtype)
        flat_g = np.broadcast_to(g, pos.shape).reshape(-1)
        if overlap:
            np.add.at(gx, pos.reshape(-1), flat_g)
        else:
            gx[pos.reshape(-1)] = flat_g
        return (gx.reshape(shape),)


def scatter_flat(g, pos, shape, overlap):
    """Differentiable (create_graph) form of: zeros(shape) with flat positions `pos` set to (or, with
    overlap, accumulating) g."""
    n = int(np.prod(shape, dtype=np.int64))
    z = _wrap(np.zeros(n, dtype=g._data.dtype))
    flat = (g.expand(*pos.shape) if tuple(g.shape) != pos.shape else g).reshape(-1)
    return z.index_put((_wrap(pos.reshape(-1)),), flat, accumulate=bool(overlap)).reshape(shape)


def _rebase_view(v, node):
    """After the in-place op `node` wrote into view `v`: rewire v's base and v (NOTE above)."""
    base = v._base
    bd, vd = base._data, v._data
    if not np.may_share_memory(bd, vd):
        return
    pos = view_positions(vd, bd)
    cs = new_node(CopySlices, (_edge(base),) + tuple(node.next[1:]), (pos, node),
                  (bd.shape,) + tuple(node.shapes[1:]), (bd.dtype,) + tuple(node.dtypes[1:]))
    _move_retain(base, cs)
    base._node = cs
    base._rg = True
    vn = new_node(AsStrided, (cs,), (pos, bd.shape, False), (bd.shape,), (bd.dtype,))
    _move_retain(v, vn)
    v._node = vn
    v._rg = True


# NOTE [ Views taken before an in-place write ]
# A view shares memory with its base, so after a recorded in-place write to the base (or to a
# sibling view) a view taken earlier reads the new values: its graph node must be re-derived
# from the base's new node (torch regenerates the grad_fn). Recorded views are registered on the
# shared version counter (`_vc[0]` is the version; weakrefs to views follow it: `_tensor_base._view`),
# and every live registered view is regenerated as AsStrided(base) after each recorded in-place write.
# Only views of a base that requires grad are registered when taken (the registration is per-view
# overhead). A base that does not require grad gains a graph only through its first recorded
# in-place write; `_collect_views` then finds the views taken before (they hold the shared counter
# list), once, before the refresh.

def _collect_views(t):
    """t's base (or t) is about to require grad through an in-place write: register its live views."""
    root = getattr(t, "_base", None)
    if root is None:
        root = t
    vc = root._vc
    # references accounted for: root's slot, t's slot (a view), `vc`, getrefcount's argument
    if _getrefcount(vc) <= (3 if t is root else 4):
        return
    import gc
    known = {id(r()) for r in vc[1:]}
    for o in gc.get_referrers(vc):
        if o is not root and getattr(o, "_vc", None) is vc and getattr(o, "_base", None) is root \
                and id(o) not in known:
            vc.append(_weakref(o))


def _refresh_views(t):
    vc = t._vc
    root = getattr(t, "_base", None)
    if root is None:
        root = t
    rn = root._node
    if rn is None:
        return
    live = []
    for r in vc[1:]:
        w = r()
        if w is None:
            continue
        live.append(r)
        if w is t or getattr(w, "_base", None) is not root:
            continue
        pos = view_positions(w._data, root._data)
        overlap = pos.size > 1 and np.unique(pos).size != pos.size
        w._node = new_node(AsStrided, (rn,), (pos, root._data.shape, overlap), (root._data.shape,),
                           (root._data.dtype,))
        w._rg = True
    vc[1:] = live


def inplace_op(op, a, *args):
    """`a.op_(...)` for a kernel whose input 0 is `a`: the binary hook for one Tensor or number operand,
    the unary hook (static arguments) otherwise."""
    if len(args) == 1 and (isinstance(args[0], TensorBase) or type(args[0]) in _PY_SCALARS):
        return inplace(a, _binary, op, a, args[0])
    return inplace(a, _unary, op, a, *args)


def write_out(res, out):
    """`res`, or, given a user's `out=` tensor, res written into it (resized like torch when the shapes differ)."""
    if out is None:
        return res
    if not isinstance(out, TensorBase):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if not can_cast(res._data.dtype, out._data.dtype):
        raise RuntimeError(f"result type {D.scalar_type_name(res._data.dtype)} can't be cast to the desired output "
                           f"type {D.scalar_type_name(out._data.dtype)}")
    if out._rg and STATE.enabled:
        raise RuntimeError("functions with out=... arguments don't support automatic differentiation, but one of "
                           "the arguments requires grad.")
    if out._data.shape == res._data.shape:
        np.copyto(out._data, res._data, casting="unsafe")
    else:
        out._data = res._data.astype(out._data.dtype)
    out._vc[0] += 1
    return out


def zero_grads(tensors, set_to_none=True):
    """`.grad = None` (default) or zeroed in place for each tensor: Module.zero_grad and Optimizer.zero_grad.
    A gradient that has a graph (create_graph) is detached first, as torch does."""
    for p in tensors:
        g = getattr(p, "_grad", None)
        if g is None:
            continue
        if set_to_none:
            p._grad = None
        else:
            if g._node is not None:
                g.detach_()
            else:
                g._rg = False
            if g._data.flags.writeable:
                g._data[...] = 0
            else:       # e.g. a broadcast view: give the grad its own zeroed buffer
                g._data = np.zeros(g._data.shape, g._data.dtype)
            g._vc[0] += 1
