"""`ember.nn.functional` (imported as `F`): stateless layer functions. Matches `torch.nn.functional`.

The functions live in their op families in `ember/_ops/` (activation, dropout, embedding, linear,
distance, loss, ctc, ...) and are re-exported here under torch.nn.functional's names; this module
defines only the forms torch.nn.functional spells differently from torch (`F.softmax`'s implicit dim).
Convolution, pooling, normalisation, padding and resampling (`_ops.conv`, `pooling`, `normalization`,
`spatial`) are re-exported at the end.
"""
from __future__ import annotations


from .._ops import activation as _activation, ctc as _ctc, distance as _distance, dropout as _dropout
from .._ops import embedding as _embedding, linear as _linear, loss as _loss
from .._ops.activation import *  # noqa: F401,F403
from .._ops.activation import _implicit_dim
from .._ops.ctc import *  # noqa: F401,F403
from .._ops.distance import *  # noqa: F401,F403
from .._ops.dropout import *  # noqa: F401,F403
from .._ops.embedding import *  # noqa: F401,F403
from .._ops.linear import *  # noqa: F401,F403
from .._ops.loss import *  # noqa: F401,F403
from .._ops.unary import sigmoid, tanh  # noqa: F401

__all__ = (_activation.__all__ + _dropout.__all__ + _embedding.__all__ + _linear.__all__ + _distance.__all__
           + _loss.__all__ + _ctc.__all__ + ["tanh", "sigmoid"])


# ---- torch.nn.functional's own spellings ---------------------------------------------------------------

def softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """`ember.softmax`, with torch's legacy implicit dim (and its warning) when `dim` is None. Matches
    `torch.nn.functional.softmax`."""
    dim = dim if dim is not None else _implicit_dim("softmax", input.dim(), _stacklevel)
    return _activation.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """`ember.log_softmax`, with torch's legacy implicit dim (and its warning) when `dim` is None. Matches
    `torch.nn.functional.log_softmax`."""
    dim = dim if dim is not None else _implicit_dim("log_softmax", input.dim(), _stacklevel)
    return _activation.log_softmax(input, dim, dtype)


# ---- the nn op families that torch.nn.functional shares with nothing else -------------------------------
from .._ops import conv as _conv, normalization as _normalization  # noqa: E402
from .._ops import pooling as _pooling, spatial as _spatial  # noqa: E402
from .._ops.conv import *  # noqa: E402,F401,F403
from .._ops.normalization import *  # noqa: E402,F401,F403
from .._ops.pooling import *  # noqa: E402,F401,F403
from .._ops.spatial import *  # noqa: E402,F401,F403

__all__ = __all__ + _conv.__all__ + _pooling.__all__ + _normalization.__all__ + _spatial.__all__
