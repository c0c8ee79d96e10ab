"""Bool (and int) operands against torch: arithmetic and in-place arithmetic with bool tensors and Python
scalars (result dtypes, values, or torch's exception type), the messages of refused bool subtraction, and
float-only kernels (relu, abs, frac, hypot, ...) on bool and int tensors."""
from __future__ import annotations

import pytest
from oracle import run_both

import ember


def _operand(L, kind):
    return {"b": lambda: L.tensor([True, False, True]), "i": lambda: L.tensor([1, 2, 3]),
            "f": lambda: L.tensor([1.5, 2.0, -3.0]), "pb": lambda: True, "pi": lambda: 2,
            "pf": lambda: 2.5}[kind]()


_BINOPS = {  # (L, a, b) -> result
    "add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b, "mul": lambda L, a, b: a * b,
    "truediv": lambda L, a, b: a / b, "pow": lambda L, a, b: a ** b, "floordiv": lambda L, a, b: a // b,
    "mod": lambda L, a, b: a % b,
    "torch.sub": lambda L, a, b: L.sub(a, b), "torch.rsub": lambda L, a, b: L.rsub(a, b),
    "torch.pow": lambda L, a, b: L.pow(a, b), "torch.remainder": lambda L, a, b: L.remainder(a, b),
    "torch.fmod": lambda L, a, b: L.fmod(a, b), "torch.floor_divide": lambda L, a, b: L.floor_divide(a, b),
    "torch.div": lambda L, a, b: L.div(a, b), "sub_alpha": lambda L, a, b: a.sub(b, alpha=2),
    "add_alpha": lambda L, a, b: a.add(b, alpha=2),
}
# tensor-first ops that torch only accepts with a tensor first argument
_TENSOR_FIRST = {"torch.rsub", "torch.fmod", "torch.floor_divide", "torch.div", "sub_alpha", "add_alpha",
                 "torch.sub"}

_KINDS = ["b", "i", "f", "pb", "pi", "pf"]
_PAIRS = [(a, b) for a in _KINDS for b in _KINDS
          if "b" in a + b and not (a.startswith("p") and b.startswith("p"))]


def _same(torch, f, where):
    """The same dtype and values (rtol 1e-6), or the same exception class."""
    run_both(torch, f, rtol=1e-6, atol=0, exc="same", path=where)


@pytest.mark.parametrize("name", list(_BINOPS))
def test_bool_operand_arithmetic_matches_torch(torch, name):
    fn = _BINOPS[name]
    for a, b in _PAIRS:
        if a.startswith("p") and name in _TENSOR_FIRST:
            continue
        _same(torch, lambda L, a=a, b=b: fn(L, _operand(L, a), _operand(L, b)),
              f"{name}({a}, {b})")


_INPLACE = ["sub_", "add_", "mul_", "div_", "pow_", "remainder_", "fmod_", "floor_divide_", "__isub__", "__imod__",
            "__ipow__"]


@pytest.mark.parametrize("name", _INPLACE)
def test_bool_operand_inplace_matches_torch(torch, name):
    for a in ("b", "i", "f"):
        for b in _KINDS:
            if "b" not in a + b:
                continue
            _same(torch, lambda L, a=a, b=b: getattr(_operand(L, a), name)(_operand(L, b)),
                  f"{a}.{name}({b})")


def test_bool_subtraction_messages(torch):
    b = ember.tensor([True, False])
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        b - b
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        True - b
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        ember.tensor([1.0, 2.0]) - b
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        ember.tensor([1, 2]).sub_(True)


# ---- relu / abs and other float-only kernels on bool (and int) tensors ------------------------------------

_UNARY_BOOL = {
    "relu": lambda L, x: x.relu(), "relu_": lambda L, x: x.relu_(), "torch.relu": lambda L, x: L.relu(x),
    "F.relu": lambda L, x: L.nn.functional.relu(x), "abs": lambda L, x: x.abs(), "abs_": lambda L, x: x.abs_(),
    "torch.abs": lambda L, x: L.abs(x), "builtin abs": lambda L, x: abs(x), "frac": lambda L, x: x.frac(),
    "hypot": lambda L, x: L.hypot(x, x), "logaddexp": lambda L, x: L.logaddexp(x, x),
    "logaddexp2": lambda L, x: L.logaddexp2(x, x), "lerp": lambda L, x: L.lerp(x, x, 0.5),
    "lerp_tensor": lambda L, x: L.lerp(x, x, x), "neg": lambda L, x: -x, "sign": lambda L, x: x.sign(),
}


@pytest.mark.parametrize("name", list(_UNARY_BOOL))
@pytest.mark.parametrize("kind", ["b", "i"])
def test_bool_int_kernels_match_torch(torch, name, kind):
    fn = _UNARY_BOOL[name]
    _same(torch, lambda L: fn(L, _operand(L, kind)), f"{name}({kind})")


def test_bool_errors_name_the_dtype(torch):
    b = ember.tensor([True])
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        b.relu()
    with pytest.raises(NotImplementedError, match="\"abs_cpu\" not implemented for 'Bool'"):
        b.abs()
    with pytest.raises(NotImplementedError, match="\"frac_cpu\" not implemented for 'Long'"):
        ember.tensor([1]).frac()
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.tensor([1.0]).hypot(2.0)
