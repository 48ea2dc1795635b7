"""save_hdf5 / load_hdf5: exact round trip, netx's layout, atomic writes, and
a named error naming file and dataset for every defect of a file."""
import os

import h5py
import numpy as np
import pytest
from _deploy_nets import assert_identical, kitchen_sink, netx_network

from lava_delays.deploy import load_hdf5, load_hdf5_metadata, save_hdf5
from lava_delays.deploy import hdf5 as hdf5_mod
from lava_delays.engine import simulate
from lava_delays.engine.factory import random_spikes
from lava_delays.errors import (DelayRangeError, FormatVersionError,
                                LavaDelaysError, NetworkFileError,
                                NonFiniteError, ParameterError, ShapeError,
                                WeightRangeError)


@pytest.fixture(params=[True, False], ids=["fixed", "float"])
def saved(request, tmp_path):
    """(network, path) of a saved kitchen-sink network."""
    net = kitchen_sink(fixed=request.param)
    path = tmp_path / "net.h5"
    save_hdf5(net, path)
    return net, path


def _raises(exc, path, *must_contain):
    """load_hdf5(path) raises ``exc`` naming the file and ``must_contain``."""
    with pytest.raises(exc) as info:
        load_hdf5(path)
    msg = str(info.value)
    assert isinstance(info.value, LavaDelaysError)
    assert str(path) in msg, msg
    for text in must_contain:
        assert text in msg, f"{text!r} not in {msg!r}"
    return msg


def _edit(path, fn):
    with h5py.File(path, "r+") as f:
        fn(f)


def _replace(f, name, data):
    del f[name]
    f.create_dataset(name, data=data)


# --- round trip ----------------------------------------------------------------
def test_round_trip_is_identical(saved):
    net, path = saved
    loaded = load_hdf5(path)
    assert_identical(net, loaded)
    x = random_spikes(2, 25, net.n_in, rate=0.3, seed=1)
    a, b = simulate(net, x), simulate(loaded, x)
    for sa, sb in zip(a.spikes, b.spikes, strict=True):
        np.testing.assert_array_equal(sa, sb)
    np.testing.assert_array_equal(a.readout, b.readout)


def test_round_trip_keeps_nones_and_dtypes(tmp_path):
    net = netx_network()
    net.layers[0].ff.weights = net.layers[0].ff.weights.astype(np.int16)
    net.layers[0].ff.delays = net.layers[0].ff.delays.astype(np.uint8)
    path = save_hdf5(net, tmp_path / "n.h5")
    loaded = load_hdf5(path)
    assert_identical(net, loaded)
    assert loaded.layers[1].ff.delays is None and loaded.layers[0].rec is None
    assert loaded.layers[0].axonal_delays is None


def test_metadata_round_trip(tmp_path):
    net = netx_network()
    path = save_hdf5(net, tmp_path / "n.h5", metadata={"task": "shd", "acc": 0.91,
                                                        "sizes": [1, 2]})
    assert load_hdf5_metadata(path) == {"task": "shd", "acc": 0.91, "sizes": [1, 2]}
    save_hdf5(net, path)
    assert load_hdf5_metadata(path) == {}


def test_metadata_numpy_values(tmp_path):
    path = save_hdf5(netx_network(), tmp_path / "n.h5",
                     metadata={"scale": np.float32(0.5), "sizes": np.arange(3),
                               "run": tmp_path})
    assert load_hdf5_metadata(path) == {"scale": 0.5, "sizes": [0, 1, 2],
                                        "run": str(tmp_path)}


@pytest.mark.parametrize("bad", [{"x": object()}, ["not", "a", "dict"]])
def test_bad_metadata(tmp_path, bad):
    with pytest.raises(ParameterError, match="metadata"):
        save_hdf5(netx_network(), tmp_path / "n.h5", metadata=bad)
    assert not (tmp_path / "n.h5").exists()


# --- layout: netx's names and netx's reader ------------------------------------
def test_netx_layout(tmp_path):
    from lava.lib.dl.netx.utils import NetDict
    net = netx_network()
    path = save_hdf5(net, tmp_path / "n.h5")
    cfg = NetDict(str(path))
    try:
        layers = cfg["layer"]
        assert len(layers) == 1 + len(net.layers)
        assert layers[0]["type"] == "input"
        np.testing.assert_array_equal(layers[0]["shape"], [net.n_in])
        assert [layers[i]["type"] for i in (1, 2, 3)] == ["dense", "dense_rec", "dense"]
        lif = net.layers[0].neurons
        neuron = layers[1]["neuron"]
        assert neuron["type"] == "CUBA"
        assert neuron["iDecay"] == lif.du + 1 and neuron["vDecay"] == lif.dv
        assert neuron["vThMant"] == lif.vth
        np.testing.assert_array_equal(layers[1]["weight"], net.layers[0].ff.weights)
        np.testing.assert_array_equal(layers[1]["delay"], net.layers[0].ff.delays)
        np.testing.assert_array_equal(layers[1]["bias"],
                                      (lif.bias_mant << lif.bias_exp) >> 6)
        np.testing.assert_array_equal(layers[2]["weight_rec"], net.layers[1].rec.weights)
        assert layers[3]["neuron"]["vThMant"] == 1 << 17  # read-out never spikes
    finally:
        cfg.f.close()


def test_float_network_has_no_netx_neuron_parameters(tmp_path):
    path = save_hdf5(kitchen_sink(fixed=False), tmp_path / "n.h5")
    with h5py.File(path, "r") as f:
        assert "iDecay" not in f["layer/1/neuron"] and "bias" not in f["layer/1"]
        assert not f.attrs["fixed"]
        assert f.attrs["lava_delays_format"] == hdf5_mod.FORMAT_VERSION


# --- atomic writes -------------------------------------------------------------
def test_invalid_network_writes_nothing(tmp_path):
    net = netx_network()
    path = save_hdf5(net, tmp_path / "n.h5")
    before = path.read_bytes()
    net.layers[0].ff.delays[0, 0] = 63
    with pytest.raises(DelayRangeError):
        save_hdf5(net, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["n.h5"]


def test_failed_write_keeps_old_file(tmp_path, monkeypatch):
    path = save_hdf5(netx_network(), tmp_path / "n.h5")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(hdf5_mod, "_write_layer", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        save_hdf5(kitchen_sink(fixed=True), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["n.h5"]  # no temporary file left behind


# --- bad files -----------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_hdf5(tmp_path / "nope.h5")


def test_not_hdf5(tmp_path):
    path = tmp_path / "net.h5"
    path.write_text("layer 0: dense\n")
    _raises(NetworkFileError, path, "not a readable HDF5 file")


def test_truncated_file(saved):
    _, path = saved
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _raises(NetworkFileError, path)


def test_hdf5_but_not_a_network(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=[1, 2])
    _raises(NetworkFileError, path, "lava_delays_format")


@pytest.mark.parametrize("name", ["layer/1/weight", "layer/1/weight_exp", "layer/0/shape",
                                  "layer/1/neuron/du", "layer/1/neuron/model",
                                  "layer/2/neuron", "layer/1/weight_rec", "layer/3"])
def test_missing_dataset(saved, name):
    net, path = saved
    _edit(path, lambda f: f.__delitem__(name))
    if name == "layer/3":  # the last layer: the file now holds a shorter network
        assert len(load_hdf5(path).layers) == len(net.layers) - 1
        return
    _raises(NetworkFileError, path, "/" + name, "missing")


def test_missing_netx_dataset(tmp_path):
    path = save_hdf5(kitchen_sink(fixed=True), tmp_path / "n.h5")
    _edit(path, lambda f: f.__delitem__("layer/1/neuron/iDecay"))
    _raises(NetworkFileError, path, "/layer/1/neuron/iDecay", "missing")


def test_layer_gap(saved):
    _, path = saved
    _edit(path, lambda f: f.__delitem__("layer/2"))
    _raises(NetworkFileError, path, "/layer")


@pytest.mark.parametrize("name, shape", [("layer/1/weight", (6, 6)),
                                         ("layer/1/delay", (6, 4)),
                                         ("layer/1/axonal_delay", (4,)),
                                         ("layer/1/weight_rec", (6, 5)),
                                         ("layer/3/neuron/bias_mant", (4,)),
                                         ("layer/2/shape", (2,))])
def test_wrong_shape(saved, name, shape):
    _, path = saved
    _edit(path, lambda f: _replace(f, name, np.ones(shape, dtype=np.int64)))
    _raises(ShapeError, path, "/" + name, "shape")


@pytest.mark.parametrize("name, value", [("layer/1/delay", 63), ("layer/1/delay", -1),
                                         ("layer/1/delay_rec", 63),
                                         ("layer/1/axonal_delay", 63),
                                         ("layer/1/max_delay", 63)])
def test_delay_out_of_range(saved, name, value):
    _, path = saved

    def set_one(f):
        data = np.array(f[name][()])
        if data.ndim:
            data.flat[0] = value
        else:
            data = np.array(value)
        _replace(f, name, data)
    _edit(path, set_one)
    _raises(DelayRangeError, path, "/" + name, "0..62")


def test_nan_delay(saved):
    _, path = saved

    def set_nan(f):
        data = f["layer/3/delay"][()].astype(float)
        data[1, 1] = np.nan
        _replace(f, "layer/3/delay", data)
    _edit(path, set_nan)
    _raises(DelayRangeError, path, "/layer/3/delay")


def test_max_delay_below_delays(saved):
    _, path = saved
    _edit(path, lambda f: _replace(f, "layer/1/max_delay", 1))
    _raises(ParameterError, path, "/layer/1", "max_delay")


def test_fixed_weight_out_of_range(tmp_path):
    path = save_hdf5(kitchen_sink(fixed=True), tmp_path / "n.h5")

    def set_300(f):
        w = f["layer/2/weight"][()]
        w[0, 0] = 300
        _replace(f, "layer/2/weight", w)
    _edit(path, set_300)
    _raises(WeightRangeError, path, "/layer/2/weight", "300")


def test_fixed_weight_not_integer(tmp_path):
    path = save_hdf5(kitchen_sink(fixed=True), tmp_path / "n.h5")
    _edit(path, lambda f: _replace(f, "layer/2/weight",
                                   f["layer/2/weight"][()].astype(float) + 0.5))
    _raises(WeightRangeError, path, "/layer/2/weight", "integers")


@pytest.mark.parametrize("name", ["layer/1/weight", "layer/2/neuron/alpha",
                                  "layer/1/neuron/psi_sigma"])
def test_nan(saved, name):
    net, path = saved

    def set_nan(f):
        data = np.array(f[name][()], dtype=float)
        if data.ndim:
            data.flat[0] = np.nan
        else:
            data = np.array(np.nan)
        _replace(f, name, data)
    _edit(path, set_nan)
    if name == "layer/1/weight" and net.fixed:
        _raises(NonFiniteError, path, "/" + name)
    else:
        _raises(NonFiniteError, path, "/" + name, "NaN")


def test_newer_format_version(saved):
    _, path = saved
    _edit(path, lambda f: f.attrs.__setitem__("lava_delays_format",
                                              hdf5_mod.FORMAT_VERSION + 1))
    msg = _raises(FormatVersionError, path, "upgrade")
    assert str(hdf5_mod.FORMAT_VERSION + 1) in msg


@pytest.mark.parametrize("value", [0, "1", 1.5])
def test_bad_format_version(saved, value):
    _, path = saved
    _edit(path, lambda f: f.attrs.__setitem__("lava_delays_format", value))
    _raises(NetworkFileError, path, "lava_delays_format")


def test_missing_fixed_attribute(saved):
    _, path = saved
    _edit(path, lambda f: f.attrs.__delitem__("fixed"))
    _raises(NetworkFileError, path, "fixed")


def test_out_of_range_decay(tmp_path):
    path = save_hdf5(kitchen_sink(fixed=True), tmp_path / "n.h5")
    _edit(path, lambda f: _replace(f, "layer/1/neuron/du", 5000))
    _raises(ParameterError, path, "/layer/1", "du")


def test_bad_weight_exp(saved):
    _, path = saved
    _edit(path, lambda f: _replace(f, "layer/1/weight_exp", 9))
    _raises(ParameterError, path, "/layer/1/weight_exp", "-8..7")


def test_unknown_layer_type(saved):
    _, path = saved
    _edit(path, lambda f: _replace(f, "layer/2/type", np.array([b"conv"], dtype="S10")))
    _raises(NetworkFileError, path, "/layer/2/type", "conv")


def test_unknown_neuron_model(saved):
    _, path = saved
    _edit(path, lambda f: _replace(f, "layer/1/neuron/model", "izhikevich"))
    _raises(NetworkFileError, path, "/layer/1/neuron/model", "izhikevich")


def test_string_where_numbers_belong(saved):
    _, path = saved
    _edit(path, lambda f: _replace(f, "layer/1/weight_exp", "zero"))
    _raises(NetworkFileError, path, "/layer/1/weight_exp")


@pytest.mark.parametrize("name, value", [("layer/1/neuron/iDecay", 7),
                                         ("layer/1/neuron/vThMant", 1),
                                         ("layer/3/neuron/vThMant", 5)])
def test_netx_copy_disagrees(tmp_path, name, value):
    path = save_hdf5(netx_network(), tmp_path / "n.h5")
    _edit(path, lambda f: _replace(f, name, value))
    _raises(NetworkFileError, path, "/" + name, "disagrees")


def test_netx_bias_disagrees(tmp_path):
    path = save_hdf5(netx_network(), tmp_path / "n.h5")
    _edit(path, lambda f: _replace(f, "layer/1/bias", f["layer/1/bias"][()] + 1))
    _raises(NetworkFileError, path, "/layer/1/bias", "disagrees")
