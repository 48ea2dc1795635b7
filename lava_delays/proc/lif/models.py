"""Float and bit-accurate models of ``LIF`` and ``LeakyReadout``.

All four call :func:`lava_delays.kernels.lif.lif_step`; the fixed models only
add lava's threshold/bias scaling from :mod:`lava_delays.fixed_point`.
"""
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_delays.fixed_point import OverflowCounter, scale_bias, scale_threshold
from lava_delays.kernels.lif import lif_step
from lava_delays.kernels.surrogate import GaussianSurrogate
from lava_delays.proc.lif.process import LIF, LeakyReadout
from lava_delays.proc.reset import reset_due


class AbstractPyLifModel(PyLoihiProcessModel):
    """One step: receive, run the LIF kernel, send spikes (and psi)."""
    fixed = False
    a_in = None
    s_out = None
    psi_out = None
    u = None
    v = None
    du = None
    dv = None
    bias_mant = None
    bias_exp = None
    vth = None
    overflow_count = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._counter = OverflowCounter()
        self._surrogate = None

    def _bias(self):
        return self.bias_mant

    def _vth(self):
        return self.vth

    def _psi_wanted(self) -> bool:
        return bool(self.psi_out.csp_ports)

    def _maybe_reset(self):
        if reset_due(self.time_step, self.proc_params.get("reset_interval")):
            self.u[:] = 0
            self.v[:] = 0

    def run_spk(self):
        a_in = self.a_in.recv()
        self._maybe_reset()
        vth = self._vth()
        if self._surrogate is None and self._psi_wanted():
            sigma = float(self.proc_params["psi_sigma"]) * float(np.max(vth))
            self._surrogate = GaussianSurrogate(sigma=sigma, fixed=self.fixed)
        spikes, psi = lif_step(self.u[None], self.v[None], a_in[None],
                               du=self.du, dv=self.dv, bias=self._bias(), vth=vth,
                               fixed=self.fixed, counter=self._counter,
                               surrogate=self._surrogate)
        self.s_out.send(spikes[0])
        if psi is not None:
            self.psi_out.send(psi[0])
        self.overflow_count[0] = self._counter.total


class _FloatSubthreshold:
    """Float types of the sub-threshold state shared by LIF and read-out."""
    fixed = False
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    u: np.ndarray = LavaPyType(np.ndarray, float)
    v: np.ndarray = LavaPyType(np.ndarray, float)
    bias_mant: np.ndarray = LavaPyType(np.ndarray, float)
    bias_exp: np.ndarray = LavaPyType(np.ndarray, float)
    du: float = LavaPyType(float, float)
    dv: float = LavaPyType(float, float)
    overflow_count: np.ndarray = LavaPyType(np.ndarray, int)


class _FixedSubthreshold:
    """Bit-accurate types (lava's ``PyLifModelBitAcc``) and bias scaling."""
    fixed = True
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int16, precision=16)
    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    du: int = LavaPyType(int, np.uint16, precision=12)
    dv: int = LavaPyType(int, np.uint16, precision=12)
    bias_mant: np.ndarray = LavaPyType(np.ndarray, np.int16, precision=13)
    bias_exp: np.ndarray = LavaPyType(np.ndarray, np.int16, precision=3)
    overflow_count: np.ndarray = LavaPyType(np.ndarray, int)

    def _bias(self):
        return scale_bias(self.bias_mant, self.bias_exp)


@implements(proc=LIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLifModelFloat(_FloatSubthreshold, AbstractPyLifModel):
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    psi_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    vth: float = LavaPyType(float, float)


@implements(proc=LIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyLifModelFixed(_FixedSubthreshold, AbstractPyLifModel):
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    psi_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=8)
    vth: int = LavaPyType(int, np.int32, precision=17)

    def _vth(self):
        return scale_threshold(self.vth)


class AbstractPyLeakyReadoutModel(AbstractPyLifModel):
    """Leaky integrator: the LIF kernel without threshold; sends v."""
    v_out = None

    def _psi_wanted(self) -> bool:
        return False

    def _vth(self):
        return None

    def run_spk(self):
        a_in = self.a_in.recv()
        self._maybe_reset()
        lif_step(self.u[None], self.v[None], a_in[None], du=self.du, dv=self.dv,
                 bias=self._bias(), vth=None, fixed=self.fixed,
                 counter=self._counter)
        self.v_out.send(self.v)
        self.overflow_count[0] = self._counter.total


@implements(proc=LeakyReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLeakyReadoutModelFloat(_FloatSubthreshold, AbstractPyLeakyReadoutModel):
    v_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=LeakyReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyLeakyReadoutModelFixed(_FixedSubthreshold, AbstractPyLeakyReadoutModel):
    v_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
