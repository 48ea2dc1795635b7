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


def test_bad_flag_exits_nonzero():
    proc = subprocess.run([sys.executable, "-m", "lava_delays.cli", "train", "--delays", "diagonal",
                           "--data", "timing", "--out", "x"], capture_output=True, text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


@pytest.mark.lava
def test_demo_quick_writes_metrics_and_plot(tmp_path):
    assert main(["demo", "--quick", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["spike_parity"] == 1.0 and metrics["trainer_engine_spike_parity"] == 1.0
    assert metrics["engine_accuracy"] == metrics["qat_accuracy"]
    assert metrics["n_test"] == 64
    for name in ("raster_delays.png", "net.h5", "net.nir", "run/learning_curve.png",
                 "run/delay_histogram.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
