"""ember.vision: torchvision's everyday parts (datasets, transforms, utils) on ember and NumPy.

`import ember.vision as torchvision` (or `python -m ember.compat`) runs torchvision-style code.
Pillow is optional: without it, images are HxW(xC) uint8 NumPy arrays.
"""
from . import datasets, transforms, utils  # noqa: F401

__version__ = "0.1.0"
