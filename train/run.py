"""``lava-delays train``: one call from a data spec to a trained run
directory (``checkpoint.pt``, ``config.json``, ``metrics.json``, learning
curve, learned-delay histogram), resumable after a crash."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from lava_delays import presets
from lava_delays.atomic import write_json
from lava_delays.data.spec import load_split
from lava_delays.errors import ParameterError
from lava_delays.plots import delay_histogram, learning_curve
from lava_delays.train.model import ModelConfig
from lava_delays.progress import epoch_progress
from lava_delays.train.trainer import (CHECKPOINT, TrainConfig, Trainer, rank_and_world,
                                       accuracy_of, init_distributed, leave_distributed)

#: the run directory's record of how it was trained (data spec, configs)
RUN_CONFIG = "config.json"
MODEL_KEYS = set(ModelConfig.__dataclass_fields__) - {"n_in", "n_classes"}
TRAIN_KEYS = set(TrainConfig.__dataclass_fields__)


def training_data_spec(run_dir) -> Optional[str]:
    """The data spec a run directory was trained on (its ``config.json``),
    or None for runs made through the :class:`Trainer` API without one."""
    try:
        return json.loads((Path(run_dir) / RUN_CONFIG).read_text()).get("data")
    except (OSError, ValueError, AttributeError):
        return None


def read_config(path) -> dict:
    """Options from a JSON file (``--config``): a JSON object whose keys the
    command checks (``train``: fields of :class:`ModelConfig` and
    :class:`TrainConfig`; unknown keys are an error, not ignored)."""
    path = Path(path)
    try:
        options = json.loads(path.read_text())
    except FileNotFoundError:
        raise ParameterError(f"config file {path} does not exist") from None
    except json.JSONDecodeError as err:
        raise ParameterError(f"config file {path} is not valid JSON: {err}") from None
    if not isinstance(options, dict):
        raise ParameterError(f"config file {path} must hold a JSON object")
    return options


def train(data: str, out, *, test_data: Optional[str] = None, resume: bool = False,
          config: Optional[dict] = None, preset: Optional[str] = None, **options) -> dict:
    """Train on ``data`` (a data spec, e.g. ``timing`` or ``fsdd:PATH``) and
    write the run directory ``out``; returns the metrics.

    ``config`` and ``options`` take any field of :class:`ModelConfig`
    (``hidden``, ``delays``, ``neuron``, ``recurrent``, ``max_delay``, ...)
    and :class:`TrainConfig` (``epochs``, ``learn``, ``lr_weights``, ...);
    ``options`` (None = not given) win over ``config``, which wins over the
    preset's ``train`` settings (``preset``; default: the data kind's, see
    :mod:`lava_delays.presets`). ``resume=True`` continues from
    ``out/checkpoint.pt``.
    """
    explicit = preset is not None
    preset = presets.resolve(preset, data)
    base = presets.options(preset, data, "train", explicit) if preset else {}
    data = presets.data_spec(preset, data)
    merged = {**base, **(config or {}),
              **{k: v for k, v in options.items() if v is not None}}
    unknown = set(merged) - MODEL_KEYS - TRAIN_KEYS
    if unknown:
        raise ParameterError(f"unknown training options {sorted(unknown)}")
    joined = init_distributed()
    rank, world = rank_and_world()
    out = Path(out)
    train_cfg = TrainConfig(**{k: v for k, v in merged.items() if k in TRAIN_KEYS})
    train_set, test_set, info = load_split(data, test_data, augment=train_cfg.augment,
                                           seed=train_cfg.seed)
    model_cfg = ModelConfig(n_in=info["n_inputs"], n_classes=info["n_classes"],
                            **{k: v for k, v in merged.items() if k in MODEL_KEYS})
    if resume and not (out / CHECKPOINT).exists():
        raise ParameterError(f"--resume: no checkpoint in {out}")
    if not resume and (out / CHECKPOINT).exists():
        raise ParameterError(f"{out} already holds a run; pass --resume to continue it or "
                             f"choose another --out")
    trainer = Trainer(model_cfg, train_cfg, out)
    if resume:
        trainer.resume()
    if rank == 0:
        write_json(out / RUN_CONFIG, {"data": data, "test_data": test_data, "preset": preset,
                                         "model": model_cfg.to_dict(),
                                         "train": asdict(train_cfg)})
        trainer.progress = epoch_progress(train_cfg.epochs, trainer.epoch)
    history = trainer.fit(train_set, test_set)
    metrics = {
        "accuracy": accuracy_of(trainer.model, *test_set), "n_test": int(len(test_set[1])),
        "n_train": int(len(train_set[1])), "data": data, "preset": preset,
        "quantized": trainer.model.quantized,
        "history": history, "learn": list(trainer.learn), "model": model_cfg.to_dict(),
        "delay_shift": trainer.delay_shift(), "delay_clamps": trainer.delay_clamps,
        "train_seconds": sum(r["seconds"] for r in history), "processes": world,
        **{k: v for k, v in info.items() if k != "n_inputs"}}
    if rank == 0:
        write_json(out / "metrics.json", metrics)
        learning_curve(history, out / "learning_curve.png",
                       title=f"{data.split(':')[0]}: delays={model_cfg.delays}")
        after = trainer.model.delays()
        if after:
            top = max(model_cfg.max_delay, model_cfg.axonal_max_delay)
            delay_histogram(trainer.initial_delays, after, out / "delay_histogram.png", top)
    if joined:
        leave_distributed()
    return metrics
