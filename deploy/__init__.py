"""``lava_delays.deploy`` -- export and import networks: hdf5 in lava-dl
netx's layout, NIR, and loading into Lava.

* :func:`save_hdf5` / :func:`load_hdf5` -- a :class:`lava_delays.network.Network`
  as an HDF5 file in netx's layout (``layer/<k>/weight``, ``delay``,
  ``neuron/iDecay`` ...) extended with what netx lacks (axonal and recurrent
  delays, AdLIF, ``weight_exp``, read-out, ``fixed``); exact round trip,
  atomic writes, every defect of a file raises a named error
  (:mod:`lava_delays.deploy.hdf5`).
* :func:`netx_compatible` -- whether stock ``lava.lib.dl.netx.hdf5.Network``
  runs that file exactly as :func:`lava_delays.proc.graph.run_lava` does, and
  why not (:mod:`lava_delays.deploy.netx`).
* :func:`export_nir` / :func:`import_nir` -- a NIR graph (``CubaLIF``,
  ``CubaLI``, ``Linear`` and ``Delay`` nodes; :mod:`lava_delays.deploy.nir_io`).

* :func:`quantize_model` / :func:`quantize_run` -- a trained
  :class:`lava_delays.train.DelayNet` as its fixed-point network, with a
  per-layer report of clipped weights and clamped delays
  (:mod:`lava_delays.deploy.quantize`).
* :func:`deploy_run` -- ``lava-delays deploy``: quantize a run and export it.
* :func:`evaluate_file`, :func:`run_backend`, :func:`spike_parity` --
  ``lava-delays eval``: a file on the engine or in Lava (fixed point), and
  the fraction of identical spike trains between backends.

To run a loaded network in Lava use :func:`lava_delays.proc.graph.run_lava`
(``run_backend(net, x, "lava")``).
"""
from .hdf5 import FORMAT_VERSION, load_hdf5, load_hdf5_metadata, save_hdf5
from .netx import NetxCheck, netx_compatible
from .evaluate import evaluate_file, run_backend, spike_parity
from .export import deploy_run
from .quantize import quantization_report, quantize_model, quantize_run
from .nir_io import (NIR_FORMAT_VERSION, export_nir, import_nir,
                     network_to_nir, nir_to_network)

__all__ = ["FORMAT_VERSION", "NIR_FORMAT_VERSION", "NetxCheck", "export_nir",
           "import_nir", "load_hdf5", "load_hdf5_metadata", "network_to_nir",
           "netx_compatible", "nir_to_network", "save_hdf5", "evaluate_file", "run_backend",
           "spike_parity", "deploy_run", "quantization_report", "quantize_model",
           "quantize_run"]
