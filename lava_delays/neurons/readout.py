"""The non-spiking leaky read-out: CUBA LIF sub-threshold dynamics without a
threshold (:func:`lava_delays.kernels.lif.lif_step` with ``vth=None``); the
class is the argmax of the summed voltage."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np

from lava_delays.kernels.lif import lif_step
from lava_delays.neurons.lif import (check_decays, init_lif_state, subthreshold_params,
                                     trained_decays)
from lava_delays.neurons.registry import CubaParams, NeuronModel, register


@dataclass
class ReadoutNeurons:
    """Non-spiking leaky integrator (read-out)."""
    du: float
    dv: float
    bias_mant: Union[float, np.ndarray] = 0
    bias_exp: Union[int, np.ndarray] = 0


class ReadoutModel(NeuronModel):
    name, params, label, file_type = "readout", ReadoutNeurons, "read-out", "CUBA"
    spiking = False

    def check(self, params, fixed, where):
        check_decays(params, fixed, where)

    def kernel_params(self, params, fixed):
        return subthreshold_params(params, fixed)

    def init_state(self, batch, n, fixed):
        return init_lif_state(batch, n, fixed)

    def step(self, state, a_in, params, *, fixed, counter=None, surrogate=None):
        return lif_step(state["u"], state["v"], a_in, **params, vth=None, fixed=fixed,
                        counter=counter)

    def output(self, state, spikes):
        return state["v"]

    def lava_process(self, params, n, *, name, reset_interval):
        from lava_delays.proc.lif.process import LeakyReadout
        return LeakyReadout(shape=(n,), du=params.du, dv=params.dv, bias_mant=params.bias_mant,
                            bias_exp=params.bias_exp, name=name, reset_interval=reset_interval)

    def trainer(self, n, options, seed):
        from lava_delays.train.lif import LIF
        return LIF(n, spiking=False, **{k: options[k] for k in ("du", "dv") if k in options})

    def from_trainer(self, module, fixed, scale):
        return ReadoutNeurons(**trained_decays(module, fixed))

    def cuba(self, params):
        return CubaParams(params.du, params.dv, None, params.bias_mant, params.bias_exp)


register(ReadoutModel())

__all__ = ["ReadoutNeurons", "ReadoutModel"]
