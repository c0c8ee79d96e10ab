"""Every collective, op and dtype on every rank, checked against NumPy on data each rank can recompute.
Prints `checked N` at the end; any mismatch raises (and so ends the job with a non-zero exit)."""
import datetime

import numpy as np
import torch
import torch.distributed as dist

dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=30))
R, W = dist.get_rank(), dist.get_world_size()
count = 0
DTYPES = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16,
          torch.float32, torch.float64]


def data(r, n, dt):
    """Rank r's values: small so that products and sums stay exact in every dtype."""
    a = (np.arange(n) * 7 + r * 3) % 5
    if dt is torch.bool:
        return (a + r) % 3 == 0
    return (a + 1).astype(torch.empty(0, dtype=dt).numpy().dtype)


def check(got, want, what):
    global count
    got = got.numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    if got.dtype != np.asarray(want).dtype or not np.array_equal(got, want):
        raise AssertionError(f"rank {R}: {what}: got {got.ravel()[:8]} ({got.dtype}), "
                             f"want {np.asarray(want).ravel()[:8]} ({np.asarray(want).dtype})")
    count += 1


def raises(exc, fn, *words):
    global count
    try:
        fn()
    except exc as e:
        for w in words:
            assert w in str(e), f"rank {R}: {w!r} not in {e!r}"
        count += 1
        return
    raise AssertionError(f"rank {R}: {exc.__name__} not raised by {fn}")


REDUCE = {
    "SUM": lambda s: s.sum(0), "PRODUCT": lambda s: s.prod(0), "MIN": lambda s: s.min(0),
    "MAX": lambda s: s.max(0),
    "BAND": lambda s: np.bitwise_and.reduce(s, 0), "BOR": lambda s: np.bitwise_or.reduce(s, 0),
    "BXOR": lambda s: np.bitwise_xor.reduce(s, 0), "AVG": lambda s: s.sum(0) / W,
}
BOOL = {"SUM": np.any, "MAX": np.any, "BOR": np.any, "PRODUCT": np.all, "MIN": np.all, "BAND": np.all}

# ---- all_reduce / reduce / reduce_scatter: every op x dtype, 1 element and an odd size ----
for dt in DTYPES:
    for op, fn in REDUCE.items():
        for n in (1, 37):
            stack = np.stack([data(r, n, dt) for r in range(W)])
            t = torch.from_numpy(data(R, n, dt).copy())
            floating = dt.is_floating_point
            if op in ("BAND", "BOR", "BXOR") and floating:
                raises(RuntimeError, lambda: dist.all_reduce(t, getattr(dist.ReduceOp, op)), "non-integral",
                       f"rank {R}")
                continue
            if op == "AVG" and not floating:
                raises(RuntimeError, lambda: dist.all_reduce(t, dist.ReduceOp.AVG), "floating", f"rank {R}")
                continue
            if dt is torch.bool:
                want = BOOL[op](stack, 0) if op in BOOL else np.logical_xor.reduce(stack, 0)
            else:
                want = fn(stack).astype(stack.dtype)
            dist.all_reduce(t, getattr(dist.ReduceOp, op))
            check(t, want, f"all_reduce {op} {dt} n={n}")
            t = torch.from_numpy(data(R, n, dt).copy())
            dist.reduce(t, dst=W - 1, op=getattr(dist.ReduceOp, op))
            check(t, want if R == W - 1 else data(R, n, dt), f"reduce {op} {dt}")
            if n == 37:
                inp = torch.from_numpy(np.stack([data(R + k, 3, dt) for k in range(W)]))
                out = torch.empty(3, dtype=dt)
                dist.reduce_scatter_tensor(out, inp.reshape(-1), getattr(dist.ReduceOp, op))
                st = np.stack([np.stack([data(r + k, 3, dt) for k in range(W)]) for r in range(W)])[:, R]
                w2 = (BOOL[op](st, 0) if op in BOOL else np.logical_xor.reduce(st, 0)) if dt is torch.bool \
                    else fn(st).astype(st.dtype)
                check(out, w2, f"reduce_scatter_tensor {op} {dt}")

# ---- 10 MB, async, non-contiguous ----
big = torch.full((2_621_440,), float(R + 1))
work = dist.all_reduce(big, async_op=True)
assert work.wait() is True and work.is_completed()
check(big[::1_000_000], np.full(3, sum(range(1, W + 1)), np.float32), "10 MB async all_reduce")
nc = torch.arange(12.0).reshape(3, 4).t()
dist.all_reduce(nc)
check(nc, np.arange(12.0, dtype=np.float32).reshape(3, 4).T * W, "non-contiguous all_reduce")

# ---- broadcast / all_gather / gather / scatter / all_to_all ----
for dt in (torch.float32, torch.int64, torch.bool):
    t = torch.from_numpy(data(R, 5, dt).copy())
    dist.broadcast(t, src=1)
    check(t, data(1, 5, dt), f"broadcast {dt}")
    outs = [torch.empty(5, dtype=dt) for _ in range(W)]
    dist.all_gather(outs, torch.from_numpy(data(R, 5, dt)))
    for r in range(W):
        check(outs[r], data(r, 5, dt), f"all_gather {dt}")
    whole = torch.empty(W * 5, dtype=dt)
    dist.all_gather_into_tensor(whole, torch.from_numpy(data(R, 5, dt)))
    check(whole, np.concatenate([data(r, 5, dt) for r in range(W)]), "all_gather_into_tensor")
    gl = [torch.empty(5, dtype=dt) for _ in range(W)] if R == 0 else None
    dist.gather(torch.from_numpy(data(R, 5, dt)), gl, dst=0)
    if R == 0:
        for r in range(W):
            check(gl[r], data(r, 5, dt), f"gather {dt}")
    got = torch.empty(5, dtype=dt)
    parts = [torch.from_numpy(data(10 + r, 5, dt)) for r in range(W)]
    dist.scatter(got, parts if R == W - 1 else None, src=W - 1)
    check(got, data(10 + R, 5, dt), f"scatter {dt}")
ins = [torch.full((r + 1,), float(R * 10 + r)) for r in range(W)]        # uneven sizes
outs = [torch.empty(R + 1) for _ in range(W)]
dist.all_to_all(outs, ins)
for r in range(W):
    check(outs[r], np.full(R + 1, float(r * 10 + R), np.float32), "all_to_all")
single_in = torch.arange(W * 2, dtype=torch.int64) + 100 * R
single_out = torch.empty(W * 2, dtype=torch.int64)
dist.all_to_all_single(single_out, single_in)
check(single_out, np.concatenate([np.arange(R * 2, R * 2 + 2) + 100 * r for r in range(W)]),
      "all_to_all_single")
rs_out = torch.empty(2)
dist.reduce_scatter(rs_out, [torch.full((2,), float(R + k)) for k in range(W)])
check(rs_out, np.full(2, sum(r + R for r in range(W)), np.float32), "reduce_scatter")

# ---- point to point ----
if R == 0:
    dist.send(torch.arange(4.0), dst=1, tag=3)
    w = dist.irecv(buf := torch.empty(4))
    w.wait()
    check(buf, np.arange(4.0, dtype=np.float32) * 2, "irecv any source")
    assert w.source_rank() == 1
elif R == 1:
    buf = torch.empty(4)
    assert dist.recv(buf, src=0, tag=3) == 0
    dist.isend(buf * 2, dst=0).wait()
    check(buf, np.arange(4.0, dtype=np.float32), "recv")

# ---- groups: the last two ranks ----
sub = dist.new_group([W - 2, W - 1])
t = torch.tensor([float(R)])
res = dist.all_reduce(t, group=sub)
if R >= W - 2:
    check(t, np.array([2.0 * W - 3], np.float32), "group all_reduce")
    assert dist.get_rank(sub) == R - (W - 2) and dist.get_world_size(sub) == 2
    dist.broadcast(t, src=W - 1, group=sub)
    check(t, np.array([2.0 * W - 3], np.float32), "group broadcast by global src")
else:
    check(t, np.array([float(R)], np.float32), "non-member left alone")
    assert res is None and dist.get_rank(sub) == -1

# ---- objects ----
objs = [None] * W
dist.all_gather_object(objs, {"rank": R, "pad": "x" * R * 1000})
assert [o["rank"] for o in objs] == list(range(W)) and len(objs[-1]["pad"]) == (W - 1) * 1000
lst = [1, "two", {"3": 3.0}] if R == 0 else [None, None, None]
dist.broadcast_object_list(lst, src=0)
assert lst == [1, "two", {"3": 3.0}], lst
gathered = [None] * W if R == 1 else None
dist.gather_object(("r", R), gathered, dst=1)
assert R != 1 or gathered == [("r", r) for r in range(W)], gathered
mine = [None]
dist.scatter_object_list(mine, [f"to {r}" for r in range(W)] if R == 0 else None, src=0)
assert mine == [f"to {R}"], mine
count += 4

# ---- bad input: torch's exception types, messages name the rank ----
raises(TypeError, lambda: dist.all_reduce(np.zeros(3)), "torch.Tensor")
raises(ValueError, lambda: dist.all_gather([torch.empty(2)], torch.empty(2)), "ranks", f"rank {R}")
raises(ValueError, lambda: dist.all_gather_into_tensor(torch.empty(3), torch.empty(2)), "world_size",
       f"rank {R}")
raises(TypeError, lambda: dist.all_gather([torch.empty(2, dtype=torch.int64)] * W, torch.empty(2)), "dtype")
raises(ValueError, lambda: dist.broadcast(torch.empty(1), src=W + 5), "not part of group")
dist.barrier()
dist.monitored_barrier(timeout=datetime.timedelta(seconds=20), wait_all_ranks=True)
print(f"rank {R} checked {count}", flush=True)
dist.destroy_process_group()
