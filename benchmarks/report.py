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
     "turn (three speakers train, the fourth tests), the same networks with their random "
     "delays frozen, and without delays."),
    ("speech_online", "On-line learning on speech from unseen speakers",
     "The defaults of `lava-delays online` on audio folders, every FSDD speaker held out in "
     "turn, and the same networks with their random delays frozen."),
    ("speech_speakers", "What learning delays adds, by the number of training speakers",
     "The defaults of `lava-delays train` (learned delays) and the same networks with their "
     "random delays frozen, for every choice of one, two and three of the four FSDD speakers "
     "to train on, the others testing; and a control of three speakers with about as many "
     "recordings as two."),
    ("speech_adapt", "Adapting a deployed network to a new speaker on the device",
     "`lava-delays online --init NET.h5` on five recordings per digit of a speaker the "
     "network has never heard, in the chip's fixed-point arithmetic."),
    ("timing", "The timing task: delays are necessary, learned ones better",
     "The defaults of `lava-delays train` and `lava-delays online` on the built-in timing "
     "task without delays, with random delays frozen, and with learned delays."),
    ("shd_scale", "Training at the scale of SHD and SSC",
     "One epoch of the `shd-adlif-delays` preset on an SHD-size file (8,156 samples, 700 "
     "channels, SHD-like spike statistics, generated) beside a plain lava-dl slayer CUBA "
     "network of the same sizes without per-synapse delays, and the peak memory of "
     "training from an SHD-size and an SSC-size (75,466 samples) file."),
    ("delay_layer", "The trainer's delay layer against DCLS, slayer and Linear",
     "One forward and backward pass of a 700 -> 256 layer with per-synapse delays."),
    ("engine", "The batched fixed-point engine against Lava",
     "Spike parity and throughput of the engine and of Lava `fixed_pt`."),
    ("delay_dense", "SynapticDelayDense against lava's DelayDense",
     "The same layer as lava-nc's `DelayDense` and as this library's process."),
    ("online_memory", "Memory of on-line learning against BPTT",
     "State kept by on-line three-factor learning and by BPTT as sequences grow."),
]

HEADER = """# Results

Every table below is printed by a benchmark (`lava-delays bench NAME`) whose
defaults reproduce it; its `metrics.json` is committed beside this page
(`docs/results/NAME.json`) and this page is generated from those files
(`python -m lava_delays.benchmarks.report`). Times are wall-clock on the
machine named under each table, usually two runs at a time on its two cores;
where other benchmarks shared the machine, they are upper bounds (the speed
benchmarks measure their contenders side by side, so their ratios hold).
"""


def table_of(name: str, metrics: dict) -> str:
    """The table a benchmark printed: its ``table`` entry, or what its
    ``format_table(metrics)`` prints."""
    if "table" in metrics:
        return metrics["table"]
    from lava_delays.benchmarks import load
    return load(name).format_table(metrics)


def _load(folder: Path, name: str):
    path = folder / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _pp(x: float) -> str:
    return f"{x:+.1f} pp"


def _mean(means: dict, prefix: str):
    """The mean of the condition whose name starts with ``prefix`` (None:
    the benchmark had no such condition)."""
    return next((v for k, v in means.items() if k.startswith(prefix)), None)


def targets(folder: Path) -> str:
    """The summary table: each target, what was measured, and the command."""
    rows = []
    off, onl = _load(folder, "speech_offline"), _load(folder, "speech_online")
    adapt, timing, shd = (_load(folder, "speech_adapt"), _load(folder, "timing"),
                          _load(folder, "shd_scale"))
    engine = _load(folder, "engine")
    for m, what, cmd in ((off, "offline", "speech_offline"), (onl, "on-line", "speech_online")):
        if m is None:
            continue
        learned = _mean(m["means"], "learned")
        per_seed = ", ".join(f"{g:+.1f}" for g in m["gain_per_seed_pp"])
        arith = " (float engine)" if what == "on-line" else ""
        rows.append((f"{what}, default audio settings, leave-one-speaker-out mean{arith}",
                     "≥ 0.75" if what == "offline" else "≥ 0.70", f"{learned:.3f}",
                     f"`lava-delays bench {cmd}` (seeds {m['seeds']})"))
        rows.append((f"{what}: learned − the same random delays frozen, LOSO mean",
                     "≥ +3 pp, positive on every seed",
                     f"{_pp(m['gain_pp'])} (per seed {per_seed}; positive on "
                     f"{m['seeds_won']} of {len(m['seeds'])})", f"`lava-delays bench {cmd}`"))
        none = _mean(m["means"], "no delays")
        if none is not None:
            frozen = _mean(m["means"], "same delays frozen")
            rows.append((f"{what}: no delays / the same random delays frozen / learned, "
                         "LOSO mean", "—", f"{none:.3f} / {frozen:.3f} / {learned:.3f}",
                         f"`lava-delays bench {cmd}`"))
        secs = [r["seconds"] for r in m["rows"] if r["condition"].startswith("learned")]
        rows.append((f"wall time of one default {what} run (3 speakers, one thread, two "
                     "runs side by side)", "< 15 min", f"{sum(secs) / len(secs) / 60:.1f} min",
                     f"`lava-delays bench {cmd}`"))
    speakers = _load(folder, "speech_speakers")
    if speakers is not None:
        from lava_delays.benchmarks.speech_speakers import CONTROL
        groups = dict(speakers["groups"])
        control = groups.pop(CONTROL, None)
        n = len(speakers["speakers"])
        rows.append(("offline: learned − frozen by the number of training speakers "
                     f"({' / '.join(k.split()[0] for k in groups)})"
                     + (f"; {n - 1} speakers with the data of {n - 2}" if control else ""), "—",
                     " / ".join(_pp(g["gain_pp"]) for g in groups.values())
                     + (f"; {_pp(control['gain_pp'])}" if control else ""),
                     f"`lava-delays bench speech_speakers` (seeds {speakers['seeds']})"))
    if timing is not None:
        for learner, what in (("train", "offline"), ("online", "on-line")):
            s = timing["summary"][learner]
            means = s["means"]
            none = _mean(means, "no delays (")
            frozen = _mean(means, "random delays frozen")
            learned = _mean(means, "learned")
            arith = " (float engine)" if learner == "online" else ""
            rows.append((f"timing task, {what}: no delays / frozen random / learned delays"
                         f"{arith}",
                         "≤ 0.60 / — / ≥ 0.95 and ≥ +3 pp over frozen",
                         f"{none:.3f} / {frozen:.3f} / {learned:.3f} ({_pp(s['gain_pp'])}, "
                         f"positive on {s['seeds_won']} of {len(timing['seeds'])} seeds)",
                         f"`lava-delays bench timing` (seeds {timing['seeds']})"))
    if adapt is not None:
        for name, worst in adapt["smallest_gain_pp"].items():
            rows.append((f"new speaker, 5 recordings per digit, `online --init`, {name}",
                         "≥ +8 pp on every held-out speaker",
                         f"mean {_pp(adapt['mean_gain_pp'][name])}, smallest {_pp(worst)}",
                         "`lava-delays bench speech_adapt`"))
    if engine is not None and "parity" in engine:
        par = engine["parity"]
        rows.append(("Lava `fixed_pt` vs engine spike parity", "1.000",
                     f"{par['fraction_identical']:.3f} ({par['n_samples']} samples)",
                     "`lava-delays bench engine`"))
    if shd is not None:
        rows.append(("SHD-size epoch, SHD preset, 2 cores", "≤ 2 min and ≤ 1.5× slayer",
                     f"{shd['ours']['seconds'] / 60:.1f} min, {shd['ratio']:.2f}× slayer",
                     "`lava-delays bench shd_scale`"))
        mem = shd["memory"]
        rows.append(("peak memory training from an SSC-size file", "≤ 3 GB, within 10 % of SHD",
                     f"{mem['ssc_size']['peak_rss_mib'] / 1024:.2f} GiB "
                     f"({100 * shd['memory_growth']:+.1f} % vs SHD-size)",
                     "`lava-delays bench shd_scale`"))
    if not rows:
        return ""
    lines = ["## Targets at a glance", "",
             "Deployed fixed-point accuracy unless noted; each row's command reproduces it. "
             "The speech rows hold out each of the four FSDD speakers in turn (three train, "
             "the fourth tests): harder than training on all four and testing on further "
             "speakers.", "",
             "| what | target | measured | command |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines) + "\n"


def render(folder: Path) -> str:
    parts = [HEADER, targets(folder)]
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
