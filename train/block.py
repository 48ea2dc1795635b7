"""One layer of the trainer: (axonal delay) -> per-synapse delayed dense
(+ delayed recurrent dense) -> neurons, batch-first (batch, T, n).

The step order is the engine's (:mod:`lava_delays.engine.simulate`): at step
t the neurons receive ``sum_i w_ji x_i(t - 1 - d_ji)`` from the feed-forward
connection plus ``sum_k r_jk s_k(t - 1 - e_jk)`` from their own spikes, then
spike; the input population's spikes pass its axonal delays first.

In quantized mode (:meth:`DelayBlock.quantize`) weights become 8-bit
mantissas of ``w * scale``, delays their deployed integers (round half up,
straight-through) and the neurons run the fixed-point arithmetic, so the block
computes exactly what :class:`lava_delays.engine.Layer` computes in fixed
point.
"""
from __future__ import annotations

from typing import Optional

import torch

from lava_delays.errors import ShapeError
from lava_delays.neurons import lookup
from lava_delays.train.axonal import AxonalDelay
from lava_delays.train.delays import (SynapticDelayLinear, delayed_current, deployed_delays,
                                     tap_kernel)
from lava_delays.train.quantize import layer_scale, quantize_mantissa


def sharpened_delays(delays: torch.Tensor, sharpness: float) -> torch.Tensor:
    """Push real delays toward their deployed integers before the quantized
    phase: the fraction f between the two taps becomes
    ``clamp((f - 1/2) * sharpness + 1/2, 0, 1)`` -- the identity at sharpness 1,
    the rounding of :func:`deployed_delays` as sharpness grows. Annealing it
    lets the weights adapt gradually to synapses that use one tap instead of
    two (rounding a linear-interpolation model at once costs accuracy)."""
    if sharpness <= 1.0:
        return delays
    lo = torch.floor(delays.detach())
    f = ((delays - lo - 0.5) * sharpness + 0.5).clamp(0.0, 1.0)
    return lo + f


class DelayBlock(torch.nn.Module):
    """A layer with learnable weights, per-synapse delays, optional axonal
    delays of its input population, optional recurrence, and neurons.

    Parameters
    ----------
    n_in, n_out : int
    neuron : str
        A registered neuron model with a trainer module ("lif", "adlif",
        "readout", ...; :mod:`lava_delays.neurons`).
    max_delay : int
        Largest feed-forward synaptic delay (0 = no synaptic delays).
    axonal_max_delay : int or None
        Largest axonal delay of the input population (None = no axonal delays).
    rec_max_delay : int or None
        Recurrent connection with delays up to this (None = not recurrent).
    init_delay : int, optional
        Initial synaptic delays uniform in 0..init_delay (default max_delay).
    options : dict
        Neuron settings (``du``, ``dv``, ``psi_sigma``); the model takes the
        ones it has.
    """

    def __init__(self, n_in: int, n_out: int, neuron: str = "lif", max_delay: int = 0,
                 axonal_max_delay: Optional[int] = None, rec_max_delay: Optional[int] = None,
                 init_delay: Optional[int] = None, seed: int = 0,
                 options: Optional[dict] = None):
        super().__init__()
        self.n_in, self.n_out, self.kind = int(n_in), int(n_out), neuron
        self.axon = (None if axonal_max_delay is None else
                     AxonalDelay(n_in, axonal_max_delay, axonal_max_delay, seed=seed + 101))
        self.ff = SynapticDelayLinear(n_in, n_out, max_delay, init_delay=init_delay, seed=seed)
        self.rec = None
        if rec_max_delay is not None:
            self.rec = SynapticDelayLinear(n_out, n_out, rec_max_delay, seed=seed + 202)
            with torch.no_grad():
                self.rec.weight.mul_(0.5)
        self.neurons = lookup(neuron).trainer(n_out, dict(options or {}), seed + 303)
        gain = self.neurons.initial_weight_gain()
        if gain != 1.0:
            with torch.no_grad():
                for lin in (self.ff, self.rec):
                    if lin is not None:
                        lin.weight.mul_(gain)
        #: threshold mantissa once quantized (None: float)
        self.scale: Optional[int] = None
        #: >1 moves the float forward pass toward integer delays (trainer-annealed)
        self.delay_sharpness = 1.0
        #: Gaussian spread (steps) of the feed-forward delay gradient (trainer-annealed)
        self.delay_spread = 0.0

    # -- quantization ---------------------------------------------------------
    def quantize(self, percentile: float = 100.0) -> int:
        """Switch to the fixed-point forward pass; the layer scale is chosen
        from the current float weights. Returns the scale."""
        weights = self.ff.weight if self.rec is None else torch.cat(
            [self.ff.weight.flatten(), self.rec.weight.flatten()])
        self.scale = layer_scale(weights, percentile)
        self.neurons.scale = self.scale
        return self.scale

    def connection(self, lin: SynapticDelayLinear):
        """Weights and delays as the forward pass uses them."""
        if self.scale is None:
            return lin.weight, sharpened_delays(lin.delay, self.delay_sharpness)
        return (quantize_mantissa(lin.weight * float(self.scale)),
                deployed_delays(lin.delay, lin.max_delay))

    # -- forward --------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Spikes (or read-out voltage in float units) (batch, T, n_out) for
        input spikes ``x`` (batch, T, n_in)."""
        if x.ndim != 3 or x.shape[2] != self.n_in:
            raise ShapeError(f"layer input must be (batch, T, {self.n_in}), "
                             f"got {tuple(x.shape)}")
        if self.axon is not None:
            x = self.axon(x)
        w, d = self.connection(self.ff)
        spread = self.delay_spread if self.scale is None and self.ff.max_delay > 0 else 0.0
        current = delayed_current(x, w, d, self.ff.max_delay, spread)
        if self.rec is None and current.device.type == "cpu":
            # feed-forward: the whole sequence in one call (the same spikes)
            out = self.neurons.over_time(current)
            if out is not None:
                return out
        batch, steps, _ = current.shape
        state = self.neurons.init_state(batch, current)
        params = self.neurons.params()
        if self.rec is not None:
            rw, rd = self.connection(self.rec)
            kernel = tap_kernel(rw, rd, self.rec.max_delay)
            history = current.new_zeros(batch, kernel.shape[0], self.n_out)
        out = []
        for t in range(steps):
            a_in = current[:, t]
            if self.rec is not None:
                a_in = a_in + torch.einsum("bkn,knm->bm", history, kernel)
            s, state = self.neurons.step(state, a_in, params)
            if self.rec is not None:
                history = torch.cat([s[:, None], history[:, :-1]], 1)
            out.append(s)
        return torch.stack(out, 1)
