"""The trainer's interpolated per-synapse delay layer: at integer delays it
is the library's delay line; its delay gradient is the finite difference."""
import numpy as np
import pytest
import torch

from lava_delays.errors import ParameterError, ShapeError
from lava_delays.kernels.delay_line import SynapseTable, delay_line_step, new_buffer
from lava_delays.train.delays import SynapticDelayLinear, delayed_current


def test_integer_delays_equal_the_delay_line_kernel():
    rng = np.random.default_rng(0)
    x = (rng.random((3, 40, 7)) < 0.2).astype(np.float64)
    w = rng.normal(size=(5, 7))
    d = rng.integers(0, 9, (5, 7))
    got = delayed_current(torch.tensor(x), torch.tensor(w), torch.tensor(d, dtype=torch.float64),
                          max_delay=8).numpy()
    buf, table = new_buffer(3, 5, 8, fixed=False), SynapseTable(w, d)
    ref = np.stack([delay_line_step(buf, x[:, t], table) for t in range(40)], axis=1)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_fractional_delay_interpolates_and_gradient_is_finite_difference():
    x = torch.zeros(1, 20, 1, dtype=torch.float64)
    x[0, 3, 0] = 1.0
    w = torch.ones(1, 1, dtype=torch.float64)
    d = torch.tensor([[2.25]], dtype=torch.float64, requires_grad=True)
    a = delayed_current(x, w, d, max_delay=6)[0, :, 0]
    # spike at 3 -> 3 + 1 + 2 = 6 (weight 0.75) and 7 (weight 0.25)
    assert a[6].item() == pytest.approx(0.75) and a[7].item() == pytest.approx(0.25)
    loss = (a * torch.arange(20, dtype=torch.float64)).sum()     # mean arrival time
    loss.backward()
    assert d.grad.item() == pytest.approx(1.0)                   # arrival moves 1 step per step


def test_layer_learns_a_delay_and_rounds_for_deployment():
    torch.manual_seed(0)
    layer = SynapticDelayLinear(1, 1, max_delay=10, init_delay=2, seed=1)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.delay.fill_(2.0)
    x = torch.zeros(4, 30, 1, dtype=torch.float64)
    x[:, 5, 0] = 1.0
    target = torch.zeros(4, 30, dtype=torch.float64)
    target[:, 5 + 1 + 6] = 1.0                                    # wants delay 6
    opt = torch.optim.Adam([layer.delay], lr=0.2)
    for _ in range(200):
        opt.zero_grad()
        out = layer(x)[..., 0]
        kernel = torch.exp(-0.5 * (torch.arange(30.0, dtype=torch.float64) - 12) ** 2 / 4)
        loss = -(out * kernel).sum()                              # smooth target around step 12
        loss.backward()
        opt.step()
        layer.clamp_delays()
    assert layer.integer_delays().item() == 6


def test_bad_input():
    with pytest.raises(ShapeError):
        delayed_current(torch.zeros(1, 5, 3), torch.zeros(2, 4), torch.zeros(2, 4), 3)
    with pytest.raises(ParameterError):
        delayed_current(torch.zeros(1, 5, 3), torch.zeros(2, 3), torch.zeros(2, 3), 63)
