"""The ``lava-delays`` command line.

Commands and flags are those of DESIGN.md ("Interfaces users touch"); scripts
and tutorials are written against them. Every command exits non-zero with a
one-line message on bad input.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from lava_delays.errors import LavaDelaysError

#: commands whose implementation arrives with a later issue of the tracker
PENDING = {"train": "issue 5 (offline trainer)", "deploy": "issue 6 (deployment)",
           "eval": "issue 6 (deployment)"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lava-delays", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="the README main job, synthetic task end to end")
    demo.add_argument("--out", type=Path, default=Path("out/demo"))
    demo.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")

    train = sub.add_parser("train", help="offline (lava-dl) training")
    train.add_argument("--data", required=True)
    train.add_argument("--out", type=Path, required=True)
    train.add_argument("--test-data")
    train.add_argument("--delays", choices=["none", "synaptic", "axonal", "both"], default="synaptic")
    train.add_argument("--learn", default=None)
    train.add_argument("--neuron", choices=["lif", "adlif"], default="lif")
    train.add_argument("--recurrent", action="store_true")
    train.add_argument("--epochs", type=int)
    train.add_argument("--config", type=Path)
    train.add_argument("--resume", action="store_true")

    deploy = sub.add_parser("deploy", help="quantize + export a trained run")
    deploy.add_argument("run_dir", type=Path)
    deploy.add_argument("--out", type=Path, required=True)
    deploy.add_argument("--nir", type=Path)

    ev = sub.add_parser("eval", help="evaluate an exported network")
    ev.add_argument("net", type=Path)
    ev.add_argument("--data", required=True)
    ev.add_argument("--backend", choices=["lava", "engine", "float"], default="engine")
    ev.add_argument("--limit", type=int)
    ev.add_argument("--out", type=Path, required=True)

    online = sub.add_parser("online", help="on-chip-style three-factor learning")
    online.add_argument("--data", required=True)
    online.add_argument("--out", type=Path, required=True)
    online.add_argument("--init", type=Path)
    online.add_argument("--delays", choices=["none", "synaptic", "axonal", "both"], default="synaptic")
    online.add_argument("--learn", default=None)
    online.add_argument("--recurrent", action="store_true")
    online.add_argument("--backend", choices=["engine", "lava"], default="engine")
    online.add_argument("--epochs", type=int, default=20)
    online.add_argument("--test-data")
    online.add_argument("--hidden", default="64", help="hidden sizes, e.g. 64 or 64,32")
    online.add_argument("--fixed", action="store_true", help="learn in fixed point")
    online.add_argument("--batch", type=int, default=32)
    online.add_argument("--seed", type=int, default=0)
    online.add_argument("--feedback", choices=["symmetric", "random"])
    online.add_argument("--max-delay", type=int, default=60)
    online.add_argument("--delay-spread", type=float, default=6.0,
                        help="initial Gaussian spread of the delay gradient (annealed to 0)")
    for kind, default in (("weights", 0.3), ("delays", 4.0), ("axonal", 0.25), ("readout", 0.15)):
        online.add_argument(f"--lr-{kind}", type=float, default=default)
    online.add_argument("--momentum", type=float, default=0.9)

    bench = sub.add_parser("bench", help="run a benchmark (NAME or 'list')")
    bench.add_argument("name")
    bench.add_argument("--out", type=Path, default=None)
    bench.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    return p


def _bench(args) -> int:
    from lava_delays.benchmarks import BENCHMARKS
    if args.name == "list":
        print("\n".join(sorted(BENCHMARKS)))
        return 0
    if args.name not in BENCHMARKS:
        raise LavaDelaysError(f"unknown benchmark {args.name!r}; available: "
                              f"{', '.join(sorted(BENCHMARKS))}")
    module = importlib.import_module(BENCHMARKS[args.name])
    out = args.out or Path("out") / "bench" / args.name
    out.mkdir(parents=True, exist_ok=True)
    module.run(out, quick=args.quick)
    print(f"metrics written to {out / 'metrics.json'}")
    return 0


def _demo(args) -> int:
    from lava_delays.demo import run_demo
    metrics = run_demo(args.out, quick=args.quick)
    print(json.dumps(metrics, indent=2))
    return 0


def _online(args) -> int:
    from lava_delays.online import run_online
    try:
        hidden = tuple(int(h) for h in args.hidden.split(","))
    except ValueError:
        raise LavaDelaysError(f"--hidden must be comma-separated integers, got {args.hidden!r}")
    learn = args.learn.split(",") if args.learn else None
    metrics = run_online(
        args.data, args.out, test_data=args.test_data, delays=args.delays, learn=learn,
        recurrent=args.recurrent, backend=args.backend, epochs=args.epochs, batch=args.batch,
        hidden=hidden, fixed=args.fixed, feedback=args.feedback, seed=args.seed, init=args.init,
        max_delay=args.max_delay, delay_spread=args.delay_spread, lr_weights=args.lr_weights,
        lr_delays=args.lr_delays, lr_axonal=args.lr_axonal, lr_readout=args.lr_readout,
        momentum=args.momentum)
    print(f"test accuracy {metrics['accuracy']:.4f} on {metrics['n_test']} samples; "
          f"metrics in {args.out / 'metrics.json'}")
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "bench":
            return _bench(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "online":
            return _online(args)
        print(f"lava-delays {args.command}: not available in this version; it "
              f"arrives with {PENDING[args.command]}", file=sys.stderr)
        return 3
    except LavaDelaysError as err:
        print(f"lava-delays {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
