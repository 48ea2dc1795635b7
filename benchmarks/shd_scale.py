"""Training at the scale of the Spiking Heidelberg Digits: time per epoch and
peak memory of the SHD preset, beside a plain lava-dl slayer network of the
same sizes without per-synapse delays, in one run.

Data: files in the SHD layout written by :func:`make_shd_like` -- 8,156
training samples (SHD's count) of 700 channels, about 1 s each, 20 classes
whose events follow three class-specific formant-like channel trajectories,
with per-sample channel shifts, time stretch and background events (about
5,000 events per sample, as SHD) -- read through the ``shd:`` data spec, so
batches come from the file (nothing is materialised).

* **Epoch time**: one epoch of ``lava-delays train --data shd:ROOT`` with the
  ``shd-adlif-delays`` preset (140 pooled channels, 100 steps, 256-256
  AdLIF+ with learned synaptic delays 0..25, batch 64), against one epoch of
  a slayer ``block.cuba.Dense`` network 140 -> 256 -> 256 -> 20 (no delays,
  Adam, the same batches).
* **Peak memory**: the resident-set high-water mark of a child process that
  opens the split and trains 40 batches, on the SHD-size file and on an
  SSC-size file (75,466 samples, fewer events each: only the file grows).

Run: ``lava-delays bench shd_scale --out DIR`` (writes the generated files
under DIR once, a few minutes; then about 2 minutes on 2 cores).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import (in_child, log, machine_info, reset_peak_rss, status_kib,
                                    write_metrics)

SHD_SAMPLES, SSC_SAMPLES = 8156, 75466
CLASSES = 20
MEMORY_BATCHES = 40


def make_shd_like(path: Path, n: int, events: int = 5000, seed: int = 0) -> Path:
    """Write ``n`` SHD-like samples (700 channels, ~``events`` events each)
    in the SHD layout at ``path`` (e.g. ``ROOT/SHD/shd_train.h5``)."""
    from lava_delays.data.hsd import CHANNELS, write_hsd
    rng = np.random.default_rng([seed, 11])
    knots = rng.uniform(50, CHANNELS - 50, (CLASSES, 3, 6))      # 3 tracks, 6 knots each
    labels = rng.integers(0, CLASSES, n)
    samples = []
    for label in labels:
        duration = rng.uniform(0.7, 1.0)
        k = int(rng.poisson(events))
        t = np.sort(rng.uniform(0, duration, k))
        track = rng.integers(0, 3, k)
        pos = np.array([np.interp(t / duration, np.linspace(0, 1, 6), knots[label, j])
                        for j in range(3)])[track, np.arange(k)]
        units = pos + rng.normal(0, 8, k) + rng.normal(0, 15)     # per-sample shift
        background = rng.random(k) < 0.2
        units[background] = rng.uniform(0, CHANNELS, background.sum())
        samples.append((t, np.clip(np.round(units), 0, CHANNELS - 1).astype(np.int64)))
    return write_hsd(path, samples, labels, np.zeros(n, np.int64),
                     [str(c) for c in range(CLASSES)])


class FirstRows:
    """The first ``n`` samples of a lazily read split, still read lazily."""

    ndim = 3

    def __init__(self, x, n: int):
        self.x, self.shape, self.dtype = x, (n,) + tuple(x.shape[1:]), x.dtype

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        return self.x[np.arange(self.shape[0])[index]]


def _epoch_ours(job):
    import torch

    from lava_delays.train.run import train
    root, out, threads = job
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    m = train(f"shd:{root}", out, epochs=1)
    return {"seconds": m["train_seconds"], "total_seconds": time.perf_counter() - t0,
            "accuracy": m["accuracy"], "preset": m["preset"], "data": m["data"]}


def _epoch_slayer(job):
    import torch

    import lava.lib.dl.slayer as slayer
    from lava_delays.data.spec import load_split
    root, batch, threads = job
    torch.set_num_threads(threads)
    (x, y), _, _ = load_split(f"shd:{root}:pool=5,steps=100")
    params = {"threshold": 1.0, "current_decay": 0.5, "voltage_decay": 0.2,
              "requires_grad": False}
    net = torch.nn.Sequential(*[slayer.block.cuba.Dense(params, a, b, weight_norm=False)
                                for a, b in ((140, 256), (256, 256), (256, CLASSES))])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    order = np.random.default_rng(0).permutation(len(y))
    t0 = time.perf_counter()
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        xb = torch.as_tensor(x[idx], dtype=torch.float32).transpose(1, 2)   # (B, C, T)
        loss = torch.nn.functional.cross_entropy(net(xb).sum(-1), torch.as_tensor(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {"seconds": time.perf_counter() - t0}


def _memory(job):
    import torch

    from lava_delays.data.spec import load_split
    from lava_delays.train.model import ModelConfig
    from lava_delays.train.run import MODEL_KEYS, TRAIN_KEYS
    from lava_delays.train.trainer import TrainConfig, Trainer
    from lava_delays import presets
    root, out, batches = job
    torch.set_num_threads(1)
    reset_peak_rss()
    before = status_kib("VmRSS")
    opts = presets.options("shd-adlif-delays", "shd:", "train")
    (x, y), _, info = load_split(presets.data_spec("shd-adlif-delays", f"shd:{root}"))
    n = min(len(y), batches * opts["batch"])
    trainer = Trainer(ModelConfig(n_in=info["n_inputs"], n_classes=info["n_classes"],
                                  **{k: v for k, v in opts.items() if k in MODEL_KEYS}),
                      TrainConfig(**{**{k: v for k, v in opts.items() if k in TRAIN_KEYS},
                                     "epochs": 1}), out)
    trainer.fit((FirstRows(x, n), y[:n]))
    return {"samples_in_file": int(len(y)), "batches": batches,
            "rss_before_mib": before / 1024, "peak_rss_mib": status_kib("VmHWM") / 1024}


def run(out: Path, quick: bool = False, threads: int = 2) -> dict:
    out = Path(out)
    t0 = time.perf_counter()
    n_shd, n_ssc, batches = (256, 2048, 3) if quick else (SHD_SAMPLES, SSC_SAMPLES,
                                                          MEMORY_BATCHES)
    shd_root, ssc_root = out / "data" / "shd_size", out / "data" / "ssc_size"
    for root, n, events in ((shd_root, n_shd, 5000), (ssc_root, n_ssc, 500)):
        for split, count in (("train", n), ("test", max(n // 4, 64))):
            path = root / "SHD" / f"shd_{split}.h5"
            if not path.exists():
                log(f"writing {count} SHD-like samples to {path}")
                make_shd_like(path, count, events, seed=split == "test")
    log("one epoch with the SHD preset")
    ours = in_child(_epoch_ours, (shd_root, out / "run", threads))
    log(f"  {ours['seconds']:.0f} s; one epoch of the slayer network")
    plain = in_child(_epoch_slayer, (shd_root, 64, threads))
    log(f"  {plain['seconds']:.0f} s; peak memory, SHD-size and SSC-size files")
    memory = {name: in_child(_memory, (root, out / f"mem_{name}", batches))
              for name, root in (("shd_size", shd_root), ("ssc_size", ssc_root))}
    ratio = ours["seconds"] / plain["seconds"]
    growth = memory["ssc_size"]["peak_rss_mib"] / memory["shd_size"]["peak_rss_mib"] - 1
    lines = [f"Training at SHD scale ({n_shd} samples, 700 -> 140 channels, 100 steps), "
             f"{threads} threads",
             f"{'':44s} {'seconds/epoch':>14s}",
             f"{'ours, shd-adlif-delays preset (256-256 AdLIF+, delays)':44s} "
             f"{ours['seconds']:14.0f}",
             f"{'slayer cuba Dense 140-256-256-20, no delays':44s} {plain['seconds']:14.0f}",
             f"ratio ours / slayer: {ratio:.2f}",
             f"peak RSS training {batches} batches: SHD-size file "
             f"({memory['shd_size']['samples_in_file']} samples) "
             f"{memory['shd_size']['peak_rss_mib']:.0f} MiB, SSC-size file "
             f"({memory['ssc_size']['samples_in_file']} samples) "
             f"{memory['ssc_size']['peak_rss_mib']:.0f} MiB ({100 * growth:+.1f} %)"]
    table = "\n".join(lines)
    print(table)
    metrics = {"benchmark": "shd_scale", "machine": machine_info(), "quick": quick,
               "samples": n_shd, "threads": threads, "ours": ours, "slayer": plain,
               "ratio": ratio, "memory": memory, "memory_growth": growth, "table": table,
               "seconds": time.perf_counter() - t0}
    write_metrics(out, metrics)
    return metrics
