from lava_delays.proc.learning_delay_dense.process import LearningDelayDense

__all__ = ["LearningDelayDense"]
