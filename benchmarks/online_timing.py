"""On-line three-factor learning on the synthetic timing task: which delays
help, and does learning them help?

Conditions (the comparison of arXiv:2601.00668), feed-forward and recurrent, same hidden
size, same initial weights, 20 epochs of the engine learner (float):

* ``weights only``        -- no delays, weights learn
* ``fixed random delays`` -- random synaptic delays 0..60, only weights learn
* ``learned synaptic``    -- synaptic delays learn too
* ``learned axonal``      -- random axonal delays (one per input), they learn
* ``learned both``        -- synaptic + axonal delays learn
* ``weights only, same budget`` -- no delays but more hidden neurons: the
  same number of learnable parameters as ``learned synaptic``

Run: ``lava-delays bench online_timing --out DIR``.
"""
from __future__ import annotations

import time
from pathlib import Path

from lava_delays.benchmarks import log, machine_info, write_metrics

CONDITIONS = [
    ("weights only", "none", ("weights",), 1),
    ("fixed random delays", "synaptic", ("weights",), 1),
    ("learned synaptic", "synaptic", ("weights", "synaptic"), 1),
    ("learned axonal", "axonal", ("weights", "axonal"), 1),
    ("learned both", "both", ("weights", "synaptic", "axonal"), 1),
    ("weights only, same budget", "none", ("weights",), None),
]


def _params(learner) -> int:
    n = learner.out.weights.size
    for ff, rec in zip(learner.ff, learner.rec):
        n += ff.weights.size * ("weights" in ff.learn)
        n += (ff.syn.value.size if ff.syn is not None and "synaptic" in ff.learn else 0)
        n += (ff.ax.value.size if ff.ax is not None and "axonal" in ff.learn else 0)
        n += rec.weights.size if rec is not None else 0
    return int(n)


def run(out: Path, quick: bool = False, hidden: int = 64, epochs: int = 20) -> dict:
    from lava_delays.data import TimingTask
    from lava_delays.engine.online import OnlineConfig, OnlineLearner, train_online
    if quick:
        hidden, epochs, n_train, n_test = 8, 2, 200, 100
    else:
        n_train, n_test = 2000, 1000
    task = TimingTask()
    train, test = task.split(n_train, n_test, seed=0)
    rows = []
    for recurrent in (False, True):
        for name, delays, learn, mult in CONDITIONS:
            # None: as many hidden neurons as give the parameter count of
            # "learned synaptic" (n_in weights + n_in delays + n_classes)
            size = hidden if mult else round(hidden * (2 * task.n_inputs + task.n_classes)
                                             / (task.n_inputs + task.n_classes))
            # the library's defaults (momentum 0.9, lr_synaptic 4, lr_axonal 0.25)
            cfg = OnlineConfig(hidden=(size,), delays=delays, learn=learn,
                               recurrent=recurrent, delay_spread=6.0, seed=0)
            learner = OnlineLearner(task.n_inputs, task.n_classes, cfg)
            t0 = time.perf_counter()
            history = train_online(learner, train, test, epochs=epochs, batch=32, seed=0)
            row = {"condition": name, "recurrent": recurrent, "hidden": size,
                   "test_accuracy": history[-1]["test_accuracy"],
                   "best_test_accuracy": max(r["test_accuracy"] for r in history),
                   "learnable_parameters": _params(learner),
                   "mean_delay_shift": learner.delay_shift(),
                   "delay_clamps": learner.delay_clamps,
                   "seconds": time.perf_counter() - t0, "history": history}
            rows.append(row)
            log(f"{'rec' if recurrent else 'ff '} {name:28s} test {row['test_accuracy']:.3f} "
                f"(best {row['best_test_accuracy']:.3f}), shift {row['mean_delay_shift']:.2f}, "
                f"{row['seconds']:.0f}s")
    table = _table(rows, hidden, epochs)
    print(table)
    metrics = {"benchmark": "online_timing", "machine": machine_info(), "quick": quick,
               "hidden": hidden, "epochs": epochs, "n_train": n_train, "n_test": n_test,
               "rows": rows, "table": table}
    write_metrics(out, metrics)
    return metrics


def _table(rows, hidden, epochs) -> str:
    lines = [f"On-line three-factor learning, timing task (10 classes), hidden {hidden}, "
             f"{epochs} epochs, float engine, SGD with momentum 0.9",
             f"{'condition':30s} {'FF test':>8s} {'rec test':>9s} {'params FF':>10s} "
             f"{'delay shift':>12s}"]
    for name, *_ in CONDITIONS:
        ff = next(r for r in rows if r["condition"] == name and not r["recurrent"])
        rc = next(r for r in rows if r["condition"] == name and r["recurrent"])
        lines.append(f"{name:30s} {ff['test_accuracy']:8.3f} {rc['test_accuracy']:9.3f} "
                     f"{ff['learnable_parameters']:10d} {ff['mean_delay_shift']:12.2f}")
    get = {(r["condition"], r["recurrent"]): r["test_accuracy"] for r in rows}
    for rec in (False, True):
        tag = "recurrent" if rec else "feed-forward"
        best = max(get[(c, rec)] for c in ("learned synaptic", "learned axonal", "learned both"))
        lines.append(f"{tag}: best learned delays {best:.3f}; vs weights only "
                     f"{100 * (best - get[('weights only', rec)]):+.1f} pp; vs fixed random delays "
                     f"{100 * (best - get[('fixed random delays', rec)]):+.1f} pp; vs same budget "
                     f"{100 * (best - get[('weights only, same budget', rec)]):+.1f} pp")
    return "\n".join(lines)
