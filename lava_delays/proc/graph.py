"""Build and run a :class:`~lava_delays.network.Network` as a graph of
this library's Lava processes (runner 1 of "one kernel, three runners").

Samples are streamed through *one* long run (``reset_interval`` = sample
length zeroes every state at sample boundaries), which is how Lava runs a
data set efficiently and gives the same result as independent runs.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.sink import RingBuffer as SinkBuffer
from lava.proc.io.source import RingBuffer as SourceBuffer

from lava_delays.errors import ShapeError
from lava_delays.fixed_point import OverflowCounter
from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import lookup
from lava_delays.proc.axonal_delay.process import AxonalDelay
from lava_delays.proc.synaptic_delay_dense.process import SynapticDelayDense
from lava_delays.result import SimResult


def _dense(conn: Connection, fixed: bool, name: str, reset: int) -> SynapticDelayDense:
    weights = np.asarray(conn.weights, dtype=np.int64 if fixed else np.float64)
    return SynapticDelayDense(weights=weights, delays=conn.delay_matrix(),
                              max_delay=conn.buffer_delay(),
                              weight_exp=int(conn.weight_exp), name=name,
                              reset_interval=reset)


def neuron_process(layer: Layer, name: str, reset_interval: int):
    """The Lava process of a layer's neurons (its model's
    :meth:`~lava_delays.neurons.registry.NeuronModel.lava_process`)."""
    return lookup(layer.neurons).lava_process(layer.neurons, layer.n_out, name=name,
                                              reset_interval=reset_interval)


def stream_source(spikes: np.ndarray, fixed: bool) -> SourceBuffer:
    """A source process that sends samples (batch, T, n) one after another,
    one time step per Lava step (int for fixed point, float otherwise)."""
    n = spikes.shape[2]
    data = np.ascontiguousarray(spikes.reshape(-1, n).T, dtype=np.int64 if fixed else float)
    return SourceBuffer(data=data)


class LavaGraph:
    """The Lava processes of a network, fed by a source of input spikes.

    Parameters
    ----------
    net : Network
    spikes : ndarray, shape (batch, T, n_in)
        Samples to stream through the graph, one after another.

    Attributes
    ----------
    source, denses, recurrents, axons, neurons, sinks
        The processes, per layer (``None`` where a layer has none).
    """

    def __init__(self, net: Network, spikes: np.ndarray):
        net.validate()
        spikes = np.asarray(spikes)
        if spikes.ndim != 3 or spikes.shape[2] != net.n_in:
            raise ShapeError(f"input spikes must have shape (batch, T, {net.n_in}),"
                             f" got {spikes.shape}")
        self.net = net
        self.batch, self.steps, _ = spikes.shape
        reset = self.steps
        self.source = stream_source(spikes, net.fixed)
        self.denses, self.recurrents, self.axons, self.neurons, self.sinks = [], [], [], [], []
        pre_port = self.source.s_out
        total = self.batch * self.steps
        for k, layer in enumerate(net.layers):
            if layer.axonal_delays is not None:
                top = layer.axonal_max_delay or 0
                axon = AxonalDelay(shape=(layer.n_in,), delays=layer.axonal_delays,
                                   max_delay=top, name=f"axon{k}", reset_interval=reset)
                pre_port.connect(axon.s_in)
                pre_port = axon.s_out
            else:
                axon = None
            dense = _dense(layer.ff, net.fixed, f"ff{k}", reset)
            nrn = neuron_process(layer, f"neurons{k}", reset)
            pre_port.connect(dense.s_in)
            dense.a_out.connect(nrn.a_in)
            rec = None
            if layer.rec is not None:
                rec = _dense(layer.rec, net.fixed, f"rec{k}", reset)
                nrn.s_out.connect(rec.s_in)
                rec.a_out.connect(nrn.a_in)
            out_port = nrn.s_out if lookup(layer.neurons).spiking else nrn.v_out
            sink = SinkBuffer(shape=(layer.n_out,), buffer=total)
            out_port.connect(sink.a_in)
            self.axons.append(axon)
            self.denses.append(dense)
            self.recurrents.append(rec)
            self.neurons.append(nrn)
            self.sinks.append(sink)
            pre_port = out_port

    def run(self, tag: Optional[str] = None) -> SimResult:
        """Run all samples in one Lava run; ``tag`` 'fixed_pt' or 'floating_pt'
        (default: the network's arithmetic). The runtime is always stopped."""
        tag = tag or ("fixed_pt" if self.net.fixed else "floating_pt")
        proc = self.source
        try:
            proc.run(condition=RunSteps(num_steps=self.batch * self.steps),
                     run_cfg=Loihi2SimCfg(select_tag=tag))
            outs = [s.data.get() for s in self.sinks]
            counts = OverflowCounter()
            for k, nrn in enumerate(self.neurons):
                counts.add(f"layer{k}_overflow", int(nrn.overflow_count.get()[0]))
        finally:
            proc.stop()
        split = [o.T.reshape(self.batch, self.steps, -1) for o in outs]
        spiking = [lookup(layer.neurons).spiking for layer in self.net.layers]
        spikes = [s.astype(bool) for s, sp in zip(split, spiking) if sp]
        readout = None if spiking[-1] else split[-1]
        return SimResult(spikes, readout, counts)


def run_lava(net: Network, spikes: np.ndarray, tag: Optional[str] = None) -> SimResult:
    """Build a :class:`LavaGraph` for ``spikes`` and run it once."""
    return LavaGraph(net, spikes).run(tag)
