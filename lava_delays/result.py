"""What a run of a :class:`~lava_delays.network.Network` returns, from the
batched engine (:func:`lava_delays.engine.simulate`) and from Lava
(:func:`lava_delays.proc.graph.run_lava`) alike."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from lava_delays.fixed_point import OverflowCounter


@dataclass
class SimResult:
    """Output of a network run.

    Attributes
    ----------
    spikes : list of ndarray of bool, shape (batch, T, n) per spiking layer
    readout : ndarray, shape (batch, T, n_out), or None
        Voltage of a read-out layer (last layer) at every step.
    counts : OverflowCounter
        Fixed-point wraps/saturations summed over the run.
    """
    spikes: List[np.ndarray]
    readout: Optional[np.ndarray]
    counts: OverflowCounter = field(default_factory=OverflowCounter)

    def predict(self) -> np.ndarray:
        """Class per sample: argmax of the summed read-out voltage."""
        if self.readout is None:
            return self.spikes[-1].sum(axis=1).argmax(axis=-1)
        return self.readout.sum(axis=1).argmax(axis=-1)


__all__ = ["SimResult"]
