"""The three-factor (eligibility x error) gradient of a single hidden layer
equals torch autograd BPTT of the same network with the same Gaussian
surrogate, the reset detached, and delays through linear interpolation."""
import numpy as np
import pytest
import torch

from lava_delays.train.surrogate import GaussSpike
from lava_delays.engine.online import OnlineConfig, OnlineLearner


def _bptt(learner, x, labels):
    cfg = learner.cfg
    h = learner.ff[0]
    w = torch.tensor(h.weights, requires_grad=True)
    d = torch.tensor(h.syn.steps() if h.syn is not None else np.zeros(h.weights.shape),
                     requires_grad=True)
    a_ax = torch.tensor(h.ax.steps() if h.ax is not None else np.zeros(x.shape[2]),
                        requires_grad=True)
    w_out = torch.tensor(learner.out.weights, requires_grad=True)
    xs = torch.tensor(x, dtype=torch.float64)          # (B, T, n_in)
    batch, steps, n_in = xs.shape
    n_post = w.shape[0]
    total = d + a_ax[None, :]                           # (n_post, n_in) real delays
    lo = torch.floor(total.detach())
    frac = total - lo                                   # 0 at integer delays, grad 1
    pad = torch.cat([torch.zeros(batch, 2 * 130, n_in, dtype=torch.float64), xs], 1)
    u = torch.zeros(batch, n_post, dtype=torch.float64)
    v = torch.zeros_like(u)
    ur = torch.zeros(batch, w_out.shape[0], dtype=torch.float64)
    vr = torch.zeros_like(ur)
    y = torch.zeros_like(ur)
    z_prev = torch.zeros(batch, n_post, dtype=torch.float64)
    idx_n = torch.arange(n_in)
    for t in range(steps):
        # input reaching the neuron at t was sent at t - 1 - delay
        k0 = (2 * 130 + t - 1 - lo).long()              # (n_post, n_in)
        x0 = pad[:, k0, idx_n]                          # (B, n_post, n_in)
        x1 = pad[:, k0 - 1, idx_n]
        xd = (1 - frac) * x0 + frac * x1
        a = (w * xd).sum(-1)
        u = (1 - cfg.du) * u + a
        v = (1 - cfg.dv) * v + u
        z = GaussSpike.apply(v, cfg.vth, cfg.psi_sigma * cfg.vth)
        v = v - (v * z).detach()                         # reset without gradient
        ur = (1 - cfg.readout_du) * ur + z_prev @ w_out.T
        vr = (1 - cfg.readout_dv) * vr + ur
        y = y + vr
        z_prev = z
    loss = torch.nn.functional.cross_entropy(y / steps, torch.tensor(labels))
    loss.backward()
    _bptt.last_y = y.detach().numpy()
    return loss.item(), w.grad.numpy(), d.grad.numpy(), a_ax.grad.numpy(), w_out.grad.numpy()


@pytest.mark.parametrize("delays", ["synaptic", "axonal"])
def test_eligibility_gradient_matches_autograd(delays):
    rng = np.random.default_rng(1)
    cfg = OnlineConfig(hidden=(12,), delays=delays, max_delay=6, seed=3, weight_init=3.0)
    learner = OnlineLearner(5, 3, cfg)
    x = (rng.random((4, 30, 5)) < 0.3).astype(np.uint8)
    labels = np.array([0, 1, 2, 1])
    ours = learner.gradients(x, labels)
    loss, g_w, g_d, g_a, g_out = _bptt(learner, x, labels)
    assert ours["loss"] == pytest.approx(loss, rel=1e-9)
    assert np.abs(g_w).max() > 1e-4                       # not a silent network
    np.testing.assert_allclose(ours["readout"], g_out, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(ours["weights"][0], g_w, rtol=1e-7, atol=1e-12)
    if delays == "synaptic":
        assert np.abs(g_d).max() > 1e-6
        np.testing.assert_allclose(ours["synaptic"][0], g_d, rtol=1e-7, atol=1e-12)
    else:
        assert np.abs(g_a).max() > 1e-6
        np.testing.assert_allclose(ours["axonal"][0], g_a, rtol=1e-7, atol=1e-12)
