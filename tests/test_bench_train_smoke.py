"""Quick runs of the trainer benchmarks write their tables and metrics."""
import json

import pytest

from lava_delays.benchmarks import load
from lava_delays.benchmarks import FSDD_FOLDER


def test_train_timing_quick(tmp_path):
    m = load("train_timing").run(tmp_path, quick=True)
    names = [r["condition"] for r in m["rows"]]
    assert names == ["weights only", "fixed random delays", "learned synaptic",
                     "learned axonal", "+adaptation", "all"]
    for r in m["rows"]:
        assert 0 <= r["quantized_accuracy"] <= 1
        assert (r["delay_shift"] > 0) == (r["condition"] in ("learned synaptic",
                                                             "learned axonal", "all"))
    assert json.loads((tmp_path / "metrics.json").read_text())["summary"]


@pytest.mark.skipif(not FSDD_FOLDER.is_dir(), reason="needs ../shared/data/fsdd")
def test_train_fsdd_quick(tmp_path):
    m = load("train_fsdd").run(tmp_path, quick=True)
    assert m["rows"][0]["condition"] == "learned synaptic"
    ft = m["finetune"]
    assert ft["n_adapt"] == 10 and 0 <= ft["before"] <= 1 and 0 <= ft["after"] <= 1
    assert "on-device fine-tuning" in m["table"]


@pytest.mark.skipif(not FSDD_FOLDER.is_dir(), reason="needs ../shared/data/fsdd")
def test_fsdd_reference_quick(tmp_path):
    m = load("fsdd_reference").run(tmp_path, quick=True)
    assert [r["model"] for r in m["rows"]] == ["MLP, log-mel", "GRU, log-mel",
                                               "CNN, log-mel CMVN"]
    for r in m["rows"]:
        assert list(r["accuracy"]) == ["george"] and 0 <= r["mean"] <= 1
    assert "CNN, log-mel CMVN" in json.loads((tmp_path / "metrics.json").read_text())["table"]
    m = load("fsdd_reference").run(tmp_path, quick=True, only=["MLP, log-mel"])
    assert [r["model"] for r in m["rows"]] == ["MLP, log-mel"]
    with pytest.raises(ValueError, match="unknown model"):
        load("fsdd_reference").run(tmp_path, quick=True, only=["SVM"])
    for bad in ([], "MLP, log-mel"):
        with pytest.raises(ValueError, match="non-empty list"):
            load("fsdd_reference").run(tmp_path, quick=True, only=bad)


@pytest.mark.skipif(not FSDD_FOLDER.is_dir(), reason="needs ../shared/data/fsdd")
def test_train_fsdd_folds_quick(tmp_path):
    m = load("train_fsdd_folds").run(tmp_path, quick=True, workers=1)
    assert {(r["encoding"], r["condition"]) for r in m["rows"]} == {
        (e, c) for e in ("plain", "rate-norm")
        for c in ("fixed random delays", "learned synaptic")}
    assert set(m["means"]) == {"plain/fixed random delays", "plain/learned synaptic",
                               "rate-norm/fixed random delays", "rate-norm/learned synaptic"}
    assert "learned - fixed random" in m["table"]
    assert "per seed (float / deployed pp): seed 0 " in m["table"] and m["seconds"] > 0


def test_map_jobs_keeps_order_in_and_out_of_process():
    from lava_delays.benchmarks import map_jobs
    jobs = [-3, 1, -2, 5]
    assert map_jobs(abs, jobs, workers=1) == map_jobs(abs, jobs, workers=2) == [3, 1, 2, 5]
