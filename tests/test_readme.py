"""The README's Python quick start runs as written (engine == Lava)."""
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.lava
def test_readme_quick_start_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README has no python block"
    namespace = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    assert namespace["engine"].spikes[0].any()
