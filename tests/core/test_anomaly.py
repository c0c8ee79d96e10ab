"""Anomaly detection (torch.autograd.detect_anomaly / set_detect_anomaly) against torch: the NaN error names
the node, the warning shows the user's forward line, errors inside backward get the same warning, and off
means the hooks run their plain code."""
from __future__ import annotations

import re
import warnings

import pytest

import ember


def _nan_case(L):
    x = L.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with L.autograd.detect_anomaly():
            y = x.log()  # FORWARD-LINE
            z = (y * 0).sum()
            with pytest.raises(RuntimeError) as e:
                z.backward()
    return str(e.value), [str(m.message) for m in w if issubclass(m.category, UserWarning)]


def test_nan_in_backward_raises_torchs_error_and_warns_with_forward_trace(torch):
    te, tw = _nan_case(torch)
    ee, ew = _nan_case(ember)
    assert ee == te == "Function 'LogBackward0' returned nan values in its 0th output."
    assert any(m.startswith("Anomaly Detection has been enabled") for m in ew)
    trace_t = next(m for m in tw if m.startswith("Error detected in LogBackward0"))
    trace_e = next(m for m in ew if m.startswith("Error detected in LogBackward0"))
    # the forward traceback names this file and the line that created the node, and no ember frame
    assert "y = x.log()  # FORWARD-LINE" in trace_t and "y = x.log()  # FORWARD-LINE" in trace_e
    assert "ember/" not in trace_e.split("Traceback of forward call that caused the error:")[1]


def test_nan_check_can_be_switched_off(torch):
    for L in (torch, ember):
        x = L.tensor([0.0, 1.0], requires_grad=True)
        with L.autograd.set_detect_anomaly(True, check_nan=False):
            assert L.is_anomaly_enabled() and not L.is_anomaly_check_nan_enabled()
            (x.log() * 0).sum().backward()
        assert not L.is_anomaly_enabled() and L.is_anomaly_check_nan_enabled()
        assert x.grad[0].isnan() and x.grad[1] == 0


def test_error_raised_inside_a_backward_gets_the_forward_trace(torch):
    def run(L):
        class Boom(L.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                raise ValueError("boom")

        x = L.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with L.autograd.detect_anomaly():
                o = Boom.apply(x)  # BOOM-LINE
                with pytest.raises(ValueError, match="boom"):
                    o.sum().backward()
        return [str(m.message) for m in w if str(m.message).startswith("Error detected in")]

    for msgs in (run(torch), run(ember)):
        assert len(msgs) == 1 and msgs[0].startswith("Error detected in BoomBackward")
        assert "o = Boom.apply(x)  # BOOM-LINE" in msgs[0]


def test_nodes_keep_the_traceback_only_while_on(torch):
    x = ember.ones(2, requires_grad=True)
    assert (x * 2).grad_fn.metadata == {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ember.autograd.detect_anomaly():
            y = x * 2
    tb = y.grad_fn.metadata["traceback_"]
    assert isinstance(tb, list) and any("y = x * 2" in line for line in tb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly():
            yt = torch.ones(2, requires_grad=True) * 2
    assert list(yt.grad_fn.metadata) == ["traceback_"]


def test_off_means_the_plain_hooks_run():
    from ember import _tensor_base as T
    from ember.autograd import graph as G
    plain = {f: f.__code__ for f in (T._unary, T._binary, T._apply, G.new_node)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ember.autograd.detect_anomaly():
            assert T._unary.__code__ is not plain[T._unary]
    assert all(f.__code__ is code for f, code in plain.items())


def test_decorator_and_nesting_restore_the_previous_state():
    @ember.autograd.detect_anomaly(check_nan=False)
    def f():
        return ember.is_anomaly_enabled(), ember.is_anomaly_check_nan_enabled()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert f() == (True, False)
        assert (ember.is_anomaly_enabled(), ember.is_anomaly_check_nan_enabled()) == (False, True)
        with ember.autograd.detect_anomaly():
            with ember.autograd.set_detect_anomaly(False):
                assert not ember.is_anomaly_enabled()
            assert ember.is_anomaly_enabled()
    assert not ember.is_anomaly_enabled()
    assert re.match(r"<class 'ember\.autograd\.anomaly_mode\.set_detect_anomaly'>",
                    str(ember.autograd.set_detect_anomaly))
