"""Every ```python block of the README runs, in order, in one namespace."""
import os
import re
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_python_blocks_run(capsys, tmp_path, monkeypatch):
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    monkeypatch.chdir(tmp_path)         # the blocks write files (graph.svg, runs/)
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    ns = {"__name__": "readme"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)       # detect_anomaly warns that it is on, as torch does
        for code in blocks:
            exec(compile(code, "README.md", "exec"), ns)
    out = capsys.readouterr().out
    assert "tensor([2., 2., 2.])" in out
    assert "(fc1): Linear(in_features=784, out_features=10, bias=True)" in out
    assert "Self CPU time total:" in out and "Total params: 50,890" in out
    assert (tmp_path / "graph.svg").stat().st_size > 0 and os.listdir(tmp_path / "runs" / "mnist")
