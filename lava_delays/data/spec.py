"""Data-set specs of the command line: ``timing[:k=v,...]``,
``fsdd:PATH[:speakers=a,b,test_speaker=c,n_mels=40,steps=64,delta=3,duration=44,gate=4,noise_percentile=20,floor_db=40]``
(held-out speaker: ``test_speaker``, default the last in sorted order;
encoder options: :class:`~lava_delays.data.audio.AudioEncoder`),
``shd:ROOT``, ``ssc:ROOT``. A path may contain colons: the options are
what follows the last colon, when that part starts with ``key=``.

:func:`load_split` returns ``(train, test)`` pairs of ``(x, labels)`` with
``x`` of shape (n, T, channels). Without a separate test spec, the timing
task draws disjoint train/test sets and audio folders are split *by
speaker* (``test_speaker``, by default the last alphabetically), never at
random: unseen speakers are the hard part.
"""
from __future__ import annotations

import dataclasses
import inspect
import re
import time
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from lava_delays.data.audio import AudioEncoder, encode_augmented, encode_folder
from lava_delays.data.timing import TimingTask
from lava_delays.errors import LavaDelaysError
from lava_delays.progress import note


class DataSpecError(LavaDelaysError, ValueError):
    """A data spec string that cannot be parsed or loaded."""


def _options(text: str) -> dict:
    """``a=1,b=x,y`` -> {"a": "1", "b": "x,y"} (a list value continues after
    commas until the next ``key=``)."""
    out, last = {}, None
    for item in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in item:
            if last is None:
                raise DataSpecError(f"option {item!r} must look like key=value")
            out[last] += "," + item
            continue
        last, v = (x.strip() for x in item.split("=", 1))
        out[last] = v
    return out


def _path_and_options(rest: str) -> Tuple[str, str]:
    """``PATH[:OPTIONS]`` -> (PATH, OPTIONS). The options are what follows the
    *last* colon when that part is empty or starts with ``key=``, so a path
    may itself contain colons (``C:/data/fsdd``, ``/mnt/a:b/fsdd``)."""
    head, sep, tail = rest.rpartition(":")
    if sep and (not tail.strip() or _OPTIONS_START.match(tail)):
        return head, tail
    return rest, ""


#: options start with ``key=`` (a plain name): ``C:/runs/lr=0.1`` is a path
_OPTIONS_START = re.compile(r"^\s*[A-Za-z_]\w*\s*=")


def _folder(kind: str, path: str) -> Path:
    """The folder of an audio-folder spec (``kind:PATH``), with errors that
    name the spec's syntax when the folder is missing (a typo in the options
    makes them part of the path). SHD/SSC roots are checked by
    :func:`~lava_delays.data.hsd.load_hsd`, which names the missing file."""
    if not path.strip():
        raise DataSpecError(f"{kind} needs a folder: {kind}:PATH[:key=value,...]")
    folder = Path(path)
    if not folder.is_dir():
        hint = (" (options follow the last ':' as key=value, e.g. "
                f"{kind}:PATH:steps=64)" if ":" in path else "")
        raise DataSpecError(f"{kind} folder {path!r} does not exist{hint}")
    return folder


def _timing(rest: str, test_rest: Optional[str]):
    opts = _options(rest)
    try:
        n_train = int(opts.pop("train", 2000))
        n_test = int(opts.pop("test", 1000))
    except ValueError as err:
        raise DataSpecError(f"timing train=/test= must be integers: {err}") from None
    task = _timing_task(opts)
    train, test = task.split(n_train, n_test, seed=0)
    return train, test, {"n_classes": task.n_classes, "n_inputs": task.n_inputs}


def _timing_task(opts: dict) -> TimingTask:
    """The task of a timing spec's task options (``train``/``test`` removed)."""
    return TimingTask.from_spec("timing:" + ",".join(f"{k}={v}" for k, v in opts.items()))


def _fsdd(rest: str):
    path, opt = _path_and_options(rest)
    folder = _folder("fsdd", path)
    opts = _options(opt)
    speakers = opts.pop("speakers", None)
    speakers = speakers.split(",") if speakers else None
    test_speaker = opts.pop("test_speaker", None)
    if test_speaker is not None and not test_speaker.strip():
        raise DataSpecError("test_speaker= needs a speaker name")
    enc = _audio_encoder(opts)
    t0 = time.perf_counter()
    encoded = encode_folder(folder, enc, speakers)
    note("data", f"encoded {len(encoded[1])} recordings of {folder} "
                 f"({time.perf_counter() - t0:.1f} s)")
    return encoded, enc, test_speaker, folder


_AUDIO_OPTIONS = {"n_mels": int, "steps": int, "sample_rate": int, "hop_ms": float,
                  "delta": float, "duration": int, "gate": float, "noise_percentile": float,
                  "floor_db": float}


def _audio_encoder(opts: dict) -> AudioEncoder:
    """The :class:`AudioEncoder` of an fsdd spec's encoder options."""
    unknown = set(opts) - set(_AUDIO_OPTIONS)
    if unknown:
        raise DataSpecError(f"unknown fsdd option(s) {sorted(unknown)}; known: "
                            f"speakers, test_speaker, {', '.join(_AUDIO_OPTIONS)}")
    try:
        return AudioEncoder(**{k: _AUDIO_OPTIONS[k](v) for k, v in opts.items()})
    except ValueError as err:   # also AudioDataError (a ValueError) for out-of-range values
        raise DataSpecError(f"bad fsdd option value: {err}") from None


def _hsd(kind: str, rest: str, test_spec: Optional[str]):
    from lava_delays.data.hsd import CHANNELS, load_hsd
    root, opt = _path_and_options(rest)
    if not root:
        raise DataSpecError(f"{kind} needs a root folder: {kind}:ROOT[:steps=100,dt_ms=10,pool=1]")
    kw = _hsd_options(kind, _options(opt))
    if test_spec is not None:
        raise DataSpecError(f"{kind} has its own test split; drop --test-data")
    x, y, _ = load_hsd(kind, root, "train", **kw)
    xt, yt, _ = load_hsd(kind, root, "test", **kw)
    return (x, y), (xt, yt), {"n_classes": int(max(y.max(), yt.max())) + 1,
                              "n_inputs": CHANNELS // kw.get("pool", 1)}


def encoding_of(spec: str) -> dict:
    """The settings of ``spec`` that fix what the input spikes look like,
    with defaults filled in: the kind and its encoder/task settings, not
    which samples (``fsdd:A:delta=0.3,speakers=x`` and ``fsdd:B`` encode
    alike; ``duration=44`` does not). A network only makes sense on data
    encoded as it was trained. A spec this cannot parse is compared as text."""
    kind, _, rest = spec.partition(":")
    try:
        if kind == "timing":
            opts = {k: v for k, v in _options(rest).items() if k not in ("train", "test")}
            return {"kind": kind, **dataclasses.asdict(_timing_task(opts).config)}
        opts = _options(_path_and_options(rest)[1])
        if kind == "fsdd":
            opts = {k: v for k, v in opts.items() if k not in ("speakers", "test_speaker")}
            return {"kind": kind, **dataclasses.asdict(_audio_encoder(opts))}
        if kind in ("shd", "ssc"):
            from lava_delays.data.hsd import load_hsd
            # load_hsd's defaults, overridden by the spec; ``limit`` selects samples
            kw = {k: p.default for k, p in inspect.signature(load_hsd).parameters.items()
                  if k in _HSD_OPTIONS and k != "limit"}
            kw.update({k: v for k, v in _hsd_options(kind, opts).items() if k in kw})
            return {"kind": kind, **kw}
    except (LavaDelaysError, ValueError):
        pass
    return {"kind": kind, "spec": rest if kind == "timing" else _path_and_options(rest)[1]}


_HSD_OPTIONS = {"steps": int, "dt_ms": float, "pool": int, "limit": int}


def _hsd_options(kind: str, opts: dict) -> dict:
    """An SHD/SSC spec's options converted to :func:`load_hsd` keywords."""
    unknown = set(opts) - set(_HSD_OPTIONS)
    if unknown:
        raise DataSpecError(f"unknown {kind} option(s) {sorted(unknown)}; known: "
                            f"{', '.join(_HSD_OPTIONS)}")
    try:
        return {k: _HSD_OPTIONS[k](v) for k, v in opts.items()}
    except ValueError as err:
        raise DataSpecError(f"bad {kind} option value: {err}") from None


def with_options(spec: str, defaults: dict) -> str:
    """``spec`` with ``defaults`` added where it does not set them:
    ``with_options("shd:/data", {"pool": 5}) == "shd:/data:pool=5"``."""
    if not defaults:
        return spec
    kind, _, rest = spec.partition(":")
    if kind == "timing":
        head, opts = kind, _options(rest)
    else:
        path, opt = _path_and_options(rest)
        head, opts = f"{kind}:{path}", _options(opt)
    merged = {**{k: str(v) for k, v in defaults.items()}, **opts}
    return f"{head}:" + ",".join(f"{k}={v}" for k, v in merged.items())


def load_eval(spec: str) -> Tuple[np.ndarray, np.ndarray]:
    """The samples ``lava-delays eval`` scores: every recording of an audio
    folder spec (all its speakers; ``test_speaker`` selects one), the test
    split of the timing task and of SHD/SSC. Returns ``(x, labels)``."""
    kind, _, rest = spec.partition(":")
    if kind == "fsdd":
        (x, y, spk), _, held_out, _ = _fsdd(rest)
        if held_out is not None:
            if held_out not in set(spk):
                raise DataSpecError(f"test_speaker {held_out!r} is not among the speakers "
                                    f"{sorted(set(spk))}")
            x, y = x[spk == held_out], y[spk == held_out]
        return x, y
    _, (x, y), _ = load_split(spec)
    return x, y


def load_split(spec: str, test_spec: Optional[str] = None, augment: int = 0,
               seed: int = 0) -> Tuple[tuple, tuple, dict]:
    """Parse ``spec`` (and ``test_spec``) and return ``(train, test, info)``.

    ``info`` has ``n_classes``, ``n_inputs`` and, for audio, the speakers.
    ``augment``: audio folders only, that many random variants (noise and a
    frequency warp, :func:`~lava_delays.data.audio.encode_augmented`) of
    every training recording are added to the training set (seeded by
    ``seed``); the test set is never augmented.
    """
    kind, _, rest = spec.partition(":")
    if augment and kind != "fsdd":
        raise DataSpecError(f"augment applies to audio folders (fsdd:...), not {kind!r} data")
    if kind == "timing":
        if test_spec is not None:
            raise DataSpecError("the timing task draws its own test set; drop --test-data")
        return _timing(rest, None)
    if kind == "fsdd":
        (x, y, spk), enc, held_out, folder = _fsdd(rest)
        if test_spec is not None:
            tkind, _, trest = test_spec.partition(":")
            if tkind != "fsdd":
                raise DataSpecError(f"test data {test_spec!r} must be an fsdd spec too")
            (xt, yt, spkt), _, test_held_out, _ = _fsdd(trest)
            if held_out is not None or test_held_out is not None:
                raise DataSpecError("test_speaker= splits one folder; with --test-data the "
                                    "test set is that spec's files: drop test_speaker")
            train, test = (x, y), (xt, yt)
            test_speakers = sorted(set(spkt))
        else:
            speakers = sorted(set(spk))
            if len(speakers) < 2:
                raise DataSpecError("splitting by speaker needs at least two speakers")
            if held_out is not None and held_out not in speakers:
                raise DataSpecError(f"test_speaker {held_out!r} is not among the speakers "
                                    f"{speakers}")
            test_speakers = [held_out or speakers[-1]]
            te = np.isin(spk, test_speakers)
            train, test = (x[~te], y[~te]), (x[te], y[te])
        if augment:
            t0 = time.perf_counter()
            xa, ya, _ = encode_augmented(folder, enc, sorted(set(spk) - set(test_speakers))
                                         if test_spec is None else sorted(set(spk)),
                                         augment, seed)
            train = (np.concatenate([train[0], xa]), np.concatenate([train[1], ya]))
            note("data", f"added {len(ya)} augmented training recordings "
                         f"({time.perf_counter() - t0:.1f} s)")
        n_classes = int(max(train[1].max(), test[1].max())) + 1
        return train, test, {"n_classes": n_classes, "n_inputs": enc.n_channels,
                             "train_speakers": sorted(set(spk) - set(test_speakers))
                             if test_spec is None else sorted(set(spk)),
                             "test_speakers": test_speakers}
    if kind in ("shd", "ssc"):
        return _hsd(kind, rest, test_spec)
    raise DataSpecError(f"unknown data spec {spec!r}; expected timing[:...], fsdd:PATH[:...], "
                        f"shd:ROOT or ssc:ROOT")
