"""Atomic file writes (temp file in the same folder + ``os.replace``), so a
crash or kill never leaves a half-written metrics file, plot or network."""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    """The process umask (read from /proc without changing it, where possible;
    ``os.umask`` can only be read by setting it, briefly)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path, suffix: str = ""):
    """Yield a temporary path beside ``path``; rename it over ``path`` on
    success, delete it on error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix,
                               dir=path.parent)
    os.close(fd)
    # mkstemp creates 0600; give the file the permissions open() would
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n")
    return Path(path)


def save_figure(fig, path, **kwargs) -> Path:
    """``fig.savefig`` atomically (format from the file name)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", **kwargs)
    return Path(path)


def check_fresh_output(out, marker: str = "metrics.json") -> None:
    """Refuse an output directory that already holds results (its
    ``marker`` file): a new run must not silently overwrite an earlier one's
    metrics and plots. Raises :class:`~lava_delays.errors.ParameterError`."""
    from lava_delays.errors import ParameterError
    out = Path(out)
    if (out / marker).exists():
        raise ParameterError(f"{out} already holds results ({marker}); choose another --out "
                             "or remove it")
