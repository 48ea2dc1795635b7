"""Learnable axonal delays through lava-dl slayer's ``axon.Delay``.

slayer works on (batch, channels, time) and, on the CPU, shifts every channel
by ``int(delay)`` steps in the forward pass (no interpolation); the delay
gradient is the negative temporal difference of the shifted output. So the
forward pass already runs the integer delays that deploy
(:meth:`AxonalDelay.integer_delays`), and an axonal delay of d steps equals
:func:`lava_delays.kernels.axonal.axonal_delay_step` with delay d (tested).
"""
from __future__ import annotations

import torch
from lava_delays.train.lava_dl import slayer

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import MAX_DELAY


class AxonalDelay(torch.nn.Module):
    """Per-neuron learnable delay of a population's spikes (batch-first).

    Parameters
    ----------
    n : int
        Population size.
    max_delay : int
        Delays are clamped to [0, max_delay] (<= 62).
    init_delay : int
        Initial delays uniform in [0, init_delay].
    """

    def __init__(self, n: int, max_delay: int, init_delay: int = 0, seed: int = 0,
                 grad_scale: float = 1.0):
        super().__init__()
        if not 0 <= int(max_delay) <= MAX_DELAY:
            raise ParameterError(f"axonal max_delay must be in 0..{MAX_DELAY}, got {max_delay}")
        gen = torch.Generator().manual_seed(seed)
        self.n, self.max_delay = int(n), int(max_delay)
        self.axon = slayer.axon.Delay(max_delay=self.max_delay, grad_scale=grad_scale)
        # slayer draws delays lazily at the first call; set them now instead
        # so the model is complete (and seeded) before any data flows
        self.axon.delay.data = torch.rand(n, generator=gen, dtype=torch.float64) \
            * (min(init_delay, max_delay) + 1 - 1e-6)
        self.axon.init = True

    @property
    def delay(self) -> torch.nn.Parameter:
        return self.axon.delay

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Delay spikes ``x`` (batch, T, n) per neuron; returns the same shape."""
        return self.axon(x.transpose(1, 2)).transpose(1, 2)

    def integer_delays(self) -> torch.Tensor:
        """The delays the forward pass applies (and that deploy)."""
        return self.axon.delay.detach().clamp(0, self.max_delay).long()
