"""Neuron dynamics over all time steps in one call (float and quantized).

Stepping a neuron layer in Python costs a few dozen torch operations per time
step for the forward pass and as many for autograd's backward: for the
long, wide layers of SHD/SSC that overhead, not arithmetic, dominates an
epoch. As lava-dl slayer does, these autograd functions run the dynamics of
a whole sequence in one numba kernel and its hand-written BPTT backward in
another (rows batch x neuron split over threads):

* :func:`lif_over_time` -- CUBA LIF (``train/lif.py`` in float mode): spikes
  through the Gaussian surrogate, reset to 0 with the reset detached, or the
  leaky read-out (no spikes, voltage out);
* :func:`fixed_lif_over_time` -- the same LIF / read-out in quantized mode:
  the fixed-point kernel's integers, straight-through gradients;
* :func:`adlif_over_time` -- AdLIF+ (``train/adlif.py`` in float mode):
  reset by subtraction through the surrogate, learnable alpha, beta, a, b;
* :func:`fixed_adlif_over_time` -- the same AdLIF+ in quantized mode (12-bit
  parameters, truncation, saturation), straight-through gradients, the same
  backward recursion in units of the 12-bit fractions.

Same equations and the same order of floating-point operations as the
step-by-step modules, so spikes are identical; gradients equal autograd of
the step loop to rounding (tested). The trainer's neuron modules call them
in ``over_time`` (:class:`~lava_delays.train.neuron.TrainNeurons`), which
feed-forward layers use; recurrent layers step.

Backward (adjoints ``lu``, ``lv``/``lw``, ``ls`` of the states, ``psi`` the
surrogate, ``g`` the gradient arriving at the layer's output):

* LIF: ``lv_t = g_t psi_t + lv_{t+1} (1 - dv)(1 - s_t)``,
  ``lu_t = lv_t + lu_{t+1} (1 - du)``, ``dL/da_t = lu_t``;
* AdLIF+: ``ls_t = g_t - alpha theta lu_{t+1} + (1 - beta) b theta lw_{t+1}``,
  ``lu_t = ls_t psi_t + alpha lu_{t+1} + (1 - beta) a lw_{t+1}``,
  ``lw_t = -(1 - alpha) lu_{t+1} + beta lw_{t+1}``, ``dL/da_t = (1 - alpha) lu_t``.
"""
from __future__ import annotations

import numpy as np
import torch
from numba import njit
from torch.autograd.function import once_differentiable

from lava_delays.fixed_point import (CURRENT_DECAY_OFFSET, DECAY_UNITY, STATE_LIMIT,
                                     THRESHOLD_SHIFT, VOLTAGE_DECAY_OFFSET)
from lava_delays.train.threads import split_rows


def _over_rows(kernel, a: np.ndarray, *args) -> None:
    """``kernel`` over the (batch x neuron) rows of ``a`` (B, T, n), on threads
    when the sequence is long enough to pay for them."""
    B, T, n = a.shape
    split_rows(kernel, B * n, 8 * a.size, a, *args)


@njit(cache=True, nogil=True)
def _lif_forward(a, keep_u, keep_v, spiking, out, vpre, r0, r1):
    # a (B, T, n); out: spikes or voltage; vpre: voltage before the reset;
    # keep_u = 1 - du, keep_v = 1 - dv in a's dtype (as torch rounds them)
    B, T, n = a.shape
    one = a.dtype.type(1)
    for bj in range(r0, r1):
        b, j = bj // n, bj % n
        u = a.dtype.type(0)
        v = a.dtype.type(0)
        for t in range(T):
            u = u * keep_u
            u += a[b, t, j]
            v = v * keep_v + u
            vpre[b, t, j] = v
            if spiking:
                s = one if v > one else a.dtype.type(0)
                out[b, t, j] = s
                v = v * (one - s)
            else:
                out[b, t, j] = v


@njit(cache=True, nogil=True)
def _lif_backward(g, vpre, out, keep_u, keep_v, unit, gain, sigma, spiking, ga, r0, r1):
    # float: keep = 1 - d, unit = gain = 1 (in a's dtype); quantized
    # (straight-through: rounding, wrap and saturation pass gradients): keep
    # = keep / 4096, unit = the threshold in integer units, gain = 64 (input)
    B, T, n = g.shape
    one = g.dtype.type(1)
    for bj in range(r0, r1):
        b, j = bj // n, bj % n
        lu = g.dtype.type(0)
        lv = g.dtype.type(0)
        for t in range(T - 1, -1, -1):
            if spiking:
                d = vpre[b, t, j] / unit - one
                psi = np.exp(-(d * d) / (2 * sigma * sigma))
                lv = g[b, t, j] * psi / unit + lv * keep_v * (one - out[b, t, j])
            else:
                lv = g[b, t, j] / unit + lv * keep_v
            lu = lv + lu * keep_u
            ga[b, t, j] = lu * gain


class LIFOverTime(torch.autograd.Function):
    """CUBA LIF / leaky read-out over a whole sequence: float mode, or with
    ``fixed`` the quantized neuron (float64 integers, straight-through
    gradients); ``keep_u``, ``keep_v`` are ``1 - du``, ``1 - dv`` (float) or
    lava's 12-bit keep factors (fixed), ``unit`` the threshold."""

    @staticmethod
    def forward(ctx, current, keep_u, keep_v, unit, sigma, spiking, fixed):
        dtype = torch.float64 if fixed else current.dtype
        a = current.detach().to(dtype).contiguous().numpy()
        out, vpre = np.empty_like(a), np.empty_like(a)
        one = a.dtype.type
        if fixed:
            _over_rows(_lif_fixed_forward, a, float(keep_u), float(keep_v), float(unit),
                       bool(spiking), float(STATE_LIMIT), out, vpre)
            keep_u, keep_v, gain = keep_u / 4096.0, keep_v / 4096.0, 64.0
        else:
            _over_rows(_lif_forward, a, one(keep_u), one(keep_v), bool(spiking), out, vpre)
            gain = 1.0
        ctx.save_for_backward(torch.from_numpy(vpre), torch.from_numpy(out))
        ctx.params = tuple(one(v) for v in (keep_u, keep_v, unit, gain, sigma)) + (bool(spiking),)
        return torch.from_numpy(out)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        vpre, out = ctx.saved_tensors
        g = grad.to(vpre.dtype).contiguous().numpy()
        ga = np.empty_like(g)
        _over_rows(_lif_backward, g, vpre.numpy(), out.numpy(), *ctx.params, ga)
        return torch.from_numpy(ga), None, None, None, None, None, None


def lif_over_time(current: torch.Tensor, du: float, dv: float, psi_sigma: float,
                  spiking: bool = True) -> torch.Tensor:
    """Spikes (or, with ``spiking=False``, the read-out voltage) of float LIF
    neurons (threshold 1) for ``current`` (batch, T, n), CPU."""
    return LIFOverTime.apply(current, 1 - float(du), 1 - float(dv), 1.0, float(psi_sigma),
                             spiking, False)


@njit(cache=True, nogil=True)
def _adlif_forward(a, alpha, beta, pa, pb, vth, out, us, ws, r0, r1):
    # us, ws: u[t] and w[t] after step t (needed by the backward)
    B, T, n = a.shape
    one = a.dtype.type(1)
    zero = a.dtype.type(0)
    for bj in range(r0, r1):
        b, j = bj // n, bj % n
        al, be, ca, cb = alpha[j], beta[j], pa[j], pb[j]
        u = zero
        w = zero
        s = zero
        for t in range(T):
            u_new = al * (u - vth * s) + (one - al) * (a[b, t, j] - w)
            w = be * w + (one - be) * (ca * u + cb * vth * s)
            u = u_new
            s = one if u > vth else zero
            out[b, t, j] = s
            us[b, t, j] = u
            ws[b, t, j] = w


@njit(cache=True, nogil=True)
def _adlif_backward(g, a, us, ws, out, alpha, beta, pa, pb, vth, sigma, fixed,
                    ga, galpha, gbeta, gpa, gpb, r0, r1):
    # per (b, j): reverse-time adjoints; parameter gradients summed per (b, j)
    # into (B, n) rows, reduced over the batch by the caller. fixed: the
    # quantized neuron (alpha..b = 12-bit values / 4096, a = 64 x input):
    # the surrogate is taken of u / vth (width sigma), and w's target was
    # truncated in the forward pass
    B, T, n = g.shape
    one = g.dtype.type(1)
    zero = g.dtype.type(0)
    for bj in range(r0, r1):
        b, j = bj // n, bj % n
        al, be, ca, cb = alpha[j], beta[j], pa[j], pb[j]
        lu1 = zero          # adjoints of u[t+1], w[t+1]
        lw1 = zero
        s_al = zero
        s_be = zero
        s_a = zero
        s_b = zero
        for t in range(T - 1, -1, -1):
            u = us[b, t, j]
            if fixed:
                d = u / vth - one
                psi = np.exp(-(d * d) / (2 * sigma * sigma)) / vth
            else:
                d = u - vth
                psi = np.exp(-(d * d) / (2 * sigma * sigma))
            ls = g[b, t, j] - al * vth * lu1 + (one - be) * cb * vth * lw1
            lu = ls * psi + al * lu1 + (one - be) * ca * lw1
            lw = -(one - al) * lu1 + be * lw1
            ga[b, t, j] = (one - al) * lu
            # states before step t (zero before the first step)
            if t > 0:
                u0, w0, s0 = us[b, t - 1, j], ws[b, t - 1, j], out[b, t - 1, j]
            else:
                u0, w0, s0 = zero, zero, zero
            s_al += lu * ((u0 - vth * s0) - (a[b, t, j] - w0))
            if fixed:
                s_be += lw * (w0 - np.trunc((ca * 4096.0 * u0 + cb * 4096.0 * vth * s0) / 4096.0))
            else:
                s_be += lw * (w0 - (ca * u0 + cb * vth * s0))
            s_a += lw * (one - be) * u0
            s_b += lw * (one - be) * vth * s0
            lu1, lw1 = lu, lw
        galpha[b, j] = s_al
        gbeta[b, j] = s_be
        gpa[b, j] = s_a
        gpb[b, j] = s_b


class AdLIFOverTime(torch.autograd.Function):
    """AdLIF+ over a whole sequence, differentiable in the current and in
    alpha, beta, a, b: float mode (the clamped values) or, with ``fixed``,
    the quantized neuron (the 12-bit values, float64, straight-through
    gradients; the backward recursion runs in units of value / 4096 and an
    input current of 64 x the integer current)."""

    @staticmethod
    def forward(ctx, current, alpha, beta, pa, pb, vth, sigma, fixed):
        dtype = torch.float64 if fixed else current.dtype
        a = current.detach().to(dtype).contiguous().numpy()
        params = [p.detach().to(dtype).contiguous().numpy() for p in (alpha, beta, pa, pb)]
        out, us, ws = np.empty_like(a), np.empty_like(a), np.empty_like(a)
        if fixed:
            _over_rows(_adlif_fixed_forward, a, *params, float(vth), float(STATE_LIMIT),
                       out, us, ws)
        else:
            _over_rows(_adlif_forward, a, *params, a.dtype.type(vth), out, us, ws)
        ctx.save_for_backward(torch.from_numpy(a), torch.from_numpy(us), torch.from_numpy(ws),
                              torch.from_numpy(out), *(torch.from_numpy(p) for p in params))
        ctx.vth, ctx.sigma, ctx.fixed = float(vth), float(sigma), bool(fixed)
        ctx.param_dtypes = [p.dtype for p in (alpha, beta, pa, pb)]
        return torch.from_numpy(out)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        current, us, ws, out, *params = ctx.saved_tensors
        a = current.numpy()
        g = grad.to(current.dtype).contiguous().numpy()
        unit = 4096.0 if ctx.fixed else 1.0            # parameter units
        gain = 64.0 if ctx.fixed else 1.0              # input current -> u units
        if ctx.fixed:
            a = a * gain
        B, T, n = a.shape
        ga = np.empty_like(a)
        sums = [np.empty((B, n), a.dtype) for _ in range(4)]
        one = a.dtype.type
        _over_rows(_adlif_backward, g, a, us.numpy(), ws.numpy(), out.numpy(),
                   *(p.numpy() / unit if ctx.fixed else p.numpy() for p in params),
                   one(ctx.vth), one(ctx.sigma), ctx.fixed, ga, *sums)
        pg = [torch.from_numpy(s.sum(axis=0) / unit if ctx.fixed else s.sum(axis=0)).to(dt)
              for s, dt in zip(sums, ctx.param_dtypes)]
        return (torch.from_numpy(ga * gain if ctx.fixed else ga), *pg, None, None, None)


def adlif_over_time(current: torch.Tensor, alpha, beta, a, b, vth: float,
                    sigma: float) -> torch.Tensor:
    """Spikes of float AdLIF+ neurons for ``current`` (batch, T, n), CPU;
    ``alpha, beta, a, b`` (n,) are the clamped parameters, ``sigma`` the
    surrogate width in voltage units."""
    return AdLIFOverTime.apply(current, alpha, beta, a, b, float(vth), float(sigma), False)


@njit(cache=True, nogil=True)
def _adlif_fixed_forward(a, qalpha, qbeta, qa, qb, vth, limit, out, us, ws, r0, r1):
    # the fixed-point AdLIF+ of lava_delays.kernels.adlif in float64 integers
    # (the trainer's quantized step): parameters are 12-bit integers,
    # x / 4096 truncates toward zero, u and w saturate at +-(limit - 1)
    B, T, n = a.shape
    lim = limit - 1.0
    for bj in range(r0, r1):
        b, j = bj // n, bj % n
        al, be, ca, cb = qalpha[j], qbeta[j], qa[j], qb[j]
        u = 0.0
        w = 0.0
        s = 0.0
        for t in range(T):
            drive = a[b, t, j] * 64.0 - w
            u_new = np.trunc((al * (u - vth * s) + (4096.0 - al) * drive) / 4096.0)
            target = np.trunc((ca * u + cb * vth * s) / 4096.0)
            w = np.trunc((be * w + (4096.0 - be) * target) / 4096.0)
            w = min(max(w, -lim), lim)
            u = min(max(u_new, -lim), lim)
            s = 1.0 if u / vth > 1.0 else 0.0
            out[b, t, j] = s
            us[b, t, j] = u
            ws[b, t, j] = w


def fixed_adlif_over_time(current: torch.Tensor, qalpha, qbeta, qa, qb, vth: float,
                          psi_sigma: float) -> torch.Tensor:
    """Spikes of the quantized AdLIF+ (12-bit ``alpha, beta, a, b`` (n,),
    threshold ``vth`` in integer voltage units) for integer ``current``
    (batch, T, n), CPU, float64, straight-through gradients."""
    return AdLIFOverTime.apply(current, qalpha, qbeta, qa, qb, float(vth), float(psi_sigma),
                               True)


@njit(cache=True, nogil=True)
def _lif_fixed_forward(a, keep_u, keep_v, unit, spiking, limit, out, vpre, r0, r1):
    # the fixed-point LIF of lava_delays.kernels.lif in float64 integers:
    # u = wrap(trunc(u keep_u / 4096) + 64 a), v = sat(trunc(v keep_v / 4096) + u)
    B, T, n = a.shape
    for bj in range(r0, r1):
        b, j = bj // n, bj % n
        u = 0.0
        v = 0.0
        for t in range(T):
            x = np.trunc(u * keep_u / 4096.0) + a[b, t, j] * 64.0
            if x > limit:
                u = x - 2 * limit
            elif x <= -limit:
                u = x + 2 * limit
            else:
                u = x
            v = np.trunc(v * keep_v / 4096.0) + u
            v = min(max(v, -(limit - 1)), limit - 1)
            vpre[b, t, j] = v
            if spiking:
                s = 1.0 if v / unit > 1.0 else 0.0
                out[b, t, j] = s
                v = v * (1.0 - s)
            else:
                out[b, t, j] = v / unit


def fixed_lif_over_time(current: torch.Tensor, du: int, dv: int, scale: int, psi_sigma: float,
                        spiking: bool = True) -> torch.Tensor:
    """Spikes (or the read-out voltage in float units) of the quantized LIF
    (12-bit ``du``, ``dv``; threshold mantissa ``scale``) for integer
    ``current`` (batch, T, n), CPU, float64, straight-through gradients."""
    keep_u = DECAY_UNITY - du - CURRENT_DECAY_OFFSET
    keep_v = DECAY_UNITY - dv - VOLTAGE_DECAY_OFFSET
    return LIFOverTime.apply(current, keep_u, keep_v, float(scale << THRESHOLD_SHIFT),
                             psi_sigma, spiking, True)


__all__ = ["adlif_over_time", "fixed_adlif_over_time", "fixed_lif_over_time", "lif_over_time"]
