"""Synthetic "timing task": classes that differ only in the relative timing of spikes.

Every class fires *the same channels* with *the same number of spikes* (one
event per channel).  What differs is the order: class ``k`` fires all
``channels`` inputs once, one after another, in its own permutation order,
``gap`` time steps apart.  Each sample adds a global random offset
(``0..max_offset`` steps), per-event Gaussian jitter and Bernoulli noise spikes.

Why this defeats models without delays
--------------------------------------
* **Counting** fails: the per-channel spike counts are identical for all
  classes (up to class-independent noise), so rate codes carry no information.
* **Coincidence detection** fails: consecutive events are ``gap`` steps apart
  (default 20, four membrane time constants of the default neuron), so a
  leaky integrate-and-fire neuron without delays keeps less than a few
  percent of one event when the next arrives; random spike templates, by
  contrast, are solved by coincidences and are not enough.
* The global offset (``0..max_offset``, two gaps by default) removes any
  absolute-time cue, so only the *relative* timing of the events identifies
  the class. A synaptic delay that realigns event ``i`` with event ``i + 1``
  turns the sequence into a coincidence, which is what delay learning can
  discover. ``repeats`` copies of every channel (two by default, each with
  its own jitter) give a neuron more ways to line events up.

With the defaults (10 classes, 4 channels x 2 copies, gap 20, offset 0..40,
jitter 1, 1 % noise, T = 110) the default network without delays stays
near chance and learned delays beat the same random delays frozen;
``lava-delays bench timing`` measures it (``docs/results.md``).
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import numbers
from dataclasses import dataclass

import numpy as np

from lava_delays.errors import LavaDelaysError

__all__ = ["TimingTask", "TimingTaskConfig", "TimingTaskError"]


class TimingTaskError(LavaDelaysError, ValueError):
    """Invalid timing-task configuration, spec string or sampling argument."""


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TimingTaskError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise TimingTaskError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def _check_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TimingTaskError(f"{name} must be a real number, got {value!r}")
    if not math.isfinite(value):
        raise TimingTaskError(f"{name} must be finite, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class TimingTaskConfig:
    """Parameters of the timing task (all times in integer time steps).

    Attributes
    ----------
    classes : int
        Number of classes, ``2 <= classes <= channels!``.
    channels : int
        Number of distinct input channels, ``>= 2``.
    gap : int
        Steps between consecutive events of a class template, ``>= 1``.
    jitter : float
        Std of the per-event Gaussian jitter in steps (rounded to int), ``>= 0``.
    noise : float
        Probability of an extra noise spike per (step, input), ``0 <= noise < 1``.
    max_offset : int
        Global offset of a sample drawn uniformly from ``0..max_offset``.
    length : int
        Number of time steps ``T``; at least
        ``max_offset + (channels - 1) * gap + ceil(3 * jitter) + 1``.
    repeats : int
        Copies of each channel in the input; input ``k * channels + c`` is copy
        ``k`` of channel ``c`` (each copy has its own jitter), ``>= 1``.
    seed : int
        Seed of the class templates (permutations), ``>= 0``.
    """

    classes: int = 10
    channels: int = 4
    gap: int = 20
    jitter: float = 1.0
    noise: float = 0.01
    max_offset: int = 40
    length: int = 110
    repeats: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        ints = dict(classes=2, channels=2, gap=1, max_offset=0, length=1, repeats=1, seed=0)
        for name, minimum in ints.items():
            object.__setattr__(self, name, _check_int(name, getattr(self, name), minimum))
        for name in ("jitter", "noise"):
            object.__setattr__(self, name, _check_float(name, getattr(self, name)))
        if self.channels <= 20 and self.classes > math.factorial(self.channels):
            raise TimingTaskError(
                f"classes must be <= channels! = {math.factorial(self.channels)} "
                f"(distinct permutations of {self.channels} channels), got {self.classes}")
        if self.jitter < 0:
            raise TimingTaskError(f"jitter must be >= 0, got {self.jitter!r}")
        if not 0 <= self.noise < 1:
            raise TimingTaskError(f"noise must be in [0, 1), got {self.noise!r}")
        if self.length < self.min_length:
            raise TimingTaskError(
                f"length must be >= {self.min_length} (max_offset + (channels-1)*gap "
                f"+ ceil(3*jitter) + 1), got {self.length}")

    @property
    def min_length(self) -> int:
        """Smallest valid ``length``: the last event (plus 3 sigma jitter) fits."""
        return self.max_offset + (self.channels - 1) * self.gap + math.ceil(3 * self.jitter) + 1


def _draw_orders(rng: np.random.Generator, classes: int, channels: int) -> np.ndarray:
    """``classes`` distinct permutations of ``range(channels)``, shape [classes, channels]."""
    if channels <= 20 and math.factorial(channels) <= 2 * classes:  # dense: enumerate
        perms = np.array(list(itertools.permutations(range(channels))), dtype=np.int64)
        return perms[rng.choice(len(perms), size=classes, replace=False)]
    seen: set[tuple[int, ...]] = set()
    orders = []
    while len(orders) < classes:  # sparse: rejection, expected < 2 draws per class
        perm = rng.permutation(channels)
        if tuple(perm) not in seen:
            seen.add(tuple(perm))
            orders.append(perm)
    return np.stack(orders).astype(np.int64)


class TimingTask:
    """Generator of the timing-task dataset.

    Parameters
    ----------
    config : TimingTaskConfig, optional
        Task parameters; defaults to ``TimingTaskConfig()``.
    **overrides
        Field overrides applied on top of ``config``, e.g. ``TimingTask(classes=4)``.

    Attributes
    ----------
    config : TimingTaskConfig
    orders : np.ndarray, int64 [classes, channels]
        ``orders[k, i]`` is the ``i``-th channel fired by class ``k``.
    templates : np.ndarray, int64 [classes, channels]
        ``templates[k, c]`` is the time (steps, before offset and jitter) of
        channel ``c``'s event in class ``k``; each row is a permutation of
        ``0, gap, ..., (channels - 1) * gap``.
    n_inputs, n_classes, length : int
        ``channels * repeats``, ``classes`` and ``T``.
    """

    def __init__(self, config: TimingTaskConfig | None = None, **overrides) -> None:
        if config is None:
            config = TimingTaskConfig()
        if not isinstance(config, TimingTaskConfig):
            raise TimingTaskError(f"config must be a TimingTaskConfig, got {type(config).__name__}")
        unknown = sorted(set(overrides) - _FIELDS.keys())
        if unknown:
            raise TimingTaskError(f"unknown TimingTaskConfig field(s) {unknown}; valid: {sorted(_FIELDS)}")
        self.config = dataclasses.replace(config, **overrides) if overrides else config
        cfg = self.config
        self.orders = _draw_orders(np.random.default_rng(cfg.seed), cfg.classes, cfg.channels)
        self.templates = np.argsort(self.orders, axis=1).astype(np.int64) * cfg.gap
        self.orders.setflags(write=False)
        self.templates.setflags(write=False)
        self.n_inputs = cfg.channels * cfg.repeats
        self.n_classes = cfg.classes
        self.length = cfg.length

    def __repr__(self) -> str:
        return f"TimingTask({self.config!r})"

    @classmethod
    def from_spec(cls, spec: str) -> "TimingTask":
        """Build from ``"timing"`` or ``"timing:key=value,key=value"``.

        Keys are ``TimingTaskConfig`` field names, e.g.
        ``"timing:seed=1,classes=10,gap=6,noise=0.02"``.  Unknown keys,
        duplicate keys or unparsable values raise ``TimingTaskError``.
        """
        if not isinstance(spec, str):
            raise TimingTaskError(f"spec must be a string, got {spec!r}")
        name, _, rest = spec.strip().partition(":")
        if name.strip() != "timing":
            raise TimingTaskError(f"spec must start with 'timing', got {spec!r}")
        overrides: dict = {}
        for item in filter(None, (p.strip() for p in rest.split(","))):
            key, eq, value = (s.strip() for s in item.partition("="))
            if not eq or not key:
                raise TimingTaskError(f"spec item {item!r} in {spec!r} is not key=value")
            if key not in _FIELDS:
                raise TimingTaskError(f"unknown key {key!r} in spec {spec!r}; valid: {sorted(_FIELDS)}")
            if key in overrides:
                raise TimingTaskError(f"duplicate key {key!r} in spec {spec!r}")
            try:
                overrides[key] = _FIELDS[key](value)
            except ValueError:
                raise TimingTaskError(
                    f"bad value {value!r} for {key} in spec {spec!r} "
                    f"(expected {_FIELDS[key].__name__})") from None
        return cls(**overrides)

    def sample(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` samples, deterministic given ``(config, seed)``.

        Parameters
        ----------
        n : int
            Number of samples, ``>= 0``.
        seed : int
            Sampling seed, ``>= 0`` (independent of the template seed).

        Returns
        -------
        spikes : np.ndarray, uint8 [n, length, n_inputs]
            Binary spikes, batch-first then time then input.
        labels : np.ndarray, int64 [n]
            Class indices in ``0..classes-1``; each class occurs
            ``n // classes`` or ``n // classes + 1`` times (shuffled).
        """
        n = _check_int("n", n, 0)
        seed = _check_int("seed", seed, 0)
        cfg = self.config
        rng = np.random.default_rng([seed, cfg.seed])
        labels = rng.permutation(np.arange(n, dtype=np.int64) % cfg.classes)
        offsets = rng.integers(0, cfg.max_offset + 1, size=n)
        jitter = np.rint(rng.normal(0.0, 1.0, size=(n, cfg.repeats, cfg.channels)) * cfg.jitter)
        times = self.templates[labels][:, None, :] + offsets[:, None, None] + jitter.astype(np.int64)
        times = np.clip(times, 0, cfg.length - 1).reshape(n, self.n_inputs)
        spikes = (rng.random((n, cfg.length, self.n_inputs)) < cfg.noise).astype(np.uint8)
        spikes[np.arange(n)[:, None], times, np.arange(self.n_inputs)[None, :]] = 1
        return spikes, labels

    def matched_delays(self, margin: int = 0) -> np.ndarray:
        """Delays that turn each class's sequence into one coincidence.

        ``delays[k, i]`` delays input ``i``'s event of class ``k`` so that all
        events of the class arrive together, ``margin`` steps after the last
        one: ``(channels - 1) * gap - templates[k, c] + margin`` for every copy
        ``c`` of a channel. A neuron ``k`` with these delays and equal
        excitatory weights is a template detector for class ``k`` -- the
        ceiling that delay learning can aim at (``lava-delays bench
        online_delay_only``).

        Parameters
        ----------
        margin : int
            Extra delay of every synapse, ``>= 0`` steps.

        Returns
        -------
        np.ndarray, int64 [classes, n_inputs]
            Values in ``margin .. margin + (channels - 1) * gap``.
        """
        margin = _check_int("margin", margin, 0)
        cfg = self.config
        d = (cfg.channels - 1) * cfg.gap - self.templates + margin
        return np.tile(d, (1, cfg.repeats)).astype(np.int64)

    def split(self, n_train: int, n_test: int, seed: int = 0):
        """Train and test sets drawn with disjoint sampling seeds.

        Uses sampling seeds ``2 * seed`` (train) and ``2 * seed + 1`` (test), so
        no two calls with different ``seed`` share a stream either.

        Returns
        -------
        ((x_train, y_train), (x_test, y_test))
            Arrays as returned by :meth:`sample`.
        """
        seed = _check_int("seed", seed, 0)
        return self.sample(n_train, 2 * seed), self.sample(n_test, 2 * seed + 1)


_FIELDS = {f.name: (float if f.type in ("float", float) else int)
           for f in dataclasses.fields(TimingTaskConfig)}
