"""AdLIF+ neurons in torch, the trainer's twin of
:func:`lava_delays.kernels.adlif.adlif_step` (same equations, same order of
operations, same clamps), so a trained model's float forward pass equals the
float kernel spike for spike (tested)::

    u[t] = alpha (u[t-1] - vth s[t-1]) + (1 - alpha) (I[t] - w[t-1])
    w[t] = beta w[t-1] + (1 - beta) (a u[t-1] + b vth s[t-1])
    s[t] = u[t] > vth

alpha, beta, a, b are learnable per neuron and clamped to
:data:`lava_delays.kernels.adlif.RANGES` in every forward pass.
"""
from __future__ import annotations

import numpy as np
import torch

from lava_delays.errors import ShapeError
from lava_delays.kernels.adlif import RANGES
from lava_delays.train.surrogate import spike


class AdLIF(torch.nn.Module):
    """A layer of AdLIF+ neurons.

    Parameters
    ----------
    n : int
        Number of neurons.
    vth : float
        Threshold.
    psi_sigma : float
        Surrogate width as a fraction of ``vth`` (as the Lava ``AdLIF``).
    seed : int
        Initial parameters are drawn uniformly within their ranges.
    """

    def __init__(self, n: int, vth: float = 1.0, psi_sigma: float = 0.3, seed: int = 0,
                 dtype=torch.float64):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.vth, self.sigma = float(vth), float(psi_sigma) * float(vth)
        for name, (lo, hi) in RANGES.items():
            init = torch.tensor(rng.uniform(lo, hi, n), dtype=dtype)
            setattr(self, name, torch.nn.Parameter(init))

    def clamped(self) -> dict:
        """Per-neuron parameters clamped to their ranges."""
        return {name: getattr(self, name).clamp(lo, hi) for name, (lo, hi) in RANGES.items()}

    def forward(self, current: torch.Tensor) -> torch.Tensor:
        """Spikes (batch, T, n) for input currents (batch, T, n)."""
        if current.ndim != 3 or current.shape[2] != self.alpha.shape[0]:
            raise ShapeError(f"AdLIF input must be (batch, T, {self.alpha.shape[0]}), "
                             f"got {tuple(current.shape)}")
        p = self.clamped()
        alpha, beta, a, b = p["alpha"], p["beta"], p["a"], p["b"]
        batch, steps, n = current.shape
        u = current.new_zeros(batch, n)
        w = current.new_zeros(batch, n)
        s = current.new_zeros(batch, n)
        out = []
        for t in range(steps):
            u_new = alpha * (u - self.vth * s) + (1 - alpha) * (current[:, t] - w)
            w = beta * w + (1 - beta) * (a * u + b * self.vth * s)
            u = u_new
            s = spike(u, self.vth, self.sigma)
            out.append(s)
        return torch.stack(out, dim=1)
