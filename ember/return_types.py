"""`torch.return_types`: the named tuples that max/min/sort/topk/... return."""
from __future__ import annotations

import collections

__all__ = ["max", "min", "median", "nanmedian", "mode", "kthvalue", "topk", "sort", "cummax", "cummin", "aminmax",
           "frexp", "histogram", "svd", "qr", "linalg_svd", "linalg_slogdet", "linalg_qr", "linalg_eigh",
           "linalg_inv_ex", "linalg_cholesky_ex", "linalg_lstsq", "slogdet"]


def _rt(name, fields=("values", "indices")):
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "torch.return_types"
    cls.__repr__ = lambda self: f"torch.return_types.{name}(\n" + ",\n".join(
        f"{f}={v!r}" for f, v in zip(fields, self)) + ")"
    return cls


max = _rt("max")  # noqa: A001 - torch's names
min = _rt("min")  # noqa: A001
median = _rt("median")
nanmedian = _rt("nanmedian")
mode = _rt("mode")
kthvalue = _rt("kthvalue")
topk = _rt("topk")
sort = _rt("sort")
cummax = _rt("cummax")
cummin = _rt("cummin")
aminmax = _rt("aminmax", ("min", "max"))
frexp = _rt("frexp", ("mantissa", "exponent"))
histogram = _rt("histogram", ("hist", "bin_edges"))
svd = _rt("svd", ("U", "S", "V"))
qr = _rt("qr", ("Q", "R"))
linalg_svd = _rt("linalg_svd", ("U", "S", "Vh"))
linalg_slogdet = _rt("linalg_slogdet", ("sign", "logabsdet"))
linalg_qr = _rt("linalg_qr", ("Q", "R"))
linalg_eigh = _rt("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_inv_ex = _rt("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex = _rt("linalg_cholesky_ex", ("L", "info"))
linalg_lstsq = _rt("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
slogdet = _rt("slogdet", ("sign", "logabsdet"))
