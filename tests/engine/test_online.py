"""On-line learner: it learns, float and fixed point agree, bad input is
rejected with named errors, state does not grow with T, the CLI works."""
import json

import numpy as np
import pytest

from lava_delays.cli import main
from lava_delays.data import TimingTask
from lava_delays.engine.online import OnlineConfig, OnlineLearner, train_online
from lava_delays.errors import ParameterError
from lava_delays.kernels.plasticity import DelayState, delay_kernel


@pytest.fixture(scope="module")
def small_task():
    task = TimingTask(classes=4, channels=4, gap=6, max_offset=4, length=40)
    return task, task.split(400, 200, seed=0)


def test_learning_beats_chance_float_and_fixed(small_task):
    """Float and fixed point learn the same task to within 10 pp (the
    documented tolerance: 8-bit weights/errors, stochastic rounding)."""
    task, (train, test) = small_task
    acc = {}
    for fixed in (False, True):
        cfg = OnlineConfig(hidden=(16,), delays="synaptic", max_delay=24, fixed=fixed,
                           delay_spread=3.0, seed=1)
        learner = OnlineLearner(task.n_inputs, task.n_classes, cfg)
        hist = train_online(learner, train, test, epochs=6, batch=16)
        acc[fixed] = hist[-1]["test_accuracy"]
        assert hist[-1]["loss"] < hist[0]["loss"]
        assert learner.delay_shift() > 0, "delays did not move"
    assert min(acc.values()) > 0.6, acc          # chance 0.25
    assert abs(acc[True] - acc[False]) <= 0.10, acc


@pytest.mark.parametrize("kwargs, match", [
    (dict(lr_weights=float("nan")), "lr_weights"),
    (dict(lr_synaptic=-1.0), "lr_synaptic"),
    (dict(delays="diagonal"), "delays must be one of"),
    (dict(learn=("synaptic",), delays="none"), "cannot learn"),
    (dict(learn=("bias",)), "unknown learnable"),
    (dict(max_delay=63), "max_delay"),
    (dict(feedback="mirror"), "feedback"),
    (dict(hidden=(0,)), "hidden"),
    (dict(du=1.5), "du"),
    (dict(delay_spread=float("inf")), "delay_spread"),
    (dict(hidden_weight=float("nan")), "hidden_weight"),
    (dict(recurrent_delays=True), "recurrent_delays needs recurrent"),
    (dict(hidden_weight="0.3"), "hidden_weight"),
    (dict(hidden_weight=True), "hidden_weight"),
])
def test_config_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        OnlineConfig(**kwargs)


def test_delay_state_clamps_and_counts():
    for fixed in (False, True):
        d = DelayState(np.array([1.0, 5.0, 9.0]), max_delay=10, fixed=fixed)
        step = 256 if fixed else 1.0
        d.apply(np.array([-3.0, 0.4, 4.0]) * step)
        assert d.clamps == 2
        assert d.routed().tolist() == [0, 5, 10]   # clamped, never wrapped
    with pytest.raises(ParameterError):
        delay_kernel(-1.0, False)


def test_eligibility_state_independent_of_sequence_length():
    cfg = OnlineConfig(hidden=(8,), delays="synaptic", max_delay=10)
    sizes = []
    for steps in (20, 200):
        learner = OnlineLearner(3, 2, cfg)
        x = (np.random.default_rng(0).random((2, steps, 3)) < 0.1).astype(np.uint8)
        learner.train_batch(x, np.array([0, 1]))
        syn = learner.ff[0]
        sizes.append(syn.e_w.nbytes + syn.e_d.nbytes + syn.trace.hist.nbytes)
    assert sizes[0] == sizes[1]


def test_online_cli_writes_metrics_and_plots(tmp_path):
    spec = "timing:train=60,test=40,classes=3,channels=4,gap=5,length=40,max_offset=3"
    assert main(["online", "--data", spec, "--out", str(tmp_path), "--epochs", "2",
                 "--hidden", "6", "--max-delay", "20", "--delay-spread", "2",
                 "--spread-epochs", "3"]) == 0
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["n_test"] == 40 and 0 <= m["accuracy"] <= 1 and len(m["history"]) == 2
    assert m["spread_epochs"] == 3                 # more than --epochs: allowed, recorded
    for png in ("learning_curve.png", "delay_histogram.png"):
        assert (tmp_path / png).stat().st_size > 5000


@pytest.mark.parametrize("argv, match", [
    (["--lr-weights", "nan"], "lr_weights"),
    (["--learn", "weights,synaptic", "--delays", "none"], "cannot learn"),
    (["--hidden", "a,b"], "--hidden"),
    (["--init", "net.h5"], "net.h5"),
    (["--hidden-weight", "nan"], "hidden_weight"),
    (["--init", "net.h5", "--recurrent-delays"], "the deployed network fixes recurrent_delays"),
    (["--init", "net.h5", "--hidden", "8,8"], "the deployed network fixes hidden"),
    (["--preset", "nope"], "unknown preset 'nope'"),
    (["--preset", "speech"], "preset 'speech' is for fsdd data, not 'timing'"),
    (["--input-dropout", "1.5"], "input_dropout"),
    (["--recurrent-delays"], "recurrent_delays needs recurrent"),
    (["--spread-epochs", "0"], "spread_epochs"),
    (["--spread-epochs", "3", "--backend", "lava"], "Lava backend has no spread"),
])
def test_online_cli_bad_input_one_line(argv, match, tmp_path, capsys):
    rc = main(["online", "--data", "timing:train=10,test=10", "--out", str(tmp_path),
               "--epochs", "1"] + argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and match in err[0]


def test_fixed_point_traces_and_eligibilities_saturate_and_count():
    from lava_delays.fixed_point import ELIGIBILITY_BITS, TRACE_BITS, OverflowCounter
    from lava_delays.kernels.plasticity import PlasticSynapses
    counter = OverflowCounter()
    syn = PlasticSynapses(np.full((2, 3), 254), syn_delays=np.zeros((2, 3)), max_delay=2,
                          batch=1, trace_du=0, trace_dv=0, fixed=True,
                          learn=("weights", "synaptic"), counter=counter)
    # du = dv = 0: nothing decays, so a spike every step overflows the trace
    for _ in range(400):
        syn.accumulate(np.full((1, 2), 255), 255)
        syn.push(np.ones((1, 3), np.int64))
    assert counter["trace_saturate"] > 0 and counter["eligibility_saturate"] > 0
    assert np.abs(syn.trace.pv).max() == 2 ** (TRACE_BITS - 1) - 1
    assert np.abs(syn.e_w).max() == 2 ** (ELIGIBILITY_BITS - 1) - 1


def test_spread_epochs_sets_the_spread_schedule(small_task):
    """The delay spread falls linearly to 0 over ``spread_epochs``: with the
    default (half of the epochs) the last epoch has none, with ``epochs``
    the last epoch keeps 1/epochs of it."""
    task, (train, _) = small_task
    subset = (train[0][:32], train[1][:32])
    spreads = {}
    for anneal in (None, 4, np.int64(8)):
        learner = OnlineLearner(task.n_inputs, task.n_classes, OnlineConfig(
            hidden=(4,), max_delay=12, delay_spread=4.0, seed=0))
        seen = []
        train_online(learner, subset, epochs=4, batch=16, spread_epochs=anneal,
                     progress=lambda r, s=learner.ff[0]: seen.append(s.spread))
        spreads[anneal] = seen
    assert spreads[None] == [4.0, 2.0, 0.0, 0.0]
    assert spreads[4] == [4.0, 3.0, 2.0, 1.0]
    assert spreads[8] == [4.0, 3.5, 3.0, 2.5]      # longer than the run: never reaches 0
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ParameterError, match="spread_epochs"):
            train_online(learner, subset, epochs=1, spread_epochs=bad)


def test_spike_augment():
    from lava_delays.engine.online import spike_augment
    rng = np.random.default_rng(0)
    x = np.ones((4, 20, 5), np.uint8)
    out = spike_augment(0.5, 2)(x, rng)
    assert out.shape == x.shape and out.dtype == x.dtype and 0.3 < out.mean() < 0.7
    assert np.array_equal(spike_augment(0.0, 0)(x, rng), x)
    with pytest.raises(ParameterError):
        spike_augment(1.0, 0)


def test_delay_only_learning_moves_delays_not_hidden_weights(small_task):
    """hidden_weight + learn=("synaptic",): equal hidden weights that stay
    put, delays that move and learn the task (float and fixed point)."""
    task, (train, test) = small_task
    for fixed in (False, True):
        cfg = OnlineConfig(hidden=(16,), delays="synaptic", learn=("synaptic",), max_delay=24,
                           hidden_weight=0.3, lr_synaptic=64.0, delay_spread=3.0, fixed=fixed,
                           seed=1)
        learner = OnlineLearner(task.n_inputs, task.n_classes, cfg)
        w0 = learner.ff[0].weights.copy()
        assert np.unique(w0).size == 1
        assert w0[0, 0] == (20 if fixed else 0.3)      # 0.3 * 64, kept even
        read0 = learner.out.weights.copy()
        hist = train_online(learner, train, test, epochs=4, batch=16)
        np.testing.assert_array_equal(learner.ff[0].weights, w0)
        assert not np.array_equal(learner.out.weights, read0)
        assert learner.delay_shift() > 1.0, "delays did not move"
        assert hist[-1]["test_accuracy"] > 0.5, hist[-1]       # chance 0.25


def test_hidden_weight_keeps_the_random_stream():
    """A uniform hidden init leaves every other initial parameter unchanged."""
    a = OnlineLearner(5, 3, OnlineConfig(hidden=(6,), seed=4))
    b = OnlineLearner(5, 3, OnlineConfig(hidden=(6,), seed=4, hidden_weight=0.25))
    assert np.all(b.ff[0].weights == 0.25) and not np.all(a.ff[0].weights == 0.25)
    np.testing.assert_array_equal(a.ff[0].routed_delays(), b.ff[0].routed_delays())
    np.testing.assert_array_equal(a.out.weights, b.out.weights)


def test_hidden_weight_is_rejected_with_a_deployed_network():
    net = OnlineLearner(4, 2, OnlineConfig(hidden=(3,), max_delay=5)).network()
    with pytest.raises(ParameterError, match="hidden_weight"):
        OnlineLearner.from_network(net, OnlineConfig(hidden_weight=0.3))


def test_set_synaptic_delays_routes_and_rejects_bad_values():
    learner = OnlineLearner(4, 2, OnlineConfig(hidden=(3,), max_delay=10, seed=0))
    syn = learner.ff[0]
    new = np.arange(12).reshape(3, 4) % 11
    syn.set_synaptic_delays(new)
    np.testing.assert_array_equal(syn.routed_delays(), new)
    np.testing.assert_array_equal(learner.network().layers[0].ff.delays, new)
    assert learner.delay_shift() == 0           # the new delays are the new start
    for bad, match in ((new + 1, "0..10"), (new[:2], "shape"), (new * np.nan, "finite")):
        with pytest.raises(ParameterError, match=match):
            syn.set_synaptic_delays(bad)
    no_delays = OnlineLearner(4, 2, OnlineConfig(hidden=(3,), delays="none"))
    with pytest.raises(ParameterError, match="no synaptic delays"):
        no_delays.ff[0].set_synaptic_delays(new)


def test_recurrent_delays_route_learn_and_round_trip(small_task):
    """Recurrent connections get their own learned delays: the engine routes
    them (network() == what simulate runs), they move while learning, and a
    network with recurrent delays loads back into the learner."""
    from lava_delays import simulate
    task, (train, test) = small_task
    cfg = OnlineConfig(hidden=(12,), delays="synaptic", recurrent=True, recurrent_delays=True,
                       max_delay=24, delay_spread=3.0, seed=3)
    learner = OnlineLearner(task.n_inputs, task.n_classes, cfg)
    rec = learner.rec[0]
    assert rec.syn is not None and rec.routed_delays().max() > 0
    assert {"weights", "synaptic"} <= rec.learn
    start = rec.routed_delays().copy()
    hist = train_online(learner, train, test, epochs=3, batch=16)
    assert not np.array_equal(rec.routed_delays(), start), "recurrent delays did not move"
    assert hist[-1]["test_accuracy"] > 0.4                            # chance 0.25
    net = learner.network()
    np.testing.assert_array_equal(net.layers[0].rec.delays, rec.routed_delays())
    x = test[0][:16]
    np.testing.assert_array_equal(learner.predict(x), simulate(net, x).predict())
    # the gradients report the recurrent delays too
    g = learner.gradients(train[0][:4], train[1][:4])
    assert g["rec_synaptic"][0].shape == (12, 12) and np.abs(g["rec_synaptic"][0]).max() > 0
    # a deployed network with recurrent delays starts a learner with the same routing
    back = OnlineLearner.from_network(net, OnlineConfig(max_delay=24))
    assert back.cfg.recurrent_delays and back.rec[0].syn is not None
    np.testing.assert_array_equal(back.rec[0].routed_delays(), rec.routed_delays())
    np.testing.assert_array_equal(back.predict(x), learner.predict(x))
    # learn=("weights",) keeps them fixed
    fixed = OnlineLearner(task.n_inputs, task.n_classes,
                          OnlineConfig(hidden=(12,), delays="synaptic", recurrent=True,
                                       recurrent_delays=True, learn=("weights",), max_delay=24))
    assert "synaptic" not in fixed.rec[0].learn
