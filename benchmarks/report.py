"""``docs/results.md`` from the committed benchmark metrics.

Every results table of the documentation is the ``table`` a benchmark
printed, read back from the ``metrics.json`` it wrote and that is committed
under ``docs/results/NAME.json`` (``lava-delays bench NAME --out DIR``, then
copy ``DIR/metrics.json``). This module renders them in the order of
:data:`SECTIONS`, each under the command that reproduces it, the machine it
ran on and its run time: ``python -m lava_delays.benchmarks.report``
rewrites ``docs/results.md``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

#: (benchmark name, heading, what the table shows) in the order of the page
SECTIONS = [
    ("speech_offline", "Offline training on speech from unseen speakers",
     "The defaults of `lava-delays train` on audio folders, every FSDD speaker held out in "
     "turn (the development proxy of the acceptance split, with one training speaker fewer), "
     "and the same networks with their random delays frozen."),
    ("speech_online", "On-line learning on speech from unseen speakers",
     "The defaults of `lava-delays online` on audio folders, every FSDD speaker held out in "
     "turn, and the same networks with their random delays frozen."),
    ("speech_adapt", "Adapting a deployed network to a new speaker on the device",
     "`lava-delays online --init NET.h5` on five recordings per digit of a speaker the "
     "network has never heard, in the chip's fixed-point arithmetic."),
    ("timing", "The timing task: delays are necessary, learned ones better",
     "The defaults of `lava-delays train` and `lava-delays online` on the built-in timing "
     "task without delays, with random delays frozen, and with learned delays."),
]

HEADER = """# Results

Every table below is printed by a benchmark (`lava-delays bench NAME`) whose
defaults reproduce it; its `metrics.json` is committed beside this page
(`docs/results/NAME.json`) and this page is generated from those files
(`python -m lava_delays.benchmarks.report`). Times are wall-clock on the
machine named under each table, usually two runs at a time on its two cores.
"""


def table_of(name: str, metrics: dict) -> str:
    """The table a benchmark printed: its ``table`` entry, or what its
    ``format_table(metrics)`` prints."""
    if "table" in metrics:
        return metrics["table"]
    from lava_delays.benchmarks import load
    return load(name).format_table(metrics)


def render(folder: Path) -> str:
    parts = [HEADER]
    for name, heading, what in SECTIONS:
        path = folder / f"{name}.json"
        if not path.is_file():
            continue
        m = json.loads(path.read_text())
        machine = m.get("machine", {})
        cpu = machine.get("cpu_model") or machine.get("processor") or "unknown CPU"
        minutes = m.get("seconds", m.get("total_seconds", 0)) / 60
        parts.append(f"## {heading}\n\n{what}\n\n`lava-delays bench {name}` "
                     f"({minutes:.0f} min on a {machine.get('nproc', '?')}-core {cpu}, "
                     f"{machine.get('date', '')[:10]})\n\n```\n{table_of(name, m)}\n```\n")
    return "\n".join(parts)


def main(argv=None) -> int:
    docs = Path(__file__).resolve().parents[1] / "docs"
    folder = docs / "results"
    (docs / "results.md").write_text(render(folder))
    print(f"wrote {docs / 'results.md'} from {len(list(folder.glob('*.json')))} metrics files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
