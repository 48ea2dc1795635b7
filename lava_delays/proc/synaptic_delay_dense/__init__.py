from lava_delays.proc.synaptic_delay_dense.process import SynapticDelayDense

__all__ = ["SynapticDelayDense"]
