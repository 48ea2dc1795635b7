"""Quantization-aware training hooks: the deploy arithmetic of
:mod:`lava_delays.fixed_point`, written with straight-through estimators so
that a quantized forward pass computes *exactly* the integers the fixed-point
kernels compute, while gradients pass as if nothing were rounded.

Rounding uses lava-dl slayer's straight-through quantizer
(:func:`lava.lib.dl.slayer.utils.quantize`); truncation toward zero
(Loihi's decay rounding), 24-bit wrap/saturation and the 8-bit weight
mantissa of lava's sign modes are added here. Everything runs in float64:
every intermediate of the fixed-point neuron (|x| < 2**36) is an exact
integer there.

Scaling. A float layer has threshold 1. Its fixed-point twin has threshold
mantissa ``scale`` (effective ``scale << 6``), weight mantissas
``round(w * scale)`` and ``weight_exp = 0``, so a float weight w becomes
``w * scale`` mantissa units and the voltage scales by ``64 * scale``.
``weight_exp = 0`` is deliberate: with a negative exponent the engine (like
Loihi) floors each delay slot's sum separately, which a dense trainer cannot
reproduce cheaply, and the threshold already carries the layer's scale.
"""
from __future__ import annotations

import torch
from lava_delays.train.lava_dl import slayer

from lava_delays.fixed_point import (DECAY_BITS, STATE_LIMIT, WEIGHT_BITS,
                                     SignMode, determine_sign_mode, weight_range)

#: largest threshold mantissa: (vth << 6) must stay below the 24-bit voltage limit
MAX_THRESHOLD_MANTISSA = (STATE_LIMIT - 1) >> 6


def ste_round(x: torch.Tensor) -> torch.Tensor:
    """Round half to even (as ``numpy.round``), gradient 1 (slayer's quantizer)."""
    return slayer.utils.quantize(x)


def ste(x: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``value`` in the forward pass, the gradient of ``x`` in the backward."""
    return x + (value - x).detach()


def ste_trunc(x: torch.Tensor) -> torch.Tensor:
    """Round toward zero with gradient 1."""
    return ste(x, torch.trunc(x))


def ste_decay(x: torch.Tensor, keep) -> torch.Tensor:
    """Loihi decay ``x * keep / 4096`` rounded toward zero
    (:func:`lava_delays.fixed_point.decay` with ``keep = 4096 - d``)."""
    return ste_trunc(x * keep / float(2 ** DECAY_BITS))


def ste_saturate(x: torch.Tensor) -> torch.Tensor:
    """Clip into the 24-bit state range (gradient passes)."""
    limit = float(STATE_LIMIT - 1)
    return ste(x, x.clamp(-limit, limit))


def ste_wrap(x: torch.Tensor) -> torch.Tensor:
    """Wrap into the 24-bit range as lava's bit-accurate LIF wraps its current
    (:func:`lava_delays.fixed_point.wrap_state`)."""
    lim = float(STATE_LIMIT)
    out = torch.where(x > lim, x - 2 * lim, x)
    out = torch.where(out <= -lim, x + 2 * lim, out)
    return ste(x, out)


def mantissa_step_range(weights: torch.Tensor) -> tuple[int, int, int]:
    """Quantization step and inclusive mantissa range for ``weights``'s sign
    mode (lava drops the LSB of mixed-sign 8-bit weights: even values only)."""
    mode = determine_sign_mode(weights.detach().cpu().numpy())
    lo, hi = weight_range(mode)
    step = 2 if mode == SignMode.MIXED else 1
    return step, -((-lo) // step) * step, (hi // step) * step


def quantize_mantissa(scaled: torch.Tensor) -> torch.Tensor:
    """8-bit weight mantissas of ``scaled`` (float weights times the layer
    scale): rounded to the sign mode's step and clipped, straight-through.
    Equal to :func:`lava_delays.fixed_point.quantize_weights` with
    ``weight_exp=0`` (tested), except where rounding removes every weight of
    one sign: the spec then re-quantizes with the new sign mode's step, this
    keeps the step it started with. Both results are valid mantissas that the
    engine applies unchanged, and export uses this function, so trainer and
    engine agree either way."""
    step, lo, hi = mantissa_step_range(scaled)
    return ste(scaled, (torch.round(scaled / step) * step).clamp(lo, hi))


def layer_scale(weights: torch.Tensor, percentile: float = 100.0) -> int:
    """Threshold mantissa that maps the float weights onto the 8-bit range:
    the ``percentile``-th largest |w| lands on the largest mantissa
    (``2**WEIGHT_BITS - 2`` = 254, valid in every sign mode)."""
    mags = weights.detach().abs().flatten().double()
    top = float(torch.quantile(mags, percentile / 100.0)) if mags.numel() else 0.0
    if top <= 0:
        return 1
    scale = int((2 ** WEIGHT_BITS - 2) // top)
    return max(1, min(scale, MAX_THRESHOLD_MANTISSA))
