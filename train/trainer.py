"""Offline BPTT training of a :class:`~lava_delays.train.model.DelayNet`:
separate learning rates per parameter kind, a float phase and a final
quantization-aware phase, a checkpoint every epoch that a killed run resumes
from *exactly*, and data parallelism over processes (``torchrun``, gloo).

Determinism: the data order of epoch e is a permutation drawn from
``numpy.random.default_rng([seed, e])``, augmentation draws from
``default_rng([seed, e, batch])`` and dropout from torch's generator, whose
state the checkpoint keeps; so a resumed run (model, optimizer, scheduler,
phase, delay sharpness, epoch and RNG restored) repeats an uninterrupted run
bit for bit. Over several processes dropout masks differ per process (each
its own generator); without dropout N processes equal one.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from lava_delays.atomic import atomic_path
from lava_delays.errors import (CheckpointError, NonFiniteError, ParameterError, ShapeError,
                                TrainingDivergedError, check_rate)
from lava_delays.train.model import (LEARN_KINDS, DelayNet, ModelConfig, coerce,
                                     config_from_dict)

CHECKPOINT = "checkpoint.pt"
CHECKPOINT_FORMAT = 1


@dataclass
class TrainConfig:
    """Optimisation settings (stored in every checkpoint).

    Learning rates are per parameter kind; delays learn ~10x faster than
    weights (arXiv:2311.16112). The last ``qat_epochs`` epochs (default: 10 %, 1..3)
    train the quantized forward pass (8-bit weights, integer delays,
    fixed-point neurons).
    """
    epochs: int = 30
    batch: int = 32
    learn: Optional[Sequence[str]] = None
    lr_weights: float = 1e-2
    lr_synaptic: float = 1e-1
    lr_axonal: float = 1e-1
    lr_adaptation: float = 3e-3
    #: learning rate of the read-out weights (default: lr_weights)
    lr_readout: Optional[float] = None
    #: decoupled decay (AdamW) of the hidden and read-out weights; delays
    #: and neuron parameters do not decay
    weight_decay: float = 0.0
    qat_epochs: Optional[int] = None
    qat_lr_factor: float = 0.1
    scale_percentile: float = 99.9
    #: float epochs before the quantized phase over which the interpolated
    #: delays are annealed to integers (sharpness 1 -> 64, geometric)
    delay_anneal_epochs: Optional[int] = None
    #: Gaussian spread (steps) of the delay gradient at the start, annealed
    #: linearly to 0 over ``spread_epochs`` (default: the float epochs):
    #: delays feel arrivals several steps away (DCLS-style)
    delay_spread: float = 0.0
    spread_epochs: Optional[int] = None
    #: regularisation: dropout of hidden spikes, input-spike dropout and a
    #: random time shift (+-steps) of each training sample
    dropout: float = 0.0
    input_dropout: float = 0.0
    time_shift: int = 0
    #: audio folders: random variants (noise, frequency warp) of every
    #: training recording added when the data is loaded (0: none)
    augment: int = 0
    seed: int = 0
    dtype: str = "float32"
    #: where the model trains: "cpu", "cuda" or "auto" (CUDA when available)
    device: str = "cpu"
    #: mixed precision (autocast) in the float phase; the quantization-aware
    #: phase always computes in float64 (its integers must be exact)
    amp: bool = False
    max_grad_norm: float = 10.0

    def __post_init__(self):
        if self.lr_readout is not None:
            self.lr_readout = check_rate("lr_readout", self.lr_readout)
        for name in ("lr_weights", "lr_synaptic", "lr_axonal", "lr_adaptation",
                     "weight_decay", "qat_lr_factor", "max_grad_norm", "scale_percentile",
                     "dropout", "input_dropout", "delay_spread"):
            setattr(self, name, check_rate(name, getattr(self, name)))
        if self.max_grad_norm == 0:
            raise ParameterError("max_grad_norm must be > 0 (0 would zero every update)")
        if not 0 < self.scale_percentile <= 100:
            raise ParameterError(f"scale_percentile must be in (0, 100], got "
                                 f"{self.scale_percentile}")
        for name in ("epochs", "batch", "seed", "time_shift", "augment"):
            setattr(self, name, coerce(getattr(self, name), int, name))
        for name in ("qat_epochs", "delay_anneal_epochs", "spread_epochs"):
            if getattr(self, name) is not None:
                setattr(self, name, coerce(getattr(self, name), int, name))
        if isinstance(self.learn, str):
            self.learn = [k.strip() for k in self.learn.split(",") if k.strip()]
        if int(self.epochs) < 1 or int(self.batch) < 1:
            raise ParameterError(f"epochs and batch must be >= 1, got {self.epochs}, "
                                 f"{self.batch}")
        if self.qat_epochs is None:   # default: the last 10 %, at least 1, at most 3
            self.qat_epochs = min(3, max(1, self.epochs // 10)) if self.epochs > 1 else 0
        if not 0 <= int(self.qat_epochs) <= int(self.epochs):
            raise ParameterError(f"qat_epochs must be in 0..epochs, got {self.qat_epochs}")
        if self.delay_anneal_epochs is None:   # default: a quarter of the float epochs
            self.delay_anneal_epochs = (self.epochs - self.qat_epochs) // 4
        if not 0 <= int(self.delay_anneal_epochs) <= int(self.epochs) - int(self.qat_epochs):
            raise ParameterError(f"delay_anneal_epochs must be in 0..epochs - qat_epochs, got "
                                 f"{self.delay_anneal_epochs}")
        if self.spread_epochs is None:   # default: every float epoch
            self.spread_epochs = max(1, self.epochs - self.qat_epochs)
        if int(self.spread_epochs) < 1:
            raise ParameterError(f"spread_epochs must be >= 1, got {self.spread_epochs}")
        for name in ("dropout", "input_dropout"):
            if not 0.0 <= float(getattr(self, name)) < 1.0:
                raise ParameterError(f"{name} must lie in [0, 1), got {getattr(self, name)}")
        if int(self.time_shift) < 0:
            raise ParameterError(f"time_shift must be >= 0, got {self.time_shift}")
        if int(self.augment) < 0:
            raise ParameterError(f"augment must be >= 0, got {self.augment}")
        if self.dtype not in ("float32", "float64"):
            raise ParameterError(f"dtype must be float32 or float64, got {self.dtype!r}")
        if self.device not in ("cpu", "cuda", "auto"):
            raise ParameterError(f"device must be cpu, cuda or auto, got {self.device!r}")
        self.amp = bool(self.amp)
        if self.learn is not None:
            bad = set(self.learn) - set(LEARN_KINDS)
            if bad:
                raise ParameterError(f"unknown --learn kinds {sorted(bad)}; "
                                     f"choose from {LEARN_KINDS}")
            self.learn = tuple(self.learn)


def rank_and_world():
    """(rank, world size) of a torchrun launch (0, 1 otherwise)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def init_distributed() -> bool:
    """Join the process group when launched by ``torchrun`` (gloo, CPU)."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("gloo")
        return True
    return False


def leave_distributed() -> None:
    """Leave the process group joined by :func:`init_distributed` once every
    process is done: a process that exits while another still holds the
    connection aborts in gloo's teardown ("terminate called without an
    active exception")."""
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()


def accuracy_of(model: DelayNet, x: np.ndarray, y: np.ndarray, batch: int = 64) -> float:
    """Fraction of samples whose summed read-out voltage peaks at the label."""
    if len(y) == 0:
        return float("nan")
    return float((predict(model, x, batch) == np.asarray(y)).mean())


def torch_device(name: str) -> torch.device:
    """The device of a ``TrainConfig.device`` setting; ``cuda`` without CUDA
    is a :class:`ParameterError`."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ParameterError("--device cuda: CUDA is not available here (torch.cuda."
                             "is_available() is False); use --device cpu or auto")
    return torch.device(name)


@torch.no_grad()
def predict(model: DelayNet, x: np.ndarray, batch: int = 64) -> np.ndarray:
    """Class per sample (argmax of the summed read-out), in evaluation mode
    (no dropout); the model's training mode is restored afterwards."""
    param = next(model.parameters())
    dtype, device = param.dtype, param.device
    was_training = model.training
    model.eval()
    try:
        out = []
        for i in range(0, len(x), batch):
            v = model(torch.as_tensor(np.asarray(x[i:i + batch]), dtype=dtype, device=device))
            out.append(v.sum(1).argmax(-1).cpu().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(out)


class Trainer:
    """Train a model on (x, y) arrays; see :func:`train` for the one-call API.

    Parameters
    ----------
    model_cfg : ModelConfig
    cfg : TrainConfig
    out : path
        Run directory: ``checkpoint.pt``, rewritten atomically every epoch.
    progress : callable, optional
        Called with each epoch's record.
    """

    def __init__(self, model_cfg: ModelConfig, cfg: TrainConfig, out, progress=None):
        self.model_cfg, self.cfg, self.out = model_cfg, cfg, Path(out)
        self.progress = progress
        torch.manual_seed(cfg.seed)
        self.device = torch_device(cfg.device)
        self.model = DelayNet(model_cfg).to(getattr(torch, cfg.dtype)).to(self.device)
        self.model.dropout = float(cfg.dropout)
        self.learn = tuple(cfg.learn) if cfg.learn is not None else self._default_learn()
        self._check_learn()
        self.initial_delays = self.model.delays()
        self.history: list = []
        self.epoch = 0
        self.delay_clamps = 0
        self._set_requires_grad()
        self.optimizer = self._optimizer()
        self.scheduler = self._scheduler(cfg.epochs - cfg.qat_epochs)

    # -- set-up -------------------------------------------------------------
    def _default_learn(self):
        groups = self.model.parameter_groups()
        return tuple(k for k in LEARN_KINDS if groups[k])

    def _check_learn(self):
        """Every kind in ``learn`` must name parameters this model has (a
        network without delays cannot learn delays)."""
        groups = self.model.parameter_groups()
        missing = [k for k in self.learn if not groups[k]]
        if missing:
            raise ParameterError(
                f"cannot learn {', '.join(missing)}: this model has none (delays="
                f"{self.model_cfg.delays}, neuron={self.model_cfg.neuron})")

    def _set_requires_grad(self):
        for kind, params in self.model.parameter_groups().items():
            for p in params:
                p.requires_grad_(kind in self.learn or kind == "readout")

    def _optimizer(self, factor: float = 1.0):
        groups = self.model.parameter_groups()
        cfg = self.cfg
        rates = {"weights": cfg.lr_weights, "synaptic": cfg.lr_synaptic,
                 "axonal": cfg.lr_axonal, "adaptation": cfg.lr_adaptation,
                 "readout": cfg.lr_weights if cfg.lr_readout is None else cfg.lr_readout}
        # decoupled decay of the weights only: decaying a delay would pull it
        # towards 0 steps, which is not a smaller model
        param_groups = [{"params": groups[k], "lr": rates[k] * factor, "name": k,
                         "weight_decay": cfg.weight_decay if k in ("weights", "readout") else 0.0}
                        for k in LEARN_KINDS + ("readout",)
                        if (k in self.learn or k == "readout") and groups[k]]
        return torch.optim.AdamW(param_groups)

    def _scheduler(self, epochs: int):
        return torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, max(epochs, 1))

    def _enter_qat(self):
        """Switch to the quantized forward pass with a fresh, smaller-step
        optimizer (the float moments do not describe the rounded model)."""
        self.model.quantize(self.cfg.scale_percentile)
        self.optimizer = self._optimizer(self.cfg.qat_lr_factor)
        self.scheduler = self._scheduler(self.cfg.qat_epochs)

    # -- checkpoints --------------------------------------------------------
    def state(self) -> dict:
        return {"format": CHECKPOINT_FORMAT, "model_config": self.model_cfg.to_dict(),
                "train_config": asdict(self.cfg), "epoch": self.epoch,
                "scales": [b.scale for b in self.model.blocks],
                "sharpness": [b.delay_sharpness for b in self.model.blocks],
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "history": self.history,
                "delay_clamps": self.delay_clamps,
                "initial_delays": self.initial_delays, "learn": list(self.learn),
                "torch_rng": torch.get_rng_state()}

    def save(self, name: str = CHECKPOINT) -> Path:
        path = self.out / name
        with atomic_path(path) as tmp:
            torch.save(self.state(), tmp)
        return path

    def resume(self, path=None) -> None:
        """Restore everything from a checkpoint of the same architecture."""
        state = load_checkpoint(path or self.out / CHECKPOINT)
        if state["model_config"] != self.model_cfg.to_dict():
            raise CheckpointError(
                f"checkpoint {path or self.out / CHECKPOINT} is from another architecture: "
                f"{_diff(state['model_config'], self.model_cfg.to_dict())}")
        # --epochs may change, and with it the settings derived from it
        ignore = {"epochs"} | (derived_settings(state["train_config"])
                               & derived_settings(asdict(self.cfg)))
        theirs = {k: v for k, v in state["train_config"].items() if k not in ignore}
        ours = {k: v for k, v in asdict(self.cfg).items() if k not in ignore}
        if _plain(theirs) != _plain(ours):
            raise CheckpointError(
                f"checkpoint {path or self.out / CHECKPOINT} was trained with other settings "
                f"({_diff(_plain(theirs), _plain(ours))}); only --epochs may change on --resume")
        quantized = self.model.restore_phase(state["scales"], state.get("sharpness"))
        if quantized:
            self.optimizer = self._optimizer(self.cfg.qat_lr_factor)
            self.scheduler = self._scheduler(self.cfg.qat_epochs)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        # the schedule's length follows this run's epochs (the same if unchanged)
        self.scheduler.T_max = max(self.cfg.qat_epochs if quantized
                                   else self.cfg.epochs - self.cfg.qat_epochs, 1)
        self.epoch, self.history = state["epoch"], state["history"]
        self.delay_clamps = state["delay_clamps"]
        self.initial_delays = state["initial_delays"]
        torch.set_rng_state(state["torch_rng"])

    # -- training -----------------------------------------------------------
    def fit(self, train, test=None) -> list:
        """Train until ``cfg.epochs``; returns the per-epoch history."""
        x, y = _check_data(train, self.model_cfg, "training data")
        if test is not None:
            test = _check_data(test, self.model_cfg, "test data")
        rank, world = rank_and_world()
        dtype_q = torch.float64
        while self.epoch < self.cfg.epochs:
            if (self.epoch == self.cfg.epochs - self.cfg.qat_epochs and not self.model.quantized
                    and self.cfg.qat_epochs > 0):
                self._enter_qat()
            self._anneal_delays()
            t0 = time.perf_counter()
            order = np.random.default_rng([self.cfg.seed, self.epoch]).permutation(len(y))
            dtype = dtype_q if self.model.quantized else getattr(torch, self.cfg.dtype)
            losses, correct, seen = [], 0, 0
            self.model.train()
            for i in range(0, len(order), self.cfg.batch):
                # augment the whole batch, then take this process's share:
                # one process and N processes see the same samples
                batch = order[i:i + self.cfg.batch]
                idx = batch[rank::world]
                self.optimizer.zero_grad()
                # each process sums the loss of its share and divides by the
                # *global* batch size; summing the gradients over processes
                # then gives the gradient of the batch mean, whatever the
                # shares (a process with an empty share contributes zeros)
                loss_sum = torch.zeros((), dtype=dtype, device=self.device)
                if len(idx):
                    xb = torch.as_tensor(self._augment(x[batch], i)[rank::world], dtype=dtype,
                                         device=self.device)
                    yb = torch.as_tensor(y[idx], dtype=torch.long, device=self.device)
                    with torch.autocast(self.device.type, enabled=self.cfg.amp
                                        and not self.model.quantized):
                        voltage = self.model(xb)
                    loss_sum = torch.nn.functional.cross_entropy(voltage.mean(1), yb,
                                                                 reduction="sum")
                    correct += int((voltage.detach().sum(1).argmax(-1) == yb).sum())
                if not _finite_everywhere(loss_sum, world):
                    raise TrainingDivergedError(
                        f"loss became non-finite in epoch {self.epoch + 1}; stopped, the "
                        f"last good checkpoint ({self.out / CHECKPOINT}) is kept -- lower the "
                        f"learning rates")
                if len(idx):
                    (loss_sum / len(batch)).backward()
                _sum_gradients(self.model, world)
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
                self.optimizer.step()
                _check_parameters(self.model, self.epoch, self.out)
                self.delay_clamps += self.model.clamp_()
                losses.append(float(loss_sum))
                seen += len(idx)
            self.scheduler.step()
            self.epoch += 1
            record = {"epoch": self.epoch, "loss": _sum_all(sum(losses), world)
                      / max(_sum_all(seen, world), 1),
                      "train_accuracy": _sum_all(correct, world) / max(_sum_all(seen, world), 1),
                      "quantized": self.model.quantized, "seconds": time.perf_counter() - t0,
                      "delay_shift": self.delay_shift(), "delay_clamps": self.delay_clamps}
            if test is not None and rank == 0:     # the other processes need not
                record["test_accuracy"] = accuracy_of(self.model, test[0], test[1])
            self.history.append(record)
            if rank == 0:
                self.save()
            _crash_hook(self.epoch)
            if self.progress is not None and rank == 0:
                self.progress(record)
        return self.history

    def _anneal_delays(self) -> None:
        """Sharpness of the interpolated delays for this epoch: 1 until the
        last ``delay_anneal_epochs`` float epochs, then geometric up to 64."""
        float_epochs = self.cfg.epochs - self.cfg.qat_epochs
        n = int(self.cfg.delay_anneal_epochs)
        k = self.epoch - (float_epochs - n)
        sharp = 1.0 if n == 0 or k < 0 or self.model.quantized else 64.0 ** ((k + 1) / n)
        spread = self.cfg.delay_spread * max(0.0, 1.0 - self.epoch / int(self.cfg.spread_epochs))
        for block in self.model.blocks:
            block.delay_sharpness = sharp
            block.delay_spread = spread

    def _augment(self, xb: np.ndarray, batch_start: int) -> np.ndarray:
        """Input-spike dropout and random time shifts, drawn from
        ``default_rng([seed, epoch, batch_start])`` (so a resumed run repeats
        them)."""
        p, shift = self.cfg.input_dropout, int(self.cfg.time_shift)
        if p == 0 and shift == 0:
            return xb
        rng = np.random.default_rng([self.cfg.seed, self.epoch, batch_start, 1])
        xb = np.asarray(xb, dtype=np.float64)
        if p > 0:
            xb = xb * (rng.random(xb.shape) >= p)
        if shift > 0:
            out = np.zeros_like(xb)
            steps = xb.shape[1]
            for j, s in enumerate(rng.integers(-shift, shift + 1, len(xb))):
                if s >= 0:
                    out[j, s:] = xb[j, :steps - s]
                else:
                    out[j, :s] = xb[j, -s:]
            xb = out
        return xb

    def delay_shift(self) -> float:
        """Mean |learned - initial| delay over every delay of the model (steps)."""
        now = self.model.delays()
        diffs = [np.abs(now[k] - self.initial_delays[k]).ravel() for k in now]
        return float(np.concatenate(diffs).mean()) if diffs else 0.0


def _check_data(data, cfg: ModelConfig, what: str):
    """(x, y) as arrays, or a named error saying what is wrong with them. An
    ``x`` that reads its samples when indexed (e.g. an SHD/SSC file,
    :class:`~lava_delays.data.hsd.HSDSpikes`) stays as it is."""
    x, y = data[0], np.asarray(data[1])
    lazy = not isinstance(x, np.ndarray) and hasattr(x, "shape") and hasattr(x, "dtype")
    if not lazy:
        x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != cfg.n_in:
        raise ShapeError(f"{what}: spikes must be (samples, T, {cfg.n_in}) for this model's "
                         f"{cfg.n_in} input channels, got {x.shape}")
    if y.shape != (len(x),):
        raise ShapeError(f"{what}: {len(x)} samples but labels of shape {y.shape}")
    if len(y) == 0 or x.shape[1] == 0:
        raise ParameterError(f"{what} is empty ({x.shape[0]} samples of {x.shape[1]} steps)")
    if x.dtype.kind not in "biuf":
        raise ParameterError(f"{what}: spikes must be numbers, got dtype {x.dtype}")
    if not lazy and not np.all(np.isfinite(x)):
        raise NonFiniteError(f"{what} holds NaN or infinite values")
    if y.dtype.kind not in "iu":
        if y.dtype.kind != "f" or not np.all(y == np.round(y)):
            raise ParameterError(f"{what}: labels must be integers, got dtype {y.dtype}")
        y = y.astype(np.int64)
    bad = (y < 0) | (y >= cfg.n_classes)
    if bad.any():
        raise ParameterError(f"{what}: label {int(y[bad][0])} is outside "
                             f"0..{cfg.n_classes - 1}")
    return x, y


def _check_parameters(model, epoch: int, out: Path) -> None:
    """Stop on a non-finite parameter: a NaN weight of a hidden layer never
    reaches the loss (``NaN > vth`` is False, the neuron just falls silent)."""
    for name, p in model.named_parameters():
        if not torch.isfinite(p).all():
            raise TrainingDivergedError(
                f"parameter {name} became non-finite in epoch {epoch + 1}; stopped, the last "
                f"good checkpoint ({out / CHECKPOINT}) is kept -- lower the learning rates")


def _crash_hook(epoch: int) -> None:
    """Test hook: ``LAVA_DELAYS_KILL_AFTER_EPOCH=N`` SIGKILLs this process right
    after epoch N's checkpoint, the crash that ``--resume`` must survive."""
    kill_after = os.environ.get("LAVA_DELAYS_KILL_AFTER_EPOCH")
    if kill_after is not None and int(kill_after) == epoch:
        import signal
        os.kill(os.getpid(), signal.SIGKILL)


def _sum_gradients(model: torch.nn.Module, world: int) -> None:
    """Data parallelism: sum every process's gradient (each is already
    divided by the global batch size)."""
    if world == 1:
        return
    for p in model.parameters():
        if p.requires_grad:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            torch.distributed.all_reduce(p.grad)


def _finite_everywhere(loss: torch.Tensor, world: int) -> bool:
    """Whether the loss is finite in every process (all stop together)."""
    bad = torch.tensor([0.0 if torch.isfinite(loss) else 1.0], dtype=torch.float64)
    if world > 1:
        torch.distributed.all_reduce(bad)
    return float(bad.item()) == 0.0


def _sum_all(value, world: int):
    if world == 1:
        return value
    t = torch.tensor([float(value)], dtype=torch.float64)
    torch.distributed.all_reduce(t)
    return float(t.item())


#: settings whose default follows the epoch count
EPOCH_DERIVED = ("qat_epochs", "delay_anneal_epochs", "spread_epochs")


def derived_settings(config: dict) -> set:
    """Which of :data:`EPOCH_DERIVED` a (stored) training config holds at
    the default its epoch count gives them (not set by the user)."""
    out = set()
    given = dict(config)
    for name in EPOCH_DERIVED:              # in order: later defaults use earlier ones
        if name not in given:
            continue
        default = getattr(TrainConfig(**{**given, name: None}), name)
        if default == given[name]:
            out.add(name)
            given[name] = None
    return out


def _plain(d: dict) -> dict:
    """JSON-like view of a config dict (tuples as lists) for comparisons."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def _diff(a: dict, b: dict) -> str:
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return ", ".join(f"{k}: {a.get(k)!r} in the checkpoint vs {b.get(k)!r}" for k in keys)


def load_checkpoint(path) -> dict:
    """Read a checkpoint, raising :class:`CheckpointError` when it is missing,
    truncated, corrupt or of an unknown format."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # pickle/zip errors of every kind
        raise CheckpointError(f"checkpoint {path} cannot be read ({type(err).__name__}: "
                              f"{err})") from None
    if not isinstance(state, dict) or "model_config" not in state or "model" not in state:
        raise CheckpointError(f"{path} is not a lava-delays checkpoint")
    if state.get("format", 0) > CHECKPOINT_FORMAT:
        raise CheckpointError(f"checkpoint {path} has format {state.get('format')}, newer "
                              f"than this version reads ({CHECKPOINT_FORMAT})")
    return state


def checkpoint_path(path) -> Path:
    """A run directory's checkpoint, or ``path`` itself if it is a file."""
    path = Path(path)
    return path / CHECKPOINT if path.is_dir() else path


def model_from_checkpoint(state: dict, path) -> DelayNet:
    """The model a loaded checkpoint ``state`` (read from ``path``) holds."""
    model = DelayNet(config_from_dict(state["model_config"]))
    if not model.restore_phase(state["scales"], state.get("sharpness")):
        model = model.to(getattr(torch, state["train_config"].get("dtype", "float32")))
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as err:
        raise CheckpointError(f"checkpoint {path} does not fit its own architecture: {err}") \
            from None
    return model


def load_model(path) -> DelayNet:
    """The model of a run directory's checkpoint (or a checkpoint file)."""
    path = checkpoint_path(path)
    return model_from_checkpoint(load_checkpoint(path), path)


__all__ = ["TrainConfig", "Trainer", "CheckpointError", "TrainingDivergedError",
           "accuracy_of", "predict", "load_checkpoint", "load_model", "init_distributed",
           "leave_distributed"]
