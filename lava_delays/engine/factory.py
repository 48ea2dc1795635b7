"""Random networks for tests, benchmarks and tutorials."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import ReadoutNeurons, lookup


def random_network(n_in: int, sizes: Sequence[int], *, fixed: bool = True,
                   max_delay: int = 8, axonal: bool = False, recurrent: bool = False,
                   neuron: str = "lif", readout: bool = True, weight_scale: float = 1.0,
                   seed: int = 0) -> Network:
    """A random feed-forward (optionally recurrent) network with delays.

    Parameters
    ----------
    n_in : int
        Input channels.
    sizes : sequence of int
        Layer sizes; the last is a :class:`ReadoutNeurons` layer if
        ``readout`` else a spiking layer.
    fixed : bool
        Integer (8-bit weights, 12-bit decays) or float parameters.
    max_delay : int
        Synaptic delays are uniform in 0..max_delay (also axonal ones).
    axonal, recurrent : bool
        Add axonal delays of every layer's input / recurrent connections.
    neuron : str
        A registered spiking neuron model with example parameters ("lif",
        "adlif").
    weight_scale : float
        Multiplies the weight spread (tune activity).
    """
    rng = np.random.default_rng(seed)
    model = lookup(neuron)
    # gains that give roughly 10-20 % spiking at 5 % input rate
    gain = model.example_gain(fixed)
    layers, n_prev = [], n_in
    for k, n in enumerate(sizes):
        last = k == len(sizes) - 1

        def conn(n_pre, gain):
            std = gain * weight_scale / np.sqrt(n_pre)
            if fixed:
                w = np.clip(np.round(rng.normal(0.0, std, (n, n_pre)) * 128 / 2) * 2,
                            -256, 254).astype(np.int64)
            else:
                w = rng.normal(0.0, std, (n, n_pre))
            d = rng.integers(0, max_delay + 1, (n, n_pre))
            return Connection(weights=w, delays=d, weight_exp=0)

        if last and readout:
            nrn = ReadoutNeurons(du=1024 if fixed else 0.25, dv=256 if fixed else 1 / 16)
        else:
            nrn = model.example_params(n, fixed, rng)
        layer = Layer(ff=conn(n_prev, gain), neurons=nrn)
        if axonal:
            layer.axonal_delays = rng.integers(0, max_delay + 1, n_prev)
        if recurrent and not (last and readout):
            layer.rec = conn(n, gain / 2)
        layers.append(layer)
        n_prev = n
    return Network(n_in=n_in, layers=layers, fixed=fixed).validate()


def random_spikes(batch: int, steps: int, n_in: int, rate: float = 0.05,
                  seed: int = 0) -> np.ndarray:
    """Bernoulli input spikes, shape (batch, steps, n_in), uint8."""
    rng = np.random.default_rng(seed)
    return (rng.random((batch, steps, n_in)) < rate).astype(np.uint8)
