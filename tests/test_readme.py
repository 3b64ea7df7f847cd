"""The README's quick start runs as written."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quick_start_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "README.md has no python code block"
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "left_hand" in out or "right_hand" in out
    gap = float(out.rsplit("max |p_1D - p_2D| =", 1)[1])
    assert gap < 1e-5  # the folded 2D model predicts what the 1D model predicts
