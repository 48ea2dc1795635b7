"""The batched engine vs the same network as a Lava graph.

Network: ``random_network(700, [128, 20], fixed=True, max_delay=25, seed=0)``
(700 inputs -> 128 LIF -> 20 leaky read-out, per-synapse delays 0..25),
input ``random_spikes(batch, 100, 700, 0.05)``.

* engine: :func:`lava_delays.engine.simulate` on a batch of 64 (after a
  2-sample warm-up), median of a few runs -> samples/s; the float network too.
* Lava: ``LavaGraph(net, x[:n]).run()`` streams n samples through one run.
  Lava samples/s is the better of n / wall time and the marginal rate
  (n - 1) / (wall(n) - wall(1 sample)), so the engine's ratio is conservative.
  Lava's ``Var.get`` sends a sink's data one element at a time, so reading the
  sinks is a large part of the wall time; a manual run of the same graph
  times ``run`` alone too, reported beside it (and used in a second, even
  more conservative ratio).
* bit-identity: engine spikes and read-out of those n samples vs Lava's
  (``np.array_equal`` per sample); the first divergence is located.
* memory: tracemalloc peak of the engine's batch run, the peak RSS (VmHWM) of the
  engine run in a spawned child process, and the summed RSS / USS of Lava's
  child processes during the parity run (psutil).
* stock Lava reference: the same shapes from lava's ``Dense`` + ``LIF`` and
  from lava's ``DelayDense`` + ``LIF``: two runs of T steps in one runtime
  (no reset, a speed reference); the second, "steady" run excludes start-up.

Run: ``lava-delays bench engine --out DIR``.
"""
from __future__ import annotations

import statistics
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

from lava_delays.benchmarks import log, machine_info, write_metrics

TARGET_RATIO = 200.0


def _config(quick: bool) -> dict:
    if quick:
        return dict(n_in=100, sizes=[32, 10], max_delay=10, steps=30, batch=16,
                    rate=0.05, n_lava=2, reps_engine=2, reps_lava=1)
    return dict(n_in=700, sizes=[128, 20], max_delay=25, steps=100, batch=64,
                rate=0.05, n_lava=8, reps_engine=3, reps_lava=4)


def _make(cfg: dict, fixed: bool = True):
    from lava_delays.engine.factory import random_network, random_spikes
    net = random_network(cfg["n_in"], cfg["sizes"], fixed=fixed,
                         max_delay=cfg["max_delay"], seed=0)
    x = random_spikes(cfg["batch"], cfg["steps"], cfg["n_in"], cfg["rate"])
    return net, x


# --- engine -------------------------------------------------------------------
def time_engine(net, x, reps: int):
    """Warm up on 2 samples, then time ``simulate(net, x)`` ``reps`` times."""
    from lava_delays.engine import simulate
    simulate(net, x[:2])
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        r = simulate(net, x)
        times.append(time.perf_counter() - t0)
        result = result or r
    return result, times


def _engine_rss_child(queue, cfg: dict) -> None:
    """In a spawned process: RSS before the batch run and its peak during it
    (VmHWM reset right before; ru_maxrss would include the parent's peak)."""
    from lava_delays.benchmarks import reset_peak_rss, status_kib
    from lava_delays.engine import simulate
    net, x = _make(cfg)
    simulate(net, x[:2])
    before = status_kib("VmRSS")
    reset_peak_rss()
    simulate(net, x)
    queue.put(dict(before_kib=before, after_kib=status_kib("VmHWM")))


def engine_child_rss(cfg: dict, timeout: float = 300.0):
    """Peak RSS of the engine's batch run, measured in a spawned child."""
    import multiprocessing as mp

    # lava sets the global start method ('fork') when its runtime is first
    # imported and fails if it is already set: import it before we use any
    # multiprocessing context, and use an explicit spawn context here.
    import lava.magma.runtime.runtime  # noqa: F401
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_engine_rss_child, args=(queue, cfg))
    proc.start()
    try:
        res = queue.get(timeout=timeout)
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.terminate()
            proc.join()
    return res


def engine_tracemalloc_peak(net, x) -> float:
    from lava_delays.engine import simulate
    tracemalloc.start()
    try:
        simulate(net, x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2 ** 20


# --- Lava ---------------------------------------------------------------------
class ChildMemorySampler:
    """Polls the summed RSS and USS of this process's children (Lava's
    process models and runtime service) in a thread; keeps the peaks."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak_rss = 0
        self.peak_uss = 0
        self.peak_n = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        import psutil
        me = psutil.Process()
        while not self._stop.is_set():
            rss = uss = n = 0
            for child in me.children(recursive=True):
                try:
                    info = child.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                rss += info.rss
                uss += info.uss
                n += 1
            if rss > self.peak_rss:
                self.peak_rss, self.peak_n = rss, n
            self.peak_uss = max(self.peak_uss, uss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def lava_graph_wall(net, x):
    """Wall time of ``LavaGraph(net, x).run()`` (build, run, read sinks, stop)."""
    from lava_delays.proc.graph import LavaGraph
    t0 = time.perf_counter()
    result = LavaGraph(net, x).run()
    return result, time.perf_counter() - t0


def lava_graph_breakdown(net, x) -> dict:
    """The same graph, run by hand to time ``run`` and the sink read-out apart."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    from lava_delays.proc.graph import LavaGraph
    graph = LavaGraph(net, x)
    tag = "fixed_pt" if net.fixed else "floating_pt"
    try:
        t0 = time.perf_counter()
        graph.source.run(condition=RunSteps(num_steps=graph.batch * graph.steps),
                         run_cfg=Loihi2SimCfg(select_tag=tag))
        t1 = time.perf_counter()
        for sink in graph.sinks:
            sink.data.get()
        t2 = time.perf_counter()
    finally:
        graph.source.stop()
    return dict(run_s=t1 - t0, sink_get_s=t2 - t1)


def stock_lava(net, x, delays: bool) -> dict:
    """Stock lava: source -> (Delay)Dense -> LIF -> (Delay)Dense -> LIF, with a
    sink on each LIF (as LavaGraph has), fixed_pt; one ``run`` of T steps per
    sample in the same runtime (no reset: a speed reference only). The first
    run includes compilation and start-up; the later ones are "steady".
    The read-out layer is a stock LIF with the read-out's du/dv."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense, DelayDense
    from lava.proc.io.sink import RingBuffer as SinkBuffer
    from lava.proc.io.source import RingBuffer as SourceBuffer
    from lava.proc.lif.process import LIF

    batch, steps, n_in = x.shape
    total = batch * steps
    t0 = time.perf_counter()
    src = SourceBuffer(data=np.ascontiguousarray(x.reshape(-1, n_in).T, dtype=np.int64))
    port, sinks = src.s_out, []
    for layer in net.layers:
        w = np.asarray(layer.ff.weights, dtype=np.int64)
        if delays:
            dense = DelayDense(weights=w, delays=layer.ff.delay_matrix(),
                               max_delay=layer.ff.buffer_delay(),
                               weight_exp=int(layer.ff.weight_exp))
        else:
            dense = Dense(weights=w, weight_exp=int(layer.ff.weight_exp))
        nrn = layer.neurons
        lif = LIF(shape=(layer.n_out,), du=int(nrn.du), dv=int(nrn.dv),
                  vth=int(getattr(nrn, "vth", 256)))
        sink = SinkBuffer(shape=(layer.n_out,), buffer=total)
        port.connect(dense.s_in)
        dense.a_out.connect(lif.a_in)
        lif.s_out.connect(sink.a_in)
        sinks.append(sink)
        port = lif.s_out
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    run_s = []
    try:
        for _ in range(batch):  # one run per sample, in the same runtime
            t1 = time.perf_counter()
            src.run(condition=RunSteps(num_steps=steps), run_cfg=cfg)
            run_s.append(time.perf_counter() - t1)
        t2 = time.perf_counter()
        for sink in sinks:
            sink.data.get()
        t3 = time.perf_counter()
    finally:
        src.stop()
    t4 = time.perf_counter()
    steady = run_s[1:] or run_s
    return dict(samples=batch, steps=steps, wall_s=t4 - t0, run_s=run_s,
                sink_get_s=t3 - t2, samples_per_s_wall=batch / (t4 - t0),
                samples_per_s_run=batch / sum(run_s),
                samples_per_s_steady=len(steady) / sum(steady))


# --- parity -------------------------------------------------------------------
def _arrays(result, n: int, n_layers: int):
    """(name, array (n, T, neurons)) per layer output."""
    out = [(f"layer {k} (spikes)", s[:n]) for k, s in enumerate(result.spikes)]
    if result.readout is not None:
        out.append((f"layer {n_layers - 1} (read-out voltage)", result.readout[:n]))
    return out


def compare(engine_res, lava_res, n: int, n_layers: int) -> dict:
    eng = _arrays(engine_res, n, n_layers)
    lav = _arrays(lava_res, n, n_layers)
    same = np.ones(n, bool)
    first = []
    for b in range(n):
        earliest = None
        for (name, e), (_, l) in zip(eng, lav):
            diff = np.argwhere(e[b] != l[b])
            if len(diff):
                same[b] = False
                t = int(diff[:, 0].min())
                if earliest is None or t < earliest["step"]:
                    neurons = diff[diff[:, 0] == t, 1]
                    earliest = dict(sample=b, layer=name, step=t,
                                    neurons=neurons[:10].tolist(),
                                    n_different=int(len(diff)),
                                    engine=e[b, t, neurons[:10]].tolist(),
                                    lava=l[b, t, neurons[:10]].tolist())
        if earliest is not None:
            first.append(earliest)
    return dict(n_samples=n, identical_samples=int(same.sum()),
                fraction_identical=float(same.mean()), all_identical=bool(same.all()),
                per_sample=same.tolist(), first_divergence=first[:3])


# --- table --------------------------------------------------------------------
def _r(x, nd=1):
    return "n/a" if x is None else f"{x:,.{nd}f}"


def format_table(m: dict) -> str:
    c, e, lv, mem = m["config"], m["engine"], m["lava"], m["memory"]
    mach = m["machine"]
    layers = " -> ".join([str(c["n_in"])] + [str(s) for s in c["sizes"]])
    par = m["parity"]
    rows = [
        ("engine, fixed (batch %d)" % c["batch"], e["samples_per_s"], "", ""),
        ("engine, float (batch %d)" % c["batch"], e["float_samples_per_s"], "", "info"),
        ("Lava graph, %d samples / wall" % c["n_lava"], lv["samples_per_s_wall"],
         _r(e["samples_per_s"] / lv["samples_per_s_wall"]) + "x", ""),
        ("Lava graph, marginal (wall(n) - wall(1))", lv["samples_per_s_marginal"],
         _r(e["samples_per_s"] / lv["samples_per_s_marginal"]) + "x"
         if lv["samples_per_s_marginal"] else "n/a", ""),
        ("Lava graph, run() only, %d samples" % c["n_lava"], lv["samples_per_s_run_only"],
         _r(e["samples_per_s"] / lv["samples_per_s_run_only"]) + "x", "excl. sink read-out"),
        ("Lava graph, run() only, marginal", lv["samples_per_s_run_only_marginal"],
         _r(e["samples_per_s"] / lv["samples_per_s_run_only_marginal"]) + "x"
         if lv["samples_per_s_run_only_marginal"] else "n/a", "excl. sink read-out"),
    ]
    for key, label in (("dense", "stock Lava Dense + LIF (no delays)"),
                       ("delay_dense", "stock Lava DelayDense + LIF")):
        s = m["stock_lava"][key]
        rows.append((label + ", wall", s["samples_per_s_wall"],
                     _r(e["samples_per_s"] / s["samples_per_s_wall"]) + "x", "reference"))
        rows.append((label + ", run() (all)", s["samples_per_s_run"],
                     _r(e["samples_per_s"] / s["samples_per_s_run"]) + "x", "reference"))
        rows.append((label + ", run() steady", s["samples_per_s_steady"],
                     _r(e["samples_per_s"] / s["samples_per_s_steady"]) + "x",
                     "reference, 2nd run"))
    lines = [
        f"Batched engine vs Lava graph -- {layers} (LIF, read-out), delays 0..{c['max_delay']}, "
        f"T={c['steps']}, input rate {c['rate']}",
        f"machine: {mach['cpu_model']} ({mach['machine']}), nproc={mach['nproc']}, "
        f"Python {mach['python']}, {mach['date']}",
        "",
        f"{'runner':<48}{'samples/s':>12}{'engine is':>14}  note",
        "-" * 96,
    ]
    for name, sps, ratio, note in rows:
        lines.append(f"{name:<48}{_r(sps, 2):>12}{ratio:>14}  {note}")
    lines += [
        "-" * 96,
        f"engine vs Lava graph (better of wall / marginal, as specified): "
        f"{_r(m['ratio'])}x   (target >= {TARGET_RATIO:.0f}x: "
        f"{'met' if m['ratio'] >= TARGET_RATIO else 'NOT met'})",
        f"engine vs Lava graph run() only (most conservative): {_r(m['ratio_run_only'])}x",
        f"engine vs stock Lava, steady run(): Dense + LIF {_r(m['ratio_vs_stock_dense'])}x, "
        f"DelayDense + LIF {_r(m['ratio_vs_stock_delay_dense'])}x",
        f"Lava wall times: {c['n_lava']} samples {lv['wall_n_s']:.2f} s, 1 sample "
        f"{lv['wall_1_s']:.2f} s (medians of {c['reps_lava']}); run() alone "
        f"{lv['breakdown_n']['run_s']:.2f} s / {lv['breakdown_1']['run_s']:.2f} s, "
        f"reading the sinks {lv['breakdown_n']['sink_get_s']:.2f} s / "
        f"{lv['breakdown_1']['sink_get_s']:.2f} s",
        "  (lava's Var.get sends a sink's data one element per message)",
        "",
        f"bit-identical (engine vs Lava, fixed_pt, np.array_equal on spikes and read-out): "
        f"{par['identical_samples']}/{par['n_samples']} samples "
        f"({par['fraction_identical'] * 100:.0f} %)"
        + ("" if par["all_identical"] else f"; first divergence: {par['first_divergence'][0]}"),
        f"engine batch slice == separate engine run of the same samples: "
        f"{m['engine']['batch_independent']}",
        f"spike rate layer 0: engine {e['spike_rate_layer0']:.3f}",
        "",
        f"memory: engine batch-{c['batch']} run tracemalloc peak {mem['engine_tracemalloc_peak_mib']:.1f} MiB; "
        f"engine child process peak RSS {mem['engine_child_peak_rss_mib']:.0f} MiB "
        f"(after imports + warm-up: {mem['engine_child_rss_before_mib']:.0f} MiB)",
    ]
    if mem.get("lava_children_peak_rss_mib") is not None:
        lines.append(
            f"        Lava graph ({c['n_lava']} samples): {mem['lava_children_n']} child "
            f"processes, peak summed RSS {mem['lava_children_peak_rss_mib']:.0f} MiB, "
            f"USS {mem['lava_children_peak_uss_mib']:.0f} MiB (children only; the parent "
            "is not counted)")
    else:
        lines.append("        Lava memory: not measured")
    lines.append(f"total benchmark time: {m['total_seconds']:.1f} s")
    return "\n".join(lines)


# --- run ----------------------------------------------------------------------
def _marginal(wall_n, wall_1, n):
    if n < 2 or wall_n <= wall_1:
        return None
    return (n - 1) / (wall_n - wall_1)


def run(out: Path, quick: bool = False) -> dict:
    """Run the benchmark, print the table, write ``out/metrics.json``."""
    from lava_delays.engine import simulate
    t_start = time.perf_counter()
    cfg = _config(quick)
    n_lava, batch = cfg["n_lava"], cfg["batch"]
    net, x = _make(cfg, fixed=True)
    n_layers = len(net.layers)

    log(f"engine (fixed): warm-up, then {cfg['reps_engine']} runs of batch {batch}")
    eng_res, eng_t = time_engine(net, x, cfg["reps_engine"])
    eng_sps = batch / statistics.median(eng_t)
    log(f"engine (fixed): {eng_sps:.1f} samples/s")
    net_f, _ = _make(cfg, fixed=False)
    log("engine (float)")
    _, eng_f_t = time_engine(net_f, x, cfg["reps_engine"])
    eng_f_sps = batch / statistics.median(eng_f_t)
    separate = simulate(net, x[:n_lava])
    batch_indep = all(np.array_equal(a[:n_lava], b)
                      for a, b in zip(eng_res.spikes, separate.spikes)) and (
        eng_res.readout is None or np.array_equal(eng_res.readout[:n_lava], separate.readout))

    log("engine memory: tracemalloc, then a spawned child for its peak RSS")
    trace_peak = engine_tracemalloc_peak(net, x)
    rss = engine_child_rss(cfg)

    log(f"Lava graph: parity run of {n_lava} samples (memory sampled)")
    with ChildMemorySampler() as sampler:
        lava_res, wall_parity = lava_graph_wall(net, x[:n_lava])
    parity = compare(eng_res, lava_res, n_lava, n_layers)
    log(f"parity: {parity['identical_samples']}/{n_lava} samples identical")

    # timing runs (the parity run, the process's first Lava run, is not used)
    walls_n, walls_1, bds_n, bds_1 = [], [], [], []
    for rep in range(cfg["reps_lava"]):
        log(f"Lava graph: timing round {rep + 1}/{cfg['reps_lava']} ({n_lava} samples "
            "and 1 sample, LavaGraph.run() and run() alone)")
        walls_n.append(lava_graph_wall(net, x[:n_lava])[1])
        walls_1.append(lava_graph_wall(net, x[:1])[1])
        bds_n.append(lava_graph_breakdown(net, x[:n_lava]))
        bds_1.append(lava_graph_breakdown(net, x[:1]))
    wall_n = statistics.median(walls_n)
    wall_1 = statistics.median(walls_1)
    bd_n = {k: statistics.median(b[k] for b in bds_n) for k in bds_n[0]}
    bd_1 = {k: statistics.median(b[k] for b in bds_1) for k in bds_1[0]}
    lava = dict(
        wall_n_s=wall_n, wall_1_s=wall_1, walls_n_s=walls_n, walls_1_s=walls_1,
        wall_parity_run_s=wall_parity, breakdowns_n=bds_n, breakdowns_1=bds_1,
        samples_per_s_wall=n_lava / wall_n,
        samples_per_s_marginal=_marginal(wall_n, wall_1, n_lava),
        marginal_s_per_sample=(wall_n - wall_1) / (n_lava - 1) if n_lava > 1 else None,
        breakdown_n=bd_n, breakdown_1=bd_1,
        samples_per_s_run_only=n_lava / bd_n["run_s"],
        samples_per_s_run_only_marginal=_marginal(bd_n["run_s"], bd_1["run_s"], n_lava),
    )
    best_spec = max(v for v in (lava["samples_per_s_wall"], lava["samples_per_s_marginal"])
                    if v is not None)
    best_all = max(v for v in (best_spec, lava["samples_per_s_run_only"],
                               lava["samples_per_s_run_only_marginal"]) if v is not None)

    stock = {}
    for key, delays in (("dense", False), ("delay_dense", True)):
        log(f"stock Lava reference: {'DelayDense' if delays else 'Dense'} + LIF, 2 samples")
        stock[key] = stock_lava(net, x[:2], delays)

    memory = dict(
        engine_tracemalloc_peak_mib=trace_peak,
        engine_child_peak_rss_mib=rss["after_kib"] / 1024,
        engine_child_rss_before_mib=rss["before_kib"] / 1024,
        lava_children_peak_rss_mib=sampler.peak_rss / 2 ** 20 if sampler.peak_n else None,
        lava_children_peak_uss_mib=sampler.peak_uss / 2 ** 20 if sampler.peak_n else None,
        lava_children_n=sampler.peak_n,
    )
    metrics = dict(
        benchmark="engine", quick=quick, machine=machine_info(),
        config=dict(cfg, network=f"random_network({cfg['n_in']}, {cfg['sizes']}, fixed=True, "
                                 f"max_delay={cfg['max_delay']}, seed=0)",
                    target_ratio=TARGET_RATIO),
        engine=dict(samples_per_s=eng_sps, times_s=eng_t,
                    float_samples_per_s=eng_f_sps, float_times_s=eng_f_t,
                    batch_independent=bool(batch_indep),
                    spike_rate_layer0=float(eng_res.spikes[0].mean()),
                    overflow_counts=dict(eng_res.counts)),
        lava=lava, parity=parity, stock_lava=stock, memory=memory,
        ratio=eng_sps / best_spec, ratio_run_only=eng_sps / best_all,
        ratio_vs_stock_dense=eng_sps / stock["dense"]["samples_per_s_steady"],
        ratio_vs_stock_delay_dense=eng_sps / stock["delay_dense"]["samples_per_s_steady"],
        total_seconds=time.perf_counter() - t_start,
    )
    print(format_table(metrics), flush=True)
    write_metrics(out, metrics)
    log(f"metrics written to {Path(out) / 'metrics.json'}")
    return metrics
