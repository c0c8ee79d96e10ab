"""Random number generators: `ember.Generator`, the default generator, `manual_seed`.

Streams are reproducible for a given seed (NumPy's PCG64 underneath) but are not the same
numbers torch draws: torch's CPU generator is a Mersenne Twister with its own transforms.
"""
from __future__ import annotations

import os

import numpy as np

from ._tensor_base import _wrap

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "fork_rng"]

_DEFAULT_SEED = 67280421310721  # torch's default_generator initial seed


class Generator:
    """A seedable stream of random numbers. Matches `torch.Generator` (device 'cpu' only).

    `gen.np` is the underlying `numpy.random.Generator`; ember's samplers draw from it.
    """

    __slots__ = ("np", "_seed", "device")

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise RuntimeError(f"ember only supports the 'cpu' device, got {device!r}")
        self.device = "cpu"
        self._seed = _DEFAULT_SEED
        self.np = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        if seed < -0x8000_0000_0000_0000 or seed > 0xFFFF_FFFF_FFFF_FFFF:
            raise ValueError(f"Overflow when unpacking long long: seed {seed} is out of range")
        seed &= 0xFFFF_FFFF_FFFF_FFFF  # torch maps negative seeds to their unsigned 64-bit value
        self._seed = seed
        self.np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        """Seed from OS entropy and return the seed used."""
        s = int.from_bytes(os.urandom(8), "little") & 0x7FFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        state = self.np.bit_generator.state
        # encode as a uint8 tensor like torch does; the payload is the PCG64 state
        raw = np.frombuffer(repr((self._seed, state)).encode(), dtype=np.uint8).copy()
        return _wrap(raw)

    def set_state(self, new_state) -> "Generator":
        import ast
        arr = new_state.numpy() if hasattr(new_state, "numpy") else np.asarray(new_state)
        seed, state = ast.literal_eval(bytes(arr.astype(np.uint8)).decode())
        self._seed = seed
        bg = np.random.PCG64()
        bg.state = state
        self.np = np.random.Generator(bg)
        return self

    def __getstate__(self):
        return {"seed": self._seed, "state": self.np.bit_generator.state}

    def __setstate__(self, d):
        self.device = "cpu"
        self._seed = d["seed"]
        bg = np.random.PCG64()
        bg.state = d["state"]
        self.np = np.random.Generator(bg)

    def __repr__(self):
        return f"<ember.Generator object at {hex(id(self))}>"


default_generator = Generator()


def _gen(generator) -> np.random.Generator:
    """The numpy Generator to draw from (the default one when `generator` is None)."""
    return (default_generator if generator is None else generator).np


def manual_seed(seed) -> Generator:
    """Seed the default generator. Matches `torch.manual_seed`."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


class fork_rng:
    """Context manager restoring the default generator's state on exit (like `torch.random.fork_rng`)."""

    def __init__(self, devices=None, enabled=True):
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self._saved = default_generator.__getstate__()

    def __exit__(self, *exc):
        if self.enabled:
            default_generator.__setstate__(self._saved)
        return False
