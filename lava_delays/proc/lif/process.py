"""LIF neurons with a surrogate-derivative port, and a leaky read-out.

``LIF`` has the constructor, ports and Vars of ``lava.proc.lif.process.LIF``
(and the same output for both tags) plus ``psi_out``: the Gaussian surrogate
derivative of the three-factor rule (arXiv:2601.00668), which plastic synapses read as their post factor.
"""
import typing as ty

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_delays.proc.base import CheckedProcess
from lava_delays.errors import ParameterError
from lava_delays.fixed_point import DEFAULT_PSI_SIGMA, check_finite


def _check_neuron_args(where: str, **values) -> None:
    for name, value in values.items():
        check_finite(value, name, where)


def _subthreshold_state(proc, shape, u, v, du, dv, bias_mant, bias_exp) -> None:
    """Input port and sub-threshold Vars shared by LIF and LeakyReadout
    (names and shapes of lava's ``LIF``)."""
    proc.a_in = InPort(shape=shape)
    proc.u = Var(shape=shape, init=u)
    proc.v = Var(shape=shape, init=v)
    proc.du = Var(shape=(1,), init=du)
    proc.dv = Var(shape=(1,), init=dv)
    proc.bias_mant = Var(shape=shape, init=bias_mant)
    proc.bias_exp = Var(shape=shape, init=bias_exp)
    proc.overflow_count = Var(shape=(1,), init=0)


class LeakyReadout(CheckedProcess):
    """Non-spiking CUBA leaky integrator (read-out layer).

    Same sub-threshold dynamics as :class:`LIF` but it never spikes; ``v_out``
    sends the voltage every step (class = argmax of summed voltage).

    Parameters
    ----------
    shape : tuple of int
    du, dv : float in [0, 1] (float model) or int 0..4095 (fixed model)
    bias_mant, bias_exp : float/int or ndarray
    u, v : initial current and voltage
    """

    def __init__(self, *, shape: ty.Tuple[int, ...], u=0, v=0, du=0, dv=0,
                 bias_mant=0, bias_exp=0, name: ty.Optional[str] = None,
                 log_config: ty.Optional[LogConfig] = None, **kwargs) -> None:
        _check_neuron_args(f"LeakyReadout {name or ''}".strip(), u=u, v=v, du=du,
                           dv=dv, bias_mant=bias_mant, bias_exp=bias_exp)
        super().__init__(shape=shape, name=name, log_config=log_config, **kwargs)
        _subthreshold_state(self, shape, u, v, du, dv, bias_mant, bias_exp)
        self.v_out = OutPort(shape=shape)


class LIF(CheckedProcess):
    """Leaky integrate-and-fire neurons (lava's ``LIF``) with ``psi_out``.

    Dynamics (see :mod:`lava_delays.kernels.lif`)::

        u[t] = u[t-1] * (1 - du) + a_in[t]
        v[t] = v[t-1] * (1 - dv) + u[t] + bias
        s[t] = v[t] > vth;  v[t] = 0 where s[t]
        psi[t] = exp(-(v[t] - vth)**2 / (2 (psi_sigma * vth)**2))  (pre-reset v)

    Parameters
    ----------
    shape : tuple of int
    u, v : float/int or ndarray, initial current and voltage
    du, dv : float in [0, 1] (float model) or int 0..4095 (fixed model)
    bias_mant, bias_exp : bias (fixed: ``bias_mant << bias_exp``)
    vth : float (float model) or int mantissa (fixed: effective ``vth << 6``)
    psi_sigma : float, optional
        Surrogate width as a fraction of ``vth`` (default
        :data:`~lava_delays.fixed_point.DEFAULT_PSI_SIGMA`). ``psi_out``
        is computed only when something is connected to it.
    """

    def __init__(self, *, shape: ty.Tuple[int, ...], u=0, v=0, du=0, dv=0,
                 bias_mant=0, bias_exp=0, vth=10, psi_sigma: float = DEFAULT_PSI_SIGMA,
                 name: ty.Optional[str] = None,
                 log_config: ty.Optional[LogConfig] = None, **kwargs) -> None:
        where = f"LIF {name or ''}".strip()
        _check_neuron_args(where, u=u, v=v, du=du, dv=dv, bias_mant=bias_mant,
                           bias_exp=bias_exp, vth=vth, psi_sigma=psi_sigma)
        if not psi_sigma > 0:
            raise ParameterError(f"psi_sigma in {where} must be > 0, got {psi_sigma}")
        super().__init__(shape=shape, psi_sigma=psi_sigma, name=name,
                         log_config=log_config, **kwargs)
        _subthreshold_state(self, shape, u, v, du, dv, bias_mant, bias_exp)
        self.s_out = OutPort(shape=shape)
        self.psi_out = OutPort(shape=shape)
        self.vth = Var(shape=(1,), init=vth)
