"""Audio folders (e.g. the Free Spoken Digit Dataset) -> spike trains.

Files are named ``{label}_{speaker}_{index}.wav``. The encoder computes a
mel spectrogram with torchaudio (hop 10 ms: one time step per frame),
resamples its voiced part to a fixed number of frames (speaking-rate
normalisation), takes it in dB above a noise gate and a floor, and turns it
into spikes by *send-on-delta*: band b emits an "up" spike when its level
has risen by ``delta`` dB since its last spike and a "down" spike when it
has fallen by ``delta`` dB (2 x n_mels input channels) -- the
event-camera-style code neuromorphic front ends produce.

Why each step (measured on FSDD, every speaker held out in turn; see
``docs/results.md``): the recordings differ most in their noise floor (one
speaker is recorded almost noise-free, the others 20-30 dB below their
loudest frame) and in their speaking rate. A send-on-delta code of raw log
energies turns the noise of near-silent frames into spikes that differ
from speaker to speaker; the gate (a multiple of each band's quiet level)
and the floor (a fixed depth below the loudest bin) level that out, and the
speaking-rate normalisation removes the tempo.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from lava_delays.atomic import atomic_path
from lava_delays.errors import LavaDelaysError

NAME = re.compile(r"^(?P<label>\d+)_(?P<speaker>[A-Za-z0-9-]+)_(?P<index>\d+)\.wav$")


class AudioDataError(LavaDelaysError, ValueError):
    """An audio folder or file cannot be used (empty, mislabelled, not audio)."""


@dataclass(frozen=True)
class AudioEncoder:
    """Mel spectrogram in dB + send-on-delta spike encoder.

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
        Send-on-delta threshold (dB).
    duration : int
        Speaking-rate normalisation: when > 0, the voiced part of the clip
        (the frames within ``VOICED_DB`` dB of its loudest frame, with
        ``VOICED_PAD`` frames either side) is resampled in time to
        ``duration`` frames. 0 keeps the recorded tempo. Like the
        energy-centred window, it needs the whole clip (it is not causal).
    gate : float
        Noise gate: ``gate`` times each band's ``noise_percentile``-th
        percentile power (over the frames kept) is added to the band before
        taking dB, so that level changes near the quiet level make no
        spikes. 0: off.
    noise_percentile : float
        The percentile that estimates a band's quiet level (0..100).
    floor_db : float
        A floor ``floor_db`` dB below the clip's loudest (frame, band) bin
        is added likewise (recordings with no noise get the same floor as
        noisy ones). 0: off.
    """
    sample_rate: int = 8000
    n_mels: int = 40
    hop_ms: float = 10.0
    steps: int = 64
    delta: float = 3.0
    duration: int = 44
    gate: float = 4.0
    noise_percentile: float = 20.0
    floor_db: float = 40.0

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
            raise AudioDataError(f"delta must be a finite number > 0 (dB), got {self.delta}")
        if self.duration != 0 and self.duration < 2:
            raise AudioDataError(f"duration must be 0 (off) or >= 2 frames, got {self.duration}")
        for name in ("gate", "floor_db"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise AudioDataError(f"{name} must be a finite number >= 0 (0: off), got {v}")
        if not (np.isfinite(self.noise_percentile) and 0 <= self.noise_percentile <= 100):
            raise AudioDataError(f"noise_percentile must lie in 0..100, got "
                                 f"{self.noise_percentile}")

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

    def log_mel(self, wave: np.ndarray, warp: float = 1.0) -> np.ndarray:
        """(frames, n_mels) mel spectrogram of a mono waveform in dB, its
        voiced part resampled to ``duration`` frames (when > 0), with the
        noise gate and the floor added (the levels the spikes follow).
        ``warp`` != 1 stretches the frequency axis (band k takes the power
        of band ``k * warp``: a longer or shorter vocal tract, for
        augmentation)."""
        import torch
        wave = np.asarray(wave, dtype=np.float32)
        if not np.all(np.isfinite(wave)):
            raise AudioDataError("audio contains NaN or infinite samples")
        if len(wave) <= self.n_fft // 2:
            raise AudioDataError(f"audio of {len(wave)} samples is too short for one "
                                 f"{self.n_fft}-point frame")
        mel = _mel_transform(self.sample_rate, self.n_fft, self.hop, self.n_mels)(
            torch.as_tensor(wave)).T.numpy().astype(np.float64)
        if warp != 1.0:
            mel = resample_frames(mel.T, self.n_mels, scale=warp).T
        logm = np.log(mel + 1e-6)                                # (frames, n_mels)
        if self.duration:
            power = mel.sum(axis=1)
            voiced = np.flatnonzero(power >= power.max() * 10 ** (-self.VOICED_DB / 10))
            start = max(int(voiced[0]) - self.VOICED_PAD, 0)
            stop = min(int(voiced[-1]) + 1 + self.VOICED_PAD, len(logm))
            logm = resample_frames(logm[start:stop], self.duration)
        power = np.exp(logm)
        quiet = self.gate * np.percentile(power, self.noise_percentile, axis=0, keepdims=True)
        floor = power.max() * 10 ** (-self.floor_db / 10) if self.floor_db else 0.0
        return 10 * np.log10(power + quiet + floor)

    def window(self, logm: np.ndarray) -> np.ndarray:
        """At most ``steps`` frames of ``logm`` (frames, bands, dB), centred
        on the clip's energy (the frames the spikes are made of)."""
        frames = len(logm)
        level = logm.mean(axis=1)
        weight = 10 ** ((level - level.max()) / 10)
        centre = int(np.round(np.sum(np.arange(frames) * weight) / np.sum(weight)))
        start = int(np.clip(centre - self.steps // 2, 0, max(frames - self.steps, 0)))
        return logm[start:start + self.steps]

    def encode(self, wave: np.ndarray, warp: float = 1.0) -> np.ndarray:
        """Spikes (steps, 2 * n_mels) uint8 of one mono waveform."""
        return self.spikes(self.log_mel(wave, warp))

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


@functools.lru_cache(maxsize=8)
def _mel_transform(sample_rate: int, n_fft: int, hop: int, n_mels: int):
    """torchaudio's mel spectrogram (its filterbank is built once per setting)."""
    import torchaudio
    return torchaudio.transforms.MelSpectrogram(sample_rate=sample_rate, n_fft=n_fft,
                                                hop_length=hop, n_mels=n_mels)


def resample_frames(frames: np.ndarray, n: int, scale: Optional[float] = None) -> np.ndarray:
    """``frames`` (t, bands) linearly interpolated along the first axis to
    (n, bands): over the whole length, or (``scale``) row k taken from
    position ``k * scale`` (clipped to the last row)."""
    if scale is None:
        src = np.linspace(0, len(frames) - 1, n)
    else:
        src = np.clip(np.arange(n) * scale, 0, len(frames) - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, len(frames) - 1)
    w = (src - lo)[:, None]
    return frames[lo] * (1 - w) + frames[hi] * w


#: augmentation of training recordings: frequency warp factor in 1 +- AUGMENT_WARP
AUGMENT_WARP = 0.1
#: and white noise at a signal-to-noise ratio drawn from this range (dB)
AUGMENT_SNR_DB = (10.0, 30.0)


def augmented(wave: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, float]:
    """A training variant of ``wave``: white noise at a random SNR in
    :data:`AUGMENT_SNR_DB` added, and a random frequency warp factor (for
    :meth:`AudioEncoder.encode`) in ``1 +- AUGMENT_WARP``. The recordings of
    a few speakers differ in noise level and vocal tract; these make a model
    trained on them less sensitive to both."""
    warp = float(rng.uniform(1 - AUGMENT_WARP, 1 + AUGMENT_WARP))
    snr = float(rng.uniform(*AUGMENT_SNR_DB))
    power = float(np.mean(np.asarray(wave, np.float64) ** 2))
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr / 10)), len(wave))
    return (np.asarray(wave, np.float64) + noise).astype(np.float32), warp


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


def file_log_mel(path, encoder: AudioEncoder,
                 rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """:meth:`AudioEncoder.log_mel` of one file (with ``rng``: of a random
    :func:`augmented` variant of it); every error names the file."""
    try:
        wave = load_wave(path, encoder.sample_rate)
        if rng is None:
            return encoder.log_mel(wave)
        return encoder.log_mel(*augmented(wave, rng))
    except AudioDataError as err:
        if str(path) in str(err):
            raise
        raise AudioDataError(f"{path}: {err}") from None


def encode_folder(root, encoder: AudioEncoder = AudioEncoder(),
                  speakers: Optional[Sequence[str]] = None):
    """Encode every labelled wav of ``root`` (of ``speakers``). Results are
    cached on disk (:func:`cache_folder`), keyed by the files' contents and
    the encoder settings.

    Returns
    -------
    x : ndarray, shape (n, steps, 2 * n_mels), uint8
    labels : ndarray of int64, shape (n,)
    speakers : ndarray of str, shape (n,)
    """
    return _encode(scan_folder(root, speakers), encoder, copies=0, seed=0)


def encode_augmented(root, encoder: AudioEncoder, speakers: Optional[Sequence[str]],
                     copies: int, seed: int = 0):
    """``copies`` random training variants (:func:`augmented`: noise and a
    frequency warp) of every labelled wav of ``root`` (of ``speakers``),
    as :func:`encode_folder` returns them; deterministic in ``seed``
    (and cached likewise)."""
    if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies < 0:
        raise AudioDataError(f"augment must be an integer >= 0 (copies), got {copies!r}")
    items = scan_folder(root, speakers)
    if copies == 0:
        return (np.zeros((0, encoder.steps, encoder.n_channels), np.uint8),
                np.zeros(0, np.int64), np.zeros(0, str))
    return _encode(items, encoder, copies=int(copies), seed=int(seed))


def _encode(items, encoder: AudioEncoder, copies: int, seed: int):
    """The recordings ``items`` encoded (``copies == 0``) or ``copies``
    augmented variants of them, through the disk cache."""
    folder = cache_folder()
    key = _cache_key(items, encoder, copies, seed) if folder is not None else None
    if key is not None and (folder / f"{key}.npz").is_file():
        try:
            with np.load(folder / f"{key}.npz") as f:
                return f["x"], f["labels"], f["speakers"]
        except (OSError, ValueError, KeyError):
            pass                               # unreadable: encode again
    rng = np.random.default_rng([seed, 7919]) if copies else None
    xs = []
    with one_torch_thread():
        for _ in range(max(copies, 1)):
            for path, _, _ in items:
                xs.append(encoder.spikes(file_log_mel(path, encoder, rng)))
    reps = max(copies, 1)
    out = (np.stack(xs), np.asarray([label for _, label, _ in items] * reps, np.int64),
           np.asarray([speaker for _, _, speaker in items] * reps))
    if key is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(folder / f"{key}.npz") as tmp:
                np.savez(tmp, x=out[0], labels=out[1], speakers=out[2])
        except OSError:
            pass                               # a read-only cache only costs time
    return out


def cache_folder() -> Optional[Path]:
    """Where encoded folders are cached: ``$LAVA_DELAYS_CACHE`` (``0`` or
    ``off``: no cache), else ``~/.cache/lava-delays/audio``."""
    value = os.environ.get("LAVA_DELAYS_CACHE")
    if value is not None and value.strip().lower() in ("0", "off", "false", ""):
        return None
    if value is not None:
        return Path(value)
    return Path.home() / ".cache" / "lava-delays" / "audio"


def _cache_key(items, encoder: AudioEncoder, copies: int, seed: int) -> str:
    """A hash of the files' names and contents, the encoder settings and
    the augmentation: any change gives another key."""
    h = hashlib.sha256(repr((CACHE_FORMAT, dataclasses.astuple(encoder), copies, seed,
                             AUGMENT_WARP, AUGMENT_SNR_DB)).encode())
    for path, label, speaker in items:
        h.update(f"{Path(path).name}|{label}|{speaker}|".encode())
        h.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return h.hexdigest()[:32]


#: changes when the cached arrays would differ for the same files and settings
CACHE_FORMAT = 1


@contextlib.contextmanager
def one_torch_thread():
    """Run torch on one thread inside (a clip's short FFTs only lose time to
    thread hand-offs; switching threads itself costs milliseconds, so do it
    once per folder)."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
