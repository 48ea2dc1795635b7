"""Networks and comparisons shared by the deploy tests."""
import numpy as np

from lava_delays.engine import (AdLIFNeurons, Connection, Layer, LIFNeurons,
                                Network, ReadoutNeurons)
from lava_delays.kernels.adlif import ALPHA_RANGE, BETA_RANGE


def _weights(rng, shape, fixed, scale=60.0):
    if fixed:
        # even mantissas: mixed-sign weights lose their lowest bit on Loihi
        return (np.round(rng.normal(0, scale, shape) / 2) * 2).clip(-256, 254).astype(np.int64)
    return rng.normal(0, scale / 64, shape)


def _nonzero(w, fixed):
    # every synapse carries a weight, so that every delay matters
    w[w == 0] = 2 if fixed else 0.5
    return w


def kitchen_sink(fixed: bool, adlif: bool = True, seed: int = 0) -> Network:
    """FF + recurrent + axonal delays + (AdLIF) + read-out, with every
    optional field used somewhere (max_delay, axonal_max_delay, per-neuron
    arrays, Nones)."""
    rng = np.random.default_rng(seed)
    n_in, n1, n2, n3 = 5, 6, 4, 3

    def w(shape, scale=60.0):
        return _nonzero(_weights(rng, shape, fixed, scale), fixed)

    lif = LIFNeurons(du=1000 if fixed else 0.25, dv=np.array([300, 400, 500, 600, 700, 800])
                     if fixed else np.linspace(0.1, 0.6, n1), vth=150 if fixed else 1.5,
                     bias_mant=rng.integers(-3, 4, n1) if fixed else rng.normal(0, 0.1, n1),
                     bias_exp=3, psi_sigma=0.25)
    layer0 = Layer(ff=Connection(w((n1, n_in), 120), rng.integers(0, 7, (n1, n_in)),
                                 weight_exp=-1, max_delay=9),
                   neurons=lif, axonal_delays=rng.integers(0, 5, n_in), axonal_max_delay=6,
                   rec=Connection(w((n1, n1), 30), rng.integers(0, 3, (n1, n1)), weight_exp=1,
                                  max_delay=4))
    if adlif:
        nrn1 = AdLIFNeurons(alpha=rng.uniform(*ALPHA_RANGE, n2), beta=rng.uniform(*BETA_RANGE, n2),
                            a=rng.uniform(0, 1, n2), b=rng.uniform(0, 2, n2),
                            vth=64 if fixed else 1.0, psi_sigma=0.4)
    else:
        nrn1 = LIFNeurons(du=2000 if fixed else 0.5, dv=300 if fixed else 0.1,
                          vth=120 if fixed else 1.2)
    layer1 = Layer(ff=Connection(w((n2, n1), 120)), neurons=nrn1,
                   rec=Connection(w((n2, n2), 30)))
    readout = ReadoutNeurons(du=1024 if fixed else 0.25, dv=256 if fixed else 0.0625,
                             bias_mant=np.array([1, 0, -1]), bias_exp=6 if fixed else 0)
    layer2 = Layer(ff=Connection(w((n3, n2)), rng.integers(0, 4, (n3, n2)), weight_exp=0),
                   neurons=readout, axonal_delays=rng.integers(0, 3, n2))
    return Network(n_in=n_in, layers=[layer0, layer1, layer2], fixed=fixed).validate()


def netx_network(seed: int = 3) -> Network:
    """A fixed-point network netx can express: LIF with synaptic delays, a
    recurrent LIF layer without delays, a read-out with synaptic delays."""
    rng = np.random.default_rng(seed)
    n_in, n1, n2, n3 = 8, 10, 6, 3
    return Network(n_in=n_in, fixed=True, layers=[
        Layer(ff=Connection(_weights(rng, (n1, n_in), True, 120), rng.integers(0, 6, (n1, n_in))),
              neurons=LIFNeurons(du=1000, dv=500, vth=200,
                                 bias_mant=rng.integers(-2, 3, n1) * 16, bias_exp=2)),
        Layer(ff=Connection(_weights(rng, (n2, n1), True, 120)),
              rec=Connection(_weights(rng, (n2, n2), True, 40)),
              neurons=LIFNeurons(du=2000, dv=300, vth=150)),
        Layer(ff=Connection(_weights(rng, (n3, n2), True), rng.integers(0, 4, (n3, n2))),
              neurons=ReadoutNeurons(du=1024, dv=256, bias_mant=1, bias_exp=6)),
    ]).validate()


def _same_value(a, b, where):
    if a is None or b is None:
        assert a is None and b is None, f"{where}: {a!r} vs {b!r}"
        return
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), \
            f"{where}: array vs scalar ({type(a).__name__}, {type(b).__name__})"
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} vs {b.dtype}"
        assert a.shape == b.shape, f"{where}: shape {a.shape} vs {b.shape}"
        assert np.array_equal(a, b), f"{where}: values differ"
        return
    assert a == b, f"{where}: {a!r} vs {b!r}"


def assert_identical(a: Network, b: Network) -> None:
    """Same structure, values, dtypes, scalars-vs-arrays and Nones."""
    assert (a.n_in, a.fixed, len(a.layers)) == (b.n_in, b.fixed, len(b.layers))
    for k, (la, lb) in enumerate(zip(a.layers, b.layers, strict=True)):
        for name in ("ff", "rec"):
            ca, cb = getattr(la, name), getattr(lb, name)
            assert (ca is None) == (cb is None), f"layer {k} {name}"
            if ca is None:
                continue
            for field in ("weights", "delays", "weight_exp", "max_delay"):
                _same_value(getattr(ca, field), getattr(cb, field), f"layer {k} {name}.{field}")
        _same_value(la.axonal_delays, lb.axonal_delays, f"layer {k} axonal_delays")
        _same_value(la.axonal_max_delay, lb.axonal_max_delay, f"layer {k} axonal_max_delay")
        assert type(la.neurons) is type(lb.neurons), f"layer {k} neurons"
        for field, value in vars(la.neurons).items():
            _same_value(value, getattr(lb.neurons, field), f"layer {k} neurons.{field}")
