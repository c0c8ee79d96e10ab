"""The kernel base class `Op`, the op registry, and helpers shared by every kernel.

An Op is a namespace of two static functions on NumPy arrays:

    forward(*arrays, *static_args) -> (out, saved)
    backward(saved, g, needs)      -> one gradient (or None) per array input

`backward` is written with operators and the `b_*` helpers below, which work on NumPy arrays
and on ember Tensors alike, so the same rule serves ordinary backward (arrays, fast) and
`create_graph=True` (Tensors, recorded). Gradients may be returned in any shape that
broadcasts to the input's shape; the engine sums them back (`sum_to`) and casts them to the
input's dtype, once, for every op.

`saves` declares, for each element of `saved`, what it is: "x0", "x1", ... (that input's
array), "out" (the output array) or "c" (a constant: indices, masks, shapes, Python values).
The engine uses it to rebuild Tensors for double backward and to know which arrays an
in-place op would clobber.
"""
from __future__ import annotations

import contextvars
import functools
import operator

import numpy as np

from .. import _blas

OPS: dict[str, type] = {}   # every kernel by class name, filled at import; read by tests and docs, never for dispatch

_ndarray = np.ndarray
# NOTE [ NumPy scalars in backward rules ]: arithmetic on a 0-d array gives a NumPy scalar (np.float32, ...),
# not an ndarray, so a rule's intermediate value may be one; the helpers below treat it as an array (the
# ndarray test stays first, so the common case pays nothing).
_generic = np.generic

# NOTE [ Quiet floating-point errors ]
# torch computes log(-1) = nan, 1/0 = inf, inf - inf = nan silently; NumPy warns (RuntimeWarning), and
# under the user's `warnings.simplefilter("error")` it raises. ember's kernels therefore run with
# NumPy's floating-point error handling set to "ignore", locally: the hooks (`_tensor_base._unary`,
# `_binary`, `_apply`) run the forward of every kernel whose `quiet` is True (those that can raise a
# floating-point flag) through `quiet_run`, the engine switches once around a whole backward pass (user
# hooks and custom Functions run in the user's state, `as_user`), and the other places that compute on
# arrays use `with Quiet():`. Nothing process-wide changes: the user's warning filters and NumPy state
# are left alone.
# Cost: `np.errstate` is ~1.5 us per use; setting NumPy's error-state context variable and resetting it
# (`quiet_on`/`quiet_off`, what `Quiet` does) ~0.2 us; running the kernel inside a prepared context in
# which the variable is already "ignore" (`quiet_run`, contextvars.Context.run) ~0.03 us. That context
# can be entered by one caller at a time: a nested or concurrent (other thread) use raises RuntimeError
# before running anything, and the hooks then fall back to `quiet_call` (`busy(err)` tells the two apart).
# Kernels never read other context variables, so running them in that context changes nothing else.
# NumPy 1.x (no such variable) gets np.errstate.
try:
    from numpy._core.umath import _extobj_contextvar as _EXTOBJ, _make_extobj
    QUIET = _make_extobj(all="ignore")
    quiet_on = _EXTOBJ.set        # tok = quiet_on(QUIET); ...; quiet_off(tok)
    quiet_off = _EXTOBJ.reset
    state_now = _EXTOBJ.get       # the caller's state, to run user code in (see `as_user`)
    set_state = _EXTOBJ.set
    _QUIET_CONTEXT = contextvars.Context()
    _QUIET_CONTEXT.run(_EXTOBJ.set, QUIET)
    quiet_run = _QUIET_CONTEXT.run      # quiet_run(fn, *args): fn(*args) with floating-point errors ignored
except ImportError:               # pragma: no cover - NumPy 1.x
    QUIET = {"all": "ignore"}

    def quiet_on(q):
        e = np.errstate(**q)
        e.__enter__()
        return e

    def quiet_off(e):
        e.__exit__(None, None, None)

    def state_now():
        return np.geterr()

    def set_state(s):
        e = np.errstate(**s)
        e.__enter__()
        return e

    def quiet_run(fn, *args):
        return quiet_call(fn, *args)


def quiet_call(fn, *args):
    """fn(*args) with floating-point errors ignored (the fallback of `quiet_run`)."""
    tok = quiet_on(QUIET)
    try:
        return fn(*args)
    finally:
        quiet_off(tok)


def busy(err):
    """Whether RuntimeError `err` is `quiet_run` refusing to enter its context (already in use)."""
    return str(err).startswith("cannot enter context")


class Quiet:
    """`with Quiet():` NumPy's floating-point errors ignored inside, the caller's state restored after."""
    __slots__ = ("tok",)

    def __enter__(self):
        self.tok = quiet_on(QUIET)
        return self

    def __exit__(self, *exc):
        quiet_off(self.tok)
        return False


def as_user(state, fn, *args):
    """`fn(*args)` (user code: a hook, a custom Function) in the NumPy error state `state` the user had
    (from `state_now()` before ember went quiet)."""
    tok = set_state(state)
    try:
        return fn(*args)
    finally:
        quiet_off(tok)


class Op:
    __slots__ = ()
    saves: tuple = ()
    differentiable = True
    quiet = True          # forward can raise floating-point flags: the hooks run it quietly (see NOTE above)
    user_code = False     # forward/backward run user code (custom Functions): in the user's NumPy state
    to_float = False      # integer/bool inputs are computed in the default float dtype (exp, div, ...)
    # a Python-float operand reaches forward as a cached read-only 0-d array of the tensor's dtype
    # (set by the core for plain arithmetic; see NOTE [ Python scalars as 0-d arrays ] in _tensor.py)
    scalar_array = False
    # optional {saves-code: input indices whose gradient uses it}, e.g. Mul: {"x0": (1,), "x1": (0,)}.
    # An in-place change to a saved value is an error only when a gradient that uses it is computed
    # (torch saves only what the needed gradients use). None: every gradient uses every saved value.
    saved_for: dict | None = None
    # torch's grad_fn class name, e.g. MulBackward0; defaults to <ClassName>Backward0
    bw_name: str | None = None
    # create_graph: the gradient counts as a function of the op's inputs even where its derivative is zero
    # (torch's backward formula takes them: relu, pooling), so it requires grad (engine: _join_graph)
    grad_uses_inputs = False

    registered = True     # False for kernels made at run time (custom autograd.Function adapters)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.registered:
            other = OPS.get(cls.__name__)
            if other is not None:
                raise RuntimeError(f"two kernels are named {cls.__name__}: {other.__module__} and "
                                   f"{cls.__module__} (the op registry keeps one kernel per name)")
            OPS[cls.__name__] = cls
        if "bw_name" not in cls.__dict__ or cls.__dict__["bw_name"] is None:
            cls.bw_name = cls.__name__ + "Backward0"
        # which inputs' arrays are saved (their in-place modification must be detected)
        cls.saved_inputs = tuple(sorted({int(c[1:]) for c in cls.saves if c[0] == "x"}))
        cls.saves_out = "out" in cls.saves
        # saves an input or the output: its saved values are freed after backward (and a second
        # backward raises). Ops that save only constants keep them unless a constant is an array.
        cls.saves_tensors = bool(cls.saved_inputs) or cls.saves_out
        # what the hooks call: forward itself, or forward run quietly (NOTE [ Quiet floating-point errors ])
        fwd = cls.forward
        cls.run_forward = staticmethod(functools.partial(quiet_run, fwd) if cls.quiet else fwd)

    @staticmethod
    def forward(*args):
        raise NotImplementedError

    @staticmethod
    def backward(saved, g, needs):
        raise NotImplementedError


# ---- shape helpers ---------------------------------------------------------------------------

def sum_to(g, shape):
    """Sum a broadcast gradient back to `shape` (the adjoint of broadcasting). Arrays or Tensors."""
    gshape = g.shape
    if tuple(gshape) == tuple(shape):
        return g
    nd = len(gshape) - len(shape)
    if nd < 0:   # g broadcasts up to shape (e.g. a 0-d gradient of a sum)
        return b_broadcast_to(g, shape)
    axes = tuple(range(nd)) + tuple(i + nd for i, s in enumerate(shape) if s == 1 and gshape[i + nd] != 1)
    needs_expand = any(s != 1 and gshape[i + nd] == 1 for i, s in enumerate(shape))
    if axes:
        if type(g) is _ndarray:
            g = g.sum(axis=axes, keepdims=True)
        else:
            g = g.sum(dim=axes, keepdim=True)
        if nd:
            g = g.reshape(tuple(g.shape[nd:]))
    if needs_expand:
        g = b_broadcast_to(g, shape)
    return g


def named(f, name):
    """`f`, made by a factory, named `name` everywhere, its code object too: tracebacks and the error messages
    that read the stack (a non-tensor input, a sparse operand) show `maximum`, not the factory's inner `f`."""
    f.__code__ = f.__code__.replace(co_name=name)
    f.__name__ = f.__qualname__ = name
    return f


def int_arg(v, name):
    """An integer argument (`dim`, a size, a count): ints and anything with `__index__` (NumPy integers, one-
    element integer tensors) but bools, as torch's parser; anything else is torch's TypeError naming the
    argument."""
    try:
        if isinstance(v, (bool, np.bool_)):
            raise TypeError
        return operator.index(v)
    except TypeError:
        raise TypeError(f"argument '{name}' must be int, not {type(v).__name__}") from None


def int_list_arg(values, name):
    """The integers of an int-list argument (sizes, dims) as torch's parser reads them: like `int_arg`, but a
    bool after the first element counts as 0/1 (torch: `zeros(2, True)` and `x.sum((0, True))` work,
    `zeros(True, 2)` does not)."""
    return [int(v) if i and isinstance(v, (bool, np.bool_)) else int_arg(v, name)
            for i, v in enumerate(values)]


def float_arg(v, name):
    """A real-number argument (eps, a bound, a fill value): Python/NumPy numbers and 0-d tensors (torch's
    parser refuses one-element tensors of other ranks); anything else is torch's TypeError naming it."""
    if type(v) is float or type(v) is int:
        return v
    if isinstance(v, (int, float, np.integer, np.floating, np.bool_)) or \
            (hasattr(v, "_data") and v._data.ndim == 0):
        return v.item() if hasattr(v, "item") else v
    raise TypeError(f"argument '{name}' must be float, not {type(v).__name__}")


def normalize_dim(dim, ndim):
    """A dim in [-ndim, ndim) as a non-negative int; IndexError like torch otherwise."""
    if type(dim) is not int:
        dim = int_arg(dim, "dim")
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def normalize_dims(dim, ndim):
    if dim is None:
        return None
    if isinstance(dim, int) or not isinstance(dim, (tuple, list)):
        return (normalize_dim(dim, ndim),)
    out = tuple(normalize_dim(d, ndim) for d in int_list_arg(dim, "dim"))
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


# ---- functions that work on ndarrays and Tensors (for backward rules) -------------------------

def b_unary(np_fn, method):
    """A function for backward rules: `np_fn` on arrays, the Tensor method `method` on Tensors (create_graph)."""
    def f(x):
        return np_fn(x) if type(x) is _ndarray or not hasattr(x, "_data") else getattr(x, method)()
    f.__name__ = f"b_{method}"
    return f


b_exp, b_log, b_sqrt, b_sign, b_tanh = (b_unary(np.exp, "exp"), b_unary(np.log, "log"), b_unary(np.sqrt, "sqrt"),
                                        b_unary(np.sign, "sign"), b_unary(np.tanh, "tanh"))
b_sin, b_cos, b_sinh, b_cosh, b_trunc = (b_unary(np.sin, "sin"), b_unary(np.cos, "cos"), b_unary(np.sinh, "sinh"),
                                         b_unary(np.cosh, "cosh"), b_unary(np.trunc, "trunc"))


def data_of(x):
    """The ndarray of a Tensor, or `x` itself (an array or a number)."""
    return x._data if hasattr(x, "_data") else x


def b_mask(cond, g):
    """g where cond (a constant boolean array) else 0; arrays or Tensors."""
    return g * data_of(cond)


def b_sum(x, axis=None, keepdims=False):
    if type(x) is _ndarray or isinstance(x, _generic):
        return x.sum(axis=axis, keepdims=keepdims)
    return x.sum(dim=axis, keepdim=keepdims) if axis is not None else (
        x.sum().reshape((1,) * x.ndim) if keepdims else x.sum())


def b_broadcast_to(x, shape):
    return np.broadcast_to(x, shape) if type(x) is _ndarray or not hasattr(x, "_data") else x.expand(*shape)


def b_reshape(x, shape):
    return x.reshape(shape)


def b_transpose(x, axes):
    return x.transpose(axes) if type(x) is _ndarray or isinstance(x, _generic) else x.permute(*axes)


def b_swap_last(x):
    if x.ndim < 2:
        return x
    return np.swapaxes(x, -1, -2) if type(x) is _ndarray or isinstance(x, _generic) else x.transpose(-1, -2)


def b_matmul(a, b):
    if type(a) is _ndarray and type(b) is _ndarray:
        return _blas.matmul(a, b) if a.ndim == 2 and b.ndim == 2 else np.matmul(a, b)
    return a @ b if type(a) is not _ndarray else b.__rmatmul__(a)


def b_where(cond, a, b):
    if hasattr(a, "_data"):             # tensor mode (create_graph): the Tensor method records it
        return a.where(cond, b)
    if hasattr(b, "_data"):
        return b.where(cond.logical_not() if hasattr(cond, "_data") else np.logical_not(cond), a)
    if hasattr(cond, "_data"):
        cond = cond._data
    return np.where(cond, a, b)


def b_unsqueeze_like(g, shape, axes):
    """Re-insert reduced `axes` (kept as size 1) so g broadcasts against `shape`."""
    if axes is None:
        return b_reshape(g, (1,) * len(shape))
    s = list(g.shape)
    for a in sorted(axes):
        s.insert(a, 1)
    return b_reshape(g, tuple(s))


def is_array(x):
    """Whether a backward rule runs on arrays (ordinary backward) rather than Tensors (create_graph)."""
    return type(x) is _ndarray or isinstance(x, _generic)


def writable(a):
    """A writable alias of `a`: NumPy marks broadcast (expand()ed) views read-only, torch writes through."""
    if a.flags.writeable:
        return a
    w = a.view()
    try:
        w.flags.writeable = True
    except ValueError:
        raise RuntimeError("ember: cannot write into a tensor whose memory is read-only") from None
    return w
