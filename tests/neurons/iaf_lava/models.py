"""Float and fixed-point models of the IAF process; both run ``iaf_step``."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from iaf import iaf_step
from iaf_lava.process import IAF
from lava_delays.fixed_point import OverflowCounter, scale_threshold
from lava_delays.proc.reset import reset_due


class AbstractPyIAFModel(PyLoihiProcessModel):
    fixed = False
    a_in = None
    s_out = None
    v = None
    vth = None
    overflow_count = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.counter = OverflowCounter()

    def run_spk(self):
        a_in = self.a_in.recv()
        if reset_due(self.time_step, self.proc_params.get("reset_interval")):
            self.v[:] = 0
        vth = scale_threshold(self.vth) if self.fixed else self.vth
        spikes, _ = iaf_step(self.v[None], a_in[None], vth=vth, fixed=self.fixed,
                             counter=self.counter)
        self.s_out.send(spikes[0])
        self.overflow_count[0] = self.counter.total


@implements(proc=IAF, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyIAFModelFloat(AbstractPyIAFModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    v: np.ndarray = LavaPyType(np.ndarray, float)
    vth: float = LavaPyType(float, float)
    overflow_count: np.ndarray = LavaPyType(np.ndarray, int)


@implements(proc=IAF, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyIAFModelFixed(AbstractPyIAFModel):
    fixed = True
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int16, precision=16)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)
    vth: int = LavaPyType(int, np.int32, precision=17)
    overflow_count: np.ndarray = LavaPyType(np.ndarray, int)
