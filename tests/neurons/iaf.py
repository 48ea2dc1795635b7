"""A neuron model defined outside the library: the non-leaky
integrate-and-fire neuron (IAF). Its parameters, kernel step and registry
entry live here; its Lava process in ``iaf_lava/`` and its trainer module in
``iaf_train.py`` -- the files a new neuron model needs.

Equations (fixed point as the library's LIF: input << 6, v saturates at 24
bits, threshold ``vth << 6``)::

    v[t] = v[t-1] + a_in[t]
    s[t] = v[t] > vth ;  v[t] = 0 where s[t]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import (ACTIVATION_SHIFT, DEFAULT_PSI_SIGMA,
                                     count_activation_overflow, saturate_state,
                                     scale_threshold)
from lava_delays.kernels.surrogate import gaussian_psi
from lava_delays.neurons import NeuronModel, register


@dataclass
class IAFNeurons:
    """Threshold (fixed: an integer mantissa) and surrogate width."""
    vth: float
    psi_sigma: float = DEFAULT_PSI_SIGMA


def iaf_step(v, a_in, *, vth, fixed, counter=None, surrogate=None):
    """Advance IAF neurons by one step (``v`` (batch, n) updated in place).
    Returns (spikes, psi of the pre-reset voltage or None)."""
    if fixed:
        count_activation_overflow(a_in, counter)
        v[:] = saturate_state(v + np.left_shift(a_in.astype(np.int64), ACTIVATION_SHIFT),
                              counter)
    else:
        v += a_in
    psi = gaussian_psi(v, vth, surrogate) if surrogate is not None else None
    spikes = v > vth
    v[spikes] = 0
    return spikes, psi


class IAFModel(NeuronModel):
    name, params, label, file_type = "iaf", IAFNeurons, "IAF", "IAF"

    def check(self, params, fixed, where):
        if np.any(np.asarray(params.vth) <= 0):
            raise ParameterError(f"{where}: vth must be > 0, got {params.vth}")

    def kernel_params(self, params, fixed):
        return {"vth": scale_threshold(params.vth) if fixed else params.vth}

    def init_state(self, batch, n, fixed):
        return {"v": np.zeros((batch, n), np.int64 if fixed else np.float64)}

    def step(self, state, a_in, params, *, fixed, counter=None, surrogate=None):
        return iaf_step(state["v"], a_in, **params, fixed=fixed, counter=counter,
                        surrogate=surrogate)

    def lava_process(self, params, n, *, name, reset_interval):
        from iaf_lava.process import IAF
        return IAF(shape=(n,), vth=params.vth, name=name, reset_interval=reset_interval)

    def trainer(self, n, options, seed):
        from iaf_train import IAFTrain
        return IAFTrain(n, psi_sigma=options.get("psi_sigma", DEFAULT_PSI_SIGMA))

    def from_trainer(self, module, fixed, scale):
        return IAFNeurons(vth=scale if fixed else module.vth, psi_sigma=module.psi_sigma)

    def example_params(self, n, fixed, rng):
        return IAFNeurons(vth=256 if fixed else 2.0)

    def example_gain(self, fixed):
        return 1.0


register(IAFModel())
