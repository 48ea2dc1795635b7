"""On-line learning in Lava: learned delays really move spikes, and the Lava
learning graph learns exactly what the engine learner learns."""
import numpy as np
import pytest
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import LearningDense
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer as Source

from lava_delays.data import TimingTask
from lava_delays.engine.online import OnlineConfig, OnlineLearner
from lava_delays.errors import ParameterError, ShapeError
from lava_delays.proc import LearningSignal, PlasticDelayDense, ReadoutError
from lava_delays.proc.learning_delay_dense import LearningDelayDense
from lava_delays.proc.learning_graph import OnlineLavaGraph

pytestmark = pytest.mark.lava


def _run(source_proc, steps, tag="floating_pt"):
    try:
        source_proc.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag=tag))
    except BaseException:
        source_proc.stop()
        raise


@pytest.mark.parametrize("tag", ["floating_pt", "fixed_pt"])
def test_lava_rule_with_only_dd_moves_real_delays(tag):
    """lava's LearningDense: dd changes tag_2 but no spike moves (lava-nc
    issue 752). LearningDelayDense: the same rule shifts the arrival."""
    steps = 40
    spikes = np.zeros((1, steps))
    spikes[0, [5, 20]] = 1
    rule = Loihi2FLearningRule(dd="2 * x0", x1_impulse=1, x1_tau=10, t_epoch=1)
    results = {}
    for name, make in [("ours", lambda: LearningDelayDense(weights=np.array([[3.0]]),
                                                           delays=np.array([[2]]),
                                                           learning_rule=rule)),
                       ("lava", lambda: LearningDense(weights=np.array([[3.0]]),
                                                      learning_rule=rule))]:
        src, bap = Source(data=spikes), Source(data=np.zeros((1, steps)))
        conn, sink = make(), Sink(shape=(1,), buffer=steps)
        src.s_out.connect(conn.s_in)
        bap.s_out.connect(conn.s_in_bap)
        conn.a_out.connect(sink.a_in)
        _run(src, steps, tag)
        try:
            results[name] = (np.nonzero(sink.data.get()[0])[0].tolist(), conn.tag_2.get()[0, 0])
        finally:
            src.stop()
    # ours: delay 2 for the first spike (5 + 1 + 2), then 4 (20 + 1 + 4)
    assert results["ours"] == ([8, 25], 6.0)
    # stock lava: tag_2 moved too, but both spikes arrive after one step
    assert results["lava"][0] == [6, 21] and results["lava"][1] == 4.0


def test_learning_delay_dense_rejects_non_lava_rule():
    with pytest.raises(ParameterError, match="learning_rule"):
        LearningDelayDense(weights=np.ones((1, 1)), delays=np.array([[1]]), learning_rule="dd=1")


@pytest.mark.parametrize("tag", ["fixed_pt", "floating_pt"])
def test_plastic_delays_move_spike_times_within_a_run(tag):
    """One synapse learns only its delay; the spike of the second sample
    arrives exactly at t + 1 + (learned delay)."""
    fixed = tag == "fixed_pt"
    steps, t_spike, d0 = 30, 3, 10
    x = np.zeros((1, 2 * steps))
    x[0, [t_spike, steps + t_spike]] = 1
    # the post neuron is "near threshold" while the input rises: the rule
    # then moves the delay (here: shorter, towards earlier arrival)
    psi = np.zeros((1, 2 * steps))
    psi[0, t_spike + 1 + d0: t_spike + 4 + d0] = 255 if fixed else 1.0
    signal = np.full((1, 2 * steps), -50 if fixed else -1.0)
    rates = {"synaptic": (255, 12) if fixed else 2.0}
    pdd = PlasticDelayDense(weights=np.array([[40]]) if fixed else np.array([[1.0]]),
                            syn_delays=np.array([[float(d0)]]), max_delay=20, learn=("synaptic",),
                            rates=rates, time_weights=np.full(steps, 255 if fixed else 1.0),
                            trace_du=2047 if fixed else 0.5, trace_dv=819 if fixed else 0.2,
                            reset_interval=steps)
    src, s_psi, s_sig = Source(data=x), Source(data=psi), Source(data=signal)
    sink = Sink(shape=(1,), buffer=2 * steps)
    src.s_out.connect(pdd.s_in)
    s_psi.s_out.connect(pdd.psi_in)
    s_sig.s_out.connect(pdd.l_in)
    pdd.a_out.connect(sink.a_in)
    _run(src, 2 * steps, tag)
    try:
        arrivals = np.nonzero(sink.data.get()[0])[0].tolist()
        learned = int(pdd.delays.get()[0, 0])
    finally:
        src.stop()
    assert 0 <= learned < d0, f"the delay did not learn ({learned})"
    assert arrivals == [t_spike + 1 + d0, steps + t_spike + 1 + learned]


@pytest.mark.parametrize("recurrent_delays", [False, True])
@pytest.mark.parametrize("fixed", [True, False])
def test_lava_learning_graph_equals_engine_learner(fixed, recurrent_delays):
    task = TimingTask(channels=4, classes=3, gap=3, max_offset=2, length=20)
    x, y = task.sample(6, seed=0)
    cfg = OnlineConfig(hidden=(6,), delays="both", max_delay=8, feedback="random",
                       fixed=fixed, recurrent=True, recurrent_delays=recurrent_delays, seed=2,
                       lr_synaptic=20.0, lr_axonal=20.0)
    engine = OnlineLearner(task.n_inputs, task.n_classes, cfg)
    lava = OnlineLearner(task.n_inputs, task.n_classes, cfg)
    initial = engine.ff[0].routed_delays().copy()
    result = OnlineLavaGraph(lava, x, y).run()
    stats = [engine.train_batch(x[i:i + 1], y[i:i + 1]) for i in range(len(x))]
    same = np.array_equal if fixed else (lambda a, b: np.allclose(a, b, rtol=1e-9, atol=1e-12))
    ff = engine.ff[0]
    assert same(result["weights"][0], ff.weights)
    assert np.array_equal(result["delays"][0], ff.routed_delays())
    assert same(result["syn_delay_steps"][0], ff.syn.steps())
    assert same(result["axonal_delay_steps"][0], ff.ax.steps())
    assert same(result["rec_weights"][0], engine.rec[0].weights)
    assert same(result["readout_weights"], engine.out.weights)
    assert result["n_correct"] == sum(round(s["accuracy"]) for s in stats)
    assert not np.array_equal(ff.routed_delays(), initial), "delays did not move"
    rec = engine.rec[0]
    if recurrent_delays:
        assert np.array_equal(result["rec_delays"][0], rec.routed_delays())
        assert same(result["rec_syn_delay_steps"][0], rec.syn.steps())
        assert np.any(rec.syn.steps() != rec.syn.initial), "recurrent delays did not move"
        lava.load_lava_result(result)
        np.testing.assert_array_equal(lava.rec[0].routed_delays(), rec.routed_delays())
    else:
        assert rec.syn is None and not np.any(result["rec_delays"][0])


def test_learning_graph_needs_random_feedback():
    cfg = OnlineConfig(hidden=(4,), feedback="symmetric", max_delay=4)
    learner = OnlineLearner(3, 2, cfg)
    with pytest.raises(ParameterError, match="feedback='random'"):
        OnlineLavaGraph(learner, np.zeros((1, 5, 3)), np.array([0]))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(learn=("synaptic",), rates={"synaptic": 1.0}), ParameterError, "without syn_delays"),
    (dict(learn=("weights",), rates={"weights": float("nan")}), ParameterError, "learning rate"),
    (dict(learn=("weights",), rates={"weights": -1.0}), ParameterError, "learning rate"),
    (dict(learn=("weights",), rates={}), ParameterError, "learning rate"),
    (dict(learn=("bias",), rates={}), ParameterError, "unknown learnable"),
    (dict(syn_delays=np.full((2, 3), 70.0), max_delay=62), Exception, "delays"),
    (dict(syn_delays=np.zeros((3, 2))), ShapeError, "syn_delays"),
    (dict(axonal_delays=np.zeros(2)), ShapeError, "axonal_delays"),
    (dict(time_weights=np.ones(3)), ShapeError, "time_weights"),
    (dict(reset_interval=0), ParameterError, "reset_interval"),
])
def test_plastic_delay_dense_bad_input(kwargs, error, match):
    base = dict(weights=np.zeros((2, 3)), max_delay=10, reset_interval=5, learn=("weights",),
                rates={"weights": 0.1})
    base.update(kwargs)
    with pytest.raises(error, match=match):
        PlasticDelayDense(**base)


def test_readout_error_and_signal_bad_input():
    with pytest.raises(ParameterError, match="labels"):
        ReadoutError(n_classes=3, labels=np.array([0, 5]), reset_interval=4, logit_scale=1.0)
    with pytest.raises(ParameterError):
        ReadoutError(n_classes=3, labels=np.array([0]), reset_interval=4, logit_scale=0.0)
    with pytest.raises(ShapeError, match="feedback"):
        LearningSignal(feedback=np.zeros(3))
    with pytest.raises(Exception):
        LearningSignal(feedback=np.full((2, 3), np.nan))
    # a feedback matrix whose size does not match the plastic synapses
    signal = LearningSignal(feedback=np.zeros((4, 3)))
    pdd = PlasticDelayDense(weights=np.zeros((2, 3)), reset_interval=5, learn=("weights",),
                            rates={"weights": 0.1})
    with pytest.raises(Exception, match="[Ss]hape"):
        signal.l_out.connect(pdd.l_in)


def test_lava_learning_graph_refuses_state_it_would_drop():
    """Delay spread and engine momentum have no Lava counterpart: refused
    with a clear error instead of learning something else silently."""
    from lava_delays.engine import OnlineConfig, OnlineLearner
    from lava_delays.errors import ParameterError
    from lava_delays.proc.learning_graph import OnlineLavaGraph
    x = (np.random.default_rng(0).random((2, 20, 4)) < 0.3).astype(np.int64)
    y = np.array([0, 1])
    spread = OnlineLearner(4, 2, OnlineConfig(hidden=(3,), feedback="random", max_delay=5,
                                              delay_spread=2.0))
    with pytest.raises(ParameterError, match="spread"):
        OnlineLavaGraph(spread, x, y)
    # a learner whose only delays are recurrent ones is refused too
    rec_spread = OnlineLearner(4, 2, OnlineConfig(hidden=(3,), feedback="random", max_delay=5,
                                                  delays="none", recurrent=True,
                                                  recurrent_delays=True, delay_spread=2.0))
    assert rec_spread.ff[0].syn is None and rec_spread.rec[0].spread == 2.0
    with pytest.raises(ParameterError, match="spread"):
        OnlineLavaGraph(rec_spread, x, y)
    moved = OnlineLearner(4, 2, OnlineConfig(hidden=(3,), feedback="random", max_delay=5,
                                             momentum=0.9))
    moved.train_batch(x.astype(float), y)
    with pytest.raises(ParameterError, match="momentum"):
        OnlineLavaGraph(moved, x, y)
