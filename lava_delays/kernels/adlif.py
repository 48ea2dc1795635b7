"""Adaptive LIF neuron, AdLIF+ of arXiv:2311.16112 (float and fixed point).

Equations (all right-hand sides read the state of step ``t-1``)::

    u[t] = alpha (u[t-1] - vth s[t-1]) + (1 - alpha) (I[t] - w[t-1])
    w[t] = beta w[t-1] + (1 - beta) (a u[t-1] + b vth s[t-1])
    s[t] = u[t] > vth

The "+" of AdLIF+ is the reset by subtraction *inside* the leak (the
``- vth s[t-1]`` term) instead of a hard reset after it. We keep the
``(1 - beta)`` factor of Bittar & Garner's AdLIF so that ``a`` and ``b`` are
dimensionless and their published ranges stay meaningful (without it, with
beta near 1, w would be ~100x larger).
Per-neuron parameters are learnable and clamped to:

* alpha in [exp(-1/5), exp(-1/25)]   (membrane tau 5..25 steps)
* beta  in [exp(-1/30), exp(-1/300)] (adaptation tau 30..300 steps)
* a in [0, 1], b in [0, 2]           (positive only, as in arXiv:2311.16112)

Fixed point: alpha, beta, a, b are 12-bit fractions (x * 4096), u and w are
24-bit and saturate (counted), the input is shifted left by 6 like LIF's, and
every product is rounded toward zero, as Loihi's decays.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import (ACTIVATION_SHIFT, DECAY_BITS, DECAY_UNITY,
                                     OverflowCounter, check_finite,
                                     count_activation_overflow,
                                     rshift_toward_zero, saturate_state)
from lava_delays.kernels.surrogate import GaussianSurrogate, gaussian_psi

ALPHA_RANGE = (float(np.exp(-1 / 5)), float(np.exp(-1 / 25)))
BETA_RANGE = (float(np.exp(-1 / 30)), float(np.exp(-1 / 300)))
A_RANGE = (0.0, 1.0)
B_RANGE = (0.0, 2.0)
RANGES = {"alpha": ALPHA_RANGE, "beta": BETA_RANGE, "a": A_RANGE, "b": B_RANGE}


def clamp_adlif_params(**params):
    """Clamp float AdLIF parameters into their ranges (returns a dict)."""
    return {k: np.clip(np.asarray(v, dtype=np.float64), *RANGES[k])
            for k, v in params.items()}


def check_adlif_params(where: str = "", **params) -> None:
    """Raise :class:`ParameterError` if a float parameter leaves its range."""
    for k, v in params.items():
        arr = check_finite(v, k, where)
        lo, hi = RANGES[k]
        if np.any((arr < lo - 1e-12) | (arr > hi + 1e-12)):
            raise ParameterError(f"AdLIF parameter {k}{' in ' + where if where else ''}"
                                 f" must lie in [{lo:.4f}, {hi:.4f}], got "
                                 f"{arr.min():.4f}..{arr.max():.4f}")


def adlif_params_to_fixed(**params):
    """Float alpha, beta, a, b -> 12-bit integer fractions (round to nearest)."""
    return {k: np.round(np.asarray(v, dtype=np.float64) * DECAY_UNITY).astype(np.int64)
            for k, v in params.items()}


def adlif_step(u: np.ndarray, w: np.ndarray, s_prev: np.ndarray,
               a_in: np.ndarray, *, alpha, beta, a, b, vth, fixed: bool,
               counter: Optional[OverflowCounter] = None,
               surrogate: Optional[GaussianSurrogate] = None):
    """Advance AdLIF+ neurons by one step (u, w, s_prev updated in place).

    Parameters
    ----------
    u, w : ndarray, shape (batch, n)
        Membrane potential and adaptation variable.
    s_prev : ndarray of bool, shape (batch, n)
        Spikes of the previous step (reset by subtraction happens now).
    a_in : ndarray, shape (batch, n)
        Synaptic input of this step.
    alpha, beta, a, b : ndarray, shape (n,)
        Floats in their ranges, or 12-bit integer fractions (fixed).
    vth : float or int
        Threshold (fixed: effective, ``vth << 6``).

    Returns
    -------
    spikes : ndarray of bool, shape (batch, n)
    psi : ndarray or None
        Surrogate derivative at ``u[t]`` if ``surrogate`` is given.
    """
    s = s_prev.astype(u.dtype)
    if fixed:
        count_activation_overflow(a_in, counter)
        drive = np.left_shift(a_in.astype(np.int64), ACTIVATION_SHIFT) - w
        u_new = rshift_toward_zero(alpha * (u - vth * s) + (DECAY_UNITY - alpha) * drive,
                                   DECAY_BITS)
        target = rshift_toward_zero(a * u + b * vth * s, DECAY_BITS)
        w_new = rshift_toward_zero(beta * w + (DECAY_UNITY - beta) * target, DECAY_BITS)
        u_new = saturate_state(u_new, counter, "u_saturate")
        w_new = saturate_state(w_new, counter, "w_saturate")
    else:
        u_new = alpha * (u - vth * s) + (1 - alpha) * (a_in - w)
        w_new = beta * w + (1 - beta) * (a * u + b * vth * s)
    u[:] = u_new
    w[:] = w_new
    spikes = u > vth
    s_prev[:] = spikes
    psi = gaussian_psi(u, vth, surrogate) if surrogate is not None else None
    return spikes, psi

