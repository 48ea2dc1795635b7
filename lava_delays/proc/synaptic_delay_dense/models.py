"""Float and fixed-point models of ``SynapticDelayDense``.

Both call the one delay-line kernel (:mod:`lava_delays.kernels.delay_line`);
they differ only in dtypes and in the fixed-point weight preparation.
"""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_delays.fixed_point import (determine_sign_mode, loihi_weights,
                                     weight_range)
from lava_delays.kernels.delay_line import (SynapseTable, delay_line_emit,
                                            delay_line_ingest)
from lava_delays.proc.reset import reset_due
from lava_delays.proc.synaptic_delay_dense.process import SynapticDelayDense


class AbstractPySynapticDelayDenseModel(PyLoihiProcessModel):
    """Shared run loop: emit (send first, so recurrent loops cannot deadlock),
    then receive and scatter this step's spikes."""
    s_in = None
    a_out = None
    a_buff = None
    weights = None
    delays = None
    num_message_bits = None
    clip_count = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._table = None
        self._scratch = {}
        self._where = f"SynapticDelayDense {proc_params.get('name') or ''}".strip()

    def _kernel_weights(self) -> np.ndarray:
        raise NotImplementedError

    def on_var_update(self):
        # A Var.set between runs (weights, delays) must take effect: rebuild
        # the synapse table at the next step. Delays set outside the buffer
        # are clamped and counted in clip_count -- raising here would hang
        # lava's runtime, and an unchecked index would write out of bounds.
        top = self.a_buff.shape[-1] - 1
        bad = (self.delays < 0) | (self.delays > top)
        if bad.any():
            self.clip_count[0] += np.count_nonzero(bad)
            self.delays[:] = np.clip(self.delays, 0, top)
        self._table = None

    def _weight_exp(self) -> int:
        return 0

    def run_spk(self):
        if self._table is None:
            self._table = SynapseTable(self._kernel_weights(), self.delays)
        if reset_due(self.time_step, self.proc_params.get("reset_interval")):
            self.a_buff[:] = 0
        buf = self.a_buff[None]  # batch of one, a view: updated in place
        self.a_out.send(delay_line_emit(buf)[0])
        s_in = self.s_in.recv()
        if self.num_message_bits.item() == 0:
            s_in = s_in.astype(bool)
        delay_line_ingest(buf, s_in[None], self._table, self._weight_exp(),
                          self._scratch)


class AbstractPySynapticDelayDenseModelFloat(AbstractPySynapticDelayDenseModel):
    """Float types and weights (undecorated, so learning models can reuse it)."""
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    a_buff: np.ndarray = LavaPyType(np.ndarray, float)
    weights: np.ndarray = LavaPyType(np.ndarray, float)
    delays: np.ndarray = LavaPyType(np.ndarray, int)
    num_message_bits: np.ndarray = LavaPyType(np.ndarray, int, precision=5)
    clip_count: np.ndarray = LavaPyType(np.ndarray, int)

    def _kernel_weights(self):
        return np.asarray(self.weights, dtype=np.float64)


@implements(proc=SynapticDelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySynapticDelayDenseModelFloat(AbstractPySynapticDelayDenseModelFloat):
    """Float model: weights as given, ``weight_exp`` ignored (as lava's)."""


class AbstractPySynapticDelayDenseModelFixed(AbstractPySynapticDelayDenseModel):
    """Fixed-point types, weights and shift (undecorated, for reuse)."""
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=16)
    a_buff: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)
    weights: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    delays: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=6)
    num_message_bits: np.ndarray = LavaPyType(np.ndarray, int, precision=5)

    clip_count: np.ndarray = LavaPyType(np.ndarray, int)

    def _kernel_weights(self):
        # Float weights were int-cast by LavaPyType (as in lava); clip them
        # into range and count, since raising here would hang the runtime.
        sign_mode = (self.proc_params.get("sign_mode")
                     or determine_sign_mode(self.weights))
        lo, hi = weight_range(sign_mode)
        w = np.asarray(self.weights, dtype=np.int64)
        self.clip_count[0] += np.count_nonzero((w < lo) | (w > hi))
        w = loihi_weights(np.clip(w, lo, hi),
                          self.proc_params.get("num_weight_bits", 8), sign_mode,
                          self._where)
        self.weights[:] = w
        return w

    def _weight_exp(self):
        return int(self.proc_params.get("weight_exp", 0))


@implements(proc=SynapticDelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PySynapticDelayDenseModelFixed(AbstractPySynapticDelayDenseModelFixed):
    """Bit-accurate model: 8-bit weights (LSB dropped for mixed sign, as on
    Loihi), per-step sums shifted by ``weight_exp``."""
