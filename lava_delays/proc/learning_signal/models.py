"""Float and fixed-point models of ``LearningSignal``."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_delays.proc.learning_signal.process import LearningSignal


class AbstractPyLearningSignalModel(PyLoihiProcessModel):
    err_in = None
    l_out = None
    feedback = None

    def run_spk(self):
        err = self.err_in.recv()
        # same expression as the engine learner: L = e @ B^T
        self.l_out.send((err[None] @ self.feedback.T)[0])


@implements(proc=LearningSignal, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLearningSignalModelFloat(AbstractPyLearningSignalModel):
    err_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    l_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    feedback: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=LearningSignal, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyLearningSignalModelFixed(AbstractPyLearningSignalModel):
    err_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int64, precision=8)
    l_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int64, precision=24)
    feedback: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=8)
