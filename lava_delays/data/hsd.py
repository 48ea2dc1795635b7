"""Spiking Heidelberg Digits (SHD) and Spiking Speech Commands (SSC) through
``tonic``, from a local root (nothing is downloaded).

``tonic.datasets.SHD(save_to=ROOT)`` reads ``ROOT/SHD/shd_train.h5`` (or
``shd_test.h5``) and also needs the archive ``shd_train.h5.zip`` beside it
(its existence only); otherwise it tries to download, which this library
never lets it do: a missing file is a :class:`HSDDataError` saying what to
put where. SSC is the same with ``ssc_{train,valid,test}.h5``.

Events (700 cochlea channels; tonic gives times in microseconds) are binned
into ``steps`` frames of ``dt_ms`` milliseconds counted from the stimulus
onset t = 0 (tonic's ``ToFrame`` would start at the first event and so shift
every sample differently), optionally pooled over groups of ``pool``
neighbouring channels, and turned into spikes (a bin with at least one event
is a spike); events after ``steps`` bins are dropped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from lava_delays.errors import LavaDelaysError

CHANNELS = 700
SPLITS = {"shd": ("train", "test"), "ssc": ("train", "valid", "test")}


class HSDDataError(LavaDelaysError, ValueError):
    """A missing or malformed SHD/SSC file."""


def hsd_file(kind: str, root, split: str) -> Path:
    """Path of the HDF5 file of ``kind`` ('shd'/'ssc') and ``split``; checks
    that it and tonic's archive marker exist."""
    if kind not in SPLITS:
        raise HSDDataError(f"unknown data set {kind!r}; expected 'shd' or 'ssc'")
    if split not in SPLITS[kind]:
        raise HSDDataError(f"{kind} has splits {SPLITS[kind]}, not {split!r}")
    folder = Path(root) / kind.upper()
    h5 = folder / f"{kind}_{split}.h5"
    if not h5.is_file():
        raise HSDDataError(f"{h5} not found (nothing is downloaded: put the "
                           f"unzipped {h5.name} there)")
    if not (folder / f"{h5.name}.zip").exists():
        raise HSDDataError(f"{folder / (h5.name + '.zip')} not found: tonic needs the archive "
                           f"(or an empty file of that name) beside {h5.name}, else it downloads")
    return h5


def load_hsd(kind: str, root, split: str, steps: int = 100, dt_ms: float = 10.0,
             pool: int = 1, limit: Optional[int] = None):
    """Load an SHD/SSC split as spikes.

    Returns
    -------
    x : ndarray of uint8, shape (n, steps, 700 // pool)
    labels : ndarray of int64, shape (n,)
    speakers : ndarray of int64, shape (n,)
    """
    import h5py
    import tonic
    if steps < 1 or dt_ms <= 0 or pool < 1 or CHANNELS % pool:
        raise HSDDataError(f"need steps >= 1, dt_ms > 0 and pool dividing {CHANNELS}; got "
                           f"steps={steps}, dt_ms={dt_ms}, pool={pool}")
    h5 = hsd_file(kind, root, split)
    try:
        with h5py.File(h5, "r") as f:
            for key in ("spikes/times", "spikes/units", "labels", "extra/speaker"):
                if key not in f:
                    raise HSDDataError(f"{h5}: dataset {key!r} missing")
    except OSError as err:
        raise HSDDataError(f"{h5}: not a readable HDF5 file ({err})") from None
    if kind == "shd":
        ds = tonic.datasets.SHD(save_to=str(root), train=split == "train")
    else:
        ds = tonic.datasets.SSC(save_to=str(root), split=split)
    n = len(ds) if limit is None else min(limit, len(ds))
    x = np.zeros((n, steps, CHANNELS // pool), np.uint8)
    labels = np.zeros(n, np.int64)
    for i in range(n):
        events, labels[i] = ds[i]
        bins = np.floor(events["t"] / (dt_ms * 1000.0)).astype(np.int64)
        keep = (bins >= 0) & (bins < steps) & (events["x"] >= 0) & (events["x"] < CHANNELS)
        x[i, bins[keep], events["x"][keep] // pool] = 1
    speakers = np.asarray(ds.speaker[:n], dtype=np.int64)
    return x, labels, speakers
