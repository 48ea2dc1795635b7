"""What learning the delays adds on speech as the training set gains
speakers: is the leave-one-speaker-out gain of ``speech_offline`` a ceiling
or a point on a rising curve?

For every way of choosing ``k`` of the FSDD folder's speakers to train on
(``k`` = 1 .. all but one; ``LAVA_DELAYS_FSDD`` overrides the folder beside
the project), the other speakers test, and each seed runs what a user runs::

    lava-delays train --data fsdd:DIR:speakers=TRAIN \\
        --test-data fsdd:DIR:speakers=THE_OTHERS --seed S --out RUN

with the defaults (learned delays) and with ``--learn weights`` (the same
random delays frozen). The rows report the deployed fixed-point accuracy on
the test speakers (mean over splits), learned − frozen per seed and on how
many seeds it is positive. At ``k`` = all but one these are the learned and
frozen runs of ``speech_offline``.

A control separates the number of speakers from the amount of data: all
but one speaker train, each with only the recordings it takes to match the
data of ``k`` = all but two speakers (links to the first recordings of
every digit in ``DIR/subset``), testing on the held-out speaker's full set.

Run: ``lava-delays bench speech_speakers --out DIR`` (144 trainings, two at
a time: about 15 minutes on 2 cores).
"""
from __future__ import annotations

import itertools
import shutil
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import (fsdd_folder, fsdd_spec, fsdd_speakers, log, machine_info,
                                    map_jobs, seed_gains, user_command, write_metrics)
from lava_delays.errors import ParameterError

LEARNED, FROZEN = "learned delays (defaults)", "same delays frozen (--learn weights)"
CONDITIONS = {LEARNED: {}, FROZEN: {"learn": ["weights"]}}
#: the run folder of each condition
RUN_NAMES = {LEARNED: "learned", FROZEN: "frozen"}
SEEDS = (0, 1, 2, 3)
#: quick (smoke-test) settings: one split per k, one seed, a tiny network
QUICK = dict(epochs=1, hidden=(16,), augment=0)
CONTROL = "fewer recordings"


def _one(job):
    import torch

    from lava_delays.train.run import train
    torch.set_num_threads(1)
    group, split, name, seed, train_spec, test_spec, out, extra = job
    t0 = time.perf_counter()
    m = train(train_spec, out, test_data=test_spec, seed=seed, **CONDITIONS[name], **extra)
    row = {"group": group, "split": split, "condition": name, "seed": seed,
           "accuracy": m["accuracy"], "n_train": m["n_train"], "n_test": m["n_test"],
           "seconds": time.perf_counter() - t0,
           "command": user_command("train", train_spec, test_spec, seed, CONDITIONS[name])}
    log(f"{group:>18s} {split:28s} {RUN_NAMES[name]:8s} seed {seed} "
        f"deployed {row['accuracy']:.3f} {row['seconds']:.0f} s")
    return row


def recordings_per_digit(folder: Path, speakers) -> int:
    """The fewest recordings any of ``speakers`` has of any digit of
    ``folder`` (0 when a speaker lacks a digit)."""
    from lava_delays.data.audio import scan_folder
    items = scan_folder(folder)
    count = defaultdict(int)
    for _, label, speaker in items:
        count[(label, speaker)] += 1
    labels = {label for _, label, _ in items}
    return min(count[(label, speaker)] for label in labels for speaker in speakers)


def subset_folder(folder: Path, out: Path, speakers, per_digit: int) -> Path:
    """``out``, emptied, then holding links to the first ``per_digit``
    recordings (by index) of every digit of ``speakers`` in ``folder``."""
    from lava_delays.data.audio import NAME, scan_folder
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    by_class = defaultdict(list)
    for path, label, speaker in scan_folder(folder):
        if speaker in speakers:
            by_class[(label, speaker)].append((int(NAME.match(Path(path).name)["index"]), path))
    for items in by_class.values():
        for _, path in sorted(items)[:per_digit]:
            (out / Path(path).name).symlink_to(Path(path).resolve())
    return out


def split_jobs(out: Path, folder: Path, speakers, seeds, quick: bool) -> list:
    """The trainings of a run, each ``(group, split, condition, seed, train
    spec, test spec, run folder, extra options)``; builds the control's
    ``out/subset``."""
    extra = QUICK if quick else {}
    n = len(speakers)
    # the control: n - 1 speakers with the data of n - 2
    per_digit = recordings_per_digit(folder, speakers) * (n - 2) // (n - 1)
    if per_digit < 1:
        raise ParameterError(f"{folder}: every speaker needs at least two recordings of every "
                             f"digit for the control with fewer recordings")
    jobs = []

    def add(group, split, train_spec, test_spec, run_dir):
        for name in CONDITIONS:
            for seed in seeds:
                jobs.append((group, split, name, seed, train_spec, test_spec,
                             run_dir / RUN_NAMES[name] / f"seed{seed}", extra))

    for k in range(1, n):
        splits = list(itertools.combinations(speakers, k))
        for train in splits[:1] if quick else splits:
            split = "+".join(train)
            add(f"{k} speaker{'s' * (k > 1)}", split, fsdd_spec(folder, train),
                fsdd_spec(folder, [s for s in speakers if s not in train]),
                out / "runs" / f"k{k}" / split)
    subset = subset_folder(folder, out / "subset", speakers, per_digit)
    for held_out in speakers[:1] if quick else speakers:
        train = [s for s in speakers if s != held_out]
        add(CONTROL, "+".join(train), fsdd_spec(subset, train), fsdd_spec(folder, [held_out]),
            out / "runs" / "control" / held_out)
    return jobs


def summarise(rows, seeds) -> dict:
    """Per group: splits, training samples, means, learned − frozen per
    seed (pp) and the seeds it is positive on."""
    groups = {}
    for group in dict.fromkeys(r["group"] for r in rows):
        sub = [r for r in rows if r["group"] == group]
        learned, frozen = (float(np.mean([r["accuracy"] for r in sub if r["condition"] == name]))
                           for name in (LEARNED, FROZEN))
        groups[group] = {"splits": len({r["split"] for r in sub}),
                         "n_train": int(np.mean([r["n_train"] for r in sub])),
                         "learned": learned, "frozen": frozen,
                         "gain_pp": 100 * (learned - frozen),
                         **seed_gains(sub, "accuracy", LEARNED, FROZEN, seeds)}
    return groups


def format_table(metrics: dict) -> str:
    """The table of a run's metrics."""
    groups, seeds, n = metrics["groups"], metrics["seeds"], len(metrics["speakers"])
    which = "one choice" if metrics["quick"] else "every choice"
    head = (f"Learned vs frozen delays by the number of training speakers (defaults, speech "
            f"preset): {which} of k of the {n} FSDD speakers trains, the others test; "
            f"deployed fixed-point accuracy on the test speakers, mean over splits and "
            f"seeds {list(seeds)}")
    lines = [head, f"{'training set':28s} {'splits':>6s} {'samples':>10s} {'learned':>8s} "
                   f"{'frozen':>8s} {'gain pp':>8s}  per seed (positive)"]
    for group, g in groups.items():
        label = group if group != CONTROL else f"{n - 1} speakers, {CONTROL}"
        lines.append(f"{label:28s} {g['splits']:6d} {g['n_train']:10d} {g['learned']:8.3f} "
                     f"{g['frozen']:8.3f} {g['gain_pp']:+8.1f}  "
                     f"{', '.join(f'{x:+.1f}' for x in g['gain_per_seed_pp'])} "
                     f"({g['seeds_won']} of {len(seeds)})")
    lines.append(f"samples: training samples of a split, augmented copies included; "
                 f"'{CONTROL}': {n - 1} speakers with about as many recordings in all as "
                 f"{n - 2} (links in the output folder's subset/), each tested on its "
                 f"held-out speaker")
    return "\n".join(lines)


def run(out: Path, quick: bool = False, seeds=SEEDS, workers: int = 2) -> dict:
    out = Path(out)
    t0 = time.perf_counter()
    folder = fsdd_folder()
    speakers = fsdd_speakers(folder)
    if len(speakers) < 3:
        raise ParameterError(f"{folder} has {len(speakers)} speaker(s); this benchmark needs "
                             f"3 or more")
    seeds = tuple(seeds[:1]) if quick else tuple(seeds)
    jobs = split_jobs(out, folder, speakers, seeds, quick)
    rows = map_jobs(_one, jobs, 1 if quick else workers)
    metrics = {"benchmark": "speech_speakers", "machine": machine_info(), "quick": quick,
               "seeds": list(seeds), "speakers": speakers, "rows": rows,
               "groups": summarise(rows, seeds)}
    metrics["table"] = format_table(metrics)
    print(metrics["table"])
    metrics["seconds"] = time.perf_counter() - t0
    write_metrics(out, metrics)
    return metrics
