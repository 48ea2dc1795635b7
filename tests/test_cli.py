"""The lava-delays command line: exit codes, messages, outputs."""
import json
import subprocess
import sys

import numpy as np
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


# -- behaviour a newcomer relies on ------------------------------------------------
TINY = "timing:train=32,test=20"


def test_version_and_help_state_defaults(capsys):
    from lava_delays import __version__
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default: 64 for timing; 128 for fsdd" in text       # from the presets
    with pytest.raises(SystemExit):
        main(["online", "--help"])
    assert "default: 20 for timing" in " ".join(capsys.readouterr().out.split())


def test_outputs_are_never_overwritten(tmp_path, capsys):
    """online, eval and deploy refuse an output that already holds results
    (train refuses a directory with a run and wants --resume)."""
    run = tmp_path / "run"
    assert main(["train", "--data", TINY, "--out", str(run), "--epochs", "1",
                 "--hidden", "4"]) == 0
    assert main(["deploy", str(run), "--out", str(tmp_path / "net" / "net.h5")]) == 0
    assert main(["deploy", str(run), "--out", str(tmp_path / "net" / "net.h5")]) == 2
    assert main(["deploy", str(run), "--out", str(tmp_path / "net" / "other.h5")]) == 2
    net = str(tmp_path / "net" / "net.h5")
    assert main(["eval", net, "--data", TINY, "--out", str(tmp_path / "ev")]) == 0
    before = (tmp_path / "ev" / "metrics.json").read_text()
    assert main(["eval", net, "--data", TINY, "--out", str(tmp_path / "ev")]) == 2
    assert (tmp_path / "ev" / "metrics.json").read_text() == before
    assert main(["online", "--data", TINY, "--out", str(tmp_path / "on"), "--epochs", "1",
                 "--hidden", "4"]) == 0
    assert main(["online", "--data", TINY, "--out", str(tmp_path / "on"), "--epochs", "1",
                 "--hidden", "4"]) == 2
    err = capsys.readouterr().err
    assert err.count("already holds results") == 3 and "exists; choose another --out" in err


def test_eval_limit_keeps_every_class(tmp_path):
    from lava_delays.deploy.evaluate import stratified
    labels = np.repeat(np.arange(5), 20)               # sorted by class, as audio folders
    keep = stratified(labels, 10)
    assert sorted(labels[keep].tolist()) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert np.all(np.diff(keep) > 0) and len(stratified(labels, 500)) == 100


def test_progress_lines_without_a_terminal(tmp_path):
    """``train ... > log 2>&1`` still shows one line per epoch and the data
    loading (stderr is a pipe here)."""
    proc = subprocess.run([sys.executable, "-m", "lava_delays.cli", "train", "--data", TINY,
                           "--out", str(tmp_path / "run"), "--epochs", "2", "--hidden", "4"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "[training] epoch 1/2" in proc.stderr and "[training] epoch 2/2" in proc.stderr


def test_ctrl_c_is_one_line_exit_130_and_resumable(tmp_path):
    """SIGINT during training: one line, status 130, the last checkpoint
    intact; --resume finishes the run."""
    import signal
    import time
    run = tmp_path / "run"
    argv = [sys.executable, "-m", "lava_delays.cli", "train", "--data",
            "timing:train=400,test=20", "--out", str(run), "--epochs", "40", "--hidden", "8"]
    # a shell's background job ignores SIGINT, and so would the child: a
    # user's Ctrl-C reaches a foreground process with the default handler
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300
    while not (run / "checkpoint.pt").exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    last = [line for line in err.strip().splitlines() if not line.startswith("[")]
    assert last == ["lava-delays train: interrupted"], err[-2000:]
    assert "Traceback" not in err
    from lava_delays.train import load_model
    load_model(run)                                    # the checkpoint reads back
    done = subprocess.run(argv[:-4] + ["--epochs", "2", "--hidden", "8", "--resume"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "test accuracy" in done.stdout, done.stderr[-2000:]
