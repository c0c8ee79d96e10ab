"""Save and load of a 100 MB state_dict (25 float32 tensors of 1M elements) to a temp folder."""
import os
import tempfile

import numpy as np

_DIR = tempfile.mkdtemp(prefix="ember-bench-")


def workloads(lib):
    rng = np.random.default_rng(0)
    sd = {f"layer{i}.weight": lib.from_numpy(rng.standard_normal(1_000_000).astype(np.float32))
          for i in range(25)}
    path = os.path.join(_DIR, f"{lib.__name__}.pt")
    lib.save(sd, path)

    def save():
        lib.save(sd, path)

    def load():
        lib.load(path)

    return {"save 100MB state_dict": save, "load 100MB state_dict": load}
