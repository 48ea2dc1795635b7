"""Spiking Heidelberg Digits (SHD) and Spiking Speech Commands (SSC) through
``tonic``, from a local root (nothing is downloaded).

``tonic.datasets.SHD(save_to=ROOT)`` reads ``ROOT/SHD/shd_train.h5`` (or
``shd_test.h5``) and also needs the archive ``shd_train.h5.zip`` beside it
(its existence only); otherwise it tries to download, which this library
never lets it do: a missing file is a :class:`HSDDataError` saying what to
put where. SSC is the same with ``ssc_{train,valid,test}.h5``.

The split is read lazily (:class:`HSDSpikes`): a batch reads its samples
from the file, so memory does not grow with the number of samples (SSC at
10 ms bins would be ~5 GB as one dense array). Events are binned from the
stimulus onset t = 0 (tonic's ``ToFrame`` would start at the first event and
so shift every sample differently). The files are the ones tonic reads
(``tonic.datasets.SHD``); ``lava-delays encode`` writes such files from any
labelled recordings (:mod:`lava_delays.data.encode`).
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


class HSDSpikes:
    """The samples of an SHD/SSC split as a read-only array of spikes,
    shape ``(n, steps, 700 // pool)``, uint8, that reads only the samples
    it is indexed with from the HDF5 file: a training loop over batches
    holds one batch in memory, whatever the size of the split.

    Indexing with an int, a slice or an integer array gives dense numpy
    arrays; ``np.asarray(spikes)`` reads everything (small files only).

    Events (tonic's layout: times in seconds, channel indices) are binned
    into ``steps`` frames of ``dt_ms`` milliseconds counted from the stimulus
    onset t = 0, optionally pooled over groups of ``pool`` neighbouring
    channels; a bin with at least one event is a spike; events after
    ``steps`` bins are dropped. A sample whose times are negative or not
    ascending, or whose channels are outside 0..699, raises
    :class:`HSDDataError` naming it.
    """

    dtype = np.dtype(np.uint8)
    ndim = 3

    def __init__(self, h5: Path, steps: int, dt_ms: float, pool: int, n: int):
        self.path, self.steps, self.dt_ms, self.pool = Path(h5), int(steps), float(dt_ms), int(pool)
        self.shape = (int(n), self.steps, CHANNELS // self.pool)
        self._file = None

    def __len__(self) -> int:
        return self.shape[0]

    def _h5(self):
        if self._file is None:          # opened lazily: the object pickles to workers
            import h5py
            self._file = h5py.File(self.path, "r")
        return self._file

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_file"} | {"_file": None}

    def sample(self, i: int) -> np.ndarray:
        """Dense spikes (steps, channels) of sample ``i``."""
        f = self._h5()
        times = np.asarray(f["spikes/times"][i], dtype=np.float64)
        units = np.asarray(f["spikes/units"][i], dtype=np.int64)
        where = f"{self.path}: sample {i}"
        if times.shape != units.shape:
            raise HSDDataError(f"{where} has {len(times)} times but {len(units)} units")
        if times.size and (times.min() < 0 or np.any(np.diff(times) < 0)):
            raise HSDDataError(f"{where}: spike times must be >= 0 and ascending")
        if units.size and (units.min() < 0 or units.max() >= CHANNELS):
            raise HSDDataError(f"{where}: channel {int(units.max())} is outside "
                               f"0..{CHANNELS - 1}")
        out = np.zeros(self.shape[1:], np.uint8)
        bins = np.floor(times / (self.dt_ms / 1000.0)).astype(np.int64)
        keep = bins < self.steps
        out[bins[keep], units[keep] // self.pool] = 1
        return out

    def __getitem__(self, index):
        if isinstance(index, tuple):             # samples first, then within them
            return self[index[0]][(slice(None),) * (not isinstance(index[0], (int, np.integer)))
                                  + index[1:]]
        if isinstance(index, (int, np.integer)):
            i = int(index) + (len(self) if index < 0 else 0)
            if not 0 <= i < len(self):
                raise IndexError(f"sample {index} of {len(self)}")
            return self.sample(i)
        rows = np.arange(len(self))[index]
        out = np.zeros((len(rows),) + self.shape[1:], np.uint8)
        for k, i in enumerate(rows):
            out[k] = self.sample(int(i))
        return out

    def __array__(self, dtype=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)


def load_hsd(kind: str, root, split: str, steps: int = 100, dt_ms: float = 10.0,
             pool: int = 1, limit: Optional[int] = None):
    """Open an SHD/SSC split.

    Returns
    -------
    x : HSDSpikes
        Spikes of shape (n, steps, 700 // pool), read from the file sample by
        sample when indexed.
    labels : ndarray of int64, shape (n,)
    speakers : ndarray of int64, shape (n,)

    Raises :class:`HSDDataError` for a missing file (nothing is downloaded),
    one that is not HDF5 or lacks the SHD datasets, and labels outside the
    classes its ``extra/keys`` name.
    """
    import h5py
    if steps < 1 or dt_ms <= 0 or pool < 1 or CHANNELS % pool:
        raise HSDDataError(f"need steps >= 1, dt_ms > 0 and pool dividing {CHANNELS}; got "
                           f"steps={steps}, dt_ms={dt_ms}, pool={pool}")
    h5 = hsd_file(kind, root, split)
    try:
        with h5py.File(h5, "r") as f:
            for key in ("spikes/times", "spikes/units", "labels", "extra/speaker", "extra/keys"):
                if key not in f:
                    raise HSDDataError(f"{h5}: dataset {key!r} missing (not the SHD layout)")
            labels = np.asarray(f["labels"][()], dtype=np.int64)
            speakers = np.asarray(f["extra/speaker"][()], dtype=np.int64)
            n_keys = len(f["extra/keys"][()])
            n_events = (len(f["spikes/times"]), len(f["spikes/units"]))
    except OSError as err:
        raise HSDDataError(f"{h5}: not a readable HDF5 file ({err})") from None
    if labels.ndim != 1 or n_events != (len(labels), len(labels)):
        raise HSDDataError(f"{h5}: {len(labels)} labels for {n_events[0]} spike-time and "
                           f"{n_events[1]} spike-unit rows")
    if labels.size and (labels.min() < 0 or labels.max() >= n_keys):
        raise HSDDataError(f"{h5}: label {int(labels.max())} is outside the {n_keys} classes "
                           f"of extra/keys")
    n = len(labels) if limit is None else min(int(limit), len(labels))
    return HSDSpikes(h5, steps, dt_ms, pool, n), labels[:n], speakers[:n]


def write_hsd(path, events, labels, speakers, keys, speaker_names=None) -> Path:
    """Write spike events in the SHD/SSC HDF5 layout (atomically).

    Parameters
    ----------
    path : path
        The ``.h5`` file. Named ``shd_train.h5`` (or another split of SHD or
        SSC), the empty ``.zip`` marker tonic checks is written beside it.
    events : sequence of (times, units)
        Per sample, spike times (seconds, ascending) and channel indices.
    labels, speakers : sequence of int
        Class and speaker index per sample.
    keys : sequence of str
        Class names (``extra/keys``), indexed by label.
    speaker_names : sequence of str, optional
        Names of the speaker indices (``extra/speaker_names``).
    """
    import h5py

    from lava_delays.atomic import atomic_path
    path = Path(path)
    if len(events) != len(labels) or len(labels) != len(speakers):
        raise HSDDataError(f"{len(events)} samples, {len(labels)} labels and {len(speakers)} "
                           f"speakers differ")
    for i, (t, u) in enumerate(events):
        t, u = np.asarray(t), np.asarray(u)
        if t.shape != u.shape or t.ndim != 1:
            raise HSDDataError(f"sample {i}: times and units must be 1-D of one length")
        if t.size and (t.min() < 0 or np.any(np.diff(t) < 0)):
            raise HSDDataError(f"sample {i}: spike times must be >= 0 and ascending")
        if u.size and (u.min() < 0 or u.max() > np.iinfo(np.uint16).max):
            raise HSDDataError(f"sample {i}: channel indices must fit uint16")
    vlen_f = h5py.vlen_dtype(np.dtype("float32"))
    vlen_u = h5py.vlen_dtype(np.dtype("uint16"))
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            times = f.create_dataset("spikes/times", (len(events),), dtype=vlen_f)
            units = f.create_dataset("spikes/units", (len(events),), dtype=vlen_u)
            for i, (t, u) in enumerate(events):
                times[i] = np.asarray(t, np.float32)
                units[i] = np.asarray(u, np.uint16)
            f["labels"] = np.asarray(labels, np.uint16)
            f["extra/speaker"] = np.asarray(speakers, np.uint16)
            f["extra/keys"] = np.array([str(k).encode() for k in keys])
            if speaker_names is not None:
                f["extra/speaker_names"] = np.array([str(s).encode() for s in speaker_names])
    kind, _, split = path.stem.partition("_")
    if kind in SPLITS and split in SPLITS[kind]:
        (path.parent / f"{path.name}.zip").touch()
    return path
