"""lava-delays: train, deploy and run spiking networks with learnable delays
(Lava processes, a batched fixed-point engine, a lava-dl trainer, on-line
three-factor learning).

Every command exits with status 2 and a one-line message on bad input, 130
on Ctrl-C (a training run keeps its last checkpoint: ``--resume``
continues it).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import json
import sys
from pathlib import Path

from lava_delays.errors import LavaDelaysError

DELAY_CHOICES = ["none", "synaptic", "axonal", "both"]


def _defaults(section: str, key: str, fallback=None) -> str:
    """'default: ...' for a flag: the value each data kind's preset gives it
    (and the library default for other data)."""
    from lava_delays import presets
    parts = []
    for kind, name in presets.DEFAULT_PRESETS.items():
        opts = presets.load(name).get(section, {})
        if key in opts:
            value = opts[key]
            value = ",".join(map(str, value)) if isinstance(value, list) else value
            parts.append(f"{value} for {kind}")
    if fallback is not None:
        parts.append(f"{fallback} otherwise" if parts else str(fallback))
    return f"default: {'; '.join(parts)}" if parts else ""


def _field_default(cls, name):
    f = {f.name: f for f in dataclasses.fields(cls)}[name]
    value = f.default
    return ",".join(map(str, value)) if isinstance(value, tuple) else value


def _help(text: str, section: str, key: str, cls=None) -> str:
    fallback = _field_default(cls, key) if cls is not None else None
    default = _defaults(section, key, fallback)
    return f"{text} ({default})" if default else text


def _version() -> str:
    from lava_delays import __version__
    return __version__


def _parser() -> argparse.ArgumentParser:
    from lava_delays.engine.online import OnlineConfig
    from lava_delays.neurons import names as neuron_names
    from lava_delays.online import OnlineRunConfig
    from lava_delays.train.model import ModelConfig
    from lava_delays.train.trainer import TrainConfig
    p = argparse.ArgumentParser(
        prog="lava-delays", description=__doc__.split("\n\n")[0],
        epilog="'lava-delays COMMAND --help' describes a command; "
               "'lava-delays train --preset list' lists the recipes.")
    p.add_argument("--version", action="version", version=f"lava-delays {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="the main job: train, quantize, deploy, run in Lava "
                                       "fixed point; prints accuracy and spike parity")
    demo.add_argument("--out", type=Path, default=Path("out/demo"),
                      help="output directory (default: out/demo)")
    demo.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")

    M, T = ModelConfig, TrainConfig
    train = sub.add_parser(
        "train", help="offline training (BPTT on lava-dl) of weights, delays, adaptation",
        description="Offline training. Settings come from a preset (by data kind: 'timing' "
                    "for the built-in task, 'speech' for audio folders; --preset NAME for "
                    "another), then --config FILE, then the flags given.")
    _data_flags(train)
    train.add_argument("--resume", action="store_true",
                       help="continue OUT/checkpoint.pt (only --epochs may change)")
    train.add_argument("--delays", choices=DELAY_CHOICES,
                       help=_help("which delays the network has", "train", "delays", M))
    train.add_argument("--learn", help="comma-separated kinds that learn: weights,synaptic,"
                                       "axonal,adaptation (default: every kind the network has)")
    train.add_argument("--neuron", choices=neuron_names(spiking=True),
                       help=_help("hidden neuron model", "train", "neuron", M))
    train.add_argument("--recurrent", action="store_true", default=None,
                       help=_help("recurrent hidden layers", "train", "recurrent", M))
    train.add_argument("--hidden", help=_help("hidden layer sizes, e.g. 128 or 128,128",
                                              "train", "hidden", M))
    train.add_argument("--epochs", type=int, help=_help("epochs", "train", "epochs", T))
    train.add_argument("--batch", type=int, help=_help("batch size", "train", "batch", T))
    train.add_argument("--seed", type=int, help=_help("seed", "train", "seed", T))
    train.add_argument("--max-delay", type=int,
                       help=_help("largest synaptic delay (steps)", "train", "max_delay", M))
    train.add_argument("--qat-epochs", type=int,
                       help="final quantization-aware epochs (default: 10 %% of --epochs, 1..3)")
    train.add_argument("--delay-spread", type=float, help=_help(
        "Gaussian spread (steps) of the delay gradient, annealed to 0", "train",
        "delay_spread", T))
    train.add_argument("--spread-epochs", type=int,
                       help="epochs over which the spread anneals (default: every float "
                            "epoch)")
    for kind in ("weights", "synaptic", "axonal", "adaptation"):
        train.add_argument(f"--lr-{kind}", type=float, help=_help(
            f"Adam learning rate of the {kind}", "train", f"lr_{kind}", T))
    train.add_argument("--device", choices=["cpu", "cuda", "auto"],
                       help=_help("where to train (auto: CUDA when available)", "train",
                                  "device", T))
    train.add_argument("--amp", action="store_true", default=None,
                       help="mixed precision in the float phase (the quantization-aware "
                            "phase stays float64)")

    deploy = sub.add_parser("deploy", help="quantize a trained run and export it (hdf5, NIR)")
    deploy.add_argument("run_dir", type=Path, help="a 'lava-delays train' output directory")
    deploy.add_argument("--out", type=Path, required=True, help="network file to write (.h5)")
    deploy.add_argument("--nir", type=Path, help="also write a NIR graph here")
    deploy.add_argument("--float", action="store_true",
                        help="export the float network (integer delays) instead")

    ev = sub.add_parser("eval", help="run a network file on data (engine or Lava) and compare "
                                     "backends spike for spike")
    ev.add_argument("net", type=Path, help="network file (.h5)")
    ev.add_argument("--data", required=True, help="data spec (see 'train --help')")
    ev.add_argument("--backend", choices=["lava", "engine", "float"], default="engine",
                    help="default: engine")
    ev.add_argument("--limit", type=int, help="evaluate at most N samples (every class kept)")
    ev.add_argument("--out", type=Path, required=True, help="output directory")
    ev.add_argument("--compare", choices=["engine", "lava", "none"], default=None,
                    help="second backend for spike parity (default: engine for --backend "
                         "lava, none otherwise)")

    O, R = OnlineConfig, OnlineRunConfig
    online = sub.add_parser(
        "online", help="on-chip-style three-factor learning of weights and delays",
        description="On-line learning (engine or Lava processes). Settings come from a preset "
                    "(by data kind; with --init its 'adapt' settings), then --config FILE, then "
                    "the flags given.")
    _data_flags(online)
    online.add_argument("--init", type=Path,
                        help="start from a deployed network (on-device learning; its "
                             "architecture replaces --hidden/--delays/--recurrent)")
    online.add_argument("--backend", choices=["engine", "lava"],
                        help=_help("where learning runs", "online", "backend", R))
    online.add_argument("--fixed", action=argparse.BooleanOptionalAction, default=None,
                        help="learn in fixed point (default: with --init, the file's "
                             "arithmetic; otherwise float)")
    online.add_argument("--delays", choices=DELAY_CHOICES,
                        help=_help("which delays the network has", "online", "delays", O))
    online.add_argument("--learn", help="comma-separated kinds that learn: weights,synaptic,"
                                        "axonal (default: every kind the network has)")
    online.add_argument("--recurrent", action="store_true", default=None,
                        help=_help("recurrent hidden layer", "online", "recurrent", O))
    online.add_argument("--recurrent-delays", action="store_true", default=None,
                        help="random (learnable) delays on the recurrent connections too")
    online.add_argument("--hidden", help=_help("hidden layer sizes, e.g. 64 or 64,32",
                                               "online", "hidden", O))
    online.add_argument("--epochs", type=int, help=_help("epochs", "online", "epochs", R))
    online.add_argument("--batch", type=int, help=_help("batch size", "online", "batch", R))
    online.add_argument("--seed", type=int, help=_help("seed", "online", "seed", O))
    online.add_argument("--feedback", choices=["symmetric", "random"],
                        help="error feedback matrix (default: symmetric on the engine, random "
                             "in Lava)")
    online.add_argument("--max-delay", type=int,
                        help=_help("largest delay (steps)", "online", "max_delay", O))
    online.add_argument("--delay-spread", type=float, help=_help(
        "Gaussian spread (steps) of the delay gradient, annealed to 0 (engine only)", "online",
        "delay_spread", O))
    online.add_argument("--spread-epochs", type=int,
                        help="epochs over which the spread anneals (default: half of --epochs)")
    for kind, what in (("weights", "hidden weights"), ("synaptic", "synaptic delays"),
                       ("axonal", "axonal delays"), ("readout", "read-out weights")):
        online.add_argument(f"--lr-{kind}", type=float,
                            help=_help(f"learning rate of the {what}", "online", f"lr_{kind}", O))
    online.add_argument("--momentum", type=float,
                        help=_help("momentum of every update", "online", "momentum", O))
    online.add_argument("--hidden-weight", type=float,
                        help="start every hidden weight at this value (with --learn synaptic: "
                             "delay-only learning)")
    online.add_argument("--input-dropout", type=float, help=_help(
        "training-time input-spike dropout", "online", "input_dropout", R))
    online.add_argument("--time-shift", type=int, help=_help(
        "training-time random shift of each sample (steps)", "online", "time_shift", R))

    enc = sub.add_parser(
        "encode", help="labelled recordings -> a spike file in the SHD layout (tonic, shd:)",
        description="Encode recordings with a cochlea-like filterbank (gammatone filters, "
                    "integrate-and-fire spikes) into the layout of the Spiking Heidelberg "
                    "Digits: spikes/times, spikes/units, labels, extra/speaker, extra/keys.")
    enc.add_argument("audio_dir", type=Path, help="folder of {label}_{speaker}_{index}.wav "
                                                  "files, or of the files --list names")
    enc.add_argument("--out", type=Path, required=True,
                     help="the .h5 file to write (named shd_train.h5 / shd_test.h5 inside "
                          "ROOT/SHD, the shd:ROOT spec and tonic's SHD read it)")
    enc.add_argument("--list", type=Path, help="list file: one 'PATH LABEL SPEAKER' per line")
    enc.add_argument("--speakers", help="comma-separated speakers to keep (default: all)")
    from lava_delays.data.cochlea import CochleaEncoder as C
    enc.add_argument("--channels", type=int, default=_field_default(C, "channels"),
                     help="filterbank channels (default: 700, as SHD)")
    enc.add_argument("--sample-rate", type=int, default=_field_default(C, "sample_rate"),
                     help="recordings are resampled to it (default: 16000 Hz)")
    enc.add_argument("--f-max", type=float, help="highest centre frequency (default: 0.45 x "
                                                 "the sample rate)")

    bench = sub.add_parser("bench", help="run a benchmark (NAME, or 'list')")
    bench.add_argument("name")
    bench.add_argument("--out", type=Path, default=None,
                       help="output directory (default: out/bench/NAME)")
    bench.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    bench.add_argument("--seeds", type=int, nargs="+", default=None,
                       help="seeds of the benchmarks that repeat over seeds "
                            "(default: each benchmark's own)")
    return p


def _data_flags(cmd) -> None:
    cmd.add_argument("--data", help="training data: timing[:key=value,...] (the built-in task), "
                                    "fsdd:FOLDER[:...] (labelled wav files), shd:ROOT, ssc:ROOT")
    cmd.add_argument("--test-data", help="test data spec (default: the timing task draws "
                                         "its own; audio folders hold out one speaker)")
    cmd.add_argument("--out", type=Path, help="output directory")
    cmd.add_argument("--preset", help="recipe to start from; 'list' lists them (default: by "
                                      "data kind)")
    cmd.add_argument("--config", type=Path, help="JSON file of options (overrides the preset)")


def _preset_list_or_require(args) -> bool:
    """True when ``--preset list`` was asked (printed); otherwise checks that
    ``--data`` and ``--out`` were given."""
    if args.preset == "list":
        from lava_delays import presets
        print(presets.describe())
        return True
    missing = [f for f, v in (("--data", args.data), ("--out", args.out)) if v is None]
    if missing:
        raise LavaDelaysError(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                              f"required")
    return False


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
    options = {}
    if args.seeds is not None:
        if "seeds" not in inspect.signature(module.run).parameters:
            raise LavaDelaysError(f"benchmark {args.name!r} does not repeat over seeds; "
                                  "leave out --seeds")
        options["seeds"] = tuple(args.seeds)
    module.run(out, quick=args.quick, **options)
    print(f"metrics written to {out / 'metrics.json'}")
    return 0


def _demo(args) -> int:
    from lava_delays.demo import run_demo
    metrics = run_demo(args.out, quick=args.quick)
    print(json.dumps(metrics, indent=2))
    return 0


def _hidden(text):
    if text is None:
        return None
    try:
        return tuple(int(h) for h in text.split(","))
    except ValueError:
        raise LavaDelaysError(f"--hidden must be comma-separated integers, got {text!r}")


def _learn(text):
    return None if text is None else [k.strip() for k in text.split(",") if k.strip()]


def _config(path):
    from lava_delays.train.run import read_config
    return read_config(path) if path else None


def _online(args) -> int:
    if _preset_list_or_require(args):
        return 0
    from lava_delays.online import run_online
    metrics = run_online(
        args.data, args.out, test_data=args.test_data, preset=args.preset,
        config=_config(args.config), init=args.init, delays=args.delays,
        learn=_learn(args.learn), recurrent=args.recurrent,
        recurrent_delays=args.recurrent_delays, backend=args.backend, epochs=args.epochs,
        batch=args.batch, hidden=_hidden(args.hidden), fixed=args.fixed,
        feedback=args.feedback, seed=args.seed, max_delay=args.max_delay,
        delay_spread=args.delay_spread, spread_epochs=args.spread_epochs,
        lr_weights=args.lr_weights, lr_synaptic=args.lr_synaptic, lr_axonal=args.lr_axonal,
        lr_readout=args.lr_readout, momentum=args.momentum, hidden_weight=args.hidden_weight,
        input_dropout=args.input_dropout, time_shift=args.time_shift)
    start = (f"from {metrics['initial_accuracy']:.4f} " if args.init is not None else "")
    print(f"test accuracy {start}{'to ' if start else ''}{metrics['accuracy']:.4f} on "
          f"{metrics['n_test']} samples; metrics in {args.out / 'metrics.json'}")
    return 0


def _train(args) -> int:
    if _preset_list_or_require(args):
        return 0
    from lava_delays.train.run import train
    metrics = train(
        args.data, args.out, test_data=args.test_data, resume=args.resume,
        config=_config(args.config), preset=args.preset, delays=args.delays,
        learn=_learn(args.learn), neuron=args.neuron, recurrent=args.recurrent,
        epochs=args.epochs, hidden=_hidden(args.hidden), batch=args.batch, seed=args.seed,
        max_delay=args.max_delay, qat_epochs=args.qat_epochs, delay_spread=args.delay_spread,
        spread_epochs=args.spread_epochs, lr_weights=args.lr_weights,
        lr_synaptic=args.lr_synaptic, lr_axonal=args.lr_axonal,
        lr_adaptation=args.lr_adaptation, device=args.device, amp=args.amp)
    print(f"test accuracy {metrics['accuracy']:.4f} on {metrics['n_test']} samples "
          f"({'quantized' if metrics['quantized'] else 'float'} model); "
          f"metrics in {args.out / 'metrics.json'}")
    return 0


def _encode(args) -> int:
    from lava_delays.data.cochlea import CochleaEncoder
    from lava_delays.data.encode import encode_to_hsd
    encoder = CochleaEncoder(channels=args.channels, sample_rate=args.sample_rate,
                             f_max=args.f_max)
    summary = encode_to_hsd(args.audio_dir, args.out, list_file=args.list,
                            speakers=args.speakers.split(",") if args.speakers else None,
                            encoder=encoder)
    print(f"wrote {summary['samples']} samples ({len(summary['classes'])} classes, "
          f"{len(summary['speakers'])} speakers, {summary['spikes_per_sample']:.0f} spikes per "
          f"sample) to {args.out}")
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
            "deploy": _deploy, "eval": _eval, "encode": _encode}


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (LavaDelaysError, OSError) as err:
        # bad input and missing/unreadable files: one line, no traceback
        print(f"lava-delays {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lava-delays {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
