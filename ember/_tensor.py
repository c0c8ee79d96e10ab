"""The Tensor: a NumPy array plus autograd state, and the only place where ops are recorded.

Hooks (`_unary`, `_binary`, `_apply`, `_inplace`) run an Op's forward on arrays and, when grad
mode is on and an input requires grad, record a Node. Everything else (methods in
`_methods/*`, `ember.*` functions, nn.functional) calls these hooks.
"""
from __future__ import annotations

from weakref import ref as _weakref

import numpy as np

from . import _dtype as D
from ._ops._base import Node
from .autograd.grad_mode import STATE

_ndarray = np.ndarray
_new = object.__new__
_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
_PY_SCALARS = (int, float, bool)


class Size(tuple):
    """A tensor's shape. Matches `torch.Size` (a tuple subclass)."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, k):
        r = tuple.__getitem__(self, k)
        return Size(r) if isinstance(k, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))


# NOTE: the mixins import this module lazily; Tensor gets its methods from them below.
from ._methods.pointwise import PointwiseMixin    # noqa: E402
from ._methods.reduction import ReductionMixin    # noqa: E402
from ._methods.shape import ShapeMixin            # noqa: E402
from ._methods import shape as _ms                  # noqa: E402
from ._methods.linalg import LinalgMixin          # noqa: E402
from ._methods.misc import MiscMixin              # noqa: E402


class Tensor(PointwiseMixin, ReductionMixin, ShapeMixin, LinalgMixin, MiscMixin):
    """A multi-dimensional array that records the operations applied to it. Matches `torch.Tensor`.

    `Tensor(data)` copies `data` as float32 (torch's legacy constructor); `Tensor(2, 3)` makes an
    uninitialised (zeroed, here) float tensor of that shape. Prefer `ember.tensor(...)`.
    """

    # _data: the ndarray; _rg: requires grad; _node: grad_fn; _vc: version counter, a list
    # shared with views; _grad, _base, _hooks are set only when used (read with getattr).
    __slots__ = ("_data", "_rg", "_node", "_vc", "_grad", "_base", "_hooks", "__weakref__")
    __hash__ = object.__hash__
    __array_priority__ = 1000    # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        if device is not None:
            _check_device(device)
        dt = D.to_dtype(dtype).np if dtype is not None else D.get_default_dtype().np
        if not args:
            data = np.zeros((0,), dtype=dt)
        elif len(args) == 1 and not isinstance(args[0], (int, Size)):
            a = args[0]
            data = np.array(a._data if isinstance(a, Tensor) else a, dtype=dt)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], Size) else args
            data = np.zeros(tuple(int(s) for s in shape), dtype=dt)
        self._data = data
        self._rg = False
        self._node = None
        self._vc = [0]
        if requires_grad:
            self.requires_grad_(True)

    # ---- state ------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> D.dtype:
        return D._FROM_NP[self._data.dtype]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        from ._ops._base import normalize_dim
        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim=None):
        """Strides in elements (torch's convention), not NumPy's bytes."""
        a = self._data
        st = tuple(s // a.itemsize for s in a.strides)
        if dim is None:
            return st
        from ._ops._base import normalize_dim
        return st[normalize_dim(dim, a.ndim)]

    def storage_offset(self) -> int:
        """Offset in elements from the start of the memory this tensor views (its base array's)."""
        a = root = self._data
        while isinstance(root.base, np.ndarray):
            root = root.base
        return (a.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // a.itemsize

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def is_nonzero(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous" if self._data.size == 0 else
                               "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    @property
    def device(self):
        from ._device import CPU
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def layout(self):
        return "torch.strided"

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        if self._node is not None and value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        requires_grad = bool(requires_grad)
        if self._node is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype not in _FLOATS:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = requires_grad
        return self

    @property
    def grad(self):
        g = getattr(self, "_grad", None)
        if g is None and self._node is not None and not self._retains():
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.", UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: {tuple(value.shape)} "
                                   f"vs. {tuple(self.shape)}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: {value.dtype} vs. {self.dtype}")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def grad_fn(self):
        return self._node

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def data(self) -> "Tensor":
        # same memory, no graph, and (unlike detach()) its own version counter: writes through
        # .data are invisible to autograd, as in torch
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def retains_grad(self) -> bool:
        return self._retains()

    def _retains(self):
        n = self._node
        if n is None or n.hooks is None:
            return False
        return any(type(h) is _RetainGrad for h in n.hooks)

    # ---- autograd ----------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate gradients of this tensor into the `.grad` of graph leaves. Matches `torch.Tensor.backward`."""
        from .autograd.engine import backward
        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
                 inputs=inputs)

    def detach(self) -> "Tensor":
        return _wrap_shared(self)

    def detach_(self) -> "Tensor":
        if getattr(self, "_base", None) is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._node = None
        self._rg = False
        return self

    def retain_grad(self) -> None:
        if self._node is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if not self._retains():
            import weakref
            n = self._node
            if n.hooks is None:
                n.hooks = []
            lst = n.hooks
            pos = next((i for i, h in enumerate(lst) if type(h) in _NODE_HOOKS), len(lst))
            lst.insert(pos, _RetainGrad(weakref.ref(self)))

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is not None:
            n = self._node
            if n.hooks is None:
                n.hooks = []
            lst = n.hooks
            # tensor hooks run first, then the retain_grad one, then grad_fn pre-hooks (torch 2.x order)
            pos = next((i for i, h in enumerate(lst) if type(h) is _RetainGrad or type(h) in _NODE_HOOKS),
                       len(lst))
            lst.insert(pos, hook)
        else:
            lst = getattr(self, "_hooks", None)
            if lst is None:
                lst = self._hooks = []
            lst.append(hook)
        return RemovableHandle(lst, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call `hook(tensor)` after a backward pass has accumulated this leaf's `.grad`."""
        if self._node is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        lst = getattr(self, "_hooks", None)
        if lst is None:
            lst = self._hooks = []
        h = _PostAccumulateHook(hook)
        lst.append(h)
        return RemovableHandle(lst, h)

    # ---- interop -----------------------------------------------------------------------------
    def numpy(self, *, force=False) -> np.ndarray:
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        if copy:
            return a.copy()
        return a

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        if not (self._rg and STATE.enabled):
            return (_wrap_view(r, self) for r in self._data)
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous" if self._data.size == 0 else
                               "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self._data.reshape(()))

    def __int__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self._data.reshape(()))

    def __index__(self):
        if self._data.size != 1 or self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def __complex__(self):
        return complex(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        # like torch, .grad is not pickled (deepcopy copies it)
        return (_rebuild, (type(self), np.array(self._data), self._rg, None))

    def __deepcopy__(self, memo):
        if self._node is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        t = _new(type(self))
        t._data = _deepcopy_array(self._data, memo)
        t._rg = self._rg
        t._node = None
        t._vc = [0]
        g = getattr(self, "_grad", None)
        if g is not None:
            t._grad = g.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    def __setstate__(self, state):
        pass


def _deepcopy_array(a, memo):
    """Copy `a`; arrays sharing memory within one deepcopy keep sharing it, as torch's storages do."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    # NOTE: a small view of a much larger array (a row of a dataset, a slice of a NumPy array given
    # to from_numpy) is copied on its own rather than dragging the whole array along
    if not (root.flags.c_contiguous or root.flags.f_contiguous) or (root is not a and root.nbytes > 16 * a.nbytes):
        return a.copy()
    key = ("ember.storage", id(root))
    rc = memo.get(key)
    if rc is None:
        rc = memo[key] = root.copy(order="A")
        memo.setdefault(id(memo), []).append(root)      # keep `root` alive while memo is in use
    if root is a:
        return rc
    off = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return np.ndarray(a.shape, a.dtype, buffer=rc, offset=off, strides=a.strides)


def _rebuild(cls, data, rg, grad):
    t = _new(cls)
    t._data = data
    t._rg = rg
    t._node = None
    t._vc = [0]
    if grad is not None:
        t._grad = grad
    return t


class _RetainGrad:
    """Marker hook on a Node: store the (post-hook) gradient on the tensor's .grad."""
    __slots__ = ("ref",)

    def __init__(self, ref):
        self.ref = ref


from ._ops._base import _NodePreHook, _NodePostHook  # noqa: E402
_NODE_HOOKS = (_NodePreHook, _NodePostHook)


class _PostAccumulateHook:
    """Entry in a leaf's `_hooks`: called with the tensor after its .grad is accumulated (backward only)."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


class RemovableHandle:
    """Returned by register_*hook; `remove()` unregisters. Matches torch.utils.hooks.RemovableHandle."""

    def __init__(self, container, item):
        self._container = container
        self._item = item

    def remove(self):
        c = self._container
        if isinstance(c, dict):
            c.pop(self._item, None)
        else:
            try:
                c.remove(self._item)
            except ValueError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _check_device(device):
    from ._device import check_device
    check_device(device)


# ---- construction of outputs -------------------------------------------------------------------

def _wrap(data) -> Tensor:
    """A new leaf Tensor (requires_grad=False) around an ndarray, without copying."""
    if type(data) is not _ndarray:
        data = np.asarray(data)
    t = _new(Tensor)
    t._data = data
    t._rg = False
    t._node = None
    t._vc = [0]
    return t


def _wrap_shared(src) -> Tensor:
    """detach()/.data: same array, same version counter, no graph."""
    t = _new(Tensor)
    t._data = src._data
    t._rg = False
    t._node = None
    t._vc = src._vc
    return t


def _wrap_view(data, base) -> Tensor:
    t = _new(Tensor)
    t._data = data
    t._rg = False
    t._node = None
    t._vc = base._vc
    t._base = base
    return t


def _edge(t):
    """What a node points at for input t: its grad_fn, itself (a leaf needing grad), or None."""
    n = t._node
    if n is not None:
        return n
    return t if t._rg else None


# ---- dtype promotion for binary ops -----------------------------------------------------------

_PROMOTE_NP = {(a.np, b.np): D.PROMOTE[(a, b)].np for a in D.ALL for b in D.ALL}
_KIND = {d.np: d._kind for d in D.ALL}


def _result_np(x, y):
    """torch's result dtype for two arrays (0-d arrays are lower priority than dimensioned ones)."""
    dx, dy = x.dtype, y.dtype
    if dx is dy:
        return dx
    xd, yd = x.ndim > 0, y.ndim > 0
    if xd == yd:
        return _PROMOTE_NP[(dx, dy)]
    hi, lo = (dx, dy) if xd else (dy, dx)
    kh, kl = _KIND[hi], _KIND[lo]
    if kh == 2:
        return hi
    if kh == 0 or kl == 2:
        return _PROMOTE_NP[(hi, lo)]
    return hi


def _scalar_np(x, s):
    """Result dtype of array x with Python scalar s (weak: only a higher category promotes)."""
    k = _KIND[x.dtype]
    ts = type(s)
    if ts is float:
        return x.dtype if k == 2 else D._default[0].np
    if ts is int:
        return x.dtype if k >= 1 else D.int64.np
    return x.dtype


def _as_operand(b):
    """Python/NumPy scalars stay scalars (weak); arrays and lists become Tensors."""
    if isinstance(b, Tensor):
        return b
    tb = type(b)
    if tb is float or tb is int or tb is bool:
        return b
    if isinstance(b, np.generic):
        return b.item()
    if isinstance(b, (np.ndarray, list, tuple)):
        from ._creation import tensor
        return tensor(b)
    return NotImplemented


# ---- the recording hooks ---------------------------------------------------------------------

def _binary(op, a, b):
    """Run a two-input op; `a` is a Tensor, `b` a Tensor or Python scalar."""
    x = a._data
    if type(b) is Tensor or isinstance(b, Tensor):
        y = b._data
        if x.dtype is not y.dtype:
            dt = _result_np(x, y)
            if x.dtype is not dt:
                x = x.astype(dt)
            if y.dtype is not dt:
                y = y.astype(dt)
        if op.to_float and x.dtype not in _FLOATS:
            f = D._default[0].np
            x = x.astype(f)
            y = y.astype(f)
        try:
            out, saved = op.forward(x, y)
        except ValueError:
            _check_broadcast(x.shape, y.shape)
            raise
        if type(out) is not _ndarray:
            out = np.asarray(out)
        if (a._rg or b._rg) and STATE.enabled and op.differentiable:
            node = _new(Node)
            node.op = op
            ea = a._node      # _edge(a), _edge(b) inlined (hot path)
            if ea is None:
                ea = a if a._rg else None
            eb = b._node
            if eb is None:
                eb = b if b._rg else None
            node.next = (ea, eb)
            node.saved = saved
            node.shapes = (a._data.shape, b._data.shape)
            node.dtypes = (a._data.dtype, b._data.dtype)
            node.hooks = None
            t = _new(Tensor)
            t._data = out
            t._rg = True
            t._node = node
            vc = t._vc = [0]
            si = op.saved_inputs
            if si:
                if len(si) == 2:
                    node.vers = (a._vc, a._vc[0], b._vc, b._vc[0], vc, 0) if op.saves_out else \
                        (a._vc, a._vc[0], b._vc, b._vc[0])
                else:
                    s = a if si[0] == 0 else b
                    node.vers = (s._vc, s._vc[0], vc, 0) if op.saves_out else (s._vc, s._vc[0])
            else:
                node.vers = (vc, 0) if op.saves_out else None
            return t
    else:
        dt = x.dtype
        if type(b) is not float or dt not in _FLOATS:
            if type(b) is not float and type(b) is not int and type(b) is not bool:
                b = _as_operand(b)
                if b is NotImplemented:
                    return NotImplemented
                if isinstance(b, Tensor):
                    return _binary(op, a, b)
            dt = _scalar_np(x, b)
            if op.to_float and dt not in _FLOATS:
                dt = D._default[0].np
            if x.dtype is not dt:
                x = x.astype(dt)
        if op.scalar_array and dt in _FLOATS:
            s = _SCALARS.get((b, dt))
            out, saved = op.forward(x, _scalar_array(b, dt) if s is None else s)
        else:
            out, saved = op.forward(x, b)
        if type(out) is not _ndarray:
            out = np.asarray(out)
        if a._rg and STATE.enabled and op.differentiable:
            node = _new(Node)
            node.op = op
            node.next = (a._node or a, None)      # a requires grad: its grad_fn or itself
            node.saved = saved
            node.shapes = (a._data.shape, ())
            node.dtypes = (a._data.dtype, None)
            node.hooks = None
            t = _new(Tensor)
            t._data = out
            t._rg = True
            t._node = node
            vc = t._vc = [0]
            if op.saved_inputs and op.saved_inputs[0] == 0:
                node.vers = (a._vc, a._vc[0], vc, 0) if op.saves_out else (a._vc, a._vc[0])
            else:
                node.vers = (vc, 0) if op.saves_out else None
            return t
    t = _new(Tensor)
    t._data = out
    t._rg = False
    t._node = None
    t._vc = [0]
    return t


# NOTE [ Python scalars as 0-d arrays ]
# NumPy converts a Python float operand on every call (`a * 2.0` costs about twice `a * b` on small
# arrays), while a 0-d array of the tensor's dtype costs no more than an array operand and gives the
# same result (a weak scalar is cast to the array's float dtype first, exactly as here). The ops
# marked `scalar_array` (plain arithmetic) get such an array from this small cache. 0 and NaN are
# never cached: -0.0 == 0.0 would alias them, and NaN never compares equal.
_SCALARS: dict = {}


def _scalar_array(b, dt):
    s = np.array(b, dtype=dt)
    s.flags.writeable = False
    if b == b and b != 0:
        if len(_SCALARS) >= 512:
            _SCALARS.clear()
        _SCALARS[(b, dt)] = s
    return s


def _check_broadcast(sa, sb):
    """Raise torch's RuntimeError when shapes `sa` and `sb` do not broadcast (called on failure only)."""
    na, nb = len(sa), len(sb)
    for i in range(1, min(na, nb) + 1):
        p, q = sa[-i], sb[-i]
        if p != q and p != 1 and q != 1:
            raise RuntimeError(f"The size of tensor a ({p}) must match the size of tensor b ({q}) at "
                               f"non-singleton dimension {max(na, nb) - i}")


def _unary(op, a, *args):
    """Run a one-input op with static (non-tensor) arguments."""
    x = a._data
    if op.to_float and x.dtype not in _FLOATS:
        x = x.astype(D._default[0].np)
    out, saved = op.forward(x, *args)
    if type(out) is not _ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    t._vc = [0]
    if a._rg and STATE.enabled and op.differentiable:
        node = _new(Node)
        node.op = op
        node.next = (a._node or a,)      # a requires grad: its grad_fn or itself
        node.saved = saved
        node.shapes = (a._data.shape,)
        node.dtypes = (a._data.dtype,)
        node.hooks = None
        if op.saved_inputs:
            node.vers = (a._vc, a._vc[0], t._vc, 0) if op.saves_out else (a._vc, a._vc[0])
        else:
            node.vers = (t._vc, 0) if op.saves_out else None
        t._rg = True
        t._node = node
    else:
        t._rg = False
        t._node = None
    return t


def _apply(op, inputs, *args):
    """Run an op over a tuple of Tensors (already promoted by the caller) plus static arguments."""
    arrays = [t._data for t in inputs]
    if op.to_float:
        f = D._default[0].np
        arrays = [x if x.dtype in _FLOATS else x.astype(f) for x in arrays]
    out, saved = op.forward(*arrays, *args)
    if type(out) is not _ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    t._vc = [0]
    rg = False
    for i in inputs:
        if i._rg:
            rg = True
            break
    if rg and STATE.enabled and op.differentiable:
        node = _new(Node)
        node.op = op
        node.next = tuple([_edge(i) for i in inputs])
        node.saved = saved
        node.shapes = tuple([i._data.shape for i in inputs])
        node.dtypes = tuple([i._data.dtype for i in inputs])
        node.hooks = None
        vers = []
        for k in op.saved_inputs:
            if k < len(inputs):
                vers += (inputs[k]._vc, inputs[k]._vc[0])
        if op.saves_out:
            vers += (t._vc, 0)
        node.vers = tuple(vers) if vers else None
        t._rg = True
        t._node = node
    else:
        t._rg = False
        t._node = None
    return t


def _view(op, a, *args):
    """Like _unary, for ops whose output is a view of the input: share the version counter."""
    t = _unary(op, a, *args)
    b = t._data.base
    # NumPy points a view's .base at the memory's owner: identity settles the usual cases cheaply
    if b is not None and (b is a._data or b is a._data.base or np.may_share_memory(t._data, a._data)):
        t._vc = a._vc
        base = getattr(a, "_base", None)
        t._base = root = a if base is None else base
        if root._rg and root._node is not None and STATE.enabled:
            _register_view(t)   # see NOTE [ Views taken before an in-place write ] in _methods/shape.py
    return t


class _Gone:
    pass


_DEAD = _weakref(_Gone())     # a weak reference whose object no longer exists (padding below)


def _register_view(t):
    """Keep a weak reference to view `t` on its shared version counter `[version, ref, ref, ...]`.

    Dead references are pruned when the list length reaches a power of two (>= 64); after a prune the
    list is padded with dead entries up to half the next trigger, so a prune (O(live views)) happens
    only after at least as many registrations: amortised O(1) even when thousands of views stay alive
    (e.g. `list(h)` or `h.unbind()` on a non-leaf).
    """
    vc = t._vc
    vc.append(_weakref(t))
    n = len(vc)
    if n >= 64 and not n & (n - 1):
        live = [r for r in vc[1:] if r() is not None]
        size = 64
        while size < 2 * (len(live) + 1):
            size *= 2
        live += [_DEAD] * (size // 2 - 1 - len(live))
        vc[1:] = live


def _check_inplace(a):
    """torch's checks before an in-place write that will be recorded."""
    if a._node is None and a._rg:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = getattr(a, "_base", None)
    if base is not None and base._node is None and base._rg:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


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


def _view_positions(vd, bd):
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


class _ViewGradOp:
    """Engine-side op record for the nodes of a rebased view (not a user-facing Op: not in OPS)."""
    saves = ()
    saved_inputs = ()
    saves_out = False
    saves_tensors = True
    saved_for = None
    differentiable = True
    to_float = False


class _CopySlices(_ViewGradOp):
    bw_name = "torch::autograd::CopySlices"

    @staticmethod
    def backward(saved, g, needs):
        pos, node = saved
        if type(g) is not _ndarray:
            return _copy_slices_graph(pos, node, g, needs)
        from .autograd.engine import _check_versions, _fix_array
        inner = (needs[0],) + tuple(needs[1:])
        if node.vers is not None:
            _check_versions(node, inner)
        gin = node.op.backward(node.saved, g.reshape(-1)[pos], inner)
        if type(gin) is not tuple:
            gin = (gin,)
        out = [None] * len(inner)
        for i in range(1, len(inner)):
            gi = gin[i]
            if gi is not None and inner[i] and node.shapes[i] is not None:
                gi = _fix_array(np.asarray(gi), node.shapes[i], node.dtypes[i])
            out[i] = gi
        if needs[0]:
            gb = np.array(g)
            g0 = gin[0]
            if g0 is None:
                gb.reshape(-1)[pos] = 0
            else:
                gb.reshape(-1)[pos] = _fix_array(np.asarray(g0), pos.shape, None)
            out[0] = gb
        return tuple(out)


class _AsStrided(_ViewGradOp):
    bw_name = "AsStridedBackward0"

    @staticmethod
    def backward(saved, g, needs):
        pos, shape, dtype = saved
        if type(g) is not _ndarray:
            return (_scatter_graph(g, pos, shape, dtype),)
        z = np.zeros(shape, dtype=dtype)
        z.reshape(-1)[pos.reshape(-1)] = np.broadcast_to(g, pos.shape).reshape(-1)
        return (z,)


def _scatter_graph(g, pos, shape, dtype):
    """Differentiable (create_graph) form of: zeros(shape) with flat positions `pos` set to g."""
    z = _wrap(np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=dtype))
    z[_wrap(pos.reshape(-1))] = g.expand(*pos.shape).reshape(-1) if tuple(g.shape) != pos.shape else g.reshape(-1)
    return z.reshape(shape)


def _copy_slices_graph(pos, node, g, needs):
    """CopySlices' backward on Tensors (create_graph=True): the same rule, built of recorded ops."""
    from .autograd.engine import _check_versions, _fix_tensor, _saved_as_tensors
    import ember._tensor as T
    inner = tuple(needs)
    if node.vers is not None:
        _check_versions(node, inner)
    flat = g.reshape(-1)
    gin = node.op.backward(_saved_as_tensors(node, T), flat[_wrap(pos)], inner)
    if type(gin) is not tuple:
        gin = (gin,)
    out = [None] * len(inner)
    for i in range(1, len(inner)):
        gi = gin[i]
        if gi is not None and inner[i] and node.shapes[i] is not None:
            gi = _fix_tensor(gi, node.shapes[i], node.dtypes[i], T)
        out[i] = gi
    if needs[0]:
        keep = np.ones(g._data.size, dtype=g._data.dtype)
        keep[pos.reshape(-1)] = 0
        gb = flat * _wrap(keep)
        g0 = gin[0]
        if g0 is not None:
            g0 = _fix_tensor(g0, pos.shape, None, T)
            gb = gb + _scatter_graph(g0, pos, (g._data.size,), g._data.dtype)
        out[0] = gb.reshape(g._data.shape)
    return tuple(out)


def _move_retain(t, new):
    """t's node is about to become `new` (an in-place write): retain_grad() follows the tensor to its
    new version, as in torch (ordinary hooks stay with the old version's node)."""
    old = t._node
    if old is None or not old.hooks or old is new:
        return
    keep = []
    for h in old.hooks:
        if type(h) is _RetainGrad and h.ref() is t:
            if new.hooks is None:
                new.hooks = []
            new.hooks.append(h)
        else:
            keep.append(h)
    old.hooks = keep or None


def _rebase_view(v, node):
    """After the in-place op `node` wrote into view `v`: rewire v's base and v (see NOTE above)."""
    base = v._base
    bd, vd = base._data, v._data
    if not np.may_share_memory(bd, vd):
        return
    pos = _view_positions(vd, bd)
    cs = _new(Node)
    cs.op = _CopySlices
    cs.next = (_edge(base),) + tuple(node.next[1:])
    cs.saved = (pos, node)
    cs.shapes = (bd.shape,) + tuple(node.shapes[1:])
    cs.dtypes = (bd.dtype,) + tuple(node.dtypes[1:])
    cs.hooks = None
    cs.vers = None
    _move_retain(base, cs)
    base._node = cs
    base._rg = True
    vn = _new(Node)
    vn.op = _AsStrided
    vn.next = (cs,)
    vn.saved = (pos, bd.shape, bd.dtype)
    vn.shapes = (bd.shape,)
    vn.dtypes = (bd.dtype,)
    vn.hooks = None
    vn.vers = None
    _move_retain(v, vn)
    v._node = vn
    v._rg = True


def _attach(t, op, edges, shapes, dtypes, saved):
    """Make `t` (just written in place) the output of a new node of `op` over `edges`."""
    node = _new(Node)
    node.op = op
    node.next = edges
    node.saved = saved
    node.shapes = shapes
    node.dtypes = dtypes
    node.hooks = None
    node.vers = None
    _become_output(t, node)
    return node


def _become_output(t, node):
    """`t` was just written in place by `node`'s op: it now stands for node's output in the graph."""
    base = getattr(t, "_base", None)
    if not (t if base is None else base)._rg:
        _ms._collect_views(t)   # see NOTE [ Views taken before an in-place write ]
    _move_retain(t, node)
    t._node = node
    t._rg = True
    if base is not None:
        _rebase_view(t, node)
    if len(t._vc) > 1:
        _ms._refresh_views(t)


def _can_cast(src, dst):
    """torch's in-place rule: a result may be written into a tensor of the same or a higher category."""
    return _KIND[src] <= _KIND[dst]


def _inplace(op, a, *operands):
    """Run op(a, *operands) and write the result into a's memory (add_, mul_, clamp_, ...).

    Records a node so that `a` takes the op's place in the graph (torch's rebase), after
    torch's checks: no in-place on a leaf that requires grad while grad mode is on.
    """
    rg = a._rg
    if not rg:
        for o in operands:
            if isinstance(o, Tensor) and o._rg:
                rg = True
                break
    recording = rg and STATE.enabled and op.differentiable
    if recording:
        _check_inplace(a)
    if len(operands) == 1 and (isinstance(operands[0], Tensor) or type(operands[0]) in _PY_SCALARS):
        out_t = _binary(op, a, operands[0])
    else:
        out_t = _unary(op, a, *operands)
    if out_t is NotImplemented:
        return NotImplemented
    out = out_t._data
    dst = a._data
    if out.dtype is not dst.dtype and not _can_cast(out.dtype, dst.dtype):
        raise RuntimeError(f"result type {D.scalar_type_name(out.dtype)} can't be cast to the desired "
                           f"output type {D.scalar_type_name(dst.dtype)}")
    if out.shape != dst.shape:
        raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast shape {list(out.shape)}")
    node = out_t._node
    if node is not None and op.saved_inputs and 0 in op.saved_inputs:
        # the op saved a's array, which we are about to overwrite: keep a copy
        saved = list(node.saved)
        for i, code in enumerate(op.saves):
            if code == "x0" and saved[i] is dst:
                saved[i] = dst.copy()
        node.saved = tuple(saved)
        # the saved x0 is now a private copy (or a promoted one): drop its version entry (listed first)
        v = node.vers
        if v is not None and v[0] is a._vc:
            node.vers = v[2:] or None
    try:
        np.copyto(dst, out, casting="unsafe")
    except ValueError as e:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.") from e
    a._vc[0] += 1
    if node is not None:
        node.vers = _retarget_vers(node.vers, out_t._vc, a._vc)
        _become_output(a, node)
    return a


def _retarget_vers(vers, old_vc, new_vc):
    if vers is None:
        return None
    v = list(vers)
    for i in range(0, len(v), 2):
        if v[i] is old_vc:
            v[i] = new_vc
            v[i + 1] = new_vc[0]
    return tuple(v)


def _bind_mixins():
    from ._methods import pointwise, reduction, shape, linalg, misc
    for m in (pointwise, reduction, shape, linalg, misc):
        m._bind()
    from ._ops import pointwise as P
    for op in (P.Add, P.Sub, P.RSub, P.Mul, P.Div):   # see NOTE [ Python scalars as 0-d arrays ]
        op.scalar_array = True


_bind_mixins()


def _FROM_NP_DT(npd):
    return D._FROM_NP[npd]
