"""Pure numpy step functions: the one copy of every piece of dynamics.

Every runner -- the Lava process models, the batched engine, the quantized
trainer's reference check -- calls these; none keeps a second copy.
All functions are batch-first: arrays are (batch, neurons[, slots]).
"""
from lava_delays.kernels.adlif import (adlif_params_to_fixed, adlif_step,
                                       clamp_adlif_params, check_adlif_params)
from lava_delays.kernels.axonal import axonal_delay_step, new_axon_buffer
from lava_delays.kernels.delay_line import (SynapseTable, delay_line_emit,
                                            delay_line_ingest,
                                            delay_line_step, new_buffer)
from lava_delays.kernels.lif import lif_step
from lava_delays.kernels.surrogate import GaussianSurrogate, gaussian_psi

__all__ = ["SynapseTable", "delay_line_emit", "delay_line_ingest", "delay_line_step", "new_buffer", "axonal_delay_step",
           "new_axon_buffer", "lif_step", "adlif_step", "clamp_adlif_params",
           "check_adlif_params", "adlif_params_to_fixed", "GaussianSurrogate",
           "gaussian_psi"]
