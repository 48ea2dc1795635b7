"""Trainer: learns, resumes after SIGKILL to exactly the uninterrupted
result, data-parallel over 2 gloo processes equals one process, and every
bad input (checkpoint, NaN loss, options) gives a named error."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lava_delays.data.spec import load_split
from lava_delays.errors import NonFiniteError, ParameterError, ShapeError
from lava_delays.train import (CheckpointError, ModelConfig, TrainConfig, Trainer,
                               TrainingDivergedError, load_model, train)
from lava_delays.train.run import read_config

DATA = "timing:train=160,test=64"
#: 49 samples in batches of 16: the last batch (1 sample) leaves one of two
#: processes with an empty share
DDP_DATA = "timing:train=49,test=32"
SMALL = dict(hidden=(12,), max_delay=12, batch=32)


def _cli(*args, env=None, check=True):
    env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "lava_delays.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr[-2000:])
    return proc


def _state(run):
    return torch.load(Path(run) / "checkpoint.pt", weights_only=False)


def test_learns_and_delays_move(tmp_path):
    easy = "timing:classes=3,channels=4,gap=4,train=192,test=96"
    m = train(easy, tmp_path / "learned", epochs=6, qat_epochs=1, hidden=(12,), max_delay=16,
              batch=16)
    assert m["accuracy"] > 0.6 and m["quantized"]           # chance is 1/3
    assert m["delay_shift"] > 0.05
    fixed = train(DATA, tmp_path / "fixed", epochs=2, qat_epochs=0, learn=["weights"], **SMALL)
    assert fixed["delay_shift"] == 0.0 and not fixed["quantized"]
    for name in ("metrics.json", "learning_curve.png", "delay_histogram.png", "config.json"):
        assert (tmp_path / "learned" / name).stat().st_size > 0


@pytest.mark.parametrize("kill_after, extra", [
    (1, []),                                   # float phase
    (3, ["--config", "AUG"]),                  # quantized phase, dropout + augmentation
], ids=["float-phase", "qat-phase-dropout-augment"])
def test_sigkill_and_resume_equals_uninterrupted(tmp_path, kill_after, extra):
    aug = tmp_path / "aug.json"
    aug.write_text(json.dumps({"dropout": 0.2, "input_dropout": 0.1, "time_shift": 2,
                               "delay_anneal_epochs": 1}))
    extra = [str(aug) if e == "AUG" else e for e in extra]
    args = ["train", "--data", DATA, "--epochs", "4", "--qat-epochs", "2", "--hidden", "10",
            "--max-delay", "8", "--delays", "both", "--neuron", "adlif", *extra]
    _cli(*args, "--out", str(tmp_path / "whole"))
    killed = _cli(*args, "--out", str(tmp_path / "crash"),
                  env={"LAVA_DELAYS_KILL_AFTER_EPOCH": str(kill_after)}, check=False)
    assert killed.returncode == -9                          # really SIGKILLed
    state = _state(tmp_path / "crash")
    assert state["epoch"] == kill_after
    assert (state["scales"][0] is not None) == (kill_after > 2)
    _cli(*args, "--out", str(tmp_path / "crash"), "--resume")
    a, b = _state(tmp_path / "whole"), _state(tmp_path / "crash")
    assert a["epoch"] == b["epoch"] == 4
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    ma = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    mb = json.loads((tmp_path / "crash" / "metrics.json").read_text())
    assert ma["accuracy"] == mb["accuracy"]
    assert [r["loss"] for r in ma["history"]] == [r["loss"] for r in mb["history"]]


def test_resume_with_other_settings_is_refused(tmp_path):
    train(DATA, tmp_path, epochs=1, qat_epochs=0, **SMALL)
    with pytest.raises(CheckpointError, match="other settings.*lr_weights"):
        train(DATA, tmp_path, resume=True, epochs=2, qat_epochs=0, lr_weights=0.5, **SMALL)
    m = train(DATA, tmp_path, resume=True, epochs=2, qat_epochs=0, **SMALL)   # more epochs: ok
    assert len(m["history"]) == 2


def test_resume_with_more_epochs_rederives_epoch_settings(tmp_path):
    """``--resume --epochs N`` with another N: the settings that follow the
    epoch count (quantization-aware epochs, delay anneal, spread) follow the
    new N instead of refusing the checkpoint; ones the user set do not."""
    opts = dict(hidden=(4,), max_delay=6, delay_spread=2.0)
    train(DATA, tmp_path / "a", epochs=2, **opts)            # qat 1, anneal 0, spread 1
    m = train(DATA, tmp_path / "a", resume=True, epochs=8, **opts)
    cfg = json.loads((tmp_path / "a" / "config.json").read_text())["train"]
    assert len(m["history"]) == 8 and cfg["delay_anneal_epochs"] == 1
    assert cfg["spread_epochs"] == 7 and m["history"][-1]["quantized"]
    train(DATA, tmp_path / "b", epochs=2, spread_epochs=1, **opts)
    with pytest.raises(CheckpointError, match="spread_epochs"):
        train(DATA, tmp_path / "b", resume=True, epochs=8, spread_epochs=3, **opts)


def test_torchrun_two_processes_equal_one(tmp_path):
    opts = dict(epochs=2, qat_epochs=0, hidden=(8,), max_delay=6, batch=16, dtype="float64")
    one = train(DDP_DATA, tmp_path / "one", **opts)
    code = ("import sys; from lava_delays.train import train; "
            f"train({DDP_DATA!r}, sys.argv[1], **{opts!r})")
    script = tmp_path / "ddp.py"
    script.write_text(code)
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
                           f"--master_port={_free_port()}", str(script), str(tmp_path / "two")],
                          env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "terminate called" not in proc.stderr    # every process left the group cleanly
    two = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert two["processes"] == 2 and one["processes"] == 1
    a, b = _state(tmp_path / "one")["model"], _state(tmp_path / "two")["model"]
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-6, atol=1e-8)
    assert abs(one["history"][-1]["loss"] - two["history"][-1]["loss"]) < 1e-6


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _trainer(tmp_path, train=None, **model):
    (x, y), _, info = load_split(DATA)
    cfg = ModelConfig(n_in=info["n_inputs"], n_classes=info["n_classes"], hidden=(6,),
                      max_delay=4, **model)
    return Trainer(cfg, TrainConfig(epochs=1, qat_epochs=0, **(train or {})), tmp_path), (x, y)


def test_nan_loss_stops_and_keeps_last_checkpoint(tmp_path):
    trainer, (x, y) = _trainer(tmp_path)
    trainer.fit((x, y))
    good = (tmp_path / "checkpoint.pt").read_bytes()
    trainer.cfg.epochs = 2
    with torch.no_grad():
        trainer.model.blocks[-1].ff.weight[0, :] = float("nan")   # a diverged update
    with pytest.raises(TrainingDivergedError, match="last good checkpoint"):
        trainer.fit((x, y))
    assert (tmp_path / "checkpoint.pt").read_bytes() == good
    # NaN in a hidden layer silences its neurons (NaN > vth is False) instead of
    # reaching the loss: the parameter check after each step catches it
    trainer, (x, y) = _trainer(tmp_path / "hidden")
    with torch.no_grad():
        trainer.model.blocks[0].ff.weight[0, :] = float("nan")
    with pytest.raises(TrainingDivergedError, match="non-finite"):
        trainer.fit((x, y))


def test_non_finite_or_misshaped_data_is_refused(tmp_path):
    trainer, (x, y) = _trainer(tmp_path)
    bad = x.astype(np.float64)
    bad[0, 0, 0] = np.nan
    with pytest.raises(NonFiniteError, match="training data"):
        trainer.fit((bad, y))
    with pytest.raises(ShapeError, match="input channels"):
        trainer.fit((x[:, :, :-1], y))
    with pytest.raises(ShapeError, match="labels"):
        trainer.fit((x, y[:-1]))
    with pytest.raises(ParameterError, match="label 100 is outside"):
        trainer.fit((x, np.where(np.arange(len(y)) == 3, 100, y)))
    with pytest.raises(ParameterError, match="label -1 is outside"):
        trainer.fit((x, np.where(np.arange(len(y)) == 0, -1, y)))
    with pytest.raises(ParameterError, match="labels must be integers"):
        trainer.fit((x, y + 0.5))
    with pytest.raises(ParameterError, match="empty"):
        trainer.fit((x[:, :0], y))
    with pytest.raises(ParameterError, match="must be numbers"):
        trainer.fit((x.astype(str), y))


def test_checkpoint_from_other_architecture_is_refused(tmp_path):
    trainer, (x, y) = _trainer(tmp_path)
    trainer.fit((x, y))
    other, _ = _trainer(tmp_path, delays="axonal")
    with pytest.raises(CheckpointError, match="another architecture.*delays"):
        other.resume()


def test_corrupt_and_missing_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_model(tmp_path)
    trainer, (x, y) = _trainer(tmp_path)
    trainer.fit((x, y))
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_model(tmp_path)
    torch.save({"something": 1}, path)
    with pytest.raises(CheckpointError, match="not a lava-delays checkpoint"):
        load_model(path)


def test_resume_and_overwrite_guards(tmp_path):
    with pytest.raises(ParameterError, match="no checkpoint"):
        train(DATA, tmp_path, resume=True, epochs=1)
    train(DATA, tmp_path, epochs=1, qat_epochs=0, **SMALL)
    with pytest.raises(ParameterError, match="already holds a run"):
        train(DATA, tmp_path, epochs=1, **SMALL)


@pytest.mark.parametrize("bad", [dict(lr_weights=float("nan")), dict(lr_synaptic=-1.0),
                                 dict(epochs=0), dict(qat_epochs=5, epochs=2),
                                 dict(learn=["weights", "gills"]), dict(dtype="float16"),
                                 dict(epochs="ten"), dict(batch=2.5), dict(max_grad_norm=0),
                                 dict(lr_weights="fast"), dict(scale_percentile=0)])
def test_bad_train_config(bad):
    with pytest.raises(ParameterError):
        TrainConfig(**bad)


def test_config_values_are_converted():
    cfg = TrainConfig(epochs="3", learn="weights,synaptic", lr_weights="0.01")
    assert cfg.epochs == 3 and cfg.learn == ("weights", "synaptic") and cfg.lr_weights == 0.01
    m = ModelConfig(n_in=4, n_classes=2, hidden=128)
    assert m.hidden == (128,)
    assert ModelConfig(n_in=4, n_classes=2, hidden="32,16").hidden == (32, 16)
    with pytest.raises(ParameterError, match="hidden"):
        ModelConfig(n_in=4, n_classes=2, hidden="a,b")


def test_recurrent_without_synaptic_delays_has_none(tmp_path):
    trainer, _ = _trainer(tmp_path, delays="none", recurrent=True)
    assert trainer.learn == ("weights",)
    assert trainer.model.blocks[0].rec.max_delay == 0


def test_learning_a_kind_the_model_lacks_and_unknown_options(tmp_path):
    with pytest.raises(ParameterError, match="cannot learn synaptic: this model has none"):
        train(DATA, tmp_path / "a", delays="none", learn=["synaptic"], epochs=1)
    with pytest.raises(ParameterError, match="cannot learn adaptation"):
        train(DATA, tmp_path / "a", neuron="lif", learn=["weights", "adaptation"], epochs=1)
    assert not (tmp_path / "a").exists()
    with pytest.raises(ParameterError, match="unknown training options"):
        train(DATA, tmp_path / "b", epochz=3)


def test_config_file_errors(tmp_path):
    bad = tmp_path / "c.json"
    bad.write_text("{not json")
    with pytest.raises(ParameterError, match="not valid JSON"):
        read_config(bad)
    bad.write_text(json.dumps({"hidden": [8], "colour": "red"}))
    with pytest.raises(ParameterError, match="unknown training options.*colour"):
        train(DATA, tmp_path / "c", config=read_config(bad))
    bad.write_text(json.dumps([1, 2]))
    with pytest.raises(ParameterError, match="JSON object"):
        read_config(bad)
    with pytest.raises(ParameterError, match="does not exist"):
        read_config(tmp_path / "nope.json")
    good = tmp_path / "g.json"
    good.write_text(json.dumps({"hidden": [8], "epochs": 1, "qat_epochs": 0}))
    proc = _cli("train", "--data", DATA, "--out", str(tmp_path / "run"), "--config", str(good))
    assert "test accuracy" in proc.stdout
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    assert cfg["model"]["hidden"] == [8] and cfg["train"]["epochs"] == 1
    shutil.rmtree(tmp_path / "run")


@pytest.mark.parametrize("make, match", [
    (lambda d: None, "no .wav"),
    (lambda d: (d / "3_ann_0.wav").write_bytes(b"not audio at all"), "3_ann_0.wav"),
    (lambda d: (d / "x_ann_0.wav").write_bytes(b""), "x_ann_0.wav"),
])
def test_train_cli_bad_audio_folders(tmp_path, make, match, capsys):
    from lava_delays.cli import main
    folder = tmp_path / "audio"
    folder.mkdir()
    make(folder)
    assert main(["train", "--data", f"fsdd:{folder}", "--out", str(tmp_path / "o"),
                 "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1
    assert not (tmp_path / "o" / "checkpoint.pt").exists()


def test_evaluation_runs_without_dropout(tmp_path):
    """Test accuracy is measured in eval mode: dropout off, deterministic,
    and the model's training mode is restored."""
    from lava_delays.train import accuracy_of
    trainer, (x, y) = _trainer(tmp_path)
    trainer.model.dropout = 0.9
    trainer.model.train()
    a = [accuracy_of(trainer.model, x, y) for _ in range(3)]
    assert a[0] == a[1] == a[2] and trainer.model.training
    trainer.model.dropout = 0.0
    assert accuracy_of(trainer.model, x, y) == a[0]


def test_weight_decay_shrinks_weights_not_delays(tmp_path):
    """Decoupled decay of weights and read-out only: a step with zero
    gradients scales them by 1 - lr * decay and leaves every delay alone."""
    trainer, _ = _trainer(tmp_path, train=dict(weight_decay=0.5, lr_weights=0.1))
    groups = trainer.model.parameter_groups()
    before = {k: [p.detach().clone() for p in ps] for k, ps in groups.items()}
    for p in trainer.model.parameters():
        p.grad = torch.zeros_like(p)
    trainer.optimizer.step()
    for kind in ("weights", "readout"):
        for b, p in zip(before[kind], groups[kind]):
            torch.testing.assert_close(p.detach(), b * (1 - 0.1 * 0.5))
    assert groups["synaptic"] and all(torch.equal(b, p.detach())
                                      for b, p in zip(before["synaptic"], groups["synaptic"]))
