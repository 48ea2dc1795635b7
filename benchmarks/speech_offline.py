"""Offline training on real speech with the library's defaults, every
speaker held out in turn: what ``lava-delays train --data fsdd:...`` gives
on a speaker it has never heard, and what learning the delays adds.

For each FSDD speaker of the folder (``LAVA_DELAYS_FSDD`` overrides the one
beside the project) and each seed, exactly what a user runs::

    lava-delays train --data fsdd:DIR:speakers=OTHER_THREE \\
        --test-data fsdd:DIR:speakers=HELD_OUT --seed S --out RUN

(the ``speech`` preset: send-on-delta spikes of a gated mel spectrogram,
one hidden layer of 128 LIF neurons, learned synaptic delays <= 25 steps,
dropout, shifted and augmented recordings, 12 epochs of which the last is
quantization-aware), the same with ``--learn weights``: the same network
with the same random delays frozen, and with ``--delays none``: what delays
give at all. The reported accuracy is the deployed
fixed-point one (the quantized trainer, spike for spike the engine's and
Lava's). Also trains the four-speaker model (every speaker of the folder:
the model to test on further speakers) and reports its run time.

Run: ``lava-delays bench speech_offline --out DIR`` (48 + 1 trainings, two at
a time: about 10 minutes on 2 cores).
"""
from __future__ import annotations

import time
from pathlib import Path

from lava_delays.benchmarks import (fold_jobs, fold_row, log, machine_info, map_jobs,
                                    seed_table, user_command, write_metrics)

LEARNED, FROZEN = "learned delays (defaults)", "same delays frozen (--learn weights)"
NONE = "no delays (--delays none)"
CONDITIONS = {NONE: {"delays": "none"}, FROZEN: {"learn": ["weights"]}, LEARNED: {}}
SEEDS = (0, 1, 2, 3)
#: quick (smoke-test) settings
QUICK = dict(epochs=1, hidden=(16,), augment=0)


def _one(job):
    import torch

    from lava_delays.train.run import train
    torch.set_num_threads(1)
    name, speaker, seed, train_spec, test_spec, out, extra = job
    t0 = time.perf_counter()
    m = train(train_spec, out, test_data=test_spec, seed=seed, **CONDITIONS.get(name, {}),
              **extra)
    row = fold_row(job, m, time.perf_counter() - t0,
                   user_command("train", train_spec, test_spec, seed,
                                CONDITIONS.get(name, {})),
                   float_accuracy=[r["test_accuracy"] for r in m["history"]
                                   if not r["quantized"]][-1],
                   delay_shift=m["delay_shift"])
    log(f"{name:38s} held out {speaker:8s} seed {seed} deployed {row['accuracy']:.3f} "
        f"(float {row['float_accuracy']:.3f}) {row['seconds']:.0f} s")
    return row


def run(out: Path, quick: bool = False, seeds=SEEDS, workers: int = 2) -> dict:
    out = Path(out)
    t0 = time.perf_counter()
    jobs, workers, folder, speakers = fold_jobs(out, CONDITIONS, seeds, quick, QUICK, workers)
    all_spec = f"fsdd:{folder}"
    jobs.append(("four-speaker model", "all", 0, all_spec, all_spec,
                 out / "runs" / "four_speakers", QUICK if quick else {}))
    rows = map_jobs(_one, jobs, workers)
    folds_rows = [r for r in rows if r["test_speaker"] != "all"]
    four = next(r for r in rows if r["test_speaker"] == "all")
    lines, summary = seed_table(folds_rows, "accuracy", list(CONDITIONS), (LEARNED, FROZEN))
    head = (f"Offline training, defaults (speech preset), each FSDD speaker held out in turn "
            f"(trained on the other {len(speakers) - 1}); deployed fixed-point accuracy on the "
            f"unseen speaker, mean of seeds {list(seeds)}")
    tail = (f"four-speaker model (trained on {', '.join(speakers)}): {four['seconds']:.0f} s, "
            f"deployed accuracy on its own training speakers {four['accuracy']:.3f}")
    table = "\n".join([head] + lines + [tail])
    print(table)
    metrics = {"benchmark": "speech_offline", "machine": machine_info(), "quick": quick,
               "seeds": list(seeds), "speakers": speakers, "rows": rows,
               "four_speaker_model": four, **summary, "table": table,
               "accuracy": summary["means"][LEARNED],
               "seconds": time.perf_counter() - t0}
    write_metrics(out, metrics)
    return metrics
