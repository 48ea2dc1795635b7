"""On-line three-factor learning vs BPTT of the same network on the timing task.

Task: the classic timing task (``CLASSIC_TIMING``: 10 classes, 8 channels, gap 8, T = 90),
``task.split(2000, 1000, seed=0)``. Network: input -> hidden LIF (32 or 64,
per-synapse delays 0..60) -> leaky read-out, float.

Conditions: ``fixed_delays`` (random delays, only weights learn) and
``learned_delays`` (weights and synaptic delays learn).

* on-line: :func:`~lava_delays.engine.online.train_online` of an
  :class:`~lava_delays.engine.online.OnlineLearner` with
  ``OnlineConfig(hidden=(H,), delays="synaptic", learn=..., delay_spread=6.0,
  lr_synaptic=4.0)`` (other rates the defaults: SGD with momentum 0.9), 20 epochs, batch 32.
* BPTT: :func:`lava_delays.benchmarks.bptt.train_bptt` from the *same*
  initial parameters (a learner of the same config and seed), Adam, the same
  mini-batch order, 20 epochs, batch 32, reset detached, delays through
  linear interpolation (no Gaussian spread), clamped to [0, 60]; float64,
  ``gather="conv"``, one torch thread (the on-line learner uses one core).

BPTT rates (Adam): weights 1e-2, delays 1e-1 steps, read-out 3e-3 (both
conditions), chosen by :func:`tune` -- a short sweep (hidden 32, 6 epochs, the
2000 training samples, scored on a *separate validation set*
``task.sample(1000, seed=11)``, never on the test set) over weights
{3e-3, 1e-2} x delays {3e-2, 1e-1}, read-out fixed at 3e-3. Validation
accuracy (deployed) after 6 epochs:

=============  ===========  =========  ==========
condition      lr_weights   lr_synaptic  validation
=============  ===========  =========  ==========
fixed delays   3e-3         --         84.8 %
fixed delays   1e-2         --         88.3 %
learned        3e-3         3e-2       86.2 %
learned        3e-3         1e-1       90.1 %
learned        1e-2         3e-2       91.5 %
learned        1e-2         1e-1       92.9 %
=============  ===========  =========  ==========

(``TUNING`` below holds the same numbers; the sweep ran with ``gather="index"``,
which computes the same values and gradients as ``"conv"`` to ~1e-15.)

Reported per run: test accuracy of the learned parameters *deployed*, i.e.
``learner.network()`` (delays rounded to integers) run by
:func:`lava_delays.engine.simulate` -- for both methods -- plus the BPTT
model's own float accuracy (real, interpolated delays); training wall time
(evaluation excluded; the machine is shared, so timings are noisy); mean
|routed delay - initial delay| over the learned delays.

Run: ``lava-delays bench online_vs_bptt --out DIR``.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from lava_delays.benchmarks import CLASSIC_TIMING, log, machine_info, write_metrics

#: Adam rates of the BPTT runs (see the module docstring and :func:`tune`)
BPTT_LRS = dict(lr_weights=1e-2, lr_synaptic=1e-1, lr_readout=3e-3)
#: the :func:`tune` run behind ``BPTT_LRS``: deployed validation accuracy after
#: 6 epochs, hidden 32, read-out rate 3e-3; keys (condition, lr_weights, lr_synaptic)
TUNING = {
    "epochs": 6, "hidden": 32, "lr_readout": 3e-3, "validation": "task.sample(1000, seed=11)",
    "results": [
        dict(condition="fixed_delays", lr_weights=3e-3, lr_synaptic=None, val_accuracy=0.848),
        dict(condition="fixed_delays", lr_weights=1e-2, lr_synaptic=None, val_accuracy=0.883),
        dict(condition="learned_delays", lr_weights=3e-3, lr_synaptic=3e-2, val_accuracy=0.862),
        dict(condition="learned_delays", lr_weights=3e-3, lr_synaptic=1e-1, val_accuracy=0.901),
        dict(condition="learned_delays", lr_weights=1e-2, lr_synaptic=3e-2, val_accuracy=0.915),
        dict(condition="learned_delays", lr_weights=1e-2, lr_synaptic=1e-1, val_accuracy=0.929),
    ]}

CONDITIONS = {"fixed_delays": ("weights",), "learned_delays": ("weights", "synaptic")}
ONLINE_KW = dict(delays="synaptic", delay_spread=6.0, lr_synaptic=4.0)


def _config(quick: bool) -> dict:
    if quick:
        return dict(hidden=[8], n_train=200, n_test=100, epochs=2, batch=32)
    return dict(hidden=[32, 64], n_train=2000, n_test=1000, epochs=20, batch=32)


def _data(cfg: dict):
    from lava_delays.data.timing import TimingTask
    task = TimingTask(**CLASSIC_TIMING)
    train, test = task.split(cfg["n_train"], cfg["n_test"], seed=0)
    return task, train, test


def _learner(task, hidden: int, learn):
    from lava_delays.engine.online import OnlineConfig, OnlineLearner
    cfg = OnlineConfig(hidden=(hidden,), learn=learn, **ONLINE_KW)
    return OnlineLearner(task.n_inputs, task.n_classes, cfg)


def run_online(task, train, test, hidden: int, learn, epochs: int, batch: int) -> dict:
    """Train on-line; evaluation time is measured apart and excluded."""
    from lava_delays.benchmarks.bptt import deployed_accuracy
    from lava_delays.engine.online import train_online
    learner = _learner(task, hidden, learn)
    eval_s = [0.0]
    evaluate = learner.evaluate

    def timed_evaluate(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return evaluate(*args, **kwargs)
        finally:
            eval_s[0] += time.perf_counter() - t0

    learner.evaluate = timed_evaluate   # instance attribute: train_online calls it
    t0 = time.perf_counter()
    hist = train_online(learner, train, test, epochs=epochs, batch=batch,
                        progress=lambda r: log(f"  online H={hidden} {'+'.join(learn)} "
                                               f"epoch {r['epoch']}: loss {r['loss']:.3f} "
                                               f"test {r['test_accuracy']:.3f}"))
    total = time.perf_counter() - t0
    return dict(history=hist, train_seconds=total - eval_s[0],
                test_accuracy=deployed_accuracy(learner, *test),
                train_accuracy_last_epoch=hist[-1]["train_accuracy"],
                delay_shift=learner.delay_shift(), delay_clamps=learner.delay_clamps)


def run_bptt(task, train, test, hidden: int, learn, epochs: int, batch: int,
             lrs: Optional[dict] = None) -> dict:
    from lava_delays.benchmarks.bptt import train_bptt
    learner = _learner(task, hidden, learn)
    models = []
    hist = train_bptt(learner, train, test, epochs=epochs, batch=batch,
                      **(lrs or BPTT_LRS), model_out=models,
                      progress=lambda r: log(f"  BPTT   H={hidden} {'+'.join(learn)} "
                                             f"epoch {r['epoch']}: loss {r['loss']:.3f} "
                                             f"test {r['test_accuracy']:.3f} "
                                             f"(float {r['test_accuracy_float']:.3f})"))
    last = hist[-1]
    return dict(history=hist, train_seconds=last["train_seconds"],
                test_accuracy=last["test_accuracy"],
                test_accuracy_float=last["test_accuracy_float"],
                train_accuracy_last_epoch=last["train_accuracy"],
                delay_shift=last["delay_shift"], delay_shift_real=last["delay_shift_real"],
                delay_clamps=last["delay_clamps"])


def tune(out: Optional[Path] = None, epochs: int = 6, hidden: int = 32) -> dict:
    """The short BPTT rate sweep behind ``BPTT_LRS`` (validation set, not test)."""
    from lava_delays.benchmarks.bptt import train_bptt
    from lava_delays.data.timing import TimingTask
    task = TimingTask(**CLASSIC_TIMING)
    train, _ = task.split(2000, 0, seed=0)
    val = task.sample(1000, seed=11)
    results = []
    for cond, learn in CONDITIONS.items():
        for lr_w in (3e-3, 1e-2):
            for lr_d in ((3e-2, 1e-1) if "synaptic" in learn else (None,)):
                lrs = dict(lr_weights=lr_w, lr_synaptic=lr_d or 0.0, lr_readout=3e-3)
                hist = train_bptt(_learner(task, hidden, learn), train, val, epochs=epochs,
                                  batch=32, **lrs)
                rec = dict(condition=cond, **lrs, val_accuracy=hist[-1]["test_accuracy"],
                           val_accuracy_float=hist[-1]["test_accuracy_float"],
                           train_loss=hist[-1]["loss"])
                log(f"tune {rec}")
                results.append(rec)
    if out is not None:
        write_metrics(out, dict(benchmark="online_vs_bptt.tune", epochs=epochs, hidden=hidden,
                                results=results, machine=machine_info()))
    return dict(results=results)


def _pct(x):
    return f"{100 * x:5.1f} %"


def format_table(m: dict) -> str:
    c = m["config"]
    lines = [
        f"On-line three-factor vs BPTT -- classic timing task (T={m['task']['length']}, "
        f"{m['task']['classes']} classes, {m['task']['n_inputs']} inputs), train "
        f"{c['n_train']} / test {c['n_test']}, {c['epochs']} epochs, batch {c['batch']}, "
        "synaptic delays 0..60",
        f"on-line: SGD (momentum {m['online_config'].get('momentum', 0)}), lr_weights {m['online_config']['lr_weights']}, lr_synaptic "
        f"{m['online_config']['lr_synaptic']}, lr_readout {m['online_config']['lr_readout']}, "
        f"delay_spread {m['online_config']['delay_spread']} (annealed); BPTT: Adam, "
        f"lr_weights {m['bptt_lrs']['lr_weights']}, lr_synaptic {m['bptt_lrs']['lr_synaptic']}, "
        f"lr_readout {m['bptt_lrs']['lr_readout']} (float64, 1 thread); same initial "
        "parameters and mini-batch order",
        "test accuracy = learned parameters deployed (engine simulate, integer delays); "
        "'BPTT float' = the torch model with real delays",
        f"machine: {m['machine']['cpu_model']}, nproc={m['machine']['nproc']} (shared; "
        "times are noisy)",
        "",
        f"{'H':>3}  {'condition':<15}{'online acc':>11}{'BPTT acc':>10}{'BPTT float':>11}"
        f"{'online s':>10}{'BPTT s':>9}{'online |dd|':>12}{'BPTT |dd|':>10}",
        "-" * 91,
    ]
    for r in m["results"]:
        on, bp = r["online"], r["bptt"]
        lines.append(
            f"{r['hidden']:>3}  {r['condition']:<15}{_pct(on['test_accuracy']):>11}"
            f"{_pct(bp['test_accuracy']):>10}{_pct(bp['test_accuracy_float']):>11}"
            f"{on['train_seconds']:>10.1f}{bp['train_seconds']:>9.1f}"
            f"{on['delay_shift']:>12.2f}{bp['delay_shift']:>10.2f}")
    lines += ["-" * 91,
              "|dd| = mean |routed delay - initial delay| (steps) over learned delays; "
              "train s = training wall time, evaluation excluded",
              f"total benchmark time: {m['total_seconds']:.1f} s"]
    return "\n".join(lines)


def run(out: Path, quick: bool = False) -> dict:
    """Run the comparison, print the table, write ``out/metrics.json``."""
    import dataclasses

    from lava_delays.engine.online import OnlineConfig
    t_start = time.perf_counter()
    cfg = _config(quick)
    task, train, test = _data(cfg)
    results = []
    for hidden in cfg["hidden"]:
        for cond, learn in CONDITIONS.items():
            log(f"H={hidden}, {cond}: on-line")
            on = run_online(task, train, test, hidden, learn, cfg["epochs"], cfg["batch"])
            log(f"H={hidden}, {cond}: BPTT")
            bp = run_bptt(task, train, test, hidden, learn, cfg["epochs"], cfg["batch"])
            results.append(dict(hidden=hidden, condition=cond, learn=list(learn),
                                online=on, bptt=bp))
    tc = task.config
    metrics = dict(
        benchmark="online_vs_bptt", quick=quick, machine=machine_info(), config=cfg,
        task=dict(dataclasses.asdict(tc), n_inputs=task.n_inputs),
        online_config={k: v for k, v in dataclasses.asdict(
            OnlineConfig(hidden=(cfg["hidden"][0],), **ONLINE_KW)).items()
            if k not in ("hidden", "learn")},
        bptt_lrs=BPTT_LRS, bptt_dtype="float64", bptt_gather="conv",
        bptt_torch_threads=1, tuning=TUNING,
        results=results, total_seconds=time.perf_counter() - t_start)
    metrics["summary"] = {f"H{r['hidden']}_{r['condition']}": dict(
        online_test_accuracy=r["online"]["test_accuracy"],
        bptt_test_accuracy=r["bptt"]["test_accuracy"],
        bptt_test_accuracy_float=r["bptt"]["test_accuracy_float"],
        online_train_seconds=r["online"]["train_seconds"],
        bptt_train_seconds=r["bptt"]["train_seconds"],
        online_delay_shift=r["online"]["delay_shift"],
        bptt_delay_shift=r["bptt"]["delay_shift"]) for r in results}
    print(format_table(metrics), flush=True)
    write_metrics(out, metrics)
    log(f"metrics written to {Path(out) / 'metrics.json'}")
    return metrics
