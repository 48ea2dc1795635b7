"""The tutorial notebooks run top to bottom and are stored executed.

Every ``tutorials/*.ipynb`` is picked up automatically. Each is stored with
the outputs of one top-to-bottom run at full size (``make tutorials``), so a
reader browsing it sees its figures and numbers. Each is also executed with
nbclient in a Jupyter kernel of *this* interpreter (a kernelspec pointing at
``sys.executable`` is installed into a temporary prefix, so a fresh venv in CI
needs nothing but ``ipykernel``), with ``LAVA_DELAYS_TUTORIAL_SMALL=1`` (the
notebooks' ``SMALL`` switch shrinks data and epochs), a time limit per cell,
and a temporary working directory. A failing cell fails the test with that
cell's source and error.

Select with ``pytest -m tutorials``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

TUTORIALS = Path(__file__).resolve().parents[1] / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))
#: seconds per cell (small sizes run a whole notebook in well under a minute)
CELL_TIMEOUT = 240
KERNEL_NAME = "lava-delays-tutorials"
SMALL_SWITCH = re.compile(
    r"""SMALL\s*=\s*os\.environ\.get\(\s*["']LAVA_DELAYS_TUTORIAL_SMALL["']\s*\)\s*==\s*["']1["']""")

ANSI = re.compile(r"\x1b\[[0-9;]*m")

pytestmark = pytest.mark.tutorials


def _ids(paths):
    return [p.name for p in paths]


@pytest.fixture(scope="session")
def kernel_spec_manager(tmp_path_factory):
    """A kernelspec whose argv is ``[sys.executable, -m, ipykernel_launcher, ...]``,
    installed into a temporary prefix (never into the user's or the venv's
    Jupyter dirs)."""
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager

    prefix = tmp_path_factory.mktemp("jupyter-prefix")
    install(kernel_name=KERNEL_NAME, display_name="lava-delays tutorials", prefix=str(prefix))
    kernel_dir = prefix / "share" / "jupyter" / "kernels"
    assert (kernel_dir / KERNEL_NAME / "kernel.json").is_file()
    return KernelSpecManager(kernel_dirs=[str(kernel_dir)])


@pytest.mark.lava
@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path, kernel_spec_manager, tmp_path, monkeypatch):
    from jupyter_client.manager import AsyncKernelManager
    from nbclient.exceptions import (
        CellExecutionError,
        CellTimeoutError,
        DeadKernelError,
    )

    # the kernel inherits this environment
    monkeypatch.setenv("LAVA_DELAYS_TUTORIAL_SMALL", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = nbformat.read(path, as_version=4)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=kernel_spec_manager)
    failed = {}

    def remember(cell, cell_index, **_):
        failed.setdefault("index", cell_index)

    client = nbclient.NotebookClient(
        nb, km=km, timeout=CELL_TIMEOUT, allow_errors=False, record_timing=True,
        resources={"metadata": {"path": str(tmp_path)}}, on_cell_error=remember)
    problem = None
    try:
        client.execute()
    except CellTimeoutError as err:
        problem = f"a cell ran longer than {CELL_TIMEOUT} s\n{err}"
    except CellExecutionError as err:
        problem = f"cell {failed.get('index', '?')} (0-based, markdown included) failed:\n{err}"
    except DeadKernelError as err:
        problem = f"the kernel died: {err}"
    if problem is not None:
        pytest.fail(f"{path.name}: {ANSI.sub('', problem)}", pytrace=False)
    ran = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert ran and all(c.execution_count for c in ran), f"{path.name}: cells were not executed"


#: the first code cell prints the size it ran at: "size: full" or "size: small ..."
SIZE_LINE = re.compile(r"^size: (\w+)", re.MULTILINE)
#: stored notebooks stay small (figures at modest dpi, no embedded arrays)
MAX_BYTES = 3_000_000


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type in ("execute_result", "display_data"):
        return output.get("data", {}).get("text/plain", "")
    return ""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_stored_executed(path):
    """Valid nbformat, the SMALL switch in the first code cell, and the outputs
    of one top-to-bottom run at full size: every code cell executed once, in
    order (execution counts 1..n), no errors, at least one figure, and no
    output of a SMALL run (re-execute with ``make tutorials``)."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name} has no code cell"
    assert SMALL_SWITCH.search(code[0].source), (
        f"{path.name}: the first code cell must define "
        "SMALL = os.environ.get(\"LAVA_DELAYS_TUTORIAL_SMALL\") == \"1\" (the test runs small sizes)")
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(code)}: store the outputs of one "
        "top-to-bottom run (make tutorials)")
    errors = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)]
    assert not errors, f"{path.name}: cells {errors} stored an error"
    sizes = SIZE_LINE.findall("".join(_text(o) for o in code[0].outputs))
    assert sizes == ["full"], (
        f"{path.name}: the first code cell must print 'size: full' (it printed {sizes}); "
        "the stored outputs must come from a full-size run (make tutorials)")
    small = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
             and any("LAVA_DELAYS_TUTORIAL_SMALL=1" in _text(o) for o in c.outputs)]
    assert not small, f"{path.name}: cells {small} hold outputs of a small run"
    figures = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert figures, f"{path.name}: no stored figure"
    assert path.stat().st_size < MAX_BYTES, (
        f"{path.name} is {path.stat().st_size} bytes; keep stored outputs small")


def test_tutorials_exist():
    assert NOTEBOOKS, f"no notebooks in {TUTORIALS}"
