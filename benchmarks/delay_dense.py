"""``SynapticDelayDense`` vs lava-nc's ``DelayDense``.

For each layer shape and tag (``floating_pt``, ``fixed_pt``):

identical output
    Both processes run in Lava (source ``RingBuffer`` -> dense -> sink
    ``RingBuffer``, one run of all steps, ``Loihi2SimCfg(select_tag=tag)``)
    and the sink data are compared with ``np.array_equal``. Fixed point uses
    even integer weights in [-256, 254] and ``weight_exp = -2`` (so the
    per-step sum is shifted); float uses weights that are multiples of 1/64,
    so every float sum is exact and ``np.array_equal`` is the right test for
    float as well.
per-step compute
    In-process, without Lava ports, with the code the models run: for lava
    the body of ``PyDelayDenseModelFloat/BitAcc.run_spk`` (its own
    ``calc_act`` -> ``get_delay_wgts_mat``, then zero/roll/add and, fixed, the
    shift), for ours ``delay_line_emit`` + ``delay_line_ingest`` with a
    ``SynapseTable``. Numba is warmed up first.
end-to-end Lava time per step
    (wall time of ``run`` for all steps - wall time of ``run`` for a few
    steps) / difference in steps: compile and start-up cancel; the source and
    sink processes' per-step overhead is in both. Also the "steady" time: the
    short run is continued in the same runtime and that continuation is
    timed on its own. The same graph with lava's ``Dense`` (no delays) gives
    the floor set by Lava's own per-step overhead.

Run: ``lava-delays bench delay_dense --out DIR`` or
``lava_delays.benchmarks.delay_dense.run(Path(DIR))``.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import log, machine_info, write_metrics

TAGS = ("floating_pt", "fixed_pt")
RATE = 0.05
WEIGHT_EXP = -2
TARGET_RATIO = 20.0
#: layer shapes (n_pre, n_post, max_delay)
FULL_CASES = [(700, 128, 25), (256, 256, 62)]
QUICK_CASES = [(64, 16, 5)]


def _config(quick: bool) -> dict:
    if quick:
        return dict(cases=QUICK_CASES, steps=30, short_steps=10, reps_ours=2,
                    reps_lava=1, reps_kernel_ours=2, reps_kernel_lava=1)
    return dict(cases=FULL_CASES, steps=200, short_steps=20, reps_ours=5,
                reps_lava=2, reps_kernel_ours=5, reps_kernel_lava=1)


def make_case(n_pre: int, n_post: int, max_delay: int, tag: str, steps: int,
              seed: int = 0) -> dict:
    """Weights, delays (0..max_delay, max_delay attained) and input spikes."""
    rng = np.random.default_rng(seed)
    delays = rng.integers(0, max_delay + 1, (n_post, n_pre))
    delays[0, 0] = max_delay
    if tag == "fixed_pt":
        weights = rng.integers(-128, 128, (n_post, n_pre)).astype(np.int64) * 2
    else:
        # multiples of 1/64: float sums are exact, so array_equal is fair
        weights = rng.integers(-64, 65, (n_post, n_pre)) / 64.0
    spikes = rng.random((steps, n_pre)) < RATE
    return dict(weights=weights, delays=delays, spikes=spikes, max_delay=max_delay,
                fixed=tag == "fixed_pt", tag=tag)


# --- in-process kernels -------------------------------------------------------
def _lava_state_class():
    from lava.proc.dense.models import AbstractPyDelayDenseModel as Abstract

    class LavaDelayDenseState:
        """Holds lava's DelayDense Vars and runs lava's own methods on them."""
        get_delay_wgts_mat = staticmethod(Abstract.get_delay_wgts_mat)
        calc_act = Abstract.calc_act
        update_act = Abstract.update_act

    return LavaDelayDenseState


def lava_kernel(case: dict, steps: int | None = None):
    """lava's ``run_spk`` body without ports. Returns (outputs, seconds)."""
    from lava.utils.weightutils import (clip_weights, determine_sign_mode,
                                        truncate_weights)
    spikes = case["spikes"][:steps]
    n_post = case["weights"].shape[0]
    st = _lava_state_class()()
    fixed = case["fixed"]
    if fixed:
        # PyDelayDenseModelBitAcc: int32 Vars, weights clipped + truncated once
        w = case["weights"].astype(np.int32)
        sign_mode = determine_sign_mode(w)
        w = clip_weights(w, sign_mode, num_bits=8)
        st.weights = truncate_weights(w, sign_mode, 8)
        st.delays = case["delays"].astype(np.int32)
        st.a_buff = np.zeros((n_post, case["max_delay"] + 1), np.int32)
        weight_exp = WEIGHT_EXP
    else:
        st.weights = case["weights"].astype(np.float64)
        st.delays = case["delays"].astype(np.int64)
        st.a_buff = np.zeros((n_post, case["max_delay"] + 1), np.float64)
    outs = np.zeros((len(spikes), n_post), np.float64)
    t0 = time.perf_counter()
    for t in range(len(spikes)):
        outs[t] = st.a_buff[:, 0]  # a_out.send(self.a_buff[:, 0])
        s_in = spikes[t].astype(bool)  # s_in.recv().astype(bool)
        if fixed:
            a_accum = st.calc_act(s_in)
            st.a_buff[:, 0] = 0
            st.a_buff = np.roll(st.a_buff, -1)
            st.a_buff += (np.left_shift(a_accum, weight_exp) if weight_exp > 0
                          else np.right_shift(a_accum, -weight_exp))
        else:
            st.update_act(s_in)
    return outs, time.perf_counter() - t0


def our_kernel(case: dict, steps: int | None = None):
    """``SynapticDelayDense``'s ``run_spk`` body without ports."""
    from lava_delays.fixed_point import loihi_weights
    from lava_delays.kernels.delay_line import (SynapseTable, delay_line_emit,
                                                delay_line_ingest, new_buffer)
    spikes = case["spikes"][:steps]
    fixed = case["fixed"]
    n_post = case["weights"].shape[0]
    weights = (loihi_weights(case["weights"]) if fixed
               else case["weights"].astype(np.float64))
    table = SynapseTable(weights, case["delays"])
    buf = new_buffer(1, n_post, case["max_delay"], fixed)
    scratch = {}
    weight_exp = WEIGHT_EXP if fixed else 0
    outs = np.zeros((len(spikes), n_post), np.float64)
    t0 = time.perf_counter()
    for t in range(len(spikes)):
        outs[t] = delay_line_emit(buf)[0]
        s_in = spikes[t].astype(bool)
        delay_line_ingest(buf, s_in[None], table, weight_exp, scratch)
    return outs, time.perf_counter() - t0


# --- Lava runs ------------------------------------------------------------------
def lava_run(model: str, case: dict, steps: int, continue_steps: int = 0) -> dict:
    """source -> dense -> sink in Lava; times ``run`` (and its continuation).

    ``model``: "ours" (SynapticDelayDense), "lava" (DelayDense) or "dense"
    (lava's Dense, no delays: the floor set by Lava's per-step overhead).
    Returns ``{"run_s", "continue_s", "out"}`` (``out``: sink data, (n_post, T)).
    """
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import DelayDense
    from lava.proc.io.sink import RingBuffer as SinkBuffer
    from lava.proc.io.source import RingBuffer as SourceBuffer

    from lava.proc.dense.process import Dense

    from lava_delays.proc.synaptic_delay_dense.process import SynapticDelayDense
    fixed = case["fixed"]
    data = np.ascontiguousarray(case["spikes"].T, dtype=np.int64 if fixed else float)
    kwargs = dict(weight_exp=WEIGHT_EXP) if fixed else {}
    src = SourceBuffer(data=data)
    if model == "dense":  # lava's Dense without delays: the Lava overhead floor
        dense = Dense(weights=case["weights"], **kwargs)
    else:
        cls = SynapticDelayDense if model == "ours" else DelayDense
        dense = cls(weights=case["weights"], delays=case["delays"],
                    max_delay=case["max_delay"], **kwargs)
    sink = SinkBuffer(shape=(case["weights"].shape[0],), buffer=steps + continue_steps)
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(sink.a_in)
    cfg = Loihi2SimCfg(select_tag=case["tag"])
    res = {"continue_s": None, "out": None}
    try:
        t0 = time.perf_counter()
        src.run(condition=RunSteps(num_steps=steps), run_cfg=cfg)
        res["run_s"] = time.perf_counter() - t0
        if continue_steps:
            t0 = time.perf_counter()
            src.run(condition=RunSteps(num_steps=continue_steps), run_cfg=cfg)
            res["continue_s"] = time.perf_counter() - t0
        else:
            res["out"] = sink.data.get()
    finally:
        src.stop()
    return res


def _ratio(slow, fast):
    if slow is None or fast is None or fast <= 0 or slow <= 0:
        return None
    return slow / fast


def bench_case(shape, tag: str, cfg: dict) -> dict:
    n_pre, n_post, max_delay = shape
    steps, short = cfg["steps"], cfg["short_steps"]
    name = f"{n_pre}->{n_post} d<={max_delay}"
    case = make_case(n_pre, n_post, max_delay, tag, steps)
    res = dict(layer=name, n_pre=n_pre, n_post=n_post, max_delay=max_delay, tag=tag,
               steps=steps, input_rate=RATE,
               weight_exp=WEIGHT_EXP if case["fixed"] else None,
               weights=("even integers in [-256, 254]" if case["fixed"]
                        else "multiples of 1/64 in [-1, 1] (exact float sums)"),
               comparison="np.array_equal")

    # per-step compute, in-process
    log(f"{name} {tag}: in-process kernels (numba warm-up first)")
    our_kernel(case, steps=5)
    lava_kernel(case, steps=2)
    ours_t, lava_t = [], []
    for _ in range(cfg["reps_kernel_ours"]):
        out_ours_k, dt = our_kernel(case)
        ours_t.append(dt)
    for _ in range(cfg["reps_kernel_lava"]):
        out_lava_k, dt = lava_kernel(case)
        lava_t.append(dt)
    c_lava = statistics.median(lava_t) / steps * 1e3
    c_ours = statistics.median(ours_t) / steps * 1e3
    res["compute_ms_per_step"] = dict(lava=c_lava, ours=c_ours,
                                      ratio=_ratio(c_lava, c_ours))
    res["compute_raw_s"] = dict(lava=lava_t, ours=ours_t)
    res["identical_kernel_output"] = bool(np.array_equal(out_lava_k, out_ours_k))
    log(f"{name} {tag}: compute lava {c_lava:.3f} ms/step, ours {c_ours:.4f} ms/step")

    # Lava runs: a long run (output + time) and a short run continued
    models = ("lava", "ours", "dense")
    reps = dict(lava=cfg["reps_lava"], ours=cfg["reps_ours"], dense=cfg["reps_lava"])
    raw = {m: dict(long_s=[], short_s=[], continue_s=[]) for m in models}
    outs = {}
    for rep in range(max(reps.values())):
        for model in models:
            if rep >= reps[model]:
                continue
            log(f"{name} {tag}: Lava run {rep + 1}, {model}")
            r = lava_run(model, case, steps)
            raw[model]["long_s"].append(r["run_s"])
            if model not in outs:
                outs[model] = r["out"]
            r = lava_run(model, case, short, continue_steps=steps - short)
            raw[model]["short_s"].append(r["run_s"])
            raw[model]["continue_s"].append(r["continue_s"])
    e2e, steady = {}, {}
    for model in models:
        long_s = statistics.median(raw[model]["long_s"])
        short_s = statistics.median(raw[model]["short_s"])
        e2e[model] = (long_s - short_s) / (steps - short) * 1e3
        steady[model] = statistics.median(raw[model]["continue_s"]) / (steps - short) * 1e3
    e2e["ratio"] = _ratio(e2e["lava"], e2e["ours"])
    steady["ratio"] = _ratio(steady["lava"], steady["ours"])
    res["e2e_ms_per_step"] = e2e
    res["steady_ms_per_step"] = steady
    res["lava_raw_s"] = raw
    res["identical_output"] = bool(np.array_equal(outs["lava"], outs["ours"]))
    res["lava_run_matches_kernel"] = bool(np.array_equal(outs["ours"].T, out_ours_k))
    res["output_nonzero_fraction"] = float(np.count_nonzero(outs["lava"]) / outs["lava"].size)
    if not res["identical_output"]:
        diff = np.argwhere(outs["lava"] != outs["ours"])
        j, t = (int(v) for v in diff[0])
        res["first_difference"] = dict(neuron=j, step=t, n_different=len(diff),
                                       lava=float(outs["lava"][j, t]),
                                       ours=float(outs["ours"][j, t]))
    log(f"{name} {tag}: identical={res['identical_output']}, e2e lava "
        f"{e2e['lava']:.3f} ms/step, ours {e2e['ours']:.3f} ms/step, lava Dense "
        f"(no delays) {e2e['dense']:.3f} ms/step")
    return res


def _fmt(x, nd=3):
    return "n/a" if x is None else f"{x:.{nd}f}"


def _fmt_ratio(x):
    return "n/a" if x is None else f"{x:.1f}x"


def format_table(metrics: dict) -> str:
    m = metrics["machine"]
    lines = [
        f"SynapticDelayDense (ours) vs lava DelayDense -- {int(RATE * 100)} % input "
        f"spikes, {metrics['config']['steps']} steps",
        f"machine: {m['cpu_model']} ({m['machine']}), nproc={m['nproc']}, "
        f"Python {m['python']}, {m['date']}",
        "",
        f"{'layer':<18}{'tag':<13}{'identical':<11}"
        f"{'compute ms/step':^30}{'Lava end-to-end ms/step':^30}{'Lava steady ms/step':^30}"
        f"{'Dense floor':^12}",
        f"{'':<42}" + f"{'lava':>9}{'ours':>10}{'speed-up':>10} " * 3 + f"{'e2e':>6}{'stdy':>6}",
        "-" * 144,
    ]
    for r in metrics["results"]:
        cells = []
        for key in ("compute_ms_per_step", "e2e_ms_per_step", "steady_ms_per_step"):
            d = r[key]
            cells.append(f"{_fmt(d['lava']):>9}{_fmt(d['ours'], 4):>10}"
                         f"{_fmt_ratio(d['ratio']):>10} ")
        ident = "yes" if r["identical_output"] else "NO"
        if r["tag"] == "floating_pt":
            ident += "*"
        cells.append(f"{_fmt(r['e2e_ms_per_step']['dense'], 2):>6}"
                     f"{_fmt(r['steady_ms_per_step']['dense'], 2):>6}")
        lines.append(f"{r['layer']:<18}{r['tag']:<13}{ident:<11}" + "".join(cells))
    lines += [
        "-" * 144,
        "identical: Lava sink output of the two processes, np.array_equal over all "
        "steps and neurons (kernel outputs: "
        + ("all identical" if all(r["identical_kernel_output"] for r in metrics["results"])
           else "SOME DIFFER") + ").",
        "  * float weights are multiples of 1/64, so float sums are exact and "
        "np.array_equal is used for float too.",
        f"  fixed_pt: even integer weights in [-256, 254], weight_exp = {WEIGHT_EXP}.",
        "compute: in-process, the models' own step code without ports "
        "(lava: calc_act/get_delay_wgts_mat + roll; ours: delay_line_emit + ingest).",
        "end-to-end: (run of all steps - run of "
        f"{metrics['config']['short_steps']} steps) / difference; source + sink "
        "overhead included for both.",
        "steady: the short run continued in the same runtime, timed on its own.",
        "Dense floor: the same graph with lava's Dense (no delays), ms/step: Lava's own "
        "per-step overhead, which bounds the end-to-end speed-up.",
        "",
        f"target: >= {TARGET_RATIO:.0f}x faster per step.",
    ]
    for key, label in (("compute_ms_per_step", "compute"),
                       ("e2e_ms_per_step", "end-to-end"),
                       ("steady_ms_per_step", "steady")):
        ratios = [r[key]["ratio"] for r in metrics["results"]]
        met = [x is not None and x >= TARGET_RATIO for x in ratios]
        lines.append(f"  {label:<11} speed-ups: "
                     + ", ".join(_fmt_ratio(x) for x in ratios)
                     + f"  -> target met in {sum(met)}/{len(met)} cases")
    lines.append(f"total benchmark time: {metrics['total_seconds']:.1f} s")
    return "\n".join(lines)


def run(out: Path, quick: bool = False) -> dict:
    """Run the benchmark, print the table, write ``out/metrics.json``."""
    t_start = time.perf_counter()
    cfg = _config(quick)
    # the first Lava run of a process pays one-off costs: keep it out of the timings
    log("Lava warm-up run")
    lava_run("ours", make_case(8, 4, 2, "fixed_pt", 4), 4)
    results = []
    for shape in cfg["cases"]:
        for tag in TAGS:
            results.append(bench_case(shape, tag, cfg))
    metrics = dict(
        benchmark="delay_dense", quick=quick, machine=machine_info(),
        config=dict(cfg, tags=list(TAGS), input_rate=RATE, weight_exp=WEIGHT_EXP,
                    target_ratio=TARGET_RATIO),
        results=results,
        identical_output_all=all(r["identical_output"] for r in results),
        total_seconds=time.perf_counter() - t_start,
    )
    print(format_table(metrics), flush=True)
    write_metrics(out, metrics)
    log(f"metrics written to {Path(out) / 'metrics.json'}")
    return metrics
