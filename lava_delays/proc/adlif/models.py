"""Float and fixed-point models of ``AdLIF``; both run the one AdLIF kernel."""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_delays.fixed_point import OverflowCounter, scale_threshold
from lava_delays.kernels.adlif import adlif_params_to_fixed, adlif_step
from lava_delays.kernels.surrogate import GaussianSurrogate
from lava_delays.proc.adlif.process import AdLIF
from lava_delays.proc.reset import reset_due


class AbstractPyAdLifModel(PyLoihiProcessModel):
    fixed = False
    a_in = None
    s_out = None
    psi_out = None
    u = None
    w = None
    s_prev = None
    alpha = None
    beta = None
    a = None
    b = None
    vth = None
    overflow_count = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._counter = OverflowCounter()
        self._surrogate = None
        self._params = None

    def _neuron_params(self) -> dict:
        return dict(alpha=self.alpha, beta=self.beta, a=self.a, b=self.b,
                    vth=self.vth)

    def run_spk(self):
        a_in = self.a_in.recv()
        if reset_due(self.time_step, self.proc_params.get("reset_interval")):
            self.u[:] = 0
            self.w[:] = 0
            self.s_prev[:] = 0
        if self._params is None:
            self._params = self._neuron_params()
        if self._surrogate is None and self.psi_out.csp_ports:
            sigma = float(self.proc_params["psi_sigma"]) * float(np.max(self._params["vth"]))
            self._surrogate = GaussianSurrogate(sigma=sigma, fixed=self.fixed)
        s_prev = self.s_prev[None].astype(bool)
        spikes, psi = adlif_step(self.u[None], self.w[None], s_prev, a_in[None],
                                 **self._params, fixed=self.fixed,
                                 counter=self._counter, surrogate=self._surrogate)
        self.s_prev[:] = spikes[0]
        self.s_out.send(spikes[0])
        if psi is not None:
            self.psi_out.send(psi[0])
        self.overflow_count[0] = self._counter.total


@implements(proc=AdLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyAdLifModelFloat(AbstractPyAdLifModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    psi_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    u: np.ndarray = LavaPyType(np.ndarray, float)
    w: np.ndarray = LavaPyType(np.ndarray, float)
    s_prev: np.ndarray = LavaPyType(np.ndarray, float)
    alpha: np.ndarray = LavaPyType(np.ndarray, float)
    beta: np.ndarray = LavaPyType(np.ndarray, float)
    a: np.ndarray = LavaPyType(np.ndarray, float)
    b: np.ndarray = LavaPyType(np.ndarray, float)
    vth: float = LavaPyType(float, float)
    overflow_count: np.ndarray = LavaPyType(np.ndarray, int)


@implements(proc=AdLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyAdLifModelFixed(AbstractPyAdLifModel):
    fixed = True
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int16, precision=16)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    psi_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=8)
    u: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)
    w: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)
    s_prev: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    alpha: np.ndarray = LavaPyType(np.ndarray, float)
    beta: np.ndarray = LavaPyType(np.ndarray, float)
    a: np.ndarray = LavaPyType(np.ndarray, float)
    b: np.ndarray = LavaPyType(np.ndarray, float)
    vth: int = LavaPyType(int, np.int32, precision=17)
    overflow_count: np.ndarray = LavaPyType(np.ndarray, int)

    def _neuron_params(self) -> dict:
        p = adlif_params_to_fixed(alpha=self.alpha, beta=self.beta, a=self.a, b=self.b)
        p["vth"] = scale_threshold(self.vth)
        return p
