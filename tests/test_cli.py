"""The lava-delays command line: exit codes, messages, outputs."""
import json
import subprocess
import sys

import pytest

from lava_delays.cli import main


def test_bench_list(capsys):
    assert main(["bench", "list"]) == 0
    names = capsys.readouterr().out.split()
    assert {"delay_dense", "engine"} <= set(names)


def test_unknown_bench_is_one_line_error(capsys, tmp_path):
    assert main(["bench", "nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown benchmark 'nope'" in err


@pytest.mark.parametrize("argv", [["train", "--data", "timing", "--out", "x"],
                                  ["eval", "net.h5", "--data", "timing", "--out", "x"]])
def test_pending_commands_say_so(argv, capsys):
    assert main(argv) == 3
    assert "arrives with issue" in capsys.readouterr().err


def test_bad_flag_exits_nonzero():
    proc = subprocess.run([sys.executable, "-m", "lava_delays.cli", "train", "--delays", "diagonal",
                           "--data", "timing", "--out", "x"], capture_output=True, text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


@pytest.mark.lava
def test_demo_quick_writes_metrics_and_plot(tmp_path):
    assert main(["demo", "--quick", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["spike_parity"] == 1.0
    assert metrics["accuracy"] >= 0.7 > 0.2 >= metrics["accuracy_without_delays"]
    assert metrics["n_test"] == 100
    assert (tmp_path / "raster_delays.png").stat().st_size > 10_000
