"""dtype objects, the NumPy mapping, the default dtype and torch's type-promotion rules.

Promotion is data: a table built once at import from a category lattice
(bool < integer < floating), never delegated to NumPy, whose rules differ from torch's
(e.g. int64 / int64 is float32 in torch, float64 in NumPy).
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
    "get_default_dtype", "set_default_dtype", "promote_types", "finfo", "iinfo",
]

_builtin_bool = bool


class dtype:
    """A tensor element type. Matches `torch.dtype`: compare with `is`/`==`, repr `torch.float32`.

    The repr says `torch.` on purpose: printed tensors and models read exactly as PyTorch's do.
    """

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_signed", "_kind", "_rank")

    def __init__(self, name, np_dtype, kind, rank):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = kind == 2
        self.is_signed = name not in ("bool", "uint8")
        self._kind = kind          # 0 bool, 1 integer, 2 floating
        self._rank = rank          # set last: from here on the object is frozen

    def __setattr__(self, name, value):
        # dtypes are shared by every tensor (and handed out by checkpoint loads): nothing may change one
        if hasattr(self, "_rank"):
            raise AttributeError(f"torch.dtype objects are immutable (cannot set {name!r})")
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        raise AttributeError(f"torch.dtype objects are immutable (cannot delete {name!r})")

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_complex(self):
        raise NotImplementedError("ember does not implement complex dtypes")


bool = dtype("bool", np.bool_, 0, 0)  # noqa: A001 - torch's name
uint8 = dtype("uint8", np.uint8, 1, 1)
int8 = dtype("int8", np.int8, 1, 2)
int16 = dtype("int16", np.int16, 1, 3)
int32 = dtype("int32", np.int32, 1, 4)
int64 = dtype("int64", np.int64, 1, 5)
float16 = dtype("float16", np.float16, 2, 6)
float32 = dtype("float32", np.float32, 2, 7)
float64 = dtype("float64", np.float64, 2, 8)

ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64)


class _NamedOnly(dtype):
    """A torch dtype ember names but does not store (bfloat16): `torch.bfloat16` exists, so scripts that
    mention it (`autocast(dtype=torch.bfloat16, enabled=False)`, dtype checks, finfo) run; making a tensor
    of it raises a TypeError that says so. Checkpoints and safetensors files widen bf16 to float32."""

    __slots__ = ()

    def __init__(self, name, itemsize, kind, rank):
        for k, v in (("name", name), ("itemsize", itemsize), ("is_floating_point", kind == 2),
                     ("is_signed", True), ("_kind", kind), ("_rank", rank)):
            object.__setattr__(self, k, v)

    @property
    def np(self):
        raise TypeError(f"ember does not implement {self.name} tensors (NumPy has no such type): use float32 "
                        f"(bfloat16 checkpoints and safetensors files load as float32)")


bfloat16 = _NamedOnly("bfloat16", 2, 2, 6)
_BY_NAME = {d.name: d for d in ALL + (bfloat16,)}
# torch's aliases
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)
# numpy dtype -> ember dtype (numpy's builtin dtypes are singletons, so `is` lookups work)
_FROM_NP = {d.np: d for d in ALL}
_FROM_NP[np.dtype(np.intc)] = int32
_FROM_NP[np.dtype(np.longlong)] = int64


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    d = _FROM_NP.get(np_dtype)
    if d is None:
        d = _FROM_NP.get(np.dtype(np_dtype))
        if d is None:
            raise TypeError(
                f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype)}. The only supported types are: "
                "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    return d


def to_dtype(d, names=False) -> dtype:
    """A `dtype=` argument as an ember dtype: a dtype, or a Python type (float, int, bool), as torch takes;
    anything else (a string, a NumPy dtype) is torch's TypeError. `names=True` also takes a name
    ('float32', 'torch.float32') and a NumPy dtype (ember's own conversions)."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is _builtin_bool:
        return bool
    # a torch.dtype passed by mistake has a str like 'torch.float32'
    s = str(d)
    if type(d).__name__ == "dtype" and s.startswith("torch.") and s[6:] in _BY_NAME:
        return _BY_NAME[s[6:]]
    if names:
        if isinstance(d, str):
            name = d[6:] if d.startswith("torch.") else d
            if name in _BY_NAME:
                return _BY_NAME[name]
            raise TypeError(f"unknown dtype {d!r}")
        try:
            return from_numpy_dtype(np.dtype(d))
        except TypeError:
            pass
    raise TypeError(f"argument 'dtype' must be torch.dtype, not {_type_name(d)}")


def _type_name(v):
    t = type(v)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


# ---- promotion -------------------------------------------------------------------------------

def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a._kind != b._kind:
        hi, lo = (a, b) if a._kind > b._kind else (b, a)
        return hi            # bool < int < float: the higher category wins, keeping its width
    if a._kind == 2:
        return a if a._rank > b._rank else b
    if a._kind == 0:
        return a
    # integers: uint8 with a signed type needs a signed type wide enough for 0..255
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a._rank > b._rank else b


PROMOTE = {(a, b): _promote_pair(a, b) for a in ALL for b in ALL}


def promote_types(type1, type2) -> dtype:
    """The smallest dtype both can be cast to. Matches `torch.promote_types`."""
    a, b = to_dtype(type1), to_dtype(type2)
    if a is bfloat16 or b is bfloat16:
        other = b if a is bfloat16 else a
        if other is bfloat16 or not other.is_floating_point:
            return bfloat16
        return float64 if other is float64 else float32     # with float16 or float32: float32 (torch)
    return PROMOTE[(a, b)]


def _combine(higher, lower):
    # torch's combine_categories: a lower-priority operand (0-dim tensor, Python scalar) only
    # matters when it belongs to a higher category than what the higher-priority operands give.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._kind == 2:
        return higher
    if higher._kind == 0 or lower._kind == 2:
        return PROMOTE[(higher, lower)]
    return higher


_default = [float32]


def get_default_dtype() -> dtype:
    """Matches `torch.get_default_dtype`."""
    return _default[0]


def set_default_dtype(d) -> None:
    """Matches `torch.set_default_dtype`: only float32 and float64 (and float16) are allowed."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar takes when wrapped as a tensor (torch's wrapped numbers)."""
    t = type(value)
    if t is _builtin_bool or isinstance(value, (np.bool_,)):
        return bool
    if t is int or isinstance(value, np.integer):
        return int64
    if t is float or isinstance(value, np.floating):
        return _default[0]
    if t is complex:
        raise TypeError("ember does not implement complex numbers")
    raise TypeError(f"unsupported scalar type {t.__name__}")


_SCALAR_TYPE = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                "float16": "Half", "float32": "Float", "float64": "Double"}


def scalar_type_name(d) -> str:
    """torch's C++ ScalarType name ('Float', 'Long', ...) used in its error messages."""
    d = d if isinstance(d, dtype) else from_numpy_dtype(d)
    return _SCALAR_TYPE[d.name]


def legacy_type_name(d) -> str:
    """torch's legacy tensor type name ('torch.FloatTensor', ...): `Tensor.type()` and some messages."""
    d = d if isinstance(d, dtype) else from_numpy_dtype(d)
    return f"torch.{_SCALAR_TYPE[d.name]}Tensor"


# ---- finfo / iinfo -----------------------------------------------------------------------------

class finfo:
    """Machine limits of a floating dtype. Matches `torch.finfo`."""

    def __init__(self, type=None):  # noqa: A002 - torch's name
        d = get_default_dtype() if type is None else to_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"torch.finfo() requires a floating point input type, got {d}")
        if d is bfloat16:       # 8 exponent bits like float32, 7 stored mantissa bits
            self.dtype, self.bits, self.eps, self.resolution = "bfloat16", 16, 2.0 ** -7, 0.01
            self.max, self.min = 3.3895313892515355e38, -3.3895313892515355e38
            self.tiny = self.smallest_normal = 2.0 ** -126
            return
        f = np.finfo(d.np)
        self.dtype = d.name
        self.bits = f.bits
        self.eps = float(f.eps)
        self.max = float(f.max)
        self.min = float(f.min)
        self.tiny = float(f.tiny)
        self.smallest_normal = float(f.smallest_normal)
        self.resolution = float(f.resolution)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype. Matches `torch.iinfo`."""

    def __init__(self, type):  # noqa: A002
        d = to_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"torch.iinfo() requires an integer input type, got {d}")
        if d is bool:
            self.bits, self.min, self.max = 8, 0, 1
        else:
            i = np.iinfo(d.np)
            self.bits, self.min, self.max = i.bits, int(i.min), int(i.max)
        self.dtype = d.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
