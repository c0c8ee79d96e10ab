"""OpSpec table for the math ops (issue 3): one row per op variant drives the oracle, gradient and
gradcheck tests in test_math_oracle.py.

A row's `fn(L, *tensors)` is called with L = ember or L = torch and the same input tensors, so one
lambda serves both libraries; `torch_fn` overrides it where the spellings differ. `samples(rng)`
returns tuples of float64 NumPy arrays (cast per dtype by the test); `dom` keeps inputs inside the
op's domain and away from kinks.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

POS = (0.5, 2.0)        # strictly positive
UNIT = (-0.9, 0.9)      # inside (-1, 1)
NZ = "nz"               # +-[0.5, 2]: away from 0 (abs, division, sign kinks)
ANY = (-2.0, 2.0)


@dataclasses.dataclass
class OpSpec:
    name: str
    fn: Callable
    samples: Callable
    grad: bool = True                   # differentiable in torch
    torch_fn: Callable | None = None
    int_ok: bool = False                # also compare forward on int64 / bool inputs
    rtol: float = 1e-5
    atol: float = 1e-6
    gradcheck: bool = True
    rtol64: float = 1e-10               # float64 forward tolerance (torch's own kernel may be less exact)
    gradgrad: bool = False              # also compare a double backward (create_graph=True) with torch's


def arr(rng, shape, dom):
    if dom == NZ:
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if dom == "int":
        return rng.integers(0, 5, shape).astype(np.float64)
    return rng.uniform(dom[0], dom[1], shape)


UNARY_SHAPES = [(3, 4), (), (0, 3), (2, 3, 4), "T"]      # "T": a transposed (non-contiguous) (4, 3)
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((0, 3), (3,)), ((5,), ())]


def unary_samples(dom=ANY, shapes=UNARY_SHAPES):
    def gen(rng):
        out = []
        for s in shapes:
            if s == "T":
                out.append((arr(rng, (3, 4), dom).T,))
            else:
                out.append((arr(rng, s, dom),))
        return out
    return gen


def binary_samples(dom0=ANY, dom1=ANY, shapes=BINARY_SHAPES):
    def gen(rng):
        return [(arr(rng, a, dom0), arr(rng, b, dom1)) for a, b in shapes]
    return gen


def nary_samples(*doms, shapes):
    def gen(rng):
        return [tuple(arr(rng, s, d) for s, d in zip(shp, doms)) for shp in shapes]
    return gen


def U(name, dom=ANY, **kw):
    return OpSpec(name, lambda L, x, _n=name: getattr(L, _n)(x), unary_samples(dom), **kw)


def B(name, dom0=ANY, dom1=ANY, **kw):
    return OpSpec(name, lambda L, x, y, _n=name: getattr(L, _n)(x, y), binary_samples(dom0, dom1), **kw)


def _vn(L):
    return L.linalg.vector_norm


def _mn(L):
    return L.linalg.matrix_norm


R3 = unary_samples(ANY, [(3, 4, 5)])
R3_POS = unary_samples(POS, [(3, 4, 5)])
R_EMPTY = unary_samples(ANY, [(0, 3)])


OPS: list[OpSpec] = [
    # ---- arithmetic --------------------------------------------------------------------------------
    B("add", int_ok=True),
    OpSpec("add_alpha", lambda L, x, y: L.add(x, y, alpha=2.5), binary_samples()),
    OpSpec("sub_alpha", lambda L, x, y: L.sub(x, y, alpha=-1.5), binary_samples()),
    B("mul", int_ok=True),
    B("div", ANY, NZ),
    B("true_divide", ANY, NZ),
    OpSpec("div_trunc", lambda L, x, y: L.div(x, y, rounding_mode="trunc"), binary_samples(ANY, NZ), int_ok=True,
           gradcheck=False),
    OpSpec("div_floor", lambda L, x, y: L.div(x, y, rounding_mode="floor"), binary_samples(ANY, NZ), int_ok=True,
           gradcheck=False),
    OpSpec("floor_divide", lambda L, x, y: L.floor_divide(x, y), binary_samples(ANY, NZ), grad=False, int_ok=True),
    B("remainder", ANY, NZ, int_ok=False),
    B("fmod", ANY, NZ),
    B("pow", POS, ANY),
    OpSpec("pow_scalar", lambda L, x: L.pow(x, 3), unary_samples(), int_ok=True),
    OpSpec("rpow_scalar", lambda L, x: 2.0 ** x, unary_samples()),
    OpSpec("scalar_ops", lambda L, x: (3 - x) * 2 + x / 4 - 1.5 / (x * x + 1), unary_samples()),
    U("neg", int_ok=True),
    U("abs", NZ),
    U("sign", NZ, gradcheck=True),
    U("sgn", NZ),
    U("reciprocal", NZ),
    # ---- exp / log / powers -------------------------------------------------------------------------
    U("exp", int_ok=True), U("exp2", int_ok=True), U("expm1"),
    U("log", POS, int_ok=True), U("log2", POS), U("log10", POS), U("log1p", POS),
    U("sqrt", POS, int_ok=True), U("rsqrt", POS), U("square", int_ok=True),
    # ---- trigonometric / hyperbolic -----------------------------------------------------------------
    U("sin", int_ok=True), U("cos"), U("tan", UNIT), U("asin", UNIT), U("acos", UNIT), U("atan"),
    B("atan2", NZ, NZ), B("arctan2", NZ, NZ),
    U("sinh"), U("cosh"), U("tanh"), U("asinh"), U("acosh", (1.2, 3.0)), U("atanh", UNIT),
    # ---- special ------------------------------------------------------------------------------------
    U("sigmoid", int_ok=True),
    OpSpec("sigmoid_large", lambda L, x: L.sigmoid(x * 100), unary_samples(), gradcheck=False),
    U("logit", (0.1, 0.9)),
    OpSpec("logit_eps", lambda L, x: L.logit(x, eps=0.2), unary_samples((0.05, 0.95))),
    U("erf", (-3.0, 3.0), int_ok=True), U("erfc", (-3.0, 3.0)), U("erfinv", UNIT),
    OpSpec("lerp_scalar", lambda L, x, y: L.lerp(x, y, 0.3), binary_samples()),
    OpSpec("lerp_tensor", lambda L, x, y, w: L.lerp(x, y, w),
           nary_samples(ANY, ANY, (0, 1), shapes=[((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((), (), ())])),
    OpSpec("clamp", lambda L, x: L.clamp(x, -0.5, 0.7), unary_samples(), int_ok=True),
    OpSpec("clamp_min", lambda L, x: L.clamp(x, min=0.3), unary_samples(), int_ok=True),
    OpSpec("clamp_max", lambda L, x: x.clamp(max=-0.2), unary_samples()),
    OpSpec("clip", lambda L, x: L.clip(x, -1, 1), unary_samples()),
    OpSpec("clamp_tensor", lambda L, x, lo, hi: L.clamp(x, lo, hi),
           nary_samples(ANY, (-1.5, 0), (0, 1.5), shapes=[((3, 4), (4,), (3, 1)), ((3,), (3,), (3,)), ((), (), ())])),
    OpSpec("clamp_tensor_crossed", lambda L, x, lo, hi: L.clamp(x, lo, hi),
           nary_samples(ANY, (0.5, 1.5), (-1.5, 0), shapes=[((3, 4), (4,), (3, 1))])),
    OpSpec("clamp_tensor_min", lambda L, x, lo: L.clamp(x, min=lo), binary_samples()),
    OpSpec("clamp_tensor_max", lambda L, x, hi: L.clamp(x, max=hi), binary_samples()),
    B("maximum", int_ok=True), B("minimum", int_ok=True), B("fmax"), B("fmin"),
    OpSpec("maximum_ties", lambda L, x: L.maximum(x, x.round()), unary_samples(), gradcheck=False),
    OpSpec("max_binary", lambda L, x, y: L.max(x, y), binary_samples()),
    OpSpec("min_binary", lambda L, x, y: L.min(x, y), binary_samples()),
    U("floor", int_ok=True, gradcheck=False), U("ceil", int_ok=True, gradcheck=False),
    U("round", int_ok=False, gradcheck=False), U("trunc", int_ok=True, gradcheck=False),
    U("fix", gradcheck=False), U("frac"),
    OpSpec("round_decimals", lambda L, x: L.round(x * 10, decimals=2), unary_samples(), gradcheck=False),
    OpSpec("round_neg_decimals", lambda L, x: L.round(x * 1000, decimals=-2), unary_samples(), gradcheck=False),
    U("isnan", grad=False, int_ok=True), U("isinf", grad=False, int_ok=True), U("isfinite", grad=False, int_ok=True),
    OpSpec("isnan_special", lambda L, x: L.isnan(L.log(x)) | L.isinf(1 / x * 0 + L.log(x)), unary_samples((-1, 1)),
           grad=False),
    OpSpec("nan_to_num", lambda L, x: L.nan_to_num(L.log(x), nan=-1.0, neginf=-5.0), unary_samples((-1, 2))),
    OpSpec("nan_to_num_default", lambda L, x: L.nan_to_num(1 / (x - x.round() * 0) * 0 + L.log(x)),
           unary_samples((-1, 2)), gradcheck=False),
    B("hypot", NZ, NZ), B("logaddexp"), B("logaddexp2"), B("xlogy", ANY, POS), B("copysign", NZ, NZ),
    OpSpec("xlogy_zero", lambda L, x, y: L.xlogy(x * 0, y), binary_samples(ANY, ANY), gradcheck=False),
    OpSpec("xlogy_scalar", lambda L, y: L.xlogy(2.0, y), unary_samples(POS)),
    # ---- comparison / logical / bitwise (not differentiable) ---------------------------------------------
    B("lt", grad=False, int_ok=True), B("le", grad=False, int_ok=True), B("gt", grad=False, int_ok=True),
    B("ge", grad=False, int_ok=True), B("eq", grad=False, int_ok=True), B("ne", grad=False, int_ok=True),
    OpSpec("cmp_scalar", lambda L, x: (x > 0.5) & (x <= 1.5) | (x == 0) ^ (x != 2), unary_samples(), grad=False,
           int_ok=True),
    B("logical_and", grad=False, int_ok=True), B("logical_or", grad=False, int_ok=True),
    B("logical_xor", grad=False, int_ok=True), U("logical_not", grad=False, int_ok=True),
    OpSpec("isclose", lambda L, x, y: L.isclose(x, x + y * 1e-6), binary_samples(), grad=False),
    # ---- reductions --------------------------------------------------------------------------------------
]

_RED_VARIANTS = [
    ("", {}), ("_d1", {"dim": 1}), ("_dneg_keep", {"dim": -1, "keepdim": True}), ("_dtuple", {"dim": (0, -1)}),
]
for _name, _int_ok in [("sum", True), ("mean", False), ("nansum", True), ("nanmean", False), ("amax", True),
                       ("amin", True), ("logsumexp", True), ("std", False), ("var", False)]:
    for _suf, _kw in _RED_VARIANTS:
        if _name == "logsumexp" and not _kw:
            _kw = {"dim": (0, 1, 2)}
        OPS.append(OpSpec(f"{_name}{_suf}", lambda L, x, _n=_name, _k=_kw: getattr(L, _n)(x, **_k), R3,
                          int_ok=_int_ok and _name not in ("logsumexp",)))
    if _name in ("sum", "mean", "amax", "logsumexp", "nansum"):
        OPS.append(OpSpec(f"{_name}_empty", lambda L, x, _n=_name: getattr(L, _n)(x, 1), R_EMPTY))

# a 0-d input: dim 0 or -1 names the whole tensor (gradcheck: no for std, whose derivative at 0 is torch's 0)
R0D = unary_samples(ANY, [()])
for _name in ("sum", "mean", "nansum", "nanmean", "amax", "amin", "logsumexp", "std", "var", "prod", "norm"):
    for _suf, _a, _kw in [("", (), {}), ("_d0", (0,), {}), ("_dneg_keep", (-1,), {"keepdim": True})]:
        if _name in ("logsumexp",) and not _a:
            continue
        _kw = dict(_kw, correction=0) if _name in ("std", "var") else _kw
        _a = (2,) + _a if _name == "norm" and _a else _a
        OPS.append(OpSpec(f"{_name}_0d{_suf}", lambda L, x, _n=_name, _p=_a, _k=_kw: getattr(L, _n)(x, *_p, **_k),
                          R0D, gradcheck=_name != "std"))
OPS += [OpSpec("var_0d_unbiased", lambda L, x: L.var(x), R0D, gradcheck=False),
        OpSpec("std_0d_unbiased", lambda L, x: x.std(0), R0D, gradcheck=False),
        OpSpec("var_mean_0d", lambda L, x: L.var_mean(x, 0, correction=0), R0D),
        OpSpec("std_constant", lambda L, x: L.std(x * 0 + 1, 1, correction=0), R3, gradcheck=False)]

for _name in ("prod", "cumsum", "cumprod", "logcumsumexp", "argmax", "argmin", "softmax", "log_softmax",
              "cummax", "cummin", "max", "min", "median", "mode", "sort", "argsort", "count_nonzero", "all", "any"):
    _grad = _name not in ("argmax", "argmin", "argsort", "count_nonzero", "all", "any")
    _int = _name not in ("logcumsumexp", "softmax", "log_softmax", "median", "mode")
    OPS.append(OpSpec(f"{_name}_d1", lambda L, x, _n=_name: getattr(L, _n)(x, 1), R3, grad=_grad, int_ok=_int))
    OPS.append(OpSpec(f"{_name}_dneg", lambda L, x, _n=_name: getattr(L, _n)(x, -1), unary_samples(ANY, [(4, 3)]),
                      grad=_grad))

OPS += [
    OpSpec("prod_all", lambda L, x: L.prod(x), unary_samples(NZ, [(3, 4), ()]), int_ok=True),
    OpSpec("prod_zeros", lambda L, x: L.prod(x * (x > 0), 1), unary_samples(ANY, [(3, 4)]), gradcheck=False),
    OpSpec("prod_keep", lambda L, x: x.prod(0, keepdim=True), unary_samples(NZ, [(3, 4)])),
    OpSpec("cumprod_zeros", lambda L, x: L.cumprod(x * (x > -0.5), 1), unary_samples(ANY, [(3, 5)]), gradcheck=False),
    OpSpec("cumsum_int", lambda L, x: L.cumsum(x, 0), unary_samples(ANY, [(5,), ()]), int_ok=True),
    OpSpec("cumsum_dtype", lambda L, x: L.cumsum(x, 1, dtype=L.float64), R3),
    OpSpec("sum_dtype", lambda L, x: L.sum(x, 1, dtype=L.float64), R3, int_ok=True),
    OpSpec("std_correction0", lambda L, x: L.std(x, 1, correction=0), R3),
    OpSpec("var_unbiased_false", lambda L, x: x.var(1, False), R3),
    OpSpec("var_correction2_keep", lambda L, x: L.var(x, (0, 2), correction=2, keepdim=True), R3),
    OpSpec("var_mean", lambda L, x: L.var_mean(x, 1), R3),
    OpSpec("std_mean", lambda L, x: L.std_mean(x, dim=(0, 1), keepdim=True), R3),
    OpSpec("max_all", lambda L, x: L.max(x), unary_samples(ANY, [(3, 4), ()]), int_ok=True),
    OpSpec("min_all", lambda L, x: x.min(), unary_samples(ANY, [(3, 4), ()])),
    OpSpec("max_keepdim", lambda L, x: L.max(x, 0, keepdim=True), R3),
    OpSpec("max_ties_full", lambda L, x: L.max(x.round()), unary_samples(ANY, [(3, 4)]), gradcheck=False),
    OpSpec("amax_ties", lambda L, x: L.amax(x.round(), 1), unary_samples(ANY, [(3, 6)]), gradcheck=False),
    OpSpec("amin_ties_all", lambda L, x: L.amin(x.round()), unary_samples(ANY, [(3, 6)]), gradcheck=False),
    OpSpec("argmax_all", lambda L, x: L.argmax(x), R3, grad=False, int_ok=True),
    OpSpec("argmin_keep", lambda L, x: L.argmin(x, 2, keepdim=True), R3, grad=False),
    OpSpec("median_all", lambda L, x: L.median(x), unary_samples(ANY, [(3, 4), (5,)])),
    OpSpec("kthvalue", lambda L, x: L.kthvalue(x, 2, 1), R3),
    OpSpec("kthvalue_keep", lambda L, x: x.kthvalue(3, 0, keepdim=True), R3),
    OpSpec("topk", lambda L, x: L.topk(x, 2, 1), R3),
    OpSpec("topk_smallest", lambda L, x: L.topk(x, 3, largest=False), R3),
    OpSpec("sort_desc", lambda L, x: L.sort(x, 0, descending=True), R3),
    OpSpec("argsort_desc", lambda L, x: L.argsort(x, -1, descending=True), R3, grad=False, int_ok=False),
    OpSpec("mode_int", lambda L, x: L.mode((x * 2).round(), 1), unary_samples(ANY, [(3, 9)]), gradcheck=False),
    OpSpec("cummax_ties", lambda L, x: L.cummax(x.round(), 1), unary_samples(ANY, [(3, 7)]), gradcheck=False),
    OpSpec("norm", lambda L, x: L.norm(x), R3),
    OpSpec("norm_p3_dim", lambda L, x: L.norm(x, 3, 1), unary_samples(NZ, [(3, 4, 5)])),
    OpSpec("norm_p1", lambda L, x: x.norm(1, (0, 2), keepdim=True), unary_samples(NZ, [(3, 4, 5)])),
    OpSpec("vector_norm", lambda L, x: _vn(L)(x), R3),
    OpSpec("vector_norm_inf", lambda L, x: _vn(L)(x, float("inf"), dim=1), R3),
    OpSpec("vector_norm_ninf", lambda L, x: _vn(L)(x, -float("inf"), dim=(0, 2)), R3),
    OpSpec("vector_norm_0", lambda L, x: _vn(L)(x, 0, dim=-1), R3, gradcheck=False),
    OpSpec("vector_norm_half", lambda L, x: _vn(L)(x, 0.5, dim=-1, keepdim=True), unary_samples(NZ, [(3, 4, 5)])),
    OpSpec("vector_norm_zero_row", lambda L, x: _vn(L)(x * (x > 5), dim=-1), unary_samples(ANY, [(3, 4)]),
           gradcheck=False),
    OpSpec("matrix_norm_fro", lambda L, x: _mn(L)(x), R3),
    OpSpec("matrix_norm_1", lambda L, x: _mn(L)(x, 1), R3),
    OpSpec("matrix_norm_ninf", lambda L, x: _mn(L)(x, -float("inf"), dim=(0, 2), keepdim=True), R3),
    OpSpec("matrix_norm_nuc", lambda L, x: _mn(L)(x, "nuc"), R3, rtol=1e-4, atol=1e-5),
    OpSpec("matrix_norm_2", lambda L, x: _mn(L)(x, 2), R3, rtol=1e-4, atol=1e-5),
    OpSpec("softmax_large", lambda L, x: L.softmax(x * 1e4, 1), R3, gradcheck=False, atol=1e-5),
    OpSpec("log_softmax_large", lambda L, x: L.log_softmax(x * 1e4, -1), R3, gradcheck=False, rtol=1e-4),
    OpSpec("softmax_dtype", lambda L, x: L.softmax(x, 0, dtype=L.float64), R3, int_ok=True, gradcheck=False),
    OpSpec("log_softmax_0d", lambda L, x: L.log_softmax(x, 0), unary_samples(ANY, [()])),
    OpSpec("logsumexp_large", lambda L, x: L.logsumexp(x * 1e4, 1), R3, gradcheck=False, rtol=1e-5),
    OpSpec("logcumsumexp_large", lambda L, x: L.logcumsumexp(x * 100, 1), R3, gradcheck=False),
    OpSpec("all_any_keep", lambda L, x: (L.all(x > -1.5, 1, keepdim=True), L.any(x > 1.5)), R3, grad=False),
    OpSpec("count_nonzero_tuple", lambda L, x: L.count_nonzero(x.round(), (0, 2)), R3, grad=False, int_ok=True),
]

OPS_BY_NAME = {s.name: s for s in OPS}
assert len(OPS_BY_NAME) == len(OPS), "duplicate OpSpec names"

OPS += [
    OpSpec("softmax_empty", lambda L, x: L.softmax(x, 0), R_EMPTY),
    OpSpec("log_softmax_int", lambda L, x: L.log_softmax(x, 0), unary_samples(ANY, [(3,)]), int_ok=True),
]
OPS_BY_NAME = {s.name: s for s in OPS}

OPS += [
    OpSpec("addcmul", lambda L, x, a, b: L.addcmul(x, a, b, value=0.5),
           nary_samples(ANY, ANY, ANY, shapes=[((3, 4), (4,), (3, 1)), ((), (), ())])),
    OpSpec("addcdiv", lambda L, x, a, b: x.addcdiv(a, b, value=-2),
           nary_samples(ANY, ANY, NZ, shapes=[((3, 4), (4,), (3, 1)), ((2,), (2,), (2,))])),
    U("deg2rad", int_ok=True), U("rad2deg"),
    OpSpec("dist", lambda L, x, y: L.dist(x, y), binary_samples(shapes=[((3, 4), (4,))])),
    OpSpec("dist_p1", lambda L, x, y: L.dist(x, y, 3), binary_samples(shapes=[((3, 4), (3, 4))])),
    OpSpec("quantile_dim", lambda L, x: L.quantile(x, 0.3, dim=1), R3),
    OpSpec("quantile_all_q", lambda L, x: L.quantile(x, L.tensor([0.1, 0.5, 0.95], dtype=x.dtype)), R3),
    OpSpec("quantile_q_keep", lambda L, x: x.quantile(L.tensor([0.2, 0.7], dtype=x.dtype), -1, keepdim=True), R3),
    OpSpec("quantile_modes", lambda L, x: tuple(L.quantile(x, 0.4, 0, interpolation=m) for m in
                                                ("lower", "higher", "nearest", "midpoint")), R3),
    OpSpec("quantile_nan", lambda L, x: L.quantile(L.where(x > 1.5, float("nan"), x), 0.5, dim=1), R3, grad=False),
    OpSpec("nanquantile", lambda L, x: L.nanquantile(L.where(x > 1.2, float("nan"), x), 0.6, dim=1), R3, grad=False),
    OpSpec("heaviside", lambda L, x, y: L.heaviside(x.round(), y), binary_samples(), grad=False, int_ok=True),
    OpSpec("gcd_lcm", lambda L, x, y: (L.gcd((x * 5).long(), (y * 5).long()), (x * 5).long().lcm((y * 3).long())),
           binary_samples(), grad=False, int_ok=True),
]
OPS_BY_NAME = {s.name: s for s in OPS}

OPS += [
    U("lgamma", (0.1, 6.0), int_ok=True),
    OpSpec("lgamma_neg", lambda L, x: L.lgamma(x - 3.0), unary_samples((0.1, 0.9))),
    U("digamma", (0.1, 6.0)), OpSpec("digamma_neg", lambda L, x: L.digamma(x - 2.0), unary_samples((0.1, 0.9))),
    OpSpec("polygamma1", lambda L, x: L.polygamma(1, x), unary_samples((0.2, 5.0)), rtol64=1e-8),
    OpSpec("polygamma2", lambda L, x: x.polygamma(2), unary_samples((0.2, 5.0)), rtol64=1e-8),
]
OPS_BY_NAME = {s.name: s for s in OPS}

OPS += [
    U("sinc", NZ), OpSpec("sinc_zero", lambda L, x: L.sinc(x * 0), unary_samples(), gradcheck=False),
    # non-negative exponents: torch's ldexp gradient uses an integer 2**e, which is 0 for e < 0
    OpSpec("ldexp", lambda L, x, e: L.ldexp(x, e.abs().round().long()), binary_samples()),
    OpSpec("frexp", lambda L, x: L.frexp(x * 100), unary_samples(), grad=False),
    OpSpec("nextafter", lambda L, x, y: L.nextafter(x, y), binary_samples(), grad=False),
    OpSpec("angle", lambda L, x: L.angle(x), unary_samples(NZ), int_ok=True, gradcheck=False),
    OpSpec("mvlgamma", lambda L, x: L.mvlgamma(x + 2, 3), unary_samples((0.1, 3.0))),
    OpSpec("nanmedian", lambda L, x: L.nanmedian(L.where(x > 1.2, float("nan"), x), 1), R3, gradcheck=False),
    OpSpec("nanmedian_all", lambda L, x: L.nanmedian(L.where(x > 1.2, float("nan"), x)), R3, gradcheck=False),
    OpSpec("cov", lambda L, x: L.cov(x), unary_samples(ANY, [(3, 5), (4,)])),
    OpSpec("cov_correction0", lambda L, x: L.cov(x, correction=0), unary_samples(ANY, [(2, 6)])),
    OpSpec("corrcoef", lambda L, x: L.corrcoef(x), unary_samples(ANY, [(3, 5)]), grad=False),
    OpSpec("histogram", lambda L, x: L.histogram(x, 5, range=(-1.0, 1.0)), R3, grad=False),
    OpSpec("histogram_weight", lambda L, x: L.histogram(x, 4, weight=x.abs(), density=True), R3, grad=False),
    OpSpec("unique_consecutive", lambda L, x: L.unique_consecutive(x.round(), return_inverse=True,
                                                                     return_counts=True), R3, grad=False),
    OpSpec("unique_consecutive_dim", lambda L, x: L.unique_consecutive((x > 0).float(), dim=1),
           unary_samples(ANY, [(2, 8)]), grad=False),
]
OPS_BY_NAME = {s.name: s for s in OPS}

OPS += [
    # the scalar-operand kernels (a Python number as the second operand)
    OpSpec("clamp_min_fn", lambda L, x: L.clamp_min(x, 0.3), unary_samples(), int_ok=True),
    OpSpec("clamp_max_method", lambda L, x: x.clamp_max(-0.2), unary_samples(), int_ok=True),
    OpSpec("copysign_scalar", lambda L, x: L.copysign(x, -2.0), unary_samples(NZ)),
    OpSpec("div_floor_scalar", lambda L, x: L.div(x, 1.5, rounding_mode="floor"), unary_samples(),
           int_ok=True, gradcheck=False),
    OpSpec("div_trunc_scalar", lambda L, x: L.div(x, -1.5, rounding_mode="trunc"), unary_samples(),
           int_ok=True, gradcheck=False),
    OpSpec("fmod_scalar", lambda L, x: L.fmod(x, 1.5), unary_samples(), int_ok=True, gradcheck=False),
    OpSpec("remainder_scalar", lambda L, x: L.remainder(x, -1.5), unary_samples(), int_ok=True,
           gradcheck=False),
    OpSpec("xlogy_scalar_other", lambda L, x: L.xlogy(x, 2.0), unary_samples()),
    # double backward: the selecting reductions' rules record their adjoint kernels
    OpSpec("max_d1_gradgrad", lambda L, x: L.max(x, 1).values ** 2, R3, gradgrad=True),
    OpSpec("sort_gradgrad", lambda L, x: L.sort(x, -1).values ** 2, R3, gradgrad=True),
    OpSpec("exp_gradgrad", lambda L, x: L.exp(x) * x, unary_samples(ANY, [(3, 4)]), gradgrad=True),
]
OPS_BY_NAME = {s.name: s for s in OPS}
assert len(OPS_BY_NAME) == len(OPS), "duplicate OpSpec names"


def as_dtype(a, dtype):
    """A float64 sample array in a dtype the table runs: float32, float64, int64 (x3, rounded) or bool."""
    if dtype == "float32":
        return a.astype(np.float32)
    if dtype == "float64":
        return a
    if dtype == "int64":
        return np.round(a * 3).astype(np.int64)
    return a > 0


def cases():
    """Every row's samples, for tests/ops/test_op_coverage.py: (id, fn(L, *tensors), arrays, grad, gradgrad).
    Float32 with gradients, and the integer/bool forms of `int_ok` rows forward only (as the oracle test runs
    them)."""
    import zlib
    for spec in OPS:
        rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
        for i, arrays in enumerate(spec.samples(rng)):
            yield (f"{spec.name}-{i}", spec.fn, [np.array(a, np.float32) for a in arrays], spec.grad,
                   spec.gradgrad)
            for dt in (("int64", "bool") if spec.int_ok else ()):
                arrays_dt = [np.array(as_dtype(a, dt)) for a in arrays]
                yield f"{spec.name}-{i}-{dt}", spec.fn, arrays_dt, False, False
