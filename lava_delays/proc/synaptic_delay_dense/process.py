"""``SynapticDelayDense``: dense connection with one integer delay per synapse.

A drop-in replacement for ``lava.proc.dense.process.DelayDense`` (same ports,
Vars, ``num_message_bits``, ``weight_exp``/``num_weight_bits``/``sign_mode``
semantics and the same output for both tags), whose models are event-driven:
a step costs O(spikes x n_post), not O(n_pre x n_post x max_delay).
Unlike ``DelayDense`` it rejects delays outside 0..62, non-integer delays and
NaN/inf weights at construction, with a message that names the process.
"""
import typing as ty

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_delays.proc.base import CheckedProcess
from lava_delays.errors import ParameterError, ShapeError
from lava_delays.fixed_point import (check_delays, check_finite,
                                     check_weight_exp, loihi_weights,
                                     resolve_max_delay)


class SynapticDelayDense(CheckedProcess):
    """Dense synapses, each with its own delay.

    A spike arriving on ``s_in`` at step t through synapse (j <- i) reaches
    ``a_out[j]`` at step ``t + 1 + delays[j, i]``.

    Parameters
    ----------
    weights : ndarray, shape (n_post, n_pre)
        Weights. An *integer* array declares 8-bit fixed-point mantissas and
        is checked here: a value outside the 8-bit range of its sign mode
        raises :class:`~lava_delays.errors.WeightRangeError`. A float array
        is used as is by the float model; the fixed model converts it as
        lava's ``DelayDense`` does (int cast, clip) and counts clipped weights
        in the ``clip_count`` Var. (Checks run here, in the parent process,
        because an exception inside a Lava model process hangs the runtime.)
    delays : ndarray of int, shape (n_post, n_pre), or int
        Synaptic delays in time steps, 0..62.
    max_delay : int, optional
        Size of the delay buffer minus one; set it above ``delays.max()`` if
        delays will grow during the run. 0 (default) = ``delays.max()``.
    weight_exp : int, optional
        Fixed point: the summed input is shifted by ``weight_exp`` (-8..7).
    num_weight_bits : int, optional
        Fixed point: weight precision, 1..8 (default 8).
    sign_mode : lava.utils.weightutils.SignMode, optional
        Fixed point: determined from the weights when not given.
    num_message_bits : int, optional
        0 (default) for binary spikes, > 0 for graded spikes.
    """

    def __init__(self, *, weights: np.ndarray, delays: ty.Union[np.ndarray, int],
                 max_delay: int = 0, weight_exp: int = 0, num_weight_bits: int = 8,
                 sign_mode=None, num_message_bits: int = 0,
                 name: ty.Optional[str] = None,
                 log_config: ty.Optional[LogConfig] = None, **kwargs) -> None:
        where = f"SynapticDelayDense {name or ''}".strip()
        weights = check_finite(weights, "weights", where)
        if weights.ndim != 2:
            raise ShapeError(f"weights in {where} must be 2-D (n_post, n_pre), "
                             f"got shape {weights.shape}")
        if np.ndim(delays) == 0:
            delays = np.full(weights.shape, delays)
        delays = check_delays(delays, "delays", where)
        if delays.shape != weights.shape:
            raise ShapeError(f"delays in {where} have shape {delays.shape} but "
                             f"weights have {weights.shape}")
        max_delay = resolve_max_delay(delays, max_delay, where)
        if weights.dtype.kind in "iu":
            loihi_weights(weights, num_weight_bits, sign_mode, where)
        check_weight_exp(weight_exp, where)
        if not 0 <= int(num_message_bits) <= 24:
            raise ParameterError(f"num_message_bits in {where} must be in 0..24, "
                                 f"got {num_message_bits}")
        super().__init__(weights=weights, delays=delays, max_delay=max_delay,
                         weight_exp=weight_exp, num_weight_bits=num_weight_bits,
                         sign_mode=sign_mode, num_message_bits=num_message_bits,
                         name=name, log_config=log_config, **kwargs)
        n_post, n_pre = weights.shape
        self.s_in = InPort(shape=(n_pre,))
        self.a_out = OutPort(shape=(n_post,))
        self.weights = Var(shape=weights.shape, init=weights)
        self.delays = Var(shape=weights.shape, init=delays)
        self.a_buff = Var(shape=(n_post, max_delay + 1), init=0)
        self.num_message_bits = Var(shape=(1,), init=num_message_bits)
        # fixed point: weights clipped into the 8-bit range (float input only)
        self.clip_count = Var(shape=(1,), init=0)

