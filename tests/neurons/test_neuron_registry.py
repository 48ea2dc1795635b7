"""A neuron model added from outside the library runs everywhere.

``iaf.py`` (parameters, kernel step, registry entry), ``iaf_lava/``
(Lava process and models) and ``iaf_train.py`` (trainer module) define a
non-leaky integrate-and-fire neuron without touching a library file. The
trainer trains and exports it, the engine, both Lava tags and the trainer
give the same spikes, files keep it, and what cannot express it (netx, NIR,
on-line learning) says so with named errors.
"""
import numpy as np
import pytest
import torch

import iaf  # noqa: F401  (registers the model)
from iaf import IAFNeurons
from lava_delays.deploy import export_nir, load_hdf5, netx_compatible, save_hdf5
from lava_delays.engine import simulate
from lava_delays.engine.factory import random_network, random_spikes
from lava_delays.engine.finetune import learner_parameters
from lava_delays.errors import ParameterError, UnsupportedFeatureError
from lava_delays.network import Network
from lava_delays.neurons import (LIFNeurons, NeuronModel, ReadoutNeurons, lookup, names,
                                 register)
from lava_delays.train.model import DelayNet, ModelConfig


def _trained_model():
    """A two-hidden-layer IAF model with every kind of delay, recurrence
    and a read-out, driven enough that every layer spikes."""
    cfg = ModelConfig(n_in=10, n_classes=3, hidden=(8, 6), neuron="iaf", delays="both",
                      recurrent=True, max_delay=5, axonal_max_delay=4, rec_max_delay=2,
                      seed=4)
    model = DelayNet(cfg)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():   # multiples of 1/64: float sums are exact in any order
        for block in model.blocks:
            for lin in (block.ff, block.rec):
                if lin is not None:
                    w = torch.randn(lin.weight.shape, generator=gen, dtype=torch.float64)
                    lin.weight.copy_(torch.round(w * 32 + 8) / 64)
    return model


def _forward(model, x):
    with torch.no_grad():
        return [out.numpy() for out in model.layer_outputs(torch.tensor(x))]


def _x(batch=3, steps=40, n_in=10, seed=1):
    return (np.random.default_rng(seed).random((batch, steps, n_in)) < 0.25).astype(np.float64)


def _assert_same_run(a, b, exact_readout=True):
    assert len(a.spikes) == len(b.spikes)
    for k, (sa, sb) in enumerate(zip(a.spikes, b.spikes)):
        np.testing.assert_array_equal(sa, sb, err_msg=f"layer {k}")
    if exact_readout:
        np.testing.assert_array_equal(a.readout, b.readout)
    else:
        np.testing.assert_allclose(a.readout, b.readout, rtol=1e-12, atol=1e-12)


def test_registry_knows_the_model():
    model = lookup("iaf")
    assert lookup(IAFNeurons(vth=2.0)) is model and "iaf" in names(spiking=True)
    assert names()[:3] == ["lif", "adlif", "readout"]
    assert lookup(LIFNeurons(du=0.1, dv=0.1, vth=1.0)).name == "lif"
    assert not lookup(ReadoutNeurons(du=0.1, dv=0.1)).spiking
    with pytest.raises(ParameterError, match="unknown neuron model 'izhikevich'"):
        lookup("izhikevich")
    with pytest.raises(ParameterError, match="unknown neuron parameters"):
        lookup(object())

    class Again(NeuronModel):
        name, params = "iaf", IAFNeurons
    with pytest.raises(ParameterError, match="taken"):
        register(Again())


def test_trainer_quantized_and_float_equal_the_engine():
    model = _trained_model()
    x = _x()
    float_outs = _forward(model, x)
    res = simulate(model.to_network(fixed=False), x)
    for k, spikes in enumerate(res.spikes):
        assert 0.02 < spikes.mean() < 0.8, f"layer {k} is silent or saturated"
        np.testing.assert_array_equal(float_outs[k].astype(bool), spikes)
    np.testing.assert_allclose(float_outs[-1], res.readout, rtol=1e-12, atol=1e-12)

    model.quantize()
    outs = _forward(model, x)
    net = model.to_network()
    assert net.fixed and isinstance(net.layers[0].neurons, IAFNeurons)
    res = simulate(net, x)
    for k, spikes in enumerate(res.spikes):
        assert 0.02 < spikes.mean() < 0.8, f"layer {k} is silent or saturated"
        np.testing.assert_array_equal(outs[k].astype(bool), spikes)
    np.testing.assert_array_equal(np.round(outs[-1] * (model.blocks[-1].scale << 6)),
                                  res.readout)


def test_trainer_gradients_reach_the_model():
    model = _trained_model()
    model(torch.tensor(_x())).sum().backward()
    groups = model.parameter_groups()
    assert not groups["adaptation"]                    # IAF has no parameters of its own
    for kind in ("weights", "synaptic", "axonal", "readout"):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in groups[kind]), kind


@pytest.mark.lava
def test_lava_both_tags_equal_the_engine():
    from lava_delays.proc.graph import run_lava
    model = _trained_model()
    x = _x(batch=2, steps=30)
    float_net = model.to_network(fixed=False)
    _assert_same_run(simulate(float_net, x), run_lava(float_net, x, "floating_pt"),
                     exact_readout=False)
    model.quantize()
    fixed_net = model.to_network()
    eng, lav = simulate(fixed_net, x), run_lava(fixed_net, x, "fixed_pt")
    assert all(spikes.any() for spikes in lav.spikes)
    _assert_same_run(eng, lav)
    assert eng.counts.total == lav.counts.total == 0


def test_random_network_engine_counts_saturation():
    net = random_network(6, [12, 3], neuron="iaf", fixed=True, weight_scale=4.0, seed=2)
    res = simulate(net, random_spikes(2, 50, 6, rate=0.3, seed=3))
    assert res.spikes[0].any()
    net.layers[0].neurons.vth = 2 ** 17             # 2**23: above the saturated voltage
    res = simulate(net, np.ones((1, 400, 6)))
    assert not res.spikes[0].any() and res.counts["v_saturate"] > 0


def test_hdf5_round_trip(tmp_path):
    model = _trained_model()
    model.quantize()
    net = model.to_network()
    path = save_hdf5(net, tmp_path / "iaf.h5")
    import h5py
    with h5py.File(path) as f:
        assert f["layer/1/neuron/model"][()] == b"iaf"
        assert f["layer/1/neuron/type"][()] == b"IAF"
        assert "iDecay" not in f["layer/1/neuron"]    # no CUBA form: no netx copies
    loaded = load_hdf5(path)
    assert loaded.layers[0].neurons == net.layers[0].neurons
    x = _x()
    _assert_same_run(simulate(net, x), simulate(loaded, x))


def test_what_cannot_express_it_says_so(tmp_path):
    model = _trained_model()
    model.quantize()
    net = model.to_network()
    check = netx_compatible(net)
    assert not check and "netx has no IAF neurons" in check.reason
    with pytest.raises(UnsupportedFeatureError, match="NIR has no IAF neuron node"):
        export_nir(net, tmp_path / "n.nir")
    with pytest.raises(UnsupportedFeatureError, match="LIF neurons only, not IAFNeurons"):
        learner_parameters(net)


def test_validation_goes_through_the_model():
    net = random_network(4, [5, 2], neuron="iaf", fixed=False, seed=0)
    net.layers[0].neurons.vth = -1.0
    with pytest.raises(ParameterError, match="layer 0: vth must be > 0"):
        net.validate()
    net.layers[0].neurons = object()
    with pytest.raises(ParameterError, match="layer 0: unknown neuron parameters"):
        Network(n_in=4, layers=net.layers, fixed=False).validate()
