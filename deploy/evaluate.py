"""``lava-delays eval``: run an exported network on a data set's test split
with the batched engine or as Lava processes, and compare backends spike for
spike."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np

from lava_delays.atomic import check_fresh_output, write_json
from lava_delays.engine.simulate import simulate
from lava_delays.errors import ParameterError, ShapeError
from lava_delays.network import Network
from lava_delays.result import SimResult

BACKENDS = ("engine", "lava", "float")


def run_backend(net: Network, x: np.ndarray, backend: str) -> SimResult:
    """Run ``net`` on spikes ``x`` (batch, T, n_in) with ``backend``:
    ``engine`` (batched, the file's arithmetic), ``lava`` (our Lava processes,
    ``fixed_pt`` for fixed networks, ``floating_pt`` otherwise) or ``float``
    (engine in float arithmetic; needs a float network file)."""
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "float" and net.fixed:
        raise ParameterError("backend 'float' needs a float network file (lava-delays deploy "
                             "--float); this file holds a fixed-point network: use 'engine' "
                             "or 'lava'")
    if backend == "lava":
        from lava_delays.proc.graph import run_lava
        return run_lava(net, x, tag="fixed_pt" if net.fixed else "floating_pt")
    return simulate(net, x)


def spike_parity(a: SimResult, b: SimResult) -> np.ndarray:
    """Per sample: True where every layer's spike train (and the read-out
    voltage) is identical in both results."""
    same = np.ones(len(a.spikes[0]) if a.spikes else len(a.readout), bool)
    for sa, sb in zip(a.spikes, b.spikes):
        same &= np.all(sa == sb, axis=(1, 2))
    if a.readout is not None and b.readout is not None:
        same &= np.all(np.isclose(a.readout, b.readout, rtol=0, atol=1e-9), axis=(1, 2))
    return same


def stratified(labels: np.ndarray, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` samples taken class by class in turn (the
    first of every class, then the second ...), in their original order: a
    small ``--limit`` still sees every class."""
    labels = np.asarray(labels)
    rank = np.zeros(len(labels), np.int64)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        rank[idx] = np.arange(len(idx))
    order = np.lexsort((np.arange(len(labels)), rank))
    return np.sort(order[:limit])


def log(msg: str) -> None:
    """A progress line on stderr (visible in logs, not only on terminals)."""
    print(f"[eval] {msg}", file=sys.stderr, flush=True)


def evaluate_file(path, data: str, out, *, backend: str = "engine", limit: Optional[int] = None,
                  compare: Optional[str] = None) -> dict:
    """Accuracy of the network file ``path`` on the test split of ``data``;
    with ``compare`` (default ``engine`` when ``backend='lava'``) also the
    fraction of samples with identical spikes in both backends. Writes
    ``out/metrics.json``."""
    from lava_delays.data.spec import encoding_of, load_eval
    from lava_delays.deploy.hdf5 import load_hdf5, load_hdf5_metadata
    if limit is not None and limit < 1:
        raise ParameterError(f"--limit must be >= 1, got {limit}")
    check_fresh_output(out)
    net = load_hdf5(path)
    trained_on = load_hdf5_metadata(path).get("data")
    log(f"loading {data}")
    x, y = load_eval(data)
    if limit is not None:
        keep = stratified(y, limit)
        x, y = x[keep], y[keep]
    if x.shape[2] != net.n_in:
        raise ShapeError(f"{path} expects {net.n_in} input channels, data {data!r} has "
                         f"{x.shape[2]}")
    if compare is None:
        compare = "engine" if backend == "lava" else "none"
    t0 = time.perf_counter()
    log(f"running {len(y)} samples on the {backend}")
    result = run_backend(net, x, backend)
    seconds = time.perf_counter() - t0
    metrics = {"accuracy": float((result.predict() == y).mean()), "n_test": int(len(y)),
               "backend": backend, "network": str(path), "data": data,
               "fixed": bool(net.fixed), "seconds": seconds,
               "samples_per_s": len(y) / max(seconds, 1e-9),
               "overflow_counts": dict(result.counts)}
    trained_enc, data_enc = encoding_of(trained_on or ""), encoding_of(data)
    if trained_on and trained_enc != data_enc:
        # same channel count but another encoding (e.g. duration=44 vs none):
        # the accuracy would be silently wrong, so say it
        metrics["encoding_mismatch"] = {"trained_on": trained_enc, "evaluated_on": data_enc}
        print(f"warning: {path} was trained on {trained_on!r}, whose encoding differs from "
              f"{data!r}: {metrics['encoding_mismatch']}", file=sys.stderr)
    if compare not in ("none", backend):
        t0 = time.perf_counter()
        log(f"running the same {len(y)} samples on the {compare} for spike parity")
        other = run_backend(net, x, compare)
        same = spike_parity(result, other)
        metrics.update({"compared_with": compare, "spike_parity": float(same.mean()),
                        f"{compare}_accuracy": float((other.predict() == y).mean()),
                        f"{compare}_seconds": time.perf_counter() - t0})
    write_json(Path(out) / "metrics.json", metrics)
    return metrics
