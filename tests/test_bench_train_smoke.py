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


def test_map_jobs_keeps_order_in_and_out_of_process():
    from lava_delays.benchmarks import map_jobs
    jobs = [-3, 1, -2, 5]
    assert map_jobs(abs, jobs, workers=1) == map_jobs(abs, jobs, workers=2) == [3, 1, 2, 5]


def test_map_jobs_leaves_lava_importable(fresh_python):
    # the pool must not fix the start method that importing Lava sets
    fresh_python("import multiprocessing as mp\n"
                 "from lava_delays.benchmarks import map_jobs\n"
                 "assert map_jobs(abs, [-1, 2], workers=2) == [1, 2]\n"
                 "assert mp.get_start_method(allow_none=True) is None\n"
                 "import lava.magma.core.process.process\n")


@pytest.mark.skipif(not FSDD_FOLDER.is_dir(), reason="needs ../shared/data/fsdd")
@pytest.mark.parametrize("name", ["speech_offline", "speech_online"])
def test_speech_benchmarks_quick(name, tmp_path):
    m = load(name).run(tmp_path, quick=True)
    assert {r["condition"] for r in m["rows"] if r["test_speaker"] != "all"} == set(
        load(name).CONDITIONS)
    assert m["seeds_won"] in (0, 1) and len(m["gain_per_seed_pp"]) == 1
    for r in m["rows"]:
        assert 0 <= r["accuracy"] <= 1 and r["command"].startswith("lava-delays ")
    assert "learned delays (defaults)" in json.loads((tmp_path / "metrics.json").read_text())[
        "table"]


@pytest.mark.skipif(not FSDD_FOLDER.is_dir(), reason="needs ../shared/data/fsdd")
def test_speech_speakers_quick(tmp_path):
    m = load("speech_speakers").run(tmp_path, quick=True)
    groups = m["groups"]
    assert list(groups) == ["1 speaker", "2 speakers", "3 speakers", "fewer recordings"]
    # without augmentation: 500 recordings per speaker; the control has the
    # data of two speakers (33 of the 50 recordings per digit) from three
    assert [g["n_train"] for g in groups.values()] == [500, 1000, 1500, 990]
    assert len(list((tmp_path / "subset").glob("*.wav"))) == 4 * 10 * 33
    control = [r for r in m["rows"] if r["group"] == "fewer recordings"]
    assert {r["command"].split("--test-data ")[1].split(" ")[0] for r in control} == {
        f"fsdd:{FSDD_FOLDER}:speakers=george"}
    assert "one choice of k" in m["table"] and "3 speakers, fewer recordings" in m["table"]


@pytest.mark.skipif(not FSDD_FOLDER.is_dir(), reason="needs ../shared/data/fsdd")
def test_speech_speakers_splits(tmp_path):
    """The full run: every split into k training speakers and the others
    testing, both conditions, four seeds; the control rebuilt, not added to."""
    from lava_delays.benchmarks import fsdd_speakers, speech_speakers as bench
    speakers = fsdd_speakers(FSDD_FOLDER)
    (tmp_path / "subset").mkdir()
    (tmp_path / "subset" / "9_stale_0.wav").touch()
    jobs = bench.split_jobs(tmp_path, FSDD_FOLDER, speakers, bench.SEEDS, quick=False)
    assert len(jobs) == (4 + 6 + 4 + 4) * 2 * 4
    seen = set()
    for group, split, name, seed, train_spec, test_spec, run_dir, extra in jobs:
        train = train_spec.rsplit("speakers=", 1)[1].split(",")
        test = test_spec.rsplit("speakers=", 1)[1].split(",")
        assert not set(train) & set(test) and sorted(train + test) == speakers
        assert split == "+".join(train) and extra == {}
        if group != bench.CONTROL:
            assert group.startswith(f"{len(train)} speaker")
        seen.add(run_dir)
    assert len(seen) == len(jobs)
    assert sorted(p.name for p in (tmp_path / "subset").iterdir()) == sorted(
        p.name for p in FSDD_FOLDER.glob("*.wav") if int(p.stem.rsplit("_", 1)[1]) < 33)


def test_speech_speakers_counts_missing_digits_as_none(tmp_path):
    from lava_delays.benchmarks.speech_speakers import recordings_per_digit
    for name in ("0_a_0.wav", "0_a_1.wav", "1_a_0.wav", "0_b_0.wav"):
        (tmp_path / name).touch()
    assert recordings_per_digit(tmp_path, ["a"]) == 1
    assert recordings_per_digit(tmp_path, ["a", "b"]) == 0     # b has no "1"
    for name in ("1_b_0.wav", "0_c_0.wav", "1_c_0.wav"):
        (tmp_path / name).touch()
    from lava_delays.benchmarks.speech_speakers import split_jobs
    from lava_delays.errors import ParameterError
    with pytest.raises(ParameterError, match="at least two recordings of every digit"):
        split_jobs(tmp_path / "out", tmp_path, ["a", "b", "c"], (0,), quick=True)
    assert not (tmp_path / "out").exists()


def test_speech_speakers_needs_three_speakers(tmp_path, monkeypatch):
    from lava_delays.errors import ParameterError
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("0_george_0.wav", "1_george_0.wav", "0_jackson_0.wav", "1_jackson_0.wav"):
        (folder / name).touch()
    monkeypatch.setenv("LAVA_DELAYS_FSDD", str(folder))
    with pytest.raises(ParameterError, match="2 speaker.*needs 3 or more"):
        load("speech_speakers").run(tmp_path / "out", quick=True)
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not FSDD_FOLDER.is_dir(), reason="needs ../shared/data/fsdd")
def test_speech_adapt_quick(tmp_path):
    m = load("speech_adapt").run(tmp_path, quick=True)
    assert {r["condition"] for r in m["rows"]} == set(load("speech_adapt").ARITHMETIC)
    for r in m["rows"]:
        assert r["n_adapt"] == 10 and r["n_eval"] == 490 and 0 <= r["after"] <= 1
        assert "--init" in r["command"]
    assert (tmp_path / "george" / "data" / "adapt").is_dir()


def test_timing_benchmark_quick(tmp_path):
    m = load("timing").run(tmp_path, quick=True)
    assert len(m["rows"]) == 8 and set(m["summary"]) == {"train", "online"}
    assert "learned - frozen" in m["table"]


def test_shd_scale_quick(tmp_path):
    m = load("shd_scale").run(tmp_path, quick=True)
    assert m["ours"]["preset"] == "shd-adlif-delays" and "pool=5" in m["ours"]["data"]
    assert m["ours"]["seconds"] > 0 and m["slayer"]["seconds"] > 0
    assert set(m["memory"]) == {"shd_size", "ssc_size"}
    assert m["memory"]["ssc_size"]["samples_in_file"] == 2048
    assert "peak RSS" in m["table"]


def _import_lava(_):
    import lava.magma.runtime.runtime  # noqa: F401
    return True


def test_spawned_benchmark_workers_can_import_lava():
    """Benchmark jobs run in spawned processes, whose start method is set;
    Lava sets it again on import (a deployment step in a job imports it)."""
    from lava_delays.benchmarks import in_child, map_jobs
    assert map_jobs(_import_lava, [0, 1], workers=2) == [True, True]
    assert in_child(_import_lava, 0)
