"""The parts of ember and what each may import (read by test_layering.py; docs/ARCHITECTURE.md explains).

Parts are listed bottom-up. A file belongs to the part with the longest path prefix that matches it (a
file named on its own beats its folder). A file may import files of its own part and of the parts named in its `uses`; every
import statement counts, including those inside functions. No file imports the package face
`ember/__init__.py`, and the import graph of all files has no cycle.
"""

# (part, path prefixes, parts it may import besides itself)
PARTS = [
    ("base", ["ember/_dtype.py", "ember/return_types.py", "ember/_atomic.py", "ember/_device.py", "ember/_blas.py", "ember/_tensor_str.py", "ember/utils/hooks.py",
              "ember/autograd/grad_mode.py", "ember/autograd/graph.py",
              "ember/_ops/_base.py", "ember/_layout.py"],
     []),
    # the data half of a Tensor and the recording hooks, the engine, in-place writes, random streams
    ("record", ["ember/_tensor_base.py", "ember/autograd/_observe.py", "ember/autograd/engine.py", "ember/_inplace.py",
                "ember/random.py"],
     ["base"]),
    # one module per op family: kernels (forward/backward on ndarrays), the validated public
    # function of each op, and the family's Tensor method mixin
    ("ops", ["ember/_ops/"], ["base", "record"]),
    # the public Tensor class, creation, autograd API, namespaces (linalg, special, ...), files
    ("core", ["ember/_tensor.py", "ember/_creation.py", "ember/_functional.py", "ember/autograd/",
              "ember/linalg.py", "ember/special.py", "ember/fft.py", "ember/testing.py", "ember/serialization",
              "ember/safetensors.py", "ember/_unpickler.py", "ember/_checkpoint.py", "ember/_torch_names.py",
              "ember/amp.py", "ember/cuda.py", "ember/backends.py",
              "ember/accelerator.py", "ember/multiprocessing.py", "ember/distributions/", "ember/utils/__init__.py",
              "ember/utils/checkpoint.py", "ember/onnx", "ember/version.py", "ember/sparse",
              "ember/profiler.py", "ember/version.py", "ember/_parameter.py"],
     ["base", "record", "ops"]),
    ("distributed", ["ember/distributed"], ["base", "record", "ops", "core"]),
    ("nn", ["ember/nn/"], ["base", "record", "ops", "core", "distributed"]),
    ("optim", ["ember/optim/"], ["base", "record", "ops", "core"]),
    ("data", ["ember/utils/data/"], ["base", "record", "ops", "core", "distributed"]),
    ("tools", ["ember/utils/", "ember/viz", "ember/jit"], ["base", "record", "ops", "core", "nn", "optim", "data"]),
    ("vision", ["ember/vision/"], ["base", "record", "ops", "core", "nn", "data"]),
    ("compat", ["ember/compat.py"], ["base", "record", "ops", "core", "nn", "optim", "data", "vision", "tools"]),
    # the torchrun-style launcher: it starts scripts written for torch, with `import torch` mapped to ember
    ("launch", ["ember/distributed/run.py", "ember/distributed/_agent.py", "ember/distributed/_multinode.py",
                "ember/distributed/_job.py"], ["base", "record", "ops", "core", "distributed", "compat"]),
    ("face", ["ember/__init__.py"], ["base", "record", "ops", "core", "nn", "optim", "data", "vision", "tools",
                                     "distributed", "compat"]),
]

# (importing file, imported part): upward imports accepted on purpose, with the reason
EXCEPTIONS = {
    ("ember/optim/swa_utils.py", "nn"): "torch's swa_utils updates BatchNorm statistics of an nn.Module",
}
