"""`ember.device`: only the CPU exists; anything else is a clear error."""
from __future__ import annotations


class device:
    """Matches `torch.device` for 'cpu'. Other device types can be named but not used."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - torch's name
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        s = str(type)
        if ":" in s:
            s, idx = s.split(":", 1)
            index = int(idx)
        if s not in ("cpu", "cuda", "mps", "meta", "xpu"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta, xpu device type at start of device string: {type}")
        self.type = s
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


class DeviceUnavailableError(RuntimeError, AssertionError):
    """A non-CPU device was requested. torch raises AssertionError ("Torch not compiled with CUDA
    enabled") here; ember's error is both a RuntimeError and an AssertionError so either catch works."""


def check_device(dev):
    """Raise unless `dev` (str, device or None) names the CPU."""
    if dev is None:
        return
    d = dev if isinstance(dev, device) else device(dev) if isinstance(dev, str) else None
    if d is None or d.type != "cpu":
        raise DeviceUnavailableError(f"ember runs on the CPU only; device {str(dev)!r} is not available "
                           "(torch.cuda.is_available() is False in ember)")
