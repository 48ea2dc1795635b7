"""Offline (BPTT) training on the synthetic timing task: which delays help,
does learning them help, and what do adaptation and quantization add?

Conditions, one hidden layer, same initial weights (same seed):

* ``weights only``        -- no delays (LIF)
* ``fixed random delays`` -- random synaptic delays, only weights learn
* ``learned synaptic``    -- synaptic delays learn too (10x learning rate)
* ``learned axonal``      -- axonal delays (one per input channel) learn
* ``+adaptation``         -- AdLIF+ neurons, no delays, adaptation learns
* ``all``                 -- synaptic + axonal delays + AdLIF+, everything learns

Delays up to 60 steps (the task's events are 8 steps apart over 8 channels,
so aligning a class needs up to 56). Each row reports float test accuracy at the end of the float phase and after
the quantization-aware phase (the deployed fixed-point network's accuracy:
the quantized forward pass equals the engine spike for spike), and the mean
delay movement. Run: ``lava-delays bench train_timing --out DIR``.
"""
from __future__ import annotations

import time
from pathlib import Path

from lava_delays.benchmarks import log, machine_info, write_metrics

CONDITIONS = [
    ("weights only", dict(delays="none", learn=["weights"])),
    ("fixed random delays", dict(delays="synaptic", learn=["weights"])),
    ("learned synaptic", dict(delays="synaptic", learn=["weights", "synaptic"])),
    ("learned axonal", dict(delays="axonal", learn=["weights", "axonal"])),
    ("+adaptation", dict(delays="none", neuron="adlif", learn=["weights", "adaptation"])),
    ("all", dict(delays="both", neuron="adlif")),
]


def run(out: Path, quick: bool = False, hidden: int = 16, epochs: int = 20,
        seeds=(0, 1)) -> dict:
    import torch
    from lava_delays.train import train
    torch.set_num_threads(1)
    data = "timing:train=200,test=100" if quick else "timing"
    if quick:
        hidden, epochs, seeds = 8, 2, (0,)
    import shutil
    shutil.rmtree(Path(out) / "runs", ignore_errors=True)   # a benchmark starts afresh
    rows = []
    for name, opts in CONDITIONS:
        for seed in seeds:
            log(f"{name}, seed {seed}")
            t0 = time.perf_counter()
            m = train(data, Path(out) / "runs" / f"{name.replace(' ', '_')}_{seed}",
                      hidden=(hidden,), epochs=epochs, qat_epochs=max(1, epochs // 10),
                      seed=seed, max_delay=60, axonal_max_delay=60, **opts)
            float_acc = [r["test_accuracy"] for r in m["history"] if not r["quantized"]][-1]
            rows.append({"condition": name, "seed": seed, "float_accuracy": float_acc,
                         "quantized_accuracy": m["accuracy"], "delay_shift": m["delay_shift"],
                         "seconds": time.perf_counter() - t0, "learn": m["learn"]})
    table = _table(rows, seeds)
    print(table)
    metrics = {"machine": machine_info(), "hidden": hidden, "epochs": epochs,
               "seeds": list(seeds), "rows": rows, "table": table,
               "summary": _summary(rows)}
    write_metrics(out, metrics)
    return metrics


def _summary(rows) -> dict:
    out = {}
    for name, _ in CONDITIONS:
        sel = [r for r in rows if r["condition"] == name]
        out[name] = {k: sum(r[k] for r in sel) / len(sel)
                     for k in ("float_accuracy", "quantized_accuracy", "delay_shift")}
    return out


def _table(rows, seeds) -> str:
    lines = [f"{'condition':<22} {'float acc':>9} {'fixed-pt acc':>12} {'|dd| steps':>10} "
             f"{'s/run':>6}   (mean of seeds {list(seeds)})"]
    for name, stats in _summary(rows).items():
        sel = [r for r in rows if r["condition"] == name]
        lines.append(f"{name:<22} {stats['float_accuracy']:>9.3f} "
                     f"{stats['quantized_accuracy']:>12.3f} {stats['delay_shift']:>10.2f} "
                     f"{sum(r['seconds'] for r in sel) / len(sel):>6.0f}")
    return "\n".join(lines)
