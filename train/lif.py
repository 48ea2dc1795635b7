"""CUBA LIF and the leaky read-out in torch: the trainer's twin of
:func:`lava_delays.kernels.lif.lif_step`, stepped one time step at a time so
that recurrent connections can feed back (same equations, same order)::

    u[t] = u[t-1] (1 - du) + a[t]
    v[t] = v[t-1] (1 - dv) + u[t]
    s[t] = v[t] > vth ;  v[t] = 0 where s[t]

Float mode: threshold 1, spikes through the Gaussian surrogate of seed 000.
Quantized mode (``scale`` set, float64): integer units of the fixed-point
kernel -- 12-bit decays with lava's +1 current offset, input << 6, u wraps and
v saturates at 24 bits, threshold ``scale << 6`` -- with straight-through
rounding, so spikes equal the fixed-point engine's (tested). The spike
function sees ``v / vth`` so gradients have the float model's scale.

(slayer's ``cuba`` neuron is not used: it spikes at ``v >= vth + eps`` and
quantizes its decays differently, so its spikes differ from lava's ``LIF``.)
"""
from __future__ import annotations

from typing import Optional

import torch

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import (ACTIVATION_SHIFT, CURRENT_DECAY_OFFSET,
                                     DECAY_UNITY, THRESHOLD_SHIFT,
                                     VOLTAGE_DECAY_OFFSET, decay_to_fixed)
from lava_delays.train.quantize import ste_decay, ste_saturate, ste_wrap
from lava_delays.train.surrogate import spike


def fixed_decays(du: float, dv: float) -> tuple[int, int]:
    """Float decays -> lava's 12-bit ``du`` (minus its +1 offset) and ``dv``."""
    du_q = max(int(decay_to_fixed(du, "du")) - CURRENT_DECAY_OFFSET, 0)
    dv_q = int(decay_to_fixed(dv, "dv")) - VOLTAGE_DECAY_OFFSET
    return du_q, dv_q


class LIF(torch.nn.Module):
    """A layer of CUBA LIF neurons (or, with ``spiking=False``, the
    non-spiking leaky read-out).

    Parameters
    ----------
    n : int
        Number of neurons.
    du, dv : float in [0, 1]
        Current and voltage decay per step (tau = 1 / d steps).
    psi_sigma : float
        Surrogate width as a fraction of the threshold.
    spiking : bool
        False: leaky integrator, :meth:`step` returns the voltage.
    """

    def __init__(self, n: int, du: float = 0.5, dv: float = 0.2, psi_sigma: float = 0.3,
                 spiking: bool = True):
        super().__init__()
        for name, val in (("du", du), ("dv", dv)):
            if not 0.0 <= float(val) <= 1.0:
                raise ParameterError(f"LIF {name} must lie in [0, 1], got {val}")
        self.n, self.du, self.dv = int(n), float(du), float(dv)
        self.psi_sigma, self.spiking = float(psi_sigma), bool(spiking)
        self.du_q, self.dv_q = fixed_decays(du, dv)
        #: threshold mantissa in quantized mode (None: float mode)
        self.scale: Optional[int] = None

    @property
    def quantized(self) -> bool:
        return self.scale is not None

    def init_state(self, batch: int, like: torch.Tensor):
        zeros = like.new_zeros(batch, self.n)
        return zeros, zeros.clone()

    def step(self, state, a_in: torch.Tensor):
        """One step. Returns (spikes or read-out voltage in float units, state)."""
        u, v = state
        if self.quantized:
            u = ste_wrap(ste_decay(u, DECAY_UNITY - self.du_q - CURRENT_DECAY_OFFSET)
                         + a_in * float(2 ** ACTIVATION_SHIFT))
            v = ste_saturate(ste_decay(v, DECAY_UNITY - self.dv_q) + u)
            unit = float(self.scale << THRESHOLD_SHIFT)
        else:
            u = u * (1 - self.du) + a_in
            v = v * (1 - self.dv) + u
            unit = 1.0
        if not self.spiking:
            return v / unit, (u, v)
        s = spike(v / unit, 1.0, self.psi_sigma)
        return s, (u, v * (1 - s.detach()))
