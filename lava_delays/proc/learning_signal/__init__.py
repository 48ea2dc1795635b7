from lava_delays.proc.learning_signal.process import LearningSignal

__all__ = ["LearningSignal"]
