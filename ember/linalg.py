"""`ember.linalg`: matrix functions and decompositions under `torch.linalg`'s names (aliases of the
matmul and linalg op families' functions). Matches `torch.linalg`."""
from __future__ import annotations

from ._ops.linalg import (LinAlgError, cholesky_ex, cond, eigh, eigvalsh, inv, inv_ex, lstsq,  # noqa: F401
                          matrix_norm, matrix_rank, pinv, solve, solve_triangular, svdvals, tensorinv, vector_norm)
from ._ops.linalg import (linalg_cholesky as cholesky, linalg_det as det, linalg_diagonal as diagonal,  # noqa: F401
                          linalg_matrix_exp as matrix_exp, linalg_matrix_power as matrix_power, linalg_norm as norm,
                          linalg_qr as qr, linalg_slogdet as slogdet, linalg_svd as svd)
from ._ops.matmul import linalg_cross as cross, matmul, multi_dot, vecdot  # noqa: F401

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "cholesky", "cholesky_ex", "qr", "eigh",
           "eigvalsh", "svd", "svdvals", "matmul", "cross", "vector_norm", "matrix_norm", "norm", "matrix_power",
           "multi_dot", "diagonal", "vecdot", "pinv", "matrix_rank", "solve_triangular", "lstsq", "cond",
           "tensorinv", "matrix_exp"]
