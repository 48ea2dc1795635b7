"""The README's main job (``make demo`` / ``lava-delays demo``).

Current scope (foundation): on the built-in synthetic timing task it builds a
fixed-point network whose per-synapse delays are *designed* from the class
templates (one coincidence-detector neuron per class; each channel's delay
cancels its event time in that class's template), calibrates one threshold
on training samples, and then

* measures accuracy with those delays and with all delays set to 0 (the same
  network without delays -- it must stay at chance on this task),
* runs the same fixed-point network as Lava processes (``fixed_pt``) and
  reports spike parity with the batched engine,
* writes ``metrics.json``, a raster plot and a delay map.

Training (issue 5), quantization/export (issue 6) and online learning
(issue 4) replace the designed delays with learned ones as they land.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lava_delays.atomic import save_figure, write_json
from lava_delays.data import TimingTask
from lava_delays.engine import Connection, Layer, LIFNeurons, Network, simulate

WEIGHT = 16
THRESHOLDS = (48, 56, 64, 72, 80, 88)


def designed_network(task: TimingTask, vth: int, use_delays: bool = True) -> Network:
    """One LIF per class; delays ``max(template) - template`` align the events
    of that class's template so they coincide at the neuron."""
    templates = task.templates  # (classes, channels): event times
    delays = templates.max() - templates if use_delays else np.zeros_like(templates)
    delays = np.tile(delays, (1, task.config.repeats))
    weights = np.full(delays.shape, WEIGHT, dtype=np.int64)
    return Network(n_in=task.n_inputs, fixed=True, layers=[Layer(
        ff=Connection(weights=weights, delays=delays),
        neurons=LIFNeurons(du=4095, dv=1024, vth=vth))])


def _accuracy(net: Network, x, y) -> float:
    return float((simulate(net, x).predict() == y).mean())


def run_demo(out: Path, quick: bool = False) -> dict:
    """Run the demo, write ``out/metrics.json`` + plots, return the metrics."""
    from lava_delays.proc.graph import run_lava
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    task = TimingTask()
    n_train, n_test, n_lava = (100, 100, 4) if quick else (500, 1000, 20)
    (x_tr, y_tr), (x_te, y_te) = task.split(n_train, n_test, seed=0)
    print(f"[1/4] timing task: {task.n_classes} classes, {task.n_inputs} channels, "
          f"T={task.length}; {n_train} calibration / {n_test} test samples", flush=True)
    scores = {vth: _accuracy(designed_network(task, vth), x_tr, y_tr) for vth in THRESHOLDS}
    vth = max(scores, key=scores.get)
    net = designed_network(task, vth)
    print(f"[2/4] threshold calibrated on training samples: vth={vth}", flush=True)
    t0 = time.perf_counter()
    engine = simulate(net, x_te)
    engine_s = time.perf_counter() - t0
    acc = float((engine.predict() == y_te).mean())
    acc_no_delay = _accuracy(designed_network(task, vth, use_delays=False), x_te, y_te)
    print(f"[3/4] engine (fixed point): accuracy {acc:.3f} with delays, "
          f"{acc_no_delay:.3f} without (chance {1 / task.n_classes:.3f})", flush=True)
    t0 = time.perf_counter()
    lava = run_lava(net, x_te[:n_lava], tag="fixed_pt")
    lava_s = time.perf_counter() - t0
    same = np.all(lava.spikes[0] == engine.spikes[0][:n_lava], axis=(1, 2))
    lava_acc = float((lava.predict() == y_te[:n_lava]).mean())
    print(f"[4/4] Lava fixed_pt on {n_lava} samples: spike parity {same.mean():.3f}, "
          f"accuracy {lava_acc:.3f}", flush=True)
    metrics = {
        "task": "timing", "accuracy": acc, "n_test": int(n_test),
        "accuracy_without_delays": acc_no_delay, "chance": 1 / task.n_classes,
        "threshold": int(vth), "spike_parity": float(same.mean()),
        "n_parity_samples": int(n_lava), "lava_accuracy": lava_acc,
        "engine_samples_per_s": n_test / engine_s, "lava_samples_per_s": n_lava / lava_s,
        "overflow_counts": dict(engine.counts),
        "delays": "designed from the class templates (training arrives with issue 5)",
    }
    write_json(out / "metrics.json", metrics)
    hits = np.flatnonzero(engine.predict() == y_te)
    k = int(hits[0]) if hits.size else 0
    _plots(task, net, x_te[k], int(y_te[k]), engine.spikes[0][k], out)
    return metrics


def _plots(task, net, x, label, hidden, out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    t, c = np.nonzero(x)
    delays = net.layers[0].ff.delays
    axes[0].scatter(t, c, s=30, marker="|", color="0.6", label="input spike")
    axes[0].scatter(t + 1 + delays[label, c], c, s=30, marker="|", color="C3",
                    label=f"arrival at class-{label} neuron")
    axes[0].set(title=f"one sample of class {label}", xlabel="step", ylabel="channel")
    axes[0].legend(loc="lower right", fontsize=7)
    t, n = np.nonzero(hidden)
    axes[1].scatter(t, n, s=12, marker="|", color="C3")
    axes[1].set(title="class-detector spikes (fixed point)", xlabel="step",
                ylabel="class neuron", xlim=(0, task.length), ylim=(-0.5, task.n_classes - 0.5))
    im = axes[2].imshow(net.layers[0].ff.delays, aspect="auto", cmap="viridis")
    axes[2].set(title="synaptic delays (steps)", xlabel="input channel", ylabel="class neuron")
    fig.colorbar(im, ax=axes[2])
    fig.tight_layout()
    save_figure(fig, out / "raster_delays.png", dpi=110)
    plt.close(fig)
