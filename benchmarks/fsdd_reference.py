"""Non-spiking references for the FSDD unseen-speaker split, to calibrate the
spiking results of ``speech_offline`` and ``speech_online``: how hard is "train on
three speakers, test on the fourth" with these four speakers?

Every model sees a 64-frame window (10 ms hop, :meth:`AudioEncoder.window`)
of the levels the spike encoder follows (:meth:`AudioEncoder.log_mel`: 40
mel bands in dB above the noise gate and floor, speaking rate normalised),
normalised per clip:

* ``MLP, log-mel``  -- the window flattened, 2560 -> 256 -> 10 (ReLU, dropout 0.3)
* ``GRU, log-mel``  -- a 2-layer GRU (128 units), time-averaged output -> 10
* ``GRU, log-mel CMVN`` -- the same on per-band, per-clip normalised log-mel
  (cepstral mean/variance normalisation, the usual speaker normalisation)
* ``GRU, spikes``   -- the same GRU on the 80-channel send-on-delta spikes
  the spiking networks get (how much the encoding keeps)
* ``CNN, log-mel CMVN`` -- a time-convolutional net (3 conv layers 64-64-128,
  kernel 5, batch norm, ReLU, one 2x max-pool), averaged over time (so it
  does not care where in the window the digit sits), dropout 0.3 -> 10: the
  usual strong small keyword-spotting model

Adam (1e-3), batch 32, 30 epochs, seed 0, every speaker held out in turn
(accuracy on the held-out speaker after the last epoch).

Run: ``lava-delays bench fsdd_reference --out DIR`` (about 45 minutes on 2 cores
(measured with another job sharing them); the GRUs take most of it).
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from lava_delays.benchmarks import FSDD_FOLDER, log, machine_info, write_metrics


def _features():
    """``({"log-mel", "log-mel CMVN", "spikes"}, labels, speakers)`` of the folder."""
    from lava_delays.data.audio import AudioEncoder, file_log_mel, scan_folder
    enc = AudioEncoder()
    items = scan_folder(Path(os.environ.get("LAVA_DELAYS_FSDD", FSDD_FOLDER)))
    def padded(frames):   # a window shorter than `steps` is zero-padded at the end
        out = np.zeros((enc.steps, enc.n_mels), np.float32)
        out[:len(frames)] = frames
        return out

    glob, cmvn, spikes = [], [], []
    for path, _, _ in items:
        logm = file_log_mel(path, enc)           # dB above gate and floor
        spikes.append(enc.spikes(logm))
        # the models see the levels the spikes are made of, normalised per clip
        glob.append(padded(enc.window((logm - logm.mean()) / (logm.std() + 1e-6))))
        # CMVN: each band normalised over the whole clip, then windowed (the
        # window centres on the normalised energy, so it may sit a little
        # apart from the plain one)
        cmvn.append(padded(enc.window((logm - logm.mean(0)) / (logm.std(0) + 1e-6))))
    labels = np.array([lab for _, lab, _ in items])
    speakers = np.array([spk for _, _, spk in items])
    return {"log-mel": np.stack(glob), "log-mel CMVN": np.stack(cmvn),
            "spikes": np.stack(spikes).astype(np.float32)}, labels, speakers


def _model(kind: str, steps: int, n_in: int):
    import torch

    class Transpose(torch.nn.Module):   # (batch, time, features) -> (batch, features, time)
        def forward(self, x):
            return x.transpose(1, 2)

    class TimeMean(torch.nn.Module):
        def forward(self, x):
            return x.mean(dim=2)

    class GRU(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = torch.nn.GRU(n_in, 128, num_layers=2, batch_first=True)
            self.out = torch.nn.Linear(128, 10)

        def forward(self, x):
            return self.out(self.gru(x)[0].mean(dim=1))

    if kind == "CNN":
        def conv(a, b):
            return [torch.nn.Conv1d(a, b, 5, padding=2), torch.nn.BatchNorm1d(b),
                    torch.nn.ReLU()]
        return torch.nn.Sequential(
            Transpose(), *conv(n_in, 64), *conv(64, 64), torch.nn.MaxPool1d(2),
            *conv(64, 128), TimeMean(), torch.nn.Dropout(0.3), torch.nn.Linear(128, 10))
    if kind == "MLP":
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(steps * n_in, 256),
                                   torch.nn.ReLU(), torch.nn.Dropout(0.3),
                                   torch.nn.Linear(256, 10))
    return GRU()


def _fit(kind, x, y, test_mask, epochs, seed, stride=1):
    import torch
    torch.manual_seed(seed)
    train = np.flatnonzero(~test_mask)[::stride]
    xtr, ytr = torch.tensor(x[train]), torch.tensor(y[train])
    xte, yte = torch.tensor(x[test_mask]), torch.tensor(y[test_mask])
    model = _model(kind, x.shape[1], x.shape[2])
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(ytr), generator=gen)
        for i in range(0, len(perm), 32):
            b = perm[i:i + 32]
            loss = torch.nn.functional.cross_entropy(model(xtr[b]), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return float((model(xte).argmax(1) == yte).float().mean())


MODELS = [("MLP, log-mel", "MLP", "log-mel"), ("GRU, log-mel", "GRU", "log-mel"),
          ("GRU, log-mel CMVN", "GRU", "log-mel CMVN"), ("GRU, spikes", "GRU", "spikes"),
          ("CNN, log-mel CMVN", "CNN", "log-mel CMVN")]


def run(out: Path, quick: bool = False, epochs: int = 30, seed: int = 0,
        only: Optional[Sequence[str]] = None) -> dict:
    """``only``: names of the :data:`MODELS` rows to run (default: all)."""
    import torch
    models, stride = MODELS, 1
    if only is not None:   # checked before the (slow) feature extraction
        if isinstance(only, str) or not only:
            raise ValueError(f"only must be a non-empty list of model names, got {only!r}")
        unknown = set(only) - {m[0] for m in MODELS}
        if unknown:
            raise ValueError(f"unknown model(s) {sorted(unknown)}; choose from "
                             f"{[m[0] for m in MODELS]}")
        models = [m for m in MODELS if m[0] in only]
    feats, labels, speakers = _features()
    folds = sorted(set(speakers))
    if quick:   # a smoke test: one fold, one epoch on a tenth of the data, one of each kind
        epochs, folds, stride = 1, folds[:1], 10
        if only is None:
            models = MODELS[:2] + MODELS[-1:]
    torch.set_num_threads(1 if quick else 2)
    rows = []
    for name, kind, feat in models:
        t0 = time.perf_counter()
        acc = {s: _fit(kind, feats[feat], labels, speakers == s, epochs, seed, stride)
               for s in folds}
        rows.append({"model": name, "accuracy": acc, "mean": float(np.mean(list(acc.values()))),
                     "seconds": time.perf_counter() - t0})
        log(f"{name}: {acc}")
    lines = [f"FSDD unseen speaker, non-spiking references ({epochs} epochs, seed {seed}); "
             f"accuracy on the held-out speaker",
             f"{'model':20s} " + " ".join(f"{s:>8s}" for s in folds) + f" {'mean':>6s}"]
    for r in rows:
        lines.append(f"{r['model']:20s} " + " ".join(f"{r['accuracy'][s]:8.3f}" for s in folds)
                     + f" {r['mean']:6.3f}")
    table = "\n".join(lines)
    print(table)
    metrics = {"benchmark": "fsdd_reference", "machine": machine_info(), "quick": quick,
               "epochs": epochs, "seed": seed, "rows": rows, "table": table}
    write_metrics(out, metrics)
    return metrics
