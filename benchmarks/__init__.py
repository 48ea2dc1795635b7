"""Benchmarks of lava-delays (``lava-delays bench NAME --out DIR``).

``BENCHMARKS`` maps a benchmark name to the module that implements it; the
modules are imported lazily (they pull in Lava and numba). Every module has
``run(out: pathlib.Path, quick: bool = False) -> dict``: it prints a
side-by-side table, writes ``out/metrics.json`` atomically and returns the
metrics. ``quick=True`` uses tiny sizes (a smoke test, well under a minute).

* ``delay_dense`` -- :class:`~lava_delays.proc.SynapticDelayDense` vs lava's
  ``DelayDense``: identical output, per-step compute, end-to-end Lava time.
* ``delay_layer`` -- the trainer's per-synapse delay layer
  (:func:`~lava_delays.train.delays.delayed_current`), one forward + backward,
  vs DCLS ``Dcls1d`` (v1, gauss; optional ``pip install dcls``), slayer
  ``Dense`` + ``axon.Delay``, ``torch.nn.Linear`` and the previous tap-by-tap
  formulation: ms (1 and 2 threads) and memory.
* ``engine`` -- the batched engine vs the same network as a Lava graph
  (samples/s, bit-identity, memory), with stock-Lava references.
* ``online_timing`` -- on-line three-factor learning on the timing task:
  weights only / fixed random / learned synaptic / axonal / both delays,
  feed-forward and recurrent, and a same-parameter-budget baseline.
* ``online_delay_only`` -- delay-only on-line learning (hidden weights fixed,
  delays and read-out learn) vs fixed random delays, and the ceiling of
  template-matched delays (timing task, 4 seeds).
* ``online_vs_bptt`` -- on-line three-factor learning vs torch BPTT of the
  same network from the same initial parameters (timing task, fixed vs
  learned delays): deployed test accuracy, train time, delay movement.
* ``online_memory`` -- peak memory of one training step vs sequence length
  (T = 100 .. 10000): on-line learner vs BPTT, each in a spawned child.
* ``train_timing`` -- offline training on the timing task: weights only /
  fixed random / learned synaptic / axonal delays / +adaptation / all, float
  and after quantization-aware training.
* ``speech_offline`` / ``speech_online`` -- the defaults on speech from
  unseen speakers (every FSDD speaker held out in turn), learned vs the same
  random delays frozen, four seeds.
* ``speech_speakers`` -- learned vs frozen delays on speech as the
  training set grows from one speaker to all but one (every split), and a
  control with fewer recordings per speaker.
* ``speech_adapt`` -- on-device adaptation of a deployed network to a new
  speaker from five recordings per digit, fixed point and float.
* ``timing`` -- the timing task's defaults: no delays, frozen random
  delays, learned delays, offline and on-line, four seeds.
* ``shd_scale`` -- one training epoch at SHD size with the SHD preset vs a
  plain slayer network, and peak memory on SHD- and SSC-size files.
* ``fsdd_reference`` -- non-spiking references (MLP, 2-layer GRU on log-mel,
  with and without CMVN, the GRU on the spike encoding, and a
  time-convolutional CNN on CMVN log-mel) on every held-out FSDD speaker:
  how hard the unseen-speaker split is.
"""
from __future__ import annotations

import contextlib
import datetime
import importlib
import os
import platform
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np

BENCHMARKS = {
    "delay_dense": "lava_delays.benchmarks.delay_dense",
    "delay_layer": "lava_delays.benchmarks.delay_layer",
    "engine": "lava_delays.benchmarks.engine",
    "online_timing": "lava_delays.benchmarks.online_timing",
    "online_delay_only": "lava_delays.benchmarks.online_delay_only",
    "online_vs_bptt": "lava_delays.benchmarks.online_vs_bptt",
    "online_memory": "lava_delays.benchmarks.online_memory",
    "train_timing": "lava_delays.benchmarks.train_timing",
    "fsdd_reference": "lava_delays.benchmarks.fsdd_reference",
    "speech_offline": "lava_delays.benchmarks.speech_offline",
    "speech_online": "lava_delays.benchmarks.speech_online",
    "speech_adapt": "lava_delays.benchmarks.speech_adapt",
    "speech_speakers": "lava_delays.benchmarks.speech_speakers",
    "timing": "lava_delays.benchmarks.timing",
    "shd_scale": "lava_delays.benchmarks.shd_scale",
}


def load(name: str):
    """Import and return the module of benchmark ``name``."""
    if name not in BENCHMARKS:
        from lava_delays.errors import LavaDelaysError
        raise LavaDelaysError(f"unknown benchmark {name!r}; available: "
                              f"{', '.join(sorted(BENCHMARKS))}")
    return importlib.import_module(BENCHMARKS[name])


#: the timing task of the studies that predate the default one (8 channels,
#: 8 steps apart, offset 0..10, T = 90): there a network without delays
#: already relates consecutive events through its membrane (~0.9 offline),
#: which is why the default task spaces them 20 steps apart
CLASSIC_TIMING = dict(channels=8, gap=8, max_offset=10, length=90, repeats=1)

#: the FSDD recordings beside the project (``LAVA_DELAYS_FSDD`` overrides)
FSDD_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"
#: the unseen test speaker of the FSDD benchmarks (trained on the other three)
FSDD_TEST_SPEAKER = "george"


def fsdd_encoded(encoder=None):
    """Every FSDD recording encoded to spikes, ``(x, labels, speakers)``
    (default encoder: torchaudio log-mel -> send-on-delta, 80 channels,
    T = 64)."""
    from lava_delays.data.audio import AudioEncoder, encode_folder
    folder = Path(os.environ.get("LAVA_DELAYS_FSDD", FSDD_FOLDER))
    t0 = time.perf_counter()
    out = encode_folder(folder, encoder or AudioEncoder())
    log(f"encoded {len(out[0])} files from {folder} in {time.perf_counter() - t0:.1f} s")
    return out


def split_by_speaker(encoded, test_speaker: str = FSDD_TEST_SPEAKER):
    """``(train, test, train_speakers)`` of :func:`fsdd_encoded`'s output,
    ``test_speaker`` held out."""
    x, y, spk = encoded
    te = spk == test_speaker
    return (x[~te], y[~te]), (x[te], y[te]), sorted(set(spk[~te].tolist()))


def fsdd_by_speaker(test_speaker: str = FSDD_TEST_SPEAKER, encoder=None):
    """FSDD encoded to spikes and split by speaker: ``(train, test,
    train_speakers)``."""
    return split_by_speaker(fsdd_encoded(encoder), test_speaker)


def fsdd_folder() -> Path:
    """The FSDD folder the benchmarks read (``LAVA_DELAYS_FSDD`` overrides)."""
    return Path(os.environ.get("LAVA_DELAYS_FSDD", FSDD_FOLDER))


def fsdd_spec(folder, speakers) -> str:
    """The data spec of some speakers of an FSDD folder, as a user writes it."""
    return f"fsdd:{folder}:speakers={','.join(speakers)}"


def fsdd_fold_specs(test_speaker: str, speakers, folder=None):
    """The data specs of one leave-one-speaker-out fold, as a user writes
    them: ``(train spec, test spec)``."""
    folder = folder or fsdd_folder()
    return (fsdd_spec(folder, [s for s in speakers if s != test_speaker]),
            fsdd_spec(folder, [test_speaker]))


def fold_jobs(out: Path, conditions, seeds, quick: bool = False, quick_options=None,
              workers: int = 2) -> tuple:
    """Jobs of a leave-one-speaker-out study on the FSDD folder: every
    condition and seed on every fold, each ``(condition, held-out speaker,
    seed, train spec, test spec, run directory, extra options)``. ``quick``:
    the first fold, the first seed, ``quick_options``, one worker. Returns
    ``(jobs, workers, folder, speakers)``."""
    folder = fsdd_folder()
    speakers = fsdd_speakers(folder)
    folds, extra = speakers, {}
    if quick:
        folds, seeds, extra, workers = speakers[:1], seeds[:1], dict(quick_options or {}), 1
    jobs = []
    for speaker in folds:
        train_spec, test_spec = fsdd_fold_specs(speaker, speakers, folder)
        for name in conditions:
            for seed in seeds:
                jobs.append((name, speaker, seed, train_spec, test_spec,
                             Path(out) / "runs" / speaker / name.split()[0] / f"seed{seed}",
                             extra))
    return jobs, workers, folder, speakers


def flags(opts: dict) -> str:
    """The command-line flags of a condition's options (``{"learn":
    ["weights"]}`` -> `` --learn weights``)."""
    return "".join(f" --{k.replace('_', '-')} " + (",".join(v) if isinstance(v, list) else str(v))
                   for k, v in opts.items())


def user_command(verb: str, train_spec: str, test_spec: Optional[str], seed: int,
                 opts: dict) -> str:
    """The command a user runs for one training of a benchmark (``verb``:
    ``train`` or ``online``; no ``--test-data`` when ``test_spec`` is None),
    the condition's options as flags."""
    test = f" --test-data {test_spec}" if test_spec is not None else ""
    return f"lava-delays {verb} --data {train_spec}{test} --seed {seed}{flags(opts)}"


def fold_row(job, metrics: dict, seconds: float, command: str, **extra) -> dict:
    """The result row of one :func:`fold_jobs` job: condition, held-out
    speaker, seed, accuracy, the last epoch's train accuracy, run time and
    the command that reproduces it, plus ``extra``."""
    name, speaker, seed = job[:3]
    return {"condition": name, "test_speaker": speaker, "seed": seed,
            "accuracy": metrics["accuracy"], "n_test": metrics["n_test"],
            "train_accuracy": metrics["history"][-1]["train_accuracy"], **extra,
            "seconds": seconds, "command": command}


def fsdd_speakers(folder=None) -> list:
    """The speakers of the FSDD folder, sorted."""
    from lava_delays.data.audio import scan_folder
    return sorted({s for _, _, s in scan_folder(folder or fsdd_folder())})


def seed_gains(rows, key: str, a: str, b: str, seeds) -> dict:
    """Condition ``a`` minus condition ``b`` per seed (pp, the mean of
    ``key`` over that seed's rows) and on how many seeds it is positive:
    ``{"gain_per_seed_pp": [...], "seeds_won": n}``."""
    def mean_of(name, seed):
        return float(np.mean([r[key] for r in rows if r["condition"] == name
                              and r["seed"] == seed]))
    per_seed = [100 * (mean_of(a, seed) - mean_of(b, seed)) for seed in seeds]
    return {"gain_per_seed_pp": per_seed, "seeds_won": int(sum(g > 0 for g in per_seed))}


def seed_table(rows, key: str, conditions, gain_of=None) -> tuple:
    """Lines of a per-speaker table (mean over seeds) of ``rows`` (dicts
    with ``condition``, ``test_speaker``, ``seed`` and ``key``) and the means
    per condition; with ``gain_of = (a, b)`` also the per-seed difference
    a - b in pp and how many seeds it is positive on."""
    speakers = sorted({r["test_speaker"] for r in rows})
    seeds = sorted({r["seed"] for r in rows})
    width = max(len(name) for name in conditions)
    lines = [f"{'condition':{width}s} " + " ".join(f"{s:>8s}" for s in speakers)
             + f" {'mean':>6s}"]
    means = {}
    for name in conditions:
        cells = [float(np.mean([r[key] for r in rows if r["condition"] == name
                                and r["test_speaker"] == s])) for s in speakers]
        means[name] = float(np.mean(cells))
        lines.append(f"{name:{width}s} " + " ".join(f"{c:8.3f}" for c in cells)
                     + f" {means[name]:6.3f}")
    summary = {"means": means}
    if gain_of is not None:
        a, b = gain_of
        summary.update(gain_pp=100 * (means[a] - means[b]),
                       **seed_gains(rows, key, a, b, seeds))
        per_seed = ", ".join(f"{g:+.1f}" for g in summary["gain_per_seed_pp"])
        lines.append(f"{a} - {b}: {summary['gain_pp']:+.1f} pp (mean over held-out speakers "
                     f"and seeds); per seed {per_seed}; "
                     f"positive on {summary['seeds_won']} of {len(seeds)} seeds")
    return lines, summary


def _spawned_child_init() -> None:
    # a spawned child starts with its start method set ('spawn'); importing
    # Lava sets it again and fails if it is set: leave it unset
    import multiprocessing
    multiprocessing.set_start_method(None, force=True)


@contextlib.contextmanager
def _spawned_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    before = multiprocessing.get_start_method(allow_none=True)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_spawned_child_init) as pool:
            yield pool
    finally:
        # a lock made without a context while the pool runs fixes this
        # process's default start method ('fork'); importing Lava afterwards
        # sets it again and fails if it is set: leave it as it was
        if before is None:
            multiprocessing.set_start_method(None, force=True)


def map_jobs(fn, jobs, workers: int = 2) -> list:
    """``[fn(job) for job in jobs]``, in ``workers`` spawned processes when
    ``workers > 1`` (spawned, not forked: no copy of numba/thread state).
    ``fn`` must be a module-level function; results keep the jobs' order."""
    if workers <= 1:
        return [fn(job) for job in jobs]
    with _spawned_pool(workers) as pool:
        return list(pool.map(fn, jobs))


def in_child(fn, job):
    """``fn(job)`` in a fresh spawned process (its own peak memory, no state
    left behind)."""
    with _spawned_pool(1) as pool:
        return pool.submit(fn, job).result()


def log(msg: str) -> None:
    """A progress message (stderr, flushed)."""
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def machine_info() -> dict:
    """Where and when a benchmark ran."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        nproc = os.cpu_count()
    return {
        "processor": platform.processor(),
        "cpu_model": cpu,
        "machine": platform.machine(),
        "nproc": nproc,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def status_kib(key: str):
    """A ``/proc/self/status`` field in KiB (``VmRSS``, ``VmHWM``), or None.

    Use these, not ``ru_maxrss``: in a spawned child ``ru_maxrss`` starts at
    the *parent's* high-water mark on Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset this process's ``VmHWM`` to its current RSS (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def plain(obj):
    """Numpy scalars/arrays inside dicts and lists -> plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if hasattr(obj, "tolist"):  # numpy scalar or array
        return plain(obj.tolist())
    if isinstance(obj, float) and obj != obj:  # NaN -> null
        return None
    return obj


def write_metrics(out: Path, metrics: dict) -> Path:
    """Write ``out/metrics.json`` atomically (temp file + ``os.replace``)."""
    from lava_delays.atomic import write_json
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return write_json(out / "metrics.json", plain(metrics))
