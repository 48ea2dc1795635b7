"""The trainer's torch AdLIF+ equals the float AdLIF kernel spike for spike,
clamps its parameters, and passes gradients to all four of them."""
import numpy as np
import pytest
import torch

from lava_delays.errors import ShapeError
from lava_delays.kernels.adlif import RANGES, adlif_step
from lava_delays.train.adlif import AdLIF


def test_torch_adlif_equals_float_kernel():
    rng = np.random.default_rng(0)
    layer = AdLIF(12, vth=1.0, seed=3)
    current = rng.normal(2.0, 1.5, (3, 80, 12))
    spikes = layer(torch.tensor(current)).detach().numpy()
    p = {k: v.detach().numpy() for k, v in layer.clamped().items()}
    u, w, s = np.zeros((3, 12)), np.zeros((3, 12)), np.zeros((3, 12), bool)
    ref = []
    for t in range(80):
        ref.append(adlif_step(u, w, s, current[:, t], **p, vth=1.0, fixed=False)[0])
    ref = np.stack(ref, axis=1)
    assert 0.05 < ref.mean() < 0.6
    np.testing.assert_array_equal(spikes, ref)


def test_parameters_are_clamped_and_learn():
    layer = AdLIF(4)
    with torch.no_grad():
        layer.alpha.fill_(5.0)
        layer.b.fill_(-1.0)
    p = layer.clamped()
    assert torch.all(p["alpha"] == RANGES["alpha"][1]) and torch.all(p["b"] == RANGES["b"][0])
    layer = AdLIF(6, seed=1)
    out = layer(torch.full((2, 40, 6), 1.5, dtype=torch.float64))
    out.sum().backward()
    for name in RANGES:
        assert getattr(layer, name).grad is not None


def test_bad_input_shape():
    with pytest.raises(ShapeError):
        AdLIF(3)(torch.zeros(2, 5, 4, dtype=torch.float64))
