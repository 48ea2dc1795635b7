"""CUBA LIF neurons (lava's ``LIF``): parameters, engine step, Lava process,
trainer module. The arithmetic is :func:`lava_delays.kernels.lif.lif_step`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import (DECAY_UNITY, DEFAULT_PSI_SIGMA, scale_bias,
                                     scale_threshold)
from lava_delays.kernels.lif import lif_step
from lava_delays.neurons.registry import CubaParams, NeuronModel, register


@dataclass
class LIFNeurons:
    """CUBA LIF parameters (lava's ``LIF``). Fixed: du, dv in 0..4095, vth and
    bias_mant integer mantissas."""
    du: float
    dv: float
    vth: float
    bias_mant: Union[float, np.ndarray] = 0
    bias_exp: Union[int, np.ndarray] = 0
    psi_sigma: float = DEFAULT_PSI_SIGMA


def check_decays(params, fixed: bool, where: str) -> None:
    """``du``, ``dv`` in [0, 1] (float) or integers in 0..4095 (fixed)."""
    hi = DECAY_UNITY - 1 if fixed else 1.0
    for name in ("du", "dv"):
        val = np.asarray(getattr(params, name))
        if np.any((val < 0) | (val > hi)):
            raise ParameterError(f"{where}: {name} must lie in [0, {hi}], got {val}")
        if fixed and np.any(val != np.round(val)):
            raise ParameterError(f"{where}: fixed-point {name} must be an integer")


def subthreshold_params(params, fixed: bool) -> dict:
    """Decays and bias as :func:`lif_step` takes them (fixed: the effective
    bias ``bias_mant << bias_exp``)."""
    return dict(du=params.du, dv=params.dv,
                bias=scale_bias(params.bias_mant, params.bias_exp) if fixed
                else params.bias_mant)


def init_lif_state(batch: int, n: int, fixed: bool) -> dict:
    dtype = np.int64 if fixed else np.float64
    return {"u": np.zeros((batch, n), dtype), "v": np.zeros((batch, n), dtype)}


def trained_decays(module, fixed: bool) -> dict:
    """``du``, ``dv`` of a trainer :class:`~lava_delays.train.lif.LIF`: its
    floats, or lava's 12-bit integers."""
    return dict(du=module.du_q, dv=module.dv_q) if fixed else dict(du=module.du, dv=module.dv)


class LIFModel(NeuronModel):
    name, params, label, file_type = "lif", LIFNeurons, "LIF", "CUBA"

    def check(self, params, fixed, where):
        check_decays(params, fixed, where)

    def kernel_params(self, params, fixed):
        vth = scale_threshold(params.vth) if fixed else params.vth
        return dict(subthreshold_params(params, fixed), vth=vth)

    def init_state(self, batch, n, fixed):
        return init_lif_state(batch, n, fixed)

    def step(self, state, a_in, params, *, fixed, counter=None, surrogate=None):
        return lif_step(state["u"], state["v"], a_in, **params, fixed=fixed, counter=counter,
                        surrogate=surrogate)

    def lava_process(self, params, n, *, name, reset_interval):
        from lava_delays.proc.lif.process import LIF
        return LIF(shape=(n,), du=params.du, dv=params.dv, vth=params.vth,
                   bias_mant=params.bias_mant, bias_exp=params.bias_exp,
                   psi_sigma=params.psi_sigma, name=name, reset_interval=reset_interval)

    def trainer(self, n, options, seed):
        from lava_delays.train.lif import LIF
        return LIF(n, **{k: options[k] for k in ("du", "dv", "psi_sigma") if k in options})

    def from_trainer(self, module, fixed, scale: Optional[int]):
        return LIFNeurons(**trained_decays(module, fixed), vth=scale if fixed else module.vth,
                          psi_sigma=module.psi_sigma)

    def cuba(self, params):
        return CubaParams(params.du, params.dv, params.vth, params.bias_mant, params.bias_exp)

    def example_params(self, n, fixed, rng):
        return LIFNeurons(du=1024 if fixed else 0.25, dv=1024 if fixed else 0.25,
                          vth=256 if fixed else 2.0)

    def example_gain(self, fixed):
        return 2.0


register(LIFModel())

__all__ = ["LIFNeurons", "LIFModel"]
