"""On-line three-factor learning on real speech: the Free Spoken Digit
Dataset folder beside the project (``../shared/data/fsdd``), each speaker held
out in turn (trained on the other three: unseen speaker).

Input: torchaudio log-mel (40 bands, 10 ms hop) -> send-on-delta spikes
(80 channels), T = 64. Network: 80 -> 128 LIF -> 10 read-out, float engine,
SGD with momentum, 10 epochs, batch 16, training-time augmentation (20 %
spike dropout, +-3-step shifts), seed 0. Conditions: no delays (weights
only), fixed random synaptic delays (0..25 steps, weights learn) and learned
synaptic delays (0..25 steps, Gaussian spread 3 annealed). The issue's
reference speaker is george (``FSDD_TEST_SPEAKER``); the mean over the four
held-out speakers is what a single speaker cannot settle.

Run: ``lava-delays bench online_fsdd --out DIR`` (6 minutes on a
2-core AMD EPYC, two runs at a time; set ``LAVA_DELAYS_FSDD`` to use another
folder).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import (FSDD_TEST_SPEAKER, fsdd_encoded, log, machine_info,
                                    map_jobs, split_by_speaker, write_metrics)

TEST_SPEAKER = FSDD_TEST_SPEAKER
CONDITIONS = [("weights only", dict(delays="none")),
              ("fixed random delays", dict(delays="synaptic", learn=("weights",))),
              ("learned synaptic delays", dict(delays="synaptic"))]


def _one(job):
    from lava_delays.engine.online import (OnlineConfig, OnlineLearner, spike_augment,
                                           train_online)
    name, opts, speaker, train, test, hidden, epochs = job
    cfg = OnlineConfig(hidden=(hidden,), max_delay=25, delay_spread=3.0, lr_weights=0.1,
                       lr_readout=0.05, seed=0, **opts)
    learner = OnlineLearner(train[0].shape[2], 10, cfg)
    t0 = time.perf_counter()
    hist = train_online(learner, train, test, epochs=epochs, batch=16,
                        augment=spike_augment(0.2, 3))
    row = {"condition": name, "test_speaker": speaker, "n_test": int(len(test[1])),
           "test_accuracy": hist[-1]["test_accuracy"],
           "best_test_accuracy": max(r["test_accuracy"] for r in hist),
           "train_accuracy": hist[-1]["train_accuracy"],
           "mean_delay_shift": learner.delay_shift(),
           "seconds": time.perf_counter() - t0, "history": hist}
    log(f"{name:24s} held out {speaker:8s} test {row['test_accuracy']:.3f} "
        f"(best {row['best_test_accuracy']:.3f}) train {row['train_accuracy']:.3f} "
        f"{row['seconds']:.0f}s")
    return row


def run(out: Path, quick: bool = False, workers: int = 2) -> dict:
    t0 = time.perf_counter()
    encoded = fsdd_encoded()
    speakers = sorted(set(encoded[2].tolist()))
    hidden, epochs = (16, 1) if quick else (128, 10)
    if quick:
        speakers, workers = [TEST_SPEAKER], 1
    jobs = []
    for speaker in speakers:
        train, test, _ = split_by_speaker(encoded, speaker)
        if quick:   # every k-th file: all digits stay represented
            train, test = (train[0][::8], train[1][::8]), (test[0][::5], test[1][::5])
        jobs += [(name, opts, speaker, train, test, hidden, epochs) for name, opts in CONDITIONS]
    rows = map_jobs(_one, jobs, workers)
    means = {name: float(np.mean([r["test_accuracy"] for r in rows if r["condition"] == name]))
             for name, _ in CONDITIONS}
    lines = [f"On-line learning on FSDD, each speaker held out in turn (trained on the other "
             f"three), hidden {hidden}, {epochs} epochs, seed 0; test accuracy on the unseen "
             f"speaker (final epoch)",
             f"{'condition':24s} " + " ".join(f"{s:>8s}" for s in speakers) + f" {'mean':>6s}"]
    for name, _ in CONDITIONS:
        acc = {r["test_speaker"]: r["test_accuracy"] for r in rows if r["condition"] == name}
        lines.append(f"{name:24s} " + " ".join(f"{acc[s]:8.3f}" for s in speakers)
                     + f" {means[name]:6.3f}")
    gain = means["learned synaptic delays"] - means["fixed random delays"]
    lines.append(f"learned - fixed random delays: {100 * gain:+.1f} pp (mean over held-out "
                 f"speakers)")
    table = "\n".join(lines)
    print(table)
    reference = next((r for r in rows if r["condition"] == "learned synaptic delays"
                      and r["test_speaker"] == TEST_SPEAKER), None)
    metrics = {"benchmark": "online_fsdd", "machine": machine_info(), "quick": quick,
               "accuracy": None if reference is None else reference["test_accuracy"],
               "test_speaker": TEST_SPEAKER, "speakers": speakers,
               "n_test": None if reference is None else reference["n_test"],
               "means": means, "rows": rows, "table": table,
               "seconds": time.perf_counter() - t0}
    write_metrics(out, metrics)
    return metrics
