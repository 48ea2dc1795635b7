"""On-line three-factor learning on real speech from scratch, with the
library's defaults, every speaker held out in turn: what ``lava-delays
online --data fsdd:...`` gives on a speaker it has never heard, and what
learning the delays adds.

For each FSDD speaker and seed, exactly what a user runs::

    lava-delays online --data fsdd:DIR:speakers=OTHER_THREE \\
        --test-data fsdd:DIR:speakers=HELD_OUT --seed S --out RUN

(the ``speech`` preset's on-line settings) and the same with ``--learn
weights``: the same network with the same random delays frozen. Float
engine (the fixed-point learner is what Lava's ``PlasticDelayDense`` runs
bit for bit; ``speech_adapt`` measures it).

Run: ``lava-delays bench speech_online --out DIR`` (32 runs, two at a time;
``--seeds 0 1`` for half).
"""
from __future__ import annotations

import time
from pathlib import Path

from lava_delays.benchmarks import (fold_jobs, fold_row, log, machine_info, map_jobs,
                                    seed_table, user_command, write_metrics)

LEARNED, FROZEN = "learned delays (defaults)", "same delays frozen (--learn weights)"
CONDITIONS = {LEARNED: {}, FROZEN: {"learn": ["weights"]}}
SEEDS = (0, 1, 2, 3)
QUICK = dict(epochs=1, hidden=(16,), augment=0)


def _one(job):
    from lava_delays.online import run_online
    name, speaker, seed, train_spec, test_spec, out, extra = job
    t0 = time.perf_counter()
    m = run_online(train_spec, out, test_data=test_spec, seed=seed,
                   **CONDITIONS[name], **extra)
    hist = m["history"]
    row = fold_row(job, m, time.perf_counter() - t0,
                   user_command("online", train_spec, test_spec, seed, CONDITIONS[name]),
                   best_accuracy=max(r["test_accuracy"] for r in hist),
                   delay_shift=m["mean_delay_shift"])
    log(f"{name:38s} held out {speaker:8s} seed {seed} test {row['accuracy']:.3f} "
        f"(best epoch {row['best_accuracy']:.3f}) {row['seconds']:.0f} s")
    return row


def run(out: Path, quick: bool = False, seeds=SEEDS, workers: int = 2) -> dict:
    out = Path(out)
    t0 = time.perf_counter()
    jobs, workers, folder, speakers = fold_jobs(out, CONDITIONS, seeds, quick, QUICK, workers)
    rows = map_jobs(_one, jobs, workers)
    lines, summary = seed_table(rows, "accuracy", list(CONDITIONS), (LEARNED, FROZEN))
    head = (f"On-line learning from scratch, defaults (speech preset), each FSDD speaker held "
            f"out in turn (trained on the other {len(speakers) - 1}); test accuracy on the "
            f"unseen speaker (last epoch), mean of seeds {list(seeds)}")
    table = "\n".join([head] + lines)
    print(table)
    metrics = {"benchmark": "speech_online", "machine": machine_info(), "quick": quick,
               "seeds": list(seeds), "speakers": speakers, "rows": rows, **summary,
               "table": table, "accuracy": summary["means"][LEARNED],
               "seconds": time.perf_counter() - t0}
    write_metrics(out, metrics)
    return metrics
