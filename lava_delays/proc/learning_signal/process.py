"""``LearningSignal``: carries the top-down error back to a layer through a
fixed feedback matrix B (the third factor, L = B e)."""
import typing as ty

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_delays.errors import ShapeError
from lava_delays.fixed_point import check_finite
from lava_delays.proc.base import CheckedProcess


class LearningSignal(CheckedProcess):
    """L = B e, sent every step.

    Parameters
    ----------
    feedback : ndarray, shape (n_post, n_classes)
        Fixed random feedback (float, or integers in fixed point).
    """

    def __init__(self, *, feedback, name: ty.Optional[str] = None,
                 log_config: ty.Optional[LogConfig] = None, **kwargs) -> None:
        fb = check_finite(feedback, "feedback", f"LearningSignal {name or ''}".strip())
        if fb.ndim != 2:
            raise ShapeError(f"feedback must be 2-D (n_post, n_classes), got {fb.shape}")
        super().__init__(name=name, log_config=log_config, **kwargs)
        self.err_in = InPort(shape=(fb.shape[1],))
        self.l_out = OutPort(shape=(fb.shape[0],))
        self.feedback = Var(shape=fb.shape, init=fb)
