from lava_delays.proc.adlif.process import AdLIF

__all__ = ["AdLIF"]
