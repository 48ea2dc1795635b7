"""Base class of the trainer's neuron layers (torch twins of the kernels).

A layer is stepped one time step at a time, so that recurrent connections
can feed back, in float mode (``scale`` None) or in quantized mode
(``scale``: the threshold mantissa; the fixed-point kernel's integers,
straight-through). Each registered neuron model with a trainer module
(:meth:`lava_delays.neurons.registry.NeuronModel.trainer`) returns one.
"""
from __future__ import annotations

from typing import Optional

import torch

from lava_delays.errors import ShapeError


class TrainNeurons(torch.nn.Module):
    """A layer of ``n`` neurons for the trainer.

    Subclasses implement :meth:`init_state` and :meth:`step`. Their
    ``torch.nn.Parameter`` s (if any) learn as the kind ``adaptation`` (the
    neurons' own parameters).

    Attributes
    ----------
    spiking : bool
        False: a non-spiking read-out whose output is its voltage.
    scale : int or None
        Threshold mantissa in quantized mode (None: float mode).
    """
    spiking = True

    def __init__(self, n: int):
        super().__init__()
        self.n = int(n)
        self.scale: Optional[int] = None

    @property
    def quantized(self) -> bool:
        return self.scale is not None

    def params(self) -> dict:
        """Parameters for :meth:`step`, computed once per sequence (e.g.
        clamped and rounded learnable parameters)."""
        return {}

    def initial_weight_gain(self) -> float:
        """Factor on the initial input weights that gives these neurons a
        drive comparable to a LIF layer's."""
        return 1.0

    def init_state(self, batch: int, like: torch.Tensor) -> tuple:
        """Zero state for ``batch`` samples, dtype and device of ``like``."""
        raise NotImplementedError

    def step(self, state: tuple, a_in: torch.Tensor, params: dict):
        """One step. Returns (spikes, or the read-out voltage in float units; state)."""
        raise NotImplementedError

    def over_time(self, current: torch.Tensor) -> Optional[torch.Tensor]:
        """The outputs for a whole sequence of currents (batch, T, n) in one
        call, where the model has such a kernel (:mod:`lava_delays.train.
        dynamics`: the same spikes as stepping, CPU); None: step."""
        return None

    def forward(self, current: torch.Tensor) -> torch.Tensor:
        """Outputs (batch, T, n) for input currents (batch, T, n)."""
        if current.ndim != 3 or current.shape[2] != self.n:
            raise ShapeError(f"{type(self).__name__} input must be (batch, T, {self.n}), "
                             f"got {tuple(current.shape)}")
        params = self.params()
        state = self.init_state(current.shape[0], current)
        out = []
        for t in range(current.shape[1]):
            s, state = self.step(state, current[:, t], params)
            out.append(s)
        return torch.stack(out, dim=1)


__all__ = ["TrainNeurons"]
