"""Padding layers: zero, constant, reflection, replication and circular padding (1-d, 2-d and 3-d)."""
from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _pad_arg(padding, n):
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"expected padding to be an int or a {2 * n}-tuple, got {padding}")
    return padding


class _ConstantPadNd(Module):
    _nd = 1

    def __init__(self, padding, value):
        super().__init__()
        self.padding = _pad_arg(padding, self._nd)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Matches `torch.nn.ConstantPad1d`."""
    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Matches `torch.nn.ConstantPad2d`."""
    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Matches `torch.nn.ConstantPad3d`."""
    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Matches `torch.nn.ZeroPad1d`."""
    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Matches `torch.nn.ZeroPad2d`."""
    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Matches `torch.nn.ZeroPad3d`."""
    _nd = 3


class _ModePadNd(Module):
    _nd = 1
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _pad_arg(padding, self._nd)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Matches `torch.nn.ReflectionPad1d`."""
    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_ModePadNd):
    """Matches `torch.nn.ReflectionPad2d`."""
    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_ModePadNd):
    """Matches `torch.nn.ReflectionPad3d`."""
    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_ModePadNd):
    """Matches `torch.nn.ReplicationPad1d`."""
    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_ModePadNd):
    """Matches `torch.nn.ReplicationPad2d`."""
    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_ModePadNd):
    """Matches `torch.nn.ReplicationPad3d`."""
    _nd, _mode = 3, "replicate"


class CircularPad1d(_ModePadNd):
    """Matches `torch.nn.CircularPad1d`."""
    _nd, _mode = 1, "circular"


class CircularPad2d(_ModePadNd):
    """Matches `torch.nn.CircularPad2d`."""
    _nd, _mode = 2, "circular"


class CircularPad3d(_ModePadNd):
    """Matches `torch.nn.CircularPad3d`."""
    _nd, _mode = 3, "circular"
