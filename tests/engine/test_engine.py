"""The batched engine (:func:`lava_delays.engine.simulate`), without Lava."""
import numpy as np
import pytest

from lava_delays.engine import (Connection, Layer, LIFNeurons, Network,
                                ReadoutNeurons, SimResult, simulate)
from lava_delays.engine.factory import random_network, random_spikes
from lava_delays.fixed_point import OverflowCounter


def _nontrivial(res):
    for k, s in enumerate(res.spikes):
        fired = s.any(axis=(0, 1))
        assert 0 < fired.sum() < s.shape[-1], f"layer {k}"


@pytest.mark.parametrize("fixed", [True, False], ids=["fixed", "float"])
def test_deterministic(fixed):
    net = random_network(10, [14, 4], fixed=fixed, recurrent=True, axonal=True, seed=3)
    x = random_spikes(3, 40, 10, rate=0.2, seed=4)
    a, b = simulate(net, x), simulate(net, x)
    _nontrivial(a)
    for sa, sb in zip(a.spikes, b.spikes):
        np.testing.assert_array_equal(sa, sb)
    np.testing.assert_array_equal(a.readout, b.readout)
    assert a.counts == b.counts
    # the input array is not modified
    np.testing.assert_array_equal(x, random_spikes(3, 40, 10, rate=0.2, seed=4))


@pytest.mark.parametrize("kind", ["ff", "recurrent_axonal", "adlif"])
@pytest.mark.parametrize("fixed", [True, False], ids=["fixed", "float"])
def test_batch_rows_independent(kind, fixed):
    kw = {"ff": dict(sizes=[14, 10, 4]),
          "recurrent_axonal": dict(sizes=[14, 4], recurrent=True, axonal=True),
          "adlif": dict(sizes=[14, 4], neuron="adlif")}[kind]
    net = random_network(10, fixed=fixed, seed=5, **kw)
    x = random_spikes(4, 35, 10, rate=0.2, seed=6)
    together = simulate(net, x)
    _nontrivial(together)
    for b in range(4):
        alone = simulate(net, x[b:b + 1])
        for k, (st, sa) in enumerate(zip(together.spikes, alone.spikes)):
            np.testing.assert_array_equal(st[b], sa[0], err_msg=f"sample {b} layer {k}")
        np.testing.assert_array_equal(together.readout[b], alone.readout[0])
    # different samples really give different outputs
    assert not np.array_equal(together.readout[0], together.readout[1])


def test_predict():
    readout = np.zeros((3, 4, 5))
    readout[0, :, 2] = 1.0
    readout[1, 0, 4] = 10.0
    readout[1, 1:, 1] = 3.0  # 9 < 10: summed over time, not last step
    readout[2, :, 0] = -1.0
    readout[2, :, 3] = 0.5
    res = SimResult(spikes=[], readout=readout)
    np.testing.assert_array_equal(res.predict(), [2, 4, 3])
    spikes = np.zeros((2, 6, 3), bool)
    spikes[0, :4, 1] = True
    spikes[1, :2, 0] = True
    spikes[1, 3, 2] = True
    res = SimResult(spikes=[np.zeros((2, 6, 7), bool), spikes], readout=None)
    np.testing.assert_array_equal(res.predict(), [1, 0])
    assert isinstance(res.counts, OverflowCounter)


def test_predict_from_simulation():
    net = random_network(10, [14, 4], seed=8)
    x = random_spikes(5, 40, 10, rate=0.2, seed=9)
    res = simulate(net, x)
    pred = res.predict()
    assert pred.shape == (5,)
    np.testing.assert_array_equal(pred, res.readout.sum(axis=1).argmax(axis=-1))


def _single_path(a, d, fixed, neurons, steps, t0=0, weight=None):
    """1 input -> 1 neuron with axonal delay a and synaptic delay d."""
    w = weight if weight is not None else (100 if fixed else 1.0)
    layer = Layer(ff=Connection(weights=np.array([[w]]), delays=np.array([[d]])),
                  neurons=neurons, axonal_delays=np.array([a]))
    net = Network(n_in=1, layers=[layer], fixed=fixed)
    x = np.zeros((1, steps, 1), np.uint8)
    x[0, t0, 0] = 1
    return simulate(net, x)


@pytest.mark.parametrize("fixed", [True, False], ids=["fixed", "float"])
@pytest.mark.parametrize("a,d", [(0, 0), (0, 3), (2, 0), (3, 4), (1, 62), (62, 62)])
def test_latency_is_axonal_plus_one_plus_synaptic(a, d, fixed):
    steps = a + d + 6
    # read-out voltage: the current decays fully each step, v integrates it
    ro = ReadoutNeurons(du=4095, dv=0) if fixed else ReadoutNeurons(du=1.0, dv=0.0)
    v = _single_path(a, d, fixed, ro, steps).readout[0, :, 0]
    first = np.flatnonzero(v)[0]
    assert first == a + 1 + d
    assert v[first] == (100 << 6 if fixed else 1.0)
    # spike time of a LIF neuron with a big weight
    lif = (LIFNeurons(du=4095, dv=4095, vth=10) if fixed
           else LIFNeurons(du=1.0, dv=1.0, vth=0.5))
    for t0 in (0, 2):
        s = _single_path(a, d, fixed, lif, steps + 2, t0=t0).spikes[0][0, :, 0]
        np.testing.assert_array_equal(np.flatnonzero(s), [t0 + a + 1 + d])


@pytest.mark.parametrize("fixed", [True, False], ids=["fixed", "float"])
@pytest.mark.parametrize("r", [0, 2])
def test_recurrent_latency(r, fixed):
    """A self-connection with delay r: a spike at t comes back at t + 1 + r."""
    big = 100 if fixed else 1.0
    lif = (LIFNeurons(du=4095, dv=4095, vth=10) if fixed
           else LIFNeurons(du=1.0, dv=1.0, vth=0.5))
    layer = Layer(ff=Connection(weights=np.array([[big]])), neurons=lif,
                  rec=Connection(weights=np.array([[big]]), delays=np.array([[r]])))
    net = Network(n_in=1, layers=[layer], fixed=fixed)
    x = np.zeros((1, 12, 1), np.uint8)
    x[0, 0, 0] = 1
    s = simulate(net, x).spikes[0][0, :, 0]
    expected = [1 + k * (1 + r) for k in range(12) if 1 + k * (1 + r) < 12]
    np.testing.assert_array_equal(np.flatnonzero(s), expected)


def test_overflow_counts_when_u_exceeds_24_bits():
    n_in = 8
    layer = Layer(ff=Connection(weights=np.full((2, n_in), 254), weight_exp=7),
                  neurons=LIFNeurons(du=0, dv=0, vth=2 ** 17 - 1))
    net = Network(n_in=n_in, layers=[layer], fixed=True)
    x = np.ones((2, 10, n_in), np.uint8)
    res = simulate(net, x)
    # per step: 8 * 254 << 7 = 260096 > 2**15 and << 6 = 16.6e6 > 2**23
    assert res.counts["activation_overflow"] > 0
    assert res.counts["u_wrap"] > 0
    assert res.counts.total >= res.counts["u_wrap"] + res.counts["activation_overflow"]
    # a mild network reports nothing
    net = random_network(10, [14, 4], seed=3)
    assert simulate(net, random_spikes(2, 30, 10, seed=1)).counts.total == 0


def test_overflow_counts_readout_saturation():
    layer = Layer(ff=Connection(weights=np.full((1, 4), 254), weight_exp=3),
                  neurons=ReadoutNeurons(du=4095, dv=0))
    net = Network(n_in=4, layers=[layer], fixed=True)
    res = simulate(net, np.ones((1, 50, 4), np.uint8))
    assert res.counts["v_saturate"] > 0
    assert res.readout.max() == 2 ** 23 - 1


def test_float_network_counts_nothing():
    net = random_network(10, [14, 4], fixed=False, weight_scale=50.0, seed=3)
    res = simulate(net, random_spikes(2, 30, 10, rate=0.5, seed=1))
    assert res.counts.total == 0
    assert res.readout.dtype == np.float64


def test_output_shapes_and_dtypes():
    net = random_network(10, [14, 9, 4], seed=2)
    res = simulate(net, random_spikes(3, 20, 10, seed=2))
    assert [s.shape for s in res.spikes] == [(3, 20, 14), (3, 20, 9)]
    assert all(s.dtype == bool for s in res.spikes)
    assert res.readout.shape == (3, 20, 4)
    assert res.readout.dtype == np.int64
    net = random_network(10, [14, 9], readout=False, seed=2)
    res = simulate(net, random_spikes(3, 20, 10, seed=2))
    assert res.readout is None and len(res.spikes) == 2
