"""Float model of ``LearningDelayDense``: lava's float learning engine
(traces, rule evaluation in ``run_lrn``) plus this library's delay line,
which routes every spike with the learned delay ``tag_2``."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.connection import LearningConnectionModelFloat
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.magma.core.resources import CPU

from lava_delays.kernels.delay_line import (SynapseTable, delay_line_emit,
                                            delay_line_ingest)
from lava_delays.proc.learning_delay_dense.process import LearningDelayDense
from lava_delays.proc.synaptic_delay_dense.models import \
    AbstractPySynapticDelayDenseModelFloat


@implements(proc=LearningDelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLearningDelayDenseModelFloat(LearningConnectionModelFloat,
                                     AbstractPySynapticDelayDenseModelFloat):
    """Routes spikes with ``round(tag_2)``; the rule's ``dd`` moves them."""

    def _routed_delays(self) -> np.ndarray:
        top = self.a_buff.shape[-1] - 1
        d = np.floor(np.asarray(self.tag_2, dtype=float) + 0.5)
        out = (d < 0) | (d > top)
        if out.any():
            self.clip_count[0] += int(np.count_nonzero(out))
        return np.clip(d, 0, top).astype(np.int64)

    def run_spk(self):
        if self._table is None:
            self._table = SynapseTable(np.asarray(self.weights, dtype=np.float64),
                                       self._routed_delays())
        buf = self.a_buff[None]
        self.a_out.send(delay_line_emit(buf)[0])
        s_in = self.s_in.recv()
        if self.num_message_bits.item() == 0:
            s_in = s_in.astype(bool)
        delay_line_ingest(buf, s_in[None], self._table, 0, self._scratch)
        self.recv_traces(s_in)

    def run_lrn(self):
        super().run_lrn()
        # the rule changed weights / tag_2: route the next spikes with them
        self._table.set_weights(np.asarray(self.weights, dtype=np.float64))
        self._table.set_delays(self._routed_delays())
