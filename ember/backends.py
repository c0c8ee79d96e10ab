"""`ember.backends`: the flags scripts set and the availability checks they make, CPU-only answers.

`ember.backends.mps.is_available()` and `ember.backends.cudnn.is_available()` are False;
`cudnn.deterministic` / `cudnn.benchmark` can be set (they have no effect). The sub-namespaces
are registered as modules so `import ember.backends.cudnn as cudnn` works.
"""
from __future__ import annotations

import sys
import types


def _false(*args, **kwargs) -> bool:
    return False


def _namespace(name: str, doc: str, **attrs) -> types.ModuleType:
    mod = types.ModuleType(f"{__name__}.{name}", doc)
    mod.__dict__.update(attrs)
    sys.modules[mod.__name__] = mod
    return mod


cudnn = _namespace("cudnn", "cuDNN flags (no effect in ember).", is_available=_false, enabled=True,
                   benchmark=False, deterministic=False, allow_tf32=True, version=lambda: None)
mps = _namespace("mps", "Apple MPS (not available in ember).", is_available=_false, is_built=_false,
                 is_macos13_or_newer=_false)
cuda = _namespace("cuda", "CUDA backend flags (no effect in ember).", is_built=_false,
                  matmul=types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True),
                  flash_sdp_enabled=_false)
mkldnn = _namespace("mkldnn", "oneDNN (not used by ember).", is_available=_false, enabled=False)
mkl = _namespace("mkl", "MKL (not used by ember).", is_available=_false)
openmp = _namespace("openmp", "OpenMP (not used by ember).", is_available=_false)
opt_einsum = _namespace("opt_einsum", "opt_einsum (not used by ember).", is_available=_false, enabled=False)

__path__: list = []  # a package (with no files): lets `import ember.backends.cudnn` find the modules above

__all__ = ["cudnn", "mps", "cuda", "mkldnn", "mkl", "openmp", "opt_einsum"]
