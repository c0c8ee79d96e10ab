"""Error notes: an exception raised inside a submodule keeps its type and gets one note naming the module path."""
from __future__ import annotations

import pytest

import ember


def _notes(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value, [n for n in getattr(info.value, "__notes__", []) if n.startswith("[ember]")]


def test_error_note_deeply_nested_single_note():
    nn = ember.nn

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(5, 2))

        def forward(self, x):
            return self.seq(x)

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([Inner(), Inner()])

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    e, notes = _notes(lambda: Outer()(ember.ones(2, 4)))
    assert type(e) is RuntimeError
    assert notes == ["[ember] raised in model.blocks.0.seq.2 (Linear(in_features=5, out_features=2, bias=True))"]


@pytest.mark.parametrize("kind", ["forward_hook", "pre_hook"])
def test_error_note_for_hook_errors_keeps_type(kind):
    nn = ember.nn
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))

    def bad(*args):
        raise ValueError("hook failed")
    if kind == "forward_hook":
        m[1][0].register_forward_hook(bad)
    else:
        m[1][0].register_forward_pre_hook(bad)
    e, notes = _notes(lambda: m(ember.ones(1, 2)))
    assert type(e) is ValueError and str(e) == "hook failed"
    assert notes == ["[ember] raised in model.1.0 (Linear(in_features=2, out_features=2, bias=True))"]


def test_error_note_same_exception_object_raised_twice():
    # regression: a re-raised (cached) exception object kept the previous call's chain -> "model.0.<Sequential>.0"
    nn = ember.nn
    err = KeyError("cached")

    class Raiser(nn.Module):
        def forward(self, x):
            raise err

    m = nn.Sequential(Raiser())
    for _ in range(3):
        e, notes = _notes(lambda: m(1))
        assert e is err and notes == ["[ember] raised in model.0 (Raiser())"]
