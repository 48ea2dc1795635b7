"""Audio folders (e.g. the Free Spoken Digit Dataset) -> spike trains.

Files are named ``{label}_{speaker}_{index}.wav``. The encoder computes a
log-mel spectrogram with torchaudio (hop 10 ms: one time step per frame),
normalises it per clip (zero mean, unit variance over all bands and
frames), optionally resamples its voiced part to a fixed duration, and turns
it into spikes by *send-on-delta*: band b emits an "up" spike when its log
energy has risen by ``delta`` since its last spike and a "down" spike when
it has fallen by ``delta`` (2 x n_mels input channels). On FSDD this beats
feeding the log-mel as a current (DESIGN.md), and it is the
event-camera-style code neuromorphic front ends produce.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from lava_delays.errors import LavaDelaysError

NAME = re.compile(r"^(?P<label>\d+)_(?P<speaker>[A-Za-z0-9-]+)_(?P<index>\d+)\.wav$")


class AudioDataError(LavaDelaysError, ValueError):
    """An audio folder or file cannot be used (empty, mislabelled, not audio)."""


@dataclass(frozen=True)
class AudioEncoder:
    """Log-mel + send-on-delta spike encoder.

    Parameters
    ----------
    sample_rate : int
        Files are resampled to it (Hz).
    n_mels : int
        Mel bands; the encoder outputs ``2 * n_mels`` channels.
    hop_ms : float
        Frame hop = one time step (ms).
    steps : int
        Output length T; longer clips are cropped, shorter ones zero-padded
        (both centred on the clip's energy).
    delta : float
        Send-on-delta threshold in units of the clip's standard deviation.
    duration : int
        Speaking-rate normalisation: when > 0, the voiced part of the clip
        (the frames within ``VOICED_DB`` dB of its loudest frame, with
        ``VOICED_PAD`` frames either side) is linearly resampled in time to
        ``duration`` frames before the window is taken. 0 (default) keeps
        the recorded tempo. Like the energy-centred window, it needs the
        whole clip (it is not causal). On FSDD's unseen speakers
        ``duration=44`` gains 4.6-6.4 pp deployed accuracy on average (README,
        ``lava-delays bench train_fsdd_folds``).
    """
    sample_rate: int = 8000
    n_mels: int = 40
    hop_ms: float = 10.0
    steps: int = 64
    delta: float = 0.3
    duration: int = 0

    #: frames within this many dB of the loudest frame count as voiced
    VOICED_DB = 30.0
    #: frames kept either side of the voiced part
    VOICED_PAD = 3

    def __post_init__(self):
        for name in ("sample_rate", "n_mels", "steps", "duration"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise AudioDataError(f"{name} must be an integer, got {v!r}")
        for name in ("sample_rate", "n_mels", "steps"):
            if getattr(self, name) < 1:
                raise AudioDataError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not (np.isfinite(self.hop_ms) and self.hop_ms > 0 and self.hop >= 1):
            raise AudioDataError(f"hop_ms must be finite and at least one sample long, got "
                                 f"{self.hop_ms}")
        if not (np.isfinite(self.delta) and self.delta > 0):
            raise AudioDataError(f"delta must be a finite number > 0, got {self.delta}")
        if self.duration != 0 and self.duration < 2:
            raise AudioDataError(f"duration must be 0 (off) or >= 2 frames, got {self.duration}")

    @property
    def hop(self) -> int:
        """Frame hop in samples."""
        return int(round(self.sample_rate * self.hop_ms / 1000))

    @property
    def n_fft(self) -> int:
        return 4 * self.hop if 4 * self.hop >= 2 * self.n_mels else 256

    @property
    def n_channels(self) -> int:
        return 2 * self.n_mels

    def log_mel(self, wave: np.ndarray) -> np.ndarray:
        """(frames, n_mels) log-mel of a mono waveform, normalised over the
        whole clip to zero mean and unit variance (before the voiced part is
        cut out and resampled when ``duration`` > 0)."""
        import torch
        import torchaudio
        wave = np.asarray(wave, dtype=np.float32)
        if not np.all(np.isfinite(wave)):
            raise AudioDataError("audio contains NaN or infinite samples")
        if len(wave) <= self.n_fft // 2:
            raise AudioDataError(f"audio of {len(wave)} samples is too short for one "
                                 f"{self.n_fft}-point frame")
        mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=self.sample_rate, n_fft=self.n_fft, hop_length=self.hop,
            n_mels=self.n_mels)(torch.as_tensor(wave))
        logm = torch.log(mel + 1e-6).T.numpy()                 # (frames, n_mels)
        logm = (logm - logm.mean()) / (logm.std() + 1e-6)
        if self.duration:
            power = mel.sum(dim=0).numpy()                     # (frames,)
            voiced = np.flatnonzero(power >= power.max() * 10 ** (-self.VOICED_DB / 10))
            start = max(int(voiced[0]) - self.VOICED_PAD, 0)
            stop = min(int(voiced[-1]) + 1 + self.VOICED_PAD, len(logm))
            logm = resample_frames(logm[start:stop], self.duration)
        return logm

    def window(self, logm: np.ndarray) -> np.ndarray:
        """At most ``steps`` frames of ``logm`` (frames, bands), centred on
        the clip's energy (the frames the spikes are made of)."""
        frames = len(logm)
        energy = logm.mean(axis=1)
        centre = int(np.round(np.sum(np.arange(frames) * np.exp(energy)) / np.sum(np.exp(energy))))
        start = int(np.clip(centre - self.steps // 2, 0, max(frames - self.steps, 0)))
        return logm[start:start + self.steps]

    def encode(self, wave: np.ndarray) -> np.ndarray:
        """Spikes (steps, 2 * n_mels) uint8 of one mono waveform."""
        return self.spikes(self.log_mel(wave))

    def spikes(self, logm: np.ndarray) -> np.ndarray:
        """Send-on-delta spikes (steps, 2 * n_mels) uint8 of a :meth:`log_mel`."""
        window = self.window(logm)
        out = np.zeros((self.steps, self.n_channels), np.uint8)
        ref = window[0].copy()
        for t in range(len(window)):
            up = window[t] - ref >= self.delta
            down = ref - window[t] >= self.delta
            out[t, :self.n_mels] = up
            out[t, self.n_mels:] = down
            ref = np.where(up | down, window[t], ref)
        return out


def resample_frames(frames: np.ndarray, n: int) -> np.ndarray:
    """``frames`` (t, bands) linearly interpolated in time to (n, bands)."""
    src = np.linspace(0, len(frames) - 1, n)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, len(frames) - 1)
    w = (src - lo)[:, None]
    return frames[lo] * (1 - w) + frames[hi] * w


def scan_folder(root, speakers: Optional[Sequence[str]] = None) -> List[Tuple[Path, int, str]]:
    """List ``(path, label, speaker)`` of the labelled wav files in ``root``.

    Raises :class:`AudioDataError` for a missing/empty folder, a wav whose
    name does not follow ``{label}_{speaker}_{index}.wav``, or speakers that
    select nothing.
    """
    root = Path(root)
    if not root.is_dir():
        raise AudioDataError(f"audio folder {root} does not exist")
    wavs = sorted(root.glob("*.wav"))
    if not wavs:
        raise AudioDataError(f"audio folder {root} contains no .wav files")
    items = []
    for path in wavs:
        m = NAME.match(path.name)
        if m is None:
            raise AudioDataError(f"{path}: name does not follow {{label}}_{{speaker}}_{{index}}.wav")
        items.append((path, int(m["label"]), m["speaker"]))
    if speakers is not None:
        wanted = set(speakers)
        unknown = wanted - {s for _, _, s in items}
        if unknown:
            raise AudioDataError(f"speaker(s) {sorted(unknown)} not found in {root}")
        items = [it for it in items if it[2] in wanted]
    return items


def load_wave(path, sample_rate: int) -> np.ndarray:
    """Mono waveform resampled to ``sample_rate``; clear errors for non-audio."""
    import torchaudio
    try:
        wave, sr = torchaudio.load(str(path))
    except Exception as err:  # torchaudio raises RuntimeError for non-audio
        raise AudioDataError(f"{path}: not a readable audio file ({err.__class__.__name__})") from None
    if wave.numel() == 0:
        raise AudioDataError(f"{path}: zero-length audio")
    wave = wave.mean(dim=0)
    if sr != sample_rate:
        wave = torchaudio.functional.resample(wave, sr, sample_rate)
    return wave.numpy().astype(np.float32)


def file_log_mel(path, encoder: AudioEncoder) -> np.ndarray:
    """:meth:`AudioEncoder.log_mel` of one file; every error names the file."""
    try:
        return encoder.log_mel(load_wave(path, encoder.sample_rate))
    except AudioDataError as err:
        if str(path) in str(err):
            raise
        raise AudioDataError(f"{path}: {err}") from None


def encode_folder(root, encoder: AudioEncoder = AudioEncoder(),
                  speakers: Optional[Sequence[str]] = None, cache: Optional[Dict] = None):
    """Encode every labelled wav of ``root``.

    Returns
    -------
    x : ndarray, shape (n, steps, 2 * n_mels), uint8
    labels : ndarray of int64, shape (n,)
    speakers : ndarray of str, shape (n,)
    """
    items = scan_folder(root, speakers)
    xs, labels, spk = [], [], []
    for path, label, speaker in items:
        key = (str(path), encoder)
        if cache is not None and key in cache:
            spikes = cache[key]
        else:
            spikes = encoder.spikes(file_log_mel(path, encoder))
            if cache is not None:
                cache[key] = spikes
        xs.append(spikes)
        labels.append(label)
        spk.append(speaker)
    return np.stack(xs), np.asarray(labels, np.int64), np.asarray(spk)
