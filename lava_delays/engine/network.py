"""The network description, importable here as well as from
:mod:`lava_delays.network` (where it lives) and :mod:`lava_delays.neurons`."""
from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import AdLIFNeurons, LIFNeurons, ReadoutNeurons

__all__ = ["Network", "Layer", "Connection", "LIFNeurons", "AdLIFNeurons", "ReadoutNeurons"]
