"""A cochlea-like spike encoder: recordings -> spike events in the layout of
the Spiking Heidelberg Digits (700 channels, spike times in seconds).

Each channel is a 4th-order gammatone filter (the usual linear model of a
point on the basilar membrane) with centre frequencies spaced evenly on the
ERB scale between ``f_min`` and ``f_max``. Its envelope, relative to the
loudest channel of the recording and compressed (``compression``, as the
hair cells' transduction), drives an integrate-and-fire unit per channel:
a channel at the recording's loudest level fires at ``max_rate``, one
``floor_db`` below it or quieter does not fire. Spike times have the
resolution of one audio sample.

This is a deliberately small model (no hair-cell adaptation, no
phase locking), enough to turn any labelled recordings into files that
SHD-reading code (``tonic.datasets.SHD``, the ``shd:`` data spec) reads;
``lava-delays encode`` is its command.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from numba import njit

from lava_delays.errors import LavaDelaysError


class CochleaError(LavaDelaysError, ValueError):
    """Cochlea encoder settings that cannot work."""


def erb_space(f_min: float, f_max: float, n: int) -> np.ndarray:
    """``n`` frequencies (Hz) evenly spaced on the ERB-rate scale (Glasberg &
    Moore) from ``f_min`` to ``f_max``."""
    def rate(f):
        return 21.4 * np.log10(1 + 0.00437 * f)
    e = np.linspace(rate(f_min), rate(f_max), n)
    return (10 ** (e / 21.4) - 1) / 0.00437


@njit(cache=True, nogil=True)
def _gammatone_envelopes(x, fc, bw, fs):
    # 4 cascaded complex one-pole low-pass filters of the signal shifted down
    # by fc: the analytic 4th-order gammatone; returns |y| (n_samples, n_ch)
    n, m = x.shape[0], fc.shape[0]
    out = np.empty((n, m), np.float32)
    for c in range(m):
        a = np.exp(-2 * np.pi * bw[c] / fs)
        w = -2 * np.pi * fc[c] / fs
        rot = np.cos(w) + 1j * np.sin(w)
        gain = (1 - a) ** 4
        phase = 1 + 0j
        s1 = 0j
        s2 = 0j
        s3 = 0j
        s4 = 0j
        for t in range(n):
            if t % 1024 == 0:                     # re-anchor: no drift of |phase|
                phase = np.cos(w * t) + 1j * np.sin(w * t)
            v = x[t] * phase
            phase *= rot
            s1 = a * s1 + v
            s2 = a * s2 + s1
            s3 = a * s3 + s2
            s4 = a * s4 + s3
            out[t, c] = abs(s4) * gain
    return out


@njit(cache=True, nogil=True)
def _integrate_and_fire(drive, fs):
    # drive (n_samples, n_ch) in spikes per second; one unit per channel that
    # accumulates drive / fs and fires (subtracting 1) when it reaches 1
    n, m = drive.shape
    times = []
    units = []
    acc = np.zeros(m)
    for t in range(n):
        for c in range(m):
            acc[c] += drive[t, c] / fs
            if acc[c] >= 1.0:
                acc[c] -= 1.0
                times.append(t / fs)
                units.append(c)
    return np.array(times, np.float64), np.array(units, np.int64)


@dataclass(frozen=True)
class CochleaEncoder:
    """Gammatone filterbank + integrate-and-fire spikes (SHD layout).

    Parameters
    ----------
    channels : int
        Filters (700 as in SHD).
    sample_rate : int
        Recordings are resampled to it (Hz).
    f_min, f_max : float
        Lowest and highest centre frequency (Hz); ``f_max`` defaults to
        0.45 x ``sample_rate``.
    max_rate : float
        Spikes per second of a channel at the recording's loudest level.
    floor_db : float
        Channels more than this far below the loudest level do not fire.
    compression : float
        Exponent applied to the envelope above the floor (hair-cell
        compression; 1 = linear).
    """
    channels: int = 700
    sample_rate: int = 16000
    f_min: float = 50.0
    f_max: Optional[float] = None
    max_rate: float = 200.0
    floor_db: float = 40.0
    compression: float = 0.3

    def __post_init__(self):
        if isinstance(self.channels, bool) or not isinstance(self.channels, (int, np.integer)) \
                or self.channels < 1:
            raise CochleaError(f"channels must be an integer >= 1, got {self.channels!r}")
        if isinstance(self.sample_rate, bool) or not isinstance(self.sample_rate,
                                                                (int, np.integer)) \
                or self.sample_rate < 1000:
            raise CochleaError(f"sample_rate must be an integer >= 1000 Hz, got "
                               f"{self.sample_rate!r}")
        top = self.top_frequency
        if not (np.isfinite(self.f_min) and 0 < self.f_min < top < self.sample_rate / 2):
            raise CochleaError(f"need 0 < f_min < f_max < sample_rate / 2, got f_min "
                               f"{self.f_min}, f_max {top}, sample_rate {self.sample_rate}")
        for name in ("max_rate", "floor_db", "compression"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise CochleaError(f"{name} must be a finite number > 0, got {v}")
        if self.max_rate >= self.sample_rate:
            raise CochleaError(f"max_rate ({self.max_rate}) must be below the sample rate")

    @property
    def top_frequency(self) -> float:
        return float(self.f_max) if self.f_max is not None else 0.45 * self.sample_rate

    @property
    def centre_frequencies(self) -> np.ndarray:
        return erb_space(self.f_min, self.top_frequency, self.channels)

    def envelopes(self, wave: np.ndarray) -> np.ndarray:
        """(samples, channels) gammatone envelopes of a mono waveform."""
        wave = np.asarray(wave, dtype=np.float64)
        if wave.ndim != 1 or not np.all(np.isfinite(wave)):
            raise CochleaError("a recording must be a finite mono waveform")
        fc = self.centre_frequencies
        bw = 1.019 * 24.7 * (4.37 * fc / 1000 + 1)        # ERB bandwidth of each filter
        return _gammatone_envelopes(wave, fc, bw, float(self.sample_rate))

    def encode(self, wave: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Spike ``(times in seconds, channel indices)`` of one waveform,
        sorted by time."""
        env = self.envelopes(wave)
        top = float(env.max())
        if top <= 0:
            return np.zeros(0), np.zeros(0, np.int64)
        floor = top * 10 ** (-self.floor_db / 20)
        level = np.clip((env - floor) / (top - floor), 0, None) ** self.compression
        return _integrate_and_fire(level * self.max_rate, float(self.sample_rate))


__all__ = ["CochleaEncoder", "CochleaError", "erb_space"]
