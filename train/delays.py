"""Per-synapse learnable delays for training (DCLS-style interpolated shift).

``a_j(t) = sum_i w_ji x_i(t - 1 - D_ji)`` with a real delay ``D_ji``: each
synapse spreads its weight over the two integer taps around its delay,
``(1 - f) w`` at ``lo = floor(D)`` and ``f w`` at ``lo + 1``. At integer
delays this *is* the delay line of :mod:`lava_delays.kernels.delay_line`
(the same "t + 1 + d" timing; tested against it), so rounding the learned
delays collapses the layer to what deploys. Gradients reach weights and
delays (the delay gradient is the backward difference of the input between
the two taps, as in the three-factor rule).

Algorithm (CPU)
---------------
:func:`delayed_current` is a :class:`torch.autograd.Function` with a
hand-written backward; the loops are numba kernels (``nogil``, run on
``torch.get_num_threads()`` threads, each thread owning whole output rows:
no atomics, and the result does not depend on the thread count). Every
tensor is laid out *time-major, batch-minor*: input ``i`` is one row
``X_i[t B + b]``, the output of neuron ``j`` one row ``A_j[s B + b]``, so a
delay of ``d`` steps is a shift of ``d B`` along a row. With ``c0 = (1 - f) w``
and ``c1 = f w``, ``o = (1 + lo) B``, and ``g = dL/da`` in the same layout::

    A_j[o + q] += c0_ji X_i[q],   A_j[o + B + q] += c1_ji X_i[q]      forward
    gc0_ji = sum_q X_i[q] G_j[o + q],   gc1_ji = sum_q X_i[q] G_j[o + B + q]
    dL/dw = (1 - f) gc0 + f gc1,   dL/dD = w (gc1 - gc0)
    dL/dX_i[q] = sum_j c0_ji G_j[o + q] + c1_ji G_j[o + B + q]

Two paths, chosen from the measured input density ``rho`` (nonzeros /
elements; graded values are fine, nothing assumes binary spikes):

* sparse (``rho <= SPARSE_FORWARD`` resp. ``SPARSE_BACKWARD``): the nonzero
  inputs are collected once per row ``i`` as (position, value) events; the
  forward scatters each event into the (L1-resident) row ``A_j``, the weight
  and delay gradients gather ``G_j`` at the events. Work
  ``O(nnz(x) n_post)`` -- two multiply-adds per event and synapse, i.e. only
  the synapses that actually carry a spike.
* dense: the same sums as contiguous, vectorised shifted multiply-adds over a
  whole row (``B T`` long): ``O(B T n_in n_post)`` multiply-adds, two per
  synapse and step -- a factor ``(max_delay + 2) / 2`` fewer than a
  convolution with the full ``max_delay + 2``-tap kernel (DCLS, or the
  tap-by-tap matmul this replaces).

``dL/dx`` (only when ``x`` requires grad, e.g. spikes of a previous layer)
is dense in ``g`` and always takes the dense kernel.

Memory: time-major copies of ``g`` (backward) and, in the dense path, of
``x``; a few row buffers per thread; the event list, ``O(nnz(x))``. Autograd
keeps ``x`` (by reference), the parameters, ``lo``, ``f``, ``c0``, ``c1``
(``n_post n_in`` each) and the event list -- no ``(n_post, n_in, taps)``
kernel and no time-unfolded input is ever built. Only first derivatives
(the backward is not itself differentiable).

Other devices (CUDA, ...) use :func:`delayed_current_conv`: one causal
``conv1d`` with the tap kernel each way. :func:`delayed_current_taps` is the
tap-by-tap reference formulation (one matmul per integer tap of a
time-shifted view, ``O(B T n_in n_post (max_delay + 2))``).

Measured (``lava-delays bench delay_layer``: 700 -> 256, max_delay 25,
T 100, batch 32, 5 % input spikes, float32, one forward + backward; median
ms on 1 / 2 threads of one run on a 2-core machine shared with other jobs,
so the 2-thread numbers vary a lot between runs): this layer 61 / 46, torch
``Linear`` without delays 19 / 17, DCLS ``Dcls1d`` v1 906 / 491 and gauss
2364 / 1565, the tap-by-tap formulation 1016 / 520. Peak extra memory of
the step: 14 MiB (DCLS v1: 147 MiB). At 1 % input spikes the layer costs
about what ``Linear`` does (20 ms); the dense path takes ~140 ms at any
density.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from numba import njit
from torch.autograd.function import once_differentiable

from lava_delays.errors import ParameterError, ShapeError
from lava_delays.fixed_point import MAX_DELAY, round_half_up
from lava_delays.train.quantize import ste
from lava_delays.train.threads import split_rows

#: the forward scatters events when at most this fraction of x is nonzero
SPARSE_FORWARD = 0.10
#: the weight/delay gradients gather at events up to this density
SPARSE_BACKWARD = 0.15

# reassociation lets LLVM vectorise the sums; no nnan/ninf: inf and NaN propagate
_FM = {"reassoc", "contract", "nsz", "arcp"}
_JB = 8          # output rows per block (dense forward, sparse weight gradient)
_IB = 16         # input rows per block (input gradient)
_RB = 16         # rows per block when changing layout (16 floats: a cache line)
# Threads get chunks of rows that start at multiples of every block above
# (and are even, for the row pairs of the weight gradient), so each row is
# summed by the same code path, in the same order, on any number of threads:
# a row the vectoriser handles alone rounds differently from one in a pair.
_ROW_ALIGN = math.lcm(_JB, _IB, _RB, 2)


# --- kernels ------------------------------------------------------------------
# Most kernels fill the rows [r0, r1) of their output, so threads split rows.
# These two run in the arrays' dtype (``one`` is a scalar of it), without
# fast-math, so they round exactly as the same torch expressions.
@njit(cache=True, nogil=True)
def _coefficients(w, d, max_delay, one, lo, f, w0, w1):
    # lo = clamp(floor(D), 0, max_delay) (NaN, +-inf, |D| >= 2**63: 0, as torch's
    # float -> int64 conversion then clamp gives), f = D - lo, c0 = w (1 - f), c1 = w f
    n_post, n_in = w.shape
    for j in range(n_post):
        for i in range(n_in):
            v = np.floor(d[j, i])
            k = 0
            if 0.0 <= v < 9.2e18:
                k = min(int(v), max_delay)
            lo[j, i] = k
            f[j, i] = d[j, i] - k              # exact in float64, then rounded once
            fr = f[j, i]
            w0[j, i] = w[j, i] * (one - fr)
            w1[j, i] = w[j, i] * fr


@njit(cache=True, nogil=True)
def _parameter_grads(gc0, gc1, w, f, one, gw, gd):
    # dL/dw = (1 - f) gc0 + f gc1, dL/dD = w (gc1 - gc0)
    n_post, n_in = w.shape
    for j in range(n_post):
        for i in range(n_in):
            gw[j, i] = gc0[j, i] * (one - f[j, i]) + gc1[j, i] * f[j, i]
            gd[j, i] = w[j, i] * (gc1[j, i] - gc0[j, i])


@njit(cache=True, nogil=True)
def _count_events(x, cnt):
    # x (B, T, n_in) -> nonzeros per input; returns the total
    cnt[:] = 0
    B, T, n_in = x.shape
    for b in range(B):
        for t in range(T):
            row = x[b, t]
            for i in range(n_in):
                if row[i] != 0:
                    cnt[i] += 1
    return cnt.sum()


@njit(cache=True, nogil=True)
def _fill_events(x, ptr, pos, val):
    # events of input i at ptr[i]:ptr[i + 1], position q = t B + b ascending
    B, T, n_in = x.shape
    nxt = ptr[:-1].copy()
    for t in range(T):
        for b in range(B):
            row = x[b, t]
            q = t * B + b
            for i in range(n_in):
                v = row[i]
                if v != 0:
                    k = nxt[i]
                    pos[k] = q
                    val[k] = v
                    nxt[i] = k + 1


@njit(cache=True, nogil=True)
def _to_rows(a, out, before, r0, r1):
    # a (B, T, n) -> out (n, (before + T + after) B) time-major rows, zero padded;
    # _RB rows at a time: reads of a and writes of out both stay local
    B, T, n = a.shape
    for r in range(r0, r1):
        out[r, :before * B] = 0
        out[r, (before + T) * B:] = 0
    for k0 in range(r0, r1, _RB):
        k1 = min(k0 + _RB, r1)
        for t in range(T):
            for b in range(B):
                row = a[b, t]
                q = (before + t) * B + b
                for r in range(k0, k1):
                    out[r, q] = row[r]


@njit(cache=True, nogil=True)
def _from_rows(buf, res, r0, r1):
    # buf (>= r1 - r0, >= T B) time-major rows r0..r1 -> res[:, :, r0:r1] (B, T, n)
    B, T, _ = res.shape
    for t in range(T):
        for b in range(B):
            q = t * B + b
            out = res[b, t]
            for r in range(r0, r1):
                out[r] = buf[r - r0, q]


@njit(cache=True, nogil=True, fastmath=_FM)
def _forward_sparse(ptr, pos, val, lo, w0, w1, res, P, r0, r1):
    # A_j[(1 + lo) B + q] += c0 v and A_j[(2 + lo) B + q] += c1 v for every event
    B, T, _ = res.shape
    n_in = lo.shape[1]
    buf = np.empty((_RB, (T + P) * B), res.dtype)
    for j0 in range(r0, r1, _RB):
        j1 = min(j0 + _RB, r1)
        buf[:] = 0
        for j in range(j0, j1):
            acc = buf[j - j0]
            for i in range(n_in):
                e0 = ptr[i]
                n = ptr[i + 1] - e0
                if n == 0:
                    continue
                p = pos[e0:e0 + n]
                v = val[e0:e0 + n]
                o = (1 + lo[j, i]) * B
                c0 = w0[j, i]
                c1 = w1[j, i]
                a0 = acc[o:]
                a1 = acc[o + B:]
                for e in range(n):
                    q = p[e]
                    a0[q] += c0 * v[e]
                    a1[q] += c1 * v[e]
        _from_rows(buf, res, j0, j1)


@njit(cache=True, nogil=True, fastmath=_FM)
def _forward_dense(xs, lo, w0, w1, res, P, r0, r1):
    # xs (n_in, (P + T) B) with P B leading zeros; two inputs per pass over a row
    B, T, _ = res.shape
    n_in = xs.shape[0]
    TB = T * B
    n2 = n_in - n_in % 2
    buf = np.empty((_JB, TB), res.dtype)
    for j0 in range(r0, r1, _JB):
        j1 = min(j0 + _JB, r1)
        buf[:] = 0
        for i in range(0, n2, 2):
            for j in range(j0, j1):
                o0 = (P - 1 - lo[j, i]) * B
                p0 = (P - 1 - lo[j, i + 1]) * B
                a0 = w0[j, i]
                a1 = w1[j, i]
                b0 = w0[j, i + 1]
                b1 = w1[j, i + 1]
                xa = xs[i, o0:o0 + TB]
                xb = xs[i, o0 - B:o0 - B + TB]
                ya = xs[i + 1, p0:p0 + TB]
                yb = xs[i + 1, p0 - B:p0 - B + TB]
                acc = buf[j - j0]
                for u in range(TB):
                    acc[u] += a0 * xa[u] + a1 * xb[u] + b0 * ya[u] + b1 * yb[u]
        for i in range(n2, n_in):
            for j in range(j0, j1):
                o0 = (P - 1 - lo[j, i]) * B
                a0 = w0[j, i]
                a1 = w1[j, i]
                xa = xs[i, o0:o0 + TB]
                xb = xs[i, o0 - B:o0 - B + TB]
                acc = buf[j - j0]
                for u in range(TB):
                    acc[u] += a0 * xa[u] + a1 * xb[u]
        _from_rows(buf, res, j0, j1)


@njit(cache=True, nogil=True, fastmath=_FM)
def _grad_c_sparse(ptr, pos, val, gs, lo, gc0, gc1, B, zero, r0, r1):
    # gs (n_post, (T + P) B), zeros after T; gc0_ji = sum_e v_e G_j[(1 + lo) B + q_e]
    n_in = lo.shape[1]
    for j0 in range(r0, r1, _JB):
        j1 = min(j0 + _JB, r1)
        for i in range(n_in):
            e0 = ptr[i]
            n = ptr[i + 1] - e0
            p = pos[e0:e0 + n]
            v = val[e0:e0 + n]
            for j in range(j0, j1):
                o = (1 + lo[j, i]) * B
                ga = gs[j, o:]
                gb = gs[j, o + B:]
                s0 = zero
                s1 = zero
                for e in range(n):
                    q = p[e]
                    s0 += v[e] * ga[q]
                    s1 += v[e] * gb[q]
                gc0[j, i] = s0
                gc1[j, i] = s1


@njit(cache=True, nogil=True, fastmath=_FM)
def _grad_c_dense(xs, gs, lo, gc0, gc1, B, P, zero, r0, r1):
    # xs (n_in, (P + T) B) as in the forward; two output rows per pass over X_i
    n_in = xs.shape[0]
    TB = xs.shape[1] - P * B
    for j0 in range(r0, r1, _JB):
        j1 = min(j0 + _JB, r1)
        jm = j1 - (j1 - j0) % 2
        for i in range(n_in):
            xr = xs[i, P * B:]
            for j in range(j0, jm, 2):
                o = (1 + lo[j, i]) * B
                r = (1 + lo[j + 1, i]) * B
                ga = gs[j, o:o + TB]
                gb = gs[j, o + B:o + B + TB]
                ha = gs[j + 1, r:r + TB]
                hb = gs[j + 1, r + B:r + B + TB]
                s0 = zero
                s1 = zero
                t0 = zero
                t1 = zero
                for u in range(TB):
                    xv = xr[u]
                    s0 += xv * ga[u]
                    s1 += xv * gb[u]
                    t0 += xv * ha[u]
                    t1 += xv * hb[u]
                gc0[j, i] = s0
                gc1[j, i] = s1
                gc0[j + 1, i] = t0
                gc1[j + 1, i] = t1
            for j in range(jm, j1):
                o = (1 + lo[j, i]) * B
                ga = gs[j, o:o + TB]
                gb = gs[j, o + B:o + B + TB]
                s0 = zero
                s1 = zero
                for u in range(TB):
                    s0 += xr[u] * ga[u]
                    s1 += xr[u] * gb[u]
                gc0[j, i] = s0
                gc1[j, i] = s1


@njit(cache=True, nogil=True, fastmath=_FM)
def _grad_x_dense(gs, loT, w0T, w1T, res, r0, r1):
    # dL/dX_i[q] = sum_j c0 G_j[(1 + lo) B + q] + c1 G_j[(2 + lo) B + q] -> res (B, T, n_in)
    B, T, _ = res.shape
    n_post = gs.shape[0]
    TB = T * B
    n2 = n_post - n_post % 2
    buf = np.empty((_IB, TB), res.dtype)
    for i0 in range(r0, r1, _IB):
        i1 = min(i0 + _IB, r1)
        buf[:] = 0
        for j in range(0, n2, 2):
            for i in range(i0, i1):
                o = (1 + loT[i, j]) * B
                r = (1 + loT[i, j + 1]) * B
                a0 = w0T[i, j]
                a1 = w1T[i, j]
                b0 = w0T[i, j + 1]
                b1 = w1T[i, j + 1]
                ga = gs[j, o:o + TB]
                gb = gs[j, o + B:o + B + TB]
                ha = gs[j + 1, r:r + TB]
                hb = gs[j + 1, r + B:r + B + TB]
                acc = buf[i - i0]
                for u in range(TB):
                    acc[u] += a0 * ga[u] + a1 * gb[u] + b0 * ha[u] + b1 * hb[u]
        for j in range(n2, n_post):
            for i in range(i0, i1):
                o = (1 + loT[i, j]) * B
                a0 = w0T[i, j]
                a1 = w1T[i, j]
                ga = gs[j, o:o + TB]
                gb = gs[j, o + B:o + B + TB]
                acc = buf[i - i0]
                for u in range(TB):
                    acc[u] += a0 * ga[u] + a1 * gb[u]
        _from_rows(buf, res, i0, i1)


def _split(kernel, n_rows: int, work: int, *args) -> None:
    split_rows(kernel, n_rows, work, *args, align=_ROW_ALIGN)


def _events(x: np.ndarray, cnt: np.ndarray, total: int):
    """The nonzero inputs of ``x`` (B, T, n_in) per input row, CSR: ``ptr``
    (int64, from the per-input counts ``cnt``), positions ``t B + b``
    (uint32: no negative-index handling in the kernels) and values."""
    ptr = np.zeros(cnt.shape[0] + 1, np.int64)
    np.cumsum(cnt, out=ptr[1:])
    pos = np.empty(total, np.uint32)
    val = np.empty(total, x.dtype)
    _fill_events(x, ptr, pos, val)
    return ptr, pos, val


def _time_major(a: np.ndarray, before: int = 0, after: int = 0) -> np.ndarray:
    """(B, T, n) -> (n, (before + T + after) B): row r holds ``a[b, t, r]`` at
    ``(before + t) B + b``, zero padded in time."""
    batch, steps, n = a.shape
    out = np.empty((n, (before + steps + after) * batch), a.dtype)
    _split(_to_rows, n, a.size, a, out, before)
    return out


class _DelayedCurrent(torch.autograd.Function):
    """Numba forward and backward of :func:`delayed_current` (CPU, float32/64)."""

    @staticmethod
    def forward(ctx, x, weights, delays, max_delay, spread=0.0):
        batch, steps, n_in = x.shape
        n_post = weights.shape[0]
        taps = max_delay + 2
        if steps * batch >= 2 ** 31:
            raise ShapeError(f"batch x steps = {steps * batch} is too large (< 2**31)")
        wn = weights.detach().contiguous().numpy()
        lo = np.empty(wn.shape, np.int32)
        f, w0, w1 = np.empty_like(wn), np.empty_like(wn), np.empty_like(wn)
        _coefficients(wn, delays.detach().contiguous().numpy(), max_delay,
                      np.ones((), wn.dtype)[()], lo, f, w0, w1)
        xn = x.detach().contiguous().numpy()
        cnt = np.empty(n_in, np.int64)
        nnz = int(_count_events(xn, cnt))
        density = nnz / xn.size if xn.size else 0.0
        sparse_forward = density <= SPARSE_FORWARD
        sparse_backward = density <= SPARSE_BACKWARD and any(ctx.needs_input_grad[1:3])
        events = _events(xn, cnt, nnz) if sparse_forward or sparse_backward else None
        res = x.new_empty(batch, steps, n_post)
        args = (lo, w0, w1, res.numpy(), taps)
        if sparse_forward:
            _split(_forward_sparse, n_post, 2 * nnz * n_post, *events, *args)
        else:
            _split(_forward_dense, n_post, 2 * xn.size * n_post, _time_major(xn, before=taps),
                   *args)
        ctx.save_for_backward(x, weights)
        ctx.coefficients = lo, f, w0, w1
        ctx.events = events if sparse_backward else None   # O(nnz) for the backward
        ctx.max_delay = max_delay
        ctx.spread = float(spread)
        return res

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, weights = ctx.saved_tensors
        (lo, f, w0, w1), events = ctx.coefficients, ctx.events   # freed with the graph
        need_x, need_w, need_d = ctx.needs_input_grad[:3]
        batch, steps, n_in = x.shape
        n_post = weights.shape[0]
        taps = ctx.max_delay + 2
        gs = _time_major(grad.to(x.dtype).contiguous().numpy(), after=taps)
        gx = gw = gd = None
        if need_w or need_d:
            gc0 = np.empty_like(f)
            gc1 = np.empty_like(f)
            zero = np.zeros((), gs.dtype)[()]
            if events is not None:
                _split(_grad_c_sparse, n_post, 2 * events[1].size * n_post, *events, gs,
                       lo, gc0, gc1, batch, zero)
            else:
                xs = _time_major(x.detach().contiguous().numpy(), before=taps)
                _split(_grad_c_dense, n_post, 2 * x.numel() * n_post, xs, gs, lo, gc0, gc1,
                       batch, taps, zero)
            gw, gd = torch.empty_like(weights), torch.empty_like(weights)
            _parameter_grads(gc0, gc1, weights.detach().contiguous().numpy(), f,
                             np.ones((), f.dtype)[()], gw.numpy(), gd.numpy())
            if need_d and ctx.spread > 0:
                # the delay gradient seen through a Gaussian of width spread:
                # the input's smoothed time derivative gathered at the delay
                xd = spread_derivative(x.detach(), ctx.spread).contiguous().numpy()
                _split(_grad_c_dense, n_post, 2 * x.numel() * n_post,
                       _time_major(xd, before=taps), gs, lo, gc0, gc1, batch, taps, zero)
                gd = weights.detach() * torch.from_numpy(gc0)
        if need_x:
            gx = x.new_empty(batch, steps, n_in)
            _split(_grad_x_dense, n_in, 2 * x.numel() * n_post, gs, np.ascontiguousarray(lo.T),
                   np.ascontiguousarray(w0.T), np.ascontiguousarray(w1.T), gx.numpy())
        return gx, gw if need_w else None, gd if need_d else None, None, None


def spread_derivative(x: torch.Tensor, spread: float) -> torch.Tensor:
    """``x`` (batch, T, n) filtered along time by the delay-derivative kernel
    of width ``spread`` (:func:`lava_delays.kernels.plasticity.delay_kernel`,
    the on-line rule's): ``xd(s) = sum_m K[m] x(s - m - off)``, so that
    ``dL/dD_ji = w_ji sum_t g_j(t) xd_i(t - 1 - floor(D_ji))`` -- at spread 0
    exactly the interpolation's gradient ``w (x(t - 2 - lo) - x(t - 1 - lo))``."""
    from lava_delays.kernels.plasticity import delay_kernel
    kernel, offset = delay_kernel(spread, fixed=False)
    steps = x.shape[1]
    out = torch.zeros_like(x)
    for m, k in enumerate(kernel):
        shift = m + offset                       # xd(s) += k x(s - shift)
        if k == 0 or abs(shift) >= steps:
            continue
        if shift >= 0:
            out[:, shift:] += float(k) * x[:, :steps - shift]
        else:
            out[:, :shift] += float(k) * x[:, -shift:]
    return out


def deployed_delays(delays: torch.Tensor, max_delay: int) -> torch.Tensor:
    """Integer delays that deploy: round half up and clamp to [0, max_delay]
    (as the on-line learner routes its delays), straight-through in the
    backward pass."""
    return ste(delays, round_half_up(delays.detach()).clamp(0, max_delay))


def tap_kernel(weights: torch.Tensor, delays: torch.Tensor, max_delay: int) -> torch.Tensor:
    """The interpolated delays as a dense kernel, shape (max_delay + 2, n_pre,
    n_post): tap k holds ``(1 - f) w`` where ``floor(D) = k`` and ``f w`` where
    ``floor(D) + 1 = k`` (autograd reaches weights and delays). Used by the
    tap-by-tap path and by recurrent connections, stepped one step at a time."""
    taps = max_delay + 2
    lo = torch.floor(delays.detach()).long().clamp(0, max_delay)
    f = delays - lo.to(delays.dtype)                 # 0 at integer delays, gradient 1
    oh0 = torch.nn.functional.one_hot(lo, taps).to(weights.dtype)
    oh1 = torch.nn.functional.one_hot(lo + 1, taps).to(weights.dtype)
    kernel = weights[..., None] * ((1 - f)[..., None] * oh0 + f[..., None] * oh1)
    return kernel.permute(2, 1, 0)


def delayed_current_taps(x: torch.Tensor, weights: torch.Tensor, delays: torch.Tensor,
                         max_delay: int) -> torch.Tensor:
    """Tap-by-tap torch formulation (any device; plain autograd): the
    (n_post, n_in, max_delay + 2) kernel times time-shifted views of the
    time-major input, one in-place ``addmm`` per tap."""
    batch, steps, n_in = x.shape
    taps = max_delay + 2                             # floor(D) and floor(D) + 1
    xp = torch.cat([x.new_zeros(batch, taps, n_in), x], 1)
    # tap k reads x(t - 1 - k); time-major rows make every tap a contiguous view
    xt = xp.transpose(0, 1).contiguous().reshape((steps + taps) * batch, n_in)
    kt = tap_kernel(weights, delays, max_delay)      # (taps, n_in, n_post)

    def rows(k):
        return xt[(taps - 1 - k) * batch:(taps - 1 - k + steps) * batch]
    out = rows(0) @ kt[0]
    for k in range(1, taps):
        out.addmm_(rows(k), kt[k])                   # in place: no per-tap temporaries
    return out.reshape(steps, batch, -1).transpose(0, 1)


class _DelayedCurrentConv(torch.autograd.Function):
    """Device-agnostic formulation: one causal ``conv1d`` of the input with
    the (n_post, n_in, max_delay + 2) tap kernel, and its backward through
    ``torch.nn.grad`` -- no per-tap Python loop, one kernel call each way
    (cuDNN on a GPU). The tap kernel's gradient ``gK`` holds every
    correlation the parameter gradients need: ``dL/dw = (1 - f) gK[lo] +
    f gK[lo + 1]``, ``dL/dD = w (gK[lo + 1] - gK[lo])``, and with a spread
    ``w sum_m K[m] gK[lo + m + off]`` (taps outside the kernel count as 0)."""

    @staticmethod
    def forward(ctx, x, weights, delays, max_delay, spread=0.0):
        taps = max_delay + 2
        lo = torch.floor(delays.detach()).long().clamp(0, max_delay)
        f = delays.detach() - lo.to(delays.dtype)
        kernel = _kernel_from_taps(weights.detach(), lo, f, taps)      # (n_post, n_in, taps)
        xt = torch.nn.functional.pad(x.transpose(1, 2), (taps, 0))     # (B, n_in, taps + T)
        out = torch.nn.functional.conv1d(xt, kernel.flip(-1))[..., :x.shape[1]]
        ctx.save_for_backward(xt, weights, lo, f, kernel)
        ctx.max_delay, ctx.spread = max_delay, float(spread)
        return out.transpose(1, 2).contiguous()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        xt, weights, lo, f, kernel = ctx.saved_tensors
        need_x, need_w, need_d = ctx.needs_input_grad[:3]
        taps = ctx.max_delay + 2
        g = torch.nn.functional.pad(grad.transpose(1, 2), (0, 1))     # (B, n_post, T + 1)
        gx = gw = gd = None
        if need_x:
            gx = torch.nn.grad.conv1d_input(xt.shape, kernel.flip(-1), g)
            gx = gx[..., taps:].transpose(1, 2).contiguous()
        if need_w or need_d:
            gk = torch.nn.grad.conv1d_weight(xt, kernel.shape, g).flip(-1)   # (n_post, n_in, taps)
            g0 = gk.gather(2, lo[..., None])[..., 0]
            g1 = gk.gather(2, (lo + 1)[..., None])[..., 0]
            if need_w:
                gw = (1 - f) * g0 + f * g1
            if need_d and ctx.spread > 0:
                # the spread's gradient: the smoothed derivative of the input
                # gathered at the delay, as the CPU kernels compute it
                xd = torch.nn.functional.pad(
                    spread_derivative(xt[..., taps:].transpose(1, 2), ctx.spread).transpose(1, 2),
                    (taps, 0))
                gkd = torch.nn.grad.conv1d_weight(xd, kernel.shape, g).flip(-1)
                gd = weights.detach() * gkd.gather(2, lo[..., None])[..., 0]
            elif need_d:
                gd = weights.detach() * (g1 - g0)
        return gx, gw, gd, None, None


def delayed_current_conv(x: torch.Tensor, weights: torch.Tensor, delays: torch.Tensor,
                         max_delay: int, spread: float = 0.0) -> torch.Tensor:
    """:func:`delayed_current` as one ``conv1d`` with the tap kernel each way
    (any device; what :func:`delayed_current` runs off the CPU)."""
    return _DelayedCurrentConv.apply(x, weights, delays, max_delay, spread)


def _kernel_from_taps(weights, lo, f, taps):
    """(n_post, n_in, taps) kernel: (1 - f) w at tap lo, f w at tap lo + 1."""
    kernel = weights.new_zeros(weights.shape + (taps,))
    kernel.scatter_(2, lo[..., None], ((1 - f) * weights)[..., None])
    kernel.scatter_add_(2, (lo + 1)[..., None], (f * weights)[..., None])
    return kernel


def delayed_current(x: torch.Tensor, weights: torch.Tensor, delays: torch.Tensor,
                    max_delay: int, spread: float = 0.0) -> torch.Tensor:
    """Synaptic input of every step for real-valued per-synapse delays.

    ``a_j(t) = sum_i w_ji ((1 - f_ji) x_i(t - 1 - lo_ji) + f_ji x_i(t - 2 - lo_ji))``
    with ``lo = clamp(floor(D), 0, max_delay)``, ``f = D - lo`` (x is 0 before
    step 0). Differentiable in ``x``, ``weights`` and ``delays`` (first order;
    the delay gradient is ``w (x(t - 2 - lo) - x(t - 1 - lo))`` per step). See
    the module docstring for the algorithm and its cost.

    Parameters
    ----------
    x : tensor, shape (batch, T, n_in)
        Input spikes (or graded values).
    weights, delays : tensor, shape (n_post, n_in)
        Weights and real delays in [0, max_delay] (steps).
    max_delay : int
        Largest delay, 0..62.
    spread : float
        Width (steps) of a Gaussian through which the *delay gradient* sees
        the input (DCLS-style: a delay feels arrivals ~3 spread away; anneal
        it to 0 while training). The forward pass and the weight gradient
        do not change. 0: the exact gradient of the interpolation.

    Returns
    -------
    tensor, shape (batch, T, n_post)
        Contiguous, in the promoted floating dtype of the inputs.
    """
    if x.ndim != 3 or weights.ndim != 2 or weights.shape != delays.shape \
            or weights.shape[1] != x.shape[2]:
        raise ShapeError(f"x (batch, T, n_in) = {tuple(x.shape)}, weights {tuple(weights.shape)}"
                         f" and delays {tuple(delays.shape)} do not fit")
    if not 0 <= max_delay <= MAX_DELAY:
        raise ParameterError(f"max_delay must be in 0..{MAX_DELAY}, got {max_delay}")
    if not (np.isfinite(spread) and spread >= 0):
        raise ParameterError(f"delay spread must be finite and >= 0, got {spread}")
    max_delay = int(max_delay)
    dtype = torch.promote_types(torch.promote_types(x.dtype, weights.dtype), delays.dtype)
    if not dtype.is_floating_point:
        dtype = torch.get_default_dtype()
    x, weights, delays = x.to(dtype), weights.to(dtype), delays.to(dtype)
    on_cpu = x.device.type == weights.device.type == delays.device.type == "cpu"
    if not on_cpu:
        return delayed_current_conv(x, weights, delays, max_delay, spread)
    if dtype not in (torch.float32, torch.float64):   # half precision: compute in float32
        return _DelayedCurrent.apply(x.float(), weights.float(), delays.float(),
                                     max_delay, spread).to(dtype)
    return _DelayedCurrent.apply(x, weights, delays, max_delay, spread)


class SynapticDelayLinear(torch.nn.Module):
    """Dense layer with a learnable weight *and* delay per synapse.

    Parameters
    ----------
    n_in, n_out : int
    max_delay : int
        Delays are clamped to [0, max_delay] by :meth:`clamp_delays`.
    init_delay : int, optional
        Initial delays uniform in 0..init_delay (default max_delay).
    """

    def __init__(self, n_in: int, n_out: int, max_delay: int, init_delay=None, seed: int = 0,
                 dtype=torch.float64):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        top = max_delay if init_delay is None else init_delay
        self.max_delay = int(max_delay)
        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in, generator=gen, dtype=dtype)
                                         / n_in ** 0.5)
        self.delay = torch.nn.Parameter(torch.randint(0, top + 1, (n_out, n_in), generator=gen)
                                        .to(dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return delayed_current(x, self.weight, self.delay, self.max_delay)

    @torch.no_grad()
    def clamp_delays(self) -> int:
        """Clamp delays into [0, max_delay]; returns how many were clamped."""
        out = int(((self.delay < 0) | (self.delay > self.max_delay)).sum())
        self.delay.clamp_(0, self.max_delay)
        return out

    def integer_delays(self) -> torch.Tensor:
        """The delays that deploy (:func:`deployed_delays`), as integers."""
        return deployed_delays(self.delay.detach(), self.max_delay).long()
