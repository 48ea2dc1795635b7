"""Named training recipes (``--preset NAME``; ``--preset list`` lists them).

A preset is a JSON file shipped in this folder::

    {"description": "...",            # one line, shown by --preset list
     "data": ["fsdd"],                # the data kinds it fits
     "data_options": {...},           # optional: data spec options it sets
                                      #   where the spec does not
     "train":  {...},                 # options of ``lava-delays train``
     "online": {...},                 # options of ``lava-delays online``
     "adapt":  {...}}                 # options of ``lava-delays online --init``

Each section holds keyword arguments of :func:`lava_delays.train.train`
(fields of :class:`~lava_delays.train.ModelConfig` and
:class:`~lava_delays.train.trainer.TrainConfig`) or of
:func:`lava_delays.online.run_online` (fields of
:class:`~lava_delays.engine.OnlineConfig` and the run's own options). A
command merges, weakest first: the preset, ``--config FILE``, the flags
given on the command line. Without ``--preset`` the data kind picks one
(:data:`DEFAULT_PRESETS`): ``timing`` for the built-in task, ``speech`` for
audio folders; ``--preset none`` uses none (the config classes' defaults).
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Dict, List, Optional

from lava_delays.errors import LavaDelaysError

#: the preset each data kind gets when no ``--preset`` is given
DEFAULT_PRESETS = {"timing": "timing", "fsdd": "speech", "shd": "shd-adlif-delays",
                   "ssc": "ssc-adlif-delays"}
#: the sections a preset may have, by command
SECTIONS = ("train", "online", "adapt")


class PresetError(LavaDelaysError, ValueError):
    """An unknown preset, or one that does not fit the data or the command."""


def _files() -> Dict[str, object]:
    folder = resources.files(__name__)
    return {p.name[:-5]: p for p in folder.iterdir() if p.name.endswith(".json")}


def names() -> List[str]:
    """The shipped presets, sorted."""
    return sorted(_files())


def load(name: str) -> dict:
    """The preset ``name`` as a dict (``description``, ``data``, sections)."""
    files = _files()
    if name not in files:
        raise PresetError(f"unknown preset {name!r}; available: {', '.join(sorted(files))} "
                          f"(--preset list describes them)")
    preset = json.loads(files[name].read_text())
    preset["name"] = name
    return preset


def describe() -> str:
    """``--preset list``: one paragraph per preset."""
    lines = [f"{NONE}  (any data; every command)",
             "    No preset: the library's own defaults (the fields of the config classes)."]
    for name in names():
        p = load(name)
        defaults = [k for k, v in DEFAULT_PRESETS.items() if v == name]
        lines.append(f"{name}  (data: {', '.join(p['data'])}; commands: "
                     f"{', '.join(s for s in SECTIONS if s in p)}"
                     + (f"; the default for {', '.join(defaults)}" if defaults else "") + ")")
        lines.append(f"    {p['description']}")
    return "\n".join(lines)


#: ``--preset none``: no preset, the config classes' own defaults
NONE = "none"


def resolve(name: Optional[str], data: str) -> Optional[str]:
    """The preset a run on ``data`` uses: ``name``, or when None the data
    kind's default; None for ``none`` or a kind without a default."""
    if name == NONE:
        return None
    return name if name is not None else DEFAULT_PRESETS.get(data.partition(":")[0])


def options(name: str, data: str, section: str, explicit: bool = True) -> dict:
    """The options of preset ``name`` for ``section`` (``train``,
    ``online`` or ``adapt``), checked against the data spec ``data``. A
    preset the user named (``explicit``) must have the section; a data
    kind's default preset without it gives no options."""
    if section not in SECTIONS:
        raise PresetError(f"preset section must be one of {SECTIONS}, got {section!r}")
    kind = data.partition(":")[0]
    preset = load(name)
    if kind not in preset["data"]:
        raise PresetError(f"preset {name!r} is for {', '.join(preset['data'])} data, not "
                          f"{kind!r}")
    if section not in preset:
        if not explicit:
            return {}
        command = {"train": "train", "online": "online", "adapt": "online --init"}[section]
        raise PresetError(f"preset {name!r} has no settings for '{command}'")
    return dict(preset[section])


def data_spec(name: Optional[str], data: str) -> str:
    """``data`` with the preset's ``data_options`` filled in where the spec
    does not set them (``shd:ROOT`` -> ``shd:ROOT:pool=5`` for the SHD
    preset)."""
    if name is None:
        return data
    from lava_delays.data.spec import with_options
    return with_options(data, load(name).get("data_options", {}))


__all__ = ["DEFAULT_PRESETS", "PresetError", "data_spec", "describe", "load", "names",
           "options", "resolve"]
