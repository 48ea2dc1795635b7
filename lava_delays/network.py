"""The network description every runner, exporter and loader reads: the
batched engine, the Lava graph, the trainer's export and the deployment
files.

A network is an input population followed by layers. Each layer has

* ``ff`` -- a :class:`Connection` (weights + per-synapse delays) from the
  previous population,
* ``axonal_delays`` -- optional per-neuron axonal delays *of the previous
  population* (they delay that population's spikes for all targets in this
  layer),
* ``rec`` -- an optional recurrent :class:`Connection` within the layer,
* ``neurons`` -- the parameters of a registered neuron model
  (:mod:`lava_delays.neurons`): :class:`LIFNeurons`, :class:`AdLIFNeurons`
  or :class:`ReadoutNeurons` (non-spiking; the last layer of a classifier).

Numbers are in the units of the chosen arithmetic: float networks hold float
weights/decays/thresholds; fixed-point networks hold 8-bit integer weights,
12-bit decays and integer threshold mantissas (see
:mod:`lava_delays.fixed_point`). :meth:`Network.validate` checks everything
before any runner starts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from lava_delays.errors import ParameterError, ShapeError
from lava_delays.fixed_point import (check_delays, check_finite, check_weight_exp,
                                     loihi_weights, resolve_max_delay)
from lava_delays.neurons import AdLIFNeurons, LIFNeurons, ReadoutNeurons, lookup


@dataclass
class Connection:
    """Dense connection with per-synapse delays.

    Attributes
    ----------
    weights : ndarray, shape (n_post, n_pre)
    delays : ndarray of int, shape (n_post, n_pre), optional (None = all 0)
    weight_exp : int
        Fixed point: shift of the summed input (-8..7).
    max_delay : int, optional
        Buffer size minus one (default: the largest delay).
    """
    weights: np.ndarray
    delays: Optional[np.ndarray] = None
    weight_exp: int = 0
    max_delay: Optional[int] = None

    @property
    def shape(self):
        return np.shape(self.weights)

    def delay_matrix(self) -> np.ndarray:
        if self.delays is None:
            return np.zeros(self.shape, dtype=np.int64)
        return np.asarray(self.delays, dtype=np.int64)

    def buffer_delay(self) -> int:
        return int(self.max_delay if self.max_delay is not None
                   else self.delay_matrix().max(initial=0))


@dataclass
class Layer:
    ff: Connection
    #: parameters of a registered neuron model (lava_delays.neurons)
    neurons: object
    axonal_delays: Optional[np.ndarray] = None
    rec: Optional[Connection] = None
    axonal_max_delay: Optional[int] = None

    @property
    def n_out(self) -> int:
        return self.ff.shape[0]

    @property
    def n_in(self) -> int:
        return self.ff.shape[1]


@dataclass
class Network:
    """Input size, layers, and the arithmetic (``fixed``) they are given in."""
    n_in: int
    layers: List[Layer] = field(default_factory=list)
    fixed: bool = True

    @property
    def n_out(self) -> int:
        return self.layers[-1].n_out

    def validate(self) -> "Network":
        """Check shapes, ranges and finiteness; raise a named error naming
        the layer. Returns ``self``."""
        if not self.layers:
            raise ShapeError("network has no layers")
        n_prev = int(self.n_in)
        for k, layer in enumerate(self.layers):
            where = f"layer {k}"
            try:
                model = lookup(layer.neurons)
            except ParameterError as e:
                raise ParameterError(f"{where}: {e}") from None
            if not model.spiking and k != len(self.layers) - 1:
                raise ShapeError(f"{where}: a {type(layer.neurons).__name__} layer must be "
                                 "the last")
            conns = [("ff", layer.ff, n_prev)]
            if layer.rec is not None:
                conns.append(("rec", layer.rec, layer.n_out))
            for name, conn, n_pre in conns:
                w = check_finite(conn.weights, f"{name} weights", where)
                if w.ndim != 2 or w.shape[1] != n_pre or w.shape[0] != layer.n_out:
                    raise ShapeError(f"{where}: {name} weights have shape {w.shape}, "
                                     f"expected ({layer.n_out}, {n_pre})")
                d = check_delays(conn.delay_matrix(), f"{name} delays", where)
                if d.shape != w.shape:
                    raise ShapeError(f"{where}: {name} delays have shape {d.shape}, "
                                     f"expected {w.shape}")
                resolve_max_delay(d, conn.buffer_delay(), where, f"{name} max_delay")
                check_weight_exp(conn.weight_exp, where)
                if self.fixed:
                    loihi_weights(w, where=f"{where} {name}")
            if layer.axonal_delays is not None:
                a = check_delays(layer.axonal_delays, "axonal_delays", where)
                if a.shape != (n_prev,):
                    raise ShapeError(f"{where}: axonal_delays have shape {a.shape}, "
                                     f"expected ({n_prev},)")
                if layer.axonal_max_delay is not None:
                    resolve_max_delay(a, layer.axonal_max_delay, where, "axonal_max_delay")
            model.validate(layer.neurons, layer.n_out, self.fixed, where)
            n_prev = layer.n_out
        return self


__all__ = ["Network", "Layer", "Connection", "LIFNeurons", "AdLIFNeurons", "ReadoutNeurons"]
