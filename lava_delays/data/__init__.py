"""Data sets and spike encoders: the built-in timing task, labelled audio
folders (FSDD), SHD/SSC through tonic, and the CLI's data specs."""
from lava_delays.data.audio import AudioDataError, AudioEncoder, encode_folder
from lava_delays.data.hsd import HSDDataError, load_hsd
from lava_delays.data.spec import DataSpecError, load_split
from lava_delays.data.timing import TimingTask, TimingTaskConfig, TimingTaskError

__all__ = ["TimingTask", "TimingTaskConfig", "TimingTaskError", "AudioEncoder",
           "encode_folder", "AudioDataError", "load_hsd", "HSDDataError", "load_split",
           "DataSpecError"]
