"""The trainer's torch neurons are twins of the numpy kernels: every code path
(float and quantized; LIF spiking, read-out, AdLIF+) gives the kernel's
spikes / voltage exactly, including the wrap and saturation of the fixed-point
state. The kernel runs through the neuron registry, as the engine runs it."""
import numpy as np
import pytest
import torch

from lava_delays.fixed_point import THRESHOLD_SHIFT, OverflowCounter
from lava_delays.neurons import lookup

N, STEPS = 10, 300
SCALE = 150
OPTIONS = {"lif": dict(du=0.3, dv=0.1, psi_sigma=0.3), "readout": dict(du=0.2, dv=0.05),
           "adlif": dict(psi_sigma=0.4)}
#: (mean, std) of the input current: float, and quantized in the spiking regime
CURRENTS = {"lif": ((0.1, 0.3), (5, 40)), "readout": ((0.4, 1.0), (20, 60)),
            "adlif": ((2.0, 1.5), (200, 200))}


def _kernel(name, params, current, fixed):
    """Outputs (batch, T, n) and overflow counts of the registered kernel."""
    model = lookup(name)
    kernel_params = model.kernel_params(params, fixed)
    state = model.init_state(current.shape[0], N, fixed)
    counter = OverflowCounter()
    outs = []
    for t in range(current.shape[1]):
        a_in = current[:, t].astype(np.int64 if fixed else np.float64)
        s, _ = model.step(state, a_in, kernel_params, fixed=fixed, counter=counter)
        outs.append(np.array(model.output(state, s), dtype=np.float64))
    return np.stack(outs, 1), counter


def _currents(name, fixed, rng):
    (float_mean, float_std), (mean, std) = CURRENTS[name]
    if not fixed:
        return rng.normal(float_mean, float_std, (3, STEPS, N))
    # sample 0 spikes; samples 1 and 2, beyond the 16-bit activation range,
    # wrap u and saturate v (LIF) or saturate u and w (AdLIF)
    small = np.round(rng.normal(mean, std, (1, STEPS, N)))
    large = np.round(rng.normal(0, 2 ** 17, (1, STEPS, N)))
    return np.concatenate([small, large, np.full((1, STEPS, N), 2.0 ** 20)])


@pytest.mark.parametrize("fixed", [False, True], ids=["float", "quantized"])
@pytest.mark.parametrize("name", ["lif", "readout", "adlif"])
def test_trainer_neurons_equal_the_kernel(name, fixed):
    rng = np.random.default_rng(5)
    model = lookup(name)
    module = model.trainer(N, OPTIONS[name], seed=11).double()
    if name == "adlif":
        with torch.no_grad():   # two neurons whose w follows u fully and as fast as
            module.a[:2] = 1.0  # the range allows (beta clamps to its lower bound):
            module.beta[:2] = 0.0   # w saturates with u
    if fixed:
        module.scale = SCALE
    current = _currents(name, fixed, rng)
    with torch.no_grad():
        ours = module(torch.tensor(current)).numpy()
    ref, counts = _kernel(name, model.from_trainer(module, fixed, SCALE if fixed else None),
                          current, fixed)
    if model.spiking:
        assert 0.02 < ref[0].mean() < 0.8, "the first sample must spike, but not always"
        np.testing.assert_array_equal(ours, ref)
    else:
        unit = float(SCALE << THRESHOLD_SHIFT) if fixed else 1.0
        np.testing.assert_array_equal(ours, ref / unit)
        assert np.abs(ref).max() > 0
    if fixed:
        wrapped = {"lif": ("u_wrap", "v_saturate"), "readout": ("u_wrap", "v_saturate"),
                   "adlif": ("u_saturate", "w_saturate")}[name]
        for event in wrapped:
            assert counts[event] > 0, f"{event} not exercised: {dict(counts)}"


def test_lif_threshold_and_reset_gradient_options():
    """The float LIF with another threshold, and with the reset invisible to
    the gradient (as the BPTT reference of the on-line rule uses it), still
    spikes as the kernel does; only the gradient differs."""
    from lava_delays.neurons import LIFNeurons
    from lava_delays.train.lif import LIF
    rng = np.random.default_rng(2)
    current = rng.normal(0.3, 0.6, (2, STEPS, N))
    ref, _ = _kernel("lif", LIFNeurons(du=0.3, dv=0.1, vth=1.7), current, False)
    assert 0.02 < ref.mean() < 0.8
    grads = []
    for passes in (False, True):
        x = torch.tensor(current, requires_grad=True)
        out = LIF(N, du=0.3, dv=0.1, vth=1.7, reset_passes_gradient=passes)(x)
        np.testing.assert_array_equal(out.detach().numpy(), ref)
        out.sum().backward()
        grads.append(x.grad.numpy())
    assert not np.allclose(*grads)
