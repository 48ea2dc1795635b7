"""Base class of this library's processes."""
from lava.magma.core.process.process import AbstractProcess


class CheckedProcess(AbstractProcess):
    """An AbstractProcess whose constructor validates its arguments *before*
    calling ``super().__init__`` (so that bad input never reaches a Lava
    child process, where an exception hangs the runtime). If validation
    raises, ``AbstractProcess.__del__`` would fail on the half-built object
    and print a second, confusing traceback; this guard skips it."""

    def __del__(self):
        if "_runtime" in self.__dict__:
            super().__del__()
