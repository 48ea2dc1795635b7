"""The trainer's interpolated per-synapse delay layer: at integer delays it
is the library's delay line; its delay gradient is the finite difference; the
numba implementation equals the previous tap-by-tap one (value and every
gradient, sparse and dense paths); the delay_layer benchmark runs."""
import numpy as np
import pytest
import torch

import lava_delays.train.delays as delays_mod
import lava_delays.train.threads as threads_mod
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


# --- the numba implementation against the previous (tap-by-tap) one -----------
def reference_delayed_current(x, weights, delays, max_delay):
    """The previous implementation, verbatim (slow: one matmul per tap of the
    dense (n_post, n_in, max_delay + 2) kernel); plain autograd."""
    batch, steps, n_in = x.shape
    lo = torch.floor(delays.detach()).long().clamp(0, max_delay)
    f = delays - lo.to(delays.dtype)
    taps = max_delay + 2
    xp = torch.cat([x.new_zeros(batch, taps, n_in), x], 1)
    oh0 = torch.nn.functional.one_hot(lo, taps).to(weights.dtype)
    oh1 = torch.nn.functional.one_hot(lo + 1, taps).to(weights.dtype)
    kernel = weights[..., None] * ((1 - f)[..., None] * oh0 + f[..., None] * oh1)
    xt = xp.transpose(0, 1).contiguous().reshape((steps + taps) * batch, n_in)
    kt = kernel.permute(2, 1, 0)

    def rows(k):
        return xt[(taps - 1 - k) * batch:(taps - 1 - k + steps) * batch]
    out = rows(0) @ kt[0]
    for k in range(1, taps):
        out.addmm_(rows(k), kt[k])
    return out.reshape(steps, batch, -1).transpose(0, 1)


#: thresholds that force a path: (SPARSE_FORWARD, SPARSE_BACKWARD)
PATHS = {"sparse": (2.0, 2.0), "dense": (-1.0, -1.0), "dense+sparse-grad": (-1.0, 2.0)}


@pytest.fixture
def kernel_calls(monkeypatch):
    """Names of the compute kernels run (through ``_split``; layout kernels left out)."""
    calls = []
    real = delays_mod._split

    def spy(kernel, n_rows, work, *args):
        name = kernel.py_func.__name__
        if name.startswith(("_forward", "_grad")):
            calls.append(name)
        return real(kernel, n_rows, work, *args)
    monkeypatch.setattr(delays_mod, "_split", spy)
    return calls


def _case(seed, shape, max_delay, density, delays="fractional", graded=False):
    batch, steps, n_in, n_post = shape
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand(batch, steps, n_in, generator=gen, dtype=torch.float64) < density)
    x = x.to(torch.float64)
    if graded:
        x = x * torch.randn(batch, steps, n_in, generator=gen, dtype=torch.float64)
    w = torch.randn(n_post, n_in, generator=gen, dtype=torch.float64)
    if delays == "integer":
        d = torch.randint(0, max_delay + 1, (n_post, n_in), generator=gen).to(torch.float64)
    elif delays == "fractional":
        d = torch.rand(n_post, n_in, generator=gen, dtype=torch.float64) * (max_delay + 1)
        d = d.clamp(max=max_delay)                  # max_delay itself is attained as well
        d[0, 0] = max_delay
    else:                                           # "outside": below 0 and above max_delay
        d = torch.rand(n_post, n_in, generator=gen, dtype=torch.float64) * (max_delay + 3) - 1.5
    g = torch.randn(batch, steps, n_post, generator=gen, dtype=torch.float64)
    return x, w, d, g


def _value_and_grads(fn, x, w, d, g, max_delay):
    x, w, d = (t.clone().requires_grad_() for t in (x, w, d))
    a = fn(x, w, d, max_delay)
    return (a.detach(), *torch.autograd.grad(a, (x, w, d), g))


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("max_delay, shape", [(0, (3, 20, 9, 5)), (5, (2, 31, 13, 6)),
                                              (62, (2, 90, 7, 4))])
@pytest.mark.parametrize("delays", ["integer", "fractional", "outside"])
@pytest.mark.parametrize("density, graded", [(0.05, False), (0.6, False), (0.08, True),
                                             (1.0, True)])
def test_equals_reference_value_and_all_gradients(monkeypatch, kernel_calls, path, max_delay,
                                                  shape, delays, density, graded):
    fwd, bwd = PATHS[path]
    monkeypatch.setattr(delays_mod, "SPARSE_FORWARD", fwd)
    monkeypatch.setattr(delays_mod, "SPARSE_BACKWARD", bwd)
    x, w, d, g = _case(7 * max_delay + int(100 * density), shape, max_delay, density, delays,
                       graded)
    got = _value_and_grads(delayed_current, x, w, d, g, max_delay)
    ref = _value_and_grads(reference_delayed_current, x, w, d, g, max_delay)
    for name, a, b in zip(("a", "dx", "dw", "dD"), got, ref):
        assert a.shape == b.shape and a.dtype == b.dtype == torch.float64, name
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-11, atol=1e-11, err_msg=name)
    # the path that was asked for is the one that ran
    want = {"sparse": {"_forward_sparse", "_grad_c_sparse"},
            "dense": {"_forward_dense", "_grad_c_dense"},
            "dense+sparse-grad": {"_forward_dense", "_grad_c_sparse"}}[path]
    assert want | {"_grad_x_dense"} <= set(kernel_calls)


def test_path_follows_input_density(kernel_calls):
    x, w, d, g = _case(1, (4, 50, 40, 6), 7, 0.02)
    x.requires_grad_(False)
    w.requires_grad_()
    delayed_current(x, w, d, 7).backward(g)
    assert kernel_calls == ["_forward_sparse", "_grad_c_sparse"]
    kernel_calls.clear()
    x = (x + (torch.rand(x.shape, dtype=torch.float64) < 0.5)).clamp(max=1)    # ~50 % dense
    delayed_current(x, w, d, 7).backward(g)
    assert kernel_calls == ["_forward_dense", "_grad_c_dense"]                # x needs no grad
    kernel_calls.clear()
    x.requires_grad_()
    delayed_current(x, w, d, 7).backward(g)
    assert kernel_calls == ["_forward_dense", "_grad_c_dense", "_grad_x_dense"]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_tap_coefficients_as_torch_computes_them(dtype):
    """lo, f, (1 - f) w, f w and the parameter gradients: bit for bit the torch
    expressions of the reference, special delays included."""
    gen = torch.Generator().manual_seed(7)
    w = torch.randn(9, 11, generator=gen, dtype=dtype)
    d = torch.rand(9, 11, generator=gen, dtype=dtype) * 30 - 3
    d[0, :6] = torch.tensor([float("nan"), float("inf"), -float("inf"), 1e30, -1e30, 25.0])
    arrays = [np.empty((9, 11), np.int32)] + [np.empty((9, 11), w.numpy().dtype)
                                              for _ in range(3)]
    one = np.ones((), arrays[1].dtype)[()]
    delays_mod._coefficients(w.numpy(), d.numpy(), 25, one, *arrays)
    lo = torch.floor(d).long().clamp(0, 25)
    f = d - lo.to(dtype)
    for got, want in zip(arrays, (lo, f, w * (1 - f), w * f)):
        np.testing.assert_array_equal(got, want.numpy())
    gc0, gc1 = torch.randn(2, 9, 11, generator=gen, dtype=dtype)
    f = torch.rand(9, 11, generator=gen, dtype=dtype)
    gw, gd = np.empty_like(arrays[1]), np.empty_like(arrays[1])
    delays_mod._parameter_grads(gc0.numpy(), gc1.numpy(), w.numpy(), f.numpy(), one, gw, gd)
    np.testing.assert_array_equal(gw, (gc0 * (1 - f) + gc1 * f).numpy())
    np.testing.assert_array_equal(gd, (w * (gc1 - gc0)).numpy())


def test_backward_twice_through_a_retained_graph(kernel_calls):
    x, w, d, g = _case(6, (3, 40, 20, 5), 7, 0.05)
    w.requires_grad_()
    d.requires_grad_()
    a = delayed_current(x, w, d, 7)
    first = torch.autograd.grad(a, (w, d), g, retain_graph=True)
    second = torch.autograd.grad(a, (w, d), 2 * g)
    for u, v in zip(first, second):
        assert torch.equal(2 * u, v)
    assert kernel_calls == ["_forward_sparse", "_grad_c_sparse", "_grad_c_sparse"]


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("max_delay", [0, 3])
def test_gradcheck(monkeypatch, path, max_delay):
    fwd, bwd = PATHS[path]
    monkeypatch.setattr(delays_mod, "SPARSE_FORWARD", fwd)
    monkeypatch.setattr(delays_mod, "SPARSE_BACKWARD", bwd)
    gen = torch.Generator().manual_seed(max_delay)
    x = ((torch.rand(2, 9, 4, generator=gen, dtype=torch.float64) < 0.4)
         * torch.randn(2, 9, 4, generator=gen, dtype=torch.float64)).requires_grad_()
    w = torch.randn(3, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    # fractional parts in [0.2, 0.8]: the finite differences do not cross a tap
    d = (torch.randint(0, max_delay + 1, (3, 4), generator=gen)
         + 0.2 + 0.6 * torch.rand(3, 4, generator=gen)).to(torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, w, d: delayed_current(x, w, d, max_delay),
                                    (x, w, d), eps=1e-6, atol=1e-8)


@pytest.mark.parametrize("path", list(PATHS))
def test_same_result_on_one_and_two_threads(monkeypatch, path):
    fwd, bwd = PATHS[path]
    monkeypatch.setattr(delays_mod, "SPARSE_FORWARD", fwd)
    monkeypatch.setattr(delays_mod, "SPARSE_BACKWARD", bwd)
    monkeypatch.setattr(threads_mod, "MIN_THREAD_WORK", 1)     # small job, threads anyway
    monkeypatch.setattr(threads_mod, "_POOLS", {})
    x, w, d, g = _case(3, (8, 60, 50, 40), 25, 0.05)
    before = torch.get_num_threads()
    out = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            out.append(_value_and_grads(delayed_current, x, w, d, g, 25))
    finally:
        torch.set_num_threads(before)
    assert list(threads_mod._POOLS) == [2]                     # the second run did use 2
    for a, b in zip(*out):
        assert torch.equal(a, b)


@pytest.mark.parametrize("n_rows", [1, 15, 20, 40, 129])
def test_thread_chunks_start_on_row_blocks(monkeypatch, n_rows):
    # every chunk but the first starts at a multiple of the kernels' row blocks
    # (and of 2: the weight gradient pairs rows), so a row is computed by the
    # same code on one thread as on two; together they cover each row once
    monkeypatch.setattr(threads_mod, "MIN_THREAD_WORK", 1)
    monkeypatch.setattr(threads_mod, "_POOLS", {})
    calls = []
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        delays_mod._split(lambda r0, r1: calls.append((r0, r1)), n_rows, 1 << 30)
    finally:
        torch.set_num_threads(before)
    calls.sort()
    assert [r for c in calls for r in range(*c)] == list(range(n_rows))
    for r0, _ in calls:
        for block in (delays_mod._JB, delays_mod._IB, delays_mod._RB, 2):
            assert r0 % block == 0


def test_float32_dtype_promotion_and_bool_spikes():
    x, w, d, g = _case(4, (3, 40, 12, 5), 9, 0.1)
    ref = reference_delayed_current(x, w, d, 9)
    got = delayed_current(x.float(), w.float(), d.float(), 9)
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)
    assert delayed_current(x.float(), w, d, 9).dtype == torch.float64          # promoted
    np.testing.assert_array_equal(delayed_current(x.bool(), w, d, 9).numpy(),
                                  delayed_current(x, w, d, 9).numpy())
    # half precision is computed in float32 and returned as half
    assert delayed_current(x.half(), w.half(), d.half(), 9).dtype == torch.float16


def test_empty_shapes():
    for batch, steps, n_in, n_post in [(2, 0, 3, 4), (0, 5, 3, 4), (2, 5, 0, 4), (2, 5, 3, 0)]:
        x = torch.rand(batch, steps, n_in, dtype=torch.float64)
        w = torch.rand(n_post, n_in, dtype=torch.float64, requires_grad=True)
        d = torch.rand(n_post, n_in, dtype=torch.float64, requires_grad=True)
        a = delayed_current(x, w, d, 3)
        assert a.shape == (batch, steps, n_post)
        a.sum().backward()
        assert w.grad.shape == w.shape and not w.grad.any()


def test_torch_tap_fallback_equals_reference():
    """The formulation used off the CPU, checked here on the CPU."""
    x, w, d, g = _case(5, (2, 30, 6, 5), 4, 0.3, "outside", graded=True)
    got = _value_and_grads(delays_mod.delayed_current_taps, x, w, d, g, 4)
    ref = _value_and_grads(reference_delayed_current, x, w, d, g, 4)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


# --- the benchmark (quick sizes) ------------------------------------------------------
def test_delay_layer_benchmark_quick(tmp_path, capsys):
    import json

    from lava_delays.benchmarks import BENCHMARKS, delay_layer
    assert BENCHMARKS["delay_layer"] == "lava_delays.benchmarks.delay_layer"
    delay_layer.run(tmp_path, quick=True)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["benchmark"] == "delay_layer" and saved["quick"] is True
    assert saved["target_met"] is None                          # not judged at tiny sizes
    names = ["ours", "ours_xgrad", "linear", "slayer", "taps", "conv"]
    if saved["dcls_available"]:
        names += ["dcls_v1", "dcls_gauss"]
        assert set(saved["ratios"]["DCLS v1 / ours"]) == {"1", "2"}
    else:
        assert "pip install dcls" in saved["dcls_hint"]
    assert set(saved["results"]) == set(names)
    for name in names:
        for threads in ("1", "2"):
            t = saved["results"][name]["time"][threads]
            assert 0 < t["min_ms"] <= t["median_ms"] and len(t["raw_ms"]) >= 2
    assert saved["results"]["ours"]["memory"]["peak_step_mib"] >= 0
    assert saved["max_abs_diff_vs_taps"] < 1e-5 and saved["ours_path"] == "sparse"
    out = capsys.readouterr().out
    assert "DCLS v1 / ours" in out or "pip install dcls" in out
    # without DCLS the table says how to get it
    saved.update(dcls_available=False, target_met=None)
    saved["results"] = {k: v for k, v in saved["results"].items() if not k.startswith("dcls")}
    assert "pip install dcls" in delay_layer.format_table(saved)


def test_delay_spread_changes_only_the_delay_gradient():
    """With a spread, dL/dD = w sum_t g(t) sum_m K[m] x(t - 1 - lo - m - off)
    (the on-line rule's kernel, x zero outside the sample); forward and
    weight gradient are those of spread 0, and spread 0 is the exact
    gradient of the interpolation."""
    from lava_delays.kernels.plasticity import delay_kernel
    from lava_delays.train.delays import spread_derivative
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(3, 30, 5, generator=gen) < 0.3).double()
    w = torch.randn(4, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    d = (torch.rand(4, 5, generator=gen, dtype=torch.float64) * 10).requires_grad_()
    g = torch.randn(3, 30, 4, generator=gen, dtype=torch.float64)
    grads = {}
    for spread in (0.0, 2.0):
        w.grad = d.grad = None
        out = delayed_current(x, w, d, 12, spread)
        out.backward(g)
        grads[spread] = (out.detach(), w.grad.clone(), d.grad.clone())
    assert torch.equal(grads[0.0][0], grads[2.0][0])
    assert torch.allclose(grads[0.0][1], grads[2.0][1])
    kernel, offset = delay_kernel(2.0, fixed=False)
    lo = torch.floor(d.detach()).long()
    ref = torch.zeros(4, 5, dtype=torch.float64)
    for j in range(4):
        for i in range(5):
            for t in range(30):
                s = t - 1 - int(lo[j, i])
                if s < 0:
                    continue
                for m, k in enumerate(kernel):
                    tt = s - m - offset
                    if 0 <= tt < 30:
                        ref[j, i] += w[j, i].item() * k * (g[:, t, j] * x[:, tt, i]).sum()
    assert torch.allclose(grads[2.0][2], ref, atol=1e-10)
    assert not torch.allclose(grads[2.0][2], grads[0.0][2])
    # spread 0 of the helper is the backward difference the exact gradient uses
    assert torch.equal(spread_derivative(x, 0.0)[:, 1:], x[:, :-1] - x[:, 1:])
    with pytest.raises(ParameterError, match="spread"):
        delayed_current(x, w, d, 12, -1.0)


@pytest.mark.parametrize("spread", [0.0, 2.5])
def test_conv_formulation_equals_the_cpu_kernels(spread):
    """The device-agnostic formulation (one conv1d, used off the CPU) gives
    the numba kernels' forward and gradients: to float64 rounding in float64,
    to float32 rounding in float32, the delay spread included."""
    for dtype, tol in ((torch.float64, 1e-12), (torch.float32, 2e-5)):
        x, w, d, g = _case(7, (3, 40, 9, 6), 8, 0.3, "inside", graded=True)
        x, w, d, g = (t.to(dtype) for t in (x, w, d, g))
        got = _value_and_grads(lambda *a: delays_mod.delayed_current_conv(*a, spread),
                               x, w, d, g, 8)
        ref = _value_and_grads(lambda *a: delayed_current(*a, spread=spread), x, w, d, g, 8)
        for a, b in zip(got, ref):
            scale = max(float(b.abs().max()), 1.0)
            assert float((a - b).abs().max()) <= tol * scale


def test_device_option():
    from lava_delays.train.trainer import TrainConfig, torch_device
    assert torch_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ParameterError, match="device must be"):
        TrainConfig(device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="CUDA is not available"):
            torch_device("cuda")
