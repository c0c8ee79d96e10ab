"""ember: PyTorch's pythonic deep-learning API in pure Python on NumPy.

`import ember as torch` runs PyTorch programs written for the CPU. Subpackages (nn, optim,
utils.data, vision, ...) load on first use, so `import ember` stays fast.
"""
from __future__ import annotations

import importlib as _importlib

from ._dtype import (bfloat16, bool, dtype, finfo, float16, float32, float64, get_default_dtype, iinfo,  # noqa: F401,A004
                     int8, int16, int32, int64, promote_types, set_default_dtype, uint8)
from ._device import device  # noqa: F401
from ._layout import layout, sparse_coo, strided  # noqa: F401
from ._tensor import Tensor  # noqa: F401
from ._tensor_base import Size  # noqa: F401
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                  is_inference_mode_enabled, no_grad, set_grad_enabled)
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,  # noqa: F401
                     seed, set_rng_state)
from ._creation import (arange, as_tensor, asarray, empty, empty_like, eye, from_numpy, full, full_like,  # noqa: F401
                        is_tensor, linspace, logspace, numel, ones, ones_like, rand, rand_like, randint,
                        randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from ._creation import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,  # noqa: F401
                        IntTensor, LongTensor, ShortTensor)
from ._functional import *  # noqa: F401,F403
from ._functional import abs, pow, sum  # noqa: F401,A004 - torch's names shadow builtins here, as in torch
from . import return_types  # noqa: F401 - torch.return_types (the named tuples of max, sort, ...)

half = float16
float = float32  # noqa: A001
double = float64
short = int16
int = int32  # noqa: A001
long = int64

from .version import __version__  # noqa: E402,F401 - the torch version ember follows (ember.version)

# subpackages imported on first attribute access (torch.fft, ... are not implemented:
# they fall through to the AttributeError below, which says so)
_LAZY_MODULES = {"nn", "optim", "utils", "vision", "autograd", "linalg", "serialization", "compat", "profiler",
                 "version",
                 "backends", "cuda", "safetensors", "random", "accelerator", "amp", "distributions", "testing",
                 "multiprocessing", "distributed", "special", "jit", "viz", "onnx", "sparse"}

# torch.* names of the nn op families (ember/_ops/<family>.py, loaded on first use): name -> (family,
# function); the same function object as the F.* form unless torch's top-level signature differs
_NN_ALIASES = {
    "conv1d": ("conv", "conv1d"), "conv2d": ("conv", "conv2d"), "conv3d": ("conv", "conv3d"),
    "conv_transpose1d": ("conv", "conv_transpose1d"), "conv_transpose2d": ("conv", "conv_transpose2d"),
    "conv_transpose3d": ("conv", "conv_transpose3d"),
    "max_pool1d": ("pooling", "max_pool1d"), "max_pool2d": ("pooling", "max_pool2d"),
    "max_pool3d": ("pooling", "max_pool3d"),
    "max_pool1d_with_indices": ("pooling", "max_pool1d_with_indices"),
    "avg_pool1d": ("pooling", "avg_pool1d"), "adaptive_avg_pool1d": ("pooling", "adaptive_avg_pool1d"),
    "adaptive_max_pool1d": ("pooling", "torch_adaptive_max_pool1d"),
    "pixel_shuffle": ("spatial", "pixel_shuffle"), "pixel_unshuffle": ("spatial", "pixel_unshuffle"),
    "channel_shuffle": ("spatial", "channel_shuffle"),
    "layer_norm": ("normalization", "layer_norm"), "group_norm": ("normalization", "group_norm"),
    "rms_norm": ("normalization", "rms_norm"), "batch_norm": ("normalization", "torch_batch_norm"),
    "instance_norm": ("normalization", "torch_instance_norm"),
}
# torch.* forms of nn functions, by the op family (ember/_ops/<family>.py) that defines them; they load
# on first use (the activations torch has at top level are imported by _functional.py)
_NN_FAMILY_ALIASES = {"dropout": "dropout", "alpha_dropout": "dropout", "feature_alpha_dropout": "dropout",
                      "bilinear": "linear", "cosine_similarity": "distance", "pairwise_distance": "distance",
                      "binary_cross_entropy_with_logits": "loss", "kl_div": "loss", "cosine_embedding_loss": "loss",
                      "margin_ranking_loss": "loss", "hinge_embedding_loss": "loss", "triplet_margin_loss": "loss",
                      "poisson_nll_loss": "loss"}


def __getattr__(name):
    if name in _LAZY_MODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    if name in ("is_anomaly_enabled", "is_anomaly_check_nan_enabled"):
        from .autograd import anomaly_mode
        return getattr(anomaly_mode, name)
    if name == "set_anomaly_enabled":
        from .autograd import anomaly_mode
        return anomaly_mode.set_detect_anomaly
    if name in _NN_ALIASES:    # torch.conv2d, torch.max_pool2d, ...
        family, fn = _NN_ALIASES[name]
        fn = getattr(_importlib.import_module(f"{__name__}._ops.{family}"), fn)
        globals()[name] = fn       # found by the module lookup from now on
        return fn
    if name in _NN_FAMILY_ALIASES:    # torch.dropout, torch.kl_div, ... (same as the F.* forms)
        fn = getattr(_importlib.import_module(f"{__name__}._ops.{_NN_FAMILY_ALIASES[name]}"), name)
        globals()[name] = fn
        return fn
    raise AttributeError(f"module 'ember' has no attribute '{name}' (not implemented in ember)")


def result_type(tensor1, tensor2) -> dtype:
    """The dtype an arithmetic op on these two operands produces. Matches `torch.result_type`."""
    from ._tensor_base import _result_np, _scalar_np
    from ._dtype import from_numpy_dtype as _FROM_NP_DT
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor):
        return _FROM_NP_DT(_result_np(tensor1._data, tensor2._data))
    if isinstance(tensor1, Tensor):
        return _FROM_NP_DT(_scalar_np(tensor1._data, tensor2))
    if isinstance(tensor2, Tensor):
        return _FROM_NP_DT(_scalar_np(tensor2._data, tensor1))
    return promote_types(_dtype_mod.scalar_dtype(tensor1), _dtype_mod.scalar_dtype(tensor2))


def can_cast(from_, to) -> bool:
    """Whether torch's casting rules allow `from_` -> `to` (never to a lower category: float -> int,
    int -> bool). Matches `torch.can_cast`."""
    return from_._kind <= to._kind


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    from . import _tensor_str
    _tensor_str.set_printoptions(precision=precision, threshold=threshold, edgeitems=edgeitems,
                                 linewidth=linewidth, profile=profile, sci_mode=sci_mode)


from . import _dtype as _dtype_mod  # noqa: E402
