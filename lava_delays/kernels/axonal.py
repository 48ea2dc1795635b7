"""Axonal delay: one delay per neuron, applied to its output spike for all
of its targets.

A spike of neuron ``i`` at step ``t`` leaves the axon at step ``t + a_i``
(``a_i = 0`` passes it through in the same step). Composed with a synaptic
delay line (which adds ``1 + d_ji``), the total latency is
``a_i + 1 + d_ji``.

Buffer layout, batch-first: ``buf[b, i, k]`` = spike of neuron ``i`` that
leaves ``k`` steps from now. With constant delays each neuron emits at most
one spike per step; if learning moves a delay so that two spikes would leave
in the same step they merge (maximum), as an axon carries one spike per step.
"""
from __future__ import annotations

import numpy as np


def new_axon_buffer(batch: int, n: int, max_delay: int, dtype=np.float64) -> np.ndarray:
    """Zeroed buffer, shape (batch, n, max_delay + 1)."""
    return np.zeros((batch, n, int(max_delay) + 1), dtype=dtype)


def axonal_delay_step(buf: np.ndarray, spikes: np.ndarray,
                      delays: np.ndarray) -> np.ndarray:
    """Delay each neuron's spikes by its own axonal delay.

    Parameters
    ----------
    buf : ndarray, shape (batch, n, max_delay + 1)
        Buffer from :func:`new_axon_buffer`, updated in place.
    spikes : ndarray, shape (batch, n)
        Spikes (0/1 or graded) of this step.
    delays : ndarray of int64, shape (n,)
        Axonal delays in 0..max_delay.

    Returns
    -------
    ndarray, shape (batch, n)
        Spikes leaving the axons at this step.
    """
    slot = np.broadcast_to(delays, spikes.shape)[..., None]
    current = np.take_along_axis(buf, slot, axis=-1)[..., 0]
    np.put_along_axis(buf, slot, np.maximum(current, spikes)[..., None], axis=-1)
    out = buf[:, :, 0].copy()
    buf[:, :, :-1] = buf[:, :, 1:]
    buf[:, :, -1] = 0
    return out
