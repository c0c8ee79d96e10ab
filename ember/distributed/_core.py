"""Process groups on MPI: initialisation, ranks, the work object, waiting with a deadline, fault hooks.

mpi4py is imported on first use (`init_process_group`), never by `import ember.distributed`. Every
communication is a non-blocking MPI call completed by `_wait`, which polls with a deadline: that is how
`timeout=` can raise in the calling thread (measured: polling Test() is as fast as a blocking call in MPICH).
"""
from __future__ import annotations

import atexit
import datetime
import enum
import os
import sys
import time
import warnings

__all__ = ["Backend", "ReduceOp", "RedOpType", "DistError", "DistBackendError", "DistNetworkError",
           "DistStoreError", "ProcessGroup", "GroupMember", "group", "Work", "is_available", "is_initialized",
           "is_mpi_available", "is_gloo_available", "is_nccl_available", "is_ucc_available",
           "is_torchelastic_launched", "get_default_backend_for_device", "init_process_group",
           "destroy_process_group", "new_group", "get_rank", "get_world_size", "get_backend",
           "get_node_local_rank", "get_process_group_ranks", "get_global_rank", "get_group_rank"]

_DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)   # torch's default for gloo
_DETAIL = False   # TORCH_DISTRIBUTED_DEBUG=DETAIL: check that ranks agree on each collective (read at init)


class DistError(RuntimeError):
    """Base of the errors a process group raises. Matches `torch.distributed.DistError`."""


class DistBackendError(DistError):
    """A collective failed or timed out in the backend (MPI). Matches `torch.distributed.DistBackendError`."""


class DistNetworkError(DistError):
    """Matches `torch.distributed.DistNetworkError`."""


class DistStoreError(DistError):
    """Matches `torch.distributed.DistStoreError`."""


class Backend(str):
    """A backend name. Matches `torch.distributed.Backend`: "gloo" and "mpi" are both served by MPI."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name}")
        return super().__new__(cls, name.lower() if name.upper() in ("GLOO", "NCCL", "UCC", "MPI") else name)


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9


class ReduceOp:
    """Reduction kinds for collectives. Matches `torch.distributed.ReduceOp` (PREMUL_SUM is not supported)."""
    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


# ---- MPI access -----------------------------------------------------------------------------------------
_MPI = None


def _mpi():
    """The mpi4py.MPI module (initialises MPI on first call) with ember's fault hooks installed."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise RuntimeError("ember.distributed needs mpi4py and an MPI library: "
                               "pip install 'ember[distributed]'") from e
        _MPI = MPI
        install_fault_handlers()
    return _MPI


def is_available() -> bool:
    """True when mpi4py can be imported (not imported here). Matches `torch.distributed.is_available`."""
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    return is_available()


def is_gloo_available() -> bool:
    """True when MPI is available: ember serves the "gloo" backend with MPI."""
    return is_available()


def is_nccl_available() -> bool:
    return False


def is_ucc_available() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    """True under a torchrun-style launcher (`python -m ember.distributed.run` sets TORCHELASTIC_RUN_ID)."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def get_default_backend_for_device(device) -> str:
    """Matches `torch.distributed.get_default_backend_for_device`: "gloo" for the CPU."""
    kind = device if isinstance(device, str) else getattr(device, "type", str(device))
    kind = kind.split(":")[0]
    if kind == "cpu":
        return "gloo"
    raise ValueError(f"Default backend not registered for device : {device}")


# ---- fault handling -------------------------------------------------------------------------------------
_hooks_installed = False
_broken: list[str] = []          # operations that timed out; the job is aborted at exit if non-empty


def _abort(code: int = 1) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        time.sleep(0.1)     # let mpiexec forward this rank's last output before the abort kills the job
    except Exception:  # pragma: no cover
        pass
    mpi = _MPI
    if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized():
        mpi.COMM_WORLD.Abort(code)
    os._exit(code)


def _excepthook(exc_type, exc, tb):
    rank = os.environ.get("RANK", "?")
    if _MPI is not None and _MPI.Is_initialized() and not _MPI.Is_finalized():
        rank = _MPI.COMM_WORLD.Get_rank()
    try:
        sys.stderr.write(f"[rank {rank}] uncaught exception; ending the whole job\n")
        sys.__excepthook__(exc_type, exc, tb)
    finally:
        code = exc.code if exc_type is SystemExit and isinstance(exc.code, int) and exc.code else 1
        _abort(code)


def _at_exit():
    if _broken:
        sys.stderr.write(f"[rank {get_rank() if is_initialized() else '?'}] {_broken[0]} did not complete; "
                         f"ending the whole job\n")
        _abort(1)


def install_fault_handlers() -> None:
    """Make an uncaught exception on one rank end the whole job (MPI_Abort) instead of hanging the others.

    Installed by the launcher's ranks and by `init_process_group` (for scripts started with plain mpiexec).
    """
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    sys.excepthook = _excepthook
    atexit.register(_at_exit)   # runs before mpi4py's MPI_Finalize (registered earlier, atexit is LIFO)


# ---- process groups -------------------------------------------------------------------------------------
class ProcessGroup:
    """A set of ranks with its own MPI communicator. Matches `torch.distributed.ProcessGroup` (rank/size)."""

    def __init__(self, comm, ranks, backend, timeout, name=""):
        self._comm = comm                       # None on ranks outside the group
        self._ranks = list(ranks)               # global ranks, in group-rank order
        self._backend = Backend(backend)
        self._timeout = timeout
        self._name = name
        self._rank = comm.Get_rank() if comm is not None else -1

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return len(self._ranks)

    def name(self) -> str:
        return self._backend

    @property
    def group_name(self) -> str:
        return self._name

    def __repr__(self):
        return f"<ember ProcessGroup {self._name or 'WORLD'} ranks={self._ranks} backend={self._backend}>"


class _State:
    default_pg: ProcessGroup | None = None
    groups: list = []
    counter = 0


class GroupMember:
    """Matches `torch.distributed.GroupMember`: WORLD (None before init) and NON_GROUP_MEMBER."""
    NON_GROUP_MEMBER = -100

    class _World:
        def __get__(self, obj, owner):
            return _State.default_pg

    WORLD = _World()


class group:  # noqa: N801 - torch's name
    """`group.WORLD` is the default process group (None before `init_process_group`)."""
    WORLD = GroupMember._World()


def is_initialized() -> bool:
    return _State.default_pg is not None


def _default_pg() -> ProcessGroup:
    if _State.default_pg is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _State.default_pg


def _resolve(group_) -> ProcessGroup:
    if group_ is None or group_ is GroupMember.WORLD:
        return _default_pg()
    if group_ == GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group_, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup or None, got {type(group_).__name__}")
    return group_


def _timeout_seconds(timeout) -> float:
    if timeout is None:
        return _DEFAULT_TIMEOUT.total_seconds()
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout)
    raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, "
                    f"got {type(timeout).__name__}")


_BACKENDS = {"gloo": "gloo", "cpu:gloo": "cpu:gloo", "mpi": "mpi", "cpu:mpi": "cpu:mpi"}


def init_process_group(backend=None, init_method=None, timeout=None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None, device_id=None,
                       _ranks=None) -> None:
    """Join the MPI world the launcher (or mpiexec) started. Matches `torch.distributed.init_process_group`.

    backend None, "gloo", "cpu:gloo" and "mpi" all use MPI; `init_method`/`store` are not needed (MPI did the
    rendezvous) but `world_size`/`rank`, when given, must agree with the MPI world.
    """
    if _State.default_pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = "gloo" if backend is None else str(backend).lower()
    if "nccl" in name or "ucc" in name:
        raise RuntimeError(f"Distributed package doesn't have {'NCCL' if 'nccl' in name else 'UCC'} built in "
                           f"(ember runs on the CPU; use backend='gloo')")
    if name not in _BACKENDS:
        raise ValueError(f"Invalid backend: '{backend}' (ember supports 'gloo', 'cpu:gloo' and 'mpi', "
                         f"all on MPI)")
    if device_id is not None and getattr(device_id, "type", str(device_id)).split(":")[0] != "cpu":
        raise ValueError(f"device_id {device_id} is not a CPU device: ember runs on the CPU")
    seconds = _timeout_seconds(timeout)
    global _DETAIL
    _DETAIL = os.environ.get("TORCH_DISTRIBUTED_DEBUG", "").upper() == "DETAIL"
    MPI = _mpi()
    world = MPI.COMM_WORLD
    size, me = world.Get_size(), world.Get_rank()
    want_size = world_size if world_size != -1 else int(os.environ.get("WORLD_SIZE", size))
    want_rank = rank if rank != -1 else int(os.environ.get("RANK", me))
    if want_size != size:
        raise RuntimeError(
            f"init_process_group: world_size={want_size} but this process's MPI world has {size} "
            f"process(es). ember's ranks are MPI processes: start the script with "
            f"`python -m ember.distributed.run --nproc-per-node {want_size} SCRIPT` "
            f"(or mpiexec -n {want_size}); mp.spawn-style rendezvous over init_method is not supported")
    if want_rank != me:
        raise RuntimeError(f"init_process_group: rank={want_rank} was asked but MPI gave this process "
                           f"rank {me}; leave rank= unset (or take it from the RANK variable the launcher "
                           f"sets)")
    comm = world.Dup()
    _State.default_pg = ProcessGroup(comm, range(size), name, seconds, group_name or "default_pg")
    _State.groups = [_State.default_pg]


def destroy_process_group(group=None) -> None:
    """Free a group's communicator, or every group when `group` is None (MPI itself ends at exit)."""
    if group is None or group is _State.default_pg:
        for pg in _State.groups:
            _free(pg)
        _State.default_pg = None
        _State.groups = []
        return
    if isinstance(group, ProcessGroup):
        _free(group)
        if group in _State.groups:
            _State.groups.remove(group)


def _free(pg):
    comm, pg._comm = pg._comm, None
    if comm is not None and _MPI is not None and not _MPI.Is_finalized() and not _broken:
        comm.Free()


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None, sort_ranks=True):
    """A subgroup of the world; every rank must call it, as in torch. Matches `torch.distributed.new_group`.

    Ranks outside `ranks` get `GroupMember.NON_GROUP_MEMBER` back.
    """
    pg = _default_pg()
    world = pg.size()
    ranks = list(range(world)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        ranks = sorted(ranks)
    for r in ranks:
        if r < 0 or r >= world:
            raise ValueError(f"The new group's rank should be within the world_size set by "
                             f"init_process_group; got rank {r} for world_size {world}")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"new_group: ranks {ranks} has duplicates")
    MPI = _mpi()
    base = pg._comm
    mine = base.Get_rank() in ranks
    if use_local_synchronization:
        if not mine:
            return GroupMember.NON_GROUP_MEMBER
        comm = base.Create_group(base.Get_group().Incl(ranks))
    else:
        comm = base.Create(base.Get_group().Incl(ranks))
    _State.counter += 1
    seconds = pg._timeout if timeout is None else _timeout_seconds(timeout)
    if not mine or comm == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    new = ProcessGroup(comm, ranks, backend or pg._backend, seconds, group_desc or f"group_{_State.counter}")
    _State.groups.append(new)
    return new


def _in_group(pg, op_name) -> bool:
    if pg is None or pg._comm is None:
        global_rank = -1 if _State.default_pg is None else _State.default_pg.rank()
        warnings.warn(f"Running {op_name} on global rank {global_rank} which does not belong to the given "
                      f"group.", stacklevel=3)
        return False
    return True


def get_rank(group=None) -> int:
    """This process's rank in `group` (-1 outside it). Matches `torch.distributed.get_rank`."""
    pg = _resolve(group)
    return -1 if pg is None else pg._rank


def get_world_size(group=None) -> int:
    pg = _resolve(group)
    return -1 if pg is None or pg._comm is None else pg.size()


def get_backend(group=None) -> str:
    """The backend name `init_process_group` (or `new_group`) was given ("gloo" when None)."""
    pg = _resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg._backend


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """LOCAL_RANK from the launcher, else `fallback_rank`. Matches `torch.distributed.get_node_local_rank`."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
                       "`get_node_local_rank` to work, assuming you are not running in a multi-device "
                       "context and want the code to run locally instead.")


def get_process_group_ranks(group) -> list[int]:
    pg = _resolve(group)
    return list(pg._ranks)


def get_global_rank(group, group_rank: int) -> int:
    pg = _resolve(group)
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg._ranks[group_rank]


def get_group_rank(group, global_rank: int) -> int:
    pg = _resolve(group)
    if global_rank not in pg._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    return pg._ranks.index(global_rank)


# ---- completion ------------------------------------------------------------------------------------------
def _fail(pg, op_name, exc_type, msg):
    return exc_type(f"{op_name} on rank {get_rank() if is_initialized() else '?'}: {msg}")


def _wait(reqs, pg, op_name, timeout=None, statuses=None):
    """Complete MPI requests, polling until `timeout` (default: the group's); DistBackendError after it."""
    MPI = _MPI
    try:
        if MPI.Request.Testall(reqs, statuses):
            return
        limit = pg._timeout if timeout is None else _timeout_seconds(timeout)
        start = time.monotonic()
        deadline = start + limit
        spins = 0
        testall = MPI.Request.Testall
        while not testall(reqs, statuses):
            spins += 1
            if spins & 63 == 0:
                now = time.monotonic()
                if now > deadline:
                    _broken.append(op_name)
                    raise _fail(pg, op_name, DistBackendError,
                                f"timed out after {limit:g} s waiting for the other ranks of {pg} "
                                f"(one of them is hung, dead or did not call {op_name})")
                # as MPICH's own blocking waits do: when ranks share a core, the peer we wait for gets to run
                os.sched_yield()
    except MPI.Exception as e:
        raise _fail(pg, op_name, DistBackendError, f"MPI error: {e.Get_error_string()}") from None


class Work:
    """A collective in flight (`async_op=True`). Matches `torch.distributed.Work`: wait, is_completed."""

    def __init__(self, reqs, pg, op_name, finish=None, result=None, statuses=None):
        self._reqs = list(reqs)
        self._statuses = statuses
        self._pg = pg
        self._op = op_name
        self._finish = finish
        self._result = result
        self._done = False
        self._exc = None

    def _complete(self):
        self._done = True
        if self._finish is not None:
            f, self._finish = self._finish, None
            f()

    def wait(self, timeout=None) -> bool:
        if not self._done:
            try:
                _wait(self._reqs, self._pg, self._op, timeout, self._statuses)
            except Exception as e:
                self._exc = e
                raise
            self._complete()
        return True

    def is_completed(self) -> bool:
        if not self._done and _MPI.Request.Testall(self._reqs, self._statuses):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed() and self._exc is None

    def exception(self):
        return self._exc

    def result(self):
        self.wait()
        return self._result if self._result is not None else []

    def source_rank(self) -> int:
        return self._result if isinstance(self._result, int) else -1


def _run(reqs, pg, op_name, async_op, finish=None, result=None):
    work = Work(reqs, pg, op_name, finish, result)
    if async_op:
        return work
    work.wait()
    return None
