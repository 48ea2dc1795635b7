from lava_delays.proc.plastic_delay_dense.process import PlasticDelayDense

__all__ = ["PlasticDelayDense"]
