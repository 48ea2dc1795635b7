"""Spike function with the Gaussian surrogate gradient of arXiv:2601.00668 (torch).

Forward: Heaviside ``v > vth`` (as every kernel of this library); backward:
``psi = exp(-(v - vth)**2 / (2 sigma**2))`` -- the float kernel
:func:`lava_delays.kernels.surrogate.gaussian_psi`.
"""
from __future__ import annotations

import torch


class GaussSpike(torch.autograd.Function):
    """Heaviside forward, Gaussian surrogate backward (saves only v)."""

    @staticmethod
    def forward(ctx, v, vth, sigma):
        ctx.save_for_backward(v)
        ctx.vth, ctx.sigma = vth, sigma
        return (v > vth).to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        psi = torch.exp(-((v - ctx.vth) ** 2) / (2 * ctx.sigma ** 2))
        return grad * psi, None, None


def spike(v: torch.Tensor, vth, sigma: float) -> torch.Tensor:
    """Spikes of voltage ``v`` (any shape) with the Gaussian surrogate."""
    return GaussSpike.apply(v, vth, sigma)
