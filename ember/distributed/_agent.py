"""What each rank runs first under `python -m ember.distributed.run`: set torchrun's environment from the MPI
rank, install the fault hooks and the torch -> ember import alias, then run the user's script or module.

    python -m ember.distributed._agent [--no-python] [-m] PROGRAM [ARGS...]
"""
from __future__ import annotations

import os
import runpy
import sys


def _mpi_rank() -> int:
    for var in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MPI_RANKID"):
        if var in os.environ:
            return int(os.environ[var])
    raise RuntimeError("ember.distributed._agent: no MPI rank in the environment (PMI_RANK); it is meant "
                       "to be started by `python -m ember.distributed.run`")


def torchrun_env(rank: int, node_sizes: list[int]) -> dict[str, str]:
    """torchrun's per-rank variables for global `rank` when node i runs `node_sizes[i]` ranks."""
    world = sum(node_sizes)
    node, first = 0, 0
    while rank >= first + node_sizes[node]:
        first += node_sizes[node]
        node += 1
    local = node_sizes[node]
    return {"RANK": str(rank), "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank - first),
            "LOCAL_WORLD_SIZE": str(local), "GROUP_RANK": str(node), "GROUP_WORLD_SIZE": str(len(node_sizes)),
            "ROLE_NAME": "default", "ROLE_RANK": str(rank), "ROLE_WORLD_SIZE": str(world)}


def main(argv: list[str]) -> int:
    no_python = module = False
    while argv and argv[0] in ("--no-python", "-m"):
        if argv[0] == "--no-python":
            no_python = True
        else:
            module = True
        argv = argv[1:]
    sizes = [int(x) for x in os.environ.get("EMBER_NODE_SIZES", "1").split(",")]
    os.environ.update(torchrun_env(_mpi_rank(), sizes))
    if no_python:
        os.execvp(argv[0], argv)
    from . import _core
    from .. import compat
    for stream in (sys.stdout, sys.stderr):
        try:   # one write per line: mpiexec then never mixes two ranks' lines (and output shows up promptly)
            stream.reconfigure(line_buffering=True, write_through=False)
        except (AttributeError, ValueError):  # pragma: no cover - a replaced stream
            pass
    _core.install_fault_handlers()
    compat.install()
    sys.argv = list(argv)
    try:
        if module:
            runpy.run_module(argv[0], run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
            runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as e:
        # a non-zero exit on one rank ends the job (a normal exit would wait forever in MPI_Finalize)
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if code:
            if not isinstance(e.code, int):
                print(e.code, file=sys.stderr)
            sys.stderr.write(f"[rank {os.environ['RANK']}] exited with code {code}; ending the whole job\n")
            _core._abort(code)
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
