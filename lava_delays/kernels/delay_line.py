"""Synaptic delay line: an event-driven ring buffer of future synaptic input.

Semantics are those of lava-nc's ``DelayDense``: a spike that arrives on
``s_in`` at time step ``t`` through a synapse (j <- i) with delay ``d_ji``
reaches ``a_out[j]`` at step ``t + 1 + d_ji``.

The buffer has lava's layout, batch-first: ``buf[b, j, k]`` is the input that
post-synaptic neuron ``j`` of sample ``b`` receives ``k + 1`` steps after the
current step. One step (:func:`delay_line_step`)

1. emits ``buf[:, :, 0]``,
2. advances the buffer by one slot (a zero slot enters at ``max_delay``),
3. scatters the spikes of this step into slot ``d_ji`` of every target.

Step 3 visits only the *spiking* inputs, so its cost is
O(n_spikes * n_post) instead of O(n_pre * n_post * (max_delay + 1)) for the
dense delay-stacked matrix lava's ``DelayDense`` builds every step.

Fixed point: like lava's bit-accurate model, the spikes of one step are summed
per (post neuron, delay) first and only that sum is shifted by ``weight_exp``
(a right shift floors the *sum*, not each weight). Float: ``weight_exp`` is
ignored, as in lava's float model.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from lava_delays.fixed_point import check_delays, shift_by_exp


class SynapseTable:
    """Weights and delays laid out for the scatter (pre-major, contiguous).

    Parameters
    ----------
    weights : ndarray, shape (n_post, n_pre)
        float64 weights (float models) or int64 Loihi weights (fixed models,
        already passed through :func:`lava_delays.fixed_point.loihi_weights`).
    delays : ndarray of int, shape (n_post, n_pre)
        Integer delays in 0..max_delay.
    """

    def __init__(self, weights: np.ndarray, delays: np.ndarray):
        self.fixed = np.asarray(weights).dtype.kind in "iu"
        dtype = np.int64 if self.fixed else np.float64
        self.weights_t = np.ascontiguousarray(np.asarray(weights, dtype=dtype).T)
        self.delays_t = np.ascontiguousarray(np.asarray(delays, dtype=np.int64).T)
        self.n_post, self.n_pre = np.asarray(weights).shape
        self._shifted = None

    def shifted_weights(self, weight_exp: int) -> np.ndarray:
        """Weights << weight_exp (weight_exp > 0), computed once."""
        if self._shifted is None or self._shifted[0] != weight_exp:
            self._shifted = (weight_exp, shift_by_exp(self.weights_t, weight_exp))
        return self._shifted[1]

    def set_delays(self, delays: np.ndarray) -> None:
        self.delays_t[:] = np.asarray(delays, dtype=np.int64).T

    def set_weights(self, weights: np.ndarray) -> None:
        self.weights_t[:] = np.asarray(weights).T
        self._shifted = None


def new_buffer(batch: int, n_post: int, max_delay: int, fixed: bool) -> np.ndarray:
    """Zeroed ring buffer, shape (batch, n_post, max_delay + 1)."""
    max_delay = int(check_delays(max_delay, "max_delay"))
    return np.zeros((batch, n_post, max_delay + 1),
                    dtype=np.int64 if fixed else np.float64)


@njit(cache=True, nogil=True)
def _scatter_direct(buf, spikes, weights_t, delays_t):
    # buf[b, j, d_ji] += w_ji * s_bi for every non-zero s_bi
    n_batch, n_pre = spikes.shape
    n_post = weights_t.shape[1]
    for b in range(n_batch):
        for i in range(n_pre):
            s = spikes[b, i]
            if s != 0:
                for j in range(n_post):
                    buf[b, j, delays_t[i, j]] += weights_t[i, j] * s


@njit(cache=True, nogil=True)
def _scatter_floor_shift(buf, acc, touched, spikes, weights_t, delays_t, rshift):
    # Sum this step's input per (b, j, d) in acc, then add floor(sum / 2**rshift)
    # to buf, visiting only the entries this step touched.
    n_batch, n_pre = spikes.shape
    n_post = weights_t.shape[1]
    slots = buf.shape[2]
    n_touched = 0
    for b in range(n_batch):
        for i in range(n_pre):
            s = spikes[b, i]
            if s != 0:
                for j in range(n_post):
                    d = delays_t[i, j]
                    flat = (b * n_post + j) * slots + d
                    if touched[flat] == 0:
                        touched[flat] = 1
                        touched[-(n_touched + 1)] = flat
                        n_touched += 1
                    acc[b, j, d] += weights_t[i, j] * s
    for k in range(n_touched):
        flat = touched[-(k + 1)]
        touched[-(k + 1)] = 0
        touched[flat] = 0
        d = flat % slots
        bj = flat // slots
        j = bj % n_post
        b = bj // n_post
        buf[b, j, d] += acc[b, j, d] >> rshift
        acc[b, j, d] = 0


def delay_line_emit(buf: np.ndarray) -> np.ndarray:
    """Emit the input due now and advance the buffer by one slot.

    Parameters
    ----------
    buf : ndarray, shape (batch, n_post, max_delay + 1)
        Ring buffer from :func:`new_buffer`; updated in place.

    Returns
    -------
    a_out : ndarray, shape (batch, n_post)
        Synaptic input delivered at this step (int64 or float64).
    """
    out = buf[:, :, 0].copy()
    buf[:, :, :-1] = buf[:, :, 1:]
    buf[:, :, -1] = 0
    return out


def delay_line_ingest(buf: np.ndarray, spikes: np.ndarray, table: SynapseTable,
                      weight_exp: int = 0, scratch: dict | None = None) -> None:
    """Scatter this step's spikes into the buffer (after :func:`delay_line_emit`).

    Parameters
    ----------
    buf : ndarray, shape (batch, n_post, max_delay + 1)
        Ring buffer, updated in place.
    spikes : ndarray, shape (batch, n_pre)
        Spikes (0/1) or graded spike values arriving at this step.
    table : SynapseTable
        Weights and delays; every delay must be <= ``buf.shape[2] - 1``.
    weight_exp : int
        Fixed point only: the per-step sum of weights is shifted by it.
    scratch : dict, optional
        Work arrays for the fixed-point right shift, kept by the caller so
        that no step allocates.
    """
    spikes = np.ascontiguousarray(spikes, dtype=table.weights_t.dtype)
    if not spikes.any():
        return
    if table.fixed and weight_exp < 0:
        if scratch is None:
            scratch = {}
        if scratch.get("acc") is None or scratch["acc"].shape != buf.shape:
            scratch["acc"] = np.zeros_like(buf)
            # first half: a "touched" flag per entry; from the end: the list
            # of this step's touched flat indices.
            scratch["touched"] = np.zeros(2 * buf.size + 1, dtype=np.int64)
        _scatter_floor_shift(buf, scratch["acc"], scratch["touched"], spikes,
                             table.weights_t, table.delays_t, -int(weight_exp))
    elif table.fixed and weight_exp > 0:
        # a left shift distributes over the sum: shift each weight once
        _scatter_direct(buf, spikes, table.shifted_weights(weight_exp),
                        table.delays_t)
    else:
        _scatter_direct(buf, spikes, table.weights_t, table.delays_t)


def delay_line_step(buf: np.ndarray, spikes: np.ndarray, table: SynapseTable,
                    weight_exp: int = 0, scratch: dict | None = None) -> np.ndarray:
    """One full step: :func:`delay_line_emit` then :func:`delay_line_ingest`.

    Returns the input delivered at this step, shape (batch, n_post).
    """
    out = delay_line_emit(buf)
    delay_line_ingest(buf, spikes, table, weight_exp, scratch)
    return out
