"""Sample boundaries in one long Lava run.

Every process of this library accepts ``reset_interval=T`` (a process
parameter): at steps T+1, 2T+1, ... its state is zeroed before the step, so
that samples of length T can be streamed through one long run (one compile,
one set of OS processes) and still equal independent runs -- exactly what the
batched engine computes.
"""


def reset_due(time_step: int, interval) -> bool:
    """True at the first step of every sample after the first."""
    interval = int(interval or 0)
    return interval > 0 and time_step > 1 and (time_step - 1) % interval == 0
