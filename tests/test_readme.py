"""Every ```python block of the README runs, in order, in one namespace."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_python_blocks_run(capsys):
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    ns = {"__name__": "readme"}
    for code in blocks:
        exec(compile(code, "README.md", "exec"), ns)
    out = capsys.readouterr().out
    assert "tensor([2., 2., 2.])" in out
    assert "(fc1): Linear(in_features=784, out_features=10, bias=True)" in out
