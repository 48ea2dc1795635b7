"""Batched fixed-point / float engine built from the shared kernels."""
from lava_delays.engine.online import OnlineConfig, OnlineLearner, train_online
from lava_delays.engine.simulate import Engine, simulate
from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import AdLIFNeurons, LIFNeurons, ReadoutNeurons
from lava_delays.result import SimResult

__all__ = ["Network", "Layer", "Connection", "LIFNeurons", "AdLIFNeurons",
           "ReadoutNeurons", "simulate", "SimResult", "Engine", "OnlineConfig",
           "OnlineLearner", "train_online"]
