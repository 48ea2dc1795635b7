"""``lava_delays.train`` -- offline BPTT trainer (on lava-dl slayer) that
co-learns weights, per-synapse delays, axonal delays and AdLIF+ adaptation,
with a quantization-aware final phase whose forward pass equals the
fixed-point engine spike for spike.

Blocks (one concept per module, as slayer's):

* :mod:`~lava_delays.train.delays` -- :class:`SynapticDelayLinear`, a dense
  layer with a learnable weight *and* delay per synapse (DCLS-style
  interpolation between integer taps);
* :mod:`~lava_delays.train.axonal` -- :class:`AxonalDelay`, slayer's
  ``axon.Delay`` batch-first;
* :mod:`~lava_delays.train.neuron` -- :class:`TrainNeurons`, the base of the
  neuron layers; :mod:`~lava_delays.train.lif`, :mod:`~lava_delays.train.adlif`
  -- CUBA LIF / leaky read-out and AdLIF+ in float and quantized
  (fixed-point) mode (each registered neuron model names its module:
  :mod:`lava_delays.neurons`);
* :mod:`~lava_delays.train.quantize` -- straight-through rounding hooks;
* :mod:`~lava_delays.train.block` -- :class:`DelayBlock`, one layer;
* :mod:`~lava_delays.train.model` -- :class:`DelayNet` + :class:`ModelConfig`
  and the export to :class:`lava_delays.network.Network`;
* :mod:`~lava_delays.train.trainer` -- :class:`Trainer` (per-kind learning
  rates, QAT phase, checkpoint/resume, torchrun data parallelism);
* :func:`~lava_delays.train.run.train` -- what ``lava-delays train`` calls.
"""
from lava_delays.train.adlif import AdLIF
from lava_delays.train.axonal import AxonalDelay
from lava_delays.train.block import DelayBlock
from lava_delays.train.delays import SynapticDelayLinear, delayed_current
from lava_delays.train.lif import LIF
from lava_delays.train.model import DelayNet, ModelConfig
from lava_delays.train.neuron import TrainNeurons
from lava_delays.train.run import train
from lava_delays.train.surrogate import GaussSpike, spike
from lava_delays.train.trainer import (CheckpointError, TrainConfig, Trainer,
                                       TrainingDivergedError, accuracy_of,
                                       load_model)

__all__ = ["AdLIF", "AxonalDelay", "DelayBlock", "SynapticDelayLinear", "delayed_current",
           "LIF", "TrainNeurons", "DelayNet", "ModelConfig", "train", "GaussSpike", "spike", "TrainConfig",
           "Trainer", "CheckpointError", "TrainingDivergedError", "accuracy_of", "load_model"]
