"""The trained network: hidden :class:`~lava_delays.train.block.DelayBlock`
layers and a non-spiking read-out, described by a :class:`ModelConfig`, and
its conversion to the :class:`lava_delays.network.Network` that the engine,
the Lava graph and the deployment files run.

``--delays`` says which delays exist (``none``, ``synaptic``: per synapse in
every feed-forward connection of the hidden layers, ``axonal``: per neuron of
every population feeding a hidden layer, ``both``), ``--learn`` which
parameter kinds learn (``weights``, ``synaptic``, ``axonal``,
``adaptation``); delays that exist but do not learn stay at their random
start ("fixed random delays").
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import List, Optional, Tuple

import numpy as np
import torch

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import DEFAULT_PSI_SIGMA, MAX_DELAY
from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import lookup, names
from lava_delays.train.block import DelayBlock
from lava_delays.train.delays import deployed_delays
from lava_delays.train.quantize import quantize_mantissa

DELAY_KINDS = ("none", "synaptic", "axonal", "both")


def coerce(value, kind: type, name: str):
    """``kind(value)`` for a config field, or a :class:`ParameterError`
    naming it (config files give strings and floats where ints belong)."""
    try:
        out = kind(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be {kind.__name__}, got {value!r}") from None
    if kind is int and isinstance(value, float) and value != out:
        raise ParameterError(f"{name} must be an integer, got {value!r}")
    return out


def parse_sizes(value, name: str) -> tuple:
    """Layer sizes from an int, a "128,64" string or a sequence."""
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    elif not isinstance(value, (list, tuple)):
        value = [value]
    return tuple(coerce(v, int, name) for v in value)
LEARN_KINDS = ("weights", "synaptic", "axonal", "adaptation")


@dataclass
class ModelConfig:
    """Architecture of a :class:`DelayNet` (stored in every checkpoint)."""
    n_in: int
    n_classes: int
    hidden: Tuple[int, ...] = (64,)
    delays: str = "synaptic"
    neuron: str = "lif"
    recurrent: bool = False
    max_delay: int = 25
    #: initial synaptic delays are uniform in 0..init_delay (default max_delay)
    init_delay: Optional[int] = None
    axonal_max_delay: int = 25
    rec_max_delay: int = 4
    readout_max_delay: int = 0
    du: float = 0.5
    dv: float = 0.2
    readout_du: float = 0.5
    readout_dv: float = 0.05
    psi_sigma: float = DEFAULT_PSI_SIGMA
    #: start every hidden feed-forward weight at this value instead of at
    #: random (equal coincidence detectors whose delays decide what they see;
    #: ignored without synaptic delays, where all neurons would be the same)
    hidden_weight: Optional[float] = None
    seed: int = 0

    def __post_init__(self):
        self.hidden = parse_sizes(self.hidden, "hidden")
        if self.hidden_weight is not None:
            self.hidden_weight = coerce(self.hidden_weight, float, "hidden_weight")
            if not np.isfinite(self.hidden_weight):
                raise ParameterError(f"hidden_weight must be finite, got {self.hidden_weight}")
        for name in ("n_in", "n_classes", "max_delay", "axonal_max_delay", "rec_max_delay",
                     "readout_max_delay", "seed"):
            setattr(self, name, coerce(getattr(self, name), int, name))
        for name in ("du", "dv", "readout_du", "readout_dv", "psi_sigma"):
            setattr(self, name, coerce(getattr(self, name), float, name))
        self.recurrent = bool(self.recurrent)
        if self.delays not in DELAY_KINDS:
            raise ParameterError(f"delays must be one of {DELAY_KINDS}, got {self.delays!r}")
        if self.neuron not in names(spiking=True):
            raise ParameterError(f"neuron must be one of {names(spiking=True)}, got "
                                 f"{self.neuron!r}")
        if not self.hidden or min(self.hidden) < 1 or self.n_in < 1 or self.n_classes < 2:
            raise ParameterError(f"bad sizes: n_in={self.n_in}, hidden={self.hidden}, "
                                 f"n_classes={self.n_classes}")
        if self.init_delay is not None:
            self.init_delay = coerce(self.init_delay, int, "init_delay")
            if not 0 <= self.init_delay <= self.max_delay:
                raise ParameterError(f"init_delay must be in 0..max_delay ({self.max_delay}), "
                                     f"got {self.init_delay}")
        for name in ("max_delay", "axonal_max_delay", "rec_max_delay", "readout_max_delay"):
            if not 0 <= int(getattr(self, name)) <= MAX_DELAY:
                raise ParameterError(f"{name} must be in 0..{MAX_DELAY}, got "
                                     f"{getattr(self, name)}")

    @property
    def synaptic(self) -> bool:
        return self.delays in ("synaptic", "both")

    @property
    def axonal(self) -> bool:
        return self.delays in ("axonal", "both")

    def to_dict(self) -> dict:
        return asdict(self)


class DelayNet(torch.nn.Module):
    """Hidden spiking layers with learnable delays and a leaky read-out.

    ``forward`` returns the read-out voltage (batch, T, n_classes) in float
    units; the logits of a sample are its mean over time and the class is the
    argmax of the summed voltage (as :meth:`lava_delays.engine.SimResult.predict`).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        options = dict(du=cfg.du, dv=cfg.dv, psi_sigma=cfg.psi_sigma)
        blocks: List[DelayBlock] = []
        n_prev = cfg.n_in
        for k, n in enumerate(cfg.hidden):
            blocks.append(DelayBlock(
                n_prev, n, neuron=cfg.neuron, max_delay=cfg.max_delay if cfg.synaptic else 0,
                init_delay=cfg.init_delay if cfg.synaptic else None,
                axonal_max_delay=cfg.axonal_max_delay if cfg.axonal else None,
                # recurrent synapses have delays when the network has synaptic ones
                rec_max_delay=(cfg.rec_max_delay if cfg.synaptic else 0)
                if cfg.recurrent else None,
                seed=cfg.seed + 1000 * k, options=options))
            n_prev = n
        if cfg.hidden_weight is not None and cfg.synaptic:
            # equal weights: the synaptic delays alone make the neurons differ
            # (without them every neuron would be the same: the random start stays)
            with torch.no_grad():
                for block in blocks:
                    block.ff.weight.fill_(cfg.hidden_weight)
        blocks.append(DelayBlock(n_prev, cfg.n_classes, neuron="readout",
                                 max_delay=cfg.readout_max_delay, seed=cfg.seed + 999,
                                 options=dict(du=cfg.readout_du, dv=cfg.readout_dv)))
        self.blocks = torch.nn.ModuleList(blocks)
        #: dropout probability of hidden spikes while training (a training
        #: setting, not architecture: set by the trainer)
        self.dropout = 0.0

    @property
    def quantized(self) -> bool:
        return self.blocks[0].scale is not None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_outputs(x)[-1]

    def layer_outputs(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Every layer's output for input spikes ``x`` (batch, T, n_in): the
        hidden layers' spikes, then the read-out voltage -- per layer what
        the exported network computes (``SimResult.spikes``, ``readout``)."""
        outs = []
        for k, block in enumerate(self.blocks):
            # no dropout in the quantized phase: its 1/(1-p) scaling would feed
            # non-integer input to layers that must compute the engine's integers
            if k and self.training and self.dropout > 0 and not self.quantized:
                x = torch.nn.functional.dropout(x, self.dropout)
            x = block(x)
            outs.append(x)
        return outs

    def parameter_groups(self) -> dict:
        """Parameters by kind: weights (of the hidden layers), synaptic,
        axonal, adaptation (the neurons' own parameters) -- and readout, the
        read-out weights (which always learn: they are the classifier)."""
        groups = {kind: [] for kind in LEARN_KINDS + ("readout",)}
        for k, block in enumerate(self.blocks):
            for lin in (block.ff, block.rec):
                if lin is None:
                    continue
                groups["readout" if k == len(self.blocks) - 1 else "weights"].append(lin.weight)
                if lin.max_delay > 0:
                    groups["synaptic"].append(lin.delay)
            if block.axon is not None:
                groups["axonal"].append(block.axon.delay)
            groups["adaptation"] += list(block.neurons.parameters())
        return groups

    @torch.no_grad()
    def clamp_(self) -> int:
        """Clamp delays into range after an optimizer step; returns how many
        were clamped (counted, never wrapped)."""
        n = 0
        for block in self.blocks:
            for lin in (block.ff, block.rec):
                if lin is not None:
                    n += lin.clamp_delays()
            if block.axon is not None:
                d = block.axon.delay
                n += int(((d < 0) | (d > block.axon.max_delay)).sum())
                d.clamp_(0, block.axon.max_delay)
        return n

    def quantize(self, percentile: float = 100.0) -> List[int]:
        """Switch every layer to the fixed-point forward pass (float64).
        Returns the per-layer scales (threshold mantissas)."""
        self.double()
        return [block.quantize(percentile) for block in self.blocks]

    def restore_phase(self, scales, sharpness=None) -> bool:
        """Put the model back in the phase a checkpoint recorded: the
        per-layer ``scales`` (None: float phase) and delay ``sharpness``.
        Returns whether the model is quantized."""
        for block, sharp in zip(self.blocks, sharpness or [1.0] * len(self.blocks)):
            block.delay_sharpness = float(sharp)
        if scales is None or scales[0] is None:
            return False
        self.double()
        for block, scale in zip(self.blocks, scales):
            block.scale = block.neurons.scale = int(scale)
        return True

    def delays(self) -> dict:
        """Current delays by name (float arrays), for histograms and stats."""
        out = {}
        for k, block in enumerate(self.blocks):
            if block.ff.max_delay > 0:
                out[f"layer{k} synaptic"] = block.ff.delay.detach().cpu().numpy().copy()
            if block.axon is not None:
                out[f"layer{k} axonal"] = block.axon.delay.detach().cpu().numpy().copy()
        return out

    # -- export -----------------------------------------------------------------
    def to_network(self, fixed: Optional[bool] = None) -> Network:
        """The deployable :class:`~lava_delays.network.Network`.

        ``fixed=True`` (default when quantized) gives the integer network the
        quantized forward pass computes; ``fixed=False`` the float network with
        the deployed integer delays.
        """
        fixed = self.quantized if fixed is None else fixed
        if fixed and not self.quantized:
            raise ParameterError("quantize the model first (DelayNet.quantize) to export "
                                 "a fixed-point network")
        layers = []
        for block in self.blocks:
            layers.append(Layer(
                ff=self._connection(block, block.ff, fixed),
                rec=None if block.rec is None else self._connection(block, block.rec, fixed),
                neurons=lookup(block.kind).from_trainer(block.neurons, fixed, block.scale),
                axonal_delays=None if block.axon is None else
                block.axon.integer_delays().cpu().numpy(),
                axonal_max_delay=None if block.axon is None else block.axon.max_delay))
        return Network(n_in=self.cfg.n_in, layers=layers, fixed=fixed).validate()

    @staticmethod
    @torch.no_grad()
    def _connection(block: DelayBlock, lin, fixed: bool) -> Connection:
        delays = deployed_delays(lin.delay, lin.max_delay).cpu().numpy().astype(np.int64)
        if fixed:
            weights = quantize_mantissa(lin.weight.double() * float(block.scale))
            weights = weights.cpu().numpy().astype(np.int64)
        else:
            weights = lin.weight.detach().double().cpu().numpy()
        return Connection(weights=weights, delays=delays, weight_exp=0,
                          max_delay=lin.max_delay)


def config_from_dict(d: dict) -> ModelConfig:
    d = dict(d)
    d["hidden"] = tuple(d.get("hidden", (64,)))
    known = ModelConfig.__dataclass_fields__
    return ModelConfig(**{k: v for k, v in d.items() if k in known})


__all__ = ["ModelConfig", "DelayNet", "config_from_dict", "DELAY_KINDS", "LEARN_KINDS"]
