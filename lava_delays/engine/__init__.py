"""Batched fixed-point / float engine built from the shared kernels."""
from lava_delays.engine.network import (AdLIFNeurons, Connection, Layer,
                                        LIFNeurons, Network, ReadoutNeurons)
from lava_delays.engine.online import OnlineConfig, OnlineLearner, train_online
from lava_delays.engine.simulate import Engine, SimResult, simulate

__all__ = ["Network", "Layer", "Connection", "LIFNeurons", "AdLIFNeurons",
           "ReadoutNeurons", "simulate", "SimResult", "Engine", "OnlineConfig",
           "OnlineLearner", "train_online"]
