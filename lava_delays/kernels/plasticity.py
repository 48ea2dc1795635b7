"""Three-factor plasticity of weights, synaptic delays and axonal delays
(arXiv:2601.00668), as e-prop-style eligibility traces times a top-down error.

Derivation (our own; the paper's abstract states the rule). A CUBA LIF
neuron j receives ``a_j(t) = sum_i w_ji x_i(t - 1 - d_ji)``, so without the
reset path its voltage is ``v_j(t) = sum_i w_ji  pv_i(t - 1 - d_ji) + ...``
where ``pv_i`` is the presynaptic spike train filtered by the neuron's own
two stages (the *pre trace*)::

    pu_i(t) = (1 - du) pu_i(t-1) + x_i(t)
    pv_i(t) = (1 - dv) pv_i(t-1) + pu_i(t)

Hence (``psi_j`` = Gaussian surrogate of dz_j/dv_j, used only here)::

    dz_j(t)/dw_ji = psi_j(t) pv_i(t - 1 - d_ji)
    dz_j(t)/dd_ji = psi_j(t) w_ji (pv_i(t - 2 - d_ji) - pv_i(t - 1 - d_ji))

The delay derivative is that of the linearly interpolated pre trace between
the integer taps around the delay (a backward difference: ``-w dpv/dt``).
An axonal delay a_i shifts every synapse of neuron i, so
``dz_j/da_i = dz_j/dd_ji`` and its update sums over the targets j.

Top-down error. The read-out is linear, ``y_k = sum_t v^out_k(t)``, so a hidden
spike at t changes ``y_k`` by ``W_kj H(T - 2 - t)`` with ``H`` the cumulative
impulse response of the read-out (:func:`readout_time_weights`). With the
cross-entropy loss and ``e_k = softmax(y)_k - target_k``::

    dL/dw_ji = L_j * E^w_ji,   L_j = sum_k B_jk e_k,
    E^w_ji = sum_t c(t) psi_j(t) pv_i(t - 1 - d_ji),   c(t) = H(T - 2 - t)

and likewise ``E^d`` for delays. With ``B = W_out^T`` (symmetric feedback) this
is the exact BPTT gradient of a single hidden layer with the reset detached
(tested against torch autograd); with a fixed random ``B`` it is random
feedback alignment, the on-chip option (no weight transport). Deeper layers
receive the error through their own ``B``; recurrent weights and recurrent
delays use the layer's own spikes as pre trace (e-prop ignores gradient paths
through other neurons).

Deviations from the seed's form, and why: (1) the per-step low-pass kappa of
the eligibility is replaced by the exact read-out weighting c(t), because the
error of a whole-sample classification is known only at the end of the sample
(the update is applied then: "every learning epoch"); per-step updates with a
running error use ``c(t) = 1`` and a kappa-filtered trace
(:func:`accumulate_eligibility` takes any ``c``). (2) Memory is
O(synapses + (max_delay + 2) * n_pre) per sample, independent of T.

Fixed point: traces and accumulators are integers with declared bits and
saturate (counted); see :class:`PlasticitySpec`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from numba import njit

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import (CURRENT_DECAY_OFFSET, DECAY_BITS,
                                     DECAY_UNITY, DELAY_FRAC_BITS,
                                     ELIGIBILITY_BITS, ELIGIBILITY_SHIFT,
                                     ERROR_ONE, KERNEL_FRAC_BITS, TRACE_BITS,
                                     TRACE_FRAC_BITS,
                                     VOLTAGE_DECAY_OFFSET, OverflowCounter,
                                     decay, round_half_up, rshift_toward_zero,
                                     stochastic_shift)


def readout_time_weights(steps: int, du: float, dv: float) -> np.ndarray:
    """c(t) = H(T - 2 - t): how much a hidden spike at step t moves the summed
    read-out voltage (float; shape (steps,)). ``du``, ``dv`` are the read-out's
    float decays."""
    n = np.arange(steps)
    # impulse response of the two-stage filter, h(k) = sum_m a^m b^(k-m)
    # (a geometric convolution, in closed form), then its cumulative sum
    a, b = 1.0 - du, 1.0 - dv
    if abs(a - b) < 1e-12:
        h = (n + 1) * a ** n
    else:
        h = (a ** (n + 1) - b ** (n + 1)) / (a - b)
    H = np.cumsum(h)
    idx = steps - 2 - n
    return np.where(idx >= 0, H[np.clip(idx, 0, None)], 0.0)


def quantize_time_weights(c: np.ndarray) -> np.ndarray:
    """Float c(t) -> 8-bit unsigned, the largest value mapped to 255."""
    top = float(np.max(c)) if np.size(c) else 0.0
    if top <= 0:
        return np.zeros(np.shape(c), np.int64)
    return np.round(np.asarray(c) / top * 255).astype(np.int64)


class PreTrace:
    """Two-stage pre trace with a short history (max_delay + 2 steps).

    ``hist[b, k, i]`` holds ``pv_i`` of step ``t - 1 - k`` (k = 0 is the
    previous step), so delay d reads slot d and ``d + 1``.

    Float: ``du``, ``dv`` are fractions and a spike adds 1. Fixed point:
    ``du``, ``dv`` are the neuron's 12-bit decays (with lava's +1 current
    offset), a spike adds ``1 << TRACE_FRAC_BITS`` and the trace saturates at
    ``TRACE_BITS`` (counted in ``counter``).
    """

    def __init__(self, batch: int, n_pre: int, max_delay: int, du, dv,
                 fixed: bool = False, counter: Optional[OverflowCounter] = None,
                 extra: int = 0):
        dtype = np.int64 if fixed else np.float64
        self.pu = np.zeros((batch, n_pre), dtype)
        self.pv = np.zeros((batch, n_pre), dtype)
        # max_delay + 2 slots for the exact gradient, + extra for a spread
        self.hist = np.zeros((batch, max_delay + 2 + extra, n_pre), dtype)
        self.du, self.dv, self.fixed, self.counter = du, dv, fixed, counter

    def reset(self) -> None:
        self.pu[:] = 0
        self.pv[:] = 0
        self.hist[:] = 0

    def push(self, spikes: np.ndarray) -> None:
        """Add this step's presynaptic spikes (after the eligibility of this
        step was accumulated)."""
        if self.fixed:
            one = 1 << TRACE_FRAC_BITS
            pu = decay(self.pu, self.du + CURRENT_DECAY_OFFSET) + spikes.astype(np.int64) * one
            self.pu[:] = _saturate_trace(pu, self.counter)
            pv = decay(self.pv, self.dv + VOLTAGE_DECAY_OFFSET) + self.pu
            self.pv[:] = _saturate_trace(pv, self.counter)
        else:
            self.pu *= 1 - self.du
            self.pu += spikes
            self.pv *= 1 - self.dv
            self.pv += self.pu
        self.hist[:, 1:] = self.hist[:, :-1]
        self.hist[:, 0] = self.pv


def _saturate_trace(x, counter):
    limit = 2 ** (TRACE_BITS - 1) - 1
    if counter is not None:
        counter.add("trace_saturate", np.count_nonzero((x > limit) | (x < -limit)))
    return np.clip(x, -limit, limit)


def delay_kernel(sigma: float, fixed: bool):
    """Taps of the delay derivative: ``dS/dd = sum_m K[m] pv(t - 1 - d - m - off)``.

    ``sigma == 0``: the backward difference of the linearly interpolated pre
    trace (the exact gradient; ``K = [-1, 1]``, ``off = 0``). ``sigma > 0``:
    the derivative of the pre trace smoothed by a Gaussian of width sigma
    around the delay (DCLS-style spread: the gradient "sees" arrivals
    ``~3 sigma`` steps away; anneal sigma to 0 while learning). Fixed point:
    integer taps with ``KERNEL_FRAC_BITS`` fractional bits.

    Returns ``(kernel, offset)``.
    """
    if not np.isfinite(sigma) or sigma < 0:
        raise ParameterError(f"delay spread sigma must be finite and >= 0, got {sigma}")
    if sigma == 0:
        k, off = np.array([-1.0, 1.0]), 0
    else:
        w = int(np.ceil(3 * sigma))
        m = np.arange(-w, w + 1, dtype=np.float64)
        g = np.exp(-m ** 2 / (2 * sigma ** 2))
        k, off = m / sigma ** 2 * g / g.sum(), -w
    if fixed:
        k = np.round(k * 2 ** KERNEL_FRAC_BITS).astype(np.int64)
    return k, off


@njit(cache=True, nogil=True)
def _delay_slopes(hist, kernel, offset, n_delays):
    # slope[b, d, i] = sum_m kernel[m] hist[b, d + offset + m, i] (taps outside
    # the history count as 0), summed in the order of m: computed once per
    # step and delay value instead of once per synapse
    n_batch, n_hist, n_pre = hist.shape
    out = np.zeros((n_batch, n_delays, n_pre), hist.dtype)
    for b in range(n_batch):
        for d in range(n_delays):
            for m in range(kernel.shape[0]):
                k = d + offset + m
                if 0 <= k < n_hist:
                    c = kernel[m]
                    for i in range(n_pre):
                        out[b, d, i] += c * hist[b, k, i]
    return out


@njit(cache=True, nogil=True)
def _accumulate(e_w, e_d, hist, psi_c, weights, delays, do_w, do_d, div, limit,
                slopes, kdiv):
    # float: div = 1 and limit = 0 (no rounding, no saturation)
    # fixed: products are floor-divided by div = 2**shift (== >> shift) and
    # accumulators saturate at +-limit
    n_batch, n_post = psi_c.shape
    n_pre = hist.shape[2]
    n_sat = 0
    for b in range(n_batch):
        for j in range(n_post):
            p = psi_c[b, j]
            if p == 0:
                continue
            for i in range(n_pre):
                d = delays[j, i]
                if do_w:
                    inc = p * hist[b, d, i]
                    if div > 1:
                        inc = inc // div
                    e_w[b, j, i] += inc
                    if limit > 0 and (e_w[b, j, i] > limit or e_w[b, j, i] < -limit):
                        e_w[b, j, i] = limit if e_w[b, j, i] > 0 else -limit
                        n_sat += 1
                if do_d:
                    inc = p * weights[j, i] * slopes[b, d, i]
                    if div > 1:
                        inc = inc // (div * kdiv)
                    e_d[b, j, i] += inc
                    if limit > 0 and (e_d[b, j, i] > limit or e_d[b, j, i] < -limit):
                        e_d[b, j, i] = limit if e_d[b, j, i] > 0 else -limit
                        n_sat += 1
    return n_sat


def accumulate_eligibility(e_w, e_d, trace: PreTrace, psi: np.ndarray, c_t,
                           weights: np.ndarray, delays: np.ndarray,
                           learn_weights: bool = True, learn_delays: bool = True,
                           kernel=None) -> None:
    """Add this step's eligibility (before :meth:`PreTrace.push`).

    Parameters
    ----------
    e_w, e_d : ndarray, shape (batch, n_post, n_pre)
        Weight and delay eligibility accumulators (float64, or int64 holding
        ``ELIGIBILITY_BITS``-bit values in fixed point), updated in place.
    trace : PreTrace
    psi : ndarray, shape (batch, n_post)
        Surrogate derivative of this step (fixed: 8-bit, 255 == 1).
    c_t : float or int
        Read-out time weight of this step (fixed: 8-bit, see
        :func:`quantize_time_weights`). Fixed-point increments are
        ``(c * psi * pv) >> ELIGIBILITY_SHIFT`` (floor).
    weights : ndarray, shape (n_post, n_pre)
    delays : ndarray of int, shape (n_post, n_pre)
        Integer (routed) delays.
    kernel : (ndarray, int), optional
        Delay-derivative taps from :func:`delay_kernel` (default: sigma 0).
    """
    dtype = trace.hist.dtype
    taps, offset = kernel if kernel is not None else delay_kernel(0.0, trace.fixed)
    psi_c = np.ascontiguousarray(psi * c_t, dtype=dtype)
    fixed = trace.fixed
    delays = np.ascontiguousarray(delays, dtype=np.int64)
    n_delays = int(delays.max(initial=0)) + 1 if learn_delays else 0
    slopes = _delay_slopes(trace.hist, np.ascontiguousarray(taps, dtype=dtype), int(offset),
                           n_delays)
    n_sat = _accumulate(e_w, e_d, trace.hist, psi_c,
                        np.ascontiguousarray(weights, dtype=dtype), delays, learn_weights,
                        learn_delays, 2 ** ELIGIBILITY_SHIFT if fixed else 1,
                        2 ** (ELIGIBILITY_BITS - 1) - 1 if fixed else 0, slopes,
                        2 ** KERNEL_FRAC_BITS if fixed else 1)
    if fixed and trace.counter is not None:
        trace.counter.add("eligibility_saturate", n_sat)


class DelayState:
    """Real-valued learned delays behind the integer delays that route spikes.

    Float: ``value`` in steps; fixed point: ``value`` is an integer with
    ``DELAY_FRAC_BITS`` fractional bits (a fractional accumulator). Routed
    delays are ``value`` rounded half up. A value that learning pushes out of
    [0, max_delay] is clamped and counted in ``clamps``, never wrapped.
    """

    def __init__(self, steps: np.ndarray, max_delay: int, fixed: bool):
        steps = np.asarray(steps, dtype=np.float64)
        self.fixed, self.max_delay, self.clamps = fixed, int(max_delay), 0
        self.one = 1 << DELAY_FRAC_BITS if fixed else 1.0
        self.value = (np.round(steps * self.one).astype(np.int64) if fixed else steps.copy())
        self.initial = self.routed()

    def apply(self, delta: np.ndarray) -> None:
        """Add ``delta`` (steps, or fraction-bit integers in fixed point)."""
        if self.fixed:
            delta = np.round(delta).astype(np.int64)
        new = self.value + delta
        top = self.max_delay * self.one
        self.clamps += int(np.count_nonzero((new < 0) | (new > top)))
        self.value = np.clip(new, 0, top)

    def routed(self) -> np.ndarray:
        if self.fixed:
            return round_half_up(self.value, DELAY_FRAC_BITS)
        return round_half_up(self.value).astype(np.int64)

    def steps(self) -> np.ndarray:
        """Current delays in (fractional) time steps, float."""
        return self.value / self.one


class PlasticSynapses:
    """A plastic connection: weights, learned synaptic and/or axonal delays,
    pre trace, eligibilities and the update rule -- for a batch.

    This object *is* the plasticity kernel: the engine's online learner holds
    one per connection for a whole batch, the Lava ``PlasticDelayDense``
    model holds one with batch 1; both call the same methods in the same
    order, so both runners learn identically.

    Parameters
    ----------
    weights : ndarray, shape (n_post, n_pre)
        float64, or int64 Loihi weights (fixed point; kept even and in
        [-254, 254] so every sign mode represents them unchanged).
    syn_delays, axonal_delays : ndarray or None
        Initial synaptic (n_post, n_pre) / axonal (n_pre,) delays in steps;
        None = that kind of delay does not exist (0). The routed delay of a
        synapse is their sum.
    max_delay : int
        Bound of every learned delay and of the routed sum.
    batch : int
    trace_du, trace_dv : float or int
        The post neuron's decays (float fractions, or 12-bit ints in fixed
        point) -- the pre trace is the neuron's own filter. ``None`` for an
        unfiltered trace (the read-out: pre trace == spikes).
    fixed : bool
    learn : iterable of {"weights", "synaptic", "axonal"}
    rates : dict
        Per learnable kind: a float learning rate (float), or ``(m, k)`` from
        :func:`lava_delays.fixed_point.fixed_rate` (fixed; stochastic
        rounding with this object's random generator).
    seed : int
        Seed of the stochastic-rounding generator (fixed point).
    counter : OverflowCounter, optional
    max_spread : float
        Largest Gaussian spread of the delay gradient (sizes the history).
    momentum : float in [0, 1)
        Updates follow ``u = m u + (1 - m) g`` (one more state variable per
        parameter, like a synaptic tag); fixed point: m as a 12-bit fraction,
        products rounded toward zero.
    """

    def __init__(self, weights, *, syn_delays=None, axonal_delays=None, max_delay: int = 0,
                 batch: int = 1, trace_du=None, trace_dv=None, fixed: bool = False,
                 learn=("weights",), rates=None, seed: int = 0,
                 counter: Optional[OverflowCounter] = None, max_spread: float = 0.0,
                 momentum: float = 0.0):
        self.fixed = fixed
        self.weights = np.array(weights, dtype=np.int64 if fixed else np.float64)
        n_post, n_pre = self.weights.shape
        self.syn = None if syn_delays is None else DelayState(syn_delays, max_delay, fixed)
        self.ax = None if axonal_delays is None else DelayState(axonal_delays, max_delay, fixed)
        self.max_delay = int(max_delay)
        self.learn = frozenset(learn)
        self.rates = dict(rates or {})
        self.seed = int(seed)
        self.rng = np.random.default_rng(seed)
        self.counter = counter if counter is not None else OverflowCounter()
        self.filtered = trace_du is not None
        self.max_spread = float(max_spread)
        self._trace_decays = ((trace_du, trace_dv) if self.filtered else (0, 0))
        self.resize(batch)
        self.set_spread(0.0)
        self.weight_clamps = 0
        if not 0 <= momentum < 1:
            raise ParameterError(f"momentum must lie in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self._velocity = {}
        self.reroute()

    # --- routing ---------------------------------------------------------------
    def reroute(self) -> None:
        """Recompute the routed delays; call after setting ``syn.value`` or
        ``ax.value`` from outside (e.g. from a Lava learning run)."""
        self._routed = self._route()

    def _route(self) -> np.ndarray:
        total = np.zeros(self.weights.shape, np.int64)
        if self.syn is not None:
            total += self.syn.routed()
        if self.ax is not None:
            total += self.ax.routed()[None, :]
        over = total > self.max_delay
        if over.any():
            self.counter.add("delay_sum_clamp", np.count_nonzero(over))
            total = np.minimum(total, self.max_delay)
        return total

    def set_spread(self, sigma: float) -> None:
        """Width (steps) of the Gaussian spread of the delay gradient; must
        not exceed ``max_spread`` (the history was sized for it)."""
        if sigma > self.max_spread + 1e-12:
            raise ParameterError(f"delay spread {sigma} exceeds max_spread {self.max_spread}")
        self.spread = float(sigma)
        self._kernel = delay_kernel(self.spread, self.fixed)

    def set_synaptic_delays(self, steps) -> None:
        """Replace the synaptic delays (steps, shape (n_post, n_pre); they
        become the new starting point of :meth:`DelayState` movement). Values
        outside ``0..max_delay`` raise :class:`ParameterError`."""
        steps = np.asarray(steps, dtype=np.float64)
        if self.syn is None:
            raise ParameterError("this connection has no synaptic delays")
        if steps.shape != self.weights.shape:
            raise ParameterError(f"delays must have shape {self.weights.shape}, got {steps.shape}")
        if not np.all(np.isfinite(steps)) or steps.min() < 0 or steps.max() > self.max_delay:
            raise ParameterError(f"delays must be finite and in 0..{self.max_delay}")
        self.syn = DelayState(steps, self.max_delay, self.fixed)
        self.reroute()

    def routed_delays(self) -> np.ndarray:
        """Integer delays that route spikes now, shape (n_post, n_pre)."""
        return self._routed

    # --- per step ----------------------------------------------------------------
    def accumulate(self, psi: np.ndarray, c_t) -> None:
        """Eligibility of this step (call before :meth:`push`)."""
        learn_d = bool(self.learn & {"synaptic", "axonal"})
        accumulate_eligibility(self.e_w, self.e_d, self.trace, psi, c_t, self.weights,
                               self._routed, "weights" in self.learn, learn_d, self._kernel)

    def push(self, pre_spikes: np.ndarray) -> None:
        """Record this step's presynaptic spikes in the pre trace."""
        if self.filtered:
            self.trace.push(pre_spikes)
        else:
            one = (1 << TRACE_FRAC_BITS) if self.fixed else 1.0
            self.trace.pv[:] = pre_spikes * one
            self.trace.hist[:, 1:] = self.trace.hist[:, :-1]
            self.trace.hist[:, 0] = self.trace.pv

    def resize(self, batch: int) -> None:
        """(Re-)allocate pre trace and eligibilities for ``batch`` samples;
        parameters, momentum and random state are kept."""
        n_post, n_pre = self.weights.shape
        self.trace = PreTrace(batch, n_pre, self.max_delay, *self._trace_decays, self.fixed,
                              self.counter, extra=int(np.ceil(3 * self.max_spread)))
        dtype = np.int64 if self.fixed else np.float64
        self.e_w = np.zeros((batch, n_post, n_pre), dtype)
        self.e_d = np.zeros((batch, n_post, n_pre), dtype)

    def reset(self) -> None:
        """Start a new sample: clear pre trace and eligibilities."""
        self.trace.reset()
        self.e_w[:] = 0
        self.e_d[:] = 0

    # --- learning -------------------------------------------------------------------
    def gradients(self, signal: np.ndarray) -> dict:
        """Three-factor gradient estimates: learning signal (batch, n_post)
        times eligibility, summed over the batch. Returns ``weights``,
        ``synaptic`` (n_post, n_pre) and ``axonal`` (n_pre,) arrays."""
        dtype = np.int64 if self.fixed else np.float64
        sig = np.asarray(signal, dtype=dtype)
        g_w = np.einsum("bj,bji->ji", sig, self.e_w)
        g_d = np.einsum("bj,bji->ji", sig, self.e_d)
        return {"weights": g_w, "synaptic": g_d, "axonal": g_d.sum(axis=0)}

    def _step(self, grad, kind):
        rate = self.rates.get(kind, 0.0)
        if self.fixed:
            m, k = rate
            return -stochastic_shift(grad, m, k, self.rng)
        return -rate * grad

    @property
    def carries_momentum(self) -> bool:
        """Whether earlier updates left a non-zero momentum behind."""
        return any(np.any(v != 0) for v in self._velocity.values())

    def _smooth(self, grads: dict) -> dict:
        """Momentum average of the gradients (identity when momentum is 0)."""
        if self.momentum == 0:
            return grads
        out = {}
        for kind in self.learn:
            g = grads[kind]
            v = self._velocity.get(kind)
            if v is None:
                v = np.zeros_like(g)
            if self.fixed:
                m = int(round(self.momentum * DECAY_UNITY))
                v = rshift_toward_zero(m * v + (DECAY_UNITY - m) * g, DECAY_BITS)
            else:
                v = self.momentum * v + (1 - self.momentum) * g
            self._velocity[kind] = out[kind] = v
        return out

    def apply(self, signal: np.ndarray) -> dict:
        """Update the learnable parameters from the learning signal; returns
        the gradients (before momentum). Call at the end of a sample/batch."""
        raw = self.gradients(signal)
        grads = self._smooth(raw)
        if "weights" in self.learn:
            if self.fixed:
                # update in units of 2 so weights stay even (mixed sign mode)
                m, k = self.rates["weights"]
                new = self.weights - 2 * stochastic_shift(grads["weights"], m, k + 1, self.rng)
                out = (new < -254) | (new > 254)
                self.weight_clamps += int(np.count_nonzero(out))
                self.counter.add("weight_clamp", np.count_nonzero(out))
                self.weights = np.clip(new, -254, 254)
            else:
                self.weights -= self.rates["weights"] * grads["weights"]
        if "synaptic" in self.learn and self.syn is not None:
            self.syn.apply(self._step(grads["synaptic"], "synaptic"))
        if "axonal" in self.learn and self.ax is not None:
            self.ax.apply(self._step(grads["axonal"], "axonal"))
        self.reroute()
        return raw

    @property
    def delay_clamps(self) -> int:
        return (self.syn.clamps if self.syn else 0) + (self.ax.clamps if self.ax else 0)


def readout_error(y: np.ndarray, labels: np.ndarray, n_classes: int,
                  logit_scale: float, fixed: bool, steps: int = 1) -> tuple:
    """Cross-entropy error of a summed read-out.

    Parameters
    ----------
    y : ndarray, shape (batch, n_classes)
        Read-out voltage summed over the sample (float, or fixed-point ints).
    logit_scale : float
        logits = y * logit_scale.

    Returns
    -------
    err : ndarray, shape (batch, n_classes)
        Float: ``(softmax(logits) - onehot) / (steps * batch)``, the
        gradient of the batch-mean loss w.r.t. ``y`` when logits are
        ``y / steps``. Fixed: ``softmax(logits) - onehot`` as 8-bit ints
        (127 == 1.0); the scale is in the fixed learning rates.
    loss : float
        Mean cross-entropy.
    correct : ndarray of bool, shape (batch,)
    """
    logits = np.asarray(y, dtype=np.float64) * logit_scale
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    target = np.eye(n_classes)[labels]
    err = p - target
    if fixed:
        err = np.round(err * ERROR_ONE).astype(np.int64)
    else:
        err = err / (steps * len(labels))
    loss = float(-np.mean(log_p[np.arange(len(labels)), labels]))
    return err, loss, p.argmax(axis=1) == labels
