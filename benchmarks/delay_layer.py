"""The trainer's per-synapse delay layer vs DCLS, slayer and a plain Linear.

One forward + backward of a dense layer with a learnable delay per synapse,
``x`` (batch, T, n_in) Bernoulli(rate) spikes, float32; the loss is
``sum(out * g)`` for a fixed random ``g``, so every gradient is non-trivial.
Side by side, in one run and interleaved round by round (the order rotates,
so a load change on a shared machine hits every contender alike):

``ours``
    :func:`lava_delays.train.delays.delayed_current`, gradients of weights and
    delays (input spikes need none). ``ours, x needs grad``: the same when
    ``x`` also needs its gradient (a hidden layer fed by spikes).
``linear``
    ``torch.nn.Linear(n_in, n_post, bias=False)`` on the same input: no delays,
    the floor of any delay layer.
``DCLS v1`` / ``DCLS gauss``
    ``DCLS.construct.modules.Dcls1d(n_in, n_post, kernel_count=1,
    dilated_kernel_size=max_delay + 1, bias=False, version=...)`` as DCLS is
    used for synaptic delays in SNNs (one learnable position per synapse):
    input (batch, n_in, T) left-padded by ``max_delay`` steps (causal; output
    length T), in its native layout, padding done once outside the timing. v1
    interpolates linearly between the two taps around the position (our
    layer's model); gauss spreads a Gaussian over all taps (and learns its
    width). DCLS is not a project dependency: ``.venv/bin/python -m pip
    install dcls``; without it those rows are skipped.
``slayer Dense + Delay``
    lava-dl's ``slayer.synapse.Dense(n_in, n_post)`` after
    ``slayer.axon.Delay(max_delay=...)``, layout (batch, n_in, T): one
    learnable delay per *input channel* (axonal), not per synapse.
``tap-by-tap``
    the tap-by-tap matmul reference formulation (``delayed_current_taps``:
    one matmul per integer tap of a time-shifted view).
``conv (any device)``
    the device-agnostic formulation used off the CPU (``delayed_current_conv``:
    one ``conv1d`` with the tap kernel each way, no per-tap Python loop; on a
    GPU it is one cuDNN call), measured here on the CPU.

Time: ms per forward + backward, median (and min) of several repeats after a
warm-up, with ``torch.set_num_threads(1)`` and with 2 threads (our kernels
follow ``torch.get_num_threads()``). Memory: each contender in a fresh child
process (``MALLOC_MMAP_THRESHOLD_`` fixed, so freed tensors go back to the
OS and RSS follows live memory): after a warm-up step, the RSS held after
the forward pass (output + what autograd saved) and the peak RSS during
forward + backward, both above the RSS before the step.

Run: ``lava-delays bench delay_layer --out DIR [--quick]``.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lava_delays.benchmarks import log, machine_info, write_metrics

TARGET_RATIO = 3.0          # DCLS v1 / ours
DCLS_HINT = ("DCLS is not installed; for this benchmark only (not a project dependency): "
             ".venv/bin/python -m pip install dcls")
LABELS = {
    "ours": "ours (delayed_current)",
    "ours_xgrad": "ours, x needs grad",
    "linear": "torch Linear (no delays)",
    "dcls_v1": "DCLS Dcls1d v1",
    "dcls_gauss": "DCLS Dcls1d gauss",
    "slayer": "slayer Dense + axon.Delay",
    "taps": "tap-by-tap reference",
    "conv": "conv (any device)",
}


def _config(quick: bool) -> dict:
    if quick:
        return dict(n_in=48, n_post=16, max_delay=5, steps=20, batch=4, rate=0.05,
                    threads=[1, 2], reps=3, slow_reps=2, slow_s=0.5, memory=["ours", "linear"])
    return dict(n_in=700, n_post=256, max_delay=25, steps=100, batch=32, rate=0.05,
                threads=[1, 2], reps=9, slow_reps=3, slow_s=0.5, memory="all")


def dcls_available() -> bool:
    try:
        from DCLS.construct.modules import Dcls1d  # noqa: F401
    except Exception:  # noqa: BLE001 -- any import failure means "not usable"
        return False
    return True


class Contender:
    """One layer on the benchmark's input: ``loss()`` runs the forward pass
    and returns ``sum(out * g)`` with its graph; ``step()`` is one forward +
    backward (gradients reset first); ``output()`` is the forward output as
    (batch, T, n_post), without graph."""

    def __init__(self, forward, params, g, to_btn=None):
        self.forward, self.params, self.g = forward, params, g
        self.to_btn = to_btn or (lambda y: y)

    def loss(self):
        return (self.forward() * self.g).sum()

    def step(self):
        for p in self.params:
            p.grad = None
        self.loss().backward()

    def output(self):
        import torch
        with torch.no_grad():
            return self.to_btn(self.forward())


def make(name: str, cfg: dict, seed: int = 0) -> Contender:
    """Contender ``name`` on the spikes of ``seed``."""
    import torch
    import torch.nn.functional as F
    gen = torch.Generator().manual_seed(seed)
    B, T, n_in, n_post, md = (cfg[k] for k in ("batch", "steps", "n_in", "n_post", "max_delay"))
    x = (torch.rand(B, T, n_in, generator=gen) < cfg["rate"]).float()
    g = torch.randn(B, T, n_post, generator=gen)
    w = (torch.randn(n_post, n_in, generator=gen) / n_in ** 0.5).requires_grad_()
    d = (torch.rand(n_post, n_in, generator=gen) * md).requires_grad_()
    x_nct = x.transpose(1, 2).contiguous()               # (batch, n_in, T) layouts
    g_nct = g.transpose(1, 2).contiguous()

    def nct_to_btn(y):
        return y.transpose(1, 2)

    if name in ("ours", "ours_xgrad", "taps", "conv"):
        from lava_delays.train.delays import (delayed_current, delayed_current_conv,
                                              delayed_current_taps)
        fn = {"taps": delayed_current_taps, "conv": delayed_current_conv}.get(
            name, delayed_current)
        xin = x.clone().requires_grad_(name == "ours_xgrad")
        params = [w, d] + ([xin] if name == "ours_xgrad" else [])
        return Contender(lambda: fn(xin, w, d, md), params, g)

    if name == "linear":
        lin = torch.nn.Linear(n_in, n_post, bias=False)
        return Contender(lambda: lin(x), list(lin.parameters()), g)

    if name in ("dcls_v1", "dcls_gauss"):
        from DCLS.construct.modules import Dcls1d
        torch.manual_seed(seed)
        m = Dcls1d(n_in, n_post, kernel_count=1, dilated_kernel_size=md + 1, bias=False,
                   version=name.split("_")[1])
        xin = F.pad(x_nct, (md, 0))                      # causal: output length T
        return Contender(lambda: m(xin), list(m.parameters()), g_nct, nct_to_btn)

    if name == "slayer":
        import lava.lib.dl.slayer as slayer
        torch.manual_seed(seed)
        dense = slayer.synapse.Dense(n_in, n_post)
        delay = slayer.axon.Delay(max_delay=md)
        delay(x_nct)                                      # creates the delays lazily
        with torch.no_grad():
            delay.delay.copy_(torch.rand(n_in, generator=gen) * md)
        return Contender(lambda: dense(delay(x_nct)),
                         list(dense.parameters()) + list(delay.parameters()), g_nct, nct_to_btn)

    raise ValueError(f"unknown contender {name!r}")


def contenders(dcls: bool) -> list:
    names = ["ours", "ours_xgrad", "linear"]
    if dcls:
        names += ["dcls_v1", "dcls_gauss"]
    return names + ["slayer", "taps", "conv"]


# --- time -------------------------------------------------------------------------
def time_all(names: list, cfg: dict, threads: int) -> dict:
    """ms per step of every contender with ``threads`` torch threads."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        steps, reps, raw = {}, {}, {}
        for name in names:
            step = make(name, cfg).step
            t0 = time.perf_counter()
            step()                                        # warm-up (numba compile, caches)
            step()
            warm = (time.perf_counter() - t0) / 2
            steps[name] = step
            reps[name] = cfg["slow_reps"] if warm > cfg["slow_s"] else cfg["reps"]
            raw[name] = []
            log(f"{threads} thread(s): {name} warm-up {warm * 1e3:.1f} ms/step, "
                f"{reps[name]} repeats")
        for rnd in range(max(reps.values())):
            order = names[rnd % len(names):] + names[:rnd % len(names)]
            for name in order:
                if rnd < reps[name]:
                    t0 = time.perf_counter()
                    steps[name]()
                    raw[name].append((time.perf_counter() - t0) * 1e3)
    finally:
        torch.set_num_threads(before)
    return {n: dict(median_ms=statistics.median(v), min_ms=min(v), raw_ms=v)
            for n, v in raw.items()}


# --- memory (child processes) -----------------------------------------------------------
def _memory_child(name: str, cfg: dict) -> dict:
    """In a fresh interpreter: RSS held after the forward pass and peak RSS
    of forward + backward, above the RSS before the step (after a warm-up)."""
    import gc

    import torch

    from lava_delays.benchmarks import reset_peak_rss, status_kib
    torch.set_num_threads(1)
    layer = make(name, cfg)
    layer.step()                                          # warm-up: compile, lazy state
    layer.step()
    for p in layer.params:
        p.grad = None
    gc.collect()
    before = status_kib("VmRSS")
    if not reset_peak_rss() or before is None:
        return dict(error="no /proc/self/status or clear_refs")
    loss = layer.loss()
    held = status_kib("VmRSS") - before
    loss.backward()
    peak = status_kib("VmHWM") - before
    return dict(held_after_forward_mib=held / 1024, peak_step_mib=peak / 1024,
                rss_before_mib=before / 1024)


def memory(name: str, cfg: dict, timeout: float = 600.0) -> dict:
    """Run :func:`_memory_child` for ``name`` in a fresh interpreter."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072", OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "lava_delays.benchmarks.delay_layer", "--memory-child",
           name, json.dumps(cfg)]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(error="timeout")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return dict(error=(proc.stderr.strip().splitlines() or ["failed"])[-1])
    return json.loads(lines[-1])


# --- report -------------------------------------------------------------------------
def _fmt(v, nd=1):
    return "-" if v is None else f"{v:.{nd}f}"


def format_table(metrics: dict) -> str:
    cfg = metrics["config"]
    threads = [str(t) for t in cfg["threads"]]
    lines = [
        "",
        f"delay layer, one forward + backward: batch {cfg['batch']}, T {cfg['steps']}, "
        f"{cfg['n_in']} -> {cfg['n_post']}, max_delay {cfg['max_delay']}, "
        f"input Bernoulli({cfg['rate']}) (measured density {metrics['input_density']:.4f}), "
        "float32",
        f"{'contender':<28}" + "".join(f"{t + ' thr ms (min)':>22}" for t in threads)
        + f"{'held MiB':>10}{'peak MiB':>10}",
        "-" * (28 + 22 * len(threads) + 20),
    ]
    for name, r in metrics["results"].items():
        cells = []
        for t in threads:
            tm = r["time"].get(t)
            cells.append(f"{_fmt(tm and tm['median_ms']):>13} ({_fmt(tm and tm['min_ms'])})"
                         .rjust(22))
        mem = r.get("memory") or {}
        lines.append(f"{LABELS[name]:<28}" + "".join(cells)
                     + f"{_fmt(mem.get('held_after_forward_mib')):>10}"
                     + f"{_fmt(mem.get('peak_step_mib')):>10}")
    lines.append("-" * (28 + 22 * len(threads) + 20))
    for key, ratio in metrics["ratios"].items():
        lines.append(f"{key:<34}" + "   ".join(f"{t} thr: {_fmt(ratio.get(t), 2)}x"
                                                for t in threads))
    if not metrics["dcls_available"]:
        lines.append(DCLS_HINT)
    elif metrics["target_met"] is None:
        lines.append(f"target (DCLS v1 / ours >= {TARGET_RATIO:.0f}x) not assessed at quick sizes")
    else:
        lines.append(f"target: DCLS v1 / ours >= {TARGET_RATIO:.0f}x -> "
                     + ("met" if metrics["target_met"] else "NOT met")
                     + " (median times, every thread count)")
    lines += [
        f"ours vs the tap-by-tap reference output: max |diff| {metrics['max_abs_diff_vs_taps']:.2e} "
        f"(float32, |out| up to {metrics['max_abs_out']:.1f}); path: {metrics['ours_path']}",
        "held: RSS kept after the forward pass (output + autograd state); peak: RSS peak "
        "during forward + backward; both above the RSS before the step, fresh child process, "
        "1 thread.",
        f"total benchmark time: {metrics['total_seconds']:.1f} s",
    ]
    return "\n".join(lines)


def run(out: Path, quick: bool = False) -> dict:
    """Run the benchmark, print the table, write ``out/metrics.json``."""
    import torch

    from lava_delays.train import delays as delays_mod
    t_start = time.perf_counter()
    cfg = _config(quick)
    dcls = dcls_available()
    if not dcls:
        print(DCLS_HINT, flush=True)
    names = contenders(dcls)

    # the same layer two ways: ours == the tap-by-tap reference
    a, b = make("ours", cfg).output(), make("taps", cfg).output()
    x = (torch.rand(cfg["batch"], cfg["steps"], cfg["n_in"],
                    generator=torch.Generator().manual_seed(0)) < cfg["rate"]).float()
    density = float((x != 0).float().mean())
    path = "sparse" if density <= delays_mod.SPARSE_FORWARD else "dense"

    times = {}
    for threads in cfg["threads"]:
        times[str(threads)] = time_all(names, cfg, threads)
    results = {n: dict(label=LABELS[n], time={t: times[t][n] for t in times}) for n in names}
    for n in names:
        if cfg["memory"] == "all" or n in cfg["memory"]:
            log(f"memory: {n}")
            results[n]["memory"] = memory(n, cfg)

    def ratio(num, den):
        return {t: (results[num]["time"][t]["median_ms"] / results[den]["time"][t]["median_ms"])
                for t in times} if num in results and den in results else {}
    ratios = {"ours / Linear": ratio("ours", "linear"),
              "tap-by-tap / ours": ratio("taps", "ours"),
              "conv (any device) / ours": ratio("conv", "ours"),
              "slayer Dense+Delay / ours": ratio("slayer", "ours")}
    if dcls:
        ratios = {"DCLS v1 / ours": ratio("dcls_v1", "ours"),
                  "DCLS gauss / ours": ratio("dcls_gauss", "ours"),
                  "DCLS v1 / ours, x needs grad": ratio("dcls_v1", "ours_xgrad"), **ratios}
    metrics = dict(
        benchmark="delay_layer", quick=quick, machine=machine_info(), config=cfg,
        input_density=density, ours_path=path, dcls_available=dcls,
        dcls_hint=None if dcls else DCLS_HINT,
        thresholds=dict(sparse_forward=delays_mod.SPARSE_FORWARD,
                        sparse_backward=delays_mod.SPARSE_BACKWARD),
        max_abs_diff_vs_taps=float((a - b).abs().max()) if a.numel() else 0.0,
        max_abs_out=float(b.abs().max()) if b.numel() else 0.0,
        results=results, ratios=ratios, target_ratio=TARGET_RATIO,
        # the target is about the full-size layer; tiny quick sizes say nothing
        target_met=(all(v >= TARGET_RATIO for v in ratios["DCLS v1 / ours"].values())
                    if dcls and not quick else None),
        total_seconds=time.perf_counter() - t_start,
    )
    print(format_table(metrics), flush=True)
    write_metrics(out, metrics)
    log(f"metrics written to {Path(out) / 'metrics.json'}")
    return metrics


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--memory-child":
        print(json.dumps(_memory_child(sys.argv[2], json.loads(sys.argv[3]))), flush=True)
    else:
        print("usage: lava-delays bench delay_layer --out DIR [--quick]", file=sys.stderr)
        sys.exit(2)
