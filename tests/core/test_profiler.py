"""The profiler (torch.profiler / torch.autograd.profiler) against torch: the same backward nodes and user
ranges are counted, self and total times are consistent, the table has torch's layout, and schedules
select the same steps."""
from __future__ import annotations

import collections
import json

import numpy as np
import pytest

import ember


def _train_step(L, x, w, b):
    with L.profiler.record_function("model_inference"):
        h = (x @ w + b).relu()
        loss = (h * h).mean()
    loss.backward()


def _profile(L, record_shapes=False):
    rng = np.random.default_rng(0)
    x = L.tensor(rng.standard_normal((8, 5)).astype(np.float32))
    w = L.tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    b = L.tensor(np.zeros(3, np.float32), requires_grad=True)
    with L.profiler.profile(activities=[L.profiler.ProfilerActivity.CPU], record_shapes=record_shapes) as prof:
        _train_step(L, x, w, b)
    return prof


def _backward_counts(prof):
    c = collections.Counter()
    for e in prof.key_averages():
        if e.key.endswith(("Backward0", "Backward1")) or e.key == "torch::autograd::AccumulateGrad":
            c[e.key] += e.count
    return c


def test_backward_nodes_and_user_ranges_are_counted_like_torch(torch):
    pe, pt = _profile(ember), _profile(torch)
    assert _backward_counts(pe) == _backward_counts(pt)
    ee = {e.key: e for e in pe.key_averages()}
    et = {e.key: e for e in pt.key_averages()}
    assert ee["model_inference"].count == et["model_inference"].count == 1


def test_forward_ops_are_named_like_torchs_operators():
    pe = _profile(ember)
    names = {e.key for e in pe.key_averages()}
    for op in ("aten::mm", "aten::add", "aten::relu", "aten::mul", "aten::mean"):
        assert op in names, names


def test_self_and_total_times_are_consistent():
    pe = _profile(ember)
    events = pe.events()
    assert events
    for e in events:
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total + 1e-9
        for c in e.cpu_children:
            assert e.start_us <= c.start_us and c.end_us <= e.end_us
    user = [e for e in events if e.name == "model_inference"]
    assert len(user) == 1 and {c.name for c in user[0].cpu_children} >= {"aten::mm", "aten::relu"}
    avg = pe.key_averages()
    assert sum(a.self_cpu_time_total for a in avg) == pytest.approx(sum(e.self_cpu_time_total for e in events))
    assert avg.self_cpu_time_total == pytest.approx(sum(e.self_cpu_time_total for e in events))


def _layout(table):
    lines = table.rstrip("\n").split("\n")
    return lines[0], lines[1], lines[2], lines[-2], lines[-1]


def test_table_has_torchs_layout(torch):
    te = _profile(ember).key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    tt = _profile(torch).key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    se, he, se2, sf, foot_e = _layout(te)
    st, ht, _, _, foot_t = _layout(tt)
    assert he.split() == ht.split()                         # the same columns, in the same order
    assert se == se2 == sf and se.replace("-", "").strip() == ""
    assert [len(c) for c in se.split()][1:] == [len(c) for c in st.split()][1:]   # 12-wide number columns
    assert foot_e.startswith("Self CPU time total: ") and foot_t.startswith("Self CPU time total: ")
    assert len(te.rstrip("\n").split("\n")) == 5 + 5         # row_limit rows between the rules
    rows = te.rstrip("\n").split("\n")[3:-2]
    selfs = [float(r.split()[-5][:-2]) * {"us": 1, "ms": 1e3}[r.split()[-5][-2:]] for r in rows]
    assert selfs == sorted(selfs, reverse=True)


def test_group_by_input_shape_adds_torchs_column(torch):
    te = _profile(ember, record_shapes=True).key_averages(group_by_input_shape=True).table(row_limit=3)
    tt = _profile(torch, record_shapes=True).key_averages(group_by_input_shape=True).table(row_limit=3)
    assert te.split("\n")[1].split()[-2:] == tt.split("\n")[1].split()[-2:] == ["Input", "Shapes"]
    mm = [e for e in _profile(ember, record_shapes=True).key_averages(group_by_input_shape=True)
          if e.key == "aten::mm"]
    assert mm and mm[0].input_shapes == [[8, 5], [5, 3]]


def test_schedule_selects_the_same_steps_as_torch(torch, tmp_path):
    def run(L):
        saved = []
        sched = L.profiler.schedule(wait=1, warmup=1, active=2, repeat=2)
        x = L.ones(2, requires_grad=True)
        with L.profiler.profile(schedule=sched, on_trace_ready=lambda p: saved.append(p.step_num)) as prof:
            for _ in range(10):
                with L.profiler.record_function("step"):
                    (x * 2).sum().backward()
                prof.step()
        return saved, [sched(i).name for i in range(10)]
    assert run(ember) == run(torch)


def test_chrome_trace_export(tmp_path):
    path = tmp_path / "trace.json"
    _profile(ember).export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    names = {e["name"] for e in trace["traceEvents"]}
    assert "model_inference" in names and "MmBackward0" in names
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in trace["traceEvents"])


def test_autograd_profiler_and_off_cost_nothing():
    from ember import _tensor_base as T
    plain = T._binary.__code__
    x = ember.ones(3, requires_grad=True)
    with ember.autograd.profiler.profile() as p:
        assert T._binary.__code__ is not plain
        (x * 2).sum().backward()
    assert T._binary.__code__ is plain
    assert "aten::mul" in p.table()
    with pytest.raises(RuntimeError):
        ember.autograd.profiler.profile(use_cuda=True)
    with pytest.raises(RuntimeError):
        ember.profiler.profile(activities=[ember.profiler.ProfilerActivity.CUDA])
