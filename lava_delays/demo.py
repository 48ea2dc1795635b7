"""The README's main job (``make demo`` / ``lava-delays demo``): the whole
chain on the built-in synthetic timing task.

1. train a spiking network with learnable per-synapse delays offline
   (:mod:`lava_delays.train`, lava-dl slayer blocks), float then
   quantization-aware;
2. quantize it to the fixed-point spec and export it (hdf5 in lava-dl netx
   layout + NIR);
3. load the file back and run it with the batched fixed-point engine;
4. run it as Lava processes (``Loihi2SimCfg``, ``fixed_pt``);
5. report accuracy at every stage and the spike parity quantized trainer ==
   engine == Lava, plus the same network with its delays set to 0;
6. write ``metrics.json``, a raster/delay plot, the learning curve and the
   learned-delay histogram.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

from lava_delays.atomic import save_figure, write_json

#: the timing preset's network (``lava-delays train --data timing``) with
#: fewer epochs; quick=True: tiny sizes for the smoke test
SIZES = {False: dict(data="timing:train=2000,test=500", options=dict(epochs=15), n_lava=40),
         True: dict(data="timing:train=128,test=64", options=dict(epochs=2, hidden=(8,)),
                    n_lava=3)}


def _zero_delays(net):
    import copy
    net = copy.deepcopy(net)
    for layer in net.layers:
        layer.ff.delays = None
        layer.axonal_delays = None
    return net


def run_demo(out: Path, quick: bool = False) -> dict:
    """Run the demo, write ``out/metrics.json`` + plots, return the metrics."""
    import torch

    from lava_delays.data.spec import load_split
    from lava_delays.deploy.evaluate import spike_parity
    from lava_delays.deploy.hdf5 import load_hdf5
    from lava_delays.deploy.export import deploy_run
    from lava_delays.engine import simulate
    from lava_delays.proc.graph import run_lava
    from lava_delays.train import load_model, train
    torch.set_num_threads(1)
    size = SIZES[bool(quick)]
    out = Path(out)
    run_dir = out / "run"
    if run_dir.exists():           # a demo always starts from scratch
        shutil.rmtree(run_dir)
    for name in ("net.h5", "net.nir", "metrics.json"):
        (out / name).unlink(missing_ok=True)
    t_start = time.perf_counter()
    _, (x, y), info = load_split(size["data"])
    print(f"[1/5] timing task: {info['n_classes']} classes, {info['n_inputs']} channels, "
          f"T={x.shape[1]}; training {size['options']['epochs']} epochs (the last "
          f"quantization-aware)", flush=True)
    trained = train(size["data"], run_dir, seed=0, **size["options"])
    float_acc = [r["test_accuracy"] for r in trained["history"] if not r["quantized"]][-1]
    print(f"      float accuracy {float_acc:.3f}, after QAT {trained['accuracy']:.3f}; "
          f"delays moved {trained['delay_shift']:.2f} steps on average", flush=True)

    net_file = out / "net.h5"
    deployed = deploy_run(run_dir, net_file, nir=out / "net.nir")
    print(f"[2/5] quantized + exported {net_file} (and net.nir): "
          f"{deployed['weights_clipped']} weights clipped, {deployed['delays_clamped']} delays "
          f"clamped; stock netx can load it: {deployed['netx_compatible']}", flush=True)

    net = load_hdf5(net_file)
    t0 = time.perf_counter()
    engine = simulate(net, x)
    engine_s = time.perf_counter() - t0
    engine_acc = float((engine.predict() == y).mean())
    model = load_model(run_dir)
    with torch.no_grad():
        hidden = model.blocks[0](torch.as_tensor(x, dtype=torch.float64)).numpy().astype(bool)
    trainer_parity = float(np.all(hidden == engine.spikes[0], axis=(1, 2)).mean())
    no_delay_acc = float((simulate(_zero_delays(net), x).predict() == y).mean())
    print(f"[3/5] engine, fixed point, from the file: accuracy {engine_acc:.3f} "
          f"({len(y)} test samples); spike parity with the quantized trainer "
          f"{trainer_parity:.3f}; same network with delays set to 0: {no_delay_acc:.3f}",
          flush=True)

    n_lava = size["n_lava"]
    t0 = time.perf_counter()
    lava = run_lava(net, x[:n_lava], tag="fixed_pt")
    lava_s = time.perf_counter() - t0
    sub = simulate(net, x[:n_lava])
    lava_parity = float(spike_parity(lava, sub).mean())
    lava_acc = float((lava.predict() == y[:n_lava]).mean())
    print(f"[4/5] Lava (Loihi2SimCfg, fixed_pt) on {n_lava} samples: spike parity with the "
          f"engine {lava_parity:.3f}, accuracy {lava_acc:.3f} (engine on the same samples "
          f"{float((sub.predict() == y[:n_lava]).mean()):.3f})", flush=True)

    metrics = {
        "task": size["data"], "accuracy": engine_acc, "n_test": int(len(y)),
        "float_accuracy": float_acc, "qat_accuracy": trained["accuracy"],
        "engine_accuracy": engine_acc, "lava_accuracy": lava_acc,
        "accuracy_delays_zeroed": no_delay_acc, "chance": 1 / info["n_classes"],
        "spike_parity": lava_parity, "n_parity_samples": int(n_lava),
        "trainer_engine_spike_parity": trainer_parity,
        "float_to_fixed_drop_pp": 100 * (float_acc - engine_acc),
        "delay_shift": trained["delay_shift"], "netx_compatible": deployed["netx_compatible"],
        "train_seconds": trained["train_seconds"],
        "engine_samples_per_s": len(y) / engine_s, "lava_samples_per_s": n_lava / lava_s,
        "overflow_counts": dict(engine.counts), "total_seconds": time.perf_counter() - t_start,
    }
    write_json(out / "metrics.json", metrics)
    hits = np.flatnonzero(engine.predict() == y)
    k = int(hits[0]) if hits.size else 0
    _plots(net, x[k], int(y[k]), engine.spikes[0][k], engine.readout[k], out)
    print(f"[5/5] wrote {out / 'metrics.json'}, {out / 'raster_delays.png'}, "
          f"{run_dir / 'learning_curve.png'}, {run_dir / 'delay_histogram.png'} "
          f"({metrics['total_seconds']:.0f} s in all)", flush=True)
    return metrics


def _plots(net, x, label, hidden, readout, out: Path) -> None:
    from lava_delays.plots import figure
    fig, axes = figure(1, 4, figsize=(17, 3.6))
    t, c = np.nonzero(x)
    axes[0].scatter(t, c, s=30, marker="|", color="C0")
    axes[0].set(title=f"input spikes (class {label})", xlabel="step", ylabel="channel")
    t, n = np.nonzero(hidden)
    axes[1].scatter(t, n, s=12, marker="|", color="C3")
    axes[1].set(title="hidden spikes (Lava fixed point = engine)", xlabel="step",
                ylabel="neuron", xlim=(0, len(x)))
    summed = np.cumsum(readout, axis=0)
    for k in range(summed.shape[1]):
        axes[2].plot(summed[:, k], linewidth=2.5 if k == label else 1,
                     color="C3" if k == label else f"C{k % 10}",
                     alpha=1 if k == label else 0.5, label=f"class {k}")
    axes[2].set(title=f"read-out: summed voltage (class {label} wins)", xlabel="step",
                ylabel="sum of v (fixed point)")
    axes[2].legend(fontsize=6, ncol=2, loc="upper left")
    im = axes[3].imshow(net.layers[0].ff.delay_matrix(), aspect="auto", cmap="viridis")
    axes[3].set(title="learned synaptic delays (steps)", xlabel="input channel",
                ylabel="hidden neuron")
    fig.colorbar(im, ax=axes[3])
    fig.tight_layout()
    save_figure(fig, out / "raster_delays.png", dpi=110)
