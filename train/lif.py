"""CUBA LIF and the leaky read-out in torch: the trainer's twin of
:func:`lava_delays.kernels.lif.lif_step`, stepped one time step at a time so
that recurrent connections can feed back (same equations, same order)::

    u[t] = u[t-1] (1 - du) + a[t]
    v[t] = v[t-1] (1 - dv) + u[t]
    s[t] = v[t] > vth ;  v[t] = 0 where s[t]

Float mode: threshold ``vth`` (1 in the trainer), spikes through the
Gaussian surrogate of arXiv:2601.00668.
Quantized mode (``scale`` set, float64): integer units of the fixed-point
kernel -- 12-bit decays with lava's +1 current offset, input << 6, u wraps and
v saturates at 24 bits, threshold ``scale << 6`` -- with straight-through
rounding, so spikes equal the fixed-point engine's (tested). The spike
function sees ``v / vth`` so gradients have the float model's scale.

(slayer's ``cuba`` neuron is not used: it spikes at ``v >= vth + eps`` and
quantizes its decays differently, so its spikes differ from lava's ``LIF``.)
"""
from __future__ import annotations

import torch

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import (ACTIVATION_SHIFT, CURRENT_DECAY_OFFSET,
                                     DECAY_UNITY, DEFAULT_PSI_SIGMA, THRESHOLD_SHIFT,
                                     VOLTAGE_DECAY_OFFSET, current_decay_to_fixed,
                                     voltage_decay_to_fixed)
from lava_delays.train.dynamics import fixed_lif_over_time, lif_over_time
from lava_delays.train.neuron import TrainNeurons
from lava_delays.train.quantize import ste_decay, ste_saturate, ste_wrap
from lava_delays.train.surrogate import spike


class LIF(TrainNeurons):
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
    vth : float
        Threshold of the float model.
    reset_passes_gradient : bool
        False (default): the reset ``v = 0`` stops the gradient of ``v`` at a
        spike. True: the gradient passes the reset as if there were none --
        the network the three-factor rule's eligibility traces describe.
    """

    def __init__(self, n: int, du: float = 0.5, dv: float = 0.2,
                 psi_sigma: float = DEFAULT_PSI_SIGMA, spiking: bool = True, vth: float = 1.0,
                 reset_passes_gradient: bool = False):
        super().__init__(n)
        for name, val in (("du", du), ("dv", dv)):
            if not 0.0 <= float(val) <= 1.0:
                raise ParameterError(f"LIF {name} must lie in [0, 1], got {val}")
        self.du, self.dv, self.vth = float(du), float(dv), float(vth)
        self.psi_sigma, self.spiking = float(psi_sigma), bool(spiking)
        self.reset_passes_gradient = bool(reset_passes_gradient)
        #: lava's 12-bit decays of the quantized mode
        self.du_q, self.dv_q = current_decay_to_fixed(du), voltage_decay_to_fixed(dv)

    def init_state(self, batch: int, like: torch.Tensor):
        zeros = like.new_zeros(batch, self.n)
        return zeros, zeros.clone()

    def over_time(self, current: torch.Tensor):
        if self.reset_passes_gradient:
            return None      # the kernels have the trainer's reset gradient
        if self.quantized:
            return fixed_lif_over_time(current, self.du_q, self.dv_q, self.scale,
                                       self.psi_sigma, self.spiking)
        if self.vth != 1.0:
            return None      # the float kernel has threshold 1
        return lif_over_time(current, self.du, self.dv, self.psi_sigma, self.spiking)

    def step(self, state, a_in: torch.Tensor, params=None):
        """One step. Returns (spikes or read-out voltage in float units, state)."""
        u, v = state
        if self.quantized:
            u = ste_wrap(ste_decay(u, DECAY_UNITY - self.du_q - CURRENT_DECAY_OFFSET)
                         + a_in * float(2 ** ACTIVATION_SHIFT))
            v = ste_saturate(ste_decay(v, DECAY_UNITY - self.dv_q - VOLTAGE_DECAY_OFFSET) + u)
            unit = float(self.scale << THRESHOLD_SHIFT)
            s = spike(v / unit, 1.0, self.psi_sigma) if self.spiking else None
        else:
            u = u * (1 - self.du) + a_in
            v = v * (1 - self.dv) + u
            unit = 1.0
            s = spike(v, self.vth, self.psi_sigma * self.vth) if self.spiking else None
        if not self.spiking:
            return v / unit, (u, v)
        if self.reset_passes_gradient:
            return s, (u, v - (v * s).detach())
        return s, (u, v * (1 - s.detach()))
