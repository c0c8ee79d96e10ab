"""ember.vision: torchvision's everyday parts (datasets, transforms, utils) on ember and NumPy.

`import ember.vision as torchvision` (or `python -m ember.compat`) runs torchvision-style code.
Pillow is optional: without it, images are HxW(xC) uint8 NumPy arrays.
"""
from . import datasets, transforms, utils  # noqa: F401


def __getattr__(name):
    # `torchvision.models` loads on first use (building it imports ember.nn)
    if name == "models":
        import importlib
        return importlib.import_module(f"{__name__}.models")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}: '{name}' is not implemented in ember")

from ..version import TorchVersion as _TorchVersion

__version__ = _TorchVersion("0.28.0+ember0.1.0")   # the torchvision release matching torch 2.13
