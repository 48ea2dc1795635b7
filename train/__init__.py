"""``lava_delays.train`` -- the lava-dl (slayer) offline trainer that
co-learns weights, per-synapse and axonal delays and AdLIF+ adaptation
(issue 5 of the tracker; not in this release yet).

Until it lands: ``lava_delays.benchmarks.bptt`` is a torch BPTT of the
on-line learner's network (per-synapse + axonal delays through linear
interpolation), and ``lava-delays train`` says that it is not available.
"""
