"""The IAF neuron in torch for the trainer: float and quantized mode, the
twin of ``iaf.iaf_step``."""
import torch

from lava_delays.fixed_point import ACTIVATION_SHIFT, DEFAULT_PSI_SIGMA, THRESHOLD_SHIFT
from lava_delays.train.neuron import TrainNeurons
from lava_delays.train.quantize import ste_saturate
from lava_delays.train.surrogate import spike


class IAFTrain(TrainNeurons):
    """A layer of IAF neurons (threshold ``vth`` in float mode)."""

    def __init__(self, n: int, vth: float = 1.0, psi_sigma: float = DEFAULT_PSI_SIGMA):
        super().__init__(n)
        self.vth, self.psi_sigma = float(vth), float(psi_sigma)

    def init_state(self, batch, like):
        return (like.new_zeros(batch, self.n),)

    def step(self, state, a_in, params):
        (v,) = state
        if self.quantized:
            v = ste_saturate(v + a_in * float(2 ** ACTIVATION_SHIFT))
            s = spike(v / float(self.scale << THRESHOLD_SHIFT), 1.0, self.psi_sigma)
        else:
            v = v + a_in
            s = spike(v, self.vth, self.psi_sigma * self.vth)
        return s, (v * (1 - s.detach()),)
