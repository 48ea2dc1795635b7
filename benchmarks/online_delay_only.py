"""Can on-line learning of *delays alone* beat fixed random delays?

On the timing task the library's default rule (weights and delays learn
together) is no better than fixed random delays (``online_timing``). This
benchmark shows why and what works instead.

* **Ceiling** (10 hidden neurons, one per class): hidden neuron ``k`` gets
  the delays that make class ``k``'s events coincide
  (:meth:`~lava_delays.data.TimingTask.matched_delays`) and equal
  excitatory weights (0.12: about six coincident events reach threshold).
  With only the read-out learning this is close to perfect. If the hidden
  weights learn too (the three-factor rule = BPTT of the layer), the
  cross-entropy of the summed read-out is lowered by *more* hidden activity
  -- the detectors' weights grow, they answer every class, and accuracy
  falls -- although the loss goes down.
* **Delay-only learning** (32 hidden, feed-forward; and recurrent, where
  the recurrent connections get random delays that learn too): hidden weights fixed at one
  excitatory value (``OnlineConfig(hidden_weight=0.3, learn=("synaptic",))``);
  delays and the read-out learn (``lr_synaptic`` 64: the gradient of a delay
  is proportional to its small weight). Against fixed random delays with
  learned weights (the usual baseline), with the same delays but no
  learning (read-out only), learned weights + delays (the library's default
  rates for both), and weights only (no delays).

Every condition uses the read-out rate ``READOUT_LR`` (0.3: it helps the
fixed-delay baselines as much as delay learning, ad hoc: +0.7 / +0.6 pp at
32 hidden); every condition in which delays learn anneals their Gaussian
spread over *all* epochs (``train_online(spread_epochs=epochs)``; the
default, half of the epochs, gave delay-only learning 0.8 pp less).

Float engine, 2000 train / 1000 test samples, 20 epochs, batch 32, delay
spread 6 annealed, seeds 0-3 (initial parameters and data order), the
recurrent conditions too; a size sweep of the feed-forward layer (24, 28,
40 and 48 hidden: fixed random delays with learned weights vs delays only); the
feed-forward weights-only, fixed-random and delay-only conditions also in
fixed point, every seed (the integer learner that Lava's
``PlasticDelayDense`` runs bit for bit). Two runs at a
time. Run: ``lava-delays bench online_delay_only --out DIR`` (about 37
minutes on a 2-core AMD EPYC).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import CLASSIC_TIMING, log, machine_info, map_jobs, write_metrics

#: equal excitatory hidden weight of the template detectors (ceiling rows)
DETECTOR_WEIGHT = 0.12
#: hidden weight of delay-only learning (several coincident events fire)
DELAY_ONLY_WEIGHT = 0.3
#: delay learning rate of delay-only learning
DELAY_ONLY_LR = 64.0
#: read-out learning rate of every condition
READOUT_LR = 0.3

CEILING = [  # (name, hidden weights learn?)
    ("matched delays, read-out learns", False),
    ("matched delays, weights learn too", True),
]
#: conditions also run in fixed point (every seed)
FIXED_POINT = ("weights only (no delays)", "fixed random delays, weights learn",
               "learned delays only")
CONDITIONS = [  # (name, OnlineConfig options)
    ("weights only (no delays)", dict(delays="none", learn=("weights",))),
    ("fixed random delays, weights learn", dict(delays="synaptic", learn=("weights",))),
    ("learned delays + weights (default rates)", dict(delays="synaptic",
                                                      learn=("weights", "synaptic"))),
    ("fixed random delays, read-out only", dict(delays="synaptic", learn=(),
                                                hidden_weight=DELAY_ONLY_WEIGHT)),
    ("learned delays only", dict(delays="synaptic", learn=("synaptic",),
                                 hidden_weight=DELAY_ONLY_WEIGHT, lr_synaptic=DELAY_ONLY_LR)),
]

#: feed-forward layer sizes of the size sweep (beside ``hidden``), and its two conditions
SIZES = (24, 28, 40, 48)
SIZE_CONDITIONS = ("fixed random delays, weights learn", "learned delays only")

#: recurrent layers (the hidden layer also feeds itself)
RECURRENT = [
    ("fixed random delays, weights learn", dict(delays="synaptic", learn=("weights",))),
    ("+ fixed random recurrent delays", dict(delays="synaptic", learn=("weights",),
                                             recurrent_delays=True)),
    ("learned delays + weights, recurrent delays", dict(delays="synaptic",
                                                        learn=("weights", "synaptic"),
                                                        recurrent_delays=True)),
    ("learned delays only, recurrent delays too", dict(delays="synaptic", learn=("synaptic",),
                                                       recurrent_delays=True,
                                                       hidden_weight=DELAY_ONLY_WEIGHT,
                                                       lr_synaptic=DELAY_ONLY_LR)),
]


def _one(job):
    from lava_delays.data import TimingTask
    from lava_delays.engine.online import OnlineConfig, OnlineLearner, train_online
    kind, name, opts, hidden, seed, epochs, n_train, n_test = job
    fixed = kind == "fixed point"
    task = TimingTask(**CLASSIC_TIMING)
    train, test = task.split(n_train, n_test, seed=0)
    if kind == "ceiling":
        cfg = OnlineConfig(hidden=(task.n_classes,), delays="synaptic",
                           learn=("weights",) if opts else (), lr_readout=READOUT_LR,
                           hidden_weight=DETECTOR_WEIGHT, delay_spread=6.0, seed=seed)
        learner = OnlineLearner(task.n_inputs, task.n_classes, cfg)
        learner.ff[0].set_synaptic_delays(task.matched_delays(margin=2))
    else:
        cfg = OnlineConfig(hidden=(hidden,), delay_spread=6.0, seed=seed, fixed=fixed,
                           recurrent=kind == "recurrent", lr_readout=READOUT_LR, **opts)
        learner = OnlineLearner(task.n_inputs, task.n_classes, cfg)
    w0 = learner.ff[0].weights.copy()
    t0 = time.perf_counter()
    # learned delays: the spread anneals over every epoch (module docstring)
    anneal = epochs if "synaptic" in cfg.learn else None
    history = train_online(learner, train, test, epochs=epochs, batch=32, seed=seed,
                           spread_epochs=anneal)
    row = {"kind": kind, "condition": name, "seed": seed, "hidden": cfg.hidden[0],
           "spread_epochs": anneal,
           "test_accuracy": history[-1]["test_accuracy"],
           "best_test_accuracy": max(r["test_accuracy"] for r in history),
           "train_accuracy": history[-1]["train_accuracy"],
           "mean_delay_shift": learner.delay_shift(),
           "hidden_weight_change": float(np.abs(learner.ff[0].weights - w0).mean()),
           "seconds": time.perf_counter() - t0, "history": history}
    log(f"{name:38s} {'fixed' if fixed else 'float'} seed {seed} test {row['test_accuracy']:.3f} "
        f"(best {row['best_test_accuracy']:.3f}) shift {row['mean_delay_shift']:.2f} "
        f"{row['seconds']:.0f}s")
    return row


def run(out: Path, quick: bool = False, hidden: int = 32, epochs: int = 20,
        seeds=(0, 1, 2, 3), workers: int = 2, sizes=SIZES) -> dict:
    n_train, n_test = 2000, 1000
    if quick:
        hidden, epochs, seeds, n_train, n_test, workers = 8, 1, (0,), 100, 50, 1
        sizes = (10,)
    jobs = [("ceiling", name, learn_w, None, 0, epochs, n_train, n_test)
            for name, learn_w in CEILING]
    # the slowest (recurrent, fixed point) first: the two workers end together
    jobs += [("recurrent", name, opts, hidden, seed, epochs, n_train, n_test)
             for name, opts in RECURRENT for seed in seeds]
    jobs += [("fixed point", name, opts, hidden, seed, epochs, n_train, n_test)
             for name, opts in CONDITIONS if name in FIXED_POINT for seed in seeds]
    jobs += [("condition", name, opts, hidden, seed, epochs, n_train, n_test)
             for name, opts in CONDITIONS for seed in seeds]
    jobs += [("size", name, opts, size, seed, epochs, n_train, n_test)
             for size in sizes for name, opts in CONDITIONS if name in SIZE_CONDITIONS
             for seed in seeds]
    t0 = time.perf_counter()
    rows = map_jobs(_one, jobs, workers)
    table = _table(rows, hidden, epochs, seeds)
    table += "\n" + _size_table(rows, hidden, seeds)
    print(table)
    metrics = {"benchmark": "online_delay_only", "machine": machine_info(), "quick": quick,
               "hidden": hidden, "sizes": list(sizes), "epochs": epochs, "seeds": list(seeds),
               "readout_lr": READOUT_LR,
               "n_train": n_train,
               "n_test": n_test, "seconds": time.perf_counter() - t0, "rows": rows,
               "summary": _summary(rows), "table": table}
    write_metrics(out, metrics)
    return metrics


def _size_table(rows, hidden, seeds) -> str:
    """The feed-forward gain of delay-only learning against layer size
    (``hidden`` from the main table, the rest from the size sweep)."""
    lines = [f"feed-forward gain vs layer size, seeds {', '.join(map(str, seeds))} (learned delays "
             f"only vs fixed random delays, weights learn):"]
    sizes = sorted({r["hidden"] for r in rows if r["kind"] in ("condition", "size")})
    for size in sizes:
        sized = [r for r in rows if r["kind"] in ("condition", "size") and r["hidden"] == size]
        fixed, only = (np.mean([r["test_accuracy"] for r in sized if r["condition"] == name])
                       for name in SIZE_CONDITIONS)
        wins, n = _wins(sized, SIZE_CONDITIONS[1], SIZE_CONDITIONS[:1])
        lines.append(f"  {size:3d} hidden: {only:.3f} vs {fixed:.3f} "
                     f"({100 * (only - fixed):+.1f} pp, {wins} of {n} seeds)"
                     f"{'' if size != hidden else ' (above)'}")
    return "\n".join(lines)


def _summary(rows) -> dict:
    """Mean final test accuracy per condition (over seeds)."""
    def mean(name, *kinds):
        return float(np.mean([r["test_accuracy"] for r in rows
                              if r["condition"] == name and r["kind"] in kinds]))
    out = {name: mean(name, "ceiling", "condition")
           for name in [c[0] for c in CEILING] + [c[0] for c in CONDITIONS]}
    out.update({f"recurrent: {name}": mean(name, "recurrent") for name, _ in RECURRENT})
    out.update({f"{name}, fixed point": mean(name, "fixed point") for name in FIXED_POINT})
    return out


def _of_kind(rows, kind) -> list:
    return [r for r in rows if r["kind"] == kind]


def _seed_rows(rows, kind, names, width) -> list:
    """One line per condition of ``kind``: per-seed accuracies, mean, mean delay shift."""
    lines = []
    for name in names:
        rs = sorted((r for r in _of_kind(rows, kind) if r["condition"] == name),
                    key=lambda r: r["seed"])
        accs = [r["test_accuracy"] for r in rs]
        lines.append(f"  {name:{width}s} " + " ".join(f"{a:6.3f}" for a in accs)
                     + f" {np.mean(accs):6.3f} {np.mean([r['mean_delay_shift'] for r in rs]):6.2f}")
    return lines


def _wins(rows, better, baselines) -> tuple:
    """(seeds on which ``better`` beat every baseline, seeds) among ``rows``."""
    by_seed = {}
    for r in rows:
        by_seed.setdefault(r["seed"], {})[r["condition"]] = r["test_accuracy"]
    wins = sum(v[better] > max(v[b] for b in baselines) for v in by_seed.values())
    return wins, len(by_seed)


def _table(rows, hidden, epochs, seeds) -> str:
    lines = [f"Delay-only on-line learning, timing task (10 classes), {epochs} epochs, float "
             f"engine; test accuracy (final epoch)",
             f"ceiling, 10 hidden, seed 0, hidden weights start at {DETECTOR_WEIGHT}:"]
    for name, _ in CEILING:
        r = next(r for r in rows if r["condition"] == name)
        lines.append(f"  {name:38s} {r['test_accuracy']:.3f}  (mean |dw| "
                     f"{r['hidden_weight_change']:.3f})")
    lines.append(f"{hidden} hidden, seeds {', '.join(map(str, seeds))}:")
    lines.append(f"  {'condition':40s} " + " ".join(f"{'s' + str(s):>6s}" for s in seeds)
                 + f" {'mean':>6s} {'shift':>6s}")
    lines += _seed_rows(rows, "condition", [c[0] for c in CONDITIONS], 40)
    s = _summary(rows)
    best = s["learned delays only"]
    lines.append(f"learned delays only: {best:.3f}; vs fixed random delays (weights learn) "
                 f"{100 * (best - s['fixed random delays, weights learn']):+.1f} pp; vs the same "
                 f"delays unlearned {100 * (best - s['fixed random delays, read-out only']):+.1f} "
                 f"pp; vs weights only {100 * (best - s['weights only (no delays)']):+.1f} pp")
    lines.append(f"fixed point (the integer learner of PlasticDelayDense), {hidden} hidden:")
    lines += _seed_rows(rows, "fixed point", FIXED_POINT, 40)
    fx = {n: s[f"{n}, fixed point"] for n in FIXED_POINT}
    wins, n = _wins(_of_kind(rows, "fixed point"), "learned delays only",
                    ["fixed random delays, weights learn"])
    lines.append(f"fixed point: learned delays only {fx['learned delays only']:.3f}; vs fixed "
                 f"random delays (weights learn) "
                 f"{100 * (fx['learned delays only'] - fx['fixed random delays, weights learn']):+.1f}"
                 f" pp ({wins} of {n} seeds); vs weights only "
                 f"{100 * (fx['learned delays only'] - fx['weights only (no delays)']):+.1f} pp")
    lines.append(f"recurrent, {hidden} hidden, seeds {', '.join(map(str, seeds))}:")
    lines += _seed_rows(rows, "recurrent", [c[0] for c in RECURRENT], 44)
    best_fixed = max(s["recurrent: fixed random delays, weights learn"],
                     s["recurrent: + fixed random recurrent delays"])
    only = s["recurrent: learned delays only, recurrent delays too"]
    lines.append(f"recurrent: learned delays only {only:.3f}; vs the better fixed random "
                 f"baseline {100 * (only - best_fixed):+.1f} pp")
    wins, n = _wins(_of_kind(rows, "condition"), "learned delays only",
                    ["fixed random delays, weights learn"])
    lines.append(f"learned delays only beat fixed random delays on {wins} of {n} seeds")
    wins, n = _wins(_of_kind(rows, "recurrent"), "learned delays only, recurrent delays too",
                    ["fixed random delays, weights learn", "+ fixed random recurrent delays"])
    lines.append(f"recurrent: learned delays only beat both fixed random baselines on "
                 f"{wins} of {n} seeds")
    return "\n".join(lines)
