"""Float and fixed-point models of ``PlasticDelayDense``.

Both hold one :class:`~lava_delays.kernels.plasticity.PlasticSynapses`
(batch 1) and one delay line and call them in the engine learner's order:
emit, receive, accumulate eligibility, ingest, push trace, receive the
learning signal, update at the sample's last step.
"""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_delays.fixed_point import PSI_ONE
from lava_delays.kernels.delay_line import (SynapseTable, delay_line_emit,
                                            delay_line_ingest)
from lava_delays.kernels.plasticity import PlasticSynapses
from lava_delays.proc.plastic_delay_dense.process import PlasticDelayDense


class AbstractPyPlasticDelayDenseModel(PyLoihiProcessModel):
    fixed = False
    s_in = None
    a_out = None
    psi_in = None
    l_in = None
    weights = None
    delays = None
    syn_delay_steps = None
    axonal_delay_steps = None
    a_buff = None
    clamp_count = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._syn = None

    def _build(self):
        p = self.proc_params
        self._syn = PlasticSynapses(
            np.array(self.weights), syn_delays=p["syn_delays"], axonal_delays=p["axonal_delays"],
            max_delay=p["max_delay"], batch=1, trace_du=p["trace_du"], trace_dv=p["trace_dv"],
            fixed=self.fixed, learn=p["learn"], rates=p["rates"], seed=p["seed"],
            momentum=p["momentum"])
        self._c = np.asarray(p["time_weights"], dtype=np.int64 if self.fixed else np.float64)
        self._table = SynapseTable(self._syn.weights, self._syn.routed_delays())
        self._psi_one = np.full((1, self.weights.shape[0]), PSI_ONE if self.fixed else 1.0)
        self._publish()

    def _publish(self):
        syn = self._syn
        self.weights[:] = syn.weights
        self.delays[:] = syn.routed_delays()
        if syn.syn is not None:
            self.syn_delay_steps[:] = syn.syn.steps()
        if syn.ax is not None:
            self.axonal_delay_steps[:] = syn.ax.steps()
        self.clamp_count[0] = syn.delay_clamps + syn.weight_clamps

    def run_spk(self):
        if self._syn is None:
            self._build()
        period = self.proc_params["reset_interval"]
        t_local = (self.time_step - 1) % period
        if t_local == 0:
            self.a_buff[:] = 0
            self._syn.reset()
        buf = self.a_buff[None]
        self.a_out.send(delay_line_emit(buf)[0])
        s_in = self.s_in.recv()[None]
        psi = self.psi_in.recv()[None] if self.psi_in.csp_ports else self._psi_one
        self._syn.accumulate(psi, self._c[t_local])
        delay_line_ingest(buf, s_in, self._table, 0)
        self._syn.push(s_in)
        signal = self.l_in.recv()[None] if self.l_in.csp_ports else None
        if t_local == period - 1 and signal is not None:
            self._syn.apply(signal)
            self._table = SynapseTable(self._syn.weights, self._syn.routed_delays())
            self._publish()


@implements(proc=PlasticDelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyPlasticDelayDenseModelFloat(AbstractPyPlasticDelayDenseModel):
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    psi_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    l_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    weights: np.ndarray = LavaPyType(np.ndarray, float)
    delays: np.ndarray = LavaPyType(np.ndarray, int)
    syn_delay_steps: np.ndarray = LavaPyType(np.ndarray, float)
    axonal_delay_steps: np.ndarray = LavaPyType(np.ndarray, float)
    a_buff: np.ndarray = LavaPyType(np.ndarray, float)
    clamp_count: np.ndarray = LavaPyType(np.ndarray, int)


@implements(proc=PlasticDelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyPlasticDelayDenseModelFixed(AbstractPyPlasticDelayDenseModel):
    fixed = True
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    psi_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=8)
    l_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int64, precision=24)
    weights: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=8)
    delays: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=6)
    syn_delay_steps: np.ndarray = LavaPyType(np.ndarray, float)
    axonal_delay_steps: np.ndarray = LavaPyType(np.ndarray, float)
    a_buff: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)
    clamp_count: np.ndarray = LavaPyType(np.ndarray, int)
