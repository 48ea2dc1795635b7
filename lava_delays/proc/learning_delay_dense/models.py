"""Models of ``LearningDelayDense``: lava's learning engine (float, or
bit-approximate fixed point: traces, rule evaluation in ``run_lrn``) plus
this library's delay line, which routes every spike with the learned delay
``tag_2``."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.connection import (
    LearningConnectionModelBitApproximate, LearningConnectionModelFloat)
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.magma.core.resources import CPU

from lava_delays.fixed_point import round_half_up
from lava_delays.kernels.delay_line import (SynapseTable, delay_line_emit,
                                            delay_line_ingest)
from lava_delays.proc.learning_delay_dense.process import LearningDelayDense
from lava_delays.proc.synaptic_delay_dense.models import (
    AbstractPySynapticDelayDenseModelFixed, AbstractPySynapticDelayDenseModelFloat)


class AbstractPyLearningDelayDenseModel:
    """Routes spikes with ``round(tag_2)``; the rule's ``dd`` moves them."""

    def _routed_delays(self) -> np.ndarray:
        top = self.a_buff.shape[-1] - 1
        d = round_half_up(np.asarray(self.tag_2, dtype=float))
        out = (d < 0) | (d > top)
        if out.any():
            self.clip_count[0] += int(np.count_nonzero(out))
        return np.clip(d, 0, top).astype(np.int64)

    def _learned_weights(self) -> np.ndarray:
        return np.asarray(self.weights, dtype=np.int64 if self.fixed else np.float64)

    def run_spk(self):
        if self._table is None:
            self._table = SynapseTable(self._learned_weights(), self._routed_delays())
        buf = self.a_buff[None]
        self.a_out.send(delay_line_emit(buf)[0])
        s_in = self.s_in.recv()
        if self.num_message_bits.item() == 0:
            s_in = s_in.astype(bool)
        delay_line_ingest(buf, s_in[None], self._table, self._weight_exp(), self._scratch)
        self.recv_traces(s_in)

    def run_lrn(self):
        super().run_lrn()
        # the rule changed weights / tag_2: route the next spikes with them
        self._table.set_weights(self._learned_weights())
        self._table.set_delays(self._routed_delays())


@implements(proc=LearningDelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLearningDelayDenseModelFloat(AbstractPyLearningDelayDenseModel,
                                     LearningConnectionModelFloat,
                                     AbstractPySynapticDelayDenseModelFloat):
    fixed = False


@implements(proc=LearningDelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_approximate_loihi", "fixed_pt")
class PyLearningDelayDenseModelFixed(AbstractPyLearningDelayDenseModel,
                                     LearningConnectionModelBitApproximate,
                                     AbstractPySynapticDelayDenseModelFixed):
    """Lava's bit-approximate learning engine; weights are its 8-bit weights
    (as in lava's ``LearningDense``), delays its 6-bit ``tag_2``."""
    fixed = True
