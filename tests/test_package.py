"""The install maps the top-level train/, deploy/ and benchmarks/ folders
into the lava_delays namespace (editable installs included)."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package, folder", [("lava_delays.train", "train"),
                                             ("lava_delays.deploy", "deploy"),
                                             ("lava_delays.benchmarks", "benchmarks")])
def test_top_level_folder_is_subpackage(package, folder):
    mod = importlib.import_module(package)
    assert Path(mod.__file__).resolve().parent == REPO / folder


@pytest.mark.parametrize("bare", ["train", "deploy", "benchmarks"])
def test_no_bare_top_level_package_installed(bare, tmp_path):
    # from outside the repo only the installed packages are importable
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({bare!r}) is not None)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path)
    assert proc.returncode == 0, f"a bare '{bare}' package is installed"


def test_public_api_reexported():
    import lava_delays
    for name in lava_delays.__all__:
        assert hasattr(lava_delays, name), name
    from lava_delays.proc import AdLIF, AxonalDelay, LIF, LeakyReadout, SynapticDelayDense  # noqa: F401


def test_every_package_folder_is_listed_in_pyproject():
    """A sub-package missing from [tool.setuptools] packages would be absent
    from a regular (non-editable) install."""
    import tomli
    cfg = tomli.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(cfg["packages"])
    mapping = {v: k for k, v in cfg["package-dir"].items()}
    found = set()
    tracked = subprocess.run(["git", "ls-files", "*__init__.py"], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.split()
    for init in tracked:
        rel = Path(init).parent
        if rel.parts[0] in ("tests", "tutorials"):
            continue
        top = mapping.get(rel.parts[0], rel.parts[0])
        found.add(".".join((top,) + rel.parts[1:]))
    assert found == listed


def test_results_page_is_rendered_from_the_committed_metrics():
    """docs/results.md is what ``python -m lava_delays.benchmarks.report``
    makes of docs/results/*.json: no number on the page without its metrics."""
    from lava_delays.benchmarks.report import render
    docs = Path(__file__).resolve().parents[1] / "docs"
    assert (docs / "results.md").read_text() == render(docs / "results")
