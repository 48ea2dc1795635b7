"""Quantize a trained model to the fixed-point spec of
:mod:`lava_delays.fixed_point` and report what rounding did to it.

A model that finished its quantization-aware phase already *is* its
fixed-point network (the trainer's quantized forward pass equals the engine
spike for spike); a float model is quantized here with the same code
(:meth:`lava_delays.train.model.DelayNet.quantize`), which picks each layer's
threshold mantissa so that its weights fill the 8-bit range.
"""
from __future__ import annotations

from pathlib import Path
from typing import Tuple

import numpy as np
import torch

from lava_delays.network import Network
from lava_delays.train.quantize import mantissa_step_range


def quantization_report(model, net: Network) -> list:
    """Per layer: scale (threshold mantissa), weights clipped to the 8-bit
    range of their sign mode, weights rounded to zero, delays outside the
    layer's range, and the largest synaptic / axonal delay rounding (steps)."""
    report = []
    for k, (block, layer) in enumerate(zip(model.blocks, net.layers)):
        row = {"layer": k, "kind": block.kind, "scale": int(block.scale),
               "n_weights": 0, "weights_clipped": 0, "weights_to_zero": 0,
               "delays_clamped": 0, "max_delay_rounding": 0.0}
        for lin, conn in ((block.ff, layer.ff), (block.rec, layer.rec)):
            if lin is None:
                continue
            scaled = lin.weight.detach().double() * block.scale
            step, lo, hi = mantissa_step_range(scaled)
            rounded = torch.round(scaled / step).numpy() * step
            m = np.asarray(conn.weights)
            row["n_weights"] += int(m.size)
            row["weights_clipped"] += int(np.count_nonzero((rounded < lo) | (rounded > hi)))
            row["weights_to_zero"] += int(np.count_nonzero((m == 0) & (scaled.numpy() != 0)))
            d = lin.delay.detach().double().cpu().numpy()
            row["delays_clamped"] += int(np.count_nonzero((d < -0.5) | (d >= lin.max_delay + 0.5)))
            row["max_delay_rounding"] = max(row["max_delay_rounding"], float(
                np.abs(np.clip(d, 0, lin.max_delay) - conn.delay_matrix()).max(initial=0)))
        if block.axon is not None:
            a = block.axon.delay.detach().double().cpu().numpy()
            row["max_axonal_delay_rounding"] = float(
                np.abs(np.clip(a, 0, block.axon.max_delay) - layer.axonal_delays).max(initial=0))
        report.append(row)
    return report


def quantize_model(model, percentile: float = 99.9) -> Tuple[Network, list]:
    """Fixed-point :class:`Network` of a trained ``DelayNet`` and its
    per-layer quantization report. A float model is quantized in place."""
    if not model.quantized:
        model.quantize(percentile)
    with torch.no_grad():
        net = model.to_network(fixed=True)
    return net, quantization_report(model, net)


def quantize_run(run_dir) -> Tuple[Network, list, object]:
    """Load the model of a training run directory and quantize it.
    Returns (network, report, model)."""
    from lava_delays.train.trainer import load_model
    model = load_model(Path(run_dir))
    net, report = quantize_model(model)
    return net, report, model
