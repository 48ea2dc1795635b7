"""Offline training on real speech, deployment and on-device fine-tuning:
the Free Spoken Digit Dataset folder beside the project
(``../shared/data/fsdd``; ``LAVA_DELAYS_FSDD`` overrides), trained on three
speakers, tested on the held-out fourth (``george``, as ``online_fsdd``).

Input: torchaudio log-mel (40 bands, 10 ms hop) -> send-on-delta spikes (80
channels), T = 64. Network: 80 -> 128 hidden -> 10 read-out, Adam, dropout
0.3 on hidden spikes, 10 % input-spike dropout, +-3-step shifts.
Conditions: weights only (LIF), fixed random synaptic delays, learned
synaptic delays, +adaptation (AdLIF+, no delays), all (AdLIF+ and learned
synaptic delays). Each reports the float accuracy (end of the float phase)
and the deployed fixed-point accuracy (after quantization-aware training;
equal to the engine's, spike for spike).

On-device fine-tuning: the learned-synaptic-delay model is quantized, and
the three-factor on-line learner starts from it
(:meth:`lava_delays.engine.OnlineLearner.from_network`) and learns weights
and delays on ``shots`` samples per digit of the test speaker; accuracy on
that speaker's other samples before and after.

Run: ``lava-delays bench train_fsdd --out DIR`` (about 10 minutes on 2 cores).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import (FSDD_TEST_SPEAKER, fsdd_by_speaker, log, machine_info,
                                    write_metrics)

TEST_SPEAKER = FSDD_TEST_SPEAKER
RECIPE = dict(hidden=(128,), max_delay=25, dropout=0.3, input_dropout=0.1, time_shift=3)
CONDITIONS = [
    ("weights only", dict(delays="none", learn=["weights"])),
    ("fixed random delays", dict(delays="synaptic", learn=["weights"])),
    ("learned synaptic", dict(delays="synaptic", learn=["weights", "synaptic"])),
    ("+adaptation", dict(delays="none", neuron="adlif", learn=["weights", "adaptation"])),
    ("all", dict(delays="synaptic", neuron="adlif")),
]


def train_condition(name, opts, train, test, out, epochs, seed):
    """Train one condition (``RECIPE`` updated by ``opts``) in ``out/name``;
    returns ``(trainer, row)`` with the float, best-epoch and deployed
    (quantized) test accuracies, train accuracy, delay movement and time."""
    import torch

    from lava_delays.train.model import ModelConfig
    from lava_delays.train.trainer import Trainer, TrainConfig
    torch.set_num_threads(1)
    merged = {**RECIPE, **opts, "seed": seed}
    mk = {k: v for k, v in merged.items() if k in ModelConfig.__dataclass_fields__}
    tk = {k: v for k, v in merged.items() if k in TrainConfig.__dataclass_fields__}
    trainer = Trainer(ModelConfig(n_in=train[0].shape[2], n_classes=10, **mk),
                      TrainConfig(epochs=epochs, **tk), out / name.replace(" ", "_"),
                      progress=lambda r: log(f"{name}: epoch {r['epoch']} test "
                                             f"{r['test_accuracy']:.3f}"))
    t0 = time.perf_counter()
    hist = trainer.fit(train, test)
    return trainer, {
        "condition": name, "float_accuracy": [r["test_accuracy"] for r in hist
                                              if not r["quantized"]][-1],
        "best_float_accuracy": max(r["test_accuracy"] for r in hist if not r["quantized"]),
        "quantized_accuracy": hist[-1]["test_accuracy"],
        "train_accuracy": hist[-1]["train_accuracy"], "delay_shift": trainer.delay_shift(),
        "seconds": time.perf_counter() - t0}


def _finetune(trainer, x, y, shots, epochs, seed):
    """On-line fine-tuning of the deployed model on ``shots`` samples per
    digit of the new speaker; returns accuracies before/after."""
    from lava_delays.deploy.quantize import quantize_model
    from lava_delays.engine import OnlineConfig, OnlineLearner, simulate, train_online
    net, _ = quantize_model(trainer.model)
    rng = np.random.default_rng(seed)
    pick = np.concatenate([rng.choice(np.flatnonzero(y == d), shots, replace=False)
                           for d in range(10)])
    rest = np.setdiff1d(np.arange(len(y)), pick)
    deployed = float((simulate(net, x[rest]).predict() == y[rest]).mean())
    # fine-tuning rates: ~0.1x the from-scratch weight/read-out rates
    learner = OnlineLearner.from_network(
        net, OnlineConfig(lr_weights=0.03, lr_readout=0.015, max_delay=25, seed=seed),
        readout_scale=trainer.model.blocks[-1].scale)
    before = learner.evaluate(x[rest], y[rest])
    hist = train_online(learner, (x[pick], y[pick]), (x[rest], y[rest]), epochs=epochs,
                        batch=10, seed=seed)
    return {"shots_per_digit": shots, "n_adapt": int(len(pick)), "n_eval": int(len(rest)),
            "deployed_fixed_point_accuracy": deployed, "before": before,
            "after": hist[-1]["test_accuracy"], "history": hist,
            "delay_shift": learner.delay_shift()}


def run(out: Path, quick: bool = False, epochs: int = 12, seed: int = 0) -> dict:
    out = Path(out)
    train, test, train_speakers = fsdd_by_speaker(TEST_SPEAKER)
    conditions = CONDITIONS
    if quick:
        epochs, conditions = 2, CONDITIONS[2:3]
        train, test = (train[0][::10], train[1][::10]), (test[0][::2], test[1][::2])
    rows, trained = [], {}
    for name, opts in conditions:
        trainer, row = train_condition(name, opts, train, test, out / "runs", epochs, seed)
        rows.append(row)
        trained[name] = trainer
    ft = _finetune(trained["learned synaptic"], test[0], test[1], shots=1 if quick else 5,
                   epochs=2 if quick else 10, seed=seed)
    lines = [f"FSDD: train {train_speakers}, test '{TEST_SPEAKER}' (unseen), "
             f"{len(train[1])} / {len(test[1])} samples, 80 -> 128 -> 10, {epochs} epochs",
             f"{'condition':22s} {'float':>6s} {'best':>6s} {'fixed-pt':>8s} {'train':>6s} "
             f"{'|dd|':>5s}"]
    for r in rows:
        lines.append(f"{r['condition']:22s} {r['float_accuracy']:6.3f} "
                     f"{r['best_float_accuracy']:6.3f} {r['quantized_accuracy']:8.3f} "
                     f"{r['train_accuracy']:6.3f} {r['delay_shift']:5.2f}")
    lines.append(f"on-device fine-tuning (learned synaptic, deployed fixed point "
                 f"{ft['deployed_fixed_point_accuracy']:.3f}): {ft['shots_per_digit']} samples "
                 f"per digit of '{TEST_SPEAKER}', on-line learner {ft['before']:.3f} -> "
                 f"{ft['after']:.3f} on the other {ft['n_eval']}")
    table = "\n".join(lines)
    print(table)
    metrics = {"machine": machine_info(), "rows": rows, "finetune": ft, "table": table,
               "test_speaker": TEST_SPEAKER, "recipe": {k: list(v) if isinstance(v, tuple)
                                                         else v for k, v in RECIPE.items()},
               "epochs": epochs, "accuracy": max(r["quantized_accuracy"] for r in rows),
               "n_test": int(len(test[1]))}
    write_metrics(out, metrics)
    return metrics
