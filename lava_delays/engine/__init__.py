"""Batched fixed-point / float engine built from the shared kernels."""
from lava_delays.engine.network import (AdLIFNeurons, Connection, Layer,
                                        LIFNeurons, Network, ReadoutNeurons)
from lava_delays.engine.simulate import SimResult, simulate

__all__ = ["Network", "Layer", "Connection", "LIFNeurons", "AdLIFNeurons",
           "ReadoutNeurons", "simulate", "SimResult"]
