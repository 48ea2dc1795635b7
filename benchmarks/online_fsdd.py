"""On-line three-factor learning on real speech: the Free Spoken Digit
Dataset folder beside the project (``../shared/data/fsdd``), trained on three
speakers and tested on the held-out fourth (unseen speaker).

Input: torchaudio log-mel (40 bands, 10 ms hop) -> send-on-delta spikes
(80 channels), T = 64. Network: 80 -> 128 LIF -> 10 read-out, float engine,
SGD with momentum, 10 epochs, batch 16, training-time augmentation (20 %
spike dropout, +-3-step shifts). Conditions: no delays (weights only) and
learned synaptic delays (0..25 steps, Gaussian spread 3 annealed).

Run: ``lava-delays bench online_fsdd --out DIR`` (set ``LAVA_DELAYS_FSDD``
to use another folder).
"""
from __future__ import annotations

import time
from pathlib import Path


from lava_delays.benchmarks import (FSDD_TEST_SPEAKER, fsdd_by_speaker, log, machine_info,
                                    write_metrics)

TEST_SPEAKER = FSDD_TEST_SPEAKER


def run(out: Path, quick: bool = False) -> dict:
    from lava_delays.engine.online import (OnlineConfig, OnlineLearner, spike_augment,
                                           train_online)
    train, test, train_speakers = fsdd_by_speaker(TEST_SPEAKER)
    hidden, epochs = (16, 1) if quick else (128, 10)
    if quick:
        # every k-th file: all digits stay represented
        train, test = (train[0][::8], train[1][::8]), (test[0][::5], test[1][::5])
    rows = []
    for name, delays in (("weights only", "none"), ("learned synaptic delays", "synaptic")):
        cfg = OnlineConfig(hidden=(hidden,), delays=delays, max_delay=25, delay_spread=3.0,
                           lr_weights=0.1, lr_readout=0.05, seed=0)
        learner = OnlineLearner(train[0].shape[2], 10, cfg)
        t0 = time.perf_counter()
        hist = train_online(learner, train, test, epochs=epochs, batch=16,
                            augment=spike_augment(0.2, 3),
                            progress=lambda r: log(f"{name}: epoch {r['epoch']} test "
                                                   f"{r['test_accuracy']:.3f}"))
        rows.append({"condition": name, "test_accuracy": hist[-1]["test_accuracy"],
                     "best_test_accuracy": max(r["test_accuracy"] for r in hist),
                     "train_accuracy": hist[-1]["train_accuracy"],
                     "mean_delay_shift": learner.delay_shift(),
                     "seconds": time.perf_counter() - t0, "history": hist})
    lines = [f"On-line learning on FSDD: train {train_speakers}, test '{TEST_SPEAKER}' "
             f"(unseen), {len(train[1])} / {len(test[1])} samples, hidden {hidden}, {epochs} epochs",
             f"{'condition':26s} {'test':>6s} {'best':>6s} {'train':>6s} {'delay shift':>12s}"]
    for r in rows:
        lines.append(f"{r['condition']:26s} {r['test_accuracy']:6.3f} {r['best_test_accuracy']:6.3f} "
                     f"{r['train_accuracy']:6.3f} {r['mean_delay_shift']:12.2f}")
    table = "\n".join(lines)
    print(table)
    metrics = {"benchmark": "online_fsdd", "machine": machine_info(), "quick": quick,
               "accuracy": rows[-1]["test_accuracy"], "n_test": int(len(test[1])),
               "rows": rows, "table": table,
               "train_speakers": train_speakers}
    write_metrics(out, metrics)
    return metrics
