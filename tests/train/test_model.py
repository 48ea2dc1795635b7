"""The trainer's quantized forward pass computes exactly what the fixed-point
engine computes (spikes and read-out), for every layer kind; its rounding
hooks equal the fixed-point spec's."""
import numpy as np
import pytest
import torch

from lava_delays.engine import simulate
from lava_delays.errors import ParameterError
from lava_delays.fixed_point import quantize_weights
from lava_delays.kernels.axonal import axonal_delay_step, new_axon_buffer
from lava_delays.train.axonal import AxonalDelay
from lava_delays.train.model import DelayNet, ModelConfig
from lava_delays.train.quantize import layer_scale, quantize_mantissa


def _run_blocks(model, x):
    with torch.no_grad():
        return [out.numpy() for out in model.layer_outputs(torch.tensor(x))]


@pytest.mark.parametrize("delays", ["none", "synaptic", "axonal", "both"])
@pytest.mark.parametrize("neuron", ["lif", "adlif"])
@pytest.mark.parametrize("recurrent", [False, True])
def test_quantized_forward_equals_fixed_point_engine(delays, neuron, recurrent):
    rng = np.random.default_rng(1)
    cfg = ModelConfig(n_in=20, n_classes=4, hidden=(16, 12), delays=delays, neuron=neuron,
                      recurrent=recurrent, max_delay=10, axonal_max_delay=6, seed=2)
    model = DelayNet(cfg)
    with torch.no_grad():   # enough drive that every layer spikes
        for block in model.blocks:
            block.ff.weight.mul_(4.0 if neuron == "lif" else 30.0)
    model.quantize()
    x = (rng.random((4, 50, 20)) < 0.2).astype(np.float64)
    outs = _run_blocks(model, x)
    res = simulate(model.to_network(), x)
    for k, spikes in enumerate(res.spikes):
        assert 0.01 < spikes.mean() < 0.9, f"layer {k} is silent or saturated"
        np.testing.assert_array_equal(outs[k].astype(bool), spikes)
    unit = model.blocks[-1].scale << 6
    np.testing.assert_array_equal(np.round(outs[-1] * unit), res.readout)
    assert sum(res.counts.values()) == 0


def test_quantize_mantissa_equals_spec():
    rng = np.random.default_rng(0)
    for w in (rng.normal(0, 60, (7, 9)), np.abs(rng.normal(0, 60, (7, 9))),
              -np.abs(rng.normal(0, 300, (7, 9)))):
        ours = quantize_mantissa(torch.tensor(w)).numpy()
        spec, exp, _ = quantize_weights(w, weight_exp=0)
        assert exp == 0
        np.testing.assert_array_equal(ours, spec)


def test_layer_scale_fills_eight_bits():
    w = torch.tensor([[0.5, -2.0], [1.0, 0.1]])
    s = layer_scale(w)
    assert s == 127 and abs(float(w.abs().max()) * s) <= 254
    assert layer_scale(torch.zeros(2, 2)) == 1


def test_axonal_delay_equals_kernel():
    rng = np.random.default_rng(3)
    axon = AxonalDelay(6, max_delay=9, init_delay=9, seed=1).double()
    x = (rng.random((2, 30, 6)) < 0.3).astype(np.float64)
    with torch.no_grad():
        ours = axon(torch.tensor(x)).numpy()
    d = axon.integer_delays().numpy()
    assert len(set(d.tolist())) > 2
    buf = new_axon_buffer(2, 6, 9, np.float64)
    ref = np.stack([axonal_delay_step(buf, x[:, t], d) for t in range(30)], 1)
    np.testing.assert_array_equal(ours, ref)


def test_gradients_reach_every_kind():
    cfg = ModelConfig(n_in=10, n_classes=3, hidden=(8,), delays="both", neuron="adlif",
                      recurrent=True, max_delay=5, axonal_max_delay=5)
    model = DelayNet(cfg).double()
    with torch.no_grad():
        model.blocks[0].ff.weight.mul_(20)
    x = (torch.rand(3, 40, 10, generator=torch.Generator().manual_seed(0)) < 0.3).double()
    model(x).sum().backward()
    for kind, params in model.parameter_groups().items():
        assert params, kind
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in params), kind


def test_float_model_cannot_export_fixed():
    model = DelayNet(ModelConfig(n_in=4, n_classes=2, hidden=(3,)))
    with pytest.raises(ParameterError, match="quantize the model first"):
        model.to_network(fixed=True)
    assert not model.to_network(fixed=False).fixed


@pytest.mark.parametrize("bad", [dict(delays="diagonal"), dict(neuron="izh"), dict(hidden=()),
                                 dict(max_delay=63), dict(axonal_max_delay=-1),
                                 dict(n_classes=1)])
def test_bad_model_config(bad):
    with pytest.raises(ParameterError):
        ModelConfig(**{"n_in": 4, "n_classes": 2, **bad})


def test_ste_wrap_and_saturate_equal_the_spec():
    """The torch twins of the 24-bit wrap / saturation equal the kernels'."""
    from lava_delays.fixed_point import STATE_LIMIT, saturate_state, wrap_state
    from lava_delays.train.quantize import ste_saturate, ste_wrap
    lim = STATE_LIMIT
    x = np.array([-2 * lim + 3, -lim - 1, -lim, -lim + 1, -5, 0, 7, lim - 1, lim, lim + 1,
                  2 * lim - 3], dtype=np.int64)
    np.testing.assert_array_equal(ste_wrap(torch.tensor(x, dtype=torch.float64)).numpy(),
                                  wrap_state(x))
    np.testing.assert_array_equal(ste_saturate(torch.tensor(x, dtype=torch.float64)).numpy(),
                                  saturate_state(x))
