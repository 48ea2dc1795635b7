"""Presets: shipped recipe files, chosen by data kind, overridden by
--config and flags; named one-line errors for bad ones."""
import json

import pytest

from lava_delays import presets
from lava_delays.cli import main
from lava_delays.online import LEARNER_KEYS, RUN_KEYS, online_options
from lava_delays.train.run import MODEL_KEYS, TRAIN_KEYS

DATA = "timing:train=64,test=32"


def test_every_shipped_preset_is_valid():
    assert {"timing", "speech"} <= set(presets.names())
    for name in presets.names():
        p = presets.load(name)
        assert p["description"] and p["data"], name
        assert any(s in p for s in presets.SECTIONS), name
        assert not set(p.get("train", {})) - MODEL_KEYS - TRAIN_KEYS, name
        for section in ("online", "adapt"):
            assert not set(p.get(section, {})) - RUN_KEYS - LEARNER_KEYS, (name, section)
    for kind, name in presets.DEFAULT_PRESETS.items():
        assert kind in presets.load(name)["data"]


def test_preset_list(capsys):
    assert main(["train", "--preset", "list"]) == 0
    out = capsys.readouterr().out
    assert "speech" in out and "timing" in out and "the default for fsdd" in out
    assert main(["online", "--preset", "list"]) == 0


@pytest.mark.parametrize("argv, match", [
    (["--preset", "nope"], "unknown preset 'nope'"),
    (["--preset", "speech"], "preset 'speech' is for fsdd data, not 'timing'"),
    ([], "--out is required"),
])
def test_bad_presets_are_one_line_errors(argv, match, tmp_path, capsys):
    out = [] if not argv else ["--out", str(tmp_path / "run")]
    assert main(["train", "--data", DATA, *out, *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and match in err[0]
    assert not (tmp_path / "run").exists()


def test_flags_beat_config_beat_preset(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"hidden": [6], "epochs": 1, "qat_epochs": 0, "batch": 16}))
    assert main(["train", "--data", DATA, "--out", str(tmp_path / "run"), "--config", str(cfg),
                 "--batch", "8"]) == 0
    run = json.loads((tmp_path / "run" / "config.json").read_text())
    assert run["preset"] == "timing"                               # chosen by data kind
    assert run["model"]["max_delay"] == presets.load("timing")["train"]["max_delay"]
    assert run["model"]["hidden"] == [6] and run["train"]["epochs"] == 1   # config file
    assert run["train"]["batch"] == 8                                       # flag


def test_online_options_merge_and_init_sections():
    run, learner, name = online_options(DATA, hidden=(5,))
    assert name == "timing" and learner["hidden"] == (5,)
    assert learner["max_delay"] == presets.load("timing")["online"]["max_delay"]
    run, learner, _ = online_options("fsdd:/x", init="net.h5")
    adapt = presets.load("speech")["adapt"]
    assert run.epochs == adapt["epochs"] and learner["lr_synaptic"] == adapt["lr_synaptic"]
    assert "hidden" not in learner                  # the network brings its architecture
    # Lava: no delay spread (the preset's is dropped), random feedback
    _, learner, _ = online_options(DATA, backend="lava")
    assert "delay_spread" not in learner and learner["feedback"] == "random"


def test_preset_none_uses_the_config_class_defaults(tmp_path):
    from lava_delays.train.model import ModelConfig
    assert main(["train", "--data", DATA, "--out", str(tmp_path / "run"), "--preset", "none",
                 "--epochs", "1", "--hidden", "4"]) == 0
    run = json.loads((tmp_path / "run" / "config.json").read_text())
    assert run["preset"] is None
    assert run["model"]["max_delay"] == ModelConfig(n_in=1, n_classes=2).max_delay
    _, learner, name = online_options(DATA, preset="none")
    assert name is None and learner == {}
