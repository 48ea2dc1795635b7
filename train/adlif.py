"""AdLIF+ neurons in torch, the trainer's twin of
:func:`lava_delays.kernels.adlif.adlif_step` (same equations, same order of
operations, same clamps)::

    u[t] = alpha (u[t-1] - vth s[t-1]) + (1 - alpha) (I[t] - w[t-1])
    w[t] = beta w[t-1] + (1 - beta) (a u[t-1] + b vth s[t-1])
    s[t] = u[t] > vth

alpha, beta, a, b are learnable per neuron and clamped to
:data:`lava_delays.kernels.adlif.RANGES` in every forward pass.

Float mode: threshold 1, equal to the float kernel spike for spike.
Quantized mode (``scale`` set, float64): the kernel's fixed-point arithmetic
-- parameters as 12-bit fractions (round half to even, as the engine), input
<< 6, products rounded toward zero, u and w saturating at 24 bits, threshold
``scale << 6`` -- with straight-through rounding, so spikes equal the
fixed-point engine's (tested).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from lava_delays.fixed_point import (ACTIVATION_SHIFT, DECAY_UNITY, DEFAULT_PSI_SIGMA,
                                     THRESHOLD_SHIFT)
from lava_delays.kernels.adlif import RANGES
from lava_delays.train.dynamics import adlif_over_time, fixed_adlif_over_time
from lava_delays.train.neuron import TrainNeurons
from lava_delays.train.quantize import ste_decay, ste_round, ste_saturate
from lava_delays.train.surrogate import spike


class AdLIF(TrainNeurons):
    """A layer of AdLIF+ neurons.

    Parameters
    ----------
    n : int
        Number of neurons.
    vth : float
        Threshold of the float model.
    psi_sigma : float
        Surrogate width as a fraction of ``vth`` (as the Lava ``AdLIF``).
    seed : int
        Initial parameters are drawn uniformly within their ranges.
    """

    def __init__(self, n: int, vth: float = 1.0, psi_sigma: float = DEFAULT_PSI_SIGMA,
                 seed: int = 0, dtype=torch.float64):
        super().__init__(n)
        rng = np.random.default_rng(seed)
        self.vth, self.psi_sigma = float(vth), float(psi_sigma)
        for name, (lo, hi) in RANGES.items():
            init = torch.tensor(rng.uniform(lo, hi, n), dtype=dtype)
            setattr(self, name, torch.nn.Parameter(init))

    def clamped(self) -> dict:
        """Per-neuron parameters clamped to their ranges."""
        return {name: getattr(self, name).clamp(lo, hi) for name, (lo, hi) in RANGES.items()}

    def init_state(self, batch: int, like: torch.Tensor):
        zeros = like.new_zeros(batch, self.n)
        return zeros, zeros.clone(), zeros.clone()

    def initial_weight_gain(self) -> float:
        """AdLIF+ sees (1 - alpha) I, a LIF the integral of I: scale the
        initial weights so both start with a comparable drive (else a silent
        AdLIF layer has no surrogate gradient to learn from)."""
        gain = 1.0 / float((1 - self.clamped()["alpha"]).mean())
        return gain / 2

    def params(self) -> dict:
        """The parameters clamped (quantized: as 12-bit fractions)."""
        p = self.clamped()
        if self.quantized:
            p = {k: ste_round(v * float(DECAY_UNITY)) for k, v in p.items()}
        return p

    def over_time(self, current: torch.Tensor):
        if self.quantized:
            p = self.params()
            return fixed_adlif_over_time(current, p["alpha"], p["beta"], p["a"], p["b"],
                                         float(self.scale << THRESHOLD_SHIFT), self.psi_sigma)
        p = self.clamped()
        return adlif_over_time(current, p["alpha"], p["beta"], p["a"], p["b"], self.vth,
                               self.psi_sigma * self.vth)

    def step(self, state, a_in: torch.Tensor, params: Optional[dict] = None):
        """One step; ``params`` from :meth:`params` (computed once per
        sequence). Returns (spikes, state)."""
        p = params if params is not None else self.params()
        alpha, beta, a, b = p["alpha"], p["beta"], p["a"], p["b"]
        u, w, s = state
        if self.quantized:
            vth = float(self.scale << THRESHOLD_SHIFT)
            one = float(DECAY_UNITY)
            drive = a_in * float(2 ** ACTIVATION_SHIFT) - w
            u_new = ste_decay(alpha * (u - vth * s) + (one - alpha) * drive, 1)
            target = ste_decay(a * u + b * vth * s, 1)
            w = ste_saturate(ste_decay(beta * w + (one - beta) * target, 1))
            u = ste_saturate(u_new)
            s = spike(u / vth, 1.0, self.psi_sigma)   # exact: u, vth are integers
            return s, (u, w, s)
        vth = self.vth
        u_new = alpha * (u - vth * s) + (1 - alpha) * (a_in - w)
        w = beta * w + (1 - beta) * (a * u + b * vth * s)
        u = u_new
        s = spike(u, vth, self.psi_sigma * vth)
        return s, (u, w, s)
