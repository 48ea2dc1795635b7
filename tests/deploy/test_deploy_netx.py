"""netx compatibility: which networks stock lava-dl netx can express, and a
saved netx-compatible network run by ``lava.lib.dl.netx.hdf5.Network`` gives
the spikes and read-out voltage of our Lava graph and engine."""
import numpy as np
import pytest
from _deploy_nets import kitchen_sink, netx_network

from lava_delays.deploy import netx_compatible, save_hdf5
from lava_delays.deploy.netx import netx_effective_weights
from lava_delays.engine import AdLIFNeurons, LIFNeurons, simulate
from lava_delays.fixed_point import loihi_weights
from lava_delays.kernels.adlif import ALPHA_RANGE, BETA_RANGE
from lava_delays.proc.graph import run_lava


def test_netx_network_is_compatible():
    check = netx_compatible(netx_network())
    assert check and check.ok and check.reason == ""


def _modified(change):
    net = netx_network()
    change(net)
    return net


@pytest.mark.parametrize("change, reason", [
    (lambda n: setattr(n.layers[0], "axonal_delays", np.ones(8, int)), "axonal"),
    (lambda n: setattr(n.layers[0].ff, "weight_exp", -1), "weight_exp"),
    (lambda n: n.layers[0].ff.weights.__setitem__((0, 0), 3), "odd mixed-sign"),
    (lambda n: n.layers[0].ff.weights.fill(0), "all weights zero"),
    (lambda n: setattr(n.layers[1].ff, "delays", np.zeros((6, 10), int)), "dense_rec"),
    (lambda n: setattr(n.layers[1].rec, "delays", np.ones((6, 6), int)), "recurrent"),
    (lambda n: setattr(n.layers[0].neurons, "dv", np.arange(10) * 100), "vDecay"),
    (lambda n: setattr(n.layers[1].neurons, "bias_mant", 3), "multiple of 64"),
])
def test_incompatible_reasons(change, reason):
    check = netx_compatible(_modified(change))
    assert not check
    assert reason in check.reason, check.reason


def test_float_network_is_incompatible():
    check = netx_compatible(kitchen_sink(fixed=False, adlif=False))
    assert not check and "fixed-point" in check.reason


def test_adlif_is_incompatible():
    net = netx_network()
    n = net.layers[0].n_out
    net.layers[0].neurons = AdLIFNeurons(alpha=np.full(n, np.mean(ALPHA_RANGE)),
                                         beta=np.full(n, np.mean(BETA_RANGE)),
                                         a=np.zeros(n), b=np.zeros(n), vth=64)
    check = netx_compatible(net)
    assert not check and "AdLIF" in check.reason


def test_uniform_array_parameters_are_compatible():
    net = netx_network()
    net.layers[0].neurons.du = np.full(10, 1000)  # one value: lava's LIF takes it
    assert netx_compatible(net)


def test_effective_weights_match_loihi_for_even_weights():
    rng = np.random.default_rng(0)
    for w in (rng.integers(-128, 127, (4, 5)) * 2, rng.integers(0, 256, (4, 5)),
              -rng.integers(0, 256, (4, 5)), np.array([[4, 8], [12, -16]])):
        eff, exponent = netx_effective_weights(w)
        np.testing.assert_array_equal(eff, loihi_weights(w) << -exponent)
    eff, exponent = netx_effective_weights(np.array([[3, -5]]))
    assert not np.array_equal(eff, loihi_weights(np.array([[3, -5]])) << -exponent)
    assert netx_effective_weights(np.zeros((2, 2), int)) is None


@pytest.mark.lava
@pytest.mark.timeout(120)
def test_netx_runs_saved_network_like_ours(tmp_path):
    from lava.lib.dl.netx.hdf5 import Network as NetxNetwork
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.monitor.process import Monitor

    net = netx_network()
    assert netx_compatible(net)
    steps = 40
    rng = np.random.default_rng(7)
    spikes = (rng.random((1, steps, net.n_in)) < 0.3).astype(np.int64)
    path = save_hdf5(net, tmp_path / "net.h5")

    netx_net = NetxNetwork(net_config=str(path))
    assert len(netx_net.layers) == len(net.layers)
    source = Source(data=np.ascontiguousarray(spikes[0].T))
    source.s_out.connect(netx_net.inp)
    # every spiking block's output; the read-out's value is its LIF voltage
    sinks = []
    for block in netx_net.layers[:-1]:
        sinks.append(Sink(shape=block.out.shape, buffer=steps))
        block.out.connect(sinks[-1].a_in)
    monitor = Monitor()
    monitor.probe(netx_net.layers[-1].neuron.v, steps)
    try:
        netx_net.run(condition=RunSteps(num_steps=steps),
                     run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        netx_spikes = [s.data.get().T.astype(bool) for s in sinks]
        probed = monitor.get_data()
    finally:
        netx_net.stop()
    (netx_v,) = [v for per_proc in probed.values() for v in per_proc.values()]

    ours_engine = simulate(net, spikes)
    ours_lava = run_lava(net, spikes, tag="fixed_pt")
    assert sum(s.sum() for s in ours_engine.spikes) > 20  # the test sees activity
    for k, netx_s in enumerate(netx_spikes):
        np.testing.assert_array_equal(netx_s, ours_engine.spikes[k][0], f"layer {k} engine")
        np.testing.assert_array_equal(netx_s, ours_lava.spikes[k][0], f"layer {k} lava")
    assert np.abs(ours_engine.readout).max() > 0
    np.testing.assert_array_equal(netx_v, ours_engine.readout[0])
    np.testing.assert_array_equal(netx_v, ours_lava.readout[0])


def test_lif_threshold_is_a_mantissa():
    # netx's vThMant is lava's vth mantissa (effective vth << 6), as ours
    from lava_delays.deploy.netx import cuba_device_params
    params = cuba_device_params(LIFNeurons(du=0, dv=4095, vth=300))
    assert params == {"type": "CUBA", "iDecay": 1, "vDecay": 4095, "vThMant": 300,
                      "refDelay": 1, "gradedSpike": False}


# -- files lava-dl itself wrote ---------------------------------------------------------
def _slayer_file(path, recurrent=False):
    """A small slayer CUBA network (dense with per-output delays -> dense),
    exported with slayer's own ``export_hdf5``."""
    import h5py
    import torch
    import lava.lib.dl.slayer as slayer
    torch.manual_seed(3)
    params = {"threshold": 1.25, "current_decay": 0.25, "voltage_decay": 0.03,
              "requires_grad": False}
    blocks = [slayer.block.cuba.Dense(params, 12, 10, weight_norm=False, delay=True,
                                      weight_scale=2),
              slayer.block.cuba.Dense(params, 10, 4, weight_norm=False, weight_scale=2)]
    with torch.no_grad():
        x = blocks[0](torch.zeros(1, 12, 5))               # slayer sizes its delays lazily
        blocks[1](x)
        blocks[0].delay.delay.data = torch.arange(10, dtype=torch.float32) % 6
        for b in blocks:
            b.synapse.weight.data *= 6
    with h5py.File(path, "w") as f:
        layer = f.create_group("layer")
        for k, b in enumerate(blocks):
            b.export_hdf5(layer.create_group(str(k)))
    return path


@pytest.mark.lava
@pytest.mark.timeout(180)
def test_stock_slayer_file_runs_like_netx(tmp_path):
    """A file written by lava-dl slayer's ``export_hdf5`` loads (``load_hdf5``,
    so ``eval`` and ``online --init``) and our engine and Lava graph give the
    spikes lava-dl's own ``netx.hdf5.Network`` gives in Lava."""
    from lava.lib.dl.netx.hdf5 import Network as NetxNetwork
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    from lava_delays.deploy import load_hdf5
    path = _slayer_file(tmp_path / "slayer.h5")
    net = load_hdf5(path)
    assert [layer.n_out for layer in net.layers] == [10, 4]
    assert net.layers[0].ff.delay_matrix()[:, 0].tolist() == [k % 6 for k in range(10)]
    steps = 50
    spikes = (np.random.default_rng(2).random((1, steps, 12)) < 0.3).astype(np.int64)
    netx_net = NetxNetwork(net_config=str(path))
    source = Source(data=np.ascontiguousarray(spikes[0].T))
    source.s_out.connect(netx_net.inp)
    sinks = []
    for block in netx_net.layers:
        sinks.append(Sink(shape=block.out.shape, buffer=steps))
        block.out.connect(sinks[-1].a_in)
    try:
        netx_net.run(condition=RunSteps(num_steps=steps),
                     run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        netx_spikes = [s.data.get().T.astype(bool) for s in sinks]
    finally:
        netx_net.stop()
    engine = simulate(net, spikes)
    lava = run_lava(net, spikes, tag="fixed_pt")
    assert all(s.sum() > 3 for s in engine.spikes), [s.sum() for s in engine.spikes]
    for k, netx_s in enumerate(netx_spikes):
        np.testing.assert_array_equal(netx_s, engine.spikes[k][0], f"layer {k} engine")
        np.testing.assert_array_equal(netx_s, lava.spikes[k][0], f"layer {k} lava")


def test_unsupported_netx_blocks_are_named(tmp_path):
    import h5py

    from lava_delays.deploy import load_hdf5
    from lava_delays.errors import UnsupportedFeatureError
    path = _slayer_file(tmp_path / "slayer.h5")
    with h5py.File(path, "a") as f:
        f["layer/0/type"][...] = np.array([b"conv"], dtype="S10")
        f["layer/1/neuron/type"][()] = "SDNN"
    with pytest.raises(UnsupportedFeatureError, match="/layer/0: conv layer; /layer/1: SDNN"):
        load_hdf5(path)


def test_stock_slayer_file_starts_online_learning(tmp_path):
    """``online --init`` takes a slayer file: its spiking output layer becomes
    the learner's read-out (same weights in threshold units, same decays), the
    hidden layer keeps its weights and delays, and learning runs."""
    import json

    from lava_delays.cli import main
    from lava_delays.deploy import load_hdf5
    from lava_delays.engine import OnlineLearner
    from lava_delays.engine.finetune import learner_parameters
    path = _slayer_file(tmp_path / "slayer.h5")
    net = load_hdf5(path)
    p = learner_parameters(net)
    assert p["spiking_output"] and p["hidden"] == (10,) and p["delays"] == "synaptic"
    out = net.layers[1]
    np.testing.assert_allclose(p["w_out"], out.ff.weights * 2.0 ** out.ff.weight_exp
                               / out.neurons.vth)
    learner = OnlineLearner.from_network(net)
    assert learner.spiking_output_converted
    # the hidden layer is the file's: the same hidden spikes as the engine
    spikes = (np.random.default_rng(4).random((2, 40, 12)) < 0.3).astype(np.int64)
    back = learner.network()
    np.testing.assert_array_equal(simulate(back, spikes).spikes[0],
                                  simulate(net, spikes).spikes[0])
    data = "timing:classes=4,channels=6,repeats=2,gap=4,max_offset=10,length=40,train=32,test=16"
    assert main(["online", "--data", data, "--init", str(path), "--epochs", "1",
                 "--out", str(tmp_path / "ft")]) == 0
    m = json.loads((tmp_path / "ft" / "metrics.json").read_text())
    assert m["init_output_as_readout"] and m["hidden"] == [10] and len(m["history"]) == 1
