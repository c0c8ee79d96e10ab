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

__version__ = "0.1.0"
