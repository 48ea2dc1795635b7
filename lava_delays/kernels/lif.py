"""Current-based leaky integrate-and-fire neuron (CUBA LIF).

Same equations, order of operations and rounding as lava-nc's
``PyLifModelFloat`` and ``PyLifModelBitAcc`` (and slayer's ``cuba`` neuron)::

    u[t] = u[t-1] * (1 - du) + a_in[t]          # current
    v[t] = v[t-1] * (1 - dv) + u[t] + bias      # voltage
    s[t] = v[t] > vth                           # spike
    v[t] = 0 where s[t]                         # reset

Fixed point (see :mod:`lava_delays.fixed_point`): du, dv are 12-bit integers
(decay ``d / 4096``, the current gets lava's +1 offset), the input is shifted
left by 6, u wraps and v saturates at 24 bits, ``vth`` and ``bias`` are the
*effective* values (``vth << 6``, ``bias_mant << bias_exp``).

With ``vth=None`` the neuron never spikes: a non-spiking leaky integrator used
as the read-out layer (class = argmax of the summed voltage).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from lava_delays.fixed_point import (ACTIVATION_SHIFT, CURRENT_DECAY_OFFSET,
                                     VOLTAGE_DECAY_OFFSET, OverflowCounter,
                                     count_activation_overflow, decay,
                                     saturate_state, wrap_state)
from lava_delays.kernels.surrogate import GaussianSurrogate, gaussian_psi


def lif_step(u: np.ndarray, v: np.ndarray, a_in: np.ndarray, *, du, dv, bias,
             vth, fixed: bool, counter: Optional[OverflowCounter] = None,
             surrogate: Optional[GaussianSurrogate] = None):
    """Advance LIF neurons by one time step (u and v are updated in place).

    Parameters
    ----------
    u, v : ndarray, shape (batch, n)
        Current and voltage; float64 or int64 (fixed).
    a_in : ndarray, shape (batch, n)
        Synaptic input of this step.
    du, dv : float in [0, 1] or int in 0..4095 (fixed)
        Current and voltage decay.
    bias : float/int or ndarray, shape (n,)
        Bias (fixed: effective bias ``bias_mant << bias_exp``).
    vth : float/int, ndarray shape (n,), or None
        Threshold (fixed: effective ``vth << 6``); None = never spike.
    fixed : bool
        Fixed-point arithmetic.
    counter : OverflowCounter, optional
        Receives ``u_wrap``, ``v_saturate`` and ``activation_overflow`` counts.
    surrogate : GaussianSurrogate, optional
        If given, psi of the pre-reset voltage is returned too.

    Returns
    -------
    spikes : ndarray of bool, shape (batch, n)
    psi : ndarray or None
    """
    if fixed:
        count_activation_overflow(a_in, counter)
        u_new = decay(u, du + CURRENT_DECAY_OFFSET) + np.left_shift(
            a_in.astype(np.int64), ACTIVATION_SHIFT)
        u[:] = wrap_state(u_new, counter)
        v[:] = saturate_state(decay(v, dv + VOLTAGE_DECAY_OFFSET) + u + bias, counter)
    else:
        u[:] = u * (1 - du)
        u[:] += a_in
        v[:] = v * (1 - dv) + u + bias
    if vth is None:
        return np.zeros(v.shape, dtype=bool), None
    psi = gaussian_psi(v, vth, surrogate) if surrogate is not None else None
    spikes = v > vth
    v[spikes] = 0
    return spikes, psi
