"""Start on-line learning from a deployed network (on-device fine-tuning):
read a :class:`~lava_delays.network.Network` -- e.g. a trained,
quantized and exported model loaded with
:func:`lava_delays.deploy.load_hdf5` -- back into the float units of the
on-line learner (:meth:`lava_delays.engine.online.OnlineLearner.from_network`).

Units. The learner's float network has threshold 1 and input current in
threshold units, as the trainer's. A fixed-point layer with threshold
mantissa ``vth`` and weight mantissas ``m`` (``weight_exp`` e) has float
weights ``m 2**e / vth``; decays are ``(du + 1) / 4096`` and ``dv / 4096``
(:func:`~lava_delays.fixed_point.current_decay_to_float`,
:func:`~lava_delays.fixed_point.voltage_decay_to_float`).
The read-out has no threshold: a fixed-point read-out's weights are divided by ``readout_scale``
-- the read-out scale of the trainer, stored by ``lava-delays deploy`` in
the file's metadata (``scales[-1]``; :func:`readout_scale_of` reads it); without
it, the largest read-out weight becomes 1. The scale only sets the confidence
of the softmax the error is computed from -- the argmax is unchanged.

Fine-tuning a trained network wants smaller rates than learning from scratch
(about 0.1x the default weight and read-out rates), and *random* feedback
with hidden-weight learning moves a trained network away from what its
read-out expects (the random B is not aligned with it): on-chip, learn the
read-out and delays, or use symmetric feedback on the engine.

A network whose last layer spikes -- a lava-dl network exported by slayer,
which classifies by output spike counts -- starts with that layer as the
read-out: the same weights (divided by its threshold, as a hidden layer's)
and decays, no threshold; the learner classifies by read-out voltage, so
its starting accuracy can differ a little from the spike-count one.

Which neurons the learner takes is a property of their model
(:mod:`lava_delays.neurons`): its eligibility traces are the filter of CUBA
LIF neurons, so hidden layers must be CUBA neurons with a threshold and the
last layer a CUBA neuron -- models whose
:meth:`~lava_delays.neurons.registry.NeuronModel.cuba` form is None (AdLIF)
are refused with :class:`~lava_delays.errors.UnsupportedFeatureError`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from lava_delays.errors import UnsupportedFeatureError
from lava_delays.fixed_point import (MAX_DELAY, current_decay_to_float,
                                     voltage_decay_to_float)
from lava_delays.network import Network
from lava_delays.neurons import lookup


def _decays(cuba, fixed: bool):
    if not fixed:
        return float(cuba.du), float(cuba.dv)
    return current_decay_to_float(cuba.du), voltage_decay_to_float(cuba.dv)


def _float_weights(conn, vth: float, fixed: bool) -> np.ndarray:
    w = np.asarray(conn.weights, dtype=np.float64)
    if fixed:
        w = w * 2.0 ** int(conn.weight_exp)
    return w / vth


def _check_uniform(cuba, where: str, names) -> None:
    """The learner has one value per layer of ``names`` and no biases."""
    for name in names:
        if np.ndim(getattr(cuba, name)):
            raise UnsupportedFeatureError(f"{where}: per-neuron {name} is not supported "
                                          "by the on-line learner")
    if np.any(np.asarray(cuba.bias_mant) != 0):
        raise UnsupportedFeatureError(f"{where}: biases are not supported on-line")


def readout_scale_of(metadata: dict) -> Optional[float]:
    """The trainer's read-out scale from a deployed file's metadata
    (:func:`lava_delays.deploy.load_hdf5_metadata`), or None."""
    scales = (metadata or {}).get("scales") or []
    return float(scales[-1]) if scales and scales[-1] else None


def learner_parameters(net: Network, readout_scale: Optional[float] = None) -> dict:
    """Float parameters of ``net`` in the on-line learner's layout.

    Returns
    -------
    dict
        ``hidden`` sizes, ``delays`` kind, ``du``/``dv``/``readout_du``/
        ``readout_dv``, ``max_delay``, ``layers`` (per hidden layer: ff
        weights, synaptic delays or None, axonal delays or None, recurrent
        weights or None, recurrent delays or None), ``w_out``, ``recurrent``,
        ``recurrent_delays`` and ``spiking_output`` (the last layer had a
        threshold and became the read-out).

    Raises
    ------
    UnsupportedFeatureError
        For what the on-line learner does not have: AdLIF neurons, per-neuron
        or per-layer different decays/thresholds, read-out delays, biases.
    """
    net.validate()
    fixed = net.fixed
    *hidden, out = net.layers
    readout = lookup(out.neurons).cuba(out.neurons)
    if readout is None or not hidden:
        raise UnsupportedFeatureError("on-line learning needs hidden LIF layers followed by a "
                                      "read-out (or spiking CUBA output) layer")
    # a spiking output layer (lava-dl networks classify by output spike
    # counts) becomes the learner's leaky read-out: same weights and decays,
    # threshold dropped, weights in threshold units as a hidden layer's
    spiking_output = readout.vth is not None
    _check_uniform(readout, "output layer",
                   ("du", "dv", "bias_mant") + (("vth",) if spiking_output else ()))
    decays, layers, syn_any, ax_any = set(), [], False, False
    max_delay = 0
    for k, layer in enumerate(hidden):
        cuba = lookup(layer.neurons).cuba(layer.neurons)
        if cuba is None or cuba.vth is None:
            raise UnsupportedFeatureError(f"layer {k}: the on-line learner has LIF neurons only, "
                                          f"not {type(layer.neurons).__name__}")
        _check_uniform(cuba, f"layer {k}", ("du", "dv", "vth", "bias_mant"))
        decays.add(_decays(cuba, fixed))
        vth = float(cuba.vth)
        syn = None if layer.ff.delays is None else layer.ff.delay_matrix().astype(float)
        ax = None if layer.axonal_delays is None else np.asarray(layer.axonal_delays, float)
        rec = rec_d = None
        if layer.rec is not None:
            rec = _float_weights(layer.rec, vth, fixed)
            if layer.rec.delays is not None:
                rec_d = layer.rec.delay_matrix().astype(float)
                max_delay = max(max_delay, layer.rec.buffer_delay())
        if syn is not None and ax is not None and (syn + ax[None, :]).max() > MAX_DELAY:
            raise UnsupportedFeatureError(
                f"layer {k}: synaptic + axonal delay exceeds {MAX_DELAY}; the on-line learner "
                "routes their sum through one delay line")
        syn_any |= syn is not None
        ax_any |= ax is not None
        # the learner routes synaptic + axonal delay through one line
        max_delay = min(MAX_DELAY, max(max_delay, layer.ff.buffer_delay()
                                       + (int(ax.max(initial=0)) if ax is not None else 0)))
        layers.append((_float_weights(layer.ff, vth, fixed), syn, ax, rec, rec_d))
    if len(decays) > 1:
        raise UnsupportedFeatureError(f"hidden layers have different decays {sorted(decays)}; "
                                      "the on-line learner uses one du, dv")
    if np.any(out.ff.delay_matrix() != 0) or out.axonal_delays is not None or out.rec is not None:
        raise UnsupportedFeatureError("read-out delays / recurrence are not supported on-line")
    w_out = np.asarray(out.ff.weights, dtype=np.float64)
    if spiking_output:
        w_out = _float_weights(out.ff, float(readout.vth), fixed)
    elif fixed:
        w_out = w_out * 2.0 ** int(out.ff.weight_exp)
        scale = readout_scale or max(float(np.abs(w_out).max()), 1e-12)
        w_out = w_out / scale
    # a float network's read-out is already in float units: no scale
    (du, dv), = decays
    rdu, rdv = _decays(readout, fixed)
    kind = {(False, False): "none", (True, False): "synaptic", (False, True): "axonal",
            (True, True): "both"}[(syn_any, ax_any)]
    return {"hidden": tuple(layer.n_out for layer in hidden), "delays": kind, "du": du,
            "dv": dv, "readout_du": rdu, "readout_dv": rdv, "max_delay": max_delay,
            "layers": layers, "w_out": w_out, "recurrent": hidden[0].rec is not None,
            "recurrent_delays": any(layer[4] is not None for layer in layers),
            "spiking_output": spiking_output}
