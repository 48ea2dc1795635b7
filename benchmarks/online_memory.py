"""Peak memory of one training step (forward + update) vs sequence length T:
the on-line three-factor learner vs torch BPTT of the same network.

Network: 8 inputs -> 64 LIF (per-synapse delays, learned, 0..60) -> 10
read-out, float; batch 8; input: random spikes at 5 % (TimingTask-like);
``OnlineConfig(hidden=(64,), delays="synaptic", max_delay=60, seed=0)``.
T = 100, 1000, 10000 (quick: 50, 100, 200).

Every (method, T) runs in a fresh *spawned* child process: imports, a
warm-up training step with T = 10 (numba compilation, torch start-up),
then the measured step at T. Methods:

* ``online``: ``OnlineLearner.train_batch`` (engine, float64);
* ``bptt_index``: :mod:`lava_delays.benchmarks.bptt` as ``train_bptt`` runs
  it (float64, delayed inputs gathered with index tensors), forward +
  backward + Adam step;
* ``bptt_conv``: the same with the delays as a 1-D convolution over time
  (same values and gradients; the memory-lean BPTT).

Measured in the child:

* **step RSS**: peak resident set during the step minus the resident set
  just before it. The peak is the kernel's high-water mark ``VmHWM``, reset
  to the current RSS right before the step (``echo 5 > /proc/self/clear_refs``).
  ``ru_maxrss`` (also recorded) is *not* usable here: in a spawned child it
  starts at the parent's resident set (Linux folds the pre-exec memory map's
  high-water mark into ``ru_maxrss`` at exec), so its increase over a step
  is zero unless the child outgrows its parent.
* ``online``: tracemalloc peak of a second, identical step (numpy/Python
  allocations; the first step is measured without tracemalloc);
* BPTT: bytes of the tensors autograd saves for backward
  (``torch.autograd.graph.saved_tensors_hooks``; summed over distinct
  storages, so views are counted once);
* the on-line learner's *state*: pre traces (``pu``, ``pv``, the
  ``max_delay + 2``-step history) and the weight / delay eligibilities of
  every plastic connection, from array ``nbytes`` -- independent of T.

Run: ``lava-delays bench online_memory --out DIR``.
"""
from __future__ import annotations

import time
from pathlib import Path

from lava_delays.benchmarks import (log, machine_info, reset_peak_rss, status_kib,
                                    write_metrics)

METHODS = ("online", "bptt_index", "bptt_conv")
MiB = 2 ** 20


def _config(quick: bool) -> dict:
    return dict(steps=[50, 100, 200] if quick else [100, 1000, 10000], batch=8, hidden=64,
                n_in=8, n_classes=10, max_delay=60, rate=0.05, warmup_steps=10, seed=0,
                tracemalloc_max_steps=10 ** 6, parallel=2 if quick else 1)


def online_state_bytes(learner) -> dict:
    """Bytes of the on-line learner's per-batch learning state."""
    syns = learner.synapses()
    traces = sum(s.trace.pu.nbytes + s.trace.pv.nbytes + s.trace.hist.nbytes for s in syns)
    elig = sum(s.e_w.nbytes + s.e_d.nbytes for s in syns)
    params = sum(s.weights.nbytes + sum(d.value.nbytes for d in (s.syn, s.ax) if d is not None)
                 for s in syns)
    return dict(traces=traces, eligibilities=elig, total=traces + elig, parameters=params)


def _child(queue, method: str, steps: int, cfg: dict) -> None:
    """In a spawned process: one measured training step of ``method``."""
    try:
        queue.put(_measure(method, steps, cfg))
    except BaseException as exc:  # report, do not hang the parent
        queue.put(dict(error=f"{type(exc).__name__}: {exc}"))


def _measure(method: str, steps: int, cfg: dict) -> dict:
    import gc
    import resource
    import tracemalloc

    import numpy as np

    from lava_delays.engine.online import OnlineConfig, OnlineLearner
    if method != "online":
        import torch

        from lava_delays.benchmarks.bptt import BPTTModel
        torch.set_num_threads(1)    # as train_bptt; the on-line learner uses one core
    learner = OnlineLearner(cfg["n_in"], cfg["n_classes"], OnlineConfig(
        hidden=(cfg["hidden"],), delays="synaptic", max_delay=cfg["max_delay"],
        seed=cfg["seed"]))
    rng = np.random.default_rng(cfg["seed"])
    batch = cfg["batch"]
    x = (rng.random((batch, steps, cfg["n_in"])) < cfg["rate"]).astype(np.uint8)
    labels = np.arange(batch) % cfg["n_classes"]
    warm = (rng.random((batch, cfg["warmup_steps"], cfg["n_in"])) < cfg["rate"]).astype(np.uint8)

    if method == "online":
        def step(xs):
            return learner.train_batch(xs, labels)["loss"]
    else:
        model = BPTTModel(learner, dtype=torch.float64, gather=method.split("_")[1])
        opt = torch.optim.Adam(model.param_groups(3e-3, 1e-1, 1e-1, 3e-3))

        def step(xs, hooks=None):
            opt.zero_grad(set_to_none=True)
            if hooks is None:
                loss, _ = model.loss(xs, labels)
            else:
                with torch.autograd.graph.saved_tensors_hooks(*hooks):
                    loss, _ = model.loss(xs, labels)
            loss.backward()
            opt.step()
            model.clamp_delays()
            return float(loss)

    step(warm)
    gc.collect()
    rss0 = status_kib("VmRSS")
    maxrss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm_reset = reset_peak_rss()
    hwm0 = status_kib("VmHWM")
    t0 = time.perf_counter()
    loss = step(x)
    step_s = time.perf_counter() - t0
    hwm1 = status_kib("VmHWM")
    maxrss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = dict(method=method, steps=steps, loss=loss, step_seconds=step_s,
               rss_before_mib=rss0 / 1024, hwm_before_mib=hwm0 / 1024,
               hwm_after_mib=hwm1 / 1024, hwm_reset=hwm_reset,
               step_rss_mib=(hwm1 - rss0) / 1024,
               ru_maxrss_before_mib=maxrss0 / 1024, ru_maxrss_after_mib=maxrss1 / 1024,
               ru_maxrss_delta_mib=(maxrss1 - maxrss0) / 1024)
    if method == "online":
        res["state_bytes"] = online_state_bytes(learner)
    if method == "online" and steps <= cfg["tracemalloc_max_steps"]:
        gc.collect()
        tracemalloc.start()
        try:
            t0 = time.perf_counter()
            step(x)
            res["tracemalloc_step_seconds"] = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        res["tracemalloc_peak_mib"] = peak / MiB
    elif method != "online":
        total, storages = [0], {}

        def pack(t):
            total[0] += t.numel() * t.element_size()
            try:
                st = t.untyped_storage()
                storages[st.data_ptr()] = st.nbytes()
            except RuntimeError:
                pass
            return t

        step(x, hooks=(pack, lambda t: t))
        res["saved_tensor_mib"] = sum(storages.values()) / MiB
        res["saved_tensor_numel_mib"] = total[0] / MiB
        res["torch_threads"] = torch.get_num_threads()
    return res


def measure(method: str, steps: int, cfg: dict, timeout: float = 600.0) -> dict:
    """Run :func:`_measure` in a fresh spawned child process."""
    import multiprocessing as mp
    import queue as queue_mod

    try:  # lava sets the global start method on import; let it do so first
        import lava.magma.runtime.runtime  # noqa: F401
    except (ImportError, RuntimeError):
        pass
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_child, args=(q, method, steps, cfg))
    t0 = time.perf_counter()
    proc.start()
    try:
        res = q.get(timeout=timeout)
    except queue_mod.Empty:
        res = dict(error=f"timed out after {timeout:.0f} s")
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.terminate()
            proc.join()
    res.setdefault("method", method)
    res.setdefault("steps", steps)
    res["child_seconds"] = time.perf_counter() - t0
    return res


def _f(x, nd=1):
    return "n/a" if x is None else f"{x:.{nd}f}"


def _ratio(a, b):
    if a is None or b is None:
        return "n/a"
    if b <= 0.05:
        return f">{a / 0.05:.0f}x" if a > 0 else "n/a"
    return f"{a / b:.0f}x"


def format_table(m: dict) -> str:
    c = m["config"]
    lines = [
        f"Peak memory of one training step (forward + update) vs T -- {c['n_in']} inputs -> "
        f"{c['hidden']} LIF (synaptic delays 0..{c['max_delay']}) -> {c['n_classes']} "
        f"read-out, batch {c['batch']}, input rate {c['rate']}, float64",
        "step MiB = peak RSS during the step (VmHWM, reset before it) - RSS before it, "
        "fresh spawned child per cell; saved = tensors autograd keeps for backward",
        f"machine: {m['machine']['cpu_model']}, nproc={m['machine']['nproc']}",
        "",
        f"{'T':>6} {'online':>9} {'online':>10} {'BPTT idx':>9} {'saved':>9} {'ratio':>7} "
        f"{'BPTT conv':>10} {'saved':>8} {'ratio':>7}   {'step s: online / idx / conv'}",
        f"{'':>6} {'MiB':>9} {'tracemal.':>10} {'MiB':>9} {'MiB':>9} {'':>7} "
        f"{'MiB':>10} {'MiB':>8} {'':>7}",
        "-" * 104,
    ]
    for row in m["rows"]:
        on, bi, bc = row["online"], row["bptt_index"], row["bptt_conv"]
        lines.append(
            f"{row['steps']:>6} {_f(on.get('step_rss_mib')):>9} "
            f"{_f(on.get('tracemalloc_peak_mib'), 2):>10} "
            f"{_f(bi.get('step_rss_mib')):>9} {_f(bi.get('saved_tensor_mib')):>9} "
            f"{_ratio(bi.get('step_rss_mib'), on.get('step_rss_mib')):>7} "
            f"{_f(bc.get('step_rss_mib')):>10} {_f(bc.get('saved_tensor_mib')):>8} "
            f"{_ratio(bc.get('step_rss_mib'), on.get('step_rss_mib')):>7}   "
            f"{_f(on.get('step_seconds'), 2)} / {_f(bi.get('step_seconds'), 2)} / "
            f"{_f(bc.get('step_seconds'), 2)}")
        for meth in METHODS:
            if "error" in row[meth]:
                lines.append(f"       {meth}: {row[meth]['error']}")
    st = m["online_state_bytes"]
    lines += [
        "-" * 104,
        "ratio = BPTT step MiB / online step MiB (online below 0.05 MiB is floored at 0.05); "
        "BPTT float64, torch 1 thread",
        "online learner state (traces + eligibilities, nbytes) per T: "
        + ", ".join(f"T={t}: {b:,} B" for t, b in st["per_T"].items())
        + f"  -> independent of T: {st['independent_of_T']}",
        f"  = traces {st['traces']:,} B + eligibilities {st['eligibilities']:,} B "
        f"({st['total'] / MiB:.2f} MiB); parameters {st['parameters']:,} B",
        f"total benchmark time: {m['total_seconds']:.1f} s",
    ]
    return "\n".join(lines)


def run(out: Path, quick: bool = False) -> dict:
    """Measure every (method, T) in its own child, print the table, write
    ``out/metrics.json``."""
    t_start = time.perf_counter()
    cfg = _config(quick)
    jobs = [(steps, method) for steps in cfg["steps"] for method in METHODS]

    def one(job):
        steps, method = job
        log(f"T={steps}: {method} (spawned child)")
        r = measure(method, steps, cfg)
        log(f"  T={steps} {method} -> " + (
            r["error"] if "error" in r else
            f"step RSS {r['step_rss_mib']:.1f} MiB, {r['step_seconds']:.2f} s"))
        return r

    if cfg["parallel"] > 1:   # quick mode: two children at a time (memory is per process)
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(cfg["parallel"]) as pool:
            results = list(pool.map(one, jobs))
    else:
        results = [one(job) for job in jobs]
    rows = []
    for steps in cfg["steps"]:
        row = dict(steps=steps)
        for (s, method), r in zip(jobs, results):
            if s == steps:
                row[method] = r
        rows.append(row)
    per_t = {str(r["steps"]): r["online"].get("state_bytes", {}).get("total") for r in rows}
    state = dict(next((r["online"]["state_bytes"] for r in rows
                       if "state_bytes" in r["online"]), {}))
    state.update(per_T=per_t, independent_of_T=len(set(per_t.values())) == 1
                 and None not in per_t.values())
    metrics = dict(benchmark="online_memory", quick=quick, machine=machine_info(),
                   config=cfg, methods=list(METHODS), rows=rows, online_state_bytes=state,
                   total_seconds=time.perf_counter() - t_start)
    print(format_table(metrics), flush=True)
    write_metrics(out, metrics)
    log(f"metrics written to {Path(out) / 'metrics.json'}")
    return metrics
