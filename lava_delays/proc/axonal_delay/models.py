"""Float and fixed-point models of ``AxonalDelay`` (one axonal kernel)."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_delays.kernels.axonal import axonal_delay_step
from lava_delays.proc.axonal_delay.process import AxonalDelay
from lava_delays.proc.reset import reset_due


class AbstractPyAxonalDelayModel(PyLoihiProcessModel):
    s_in = None
    s_out = None
    delays = None
    s_buff = None

    def run_spk(self):
        s_in = self.s_in.recv()
        if reset_due(self.time_step, self.proc_params.get("reset_interval")):
            self.s_buff[:] = 0
        out = axonal_delay_step(self.s_buff[None], s_in[None].astype(self.s_buff.dtype),
                                np.asarray(self.delays, dtype=np.int64))
        self.s_out.send(out[0])


@implements(proc=AxonalDelay, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyAxonalDelayModelFloat(AbstractPyAxonalDelayModel):
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    delays: np.ndarray = LavaPyType(np.ndarray, int)
    s_buff: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=AxonalDelay, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyAxonalDelayModelFixed(AbstractPyAxonalDelayModel):
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    delays: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=6)
    s_buff: np.ndarray = LavaPyType(np.ndarray, np.int64)
