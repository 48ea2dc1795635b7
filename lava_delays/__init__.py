"""lava-delays: Lava processes, engine, trainer and deployment for spiking
networks with learnable synaptic and axonal delays.

The network description lives in :mod:`lava_delays.network`, the neuron
models in :mod:`lava_delays.neurons`, Lava processes in
:mod:`lava_delays.proc`, the shared dynamics in :mod:`lava_delays.kernels`,
the fixed-point spec in :mod:`lava_delays.fixed_point`, the batched engine in
:mod:`lava_delays.engine`, data sets in :mod:`lava_delays.data`.
"""
from lava_delays.engine import (OnlineConfig, OnlineLearner, simulate,
                                train_online)
from lava_delays.errors import (CheckpointError, DelayRangeError, FormatVersionError,
                                LavaDelaysError, NetworkFileError,
                                NonFiniteError, ParameterError, ShapeError,
                                TrainingDivergedError,
                                UnsupportedFeatureError, WeightRangeError)
from lava_delays.fixed_point import MAX_DELAY, OverflowCounter
from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import AdLIFNeurons, LIFNeurons, ReadoutNeurons
from lava_delays.result import SimResult

__version__ = "0.1.0"

__all__ = ["Network", "Layer", "Connection", "LIFNeurons", "AdLIFNeurons",
           "ReadoutNeurons", "simulate", "SimResult", "OnlineConfig", "OnlineLearner",
           "train_online", "MAX_DELAY",
           "OverflowCounter", "LavaDelaysError", "DelayRangeError",
           "WeightRangeError", "NonFiniteError", "ShapeError", "ParameterError",
           "NetworkFileError", "FormatVersionError", "UnsupportedFeatureError",
           "CheckpointError", "TrainingDivergedError"]
