"""Neuron models: one module per model, each registering a
:class:`~lava_delays.neurons.registry.NeuronModel` (see
:mod:`lava_delays.neurons.registry`).

Every module of this package besides the registry defines one model and is
imported here, so a model added as a new module is known to every runner,
file format and command without further edits.
"""
import importlib
import pkgutil

from lava_delays.neurons.lif import LIFNeurons
from lava_delays.neurons.adlif import AdLIFNeurons
from lava_delays.neurons.readout import ReadoutNeurons
from lava_delays.neurons.registry import CubaParams, NeuronModel, lookup, names, register

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["LIFNeurons", "AdLIFNeurons", "ReadoutNeurons", "CubaParams", "NeuronModel",
           "lookup", "names", "register"]
