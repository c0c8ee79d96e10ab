"""The data half of every Tensor, and the only place where ops are recorded.

`TensorBase` holds a tensor's state (its ndarray, autograd flags, version counter), its properties
and NumPy interop. The recording hooks (`_unary`, `_binary`, `_apply`, `_view`) run a kernel's
forward on arrays and, when grad mode is on and an input requires grad, record a Node. Every op
family in `ember/_ops/` calls these hooks; `ember/_tensor.py` assembles the public `Tensor` from
`TensorBase` and the families' method mixins.

NOTE [ The one seam ]
The hooks create their outputs as instances of the public `Tensor`, a class defined above this
module (it inherits every op family's methods, and the families import this module). `_tensor.py`
registers it here once, at import, right after defining it: `_tensor_base.Tensor = Tensor`, together
with its sparse COO subclass (`SparseTensor`, made by the sparse family: NOTE [ Sparse COO tensors ]).
Below the core, "is this a Tensor" is `isinstance(x, TensorBase)` (`is_tensor(x)`).
"""
from __future__ import annotations

import re
import sys
from weakref import ref as _weakref

import numpy as np

from . import _dtype as D
from ._device import check_device as _check_device
from ._layout import strided
from ._ops._base import busy as _busy, normalize_dim, quiet_call as _quiet_call
from .autograd.graph import NODE_HOOKS, Node, PostAccumulateHook, RetainGrad
from .autograd.grad_mode import STATE
from .utils.hooks import RemovableHandle

_ndarray = np.ndarray
_new = object.__new__
_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
_PY_SCALARS = (int, float, bool)

# The public Tensor class and its sparse COO subclass, registered by ember/_tensor.py at import
# (NOTE [ The one seam ]).
Tensor: type
SparseTensor: type


def is_tensor(obj) -> bool:
    """Whether `obj` is an ember Tensor (or a subclass, like Parameter). Matches `torch.is_tensor`."""
    return isinstance(obj, TensorBase)


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


class TensorBase:
    """A tensor's state, properties and NumPy interop; the public class is `ember.Tensor` (`_tensor.py`)."""

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
            data = np.array(a._data if isinstance(a, TensorBase) else a, dtype=dt)
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

    def size(self, dim=None, *, axis=None):
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim=None, *, axis=None):
        """Strides in elements (torch's convention), not NumPy's bytes."""
        if axis is not None:   # NumPy-style alias torch accepts
            dim = axis
        a = self._data
        st = tuple(s // a.itemsize for s in a.strides)
        if dim is None:
            return st
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
        return strided

    @property
    def is_sparse(self) -> bool:
        return False

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
            if not isinstance(value, TensorBase):
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
        if not isinstance(value, TensorBase):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def retains_grad(self) -> bool:
        return self._retains()

    def _retains(self):
        n = self._node
        if n is None or n.hooks is None:
            return False
        return any(type(h) is RetainGrad for h in n.hooks)

    # ---- autograd ----------------------------------------------------------------------------
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
            n = self._node
            if n.hooks is None:
                n.hooks = []
            lst = n.hooks
            pos = next((i for i, h in enumerate(lst) if type(h) in NODE_HOOKS), len(lst))
            lst.insert(pos, RetainGrad(_weakref(self)))

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
            pos = next((i for i, h in enumerate(lst) if type(h) is RetainGrad or type(h) in NODE_HOOKS),
                       len(lst))
            lst.insert(pos, hook)
        else:
            lst = getattr(self, "_hooks", None)
            if lst is None:
                lst = self._hooks = []
            lst.append(hook)
        return RemovableHandle(lst, item=hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call `hook(tensor)` after a backward pass has accumulated this leaf's `.grad`."""
        if self._node is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        lst = getattr(self, "_hooks", None)
        if lst is None:
            lst = self._hooks = []
        h = PostAccumulateHook(hook)
        lst.append(h)
        return RemovableHandle(lst, item=h)

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
    """Python/NumPy scalars stay scalars (weak); NumPy arrays become Tensors (as torch's operators take them);
    anything else (None, strings, lists, ...) is NotImplemented."""
    if isinstance(b, TensorBase):
        return b
    tb = type(b)
    if tb is float or tb is int or tb is bool:
        return b
    if isinstance(b, np.generic):
        if b.dtype.kind not in "biuf":
            return NotImplemented
        return b.item()
    if isinstance(b, np.ndarray):
        return _wrap(_infer_array(b).copy())
    return NotImplemented


class NotATensorError(TypeError, AttributeError):
    """A non-tensor where a function takes a Tensor. torch raises TypeError from its argument parser, and
    AttributeError from the torch.nn.functional functions written as `input.method()` (F.tanh, F.softmax):
    ember's functions are shared by both spellings, so the error is both."""


def not_a_tensor(name, x, arg="input", pos=1):
    return NotATensorError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _op_name(op):
    """A kernel's public name for messages: LeakyRelu -> leaky_relu, AddTensor -> add."""
    return _CAMEL.sub("_", op.__name__).lower().removesuffix("_tensor").removesuffix("_scalar")


def operand_type_error(op, b, position=2, arg="other"):
    """torch's TypeError for an operand the binary ops do not take (None, a string, a list, ...), marked
    `declined`: the named functions raise it; the operators (`__add__`, ...) return NotImplemented instead
    (`declined(err)`), so that Python tries the other operand and `x == [1, 2]` is False, as in torch."""
    err = TypeError(f"{_op_name(op)}(): argument '{arg}' (position {position}) must be Tensor, not "
                    f"{type(b).__name__}")
    err.declined = True
    return err


def declined(err):
    """An operator's answer to a TypeError from the hooks: NotImplemented for a declined operand, else
    the error."""
    if getattr(err, "declined", False):
        return NotImplemented
    raise err


_NOT_DATA = (list, tuple, range, dict, str, type(None))
_EMBER_DIR = __file__.rpartition("_tensor_base.py")[0]


def _public_caller():
    """For an error message: the outermost public ember function on the stack below the user's code
    (`sum`, `Tensor.__rlshift__`, `backward`), found only when raising."""
    f, name = sys._getframe(2), "this function"
    while f is not None and f.f_code.co_filename.startswith(_EMBER_DIR):
        n = f.f_code.co_name
        if n.startswith("__") and n.endswith("__"):
            name = "Tensor." + n
        elif not n.startswith(("_", "<")):
            name = n
        f = f.f_back
    return name


def _tensor_input(x, arg="input", pos=1):
    """`x` itself when it is a Tensor; anything else (a number, NumPy data, a sequence) is torch's TypeError
    naming the public function: an argument torch takes only a Tensor for (`ember.sum(3)`)."""
    if isinstance(x, TensorBase):
        return x
    raise not_a_tensor(_public_caller(), x, arg, pos)


def _tensor_of(x):
    """`x` itself when it is a Tensor; a number or NumPy data as a new tensor (the operands of ember's own
    rules, and numbers where torch takes a Scalar); Python sequences and other objects are torch's TypeError
    naming the calling function (`ember.sum([1, 2])`, as torch)."""
    if isinstance(x, TensorBase):
        return x
    if isinstance(x, _NOT_DATA):
        raise not_a_tensor(_public_caller(), x)
    return _wrap(np.array(_infer_array(x)))


def _infer_array(data):
    """np.array of `data` with torch's dtype inference for Python values."""
    if isinstance(data, TensorBase):
        return data._data
    if isinstance(data, (np.ndarray, np.generic)):
        a = np.asarray(data)
        D.from_numpy_dtype(a.dtype)   # raises TypeError for unsupported dtypes
        return a
    if isinstance(data, (list, tuple)) and data and any(isinstance(x, TensorBase) for x in data):
        # element tensors count as Python numbers (torch infers the default dtype from them)
        data = [x._data.tolist() if isinstance(x, TensorBase) else x for x in data]
    try:
        a = np.array(data)
    except ValueError:
        raise _ragged(data) from None
    k = a.dtype.kind
    if k in "USV" or k == "O" and isinstance(data, (list, tuple)):
        bad = _first_non_number(data)
        if isinstance(bad, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(bad).__name__}'")
    if k == "O":
        for v in a.reshape(-1).tolist():
            if not isinstance(v, (int, float, bool)):
                raise RuntimeError(f"Could not infer dtype of {type(v).__name__}")
        raise ValueError("Overflow when unpacking long long")      # Python ints beyond int64
    if k == "u" and a.dtype.itemsize == 8:
        raise ValueError("Overflow when unpacking long long")
    if k == "f":
        if a.dtype != D._default[0].np and not _has_numpy_floats(data):
            a = a.astype(D._default[0].np)
    elif k in "iu":
        if a.dtype != np.int64:
            a = a.astype(np.int64)
    elif k == "b":
        pass
    elif k == "c":
        raise TypeError("ember does not implement complex tensors")
    else:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}' (could not convert to a number tensor)")
    return a


def _ragged(data):
    """torch's error for nested sequences that are not rectangular."""
    sizes, x = [], data
    while isinstance(x, (list, tuple)):
        sizes.append(len(x))
        x = x[0] if len(x) else None

    def walk(x, dim):
        if dim >= len(sizes):
            if isinstance(x, (list, tuple)):
                return TypeError(f"too many dimensions: a sequence at dim {dim} where a number was expected")
            return None
        if not isinstance(x, (list, tuple)):
            return TypeError(f"not a sequence: expected a sequence of length {sizes[dim]} at dim {dim} (got "
                             f"{type(x).__name__})")
        if len(x) != sizes[dim]:
            return ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(x)})")
        for y in x:
            m = walk(y, dim + 1)
            if m:
                return m
        return None

    return walk(data, 0) or ValueError("expected a rectangular nested sequence of numbers")


def _first_non_number(data):
    if isinstance(data, (list, tuple)):
        for x in data:
            r = _first_non_number(x)
            if r is not None:
                return r
        return None
    if isinstance(data, (bool, int, float, np.number, np.bool_)) or hasattr(data, "_data"):
        return None
    return data


def _has_numpy_floats(data):
    if isinstance(data, (np.floating, np.ndarray)):
        return True
    if isinstance(data, (list, tuple)) and data:
        return _has_numpy_floats(data[0])
    return False




# ---- the recording hooks ---------------------------------------------------------------------

def _binary(op, a, b):
    """Run a two-input op; `a` is a Tensor, `b` a Tensor or Python scalar."""
    x = a._data
    if type(b) is Tensor or isinstance(b, TensorBase):
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
            out, saved = op.run_forward(x, y)
        except ValueError:
            _check_broadcast(x.shape, y.shape)
            raise
        except RuntimeError as e:
            if not _busy(e):
                raise
            out, saved = _quiet_call(op.forward, x, y)
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
                c = _as_operand(b)
                if c is NotImplemented:
                    raise operand_type_error(op, b)
                b = c
                if isinstance(b, TensorBase):
                    return _binary(op, a, b)
            dt = _scalar_np(x, b)
            if op.to_float and dt not in _FLOATS:
                dt = D._default[0].np
            if x.dtype is not dt:
                x = x.astype(dt)
        if op.scalar_array and dt in _FLOATS:
            s = _SCALARS.get((b, dt))
            if s is None:
                s = _scalar_array(b, dt)
        else:
            s = b
        try:
            out, saved = op.run_forward(x, s)
        except OverflowError:
            if type(b) is not int or dt.kind not in "iu":
                raise
            # an int beyond the tensor's integer dtype wraps around, as in torch (NumPy refuses it)
            out, saved = _quiet_call(op.forward, x, _wrapped_int(b, dt))
        except RuntimeError as e:
            if not _busy(e):
                raise
            out, saved = _quiet_call(op.forward, x, s)
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


def _wrapped_int(b, dt):
    """Python int `b` cast to integer dtype `dt` the way torch casts a scalar operand: modulo 2**bits."""
    if b >= 2 ** 64:
        raise OverflowError("int too big to convert")
    if b < -2 ** 63:
        raise OverflowError("can't convert negative int to unsigned")
    return np.array(b % 2 ** 64, dtype=np.uint64).astype(dt)


def _check_broadcast(sa, sb):
    """Raise torch's RuntimeError when shapes `sa` and `sb` do not broadcast (called on failure only)."""
    na, nb = len(sa), len(sb)
    for i in range(1, min(na, nb) + 1):
        p, q = sa[-i], sb[-i]
        if p != q and p != 1 and q != 1:
            raise RuntimeError(f"The size of tensor a ({p}) must match the size of tensor b ({q}) at "
                               f"non-singleton dimension {max(na, nb) - i}")


def _unary(op, a, *args):
    """Run a one-input op with static (non-tensor) arguments on Tensor `a` (anything else: torch's TypeError)."""
    try:
        x = a._data
    except AttributeError:
        raise not_a_tensor(_op_name(op), a) from None
    if op.to_float and x.dtype not in _FLOATS:
        x = x.astype(D._default[0].np)
    try:
        out, saved = op.run_forward(x, *args)
    except RuntimeError as e:
        if not _busy(e):
            raise
        out, saved = _quiet_call(op.forward, x, *args)
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
    try:
        out, saved = op.run_forward(*arrays, *args)
    except RuntimeError as e:
        if not _busy(e):
            raise
        out, saved = _quiet_call(op.forward, *arrays, *args)
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
            _register_view(t)   # see NOTE [ Views taken before an in-place write ] in _inplace.py
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


# NOTE [ Observing the hooks ]
# Anomaly mode and the profiler must see every recorded op. Instead of testing a flag on the hot path,
# ember/autograd/_observe.py swaps the code of `_unary`, `_binary` and `_apply` for the `_observed_*`
# versions below while one of them is on (function objects are shared by every importer, so all
# callers see the swap), and swaps it back after: switched off, they cost nothing. `_*_plain` run the
# original code; `_OBSERVER[0]` is the observer while one is installed.
_OBSERVER: list = [None]
_unary_plain = type(_unary)(_unary.__code__, globals(), "_unary")
_binary_plain = type(_binary)(_binary.__code__, globals(), "_binary")
_apply_plain = type(_apply)(_apply.__code__, globals(), "_apply")


def _observed_unary(op, a, *args):
    return _OBSERVER[0].forward(_unary_plain, op, (a,) + args)


def _observed_binary(op, a, b):
    return _OBSERVER[0].forward(_binary_plain, op, (a, b))


def _observed_apply(op, inputs, *args):
    return _OBSERVER[0].forward(_apply_plain, op, (inputs,) + args)
