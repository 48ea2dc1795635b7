"""``LearningDelayDense``: a ``SynapticDelayDense`` that learns with lava-nc's
own learning rules (``Loihi2FLearningRule`` / ``Loihi3FLearningRule`` with
``dw``, ``dd``, ``dt`` strings) -- and whose ``dd`` moves *real* delays.

In lava-nc 0.10, ``LearningDense`` has no delays and a ``dd`` rule only
updates ``tag_2``, which never affects a spike (lava-nc issue 752). Here
``tag_2`` *is* the synaptic delay: it starts at ``delays`` and every spike is
routed with ``tag_2`` rounded to an integer in 0..max_delay (values outside
are clamped and counted in ``clamp_count``, never wrapped).
"""
import typing as ty

import numpy as np
from lava.magma.core.learning.learning_rule import (Loihi2FLearningRule,
                                                    Loihi3FLearningRule)
from lava.magma.core.learning.constants import GradedSpikeCfg
from lava.magma.core.process.connection import LearningConnectionProcess
from lava.magma.core.process.process import LogConfig

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import MAX_DELAY
from lava_delays.proc.synaptic_delay_dense.process import SynapticDelayDense


class LearningDelayDense(LearningConnectionProcess, SynapticDelayDense):
    """Delayed dense synapses driven by a lava learning rule.

    Parameters
    ----------
    weights, delays, weight_exp, num_weight_bits, sign_mode, num_message_bits
        As :class:`SynapticDelayDense`.
    max_delay : int, optional
        Largest delay the rule may reach (default 62): the buffer is sized
        for it.
    learning_rule : Loihi2FLearningRule or Loihi3FLearningRule
        ``dw`` updates the weights, ``dd`` the delays (``tag_2``), ``dt``
        the tag ``tag_1``. Connect ``s_in_bap`` (post spikes) as for lava's
        ``LearningDense``.
    """

    def __init__(self, *, weights: np.ndarray, delays, learning_rule,
                 max_delay: int = MAX_DELAY, name: ty.Optional[str] = None,
                 num_message_bits: int = 0, log_config: ty.Optional[LogConfig] = None,
                 **kwargs) -> None:
        if not isinstance(learning_rule, (Loihi2FLearningRule, Loihi3FLearningRule)):
            raise ParameterError(
                f"learning_rule of LearningDelayDense {name or ''} must be a lava "
                f"Loihi2FLearningRule or Loihi3FLearningRule, got {type(learning_rule).__name__}")
        weights = np.asarray(weights)
        if np.ndim(delays) == 0:
            delays = np.full(weights.shape, delays)
        super().__init__(weights=weights, delays=delays, max_delay=max_delay,
                         shape=weights.shape, learning_rule=learning_rule,
                         tag_2=np.asarray(delays, dtype=float), tag_1=0,
                         graded_spike_cfg=GradedSpikeCfg.USE_REGULAR_IMPULSE, name=name,
                         num_message_bits=num_message_bits, log_config=log_config, **kwargs)
