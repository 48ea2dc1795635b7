"""Smoke tests of the on-line vs BPTT benchmarks (quick mode) and the BPTT
reference they rely on."""
import json
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lava_delays.engine import simulate  # noqa: E402
from lava_delays.engine.online import OnlineConfig, OnlineLearner  # noqa: E402


@pytest.mark.parametrize("gather", ["conv", "index"])
@pytest.mark.parametrize("delays", ["synaptic", "axonal", "both"])
def test_bptt_reference_equals_engine_and_three_factor_gradient(delays, gather):
    """Forward = the engine (integer delays); gradient = the three-factor rule."""
    from lava_delays.benchmarks.bptt import BPTTModel
    rng = np.random.default_rng(1)
    cfg = OnlineConfig(hidden=(12,), delays=delays, max_delay=6, seed=3, weight_init=3.0)
    learner = OnlineLearner(5, 3, cfg)
    x = (rng.random((4, 30, 5)) < 0.3).astype(np.uint8)
    labels = np.array([0, 1, 2, 1])
    ours = learner.gradients(x, labels)
    model = BPTTModel(learner, gather=gather)
    loss, y = model.loss(x, labels)
    loss.backward()
    sim = simulate(learner.network(), x)
    np.testing.assert_allclose(y.detach().numpy(), sim.readout.sum(axis=1), rtol=1e-12,
                               atol=1e-9)
    assert loss.item() == pytest.approx(ours["loss"], rel=1e-12)
    assert np.abs(model.w.grad.numpy()).max() > 1e-4
    np.testing.assert_allclose(model.w.grad.numpy(), ours["weights"][0], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(model.w_out.grad.numpy(), ours["readout"], rtol=1e-7, atol=1e-12)
    if model.d is not None:
        np.testing.assert_allclose(model.d.grad.numpy(), ours["synaptic"][0], rtol=1e-7,
                                   atol=1e-12)
    if model.a is not None:
        np.testing.assert_allclose(model.a.grad.numpy(), ours["axonal"][0], rtol=1e-7,
                                   atol=1e-12)


def test_bptt_gathers_agree_at_fractional_delays():
    from lava_delays.benchmarks.bptt import BPTTModel
    rng = np.random.default_rng(2)
    cfg = OnlineConfig(hidden=(10,), delays="both", max_delay=12, init_delay=5, seed=1,
                       weight_init=3.0)
    learner = OnlineLearner(4, 3, cfg)
    learner.ff[0].syn.value = learner.ff[0].syn.value + rng.random((10, 4)) * 0.9
    learner.ff[0].ax.value = learner.ff[0].ax.value + rng.random(4) * 0.9
    x = (rng.random((3, 25, 4)) < 0.3).astype(np.uint8)
    labels = np.array([0, 1, 2])
    grads = []
    for gather in ("conv", "index"):
        model = BPTTModel(learner, gather=gather)
        loss, _ = model.loss(x, labels)
        loss.backward()
        grads.append([loss.item()] + [p.grad.numpy() for p in (model.w, model.d, model.a,
                                                                  model.w_out)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert np.abs(grads[0][2]).max() > 1e-6


def test_train_bptt_weights_only_keeps_delays(tmp_path):
    from lava_delays.benchmarks.bptt import train_bptt
    rng = np.random.default_rng(0)
    cfg = OnlineConfig(hidden=(6,), delays="synaptic", learn=("weights",), max_delay=8)
    learner = OnlineLearner(4, 3, cfg)
    x = (rng.random((20, 30, 4)) < 0.1).astype(np.uint8)
    y = np.arange(20) % 3
    models = []
    hist = train_bptt(learner, (x, y), (x[:10], y[:10]), epochs=2, batch=8, model_out=models)
    assert [r["epoch"] for r in hist] == [1, 2]
    assert not models[0].d.requires_grad
    np.testing.assert_array_equal(models[0].d.detach().numpy(), learner.ff[0].syn.steps())
    assert hist[-1]["delay_shift"] == 0.0
    assert 0 <= hist[-1]["test_accuracy"] <= 1 and 0 <= hist[-1]["test_accuracy_float"] <= 1
    assert not np.allclose(models[0].w.detach().numpy(), learner.ff[0].weights)


def test_online_vs_bptt_quick(tmp_path):
    from lava_delays.benchmarks import online_vs_bptt
    m = online_vs_bptt.run(tmp_path, quick=True)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["benchmark"] == "online_vs_bptt" and saved["quick"] is True
    assert {(r["hidden"], r["condition"]) for r in saved["results"]} == {
        (8, "fixed_delays"), (8, "learned_delays")}
    for r in saved["results"]:
        for method in ("online", "bptt"):
            res = r[method]
            assert 0.0 <= res["test_accuracy"] <= 1.0
            assert res["train_seconds"] > 0
            assert len(res["history"]) == 2
            assert np.isfinite(res["history"][-1]["loss"])
        assert 0.0 <= r["bptt"]["test_accuracy_float"] <= 1.0
        if r["condition"] == "fixed_delays":
            assert r["online"]["delay_shift"] == 0 and r["bptt"]["delay_shift"] == 0
    assert set(saved["summary"]) == {"H8_fixed_delays", "H8_learned_delays"}
    assert m["total_seconds"] < 60


def test_online_memory_quick(tmp_path):
    from lava_delays.benchmarks import online_memory
    online_memory.run(tmp_path, quick=True)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["benchmark"] == "online_memory"
    assert [r["steps"] for r in saved["rows"]] == [50, 100, 200]
    state = saved["online_state_bytes"]
    assert state["independent_of_T"] is True
    assert len(set(state["per_T"].values())) == 1 and state["total"] > 0
    saved_bytes = {m: [] for m in ("bptt_index", "bptt_conv")}
    for row in saved["rows"]:
        for method in ("online", "bptt_index", "bptt_conv"):
            res = row[method]
            assert "error" not in res, res
            assert res["step_rss_mib"] > -1.0
            assert np.isfinite(res["loss"])
        assert row["online"]["tracemalloc_peak_mib"] > 0
        assert row["online"]["state_bytes"]["total"] == state["total"]
        for m, vals in saved_bytes.items():
            vals.append(row[m]["saved_tensor_mib"])
    # what autograd keeps grows with T; the on-line state does not
    for m, vals in saved_bytes.items():
        assert vals == sorted(vals) and vals[-1] > vals[0], (m, vals)


FSDD = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"


def test_online_delay_only_quick(tmp_path):
    from lava_delays.benchmarks import online_delay_only
    m = online_delay_only.run(tmp_path, quick=True)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["benchmark"] == "online_delay_only" and saved["quick"] is True
    rows = {r["condition"]: r for r in m["rows"] if r["kind"] in ("ceiling", "condition")}
    assert set(rows) == {c[0] for c in online_delay_only.CEILING + online_delay_only.CONDITIONS}
    rec = {r["condition"]: r for r in m["rows"] if r["kind"] == "recurrent"}
    assert set(rec) == {c[0] for c in online_delay_only.RECURRENT}
    assert rec["learned delays only, recurrent delays too"]["hidden_weight_change"] == 0
    assert "recurrent: learned delays only" in m["table"]
    fixed = {r["condition"]: r for r in m["rows"] if r["kind"] == "fixed point"}
    assert set(fixed) == set(online_delay_only.FIXED_POINT)
    assert fixed["learned delays only"]["hidden_weight_change"] == 0
    assert fixed["learned delays only"]["mean_delay_shift"] >= 0
    assert re.search(r"fixed point: learned delays only .* \([01] of 1 seeds\)", m["table"])
    # what must stay fixed stays fixed, what learns moves
    assert rows["matched delays, read-out learns"]["hidden_weight_change"] == 0
    assert rows["matched delays, read-out learns"]["hidden"] == 10
    assert rows["learned delays only"]["hidden_weight_change"] == 0
    assert rows["fixed random delays, read-out only"]["mean_delay_shift"] == 0
    assert rows["fixed random delays, weights learn"]["hidden_weight_change"] > 0
    # learned delays anneal their spread over every epoch, fixed ones have none to anneal
    assert rows["learned delays only"]["spread_epochs"] == m["epochs"]
    assert rec["learned delays + weights, recurrent delays"]["spread_epochs"] == m["epochs"]
    assert rows["fixed random delays, weights learn"]["spread_epochs"] is None
    assert m["readout_lr"] == online_delay_only.READOUT_LR
    assert "learned delays only beat fixed random delays on" in m["table"]
    assert "recurrent: learned delays only beat both fixed random baselines on" in m["table"]
    sweep = {(r["hidden"], r["condition"]) for r in m["rows"] if r["kind"] == "size"}
    assert sweep == {(10, c) for c in online_delay_only.SIZE_CONDITIONS}
    assert "feed-forward gain vs layer size" in m["table"]
    assert "   8 hidden:" in m["table"] and "  10 hidden:" in m["table"]


@pytest.mark.lava
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name,check", [
    ("delay_dense", lambda m: m["identical_output_all"] is True),
    ("engine", lambda m: m["parity"]["all_identical"] is True),
    ("online_timing", lambda m: len(m["rows"]) > 0),
])
def test_quick_runs_of_the_remaining_benchmarks(name, check, tmp_path):
    """Every benchmark runs at smoke-test size (what ``make bench`` does)."""
    from lava_delays.cli import main
    assert main(["bench", name, "--quick", "--out", str(tmp_path / name)]) == 0
    m = json.loads((tmp_path / name / "metrics.json").read_text())
    assert m["quick"] is True and check(m)
