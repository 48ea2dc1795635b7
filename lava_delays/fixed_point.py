"""The fixed-point specification: bit widths, scalings, rounding, saturation.

This module is the single source of truth for every number format used by the
fixed-point (``fixed_pt``) Lava models, the batched engine and the quantized
trainer. Nothing else in the library hard-codes a bit width.

The formats follow Loihi and lava-nc's bit-accurate models
(``lava.proc.lif.models.PyLifModelBitAcc``,
``lava.proc.dense.models.PyDelayDenseModelBitAcc``):

================  ===========================================================
quantity          format
================  ===========================================================
weight            8-bit mantissa ``w``; the synaptic input is
                  ``(sum of w) << weight_exp`` (arithmetic shift, per layer).
                  Mixed-sign weights lie in [-256, 255] and lose their LSB
                  (the sign takes one of the 8 bits), as on Loihi.
weight_exp        signed shift, -8..7
activation        16-bit signed input to a neuron, MSB-aligned by << 6
u (current)       24-bit signed, **wraps** on overflow (as lava's bit-accurate
                  LIF and Loihi do)
v (voltage)       24-bit signed, **saturates** at +-(2**23 - 1)
du, dv            12-bit unsigned, decay = d / 4096 (du has a +1 offset, so
                  du = 4095 means full decay, as in lava)
vth, bias         vth << 6; bias = bias_mant << bias_exp
delays            6-bit unsigned, 0..62 (63 is rejected: max_delay + 1 ring
                  slots must fit 6 bits)
psi (surrogate)   8-bit unsigned, 255 == 1.0
================  ===========================================================

Every wrap, saturation or clamp is *counted* in an :class:`OverflowCounter`
and reported by the runner; nothing is silently hidden.
"""
from __future__ import annotations

import numbers
from collections import Counter
from typing import Optional

import numpy as np
from lava.utils.weightutils import SignMode

from lava_delays.errors import (DelayRangeError, NonFiniteError,
                                ParameterError, ShapeError, WeightRangeError)

# --- delays -----------------------------------------------------------------
DELAY_BITS = 6
#: Largest routable delay in time steps (Loihi 2 has 6 delay bits; 63 is
#: kept out of range so that ``max_delay + 1`` ring-buffer slots fit 6 bits).
MAX_DELAY = 62

# --- weights ----------------------------------------------------------------
WEIGHT_BITS = 8
WEIGHT_EXP_MIN = -8
WEIGHT_EXP_MAX = 7

# --- neuron state -----------------------------------------------------------
STATE_BITS = 24
#: ``2**23``: u and v live in (-STATE_LIMIT, STATE_LIMIT).
STATE_LIMIT = 2 ** (STATE_BITS - 1)
ACTIVATION_BITS = 16
DECAY_BITS = 12
DECAY_UNITY = 2 ** DECAY_BITS
#: lava's ``ds_offset`` / ``dm_offset``: the current decay gets +1 so that
#: du = 4095 decays the current completely.
CURRENT_DECAY_OFFSET = 1
VOLTAGE_DECAY_OFFSET = 0
THRESHOLD_SHIFT = 6
ACTIVATION_SHIFT = 6

# --- plasticity / surrogate ---------------------------------------------------
PSI_BITS = 8
PSI_ONE = 2 ** PSI_BITS - 1
#: default width of the Gaussian surrogate psi, as a fraction of the threshold
DEFAULT_PSI_SIGMA = 0.3
#: pre traces: a spike adds 1 << TRACE_FRAC_BITS; 16-bit signed, saturating
TRACE_BITS = 16
TRACE_FRAC_BITS = 8
#: eligibility accumulators: each step adds (c * psi * trace) >> SHIFT
#: (8 + 8 + 16 bits -> 24 bits); 32-bit signed, saturating
ELIGIBILITY_BITS = 32
ELIGIBILITY_SHIFT = 8
#: taps of the delay-derivative kernel carry KERNEL_FRAC_BITS fraction bits
KERNEL_FRAC_BITS = 6
#: read-out error e_k and learning signals: 8-bit signed (127 == 1.0)
ERROR_BITS = 8
ERROR_ONE = 2 ** (ERROR_BITS - 1) - 1


class OverflowCounter(Counter):
    """Counts fixed-point events by name (``"u_wrap"``, ``"v_saturate"``, ...).

    A plain :class:`collections.Counter`; runners merge the counters of their
    kernels and report them (``metrics.json``, ``overflow_count`` Vars).
    """

    def add(self, name: str, n) -> None:
        n = int(n)
        if n:
            self[name] += n

    @property
    def total(self) -> int:
        return int(sum(self.values()))


# --- checks -----------------------------------------------------------------
def _describe(where: str) -> str:
    return f" in {where}" if where else ""


def check_finite(value, name: str, where: str = "") -> np.ndarray:
    """Return ``value`` as an array; raise :class:`NonFiniteError` on NaN/inf."""
    arr = np.asarray(value)
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))
        first = tuple(int(i) for i in bad[0]) if arr.ndim else ()
        raise NonFiniteError(
            f"{name}{_describe(where)} contains {len(bad)} NaN/inf value(s), "
            f"first at index {first}")
    return arr


def check_shape(value, shape, name: str, where: str = "") -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != tuple(shape):
        raise ShapeError(f"{name}{_describe(where)} has shape {arr.shape}, "
                         f"expected {tuple(shape)}")
    return arr


def check_delays(delays, name: str = "delays", where: str = "",
                 max_delay: int = MAX_DELAY) -> np.ndarray:
    """Validate routable delays and return them as an int64 array.

    Delays must be finite integers in ``0..max_delay`` (``max_delay`` <= 62).
    Unlike lava's ``DelayDense``, a delay of 63 or a NaN is rejected, never
    silently accepted or clipped.
    """
    if max_delay > MAX_DELAY or max_delay < 0:
        raise DelayRangeError(f"max_delay{_describe(where)} must be in "
                              f"0..{MAX_DELAY}, got {max_delay}")
    arr = np.asarray(delays)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise DelayRangeError(f"{name}{_describe(where)} contains NaN/inf")
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise DelayRangeError(f"{name}{_describe(where)} must be integers, "
                              f"got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
        bad = arr[arr != np.round(arr)].ravel()[0]
        raise DelayRangeError(f"{name}{_describe(where)} must be integer time "
                              f"steps, got {bad}")
    if arr.size and (arr.min() < 0 or arr.max() > max_delay):
        lo, hi = arr.min(), arr.max()
        raise DelayRangeError(
            f"{name}{_describe(where)} must lie in 0..{max_delay}, got values "
            f"in {lo}..{hi}")
    return arr.astype(np.int64)


def resolve_max_delay(delays: np.ndarray, max_delay, where: str = "",
                      name: str = "max_delay") -> int:
    """Buffer depth for ``delays``: ``max_delay`` if given (truthy), else the
    largest delay; checked to be in range and not below any delay."""
    top = int(max_delay) if max_delay else int(np.max(delays, initial=0))
    check_delays(top, name, where)
    if np.size(delays) and np.max(delays) > top:
        raise ParameterError(f"{name}={top}{_describe(where)} is below the largest "
                             f"delay {np.max(delays)}")
    return top


def check_weight_exp(weight_exp, where: str = "") -> int:
    if not isinstance(weight_exp, numbers.Integral) or isinstance(weight_exp, bool):
        raise ParameterError(f"weight_exp{_describe(where)} must be an int, "
                             f"got {weight_exp!r}")
    if not WEIGHT_EXP_MIN <= weight_exp <= WEIGHT_EXP_MAX:
        raise ParameterError(
            f"weight_exp{_describe(where)} must lie in {WEIGHT_EXP_MIN}.."
            f"{WEIGHT_EXP_MAX}, got {weight_exp}")
    return int(weight_exp)


# --- weights ----------------------------------------------------------------
def determine_sign_mode(weights) -> SignMode:
    """lava's rule: all >= 0 excitatory, all <= 0 inhibitory, else mixed."""
    weights = np.asarray(weights)
    if weights.size == 0 or weights.min() >= 0:
        return SignMode.EXCITATORY
    if weights.max() <= 0:
        return SignMode.INHIBITORY
    return SignMode.MIXED


def weight_range(sign_mode: SignMode) -> tuple[int, int]:
    """Inclusive integer range of a weight before truncation, per sign mode."""
    if sign_mode == SignMode.MIXED:
        return -(2 ** WEIGHT_BITS), 2 ** WEIGHT_BITS - 1
    if sign_mode == SignMode.INHIBITORY:
        return -(2 ** WEIGHT_BITS - 1), 0
    return 0, 2 ** WEIGHT_BITS - 1


def loihi_weights(weights, num_weight_bits: int = WEIGHT_BITS,
                  sign_mode: Optional[SignMode] = None,
                  where: str = "") -> np.ndarray:
    """Turn integer weights into the weights Loihi applies (int64 array).

    Same arithmetic as lava's ``clip_weights`` + ``truncate_weights`` used by
    the bit-accurate ``Dense``/``DelayDense`` models, with one difference:
    a weight outside the 8-bit range of its sign mode, or a non-integer
    weight, raises :class:`WeightRangeError` instead of being clipped or
    truncated toward zero silently.

    Parameters
    ----------
    weights : array_like of int
        Weight mantissas, shape (n_post, n_pre).
    num_weight_bits : int, 1..8
        Precision; the lowest ``8 - num_weight_bits (+1 if mixed)`` bits are
        dropped (arithmetic shift, i.e. floor).
    sign_mode : SignMode, optional
        Determined from the weights (lava's rule) when not given.
    """
    arr = check_finite(weights, "weights", where)
    if not 1 <= int(num_weight_bits) <= WEIGHT_BITS:
        raise ParameterError(f"num_weight_bits{_describe(where)} must be in "
                             f"1..{WEIGHT_BITS}, got {num_weight_bits}")
    if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
        raise WeightRangeError(
            f"weights{_describe(where)} must be integers for fixed point "
            f"(quantize them first, e.g. lava_delays.fixed_point."
            f"quantize_weights); got e.g. {arr[arr != np.round(arr)].ravel()[0]}")
    arr = arr.astype(np.int64)
    if sign_mode is None:
        sign_mode = determine_sign_mode(arr)
    lo, hi = weight_range(sign_mode)
    if arr.size and (arr.min() < lo or arr.max() > hi):
        raise WeightRangeError(
            f"weights{_describe(where)} must lie in {lo}..{hi} for "
            f"{sign_mode.name} sign mode with {WEIGHT_BITS}-bit weights, got "
            f"values in {arr.min()}..{arr.max()}")
    drop = WEIGHT_BITS - int(num_weight_bits) + int(sign_mode == SignMode.MIXED)
    if sign_mode == SignMode.INHIBITORY:
        return -(((-arr) >> drop) << drop)
    return (arr >> drop) << drop


def quantize_weights(weights, weight_exp: Optional[int] = None,
                     num_weight_bits: int = WEIGHT_BITS):
    """Quantize float weights to (integer mantissas, weight_exp).

    The float weight ``w`` is represented as ``m * 2**weight_exp`` with
    integer ``m`` that survives :func:`loihi_weights` unchanged (even values
    for mixed sign). If ``weight_exp`` is None the largest magnitude decides it.

    Returns
    -------
    mantissa : ndarray of int64, same shape as ``weights``
    weight_exp : int
    n_clipped : int
        How many weights had to be clipped into range (0 unless an explicit
        ``weight_exp`` is too small for the weights).
    """
    w = check_finite(weights, "weights").astype(np.float64)
    explicit = weight_exp is not None
    sign_mode = determine_sign_mode(w)
    for _ in range(2):
        lo, hi = weight_range(sign_mode)
        step = 2 ** (WEIGHT_BITS - num_weight_bits + int(sign_mode == SignMode.MIXED))
        lo_q, hi_q = -((-lo) // step) * step, (hi // step) * step
        if not explicit:
            # smallest exponent at which the largest weight still fits
            weight_exp = WEIGHT_EXP_MIN
            pos = float(w.max()) if w.size else 0.0
            neg = float(w.min()) if w.size else 0.0
            while weight_exp < WEIGHT_EXP_MAX and (
                    pos > hi_q * 2.0 ** weight_exp or neg < lo_q * 2.0 ** weight_exp):
                weight_exp += 1
        weight_exp = check_weight_exp(weight_exp)
        m = np.round(w / (2.0 ** weight_exp) / step) * step
        clipped = (m < lo_q) | (m > hi_q)
        m = np.clip(m, lo_q, hi_q)
        # rounding can remove every weight of one sign (e.g. [-1, 1e-6] ->
        # [-256, 0]): then quantize again for the sign mode the mantissa has
        rounded_mode = determine_sign_mode(m)
        if rounded_mode == sign_mode:
            break
        sign_mode = rounded_mode
    return m.astype(np.int64), weight_exp, int(clipped.sum())


def shift_by_exp(x: np.ndarray, exp: int) -> np.ndarray:
    """``x << exp`` for exp >= 0, else arithmetic ``x >> -exp`` (floor)."""
    return np.left_shift(x, exp) if exp > 0 else np.right_shift(x, -exp)


# --- neuron arithmetic -------------------------------------------------------
def decay(x: np.ndarray, decay_const) -> np.ndarray:
    """Loihi decay ``x * (4096 - d) / 4096`` rounded toward zero (int64)."""
    prod = x.astype(np.int64) * (DECAY_UNITY - np.asarray(decay_const, dtype=np.int64))
    return rshift_toward_zero(prod, DECAY_BITS)


def wrap_state(x: np.ndarray, counter: Optional[OverflowCounter] = None,
               name: str = "u_wrap") -> np.ndarray:
    """Wrap a 24-bit state as lava's bit-accurate LIF wraps its current."""
    hi = x > STATE_LIMIT
    out = np.where(hi, x - 2 * STATE_LIMIT, x)
    lo = out <= -STATE_LIMIT
    out = np.where(lo, x + 2 * STATE_LIMIT, out)
    if counter is not None:
        counter.add(name, np.count_nonzero(hi | lo))
    return out


def saturate_state(x: np.ndarray, counter: Optional[OverflowCounter] = None,
                   name: str = "v_saturate") -> np.ndarray:
    """Clip a 24-bit state into +-(2**23 - 1), counting the clipped entries."""
    limit = STATE_LIMIT - 1
    if counter is not None:
        counter.add(name, np.count_nonzero((x > limit) | (x < -limit)))
    return np.clip(x, -limit, limit)


def count_activation_overflow(a: np.ndarray, counter: Optional[OverflowCounter]) -> None:
    """Count synaptic inputs that exceed the 16-bit activation range.

    They are passed on unchanged (lava does not clip them either, and parity
    with lava comes first), but on hardware they would not fit.
    """
    if counter is not None:
        lim = 2 ** (ACTIVATION_BITS - 1)
        counter.add("activation_overflow", np.count_nonzero((a >= lim) | (a < -lim)))


def decay_to_fixed(decay_float, name: str = "decay", where: str = "") -> np.ndarray:
    """Float decay fraction in [0, 1] -> 12-bit integer (round to nearest)."""
    d = check_finite(decay_float, name, where).astype(np.float64)
    if np.any((d < 0) | (d > 1)):
        raise ParameterError(f"{name}{_describe(where)} must lie in [0, 1], got {d}")
    return np.clip(np.round(d * DECAY_UNITY), 0, DECAY_UNITY - 1).astype(np.int64)


def current_decay_to_fixed(du, name: str = "du", where: str = ""):
    """Float current decay in [0, 1] -> lava's 12-bit ``du``.

    Lava adds :data:`CURRENT_DECAY_OFFSET` back when it decays, so the stored
    value is ``round(du * 4096) - 1``, at least 0. Returns an int for a
    scalar, else an int64 array.
    """
    fixed = np.maximum(decay_to_fixed(du, name, where) - CURRENT_DECAY_OFFSET, 0)
    return int(fixed) if fixed.ndim == 0 else fixed


def voltage_decay_to_fixed(dv, name: str = "dv", where: str = ""):
    """Float voltage decay in [0, 1] -> lava's 12-bit ``dv`` (int for a
    scalar, else an int64 array)."""
    fixed = decay_to_fixed(dv, name, where) - VOLTAGE_DECAY_OFFSET
    return int(fixed) if fixed.ndim == 0 else fixed


def current_decay_to_float(du):
    """Lava's 12-bit ``du`` -> the float fraction the current decays by per
    step, ``(du + 1) / 4096`` (float for a scalar, else a float64 array)."""
    frac = (np.asarray(du, dtype=np.float64) + CURRENT_DECAY_OFFSET) / DECAY_UNITY
    return float(frac) if frac.ndim == 0 else frac


def voltage_decay_to_float(dv):
    """Lava's 12-bit ``dv`` -> the float fraction the voltage decays by per
    step, ``dv / 4096`` (float for a scalar, else a float64 array)."""
    frac = (np.asarray(dv, dtype=np.float64) + VOLTAGE_DECAY_OFFSET) / DECAY_UNITY
    return float(frac) if frac.ndim == 0 else frac


def rshift_toward_zero(x: np.ndarray, bits: int) -> np.ndarray:
    """``x / 2**bits`` rounded toward zero (Loihi's decay rounding), int64."""
    x = np.asarray(x, dtype=np.int64)
    return np.sign(x) * np.right_shift(np.abs(x), bits)


def scale_threshold(vth) -> np.ndarray:
    """Effective fixed-point threshold ``vth << 6`` (lava's ``vth_shift``)."""
    return np.left_shift(np.asarray(vth, dtype=np.int64), THRESHOLD_SHIFT)


def scale_bias(bias_mant, bias_exp) -> np.ndarray:
    """Effective fixed-point bias ``bias_mant << bias_exp`` (>> if negative)."""
    mant = np.asarray(bias_mant, dtype=np.int64)
    exp = np.asarray(bias_exp, dtype=np.int64)
    return np.where(exp >= 0, np.left_shift(mant, np.maximum(exp, 0)),
                    np.right_shift(mant, np.maximum(-exp, 0)))


#: learned delays carry DELAY_FRAC_BITS fractional bits (routed: rounded)
DELAY_FRAC_BITS = 8


def round_half_up(x, frac_bits: int = 0):
    """Nearest integer of ``x``, halves rounded up: ``floor(x + 1/2)`` -- how
    every runner turns a learned (real) delay into the delay that routes.

    ``x`` is a float array or tensor (``frac_bits = 0``), or an integer array
    holding ``frac_bits`` fraction bits. One floor division serves numpy
    arrays, integers and torch tensors alike; the result keeps the input's
    kind and dtype (float in, float out: cast it where integers are needed).
    """
    one = 1 << frac_bits
    half = one >> 1 if frac_bits else 0.5
    return (x + half) // one


def fixed_rate(rate: float, mantissa_bits: int = 8):
    """Express a positive learning-rate factor as ``m * 2**-k`` with an
    ``mantissa_bits``-bit integer mantissa (how a learning engine multiplies:
    integer product, then shift). Returns ``(m, k)``; ``(0, 0)`` for 0."""
    if not np.isfinite(rate) or rate < 0:
        raise ParameterError(f"learning rate must be finite and >= 0, got {rate}")
    if rate == 0:
        return 0, 0
    k = 0
    while rate * 2 ** k < 2 ** (mantissa_bits - 1) and k < 62:
        k += 1
    while rate * 2 ** k >= 2 ** mantissa_bits and k > -62:
        k -= 1
    return int(round(rate * 2 ** k)), k


def stochastic_shift(x: np.ndarray, m: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``floor((x * m + r) / 2**k)`` with ``r`` uniform in [0, 2**k): an
    unbiased integer estimate of ``x * m / 2**k`` (stochastic rounding).
    ``x`` int64; draws one random integer per element from ``rng``."""
    prod = np.asarray(x, dtype=np.int64) * int(m)
    if k <= 0:
        return prod << (-k)
    r = rng.integers(0, 2 ** k, size=prod.shape, dtype=np.int64)
    return (prod + r) >> k
