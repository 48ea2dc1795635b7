"""Progress of long commands on stderr: a tqdm bar on a terminal, one line
per epoch (or step of work) otherwise, so logs of ``train ... > log 2>&1``
show progress too."""
from __future__ import annotations

import sys
import time
from typing import Callable

SHOWN = ("loss", "train_accuracy", "test_accuracy", "delay_shift")


def note(tag: str, msg: str) -> None:
    """One progress line, ``[tag] msg``, on stderr."""
    print(f"[{tag}] {msg}", file=sys.stderr, flush=True)


def epoch_progress(epochs: int, start: int = 0, desc: str = "training") -> Callable:
    """``update(record)`` to call after every epoch (records with ``epoch``
    and the :data:`SHOWN` values)."""
    def values(record):
        return {k: f"{record[k]:.3f}" for k in SHOWN if k in record}

    if sys.stderr.isatty():
        from tqdm import tqdm
        bar = tqdm(total=epochs, initial=start, desc=desc, unit="epoch", file=sys.stderr)

        def update(record):
            bar.update(1)
            bar.set_postfix(values(record))
            if record["epoch"] >= epochs:
                bar.close()
        return update
    t0 = time.perf_counter()

    def update(record):
        shown = " ".join(f"{k} {v}" for k, v in values(record).items())
        note(desc, f"epoch {record['epoch']}/{epochs} {shown} "
                   f"({time.perf_counter() - t0:.0f} s)")
    return update
