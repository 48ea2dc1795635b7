"""Float and fixed-point models of ``ReadoutError`` (one error kernel:
:func:`lava_delays.kernels.plasticity.readout_error`)."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_delays.kernels.plasticity import readout_error
from lava_delays.proc.readout_error.process import ReadoutError


class AbstractPyReadoutErrorModel(PyLoihiProcessModel):
    fixed = False
    v_in = None
    err_out = None
    y = None
    n_correct = None
    n_seen = None
    loss_sum = None

    def run_spk(self):
        p = self.proc_params
        period = p["reset_interval"]
        t_local = (self.time_step - 1) % period
        if t_local == 0:
            self.y[:] = 0
        self.y += self.v_in.recv()
        err = np.zeros(p["n_classes"])
        if t_local == period - 1:
            sample = (self.time_step - 1) // period
            labels = np.asarray(p["labels"])
            label = labels[min(sample, len(labels) - 1)]
            e, loss, correct = readout_error(self.y[None], np.array([label]), p["n_classes"],
                                             p["logit_scale"], self.fixed, period)
            err = e[0]
            self.n_correct[0] += int(correct[0])
            self.n_seen[0] += 1
            self.loss_sum[0] += loss
        self.err_out.send(err)


@implements(proc=ReadoutError, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyReadoutErrorModelFloat(AbstractPyReadoutErrorModel):
    v_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    err_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y: np.ndarray = LavaPyType(np.ndarray, float)
    n_correct: np.ndarray = LavaPyType(np.ndarray, int)
    n_seen: np.ndarray = LavaPyType(np.ndarray, int)
    loss_sum: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=ReadoutError, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyReadoutErrorModelFixed(AbstractPyReadoutErrorModel):
    fixed = True
    v_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    err_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int64, precision=8)
    y: np.ndarray = LavaPyType(np.ndarray, np.int64)
    n_correct: np.ndarray = LavaPyType(np.ndarray, int)
    n_seen: np.ndarray = LavaPyType(np.ndarray, int)
    loss_sum: np.ndarray = LavaPyType(np.ndarray, float)
