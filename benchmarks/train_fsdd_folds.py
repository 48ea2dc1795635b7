"""Do learned delays beat fixed random ones on real speech, averaged over
every unseen speaker? And what does speaking-rate normalisation give?

FSDD (``../shared/data/fsdd``): each of the four speakers is held out in
turn, the network trains on the other three (``train_fsdd``'s recipe:
80 -> 128 -> 10 LIF, synaptic delays <= 25, 12 epochs of which the last
quantization-aware). Conditions: fixed random synaptic delays vs learned
synaptic delays, each with the plain encoder and with speaking-rate
normalisation (``AudioEncoder(duration=44)``: the voiced part resampled to
44 frames). Four seeds (initial weights and delays, data order): with two,
the learned - fixed difference was within the seed-to-seed spread. Reports
the float and the deployed fixed-point accuracy per held-out speaker (mean
of the seeds), the mean over speakers and seeds, and the learned - fixed
difference of every seed.

Run: ``lava-delays bench train_fsdd_folds --out DIR`` (64 trainings: 13
minutes on a 2-core AMD EPYC, two runs at a time).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import (fsdd_encoded, log, machine_info, map_jobs,
                                    split_by_speaker, write_metrics)

CONDITIONS = [("fixed random delays", dict(delays="synaptic", learn=["weights"])),
              ("learned synaptic", dict(delays="synaptic", learn=["weights", "synaptic"]))]
#: speaking-rate normalisation: frames the voiced part is resampled to
DURATION = 44


def _one(job):
    from lava_delays.benchmarks.train_fsdd import train_condition
    encoding, speaker, name, opts, train, test, out, epochs, seed = job
    _, row = train_condition(name, opts, train, test, out, epochs, seed)
    row.update(encoding=encoding, test_speaker=speaker, seed=seed)
    log(f"{encoding:9s} {speaker:8s} {name:20s} seed {seed} float {row['float_accuracy']:.3f} "
        f"deployed {row['quantized_accuracy']:.3f}")
    return row


def run(out: Path, quick: bool = False, epochs: int = 12, seeds=(0, 1, 2, 3),
        workers: int = 2) -> dict:
    from lava_delays.data.audio import AudioEncoder
    out = Path(out)
    t0 = time.perf_counter()
    encoders = {"plain": AudioEncoder(), "rate-norm": AudioEncoder(duration=DURATION)}
    jobs = []
    for encoding, encoder in encoders.items():
        encoded = fsdd_encoded(encoder)
        speakers = sorted(set(encoded[2].tolist()))
        if quick:
            epochs, speakers, seeds = 1, speakers[:1], seeds[:1]
        for speaker in speakers:
            train, test, _ = split_by_speaker(encoded, speaker)
            if quick:
                train, test = (train[0][::10], train[1][::10]), (test[0][::5], test[1][::5])
            for name, opts in CONDITIONS:
                for seed in seeds:
                    jobs.append((encoding, speaker, name, opts, train, test,
                                 out / "runs" / encoding / speaker / f"seed{seed}", epochs, seed))
    rows = map_jobs(_one, jobs, workers)
    table, means = _table(rows, epochs, seeds)
    print(table)
    metrics = {"benchmark": "train_fsdd_folds", "machine": machine_info(), "quick": quick,
               "epochs": epochs, "seeds": list(seeds), "duration": DURATION, "rows": rows,
               "means": means, "table": table, "seconds": time.perf_counter() - t0}
    write_metrics(out, metrics)
    return metrics


def _table(rows, epochs, seeds):
    speakers = sorted({r["test_speaker"] for r in rows})
    lines = [f"FSDD, each speaker held out in turn (train on the other three), {epochs} epochs, "
             f"mean of seeds {list(seeds)}; float / deployed fixed point",
             f"{'encoding':10s} {'condition':20s} " + " ".join(f"{s:>13s}" for s in speakers)
             + f" {'mean':>13s}"]
    means = {}
    for encoding in dict.fromkeys(r["encoding"] for r in rows):
        for name, _ in CONDITIONS:
            cells, fl, dep = [], [], []
            for s in speakers:
                sel = [r for r in rows if r["encoding"] == encoding and r["condition"] == name
                       and r["test_speaker"] == s]
                f = float(np.mean([r["float_accuracy"] for r in sel]))
                q = float(np.mean([r["quantized_accuracy"] for r in sel]))
                cells.append(f"{f:.3f} / {q:.3f}")
                fl.append(f)
                dep.append(q)
            means[f"{encoding}/{name}"] = {"float": float(np.mean(fl)),
                                           "deployed": float(np.mean(dep))}
            m = means[f"{encoding}/{name}"]
            lines.append(f"{encoding:10s} {name:20s} " + " ".join(f"{c:>13s}" for c in cells)
                         + f" {m['float']:.3f} / {m['deployed']:.3f}")
        gain = {k: means[f"{encoding}/learned synaptic"][k]
                - means[f"{encoding}/fixed random delays"][k] for k in ("float", "deployed")}
        lines.append(f"{encoding}: learned - fixed random = {100 * gain['float']:+.1f} pp float, "
                     f"{100 * gain['deployed']:+.1f} pp deployed (mean over held-out speakers "
                     f"and seeds)")
        per_seed = []
        for seed in sorted({r["seed"] for r in rows}):
            acc = {name: [(r["float_accuracy"], r["quantized_accuracy"]) for r in rows
                          if r["encoding"] == encoding and r["condition"] == name
                          and r["seed"] == seed] for name, _ in CONDITIONS}
            diff = 100 * (np.mean(acc["learned synaptic"], axis=0)
                          - np.mean(acc["fixed random delays"], axis=0))
            per_seed.append(f"seed {seed} {diff[0]:+.1f} / {diff[1]:+.1f}")
        lines.append(f"  per seed (float / deployed pp): {', '.join(per_seed)}")
    return "\n".join(lines), means
