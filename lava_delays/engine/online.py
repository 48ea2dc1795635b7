"""Online three-factor learning of weights, synaptic and axonal delays on the
batched engine (float arithmetic; see :mod:`lava_delays.kernels.plasticity`).

The network is input -> hidden LIF layer(s) (per-synapse and/or axonal
delays, optionally recurrent) -> leaky read-out. Every sample runs forward
once; eligibilities accumulate step by step (memory independent of the
sample length), and at the end of the sample the read-out error, sent back
through feedback matrices B, turns them into updates of weights, delays and
read-out weights.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

from lava_delays.engine.network import (Connection, Layer, LIFNeurons, Network,
                                        ReadoutNeurons)
from lava_delays.engine.simulate import Engine
from lava_delays.errors import ParameterError
from lava_delays.fixed_point import MAX_DELAY
from lava_delays.kernels.plasticity import (DelayAccumulator, PreTrace,
                                            accumulate_eligibility,
                                            readout_time_weights)
from lava_delays.kernels.surrogate import GaussianSurrogate

DELAY_KINDS = ("none", "synaptic", "axonal", "both")
LEARNABLE = ("weights", "synaptic", "axonal")


@dataclass
class OnlineConfig:
    """Architecture and learning rates of :class:`OnlineLearner`.

    ``delays`` says which delays exist (random initial values), ``learn``
    which parameters learn (default: all that exist).
    """
    hidden: Sequence[int] = (64,)
    delays: str = "synaptic"
    learn: Optional[Sequence[str]] = None
    recurrent: bool = False
    max_delay: int = 60
    init_delay: Optional[int] = None      # initial delays uniform 0..init_delay
    du: float = 0.5
    dv: float = 0.2
    vth: float = 1.0
    psi_sigma: float = 0.3
    readout_du: float = 0.5
    readout_dv: float = 0.05
    lr_weights: float = 0.02
    lr_delays: float = 0.2
    lr_axonal: float = 0.2
    lr_readout: float = 0.01
    feedback: str = "symmetric"
    weight_init: float = 1.0
    seed: int = 0

    def __post_init__(self):
        if self.delays not in DELAY_KINDS:
            raise ParameterError(f"delays must be one of {DELAY_KINDS}, got {self.delays!r}")
        have = {"weights"} | ({"synaptic"} if self.delays in ("synaptic", "both") else set()) \
            | ({"axonal"} if self.delays in ("axonal", "both") else set())
        learn = set(have if self.learn is None else self.learn)
        bad = learn - set(LEARNABLE)
        if bad:
            raise ParameterError(f"unknown learnable parameter(s) {sorted(bad)}; "
                                 f"choose from {LEARNABLE}")
        missing = learn - have
        if missing:
            raise ParameterError(f"cannot learn {sorted(missing)} with delays={self.delays!r}")
        self.learn = tuple(sorted(learn))
        for name in ("lr_weights", "lr_delays", "lr_axonal", "lr_readout", "psi_sigma"):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0:
                raise ParameterError(f"{name} must be a finite number >= 0, got {v}")
        if not 0 <= self.max_delay <= MAX_DELAY:
            raise ParameterError(f"max_delay must be in 0..{MAX_DELAY}, got {self.max_delay}")
        if self.feedback not in ("symmetric", "random"):
            raise ParameterError(f"feedback must be 'symmetric' or 'random', got {self.feedback!r}")


@dataclass
class _HiddenParams:
    weights: np.ndarray
    delays: Optional[DelayAccumulator]
    axonal: Optional[DelayAccumulator]
    rec: Optional[np.ndarray] = None
    feedback: Optional[np.ndarray] = None


class OnlineLearner:
    """Three-factor online learner (float engine).

    Parameters
    ----------
    n_in, n_classes : int
    config : OnlineConfig
    """

    def __init__(self, n_in: int, n_classes: int, config: OnlineConfig):
        self.cfg, self.n_in, self.n_classes = config, n_in, n_classes
        rng = np.random.default_rng(config.seed)
        self.rng = rng
        init_d = config.max_delay if config.init_delay is None else config.init_delay
        self.hidden: List[_HiddenParams] = []
        n_prev = n_in
        for n in config.hidden:
            w = rng.normal(0, config.weight_init * 2.0 / np.sqrt(n_prev), (n, n_prev)) + 0.5 / n_prev
            syn = ax = None
            if config.delays in ("synaptic", "both"):
                syn = DelayAccumulator(rng.integers(0, init_d + 1, (n, n_prev)).astype(float),
                                       config.max_delay)
            if config.delays in ("axonal", "both"):
                ax = DelayAccumulator(rng.integers(0, init_d + 1, n_prev).astype(float),
                                      config.max_delay)
            rec = rng.normal(0, 0.5 / np.sqrt(n), (n, n)) if config.recurrent else None
            self.hidden.append(_HiddenParams(w, syn, ax, rec))
            n_prev = n
        self.readout = rng.normal(0, 1.0 / np.sqrt(n_prev), (n_classes, n_prev))
        for h in self.hidden:
            h.feedback = rng.normal(0, 1.0 / np.sqrt(n_classes), (h.weights.shape[0], n_classes))
        self.history: list = []

    # --- network view ------------------------------------------------------
    def network(self) -> Network:
        """The current float network (delays rounded to integers)."""
        cfg, layers = self.cfg, []
        for h in self.hidden:
            delays = h.delays.routed() if h.delays is not None else None
            layer = Layer(ff=Connection(weights=h.weights.copy(), delays=delays,
                                        max_delay=cfg.max_delay if h.delays is not None else None),
                          neurons=LIFNeurons(du=cfg.du, dv=cfg.dv, vth=cfg.vth,
                                             psi_sigma=cfg.psi_sigma))
            if h.axonal is not None:
                layer.axonal_delays = h.axonal.routed()
                layer.axonal_max_delay = cfg.max_delay
            if h.rec is not None:
                layer.rec = Connection(weights=h.rec.copy())
            layers.append(layer)
        layers.append(Layer(ff=Connection(weights=self.readout.copy()),
                            neurons=ReadoutNeurons(du=cfg.readout_du, dv=cfg.readout_dv)))
        return Network(n_in=self.n_in, layers=layers, fixed=False)

    # --- learning ------------------------------------------------------------
    def _run(self, x: np.ndarray, learn: bool):
        cfg = self.cfg
        batch, steps, _ = x.shape
        net = self.network()
        sur = [GaussianSurrogate(sigma=cfg.psi_sigma * cfg.vth) for _ in self.hidden] + [None]
        engine = Engine(net, batch, surrogates=sur if learn else None)
        c = readout_time_weights(steps, cfg.readout_du, cfg.readout_dv)
        n_h = len(self.hidden)
        if learn:
            traces, rec_traces, e_w, e_d, e_rw = [], [], [], [], []
            for k, h in enumerate(self.hidden):
                n_post, n_pre = h.weights.shape
                traces.append(PreTrace(batch, n_pre, cfg.max_delay, cfg.du, cfg.dv))
                e_w.append(np.zeros((batch, n_post, n_pre)))
                e_d.append(np.zeros((batch, n_post, n_pre)))
                if h.rec is not None:
                    rec_traces.append(PreTrace(batch, n_post, 0, cfg.du, cfg.dv))
                    e_rw.append(np.zeros((batch, n_post, n_post)))
                else:
                    rec_traces.append(None)
                    e_rw.append(None)
            ro_acc = np.zeros((batch, self.readout.shape[1]))
        y = np.zeros((batch, self.n_classes))
        zeros = {k: np.zeros(h.weights.shape, np.int64) for k, h in enumerate(self.hidden)}
        for t in range(steps):
            inputs, outputs, psis = engine.step(x[:, t])
            y += outputs[-1]
            if not learn:
                continue
            for k, h in enumerate(self.hidden):
                delays = h.delays.routed() if h.delays is not None else zeros[k]
                accumulate_eligibility(e_w[k], e_d[k], traces[k], psis[k], c[t], h.weights,
                                       delays, "weights" in cfg.learn,
                                       bool({"synaptic", "axonal"} & set(cfg.learn)))
                traces[k].push(inputs[k])
                if rec_traces[k] is not None:
                    accumulate_eligibility(e_rw[k], e_rw[k], rec_traces[k], psis[k], c[t],
                                           h.rec, np.zeros(h.rec.shape, np.int64), True, False)
                    rec_traces[k].push(outputs[k].astype(float))
            ro_acc += c[t] * outputs[n_h - 1]
        if not learn:
            return y, None
        return y, (e_w, e_d, e_rw, ro_acc)

    def gradients(self, x: np.ndarray, labels: np.ndarray) -> dict:
        """Forward pass with eligibility traces; the three-factor estimate of
        the loss gradient of every learnable parameter (nothing is changed).

        Returns a dict with ``loss``, ``accuracy`` (of this batch) and per
        hidden layer ``weights[k]``, ``rec[k]``, ``delays[k]`` (synaptic) and
        ``axonal[k]``, plus ``readout``.
        """
        cfg = self.cfg
        y, (e_w, e_d, e_rw, ro_acc) = self._run(x, learn=True)
        steps = x.shape[1]
        logits = y / steps
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        p = np.exp(log_p)
        target = np.eye(self.n_classes)[labels]
        err = (p - target) / (steps * x.shape[0])   # dLoss/dy, batch mean
        out = {"loss": float(-np.mean(log_p[np.arange(len(labels)), labels])),
               "accuracy": float(np.mean(p.argmax(1) == labels)),
               "readout": err.T @ ro_acc, "weights": [], "rec": [], "delays": [], "axonal": []}
        for k, h in enumerate(self.hidden):
            last = k == len(self.hidden) - 1
            fb = self.readout.T if (last and cfg.feedback == "symmetric") else h.feedback
            sig = err @ fb.T                        # learning signal L_j, (batch, n_post)
            out["weights"].append(np.einsum("bj,bji->ji", sig, e_w[k]))
            out["rec"].append(None if h.rec is None else np.einsum("bj,bji->ji", sig, e_rw[k]))
            g_d = np.einsum("bj,bji->ji", sig, e_d[k])
            out["delays"].append(g_d if h.delays is not None else None)
            out["axonal"].append(g_d.sum(axis=0) if h.axonal is not None else None)
        return out

    def apply(self, grads: dict) -> None:
        """Plain SGD step with the per-kind learning rates of the config."""
        cfg = self.cfg
        for k, h in enumerate(self.hidden):
            if "weights" in cfg.learn:
                h.weights -= cfg.lr_weights * grads["weights"][k]
                if h.rec is not None:
                    h.rec -= cfg.lr_weights * grads["rec"][k]
            if "synaptic" in cfg.learn:
                h.delays.apply(-cfg.lr_delays * grads["delays"][k])
            if "axonal" in cfg.learn:
                h.axonal.apply(-cfg.lr_axonal * grads["axonal"][k])
        self.readout -= cfg.lr_readout * grads["readout"]

    def train_batch(self, x: np.ndarray, labels: np.ndarray) -> dict:
        """One forward pass with eligibility traces, then one update.
        Returns the batch's loss and accuracy (before the update)."""
        grads = self.gradients(x, labels)
        self.apply(grads)
        return {"loss": grads["loss"], "accuracy": grads["accuracy"]}

    def predict(self, x: np.ndarray) -> np.ndarray:
        y, _ = self._run(x, learn=False)
        return y.argmax(axis=1)

    def evaluate(self, x: np.ndarray, labels: np.ndarray, batch: int = 256) -> float:
        preds = np.concatenate([self.predict(x[i:i + batch]) for i in range(0, len(x), batch)])
        return float(np.mean(preds == labels))

    @property
    def delay_clamps(self) -> int:
        return sum((h.delays.clamps if h.delays else 0) + (h.axonal.clamps if h.axonal else 0)
                   for h in self.hidden)
