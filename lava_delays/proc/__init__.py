"""Lava processes of lava-delays (process.py: ports + Vars; models.py: models).

Importing this package imports the models too, so Lava's model selection
finds them without extra imports.
"""
from lava_delays.proc.adlif import AdLIF
from lava_delays.proc.axonal_delay import AxonalDelay
from lava_delays.proc.lif import LIF, LeakyReadout
from lava_delays.proc.learning_delay_dense import LearningDelayDense
from lava_delays.proc.learning_signal import LearningSignal
from lava_delays.proc.plastic_delay_dense import PlasticDelayDense
from lava_delays.proc.readout_error import ReadoutError
from lava_delays.proc.synaptic_delay_dense import SynapticDelayDense

__all__ = ["SynapticDelayDense", "AxonalDelay", "LIF", "LeakyReadout", "AdLIF",
           "PlasticDelayDense", "ReadoutError", "LearningSignal", "LearningDelayDense"]
