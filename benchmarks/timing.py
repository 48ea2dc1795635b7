"""The built-in timing task with the library's defaults: does it need
delays, and does *learning* them beat the same random delays frozen?

For each seed, exactly what a user runs, offline and on-line::

    lava-delays train  --data timing --seed S [--delays none | --learn weights]
    lava-delays online --data timing --seed S [--delays none | --learn weights]

(the ``timing`` preset): no delays, no delays with the hidden weights at the
config class's learning rate (the preset's is slow: delays are meant to do
the work; ``--delays none --lr-weights 0.01`` offline, ``0.3`` on-line), the
default network's random delays frozen (weights learn), and the defaults
(weights and delays learn). Offline accuracy is the deployed fixed-point
one; on-line the float engine's.

Run: ``lava-delays bench timing --out DIR`` (32 runs, two at a time: 15-30
minutes on 2 cores).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import log, machine_info, map_jobs, user_command, write_metrics

NONE, NONE_FAST = "no delays (--delays none)", "no delays, library weight rate"
FROZEN, LEARNED = "random delays frozen (--learn weights)", "learned delays (defaults)"
#: per learner: flags of each condition; the second no-delay row gives the
#: hidden weights the config class's own rate instead of the preset's slow one
#: (without delays nothing else learns fast)
CONDITIONS = {
    "train": {NONE: {"delays": "none"}, NONE_FAST: {"delays": "none", "lr_weights": 0.01},
              FROZEN: {"learn": ["weights"]}, LEARNED: {}},
    "online": {NONE: {"delays": "none"}, NONE_FAST: {"delays": "none", "lr_weights": 0.3},
               FROZEN: {"learn": ["weights"]}, LEARNED: {}},
}
SEEDS = (0, 1, 2, 3)
QUICK_DATA = "timing:train=64,test=64"
QUICK = {"train": dict(epochs=1, hidden=(8,)), "online": dict(epochs=1, hidden=(8,))}


def _one(job):
    import torch
    torch.set_num_threads(1)
    learner, name, seed, data, out, extra = job
    t0 = time.perf_counter()
    opts = CONDITIONS[learner][name]
    if learner == "train":
        from lava_delays.train.run import train
        m = train(data, out, seed=seed, **opts, **extra)
    else:
        from lava_delays.online import run_online
        m = run_online(data, out, seed=seed, **opts, **extra)
    row = {"learner": learner, "condition": name, "seed": seed, "accuracy": m["accuracy"],
           "n_test": m["n_test"], "delay_shift": m.get("delay_shift", m.get("mean_delay_shift")),
           "seconds": time.perf_counter() - t0,
           "command": user_command(learner, data, None, seed, opts)}
    log(f"{learner:6s} {name:40s} seed {seed}: {row['accuracy']:.3f} ({row['seconds']:.0f} s)")
    return row


def run(out: Path, quick: bool = False, seeds=SEEDS, workers: int = 2) -> dict:
    out = Path(out)
    t0 = time.perf_counter()
    data, extra = "timing", {"train": {}, "online": {}}
    if quick:
        data, extra, seeds, workers = QUICK_DATA, QUICK, seeds[:1], 1
    jobs = [(learner, name, seed, data, out / learner / f"c{k}" / f"seed{seed}", extra[learner])
            for learner in ("train", "online") for k, name in enumerate(CONDITIONS[learner])
            for seed in seeds]
    rows = map_jobs(_one, jobs, workers)
    lines = [f"Timing task ({data}), defaults (timing preset), seeds {list(seeds)}; offline: "
             f"deployed fixed point, on-line: float engine",
             f"{'learner':8s} {'condition':40s} " + " ".join(f"{'s' + str(s):>6s}" for s in seeds)
             + f" {'mean':>6s}"]
    summary = {}
    for learner in ("train", "online"):
        acc = {}
        for name in CONDITIONS[learner]:
            acc[name] = [next(r["accuracy"] for r in rows if r["learner"] == learner
                              and r["condition"] == name and r["seed"] == s) for s in seeds]
            lines.append(f"{learner:8s} {name:40s} " + " ".join(f"{a:6.3f}" for a in acc[name])
                         + f" {np.mean(acc[name]):6.3f}")
        gain = [100 * (a - b) for a, b in zip(acc[LEARNED], acc[FROZEN])]
        summary[learner] = {"means": {k: float(np.mean(v)) for k, v in acc.items()},
                            "gain_pp": float(np.mean(gain)), "gain_per_seed_pp": gain,
                            "seeds_won": int(sum(g > 0 for g in gain))}
        lines.append(f"{learner:8s} learned - frozen: {np.mean(gain):+.1f} pp (per seed "
                     f"{', '.join(f'{g:+.1f}' for g in gain)}; positive on "
                     f"{summary[learner]['seeds_won']} of {len(seeds)})")
    table = "\n".join(lines)
    print(table)
    metrics = {"benchmark": "timing", "machine": machine_info(), "quick": quick, "data": data,
               "seeds": list(seeds), "rows": rows, "summary": summary, "table": table,
               "accuracy": summary["train"]["means"][LEARNED],
               "seconds": time.perf_counter() - t0}
    write_metrics(out, metrics)
    return metrics
