"""``ReadoutError``: turns the read-out voltage into the top-down error of
the three-factor rule (cross-entropy of the summed voltage) at the end of
every sample, and counts correct classifications."""
import typing as ty

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_delays.errors import ParameterError
from lava_delays.proc.base import CheckedProcess


class ReadoutError(CheckedProcess):
    """Error e = softmax(y * logit_scale) - onehot(label) of each sample.

    Ports
    -----
    v_in : read-out voltage (n_classes,), summed over the sample into y
    err_out : (n_classes,) zero except at the last step of each sample, where
        it carries e (float: scaled by 1 / T; fixed: 8-bit, 127 == 1)

    Parameters
    ----------
    n_classes : int
    labels : ndarray of int, shape (n_samples,)
        Label of each sample, in the order the samples are streamed.
    reset_interval : int
        Sample length T.
    logit_scale : float
    """

    def __init__(self, *, n_classes: int, labels, reset_interval: int, logit_scale: float,
                 name: ty.Optional[str] = None,
                 log_config: ty.Optional[LogConfig] = None, **kwargs) -> None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.dtype.kind not in "iu" or labels.size == 0:
            raise ParameterError(f"labels must be a non-empty 1-D integer array, got "
                                 f"{labels.dtype} {labels.shape}")
        if labels.min() < 0 or labels.max() >= n_classes:
            raise ParameterError(f"labels must lie in 0..{n_classes - 1}, got "
                                 f"{labels.min()}..{labels.max()}")
        if int(reset_interval) < 1 or not np.isfinite(logit_scale) or logit_scale <= 0:
            raise ParameterError("reset_interval must be >= 1 and logit_scale > 0")
        super().__init__(n_classes=n_classes, labels=labels, reset_interval=int(reset_interval),
                         logit_scale=float(logit_scale), name=name, log_config=log_config,
                         **kwargs)
        self.v_in = InPort(shape=(n_classes,))
        self.err_out = OutPort(shape=(n_classes,))
        self.y = Var(shape=(n_classes,), init=0)
        self.n_correct = Var(shape=(1,), init=0)
        self.n_seen = Var(shape=(1,), init=0)
        self.loss_sum = Var(shape=(1,), init=0)
