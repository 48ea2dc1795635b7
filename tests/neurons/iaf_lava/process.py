"""The IAF neuron as a Lava process: ports and Vars only (lava-nc style)."""
import typing as ty

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_delays.proc.base import CheckedProcess


class IAF(CheckedProcess):
    """Non-leaky integrate-and-fire neurons (see ``iaf.py``).

    Parameters
    ----------
    shape : tuple of int
    vth : float (float model) or int mantissa (fixed model: ``vth << 6``)
    v : initial voltage
    """

    def __init__(self, *, shape: ty.Tuple[int, ...], vth, v=0,
                 name: ty.Optional[str] = None, **kwargs) -> None:
        super().__init__(shape=shape, name=name, **kwargs)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.v = Var(shape=shape, init=v)
        self.vth = Var(shape=(1,), init=vth)
        self.overflow_count = Var(shape=(1,), init=0)
