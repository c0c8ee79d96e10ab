"""Small generated IDX files for the vision, compat and example tests (never the real data)."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np


def idx_bytes(arr: np.ndarray) -> bytes:
    code = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}
    c = code[arr.dtype.type]
    head = bytes([0, 0, c, arr.ndim]) + struct.pack(f">{arr.ndim}i", *arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_mnist(folder, n=12, prefix="t10k", gz=True, seed=0):
    """Small fake MNIST split in `folder`; returns (images, labels)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    os.makedirs(folder, exist_ok=True)
    for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
        name = os.path.join(folder, f"{prefix}-{kind}-ubyte")
        data = idx_bytes(arr)
        if gz:
            with gzip.open(name + ".gz", "wb") as f:
                f.write(data)
        else:
            with open(name, "wb") as f:
                f.write(data)
    return images, labels
