"""Build and run a :class:`~lava_delays.engine.network.Network` as a graph of
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

from lava_delays.engine.network import (AdLIFNeurons, Connection, LIFNeurons,
                                        Network, ReadoutNeurons)
from lava_delays.engine.simulate import SimResult
from lava_delays.errors import ShapeError
from lava_delays.fixed_point import OverflowCounter
from lava_delays.proc.adlif.process import AdLIF
from lava_delays.proc.axonal_delay.process import AxonalDelay
from lava_delays.proc.lif.process import LIF, LeakyReadout
from lava_delays.proc.synaptic_delay_dense.process import SynapticDelayDense


def _dense(conn: Connection, fixed: bool, name: str, reset: int) -> SynapticDelayDense:
    weights = np.asarray(conn.weights, dtype=np.int64 if fixed else np.float64)
    return SynapticDelayDense(weights=weights, delays=conn.delay_matrix(),
                              max_delay=conn.buffer_delay(),
                              weight_exp=int(conn.weight_exp), name=name,
                              reset_interval=reset)


def _neurons(nrn, n: int, name: str, reset: int):
    if isinstance(nrn, LIFNeurons):
        return LIF(shape=(n,), du=nrn.du, dv=nrn.dv, vth=nrn.vth,
                   bias_mant=nrn.bias_mant, bias_exp=nrn.bias_exp,
                   psi_sigma=nrn.psi_sigma, name=name, reset_interval=reset)
    if isinstance(nrn, AdLIFNeurons):
        return AdLIF(shape=(n,), alpha=nrn.alpha, beta=nrn.beta, a=nrn.a,
                     b=nrn.b, vth=nrn.vth, psi_sigma=nrn.psi_sigma, name=name,
                     reset_interval=reset)
    if isinstance(nrn, ReadoutNeurons):
        return LeakyReadout(shape=(n,), du=nrn.du, dv=nrn.dv,
                            bias_mant=nrn.bias_mant, bias_exp=nrn.bias_exp,
                            name=name, reset_interval=reset)
    raise TypeError(f"unknown neuron description {type(nrn).__name__}")


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
            nrn = _neurons(layer.neurons, layer.n_out, f"neurons{k}", reset)
            pre_port.connect(dense.s_in)
            dense.a_out.connect(nrn.a_in)
            rec = None
            if layer.rec is not None:
                rec = _dense(layer.rec, net.fixed, f"rec{k}", reset)
                nrn.s_out.connect(rec.s_in)
                rec.a_out.connect(nrn.a_in)
            out_port = nrn.v_out if isinstance(nrn, LeakyReadout) else nrn.s_out
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
        spiking = [not isinstance(n, LeakyReadout) for n in self.neurons]
        spikes = [s.astype(bool) for s, sp in zip(split, spiking) if sp]
        readout = None if spiking[-1] else split[-1]
        return SimResult(spikes, readout, counts)


def run_lava(net: Network, spikes: np.ndarray, tag: Optional[str] = None) -> SimResult:
    """Build a :class:`LavaGraph` for ``spikes`` and run it once."""
    return LavaGraph(net, spikes).run(tag)
