from lava_delays.proc.axonal_delay.process import AxonalDelay

__all__ = ["AxonalDelay"]
