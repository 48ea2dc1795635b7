"""``lava-delays encode``: labelled recordings -> a spike file in the layout
of the Spiking Heidelberg Digits, which ``tonic.datasets.SHD`` and the
``shd:`` data spec read.

The recordings are a folder of ``{label}_{speaker}_{index}.wav`` files (the
Free Spoken Digit Dataset's naming) or any audio files named in a list file,
one ``PATH LABEL SPEAKER`` per line (paths relative to the folder; ``#``
starts a comment). Labels are class indices, or class names (then sorted
names give the indices); speakers become indices of their sorted names
(``extra/speaker``; the names go to ``extra/speaker_names``).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from lava_delays.data.audio import AudioDataError, load_wave, scan_folder
from lava_delays.data.cochlea import CochleaEncoder
from lava_delays.data.hsd import write_hsd
from lava_delays.progress import note


def read_list(root, list_file) -> List[Tuple[Path, str, str]]:
    """``(path, label, speaker)`` of every line of ``list_file``; a missing
    file, a malformed line or an empty list is an :class:`AudioDataError`
    naming it."""
    root, list_file = Path(root), Path(list_file)
    try:
        lines = list_file.read_text().splitlines()
    except OSError as err:
        raise AudioDataError(f"list file {list_file} cannot be read ({err.strerror})") from None
    items = []
    for number, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3:
            raise AudioDataError(f"{list_file}:{number}: expected 'PATH LABEL SPEAKER', got "
                                 f"{line!r}")
        path = root / parts[0]
        if not path.is_file():
            raise AudioDataError(f"{list_file}:{number}: {path} does not exist")
        items.append((path, parts[1], parts[2]))
    if not items:
        raise AudioDataError(f"list file {list_file} names no recordings")
    return items


def class_indices(labels: Sequence[str]) -> Tuple[List[int], List[str]]:
    """Integer labels as they are (names ``"0".."max"``); otherwise the
    sorted names' indices. Returns ``(indices, class names)``."""
    labels = [str(v) for v in labels]
    if all(v.isdigit() for v in labels):
        ints = [int(v) for v in labels]
        return ints, [str(k) for k in range(max(ints) + 1)]
    names = sorted(set(labels))
    return [names.index(v) for v in labels], names


def encode_to_hsd(root, out, *, list_file=None, speakers: Optional[Sequence[str]] = None,
                  encoder: CochleaEncoder = CochleaEncoder()) -> dict:
    """Encode the recordings of ``root`` (FSDD naming, or those of
    ``list_file``) with ``encoder`` and write ``out`` in the SHD layout.
    Returns a summary (samples, classes, speakers, spikes per sample)."""
    out = Path(out)
    if out.exists():
        raise AudioDataError(f"{out} exists; choose another --out or remove it")
    if list_file is not None:
        items = read_list(root, list_file)
        if speakers is not None:
            wanted = set(speakers)
            items = [it for it in items if it[2] in wanted]
            if not items:
                raise AudioDataError(f"no recording of the speakers {sorted(wanted)} in "
                                     f"{list_file}")
    else:
        items = [(p, str(label), spk) for p, label, spk in scan_folder(root, speakers)]
    labels, keys = class_indices([label for _, label, _ in items])
    names = sorted({spk for _, _, spk in items})
    events, t0, n_spikes = [], time.perf_counter(), 0
    for i, (path, _, _) in enumerate(items):
        try:
            events.append(encoder.encode(load_wave(path, encoder.sample_rate)))
        except (AudioDataError, ValueError) as err:
            raise AudioDataError(f"{path}: {err}") from None
        n_spikes += len(events[-1][0])
        if (i + 1) % 200 == 0 or i + 1 == len(items):
            note("encode", f"{i + 1}/{len(items)} recordings ({time.perf_counter() - t0:.0f} s)")
    write_hsd(out, events, labels, [names.index(spk) for _, _, spk in items], keys, names)
    return {"file": str(out), "samples": len(items), "classes": keys, "speakers": names,
            "channels": encoder.channels, "spikes_per_sample": n_spikes / len(items),
            "seconds": time.perf_counter() - t0}


__all__ = ["class_indices", "encode_to_hsd", "read_list"]
