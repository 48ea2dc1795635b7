"""How a :class:`~lava_delays.network.Network` maps onto lava-dl netx, and
which networks stock ``lava.lib.dl.netx.hdf5.Network`` runs exactly as our
Lava graph (:func:`lava_delays.proc.graph.run_lava`) does.

netx (lava-dl 0.6, ``netx/hdf5.py``) builds one block per ``dense`` layer
group: a ``Dense`` synapse (``DelayDense`` when the group has a ``delay``
dataset) into a lava ``LIF`` whose parameters come from ``neuron/``:

==============  =============================================================
netx dataset    lava ``LIF`` argument (ours)
==============  =============================================================
``iDecay``      ``du = iDecay - 1``, so ``iDecay = du + 1`` (lava adds the +1
                back: the current decays by ``iDecay / 4096``)
``vDecay``      ``dv = vDecay``
``vThMant``     ``vth = vThMant`` (a mantissa: the effective threshold is
                ``vThMant << 6``, as ours)
``bias``        ``bias_mant = bias`` at a fixed ``bias_exp = 6`` (a
                layer-level dataset, not in ``neuron/``)
``refDelay``,   written as slayer writes them (1, False); netx ignores them
``gradedSpike``
==============  =============================================================

netx re-scales the ``weight`` dataset (``netx.utils.optimize_weight_bits``)
and ignores any weight exponent: a layer's summed input is ``sum(weight)``.

netx builds CUBA neurons: a layer is expressible when its neuron model has a
CUBA form (:meth:`lava_delays.neurons.registry.NeuronModel.cuba`; LIF and
the read-out do). What netx cannot express (:func:`netx_compatible` says
which applies):

* float networks (netx builds the fixed-point Loihi models only),
* neurons without a CUBA form, e.g. AdLIF (netx knows CUBA, SDNN and RF
  neurons),
* axonal delays (the ``axonal_delay`` dataset is ours; netx ignores it),
* a ``weight_exp`` other than 0 (netx has no weight exponent),
* odd mixed-sign weights (Loihi and our models drop their lowest bit; netx
  chooses 9 weight bits for them and keeps it),
* per-neuron ``du``, ``dv`` or ``vth`` (lava's ``LIF`` holds one value),
* biases that are not a multiple of 64 (netx fixes ``bias_exp = 6``),
* a recurrent layer with synaptic delays: netx's ``dense_rec`` block reuses
  the feed-forward ``delay`` matrix for the recurrent synapses and drops
  their weight exponent, so recurrent layers must have ``ff.delays=None`` and
  no recurrent delays.

The read-out (:class:`~lava_delays.neurons.ReadoutNeurons`) *is* expressible:
it is written as a CUBA layer with ``vThMant = 1 << 17`` (the threshold netx
gives a dense layer without neurons): the effective threshold ``2**23`` lies
above the largest voltage ``2**23 - 1``, so it never spikes. In netx its
value is the LIF's voltage (``layers[-1].neuron.v``), not its output spikes.

The input layer is written as an ``input`` group with a ``shape`` and no
``neuron`` group: netx then only records the input shape and feeds the spikes
to the first dense block unchanged (with a ``neuron`` group it would insert a
layer of input neurons). netx's input is binary spikes
(``input_message_bits=0``).
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Optional

import numpy as np

from lava_delays.fixed_point import loihi_weights, scale_bias
from lava_delays.network import Connection, Network
from lava_delays.neurons import CubaParams, lookup

#: ``vThMant`` of a read-out layer: ``(1 << 17) << 6 = 2**23`` is above the
#: saturated voltage ``2**23 - 1``, so the CUBA neuron never spikes.
READOUT_THRESHOLD_MANT = 1 << 17
#: netx's fixed bias exponent (``get_neuron_params``: ``'bias_exp': 6``)
NETX_BIAS_EXP = 6
#: slayer's refractory delay for CUBA neurons (netx ignores it)
REF_DELAY = 1


def uniform_or_array(value):
    """``value`` as a Python scalar when all its entries are equal, else as an
    array (lava's ``LIF`` takes scalar du, dv and vth)."""
    arr = np.asarray(value)
    if arr.ndim == 0 or (arr.size and np.all(arr == arr.flat[0])):
        return arr.flat[0].item()
    return arr


def cuba_device_params(cuba: CubaParams) -> dict:
    """netx/slayer ``neuron/`` datasets of a fixed-point CUBA layer (LIF or
    read-out).

    Parameters
    ----------
    cuba : CubaParams
        The layer's CUBA form (its model's ``cuba``). Fixed point: ``du``,
        ``dv`` integers in 0..4095, ``vth`` an integer mantissa (None: the
        read-out).

    Returns
    -------
    dict
        ``type``, ``iDecay`` (du + 1, 1..4096), ``vDecay`` (dv, 0..4095),
        ``vThMant``, ``refDelay``, ``gradedSpike``; scalars where the
        parameter is uniform, arrays of shape (n,) otherwise.
    """
    vth = READOUT_THRESHOLD_MANT if cuba.vth is None else cuba.vth
    return {"type": "CUBA",
            "iDecay": uniform_or_array(np.asarray(cuba.du, dtype=np.int64) + 1),
            "vDecay": uniform_or_array(np.asarray(cuba.dv, dtype=np.int64)),
            "vThMant": uniform_or_array(np.asarray(vth, dtype=np.int64)),
            "refDelay": REF_DELAY,
            "gradedSpike": False}


def netx_bias(cuba: CubaParams, n: int) -> Optional[np.ndarray]:
    """netx ``bias`` (mantissa at ``bias_exp = 6``), shape (n,), of a fixed
    CUBA layer; None if the effective bias ``bias_mant << bias_exp`` is not a
    multiple of 64."""
    bias = np.broadcast_to(scale_bias(cuba.bias_mant, cuba.bias_exp), (n,))
    if np.any(bias % (1 << NETX_BIAS_EXP)):
        return None
    return (bias >> NETX_BIAS_EXP).astype(np.int64)


def netx_effective_weights(weights) -> Optional[tuple]:
    """The weights netx's ``Dense`` applies for a ``weight`` dataset.

    Replays ``netx.utils.optimize_weight_bits`` and the clip/truncation of
    lava's bit-accurate ``Dense``.

    Returns
    -------
    (effective, weight_exponent) or None
        ``effective`` (int64, shape of ``weights``) is summed and then shifted
        by ``weight_exponent``; None if netx cannot load the matrix (e.g. all
        weights zero).
    """
    from lava.lib.dl.netx.utils import optimize_weight_bits
    from lava.utils.weightutils import (clip_weights, determine_sign_mode,
                                        truncate_weights)
    w = np.asarray(weights).astype(np.int64)
    try:
        # optimize_weight_bits prints its warnings; keep them out of our output
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            opt, n_bits, exponent, _ = optimize_weight_bits(w.copy())
            sign_mode = determine_sign_mode(opt)
            eff = truncate_weights(clip_weights(opt, sign_mode, num_bits=8),
                                   sign_mode, n_bits)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return np.asarray(eff, dtype=np.int64), int(exponent)


def _same_weights_as_netx(conn: Connection) -> bool:
    ours = loihi_weights(conn.weights)
    theirs = netx_effective_weights(conn.weights)
    if theirs is None:
        return False
    eff, exponent = theirs
    if exponent > 0:
        return False
    # netx sums eff and shifts right by -exponent; that equals our sum of
    # `ours` exactly when eff == ours << -exponent entry by entry
    return np.array_equal(eff, ours << -exponent)


@dataclass(frozen=True)
class NetxCheck:
    """Result of :func:`netx_compatible`: truthy when compatible, else
    ``reason`` says what netx cannot express (and where)."""
    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def _all_zero(value) -> bool:
    return value is None or not np.any(np.asarray(value))


def netx_compatible(net: Network) -> NetxCheck:
    """Whether stock ``lava.lib.dl.netx.hdf5.Network`` loads the file
    :func:`~lava_delays.deploy.save_hdf5` writes for ``net`` and runs it with
    the same spikes (and read-out voltage) as :func:`lava_delays.proc.graph.run_lava`.

    Returns
    -------
    NetxCheck
        ``bool(result)`` is the answer; ``result.reason`` names the first
        obstacle (layer and part) when it is False.
    """
    net.validate()
    if not net.fixed:
        return NetxCheck(False, "netx runs fixed-point networks only (net.fixed is False)")
    for k, layer in enumerate(net.layers):
        where = f"layer {k}"
        model = lookup(layer.neurons)
        cuba = model.cuba(layer.neurons)
        if cuba is None:
            return NetxCheck(False, f"{where}: netx has no {model.label} neurons (CUBA, SDNN, "
                                    "RF only)")
        if not _all_zero(layer.axonal_delays):
            return NetxCheck(False, f"{where}: netx has no axonal delays")
        conns = [("ff", layer.ff)] + ([("rec", layer.rec)] if layer.rec is not None else [])
        for name, conn in conns:
            if conn.weight_exp != 0:
                return NetxCheck(False, f"{where} {name}: netx ignores weight_exp "
                                        f"({conn.weight_exp}); it must be 0")
            if not _same_weights_as_netx(conn):
                return NetxCheck(False, f"{where} {name}: netx would apply other weights "
                                        "(odd mixed-sign weights, or all weights zero)")
        if layer.rec is not None:
            if layer.ff.delays is not None:
                return NetxCheck(False, f"{where}: netx's dense_rec block reuses the ff "
                                        "delays for the recurrent synapses; a recurrent "
                                        "layer must have ff.delays=None")
            if not _all_zero(layer.rec.delays):
                return NetxCheck(False, f"{where}: netx has no recurrent synaptic delays")
        params = cuba_device_params(cuba)
        for key in ("iDecay", "vDecay", "vThMant"):
            if np.ndim(params[key]):
                return NetxCheck(False, f"{where}: lava's LIF takes one {key}, the "
                                        "network has one per neuron")
        if netx_bias(cuba, layer.n_out) is None:
            return NetxCheck(False, f"{where}: netx fixes bias_exp=6; the effective bias "
                                    "bias_mant << bias_exp must be a multiple of 64")
    return NetxCheck(True)


__all__ = ["READOUT_THRESHOLD_MANT", "NetxCheck", "cuba_device_params", "netx_bias",
           "netx_compatible", "netx_effective_weights"]
