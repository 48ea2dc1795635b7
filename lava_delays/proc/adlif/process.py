"""AdLIF+ neurons (arXiv:2311.16112) with a surrogate-derivative port."""
import typing as ty

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_delays.proc.base import CheckedProcess
from lava_delays.errors import ParameterError
from lava_delays.fixed_point import DEFAULT_PSI_SIGMA, check_finite
from lava_delays.kernels.adlif import check_adlif_params


class AdLIF(CheckedProcess):
    """Adaptive LIF (AdLIF+) neurons; see :mod:`lava_delays.kernels.adlif`.

    Parameters
    ----------
    shape : tuple of int
    alpha, beta, a, b : float or ndarray of shape ``shape``
        Membrane decay, adaptation decay, sub-threshold and spike-triggered
        adaptation, always given as floats in their ranges
        (:data:`lava_delays.kernels.adlif.RANGES`); the fixed model rounds
        them to 12-bit fractions.
    vth : float (float model) or int mantissa (fixed model, effective << 6)
    u, w : initial membrane potential and adaptation
    psi_sigma : float
        Surrogate width as a fraction of ``vth``.
    """

    def __init__(self, *, shape: ty.Tuple[int, ...], alpha, beta, a=0.0, b=0.0,
                 vth=1.0, u=0, w=0, psi_sigma: float = DEFAULT_PSI_SIGMA,
                 name: ty.Optional[str] = None,
                 log_config: ty.Optional[LogConfig] = None, **kwargs) -> None:
        where = f"AdLIF {name or ''}".strip()
        check_adlif_params(where, alpha=alpha, beta=beta, a=a, b=b)
        for n, val in dict(vth=vth, u=u, w=w, psi_sigma=psi_sigma).items():
            check_finite(val, n, where)
        if not np.all(np.asarray(vth) > 0) or not psi_sigma > 0:
            raise ParameterError(f"vth and psi_sigma in {where} must be > 0, "
                                 f"got vth={vth}, psi_sigma={psi_sigma}")
        super().__init__(shape=shape, psi_sigma=psi_sigma, name=name,
                         log_config=log_config, **kwargs)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.psi_out = OutPort(shape=shape)
        self.u = Var(shape=shape, init=u)
        self.w = Var(shape=shape, init=w)
        self.s_prev = Var(shape=shape, init=0)
        self.alpha = Var(shape=shape, init=alpha)
        self.beta = Var(shape=shape, init=beta)
        self.a = Var(shape=shape, init=a)
        self.b = Var(shape=shape, init=b)
        self.vth = Var(shape=(1,), init=vth)
        self.overflow_count = Var(shape=(1,), init=0)
