"""Per-synapse learnable delays for training (DCLS-style interpolated shift).

``a_j(t) = sum_i w_ji x_i(t - 1 - D_ji)`` with a real delay ``D_ji``: each
synapse spreads its weight over the two integer taps around its delay,
``(1 - f) w`` at ``floor(D)`` and ``f w`` at ``floor(D) + 1``. At integer
delays this *is* the delay line of :mod:`lava_delays.kernels.delay_line`
(the same "t + 1 + d" timing; tested against it), so rounding the learned
delays collapses the layer to what deploys. Gradients reach weights and
delays (the delay gradient is the backward difference of the input between
the two taps, as in the three-factor rule).

The current is built tap by tap in time-major layout, so autograd keeps only
the padded input and the (n_post, n_in, max_delay + 2) kernel: memory
O(T n_in + n_post n_in max_delay), no per-synapse Python loop.
"""
from __future__ import annotations

import torch

from lava_delays.errors import ParameterError, ShapeError
from lava_delays.fixed_point import MAX_DELAY


def delayed_current(x: torch.Tensor, weights: torch.Tensor, delays: torch.Tensor,
                    max_delay: int) -> torch.Tensor:
    """Synaptic input of every step for real-valued per-synapse delays.

    Parameters
    ----------
    x : tensor, shape (batch, T, n_in)
        Input spikes (or graded values).
    weights, delays : tensor, shape (n_post, n_in)
        Weights and real delays in [0, max_delay] (steps).
    max_delay : int
        Largest delay, 0..62.

    Returns
    -------
    tensor, shape (batch, T, n_post)
    """
    if x.ndim != 3 or weights.shape != delays.shape or weights.shape[1] != x.shape[2]:
        raise ShapeError(f"x (batch, T, n_in) = {tuple(x.shape)}, weights {tuple(weights.shape)}"
                         f" and delays {tuple(delays.shape)} do not fit")
    if not 0 <= max_delay <= MAX_DELAY:
        raise ParameterError(f"max_delay must be in 0..{MAX_DELAY}, got {max_delay}")
    batch, steps, n_in = x.shape
    lo = torch.floor(delays.detach()).long().clamp(0, max_delay)
    f = delays - lo.to(delays.dtype)                 # 0 at integer delays, gradient 1
    taps = max_delay + 2                             # floor(D) and floor(D) + 1
    xp = torch.cat([x.new_zeros(batch, taps, n_in), x], 1)
    oh0 = torch.nn.functional.one_hot(lo, taps).to(weights.dtype)
    oh1 = torch.nn.functional.one_hot(lo + 1, taps).to(weights.dtype)
    kernel = weights[..., None] * ((1 - f)[..., None] * oh0 + f[..., None] * oh1)
    # tap k reads x(t - 1 - k); time-major rows make every tap a contiguous view
    xt = xp.transpose(0, 1).contiguous().reshape((steps + taps) * batch, n_in)
    kt = kernel.permute(2, 1, 0)                     # (taps, n_in, n_post)

    def rows(k):
        return xt[(taps - 1 - k) * batch:(taps - 1 - k + steps) * batch]
    out = rows(0) @ kt[0]
    for k in range(1, taps):
        out.addmm_(rows(k), kt[k])                   # in place: no per-tap temporaries
    return out.reshape(steps, batch, -1).transpose(0, 1)


class SynapticDelayLinear(torch.nn.Module):
    """Dense layer with a learnable weight *and* delay per synapse.

    Parameters
    ----------
    n_in, n_out : int
    max_delay : int
        Delays are clamped to [0, max_delay] by :meth:`clamp_delays`.
    init_delay : int, optional
        Initial delays uniform in 0..init_delay (default max_delay).
    """

    def __init__(self, n_in: int, n_out: int, max_delay: int, init_delay=None, seed: int = 0,
                 dtype=torch.float64):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        top = max_delay if init_delay is None else init_delay
        self.max_delay = int(max_delay)
        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in, generator=gen, dtype=dtype)
                                         / n_in ** 0.5)
        self.delay = torch.nn.Parameter(torch.randint(0, top + 1, (n_out, n_in), generator=gen)
                                        .to(dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return delayed_current(x, self.weight, self.delay, self.max_delay)

    @torch.no_grad()
    def clamp_delays(self) -> int:
        """Clamp delays into [0, max_delay]; returns how many were clamped."""
        out = int(((self.delay < 0) | (self.delay > self.max_delay)).sum())
        self.delay.clamp_(0, self.max_delay)
        return out

    def integer_delays(self) -> torch.Tensor:
        """The delays that deploy: rounded half up (as the on-line learner)."""
        return torch.floor(self.delay.detach() + 0.5).long()
