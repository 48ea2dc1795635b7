"""``lava-delays online``: on-line three-factor learning over a data set, on
the batched engine or as Lava processes; writes ``metrics.json``, a learning
curve and a delay histogram."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from lava_delays import presets
from lava_delays.atomic import check_fresh_output, write_json
from lava_delays.data.spec import load_split
from lava_delays.engine.online import (OnlineConfig, OnlineLearner, check_spread_epochs,
                                       spike_augment, train_online)
from lava_delays.errors import ParameterError
from lava_delays.plots import delay_histogram, learning_curve
from lava_delays.progress import epoch_progress, note


def _delays(learner: OnlineLearner) -> dict:
    out = {}
    for k, syn in enumerate(learner.ff):
        if syn.syn is not None:
            out[f"layer{k} synaptic"] = syn.syn.routed()
        if syn.ax is not None:
            out[f"layer{k} axonal"] = syn.ax.routed()
        rec = learner.rec[k]
        if rec is not None and rec.syn is not None:
            out[f"layer{k} recurrent"] = rec.syn.routed()
    return out


@dataclass
class OnlineRunConfig:
    """How ``lava-delays online`` (:func:`run_online`) drives the learner; the
    learner's own settings are :class:`~lava_delays.engine.OnlineConfig`.

    ``spread_epochs``: epochs over which the delay spread anneals to 0
    (default half of ``epochs``, see :func:`train_online`); ``input_dropout``
    and ``time_shift``: training-time augmentation of the input spikes (each
    spike dropped with that probability, each sample shifted by up to that
    many steps; :func:`spike_augment`); every rate is multiplied by
    ``lr_decay ** epoch``.
    """
    epochs: int = 20
    batch: int = 32
    backend: str = "engine"
    spread_epochs: Optional[int] = None
    input_dropout: float = 0.0
    time_shift: int = 0
    lr_decay: float = 1.0
    #: audio folders: random variants (noise, frequency warp) of every
    #: training recording added when the data is loaded
    augment: int = 0

    def __post_init__(self):
        for name in ("epochs", "batch"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ParameterError(f"{name} must be an integer >= 1, got {v!r}")
        if self.backend not in ("engine", "lava"):
            raise ParameterError(f"backend must be 'engine' or 'lava', got {self.backend!r}")
        check_spread_epochs(self.spread_epochs)
        if not (np.isfinite(self.input_dropout) and 0 <= self.input_dropout < 1):
            raise ParameterError(f"input_dropout must lie in [0, 1), got {self.input_dropout}")
        if (isinstance(self.time_shift, bool) or not isinstance(self.time_shift, (int, np.integer))
                or self.time_shift < 0):
            raise ParameterError(f"time_shift must be an integer >= 0, got {self.time_shift!r}")
        if not (np.isfinite(self.lr_decay) and 0 < self.lr_decay <= 1):
            raise ParameterError(f"lr_decay must lie in (0, 1], got {self.lr_decay}")
        if (isinstance(self.augment, bool) or not isinstance(self.augment, (int, np.integer))
                or self.augment < 0):
            raise ParameterError(f"augment must be an integer >= 0, got {self.augment!r}")


RUN_KEYS = {f.name for f in fields(OnlineRunConfig)}
LEARNER_KEYS = {f.name for f in fields(OnlineConfig)}
#: what a deployed network fixes when learning starts from it (--init)
ARCHITECTURE_KEYS = {"hidden", "delays", "recurrent", "recurrent_delays", "hidden_weight"}


def online_options(data: str, *, preset: Optional[str] = None, config: Optional[dict] = None,
                   init=None, **options) -> Tuple[OnlineRunConfig, dict, str]:
    """The settings of an on-line run: the preset's (``online``, or ``adapt``
    with ``init``), then ``config``, then ``options`` (None = not given).
    Returns ``(run config, learner options, preset name)``."""
    name = presets.resolve(preset, data)
    section = "adapt" if init is not None else "online"
    base = presets.options(name, data, section, preset is not None) if name else {}
    given = {k: v for k, v in options.items() if v is not None}
    merged = {**base, **(config or {}), **given}
    unknown = set(merged) - RUN_KEYS - LEARNER_KEYS
    if unknown:
        raise ParameterError(f"unknown on-line options {sorted(unknown)}")
    if init is not None:
        fixed_by_net = sorted(ARCHITECTURE_KEYS & set({**(config or {}), **given}))
        if fixed_by_net:
            raise ParameterError(f"--init: the deployed network fixes {', '.join(fixed_by_net)}"
                                 f"; drop {'it' if len(fixed_by_net) == 1 else 'them'}")
        for key in ARCHITECTURE_KEYS:
            merged.pop(key, None)
    if merged.get("backend") == "lava":
        # Lava's plastic synapses learn with the exact gradient: no spread
        for key in ("delay_spread", "spread_epochs"):
            if key in given and given[key]:
                raise ParameterError(f"{key} schedules the engine's delay spread; the Lava "
                                     "backend has no spread")
            merged.pop(key, None)
        merged.setdefault("feedback", "random")         # on chip: no weight transport
    run = OnlineRunConfig(**{k: v for k, v in merged.items() if k in RUN_KEYS})
    learner = {k: v for k, v in merged.items() if k in LEARNER_KEYS}
    if "hidden" in learner:
        learner["hidden"] = tuple(learner["hidden"])
    return run, learner, name


def check_same_encoding(init, trained_on: Optional[str], *specs: Optional[str]) -> None:
    """A deployed network learns only on data encoded as it was trained
    (the file's metadata names its training data; None: not recorded): the
    same kind and, for recordings, the same encoder settings. The timing
    task has no encoder -- its options describe the task itself, and a
    variant of it (e.g. other gaps) is something to adapt to."""
    from lava_delays.data.spec import encoding_of
    if not trained_on:
        return
    want = encoding_of(trained_on)
    for spec in specs:
        if spec is None:
            continue
        got = encoding_of(spec)
        if got["kind"] == want["kind"] == "timing":
            continue
        if got != want:
            diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            trained = ", ".join(f"{k}={want.get(k)}" for k in diff)
            raise ParameterError(f"--init {init} was trained on data encoded otherwise than "
                                 f"{spec!r} (trained with {trained}; here "
                                 + ", ".join(f"{k}={got.get(k)}" for k in diff) + ")")


def run_online(data: str, out: Path, *, test_data: Optional[str] = None,
               preset: Optional[str] = None, config: Optional[dict] = None,
               init: Optional[Path] = None, **options) -> dict:
    """Train on-line and evaluate; returns (and writes) the metrics.

    ``options`` are fields of :class:`OnlineRunConfig` and
    :class:`~lava_delays.engine.OnlineConfig`; they override ``config``,
    which overrides the preset (default: the data kind's, see
    :mod:`lava_delays.presets`). ``init``: a deployed network file to start
    from (on-device learning; its architecture replaces ``hidden``,
    ``delays``, ``recurrent`` ...)."""
    run, learner_opts, preset_name = online_options(data, preset=preset, config=config,
                                                    init=init, **options)
    data = presets.data_spec(preset_name, data)
    if test_data is not None:
        test_data = presets.data_spec(preset_name, test_data)
    out = Path(out)
    check_fresh_output(out)
    if init is not None:
        from lava_delays.deploy.hdf5 import load_hdf5, load_hdf5_metadata
        from lava_delays.engine.finetune import readout_scale_of
        net = load_hdf5(init)
        metadata = load_hdf5_metadata(init)
        check_same_encoding(init, metadata.get("data"), data, test_data)
    train, test, info = load_split(data, test_data, augment=run.augment,
                                   seed=learner_opts.get("seed", 0))
    if init is not None:
        if net.n_in != info["n_inputs"] or net.n_out != info["n_classes"]:
            raise ParameterError(f"--init {init} is a {net.n_in} -> {net.n_out} network, the "
                                 f"data has {info['n_inputs']} inputs and "
                                 f"{info['n_classes']} classes")
        learn = learner_opts.pop("learn", None)
        learner_opts.setdefault("fixed", net.fixed)       # on-device: the file's arithmetic
        learner = OnlineLearner.from_network(
            net, OnlineConfig(**learner_opts),
            readout_scale=readout_scale_of(metadata), learn=learn)
        if learner.spiking_output_converted:
            note("online", f"{init}: the last layer spikes (a lava-dl network); on-line "
                           "learning uses it as a leaky read-out (same weights and decays, "
                           "no threshold)")
    else:
        learner = OnlineLearner(info["n_inputs"], info["n_classes"], OnlineConfig(**learner_opts))
    cfg = learner.cfg
    out.mkdir(parents=True, exist_ok=True)
    initial_accuracy = learner.evaluate(*test)
    before = {k: v.copy() for k, v in _delays(learner).items()}
    t0 = time.perf_counter()
    if run.backend == "engine":
        augment = (spike_augment(run.input_dropout, run.time_shift)
                   if run.input_dropout or run.time_shift else None)
        history = train_online(learner, train, test, epochs=run.epochs, batch=run.batch,
                               seed=cfg.seed, spread_epochs=run.spread_epochs,
                               lr_decay=run.lr_decay, augment=augment,
                               progress=epoch_progress(run.epochs, desc="online learning"))
    else:
        history = _train_lava(learner, train, test, run.epochs, cfg.seed)
    seconds = time.perf_counter() - t0
    accuracy = history[-1]["test_accuracy"]
    metrics = {
        "accuracy": accuracy, "n_test": int(len(test[1])), "n_train": int(len(train[1])),
        "initial_accuracy": initial_accuracy, "init": None if init is None else str(init),
        "init_output_as_readout": learner.spiking_output_converted,
        "preset": preset_name, "backend": run.backend,
        "arithmetic": "fixed" if cfg.fixed else "float",
        "delays": cfg.delays, "learn": list(cfg.learn), "recurrent": cfg.recurrent,
        "recurrent_delays": cfg.recurrent_delays, "hidden": list(cfg.hidden),
        "epochs": run.epochs, "spread_epochs": run.spread_epochs, "run": asdict(run),
        "learner": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()},
        "train_seconds": seconds,
        "history": history, "delay_clamps": learner.delay_clamps,
        "mean_delay_shift": learner.delay_shift(), "overflow_counts": dict(learner.counter),
        "data": data, **{k: v for k, v in info.items() if k not in ("n_inputs",)},
    }
    write_json(out / "metrics.json", metrics)
    learning_curve(history, out / "learning_curve.png",
                   title=f"{data.split(':')[0]}: delays={cfg.delays}, learn={','.join(cfg.learn)}",
                   initial_accuracy=initial_accuracy if init is not None else None)
    after = _delays(learner)
    if after:
        delay_histogram(before, after, out / "delay_histogram.png", cfg.max_delay)
    return metrics


def _train_lava(learner: OnlineLearner, train, test, epochs: int, seed: int) -> list:
    """Each epoch streams the shuffled training set through one Lava run of
    the learning graph (updates after every sample), then evaluates. The
    graph is rebuilt per epoch from the learner's parameters, so the
    ``PlasticDelayDense`` momentum restarts from zero every epoch (the
    engine's carries over)."""
    from lava_delays.proc.learning_graph import OnlineLavaGraph
    rng = np.random.default_rng(seed)
    bar = epoch_progress(epochs, desc="online learning")
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(train[1]))
        result = OnlineLavaGraph(learner, train[0][order], train[1][order]).run()
        learner.load_lava_result(result)
        record = {"epoch": epoch + 1, "loss": result["loss_sum"] / max(result["n_seen"], 1),
                  "train_accuracy": result["accuracy"], "delay_shift": learner.delay_shift(),
                  "delay_clamps": learner.delay_clamps,
                  "test_accuracy": learner.evaluate(*test)}
        history.append(record)
        bar(record)
    return history
