"""``lava-delays online``: on-line three-factor learning over a data set, on
the batched engine or as Lava processes; writes ``metrics.json``, a learning
curve and a delay histogram."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from lava_delays.atomic import write_json
from lava_delays.data.spec import load_split
from lava_delays.engine.online import (OnlineConfig, OnlineLearner, check_anneal_epochs,
                                       train_online)
from lava_delays.errors import ParameterError
from lava_delays.plots import delay_histogram, learning_curve


def _progress(epochs: int):
    from tqdm import tqdm
    bar = tqdm(total=epochs, desc="online learning", unit="epoch", file=sys.stderr,
               disable=None)

    def update(record):
        bar.update(1)
        shown = {k: f"{v:.3f}" for k, v in record.items()
                 if k in ("loss", "train_accuracy", "test_accuracy", "delay_shift")}
        bar.set_postfix(shown)
        if record["epoch"] == epochs:
            bar.close()
    return update


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


def run_online(data: str, out: Path, *, test_data: Optional[str] = None,
               delays: str = "synaptic", learn: Optional[Sequence[str]] = None,
               recurrent: bool = False, backend: str = "engine", epochs: int = 20,
               batch: int = 32, hidden: Sequence[int] = (64,), fixed: bool = False,
               feedback: Optional[str] = None, seed: int = 0, init: Optional[Path] = None,
               anneal_epochs: Optional[int] = None, **config) -> dict:
    """Train on-line and evaluate; returns (and writes) the metrics.
    ``anneal_epochs``: epochs over which the engine's delay spread anneals
    to 0 (default: half of ``epochs``; see :func:`train_online`)."""
    if backend not in ("engine", "lava"):
        raise ParameterError(f"backend must be 'engine' or 'lava', got {backend!r}")
    check_anneal_epochs(anneal_epochs)                   # before any data is loaded
    if anneal_epochs is not None and backend == "lava":
        raise ParameterError("anneal_epochs schedules the engine's delay spread; the Lava "
                             "backend has no spread")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    train, test, info = load_split(data, test_data)
    if feedback is None:
        feedback = "random" if backend == "lava" else "symmetric"
    if init is not None:
        # on-device fine-tuning: start from a deployed network's weights and
        # delays; its architecture replaces --hidden/--delays/--recurrent
        if config.pop("recurrent_delays", False):
            raise ParameterError("--recurrent-delays does not apply with --init: the deployed "
                                 "network brings its own recurrent delays (or none)")
        from lava_delays.deploy.hdf5 import load_hdf5, load_hdf5_metadata
        from lava_delays.engine.finetune import readout_scale_of
        net = load_hdf5(init)
        if net.n_in != info["n_inputs"] or net.n_out != info["n_classes"]:
            raise ParameterError(f"--init {init} is a {net.n_in} -> {net.n_out} network, the "
                                 f"data has {info['n_inputs']} inputs and "
                                 f"{info['n_classes']} classes")
        base = OnlineConfig(fixed=fixed, feedback=feedback, seed=seed, **config)
        learner = OnlineLearner.from_network(
            net, base, readout_scale=readout_scale_of(load_hdf5_metadata(init)), learn=learn)
        cfg = learner.cfg
    else:
        cfg = OnlineConfig(hidden=tuple(hidden), delays=delays, learn=learn,
                           recurrent=recurrent, fixed=fixed, feedback=feedback, seed=seed,
                           **config)
        learner = OnlineLearner(info["n_inputs"], info["n_classes"], cfg)
    initial_accuracy = learner.evaluate(*test)
    before = {k: v.copy() for k, v in _delays(learner).items()}
    t0 = time.perf_counter()
    if backend == "engine":
        history = train_online(learner, train, test, epochs=epochs, batch=batch, seed=seed,
                               anneal_epochs=anneal_epochs, progress=_progress(epochs))
    else:
        history = _train_lava(learner, train, test, epochs, seed)
    seconds = time.perf_counter() - t0
    accuracy = history[-1]["test_accuracy"]
    metrics = {
        "accuracy": accuracy, "n_test": int(len(test[1])), "n_train": int(len(train[1])),
        "initial_accuracy": initial_accuracy, "init": None if init is None else str(init),
        "backend": backend, "arithmetic": "fixed" if fixed else "float",
        "delays": cfg.delays, "learn": list(cfg.learn), "recurrent": cfg.recurrent,
        "recurrent_delays": cfg.recurrent_delays, "hidden": list(cfg.hidden), "epochs": epochs,
        "anneal_epochs": anneal_epochs,
        "train_seconds": seconds,
        "history": history, "delay_clamps": learner.delay_clamps,
        "mean_delay_shift": learner.delay_shift(), "overflow_counts": dict(learner.counter),
        "data": data, **{k: v for k, v in info.items() if k not in ("n_inputs",)},
    }
    write_json(out / "metrics.json", metrics)
    learning_curve(history, out / "learning_curve.png",
                   title=f"{data.split(':')[0]}: delays={cfg.delays}, learn={','.join(cfg.learn)}")
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
    bar = _progress(epochs)
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
