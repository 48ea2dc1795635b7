"""``lava_delays.deploy`` -- quantize, export (hdf5 in lava-dl netx layout,
NIR), load into Lava and check parity (issue 6 of the tracker; not in this
release yet).

Until it lands: :mod:`lava_delays.fixed_point` quantizes weights
(``quantize_weights``), and :mod:`lava_delays.proc.graph` builds and runs a
:class:`lava_delays.engine.Network` as Lava processes.
"""
