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
    train.add_argument("--delays", choices=["none", "synaptic", "axonal", "both"],
                       help="default: synaptic")
    train.add_argument("--learn", default=None)
    train.add_argument("--neuron", choices=["lif", "adlif"], help="default: lif")
    train.add_argument("--recurrent", action="store_true")
    train.add_argument("--epochs", type=int)
    train.add_argument("--config", type=Path, help="JSON file of model/training options")
    train.add_argument("--resume", action="store_true", help="continue OUT/checkpoint.pt")
    train.add_argument("--hidden", default=None, help="hidden sizes, e.g. 128 or 128,128")
    train.add_argument("--batch", type=int)
    train.add_argument("--seed", type=int)
    train.add_argument("--max-delay", type=int)
    train.add_argument("--qat-epochs", type=int, help="final quantization-aware epochs")
    for kind in ("weights", "synaptic", "axonal", "adaptation"):
        train.add_argument(f"--lr-{kind}", type=float)

    deploy = sub.add_parser("deploy", help="quantize + export a trained run")
    deploy.add_argument("run_dir", type=Path)
    deploy.add_argument("--out", type=Path, required=True)
    deploy.add_argument("--nir", type=Path)
    deploy.add_argument("--float", action="store_true",
                        help="export the float network (integer delays) instead")

    ev = sub.add_parser("eval", help="evaluate an exported network")
    ev.add_argument("net", type=Path)
    ev.add_argument("--data", required=True)
    ev.add_argument("--backend", choices=["lava", "engine", "float"], default="engine")
    ev.add_argument("--limit", type=int)
    ev.add_argument("--out", type=Path, required=True)
    ev.add_argument("--compare", choices=["engine", "lava", "none"], default=None,
                    help="second backend for spike parity (default: engine for --backend "
                         "lava, none otherwise)")

    online = sub.add_parser("online", help="on-chip-style three-factor learning")
    online.add_argument("--data", required=True)
    online.add_argument("--out", type=Path, required=True)
    online.add_argument("--init", type=Path)
    online.add_argument("--delays", choices=["none", "synaptic", "axonal", "both"], default="synaptic")
    online.add_argument("--learn", default=None)
    online.add_argument("--recurrent", action="store_true")
    online.add_argument("--recurrent-delays", action="store_true",
                        help="random (learnable) delays on the recurrent connections too")
    online.add_argument("--backend", choices=["engine", "lava"], default="engine")
    online.add_argument("--epochs", type=int, default=20)
    online.add_argument("--test-data")
    online.add_argument("--hidden", default="64", help="hidden sizes, e.g. 64 or 64,32")
    online.add_argument("--fixed", action="store_true", help="learn in fixed point")
    online.add_argument("--batch", type=int, default=32)
    online.add_argument("--seed", type=int, default=0)
    online.add_argument("--feedback", choices=["symmetric", "random"])
    online.add_argument("--max-delay", type=int, default=60)
    online.add_argument("--delay-spread", type=float, default=None,
                        help="initial Gaussian spread of the delay gradient (annealed to 0); "
                             "default 6 on the engine, 0 in Lava (which has no spread)")
    online.add_argument("--anneal-epochs", type=int, default=None,
                        help="epochs over which the delay spread anneals to 0 (engine; "
                             "default half of --epochs; e.g. --epochs for delay-only learning)")
    for kind, default in (("weights", 0.3), ("delays", 4.0), ("axonal", 0.25), ("readout", 0.15)):
        online.add_argument(f"--lr-{kind}", type=float, default=default)
    online.add_argument("--momentum", type=float, default=0.9)
    online.add_argument("--hidden-weight", type=float, default=None,
                        help="start every hidden weight at this value (e.g. 0.3 with "
                             "--learn synaptic: delay-only learning)")

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
    hidden = _hidden(args.hidden)
    learn = args.learn.split(",") if args.learn else None
    metrics = run_online(
        args.data, args.out, test_data=args.test_data, delays=args.delays, learn=learn,
        recurrent=args.recurrent, backend=args.backend, epochs=args.epochs, batch=args.batch,
        hidden=hidden, fixed=args.fixed, feedback=args.feedback, seed=args.seed, init=args.init,
        max_delay=args.max_delay, delay_spread=args.delay_spread if args.delay_spread
        is not None else (0.0 if args.backend == "lava" else 6.0), lr_weights=args.lr_weights,
        lr_delays=args.lr_delays, lr_axonal=args.lr_axonal, lr_readout=args.lr_readout,
        momentum=args.momentum, hidden_weight=args.hidden_weight,
        recurrent_delays=args.recurrent_delays, anneal_epochs=args.anneal_epochs)
    print(f"test accuracy {metrics['accuracy']:.4f} on {metrics['n_test']} samples; "
          f"metrics in {args.out / 'metrics.json'}")
    return 0


def _hidden(text):
    if text is None:
        return None
    try:
        return tuple(int(h) for h in text.split(","))
    except ValueError:
        raise LavaDelaysError(f"--hidden must be comma-separated integers, got {text!r}")


def _train(args) -> int:
    from lava_delays.train.run import read_config, train
    config = read_config(args.config) if args.config else None
    metrics = train(
        args.data, args.out, test_data=args.test_data, resume=args.resume, config=config,
        delays=args.delays, learn=args.learn.split(",") if args.learn else None,
        neuron=args.neuron,
        recurrent=args.recurrent or None, epochs=args.epochs, hidden=_hidden(args.hidden),
        batch=args.batch, seed=args.seed, max_delay=args.max_delay, qat_epochs=args.qat_epochs,
        lr_weights=args.lr_weights, lr_synaptic=args.lr_synaptic, lr_axonal=args.lr_axonal,
        lr_adaptation=args.lr_adaptation)
    print(f"test accuracy {metrics['accuracy']:.4f} on {metrics['n_test']} samples "
          f"({'quantized' if metrics['quantized'] else 'float'} model); "
          f"metrics in {args.out / 'metrics.json'}")
    return 0


def _deploy(args) -> int:
    from lava_delays.deploy.export import deploy_run
    metrics = deploy_run(args.run_dir, args.out, nir=args.nir, fixed=not args.float)
    print(json.dumps({k: v for k, v in metrics.items() if k != "layers"}, indent=2))
    return 0


def _eval(args) -> int:
    from lava_delays.deploy.evaluate import evaluate_file
    metrics = evaluate_file(args.net, args.data, args.out, backend=args.backend,
                            limit=args.limit, compare=args.compare)
    line = f"accuracy {metrics['accuracy']:.4f} on {metrics['n_test']} samples ({args.backend})"
    if "spike_parity" in metrics:
        line += f"; spike parity with {metrics['compared_with']}: {metrics['spike_parity']:.4f}"
    print(line)
    return 0


COMMANDS = {"bench": _bench, "demo": _demo, "online": _online, "train": _train,
            "deploy": _deploy, "eval": _eval}


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (LavaDelaysError, OSError) as err:
        # bad input and missing/unreadable files: one line, no traceback
        print(f"lava-delays {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
