"""Bad input raises a named exception that says what and where.

No Lava runtime is started: constructing a process only checks its
arguments and creates Vars and ports (no OS process).
"""
import numpy as np
import pytest

from lava_delays.engine import (AdLIFNeurons, Connection, Layer, LIFNeurons,
                                Network, ReadoutNeurons, simulate)
from lava_delays.errors import (DelayRangeError, LavaDelaysError,
                                NonFiniteError, ParameterError, ShapeError,
                                WeightRangeError)
from lava_delays.kernels import GaussianSurrogate
from lava_delays.kernels.adlif import ALPHA_RANGE, BETA_RANGE
from lava_delays.proc import LIF, AdLIF, AxonalDelay, LeakyReadout, SynapticDelayDense
from lava_delays.proc.graph import LavaGraph


def _raises(exc, fn, *must_contain):
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    for text in must_contain:
        assert text in msg, f"{text!r} not in {msg!r}"
    assert isinstance(info.value, LavaDelaysError)
    return msg


W = np.array([[10, -20, 30], [5, 0, -7]])


# --- SynapticDelayDense ------------------------------------------------------
@pytest.mark.parametrize("bad", [-1, 63, 1.5, 100])
def test_sdd_bad_delay(bad):
    delays = np.array([[0, 1, 2], [3, bad, 5]])
    _raises(DelayRangeError,
            lambda: SynapticDelayDense(weights=W, delays=delays, name="ff0"),
            "ff0", "delays")


def test_sdd_bad_scalar_delay():
    _raises(DelayRangeError,
            lambda: SynapticDelayDense(weights=W, delays=-1, name="ff0"), "ff0")


def test_sdd_nan_delay():
    # errors.DelayRangeError covers delays that are "not finite"
    delays = np.array([[0, 1, 2], [3, np.nan, 5]])
    _raises(DelayRangeError,
            lambda: SynapticDelayDense(weights=W, delays=delays, name="ff0"),
            "ff0", "delays")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_sdd_non_finite_weights(bad):
    w = W.astype(float)
    w[1, 2] = bad
    msg = _raises(NonFiniteError,
                  lambda: SynapticDelayDense(weights=w, delays=1, name="ff0"),
                  "ff0", "weights")
    assert "(1, 2)" in msg  # where in the matrix


def test_sdd_delay_weight_shape_mismatch():
    _raises(ShapeError,
            lambda: SynapticDelayDense(weights=W, delays=np.zeros((3, 2), int), name="ff0"),
            "ff0", "(3, 2)", "(2, 3)")


def test_sdd_3d_weights():
    _raises(ShapeError,
            lambda: SynapticDelayDense(weights=np.zeros((2, 3, 4)), delays=0, name="ff0"),
            "ff0", "2-D")


def test_sdd_max_delay_below_largest_delay():
    delays = np.array([[0, 1, 2], [3, 4, 5]])
    _raises(ParameterError,
            lambda: SynapticDelayDense(weights=W, delays=delays, max_delay=3, name="ff0"),
            "ff0", "max_delay")


def test_sdd_max_delay_above_62():
    _raises(DelayRangeError,
            lambda: SynapticDelayDense(weights=W, delays=1, max_delay=63, name="ff0"),
            "ff0", "max_delay")


@pytest.mark.parametrize("bad", [9, -9, 1.5])
def test_sdd_weight_exp(bad):
    _raises(ParameterError,
            lambda: SynapticDelayDense(weights=W, delays=1, weight_exp=bad, name="ff0"),
            "ff0", "weight_exp")


@pytest.mark.parametrize("w", [np.array([[256, 0]]), np.array([[300, -4]]),
                               np.array([[-257, 4]]), np.array([[-256, 0]])])
def test_sdd_integer_weights_out_of_8_bits(w):
    _raises(WeightRangeError,
            lambda: SynapticDelayDense(weights=w, delays=0, name="ff0"), "ff0")


def test_sdd_integer_weights_against_explicit_sign_mode():
    from lava.utils.weightutils import SignMode
    _raises(WeightRangeError,
            lambda: SynapticDelayDense(weights=np.array([[-1, 5]]), delays=0,
                                       sign_mode=SignMode.EXCITATORY, name="ff0"),
            "ff0")


def test_sdd_num_message_bits():
    _raises(ParameterError,
            lambda: SynapticDelayDense(weights=W, delays=0, num_message_bits=25, name="ff0"),
            "ff0")


def test_sdd_good_input_constructs():
    # the checks do not reject what lava accepts
    p = SynapticDelayDense(weights=W, delays=np.array([[0, 62, 1], [2, 3, 4]]), name="ok")
    assert p.a_buff.shape == (2, 63)
    SynapticDelayDense(weights=W.astype(float) / 3, delays=np.full(W.shape, 4.0))


def test_sdd_message_without_name_names_process():
    _raises(DelayRangeError, lambda: SynapticDelayDense(weights=W, delays=70),
            "SynapticDelayDense")


# --- AxonalDelay -------------------------------------------------------------
@pytest.mark.parametrize("bad", [-1, 63, 2.5])
def test_axonal_bad_delays(bad):
    _raises(DelayRangeError,
            lambda: AxonalDelay(shape=(3,), delays=np.array([0, bad, 1]), name="axon1"),
            "axon1")


def test_axonal_2d_shape():
    _raises(ShapeError,
            lambda: AxonalDelay(shape=(2, 3), delays=1, name="axon1"), "axon1")


def test_axonal_delay_shape_mismatch():
    _raises(ShapeError,
            lambda: AxonalDelay(shape=(4,), delays=np.array([1, 2]), name="axon1"),
            "axon1", "(2,)", "(4,)")


def test_axonal_max_delay_below_delays():
    _raises(ParameterError,
            lambda: AxonalDelay(shape=(2,), delays=np.array([1, 5]), max_delay=3,
                                name="axon1"), "axon1", "max_delay")


# --- neurons -----------------------------------------------------------------
@pytest.mark.parametrize("param", ["du", "dv", "vth", "bias_mant", "u", "v"])
def test_lif_nan_params(param):
    _raises(NonFiniteError, lambda: LIF(shape=(3,), **{param: np.nan}, name="hidden"),
            "hidden", param)


def test_lif_nan_in_array_param():
    bias = np.array([0.0, np.inf, 1.0])
    _raises(NonFiniteError, lambda: LIF(shape=(3,), bias_mant=bias, name="hidden"),
            "hidden", "bias_mant")


@pytest.mark.parametrize("sigma", [0.0, -0.3])
def test_lif_psi_sigma(sigma):
    _raises(ParameterError, lambda: LIF(shape=(3,), psi_sigma=sigma, name="hidden"),
            "hidden", "psi_sigma")


def _adlif_kw(n=3, **over):
    kw = dict(alpha=np.full(n, 0.9), beta=np.full(n, 0.99), a=np.full(n, 0.5),
              b=np.full(n, 1.0))
    kw.update(over)
    return kw


@pytest.mark.parametrize("param,bad", [("alpha", 0.5), ("alpha", 1.0), ("beta", 0.9),
                                       ("a", 1.5), ("b", -0.1)])
def test_adlif_out_of_range(param, bad):
    kw = _adlif_kw()
    kw[param] = np.array([kw[param][0], bad, kw[param][0]])
    _raises(ParameterError, lambda: AdLIF(shape=(3,), **kw, name="ad1"), "ad1", param)


def test_adlif_nan():
    kw = _adlif_kw()
    kw["alpha"] = np.array([0.9, np.nan, 0.9])
    _raises(NonFiniteError, lambda: AdLIF(shape=(3,), **kw, name="ad1"), "ad1", "alpha")
    _raises(NonFiniteError, lambda: AdLIF(shape=(3,), **_adlif_kw(), vth=np.nan, name="ad1"),
            "ad1", "vth")


def test_adlif_vth_and_sigma_positive():
    _raises(ParameterError, lambda: AdLIF(shape=(3,), **_adlif_kw(), vth=0.0, name="ad1"),
            "ad1")
    _raises(ParameterError,
            lambda: AdLIF(shape=(3,), **_adlif_kw(), psi_sigma=0.0, name="ad1"), "ad1")


def test_adlif_good_input_constructs():
    AdLIF(shape=(2,), alpha=np.array(ALPHA_RANGE), beta=np.array(BETA_RANGE), a=0.0, b=2.0)


@pytest.mark.parametrize("param", ["du", "dv", "bias_mant", "v"])
def test_readout_nan(param):
    _raises(NonFiniteError,
            lambda: LeakyReadout(shape=(3,), **{param: np.nan}, name="out"), "out", param)


def test_gaussian_surrogate_sigma_zero():
    _raises(ParameterError, lambda: GaussianSurrogate(sigma=0), "sigma")


# --- Network.validate ----------------------------------------------------------
def _net(fixed=True, **layer0_over):
    rng = np.random.default_rng(0)
    ff0 = Connection(weights=rng.integers(-50, 50, (4, 3)), delays=rng.integers(0, 5, (4, 3)))
    ff1 = Connection(weights=rng.integers(-50, 50, (2, 4)))
    lif = LIFNeurons(du=1024, dv=1024, vth=100) if fixed else LIFNeurons(du=0.2, dv=0.2, vth=1.0)
    out = ReadoutNeurons(du=1024, dv=256) if fixed else ReadoutNeurons(du=0.25, dv=0.1)
    l0 = Layer(ff=ff0, neurons=lif)
    for k, v in layer0_over.items():
        setattr(l0, k, v)
    if not fixed:
        l0.ff.weights = l0.ff.weights / 64.0
        ff1.weights = ff1.weights / 64.0
    return Network(n_in=3, layers=[l0, Layer(ff=ff1, neurons=out)], fixed=fixed)


def test_network_good_validates():
    assert _net().validate() is not None
    assert _net(fixed=False).validate() is not None


def test_network_wrong_weight_shape():
    net = _net()
    net.layers[1].ff.weights = np.zeros((2, 5), int)
    _raises(ShapeError, net.validate, "layer 1", "(2, 5)", "(2, 4)")


def test_network_no_layers():
    _raises(ShapeError, Network(n_in=3, layers=[]).validate)


def test_network_readout_not_last():
    net = _net()
    net.layers[0].neurons = ReadoutNeurons(du=1024, dv=256)
    _raises(ShapeError, net.validate, "layer 0", "last")


def test_network_delay_70():
    net = _net()
    net.layers[0].ff.delays = np.full((4, 3), 70)
    _raises(DelayRangeError, net.validate, "layer 0", "70")


def test_network_rec_delay_shape():
    net = _net()
    net.layers[0].rec = Connection(weights=np.zeros((4, 4), int), delays=np.zeros((4, 3), int))
    _raises(ShapeError, net.validate, "layer 0", "rec")


def test_network_fixed_with_fractional_weights():
    net = _net()
    net.layers[0].ff.weights = np.full((4, 3), 1.5)
    _raises(WeightRangeError, net.validate, "layer 0", "ff")


def test_network_fixed_weight_out_of_range():
    net = _net()
    w = np.zeros((2, 4), int)
    w[1, 1] = 300
    net.layers[1].ff.weights = w
    _raises(WeightRangeError, net.validate, "layer 1", "ff", "300")


def test_network_nan_weight():
    net = _net(fixed=False)
    net.layers[1].ff.weights[0, 0] = np.nan
    _raises(NonFiniteError, net.validate, "layer 1", "ff weights")


def test_network_bad_weight_exp():
    net = _net()
    net.layers[0].ff.weight_exp = 9
    _raises(ParameterError, net.validate, "layer 0", "weight_exp")


@pytest.mark.parametrize("fixed,du", [(True, 4096), (True, -1), (True, 10.5),
                                      (False, 1.5), (False, -0.1)])
def test_network_du_out_of_range(fixed, du):
    net = _net(fixed=fixed)
    net.layers[0].neurons.du = du
    _raises(ParameterError, net.validate, "layer 0", "du")


def test_network_adlif_param_out_of_range():
    net = _net(fixed=False)
    net.layers[0].neurons = AdLIFNeurons(alpha=np.full(4, 0.9), beta=np.full(4, 0.99),
                                         a=np.full(4, 0.5), b=np.full(4, 3.0))
    _raises(ParameterError, net.validate, "layer 0", "b")


def test_network_neuron_param_shape():
    net = _net()
    net.layers[0].neurons.bias_mant = np.zeros(5)
    _raises(ShapeError, net.validate, "layer 0", "bias_mant")


def test_network_axonal_delays_wrong_shape():
    net = _net(axonal_delays=np.array([1, 2]))
    _raises(ShapeError, net.validate, "layer 0", "axonal_delays", "(3,)")


def test_network_axonal_delay_out_of_range():
    net = _net(axonal_delays=np.array([1, 2, 63]))
    _raises(DelayRangeError, net.validate, "layer 0", "axonal_delays")


def test_network_max_delay_below_delays():
    net = _net()
    net.layers[0].ff.max_delay = 1
    net.layers[0].ff.delays = np.full((4, 3), 3)
    _raises(ParameterError, net.validate, "layer 0", "max_delay")


def test_network_axonal_max_delay_below_axonal_delays():
    # the synaptic max_delay is checked (test above); the axonal one must be too,
    # or the engine fails with a bare IndexError deep in the axonal kernel
    net = _net(axonal_delays=np.array([1, 2, 5]), axonal_max_delay=2)
    with pytest.raises(LavaDelaysError) as info:
        simulate(net, np.zeros((1, 5, 3)))
    assert "layer 0" in str(info.value)


# --- runners --------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 3), (1, 5, 4), (1, 5, 3, 1)])
def test_simulate_wrong_input_shape(shape):
    _raises(ShapeError, lambda: simulate(_net(), np.zeros(shape)), "(batch, T, 3)",
            str(shape))


def test_lava_graph_wrong_input_shape():
    # raised before any process is built, and never starts a runtime
    _raises(ShapeError, lambda: LavaGraph(_net(), np.zeros((1, 5, 4))), "(batch, T, 3)")


def test_simulate_validates_network():
    net = _net()
    net.layers[0].ff.delays = np.full((4, 3), -1)
    _raises(DelayRangeError, lambda: simulate(net, np.zeros((1, 5, 3))), "layer 0")


def test_rejected_process_leaves_no_error_behind():
    """A rejected constructor must not leave a half-built process whose
    ``__del__`` prints a second, confusing traceback ("Exception ignored in
    AbstractProcess.__del__ ... AttributeError: ... no attribute '_runtime'")
    after the clear error: the checks run before ``AbstractProcess.__init__``."""
    import gc
    import sys

    gc.collect()  # earlier tests' garbage is not this test's business
    seen = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(
        f"{type(u.object).__name__ if u.object else ''}: {u.exc_type.__name__}: {u.exc_value}")
    bad = [
        lambda: SynapticDelayDense(weights=W, delays=-1, name="ff0"),
        lambda: AxonalDelay(shape=(2,), delays=np.array([0, 70]), name="axon1"),
        lambda: LIF(shape=(3,), du=np.nan, name="hidden"),
        lambda: AdLIF(shape=(3,), **_adlif_kw(alpha=np.full(3, 0.1)), name="ad1"),
        lambda: LeakyReadout(shape=(3,), dv=np.nan, name="out"),
    ]
    try:
        for make in bad:
            with pytest.raises(LavaDelaysError):
                make()
            gc.collect()
    finally:
        sys.unraisablehook = old_hook
    assert seen == [], "\n".join(seen)
