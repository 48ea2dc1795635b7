"""Neuron dynamics over a whole sequence in one call: identical spikes and
the step loop's gradients (float64 to rounding), any number of threads."""
import pytest
import torch

from lava_delays.train.adlif import AdLIF
from lava_delays.train.dynamics import adlif_over_time, lif_over_time
from lava_delays.train.lif import LIF


def _loop(nrn, cur):
    state, out = nrn.init_state(cur.shape[0], cur), []
    for t in range(cur.shape[1]):
        s, state = nrn.step(state, cur[:, t])
        out.append(s)
    return torch.stack(out, 1)


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
@pytest.mark.parametrize("spiking", [True, False])
def test_lif_over_time_equals_the_step_loop(dtype, tol, spiking):
    gen = torch.Generator().manual_seed(1)
    nrn = LIF(9, du=0.4, dv=0.15, psi_sigma=0.3, spiking=spiking)
    cur = (torch.randn(4, 50, 9, generator=gen, dtype=dtype) * 0.8).requires_grad_()
    g = torch.randn(4, 50, 9, generator=gen, dtype=dtype)
    ref = _loop(nrn, cur)
    got = lif_over_time(cur, 0.4, 0.15, 0.3, spiking)
    assert torch.equal(ref, got) and (not spiking or 0 < float(got.sum()) < got.numel())
    (gr,), (gg,) = torch.autograd.grad(ref, cur, g), torch.autograd.grad(got, cur, g)
    assert float((gr - gg).abs().max()) <= tol * max(1.0, float(gr.abs().max()))


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_adlif_over_time_equals_the_step_loop(dtype, tol):
    gen = torch.Generator().manual_seed(2)
    nrn = AdLIF(11, seed=4).to(dtype)
    cur = (torch.randn(3, 70, 11, generator=gen, dtype=dtype) * 2).requires_grad_()
    g = torch.randn(3, 70, 11, generator=gen, dtype=dtype)
    params = list(nrn.parameters())
    ref = nrn(cur)
    p = nrn.clamped()
    got = adlif_over_time(cur, p["alpha"], p["beta"], p["a"], p["b"], nrn.vth,
                          nrn.psi_sigma * nrn.vth)
    assert torch.equal(ref, got) and 0 < float(got.sum()) < got.numel()
    for a, b in zip(torch.autograd.grad(ref, [cur] + params, g),
                    torch.autograd.grad(got, [cur] + params, g)):
        assert float((a - b).abs().max()) <= tol * max(1.0, float(a.abs().max()))


def test_quantized_adlif_over_time_equals_the_step_loop():
    """Quantized AdLIF+ in one call: the integers of the step loop (and so of
    the engine), also when u and w saturate, and its straight-through
    gradients (current and the four parameters) to float64 rounding."""
    from lava_delays.train.dynamics import fixed_adlif_over_time
    gen = torch.Generator().manual_seed(6)
    nrn = AdLIF(9, seed=3).double()
    nrn.scale = 30
    cur = torch.round(torch.randn(3, 80, 9, generator=gen, dtype=torch.float64) * 40)
    cur[1, 10:14] = 2 ** 18                     # drives u into saturation
    cur.requires_grad_()
    g = torch.randn(3, 80, 9, generator=gen, dtype=torch.float64)
    params = list(nrn.parameters())
    ref = nrn(cur)                              # the step loop
    got = nrn.over_time(cur)
    assert torch.equal(ref, got) and 0 < float(got.sum()) < got.numel()
    p = nrn.params()
    assert torch.equal(got, fixed_adlif_over_time(cur, p["alpha"], p["beta"], p["a"], p["b"],
                                                  float(30 << 6), nrn.psi_sigma))
    for a, b in zip(torch.autograd.grad(ref, [cur] + params, g),
                    torch.autograd.grad(got, [cur] + params, g)):
        assert float((a - b).abs().max()) <= 1e-9 * max(1.0, float(a.abs().max()))


@pytest.mark.parametrize("spiking", [True, False])
def test_quantized_lif_over_time_equals_the_step_loop(spiking):
    """The fixed-point LIF in one call: the integers of the step loop (and so
    of the engine), its straight-through gradients to float64 rounding, also
    when the 24-bit current wraps and the voltage saturates."""
    gen = torch.Generator().manual_seed(5)
    nrn = LIF(8, du=0.3, dv=0.1, psi_sigma=0.3, spiking=spiking)
    nrn.scale = 40
    cur = torch.round(torch.randn(3, 60, 8, generator=gen, dtype=torch.float64) * 300)
    cur[0, 5:9] = 2 ** 17                       # drives u past 2**23: wraps
    cur.requires_grad_()
    g = torch.randn(3, 60, 8, generator=gen, dtype=torch.float64)
    ref = _loop(nrn, cur)
    got = nrn.over_time(cur)
    assert torch.equal(ref, got)
    (gr,), (gg,) = torch.autograd.grad(ref, cur, g), torch.autograd.grad(got, cur, g)
    assert float((gr - gg).abs().max()) <= 1e-9 * max(1.0, float(gr.abs().max()))


@pytest.mark.parametrize("model", ["lif", "adlif"])
def test_two_threads_give_the_one_thread_result(monkeypatch, model):
    import lava_delays.train.threads as threads_mod
    monkeypatch.setattr(threads_mod, "MIN_THREAD_WORK", 1)
    gen = torch.Generator().manual_seed(2)
    cur = (torch.randn(4, 50, 6, generator=gen, dtype=torch.float64) * 2).requires_grad_()
    g = torch.randn(4, 50, 6, generator=gen, dtype=torch.float64)
    nrn = AdLIF(6, seed=1).double()
    before = torch.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            p = nrn.clamped()
            out = (lif_over_time(cur, 0.3, 0.1, 0.3) if model == "lif" else
                   adlif_over_time(cur, p["alpha"], p["beta"], p["a"], p["b"], 1.0, 0.3))
            results.append((out, *torch.autograd.grad(out, [cur] + list(nrn.parameters()), g,
                                                      allow_unused=True)))
    finally:
        torch.set_num_threads(before)
    for a, b in zip(*results):
        assert (a is None and b is None) or torch.equal(a, b)


def test_lava_imports_after_training_dynamics_ran(fresh_python):
    """Lava sets the multiprocessing start method when imported; running the
    trainer's kernels first (as a notebook that trains, then deploys, does)
    must leave it unset."""
    fresh_python("import torch\n"
                 "from lava_delays.train.dynamics import lif_over_time\n"
                 "torch.set_num_threads(2)\n"
                 "import lava_delays.train.threads as t; t.MIN_THREAD_WORK = 1\n"
                 "lif_over_time(torch.randn(8, 40, 16), 0.3, 0.1, 0.3)\n"
                 "import lava.magma.runtime.message_infrastructure.multiprocessing\n")
