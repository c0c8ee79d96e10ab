"""`ember.version`: the torch version whose API ember follows, for scripts that gate on it.

`ember.__version__` (like `torch.__version__`) reads "2.13.0+ember0.1.0": scripts that test
`torch.__version__ >= "2.0"` or `version.parse(torch.__version__)` take the branch of torch 2.13, the
version ember matches; the local label names ember's own release (`ember.version.ember`).
"""
from __future__ import annotations

import re

__all__ = ["__version__", "ember", "cuda", "hip", "debug", "git_version", "TorchVersion"]

ember = "0.1.0"          # this package's own version (pyproject.toml)
cuda = None              # a CPU-only build, like torch's CPU wheels
hip = None
xpu = None
debug = False
git_version = "unknown"


class TorchVersion(str):
    """A version string that compares with strings and tuples by release numbers (torch.torch_version)."""

    @staticmethod
    def _release(v):
        if isinstance(v, tuple):
            return tuple(int(x) for x in v)
        m = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(v))
        if m is None:
            raise ValueError(f"not a version: {v!r}")
        return tuple(int(x) for x in m.group(1).split("."))

    def _cmp(self, other):
        a, b = self._release(self), self._release(other)
        n = max(len(a), len(b))
        a, b = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
        return (a > b) - (a < b)

    def __lt__(self, other):
        return self._cmp(other) < 0

    def __le__(self, other):
        return self._cmp(other) <= 0

    def __gt__(self, other):
        return self._cmp(other) > 0

    def __ge__(self, other):
        return self._cmp(other) >= 0

    def __eq__(self, other):
        # like packaging's Version: equal releases and equal local labels ("2.13.0+ember0.1.0" != "2.13.0")
        try:
            local = str(other).partition("+")[2] if isinstance(other, str) else ""
            return self._cmp(other) == 0 and local == self.partition("+")[2]
        except (ValueError, TypeError):
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


__version__ = TorchVersion(f"2.13.0+ember{ember}")
