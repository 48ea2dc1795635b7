"""export_nir / import_nir: round trip, the graph's representation of
per-synapse and axonal delays, graphs without our metadata, and named
errors for what NIR cannot express and for bad files."""
import os

import nir
import numpy as np
import pytest
from _deploy_nets import assert_identical, kitchen_sink, netx_network

from lava_delays.deploy import (export_nir, import_nir, network_to_nir,
                                nir_to_network, save_hdf5)
from lava_delays.deploy import nir_io
from lava_delays.engine import (Connection, Layer, LIFNeurons, Network,
                                ReadoutNeurons, simulate)
from lava_delays.engine.factory import random_spikes
from lava_delays.errors import (DelayRangeError, FormatVersionError,
                                LavaDelaysError, NetworkFileError,
                                UnsupportedFeatureError)


def _same_dynamics(a: Network, b: Network) -> None:
    x = random_spikes(2, 30, a.n_in, rate=0.3, seed=4)
    ra, rb = simulate(a, x), simulate(b, x)
    assert sum(s.sum() for s in ra.spikes) > 0
    for sa, sb in zip(ra.spikes, rb.spikes, strict=True):
        np.testing.assert_array_equal(sa, sb)
    np.testing.assert_array_equal(ra.readout, rb.readout)


@pytest.mark.parametrize("fixed", [True, False], ids=["fixed", "float"])
def test_round_trip(tmp_path, fixed):
    net = kitchen_sink(fixed=fixed, adlif=False)
    path = export_nir(net, tmp_path / "net.nir")
    loaded = import_nir(path)
    assert_identical(net, loaded)
    _same_dynamics(net, loaded)


def test_round_trip_netx_network(tmp_path):
    # delays=None stays None; a recurrent layer without delays
    net = netx_network()
    loaded = import_nir(export_nir(net, tmp_path / "net.nir"))
    assert_identical(net, loaded)


def _small_net(fixed=False) -> Network:
    w = np.array([[1.0, 0.0, -2.0], [0.5, 3.0, 0.0]])
    d = np.array([[0, 4, 2], [2, 9, 0]])
    return Network(n_in=3, fixed=fixed, layers=[
        Layer(ff=Connection((w * 64).astype(np.int64) if fixed else w, d),
              neurons=LIFNeurons(du=1000 if fixed else 0.5, dv=100 if fixed else 0.25,
                                 vth=64 if fixed else 1.0),
              axonal_delays=np.array([1, 0, 3]))]).validate()


def test_graph_has_one_branch_per_delay():
    graph = network_to_nir(_small_net())
    nodes = graph.nodes
    # delays of non-zero weights: 0, 2 (twice), 9 -- 4 and one 0 sit on zero weights
    assert {k for k in nodes if k.startswith("ff0")} == {
        "ff0_d0", "ff0_d2", "ff0_d2_delay", "ff0_d9", "ff0_d9_delay"}
    np.testing.assert_array_equal(nodes["ff0_d2"].weight, [[0, 0, -2], [0.5, 0, 0]])
    np.testing.assert_array_equal(nodes["ff0_d9_delay"].delay, [9, 9])
    np.testing.assert_array_equal(nodes["axon0"].delay, [1, 0, 3])
    assert isinstance(nodes["neurons0"], nir.CubaLIF)
    assert ("input", "axon0") in graph.edges and ("ff0_d2_delay", "neurons0") in graph.edges
    assert ("ff0_d0", "neurons0") in graph.edges
    lif = nodes["neurons0"]
    np.testing.assert_allclose(lif.tau_syn, 2.0)   # dt / du
    np.testing.assert_allclose(lif.tau_mem, 4.0)   # dt / dv
    np.testing.assert_allclose(lif.w_in * 0.5, 1)  # du * w_in = 1
    np.testing.assert_allclose(lif.r * 0.25, 1)    # dv * r = 1


def test_zero_weight_delays_are_dropped():
    net = _small_net()
    loaded = nir_to_network(network_to_nir(net))
    d = loaded.layers[0].ff.delays
    assert d[0, 1] == 0  # delay 4 had weight 0: no effect, not kept
    nonzero = net.layers[0].ff.weights != 0
    np.testing.assert_array_equal(d[nonzero], net.layers[0].ff.delays[nonzero])


def test_fixed_point_graph_is_in_float_units():
    net = _small_net(fixed=True)
    graph = network_to_nir(net)
    # weights w * 2**weight_exp, du (du + 1) / 4096, threshold the mantissa
    np.testing.assert_array_equal(graph.nodes["ff0_d2"].weight, [[0, 0, -128], [32, 0, 0]])
    np.testing.assert_allclose(graph.nodes["neurons0"].tau_syn, 4096 / 1001)
    np.testing.assert_allclose(graph.nodes["neurons0"].v_threshold, 64)
    loaded = nir_to_network(graph)
    assert loaded.fixed and loaded.layers[0].ff.weights.dtype == np.int64
    np.testing.assert_array_equal(loaded.layers[0].ff.weights, net.layers[0].ff.weights)
    assert loaded.layers[0].neurons == net.layers[0].neurons


@pytest.mark.parametrize("fixed", [True, False], ids=["fixed", "float"])
def test_import_without_neuron_metadata(fixed):
    """A graph edited or written by another tool: parameters come from the
    NIR fields alone; the dynamics are the same."""
    net = kitchen_sink(fixed=fixed, adlif=False)
    graph = network_to_nir(net)
    for node in graph.nodes.values():
        if isinstance(node, (nir.CubaLIF, nir.CubaLI)):
            node.metadata = {}
    loaded = nir_to_network(graph)
    _same_dynamics(net, loaded)
    assert loaded.layers[0].neurons.psi_sigma == 0.3  # default: not in NIR
    if fixed:
        assert loaded.layers[0].neurons.du == 1000


def test_import_foreign_gains_folded_into_weights():
    """w_in and r other than tau/dt scale the input: folded into weights."""
    w = np.array([[1.0, -1.0]])
    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([2])}),
        "lin": nir.Affine(weight=w, bias=np.zeros(1)),
        "lif": nir.CubaLIF(tau_syn=np.array([2.0]), tau_mem=np.array([4.0]), r=np.array([1.0]),
                           v_leak=np.array([0.0]), v_threshold=np.array([1.0]),
                           w_in=np.array([1.0])),
        "output": nir.Output(output_type={"output": np.array([1])})},
        edges=[("input", "lin"), ("lin", "lif"), ("lif", "output")])
    net = nir_to_network(graph)
    assert not net.fixed
    # gain = du * w_in * dv * r = 0.5 * 1 * 0.25 * 1
    np.testing.assert_allclose(net.layers[0].ff.weights, w * 0.125)
    assert net.layers[0].neurons.du == 0.5 and net.layers[0].neurons.dv == 0.25


def test_dt_scales_time(tmp_path):
    net = _small_net()
    graph = network_to_nir(net, dt=1e-3)
    np.testing.assert_allclose(graph.nodes["ff0_d9_delay"].delay, [9e-3, 9e-3])
    np.testing.assert_allclose(graph.nodes["neurons0"].tau_mem, 4e-3)
    path = export_nir(net, tmp_path / "n.nir", dt=1e-3)
    _same_dynamics(net, import_nir(path))          # dt from the graph metadata
    with pytest.raises(DelayRangeError, match="whole steps"):
        import_nir(path, dt=3e-3)                  # 9 ms is not a whole number of 3 ms steps


# --- what NIR cannot express ----------------------------------------------------
def test_adlif_is_unsupported(tmp_path):
    with pytest.raises(UnsupportedFeatureError, match="AdLIF"):
        export_nir(kitchen_sink(fixed=False), tmp_path / "n.nir")
    assert not (tmp_path / "n.nir").exists()


def test_no_leak_is_unsupported(tmp_path):
    net = _small_net()
    net.layers[0].neurons.dv = 0.0
    with pytest.raises(UnsupportedFeatureError, match="dv = 0"):
        export_nir(net, tmp_path / "n.nir")


def _write(graph, path):
    nir.write(path, graph)
    return path


def test_unsupported_node(tmp_path):
    graph = network_to_nir(_small_net())
    old = graph.nodes["neurons0"]
    graph.nodes["neurons0"] = nir.LIF(tau=old.tau_mem, r=old.r, v_leak=old.v_leak,
                                      v_threshold=old.v_threshold)
    path = _write(graph, tmp_path / "n.nir")
    with pytest.raises(UnsupportedFeatureError, match="neurons0.*LIF"):
        import_nir(path)


def test_affine_bias_is_unsupported():
    graph = network_to_nir(_small_net())
    w = graph.nodes["ff0_d0"].weight
    graph.nodes["ff0_d0"] = nir.Affine(weight=w, bias=np.ones(w.shape[0]))
    with pytest.raises(UnsupportedFeatureError, match="Affine bias"):
        nir_to_network(graph)


# --- bad files -------------------------------------------------------------------
def _raises(exc, path, *must_contain):
    with pytest.raises(exc) as info:
        import_nir(path)
    msg = str(info.value)
    assert isinstance(info.value, LavaDelaysError)
    assert str(path) in msg, msg
    for text in must_contain:
        assert text in msg, f"{text!r} not in {msg!r}"


def test_not_a_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        import_nir(tmp_path / "nope.nir")


def test_not_hdf5(tmp_path):
    path = tmp_path / "n.nir"
    path.write_text("nodes: []\n")
    _raises(NetworkFileError, path, "not a readable NIR graph")


def test_truncated(tmp_path):
    path = export_nir(_small_net(), tmp_path / "n.nir")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _raises(NetworkFileError, path)


def test_lava_delays_hdf5_is_not_nir(tmp_path):
    path = save_hdf5(_small_net(), tmp_path / "n.h5")
    _raises(NetworkFileError, path, "not a readable NIR graph")


@pytest.mark.parametrize("value", [63, 1.5, -1])
def test_bad_delay(tmp_path, value):
    graph = network_to_nir(_small_net())
    graph.nodes["ff0_d9_delay"].delay = np.array([value, 9.0])
    path = _write(graph, tmp_path / "n.nir")
    _raises(DelayRangeError, path, "ff0_d9_delay")


def test_bad_axonal_delay(tmp_path):
    graph = network_to_nir(_small_net())
    graph.nodes["axon0"].delay = np.array([63.0, 0, 0])
    _raises(DelayRangeError, _write(graph, tmp_path / "n.nir"), "axon0")


def test_fixed_weight_not_representable(tmp_path):
    from lava_delays.errors import WeightRangeError
    graph = network_to_nir(_small_net(fixed=True))
    w = graph.nodes["ff0_d2"].weight
    graph.nodes["ff0_d2"].weight = np.where(w != 0, w + 0.25, 0.0)
    _raises(WeightRangeError, _write(graph, tmp_path / "n.nir"), "ff0_d2")


def test_newer_format(tmp_path):
    graph = network_to_nir(_small_net())
    graph.metadata["lava_delays_format"] = nir_io.NIR_FORMAT_VERSION + 1
    _raises(FormatVersionError, _write(graph, tmp_path / "n.nir"), "lava_delays_format")


@pytest.mark.parametrize("value", ["1", 0])
def test_bad_format_version(tmp_path, value):
    graph = network_to_nir(_small_net())
    graph.metadata["lava_delays_format"] = value
    _raises(NetworkFileError, _write(graph, tmp_path / "n.nir"), "lava_delays_format")


def test_not_a_chain(tmp_path):
    graph = network_to_nir(_small_net())
    # a second layer in parallel to neurons0, fed by the input too
    graph.nodes["lin_x"] = nir.Linear(weight=np.ones((2, 3)))
    graph.nodes["extra"] = nir.CubaLI(tau_syn=np.ones(2), tau_mem=np.ones(2), r=np.ones(2),
                                      v_leak=np.zeros(2))
    graph.edges += [("input", "lin_x"), ("lin_x", "extra"), ("extra", "output")]
    _raises(UnsupportedFeatureError, _write(graph, tmp_path / "n.nir"), "extra")


def test_atomic_write_leaves_no_temp_files(tmp_path):
    export_nir(netx_network(), tmp_path / "n.nir")
    with pytest.raises(UnsupportedFeatureError):
        export_nir(kitchen_sink(fixed=True), tmp_path / "n.nir")
    assert os.listdir(tmp_path) == ["n.nir"]
    assert import_nir(tmp_path / "n.nir").n_in == netx_network().n_in


def test_readout_is_cuba_li():
    net = Network(n_in=2, fixed=False, layers=[Layer(
        ff=Connection(np.ones((2, 2))), neurons=ReadoutNeurons(du=0.5, dv=0.5, bias_mant=0.1))])
    graph = network_to_nir(net)
    assert isinstance(graph.nodes["neurons0"], nir.CubaLI)
    np.testing.assert_allclose(graph.nodes["neurons0"].v_leak, 0.2)  # bias * tau_mem / dt
    assert_identical(net, nir_to_network(graph))
