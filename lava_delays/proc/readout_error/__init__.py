from lava_delays.proc.readout_error.process import ReadoutError

__all__ = ["ReadoutError"]
