"""``lava_delays.train`` -- the lava-dl (slayer) offline trainer that
co-learns weights, per-synapse and axonal delays and AdLIF+ adaptation
(issue 5 of the tracker; in progress).

Available now: :class:`lava_delays.train.adlif.AdLIF` (torch AdLIF+ equal to
the float kernel spike for spike),
:class:`lava_delays.train.delays.SynapticDelayLinear` (learnable weight and
delay per synapse, interpolated between integer taps; at integer delays equal
to the delay-line kernel) and :mod:`lava_delays.train.surrogate`
(Gaussian-surrogate spike function).
``lava_delays.benchmarks.bptt`` is a torch BPTT of the on-line learner's
network (per-synapse + axonal delays through linear interpolation);
``lava-delays train`` says that the trainer is not available yet.
"""
from lava_delays.train.adlif import AdLIF
from lava_delays.train.delays import SynapticDelayLinear, delayed_current
from lava_delays.train.surrogate import GaussSpike, spike

__all__ = ["AdLIF", "SynapticDelayLinear", "delayed_current", "GaussSpike", "spike"]
