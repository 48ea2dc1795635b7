"""``lava-delays deploy``: quantize a training run and export it (hdf5 in
lava-dl netx's layout, optionally NIR); writes ``metrics.json`` with the
per-layer quantization report beside the network file."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from lava_delays.atomic import check_fresh_output, write_json
from lava_delays.errors import ParameterError


def deploy_run(run_dir, out, *, nir: Optional[Path] = None, fixed: bool = True) -> dict:
    """Quantize the model of ``run_dir`` (a ``lava-delays train`` output) and
    write it to ``out`` (hdf5) and, if given, ``nir``.

    Parameters
    ----------
    run_dir : path
        Training run directory (holds ``checkpoint.pt``) or a checkpoint file.
    out : path
        Network file to write (``.h5``).
    nir : path, optional
        Also export NIR (the parts NIR can express).
    fixed : bool
        Export the fixed-point network (default) or the float one (float
        weights, deployed integer delays).

    Returns
    -------
    dict
        The metrics also written to ``OUT_DIR/metrics.json``: per-layer
        clipping/rounding counts, the delay clamps counted during training,
        and whether stock netx can load the file (and why not).
    """
    from lava_delays.deploy.hdf5 import save_hdf5
    from lava_delays.deploy.netx import netx_compatible
    from lava_delays.deploy.quantize import quantize_model
    from lava_delays.train.run import training_data_spec
    from lava_delays.train.trainer import (CHECKPOINT, checkpoint_path, load_checkpoint,
                                           model_from_checkpoint)
    out = Path(out)
    if (out.parent / CHECKPOINT).exists():
        raise ParameterError(f"{out.parent} holds a training run; write the network elsewhere "
                             "(deploy writes metrics.json beside it)")
    path = checkpoint_path(run_dir)
    state = load_checkpoint(path)
    if out.exists():
        raise ParameterError(f"{out} exists; choose another --out or remove it")
    check_fresh_output(out.parent)
    print(f"[deploy] quantizing {run_dir}", file=sys.stderr, flush=True)
    model = model_from_checkpoint(state, path)
    if fixed:
        net, report = quantize_model(model)
    else:
        net, report = model.to_network(fixed=False), []
    # the layer scales (threshold mantissas) turn a fixed-point file back into
    # the trainer's float units (on-device fine-tuning); a float file has none
    meta = {"source": str(run_dir), "model_config": model.cfg.to_dict(),
            "scales": [b.scale for b in model.blocks] if fixed else None,
            "data": training_data_spec(run_dir)}
    print(f"[deploy] writing {out}", file=sys.stderr, flush=True)
    save_hdf5(net, out, metadata=meta)
    check = netx_compatible(net)
    metrics = {"network": str(out), "fixed": fixed, "layers": report,
               "weights_clipped": sum(r["weights_clipped"] for r in report),
               "delays_clamped": sum(r["delays_clamped"] for r in report),
               "delay_clamps_during_training": int(state.get("delay_clamps", 0)),
               "netx_compatible": bool(check), "netx_reason": getattr(check, "reason", ""),
               "n_layers": len(net.layers)}
    if nir is not None:
        from lava_delays.deploy.nir_io import export_nir
        export_nir(net, nir)
        metrics["nir"] = str(nir)
    write_json(out.parent / "metrics.json", metrics)
    return metrics
