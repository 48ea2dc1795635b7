"""``AxonalDelay``: delays each neuron's spikes by its own axonal delay."""
import typing as ty

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_delays.proc.base import CheckedProcess
from lava_delays.errors import ShapeError
from lava_delays.fixed_point import check_delays, resolve_max_delay


class AxonalDelay(CheckedProcess):
    """Per-neuron axonal delay on a spike stream.

    A spike on ``s_in[i]`` at step t leaves ``s_out[i]`` at step
    ``t + delays[i]`` (delay 0 passes it through in the same step). Put it
    between a neuron population and *all* of its outgoing connections.

    Parameters
    ----------
    shape : tuple of int
        Number of neurons (1-D).
    delays : ndarray of int, shape ``shape``, or int
        Axonal delays, 0..62.
    max_delay : int, optional
        Buffer size minus one (default: ``delays.max()``); set it higher if
        learning will grow the delays.
    """

    def __init__(self, *, shape: ty.Tuple[int, ...], delays, max_delay: int = 0,
                 name: ty.Optional[str] = None,
                 log_config: ty.Optional[LogConfig] = None, **kwargs) -> None:
        where = f"AxonalDelay {name or ''}".strip()
        shape = tuple(shape)
        if len(shape) != 1:
            raise ShapeError(f"{where} expects a 1-D shape, got {shape}")
        if np.ndim(delays) == 0:
            delays = np.full(shape, delays)
        delays = check_delays(delays, "delays", where)
        if delays.shape != shape:
            raise ShapeError(f"delays in {where} have shape {delays.shape}, "
                             f"expected {shape}")
        max_delay = resolve_max_delay(delays, max_delay, where)
        super().__init__(shape=shape, max_delay=max_delay, name=name,
                         log_config=log_config, **kwargs)
        self.s_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.delays = Var(shape=shape, init=delays)
        self.s_buff = Var(shape=shape + (max_delay + 1,), init=0)
