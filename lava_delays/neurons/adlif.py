"""AdLIF+ neurons: parameters, engine step, Lava process, trainer module. The
arithmetic is :func:`lava_delays.kernels.adlif.adlif_step`; neither netx nor
NIR nor the on-line learner has this neuron (no CUBA form)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lava_delays.fixed_point import DEFAULT_PSI_SIGMA, scale_threshold
from lava_delays.kernels.adlif import (ALPHA_RANGE, BETA_RANGE, adlif_params_to_fixed,
                                       adlif_step, check_adlif_params)
from lava_delays.neurons.registry import NeuronModel, register


@dataclass
class AdLIFNeurons:
    """AdLIF+ parameters (floats in range; the fixed model rounds them)."""
    alpha: np.ndarray
    beta: np.ndarray
    a: np.ndarray
    b: np.ndarray
    vth: float = 1.0
    psi_sigma: float = DEFAULT_PSI_SIGMA


def _adaptation(params) -> dict:
    return dict(alpha=params.alpha, beta=params.beta, a=params.a, b=params.b)


class AdLIFModel(NeuronModel):
    name, params, label, file_type = "adlif", AdLIFNeurons, "AdLIF", "ADLIF"

    def check(self, params, fixed, where):
        check_adlif_params(where, **_adaptation(params))

    def kernel_params(self, params, fixed):
        p = _adaptation(params)
        if fixed:
            return dict(adlif_params_to_fixed(**p), vth=scale_threshold(params.vth))
        return dict({k: np.asarray(v, dtype=np.float64) for k, v in p.items()}, vth=params.vth)

    def init_state(self, batch, n, fixed):
        dtype = np.int64 if fixed else np.float64
        return {"u": np.zeros((batch, n), dtype), "w": np.zeros((batch, n), dtype),
                "s": np.zeros((batch, n), bool)}

    def step(self, state, a_in, params, *, fixed, counter=None, surrogate=None):
        return adlif_step(state["u"], state["w"], state["s"], a_in, **params, fixed=fixed,
                          counter=counter, surrogate=surrogate)

    def lava_process(self, params, n, *, name, reset_interval):
        from lava_delays.proc.adlif.process import AdLIF
        return AdLIF(shape=(n,), **_adaptation(params), vth=params.vth,
                     psi_sigma=params.psi_sigma, name=name, reset_interval=reset_interval)

    def trainer(self, n, options, seed):
        from lava_delays.train.adlif import AdLIF
        return AdLIF(n, psi_sigma=options.get("psi_sigma", DEFAULT_PSI_SIGMA), seed=seed)

    def from_trainer(self, module, fixed, scale):
        p = {k: v.detach().double().cpu().numpy() for k, v in module.clamped().items()}
        return AdLIFNeurons(**p, vth=scale if fixed else module.vth, psi_sigma=module.psi_sigma)

    def example_params(self, n, fixed, rng):
        return AdLIFNeurons(alpha=rng.uniform(*ALPHA_RANGE, n), beta=rng.uniform(*BETA_RANGE, n),
                            a=rng.uniform(0, 1, n), b=rng.uniform(0, 2, n),
                            vth=64 if fixed else 1.0)

    def example_gain(self, fixed):
        return 12.0 if fixed else 48.0


register(AdLIFModel())

__all__ = ["AdLIFNeurons", "AdLIFModel"]
