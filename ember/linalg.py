"""`ember.linalg`: matrix functions and decompositions under `torch.linalg`'s names (aliases of the
matmul and linalg op families' functions). Matches `torch.linalg`."""
from __future__ import annotations

from ._ops.linalg import (LinAlgError, cholesky_ex, cond, eigh, eigvalsh, inv, inv_ex, lstsq, matrix_norm,
                          matrix_rank, pinv, solve, solve_triangular, svdvals, tensorinv, vector_norm)
from ._ops.linalg import linalg_cholesky as cholesky
from ._ops.linalg import linalg_det as det
from ._ops.linalg import linalg_diagonal as diagonal
from ._ops.linalg import linalg_matrix_exp as matrix_exp
from ._ops.linalg import linalg_matrix_power as matrix_power
from ._ops.linalg import linalg_norm as norm
from ._ops.linalg import linalg_qr as qr
from ._ops.linalg import linalg_slogdet as slogdet
from ._ops.linalg import linalg_svd as svd
from ._ops.matmul import linalg_cross as cross
from ._ops.matmul import matmul, multi_dot, vecdot

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "cholesky", "cholesky_ex", "qr", "eigh",
           "eigvalsh", "svd", "svdvals", "matmul", "cross", "vector_norm", "matrix_norm", "norm", "matrix_power",
           "multi_dot", "diagonal", "vecdot", "pinv", "matrix_rank", "solve_triangular", "lstsq", "cond",
           "tensorinv", "matrix_exp"]
