"""Named exceptions of lava-delays.

Every check in the library raises one of these, with a message that says
*what* is wrong and *where* (which process, layer, variable or file), so that
a user never has to read a stack trace from a Lava child process to find a bad
delay. All derive from :class:`LavaDelaysError` (and from ``ValueError`` where
the problem is a bad value), so ``except ValueError`` keeps working for code
written against lava-nc.
"""
import math


class LavaDelaysError(Exception):
    """Base class of every error raised by lava-delays."""


class DelayRangeError(LavaDelaysError, ValueError):
    """A delay is negative, above the maximum (62), non-integer or not finite."""


class WeightRangeError(LavaDelaysError, ValueError):
    """A weight does not fit the declared fixed-point bits, or is non-integer
    where an integer weight is required."""


class NonFiniteError(LavaDelaysError, ValueError):
    """A parameter contains NaN or infinity."""


class ShapeError(LavaDelaysError, ValueError):
    """Arrays that must agree in shape do not."""


class ParameterError(LavaDelaysError, ValueError):
    """A scalar parameter is outside its documented range."""


class NetworkFileError(LavaDelaysError, ValueError):
    """A network file (hdf5, NIR) cannot be read: not HDF5, truncated or
    corrupt, a dataset or attribute is missing or of the wrong kind, or its
    datasets disagree with each other."""


class FormatVersionError(NetworkFileError):
    """A network file was written by a newer lava-delays file format than this
    version can read."""


class UnsupportedFeatureError(LavaDelaysError, ValueError):
    """The target format or tool cannot express a part of the network (e.g.
    AdLIF neurons in NIR)."""


class CheckpointError(LavaDelaysError, ValueError):
    """A training checkpoint is missing, truncated, corrupt, of a newer format
    or from another architecture."""


class TrainingDivergedError(LavaDelaysError, RuntimeError):
    """The training loss became NaN or infinite; the last good checkpoint is
    kept."""


def check_rate(name: str, value) -> float:
    """``value`` as a float that is finite and >= 0 (learning rates, decay
    and dropout factors), or a :class:`ParameterError` naming it."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out) or out < 0:
        raise ParameterError(f"{name} must be a finite number >= 0, got {value}")
    return out
