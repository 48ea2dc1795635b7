from lava_delays.proc.lif.process import LIF, LeakyReadout

__all__ = ["LIF", "LeakyReadout"]
