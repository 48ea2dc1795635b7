"""Lava processes of lava-delays against lava-nc's own processes, and the
batched engine against the Lava graph.

To keep the number of Lava runs small, parts (a), (b), (d) and (e) share one
graph per tag: one input source feeds several independent sub-networks, each
recorded by its own sink, and the module-scoped fixture runs it once
(``Loihi2SimCfg(select_tag=...)``, runtime stopped in ``finally``). Part (c)
runs :func:`lava_delays.proc.graph.run_lava` once per network and arithmetic.
"""
import numpy as np
import pytest
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense, DelayDense
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer as Source
from lava.proc.lif.process import LIF as LavaLIF
from lava.utils.weightutils import SignMode

from lava_delays.engine import simulate
from lava_delays.engine.factory import random_network, random_spikes
from lava_delays.proc import LIF, AxonalDelay, SynapticDelayDense
from lava_delays.proc.graph import run_lava

pytestmark = pytest.mark.lava

N_IN = 10
STEPS = 60


def _spike_train(rng):
    s = (rng.random((N_IN, STEPS)) < 0.3).astype(np.int64)
    s[:, STEPS - 8:] = 0  # let delayed input drain before the end
    s[0, 0] = 1
    return s


def _build_and_run(tag: str) -> dict:
    """One Lava run holding the sub-networks of parts (a), (b), (d), (e)."""
    fixed = tag == "fixed_pt"
    rng = np.random.default_rng(100)
    spikes = _spike_train(rng)
    src = Source(data=spikes if fixed else spikes.astype(float))
    procs, sinks = {}, {}

    def record(name, port, n):
        sinks[name] = Sink(shape=(n,), buffer=STEPS)
        port.connect(sinks[name].a_in)

    # (a) SynapticDelayDense vs DelayDense, two configurations
    w_mixed = rng.integers(-256, 256, (7, N_IN))
    w_exc = rng.integers(0, 256, (5, N_IN))
    configs = {
        "mixed": dict(weights=w_mixed, delays=rng.integers(0, 9, w_mixed.shape),
                      weight_exp=-2),
        "exc": dict(weights=w_exc, delays=rng.integers(0, 5, w_exc.shape),
                    weight_exp=1, num_weight_bits=6, sign_mode=SignMode.EXCITATORY),
    }
    for name, cfg in configs.items():
        cfg = dict(cfg)
        if not fixed:  # multiples of 1/64: float sums are exact in any order
            cfg["weights"] = cfg["weights"] / 64.0
        ours = SynapticDelayDense(**cfg, name=f"sdd_{name}")
        theirs = DelayDense(**cfg)
        for key, proc in (("ours", ours), ("lava", theirs)):
            src.s_out.connect(proc.s_in)
            record(f"a_{name}_{key}", proc.a_out, proc.a_out.shape[0])
        procs[f"a_{name}"] = cfg

    # (b) our LIF vs lava's LIF on the same dense input
    n_lif = 12
    # rows from inhibited to strongly driven: some neurons fire, some do not
    offsets = np.linspace(-80, 60, n_lif).round().astype(np.int64)
    w_lif = np.clip(rng.integers(-100, 100, (n_lif, N_IN)) + offsets[:, None], -256, 255)
    if fixed:
        dense = Dense(weights=w_lif)
        lif_kw = dict(du=800, dv=400, vth=2000, bias_mant=rng.integers(0, 20, n_lif),
                      bias_exp=2)
    else:
        dense = Dense(weights=w_lif / 64.0)
        lif_kw = dict(du=0.2, dv=0.1, vth=30.0, bias_mant=rng.uniform(0, 0.2, n_lif))
    src.s_out.connect(dense.s_in)
    lif_ours = LIF(shape=(n_lif,), **lif_kw)
    lif_lava = LavaLIF(shape=(n_lif,), **lif_kw)
    for key, proc in (("ours", lif_ours), ("lava", lif_lava)):
        dense.a_out.connect(proc.a_in)
        record(f"b_{key}", proc.s_out, n_lif)

    # (d) axonal delays
    axon_delays = np.array([0, 1, 2, 3, 4, 5, 0, 7, 2, 1])
    axon = AxonalDelay(shape=(N_IN,), delays=axon_delays, max_delay=9)
    src.s_out.connect(axon.s_in)
    record("d", axon.s_out, N_IN)

    # (e) float weights beyond 8 bits in a SynapticDelayDense
    w_big = np.zeros((3, N_IN))
    w_big[0, :3] = [300.0, 2.0, 7.0]
    w_big[1, :4] = [-300.0, 255.0, -256.0, 1000.0]
    w_big[2, :2] = [-257.0, 4.0]
    clip_ours = SynapticDelayDense(weights=w_big, delays=1, name="clip")
    clip_lava = DelayDense(weights=w_big, delays=1)
    for key, proc in (("ours", clip_ours), ("lava", clip_lava)):
        src.s_out.connect(proc.s_in)
        record(f"e_{key}", proc.a_out, 3)

    out = {}
    try:
        src.run(condition=RunSteps(num_steps=STEPS),
                run_cfg=Loihi2SimCfg(select_tag=tag))
        for name, sink in sinks.items():
            out[name] = sink.data.get().copy()
        out["lif_ours_uv"] = (lif_ours.u.get().copy(), lif_ours.v.get().copy())
        out["lif_lava_uv"] = (lif_lava.u.get().copy(), lif_lava.v.get().copy())
        out["clip_count"] = int(clip_ours.clip_count.get()[0])
        out["clip_weights"] = clip_ours.weights.get().copy()
    finally:
        src.stop()
    out.update(spikes=spikes, configs=procs, axon_delays=axon_delays, w_big=w_big,
               fixed=fixed)
    return out


@pytest.fixture(scope="module", params=["fixed_pt", "floating_pt"])
def shared_run(request):
    return _build_and_run(request.param)


# (a) ---------------------------------------------------------------------
@pytest.mark.parametrize("config", ["mixed", "exc"])
def test_synaptic_delay_dense_equals_lava_delay_dense(shared_run, config):
    ours, lava = shared_run[f"a_{config}_ours"], shared_run[f"a_{config}_lava"]
    np.testing.assert_array_equal(ours, lava)
    # non-trivial: many non-zero inputs, nothing delivered at step 0
    assert np.count_nonzero(ours) > STEPS
    assert not ours[:, 0].any()


def test_synaptic_delay_dense_against_independent_expectation(shared_run):
    """Expected a_out from the definition (t + 1 + d), independent of both."""
    cfg = shared_run["configs"]["a_mixed"]
    w, d, s = cfg["weights"], cfg["delays"], shared_run["spikes"]
    if shared_run["fixed"]:
        w = (w >> 1) << 1  # mixed sign: the LSB is dropped
        # the input sent at step t with delay k is summed first, then >> 2
        expected = np.zeros((w.shape[0], STEPS + 10), np.int64)
        for t in range(STEPS):
            per = np.zeros((w.shape[0], d.max() + 1), np.int64)
            for i in np.flatnonzero(s[:, t]):
                for j in range(w.shape[0]):
                    per[j, d[j, i]] += w[j, i]
            for k in range(d.max() + 1):
                expected[:, t + 1 + k] += per[:, k] >> 2
        expected = expected[:, :STEPS]
    else:
        full = np.zeros((w.shape[0], STEPS + 10))
        for t in range(STEPS):
            for i in np.flatnonzero(s[:, t]):
                for j in range(w.shape[0]):
                    full[j, t + 1 + d[j, i]] += w[j, i]
        expected = full[:, :STEPS]
    np.testing.assert_array_equal(shared_run["a_mixed_ours"], expected)


# (b) ---------------------------------------------------------------------
def test_lif_equals_lava_lif(shared_run):
    ours, lava = shared_run["b_ours"], shared_run["b_lava"]
    np.testing.assert_array_equal(ours.astype(bool), lava.astype(bool))
    n_spikes = ours.astype(bool).sum(axis=1)
    assert ours.astype(bool).sum() > 10
    assert 0 < np.count_nonzero(n_spikes) < ours.shape[0]  # some, not all
    for a, b in zip(shared_run["lif_ours_uv"], shared_run["lif_lava_uv"]):
        np.testing.assert_array_equal(a, b)
    assert np.any(shared_run["lif_ours_uv"][1] != 0)


# (d) ---------------------------------------------------------------------
def test_axonal_delay_shifts_each_channel(shared_run):
    out, s, a = shared_run["d"], shared_run["spikes"], shared_run["axon_delays"]
    expected = np.zeros_like(s)
    for i in range(N_IN):
        expected[i, a[i]:] = s[i, :STEPS - a[i]]
    np.testing.assert_array_equal(out, expected)
    assert out.sum() > 20


# (e) ---------------------------------------------------------------------
def test_clip_count_of_float_weights(shared_run):
    ours, lava = shared_run["e_ours"], shared_run["e_lava"]
    np.testing.assert_array_equal(ours, lava)
    assert np.count_nonzero(ours) > 0
    if shared_run["fixed"]:
        # mixed sign: range -256..255 -> 300, -300, 1000, -257 are clipped
        assert shared_run["clip_count"] == 4
        w = shared_run["clip_weights"]
        assert w.max() <= 255 and w.min() >= -256
        assert w[0, 0] == 254 and w[1, 0] == -256 and w[1, 3] == 254
    else:
        assert shared_run["clip_count"] == 0  # the float model does not clip


# (c) engine == Lava graph -------------------------------------------------
NETS = {
    "ff_2layer": dict(sizes=[16, 12, 5], max_delay=6),
    "recurrent_axonal": dict(sizes=[16, 5], max_delay=5, recurrent=True, axonal=True),
    "adlif": dict(sizes=[16, 5], max_delay=4, neuron="adlif"),
}


@pytest.mark.parametrize("fixed", [True, False], ids=["fixed", "float"])
@pytest.mark.parametrize("case", list(NETS))
def test_engine_equals_lava_graph(case, fixed):
    net = random_network(12, fixed=fixed, seed=7, **NETS[case])
    batch, steps = 3, 30
    x = random_spikes(batch, steps, 12, rate=0.2, seed=8)
    eng = simulate(net, x)
    lav = run_lava(net, x)
    assert len(eng.spikes) == len(lav.spikes) == len(net.layers) - 1
    for k, (a, b) in enumerate(zip(eng.spikes, lav.spikes)):
        assert a.shape == b.shape == (batch, steps, net.layers[k].n_out)
        np.testing.assert_array_equal(a, b, err_msg=f"layer {k}")
        fired = a.any(axis=(0, 1))
        assert 0 < fired.sum() < a.shape[-1], f"layer {k}: {fired.sum()} neurons fired"
        assert all(a[i].any() for i in range(batch)), f"layer {k}: a silent sample"
    if fixed:
        np.testing.assert_array_equal(eng.readout, lav.readout)
    else:
        np.testing.assert_allclose(eng.readout, lav.readout, rtol=1e-12, atol=1e-12)
    assert np.abs(eng.readout).max() > 0
    assert eng.counts.total == lav.counts.total
    np.testing.assert_array_equal(eng.predict(), lav.predict())
    # the sample boundary matters here: streaming without the reset (one long
    # sample) would give different spikes, so reset_interval is exercised
    joined = simulate(net, x.reshape(1, batch * steps, 12))
    assert not np.array_equal(joined.spikes[0][0].reshape(batch, steps, -1), eng.spikes[0]) \
        or not np.array_equal(joined.readout[0].reshape(batch, steps, -1), eng.readout)


# (f) Var.set between runs --------------------------------------------------
@pytest.mark.parametrize("tag", ["fixed_pt", "floating_pt"])
def test_weights_and_delays_set_between_runs_take_effect(tag):
    """A deployed synapse re-programmed between runs (as an on-device learner
    or a user does with ``Var.set``) routes with the new values; a delay set
    beyond the buffer is clamped and counted, never written out of bounds."""
    fixed = tag == "fixed_pt"
    spikes = np.zeros((1, 30), dtype=np.int64 if fixed else float)
    spikes[0, [0, 10, 20]] = 1
    src = Source(data=spikes)
    syn = SynapticDelayDense(weights=np.array([[2]]), delays=np.array([[1]]), max_delay=8)
    sink = Sink(shape=(1,), buffer=30)
    src.s_out.connect(syn.s_in)
    syn.a_out.connect(sink.a_in)
    try:
        syn.run(condition=RunSteps(num_steps=10), run_cfg=Loihi2SimCfg(select_tag=tag))
        syn.weights.set(np.array([[4]]))
        syn.delays.set(np.array([[6]]))
        syn.run(condition=RunSteps(num_steps=10), run_cfg=Loihi2SimCfg(select_tag=tag))
        syn.delays.set(np.array([[40]]))        # beyond max_delay=8
        syn.run(condition=RunSteps(num_steps=10), run_cfg=Loihi2SimCfg(select_tag=tag))
        out = sink.data.get()[0]
        clips = int(syn.clip_count.get()[0])
        final_delay = int(syn.delays.get()[0, 0])
    finally:
        syn.stop()
    assert out[2] == 2                   # first run: t=0 + 1 + 1, weight 2
    assert out[17] == 4                  # second run: t=10 + 1 + 6, weight 4
    assert out[29] == 4 and final_delay == 8 and clips == 1   # clamped to 8: t=20+1+8
    assert np.count_nonzero(out) == 3
