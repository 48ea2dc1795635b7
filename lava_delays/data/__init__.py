"""Data sets and spike encoders."""
from lava_delays.data.timing import TimingTask, TimingTaskConfig, TimingTaskError

__all__ = ["TimingTask", "TimingTaskConfig", "TimingTaskError"]
