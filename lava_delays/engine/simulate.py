"""Batched engine: runs a :class:`~lava_delays.network.Network` over
(batch x time) with the same kernels the Lava models call.

Step order is the Lava graph's, so spikes are bit-identical to a Lava run of
the same network (:func:`lava_delays.proc.graph.run_lava`):

for each step t, for each layer: the delay lines *emit* what is due (a Lava
``SynapticDelayDense`` sends before it receives), the neurons step, and then
the delay lines *ingest* this step's presynaptic spikes (after the axonal
delay) and the layer's own spikes (recurrent connection).
"""
from __future__ import annotations

import numpy as np

from lava_delays.errors import ShapeError
from lava_delays.fixed_point import OverflowCounter, loihi_weights
from lava_delays.kernels.axonal import axonal_delay_step, new_axon_buffer
from lava_delays.kernels.delay_line import (SynapseTable, delay_line_emit,
                                            delay_line_ingest, new_buffer)
from lava_delays.network import Connection, Network
from lava_delays.neurons import lookup
from lava_delays.result import SimResult


class _DelayLine:
    """A connection's kernel state for one batch."""

    def __init__(self, conn: Connection, batch: int, fixed: bool, where: str):
        weights = (loihi_weights(conn.weights, where=where) if fixed
                   else np.asarray(conn.weights, dtype=np.float64))
        self.table = SynapseTable(weights, conn.delay_matrix())
        self.buf = new_buffer(batch, conn.shape[0], conn.buffer_delay(), fixed)
        self.weight_exp = int(conn.weight_exp) if fixed else 0
        self.scratch = {}

    def emit(self):
        return delay_line_emit(self.buf)

    def ingest(self, spikes):
        delay_line_ingest(self.buf, spikes, self.table, self.weight_exp, self.scratch)


class _Neurons:
    """A layer's neuron model with its kernel parameters and state."""

    def __init__(self, params, batch: int, n: int, fixed: bool):
        self.model = lookup(params)
        self.params = self.model.kernel_params(params, fixed)
        self.state = self.model.init_state(batch, n, fixed)
        self.fixed = fixed

    def step(self, a_in, counter, surrogate=None):
        return self.model.step(self.state, a_in, self.params, fixed=self.fixed,
                               counter=counter, surrogate=surrogate)

    def output(self, spikes):
        return self.model.output(self.state, spikes)


class Engine:
    """Step-by-step state of a network run on a batch (runner 2).

    :func:`simulate` loops :meth:`step` over time; the online learner
    (:mod:`lava_delays.engine.online`) calls it too and reads ``psi`` and
    the per-layer inputs for its eligibility traces, changing weights and
    delays between samples through the tables.

    Parameters
    ----------
    net : Network
    batch : int
    surrogates : list of GaussianSurrogate or None, optional
        Per layer; where given, :meth:`step` also returns psi for the layer.
    """

    def __init__(self, net: Network, batch: int, surrogates=None):
        fixed = net.fixed
        self.net, self.batch, self.fixed = net, batch, fixed
        self.counter = OverflowCounter()
        self.lines, self.recs, self.axons, self.neurons = [], [], [], []
        self.surrogates = surrogates or [None] * len(net.layers)
        for k, layer in enumerate(net.layers):
            self.lines.append(_DelayLine(layer.ff, batch, fixed, f"layer {k} ff"))
            self.recs.append(None if layer.rec is None else
                             _DelayLine(layer.rec, batch, fixed, f"layer {k} rec"))
            if layer.axonal_delays is not None:
                d = np.asarray(layer.axonal_delays, dtype=np.int64)
                top = (layer.axonal_max_delay if layer.axonal_max_delay is not None
                       else d.max(initial=0))
                self.axons.append([new_axon_buffer(batch, layer.n_in, top,
                                                   np.int64 if fixed else np.float64), d])
            else:
                self.axons.append(None)
            self.neurons.append(_Neurons(layer.neurons, batch, layer.n_out, fixed))
        self.spiking = [nrn.model.spiking for nrn in self.neurons]
        self.in_dtype = np.int64 if fixed else np.float64

    def step(self, x: np.ndarray):
        """Advance one time step with input spikes ``x`` (batch, n_in).

        Returns
        -------
        inputs : list of ndarray
            Per layer, the presynaptic spikes it ingested this step (after
            its axonal delay).
        outputs : list of ndarray
            Per layer, its spikes (bool) -- or the voltage of a read-out.
        psi : list of ndarray or None
            Per layer, the surrogate derivative where a surrogate was given.
        """
        x = np.asarray(x).astype(self.in_dtype)
        inputs, outputs, psis = [], [], []
        for k in range(len(self.net.layers)):
            a_in = self.lines[k].emit()
            if self.recs[k] is not None:
                a_in += self.recs[k].emit()
            s, psi = self.neurons[k].step(a_in, self.counter, self.surrogates[k])
            if self.axons[k] is not None:
                x = axonal_delay_step(self.axons[k][0], x, self.axons[k][1])
            self.lines[k].ingest(x)
            if self.recs[k] is not None:
                self.recs[k].ingest(s)
            inputs.append(x)
            outputs.append(self.neurons[k].output(s))
            psis.append(psi)
            x = s.astype(self.in_dtype)
        return inputs, outputs, psis


def simulate(net: Network, spikes: np.ndarray, validate: bool = True) -> SimResult:
    """Run ``net`` on a batch of input spike trains.

    Parameters
    ----------
    net : Network
        Float or fixed-point network (``net.fixed``).
    spikes : ndarray, shape (batch, T, n_in)
        Binary (or graded) input spikes, batch-first, time-major.
    validate : bool
        Run :meth:`Network.validate` first (default True).

    Returns
    -------
    SimResult
    """
    spikes = np.asarray(spikes)
    if spikes.ndim != 3 or spikes.shape[2] != net.n_in:
        raise ShapeError(f"input spikes must have shape (batch, T, {net.n_in}), "
                         f"got {spikes.shape}")
    if validate:
        net.validate()
    batch, steps, _ = spikes.shape
    engine = Engine(net, batch)
    out_spikes = [np.zeros((batch, steps, layer.n_out), bool)
                  for layer, s in zip(net.layers, engine.spiking) if s]
    readout = None if engine.spiking[-1] else np.zeros(
        (batch, steps, net.n_out), np.int64 if net.fixed else np.float64)
    for t in range(steps):
        _, outputs, _ = engine.step(spikes[:, t])
        for k, out in enumerate(outputs):
            if engine.spiking[k]:
                out_spikes[k][:, t] = out
            else:
                readout[:, t] = out
    return SimResult(out_spikes, readout, engine.counter)
