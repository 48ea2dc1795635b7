"""Adapting a deployed network to a new speaker on the device: how much
does on-line learning from a few recordings of an unseen speaker improve the
deployed network on that speaker's other recordings?

For each FSDD speaker: the default network is trained on the other speakers
and deployed (``lava-delays train`` + ``lava-delays deploy``, seed 0); five
recordings per digit of the held-out speaker go to one folder, the other
recordings to another, and exactly what a user runs::

    lava-delays online --init NET.h5 --data fsdd:FIVE_PER_DIGIT \\
        --test-data fsdd:REST --out RUN

learns weights and delays on the device's arithmetic (fixed point, the
default for a fixed-point file; the ``adapt`` settings of the ``speech``
preset). "before" is the deployed network on the other recordings
(``initial_accuracy``), "after" the adapted one. The float learner
(``--no-fixed``) is reported beside it.

Run: ``lava-delays bench speech_adapt --out DIR`` (4 trainings and 8
adaptations, two at a time).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import (fsdd_fold_specs, fsdd_folder, fsdd_speakers, log,
                                    machine_info, map_jobs, write_metrics)

SHOTS = 5
QUICK_TRAIN = dict(epochs=1, hidden=(16,), augment=0)
ARITHMETIC = {"fixed point (default)": True, "float learner (--no-fixed)": False}


def split_speaker(folder: Path, speaker: str, out: Path, shots: int, seed: int = 0):
    """Folders of links to ``shots`` recordings per digit of ``speaker`` and
    to the rest; returns their paths."""
    from lava_delays.data.audio import scan_folder
    items = scan_folder(folder, [speaker])
    labels = np.array([label for _, label, _ in items])
    rng = np.random.default_rng(seed)
    pick = {int(i) for d in np.unique(labels)
            for i in rng.choice(np.flatnonzero(labels == d), shots, replace=False)}
    dirs = out / "adapt", out / "rest"
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    for i, (path, _, _) in enumerate(items):
        link = dirs[i not in pick] / path.name
        if not link.exists():
            link.symlink_to(Path(path).resolve())
    return dirs


def _train(job):
    import torch

    from lava_delays.deploy.export import deploy_run
    from lava_delays.train.run import train
    torch.set_num_threads(1)
    speaker, train_spec, test_spec, out, extra = job
    t0 = time.perf_counter()
    m = train(train_spec, out / "run", test_data=test_spec, seed=0, **extra)
    deploy_run(out / "run", out / "net" / "net.h5")
    log(f"trained without {speaker}: deployed {m['accuracy']:.3f} "
        f"({time.perf_counter() - t0:.0f} s)")
    return m["accuracy"]


def _adapt(job):
    from lava_delays.online import run_online
    speaker, arithmetic, fixed, adapt_dir, rest_dir, net, out, extra = job
    t0 = time.perf_counter()
    m = run_online(f"fsdd:{adapt_dir}", out, test_data=f"fsdd:{rest_dir}", init=net,
                   fixed=fixed, **extra)
    row = {"test_speaker": speaker, "condition": arithmetic, "before": m["initial_accuracy"],
           "after": m["accuracy"], "gain_pp": 100 * (m["accuracy"] - m["initial_accuracy"]),
           "n_adapt": m["n_train"], "n_eval": m["n_test"],
           "delay_shift": m["mean_delay_shift"], "delay_clamps": m["delay_clamps"],
           "seconds": time.perf_counter() - t0,
           "command": f"lava-delays online --init {net} --data fsdd:{adapt_dir} "
                      f"--test-data fsdd:{rest_dir}" + ("" if fixed else " --no-fixed")}
    log(f"{speaker:8s} {arithmetic:28s} {row['before']:.3f} -> {row['after']:.3f} "
        f"({row['gain_pp']:+.1f} pp, delays moved {row['delay_shift']:.2f} steps)")
    return row


def run(out: Path, quick: bool = False, workers: int = 2) -> dict:
    out = Path(out)
    t0 = time.perf_counter()
    folder = fsdd_folder()
    speakers = fsdd_speakers(folder)
    folds, train_extra, adapt_extra, shots = speakers, {}, {}, SHOTS
    if quick:
        folds, train_extra, adapt_extra, shots, workers = (speakers[:1], QUICK_TRAIN,
                                                           {"epochs": 1}, 1, 1)
    jobs = [(s, *fsdd_fold_specs(s, speakers, folder), out / s, train_extra) for s in folds]
    deployed = dict(zip(folds, map_jobs(_train, jobs, workers)))
    jobs = []
    for s in folds:
        adapt_dir, rest_dir = split_speaker(folder, s, out / s / "data", shots)
        for name, fixed in ARITHMETIC.items():
            jobs.append((s, name, fixed, adapt_dir, rest_dir, out / s / "net" / "net.h5",
                         out / s / name.split()[0], adapt_extra))
    rows = map_jobs(_adapt, jobs, workers)
    lines = [f"Adapting a deployed network to an unseen speaker on-line: {shots} recordings per "
             f"digit to learn from, the speaker's other recordings to test (seed 0)",
             f"{'held-out speaker':18s} {'learner':28s} {'before':>7s} {'after':>7s} "
             f"{'gain pp':>8s} {'|dd|':>6s}"]
    for r in rows:
        lines.append(f"{r['test_speaker']:18s} {r['condition']:28s} {r['before']:7.3f} "
                     f"{r['after']:7.3f} {r['gain_pp']:+8.1f} {r['delay_shift']:6.2f}")
    means = {name: float(np.mean([r["gain_pp"] for r in rows if r["condition"] == name]))
             for name in ARITHMETIC}
    worst = {name: float(min(r["gain_pp"] for r in rows if r["condition"] == name))
             for name in ARITHMETIC}
    for name in ARITHMETIC:
        lines.append(f"{name}: mean gain {means[name]:+.1f} pp, smallest {worst[name]:+.1f} pp")
    table = "\n".join(lines)
    print(table)
    metrics = {"benchmark": "speech_adapt", "machine": machine_info(), "quick": quick,
               "shots_per_digit": shots, "speakers": speakers, "deployed": deployed,
               "rows": rows, "mean_gain_pp": means, "smallest_gain_pp": worst,
               "table": table, "seconds": time.perf_counter() - t0}
    write_metrics(out, metrics)
    return metrics
