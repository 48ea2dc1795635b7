"""Networks written by lava-dl itself (slayer blocks' ``export_hdf5``, the
netx layout) as a :class:`~lava_delays.network.Network`, with the output
lava-dl's own ``netx.hdf5.Network`` gives in Lava.

netx (lava-dl 0.6) reads a ``/layer/<k>`` group per block. This reader takes
what netx turns into a ``Dense``/``DelayDense`` synapse and a CUBA ``LIF``,
the same way:

==================  =========================================================
netx layer          our layer
==================  =========================================================
``input``           (no neurons) the input size; with neurons: unsupported
``dense``           ``Connection(weight, delay)`` + ``LIFNeurons``
``dense_rec``       the same + ``rec=Connection(weight_rec)`` (no delays)
``neuron/type``     ``CUBA`` / ``LOIHI`` -> LIF: ``du = iDecay - 1``,
                    ``dv = vDecay``, ``vth = vThMant``; ``bias`` at
                    ``bias_exp = 6``
``delay``           a matrix as it is; one value per output neuron (slayer's
                    delay of a block's output) on every synapse *into* that
                    neuron, one per input on every synapse *from* it (as
                    netx); values above 62 are clamped, as netx does
==================  =========================================================

netx re-scales the weights to the fewest weight bits that hold them exactly
(``optimize_weight_bits``): the neuron sees the same summed input as with
the integer weights and no exponent, which is what is built here. The last
layer keeps its spiking neurons (a sample's class is then its most active
output neuron). Blocks netx builds but this library has no model for
(convolution, pooling, sigma-delta and resonate-and-fire neurons, complex
or graded-spike layers) raise one :class:`~lava_delays.errors.
UnsupportedFeatureError` naming every one of them.
"""
from __future__ import annotations

from pathlib import Path
from typing import List

import numpy as np

from lava_delays.errors import NetworkFileError, UnsupportedFeatureError
from lava_delays.fixed_point import MAX_DELAY
from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import LIFNeurons

#: netx's fixed bias exponent
BIAS_EXP = 6
CUBA_TYPES = (b"CUBA", b"LOIHI", "CUBA", "LOIHI")


def is_netx_file(f) -> bool:
    """Whether an open h5py file looks like a lava-dl netx file (a ``layer``
    group whose members have a ``type``)."""
    layers = f.get("layer")
    return layers is not None and len(layers) > 0 and all(
        "type" in layers[k] for k in layers)


def _text(value) -> str:
    value = np.asarray(value).ravel()[0] if np.ndim(value) else value
    return value.decode() if isinstance(value, bytes) else str(value)


def _unsupported(name: str, g) -> List[str]:
    """Why netx layer ``g`` cannot be read (empty when it can)."""
    kind = _text(g["type"][()])
    if kind == "input":
        return [f"{name}: input layer with neurons"] if "neuron" in g else []
    if kind not in ("dense", "dense_rec"):
        return [f"{name}: {kind} layer"]
    out = []
    if "weight/imag" in g or "weight" not in g:
        out.append(f"{name}: complex-valued dense layer")
    if "neuron" in g:
        neuron = g["neuron"]
        ntype = _text(neuron["type"][()]) if "type" in neuron else "?"
        if ntype not in ("CUBA", "LOIHI"):
            out.append(f"{name}: {ntype} neurons")
        if "gradedSpike" in neuron and bool(np.asarray(neuron["gradedSpike"][()])):
            out.append(f"{name}: graded spikes")
        if "iDecay" in neuron and int(np.asarray(neuron["iDecay"][()])) < 1:
            out.append(f"{name}: current decay 0 (iDecay 0; our LIF's current decays)")
        if "messageBits" in neuron and int(np.asarray(neuron["messageBits"][()])):
            out.append(f"{name}: graded spikes ({int(np.asarray(neuron['messageBits'][()]))} "
                       f"message bits)")
    else:
        out.append(f"{name}: dense layer without neurons (netx's default integrator)")
    return out


def _delays(g, weight: np.ndarray, where: str):
    if "delay" not in g:
        return None, 0
    d = np.asarray(g["delay"][()], dtype=np.float64)
    if d.ndim == 0:
        d = np.full(weight.shape, float(d))
    elif d.ndim == 1 and d.size == weight.shape[0]:        # per output neuron
        d = np.repeat(d.reshape(-1, 1), weight.shape[1], axis=1)
    elif d.ndim == 1 and d.size == weight.shape[1]:        # per input
        d = np.repeat(d.reshape(1, -1), weight.shape[0], axis=0)
    elif d.shape != weight.shape:
        raise NetworkFileError(f"{where}/delay has shape {d.shape}, which fits neither the "
                               f"weights {weight.shape} nor one of their axes")
    if not np.all(np.isfinite(d)) or d.min() < 0 or np.any(d != np.round(d)):
        raise NetworkFileError(f"{where}/delay must hold integers >= 0")
    clamped = int(np.count_nonzero(d > MAX_DELAY))
    return np.minimum(d, MAX_DELAY).astype(np.int64), clamped


def _weights(g, name: str, shape: int, where: str) -> np.ndarray:
    w = np.asarray(g[name][()], dtype=np.float64)
    if w.ndim == 1:
        w = w.reshape(shape, -1)
    if not np.all(np.isfinite(w)) or np.any(w != np.round(w)):
        raise NetworkFileError(f"{where}/{name} must hold integer weights (a quantized "
                               f"slayer export)")
    return w.astype(np.int64)


def read_netx(f, path: Path) -> tuple:
    """``(network, clamped delays)`` of an open netx file ``f``."""
    groups = f["layer"]
    names = sorted(groups.keys(), key=int)
    problems = [p for k in names for p in _unsupported(f"/layer/{k}", groups[k])]
    if problems:
        raise UnsupportedFeatureError(f"{path}: lava-delays cannot run these netx blocks: "
                                      f"{'; '.join(problems)}")
    layers, n_in, clamped = [], None, 0
    for k in names:
        g, where = groups[k], f"{path}:/layer/{k}"
        if _text(g["type"][()]) == "input":
            n_in = int(np.prod(np.asarray(g["shape"][()]))) if "shape" in g else n_in
            continue
        n_out = int(np.prod(np.asarray(g["shape"][()])))
        weight = _weights(g, "weight", n_out, where)
        if n_in is None:
            n_in = weight.shape[1]
        delays, c = _delays(g, weight, where)
        clamped += c
        neuron = g["neuron"]
        bias = np.asarray(g["bias"][()], dtype=np.int64) if "bias" in g else 0
        nrn = LIFNeurons(du=int(np.asarray(neuron["iDecay"][()])) - 1,
                         dv=int(np.asarray(neuron["vDecay"][()])),
                         vth=int(np.asarray(neuron["vThMant"][()])),
                         bias_mant=bias, bias_exp=BIAS_EXP if np.any(bias) else 0)
        rec = None
        if _text(g["type"][()]) == "dense_rec":
            rec = Connection(weights=_weights(g, "weight_rec", n_out, where))
        layers.append(Layer(ff=Connection(weights=weight, delays=delays,
                                          max_delay=None if delays is None else
                                          int(delays.max(initial=0))),
                            neurons=nrn, rec=rec))
    if not layers:
        raise NetworkFileError(f"{path}: the netx file has no dense layer")
    return Network(n_in=int(n_in), layers=layers, fixed=True), clamped


__all__ = ["is_netx_file", "read_netx"]
