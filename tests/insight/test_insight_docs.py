"""Every ```python block of docs/insight.md runs, in order, in one namespace (in a scratch folder)."""
from __future__ import annotations

import os
import re
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_insight_doc_blocks_run(tmp_path, monkeypatch, capsys):
    text = open(os.path.join(ROOT, "docs", "insight.md"), encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 6
    monkeypatch.chdir(tmp_path)
    ns = {"__name__": "insight_doc"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)       # ember.jit warns like torch 2.13
        warnings.simplefilter("ignore", UserWarning)              # anomaly mode warns like torch
        for code in blocks:
            exec(compile(code, "docs/insight.md", "exec"), ns)
    out = capsys.readouterr().out
    table = re.search(r"```\n(=+\n.*?)\n```", text, flags=re.S).group(1)
    assert table in out                     # the summary table shown in the doc is what summary prints
    assert "TorchScript archives are not produced by ember" in out
    assert "Function 'LogBackward0' returned nan values in its 0th output." in out
    assert "Self CPU time total:" in out and "model_inference" in out
    for name in ("graph.svg", "graph.dot", "model.svg", "model.pt"):
        assert (tmp_path / name).stat().st_size > 0
    assert len(os.listdir(tmp_path / "runs" / "demo")) == 2     # the event file and the hparams run


def test_doc_picture_is_the_docs_own_example(tmp_path, monkeypatch):
    """docs/graph.svg is what the first block draws (up to the per-drawing id prefix)."""
    text = open(os.path.join(ROOT, "docs", "insight.md"), encoding="utf-8").read()
    first = re.findall(r"```python\n(.*?)```", text, flags=re.S)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(first, "docs/insight.md", "exec"), {"__name__": "insight_doc"})

    def strip(svg):
        return re.sub(r"ember\d+-", "ember-", svg)
    committed = open(os.path.join(ROOT, "docs", "graph.svg"), encoding="utf-8").read()
    assert strip((tmp_path / "graph.svg").read_text()) == strip(committed)
