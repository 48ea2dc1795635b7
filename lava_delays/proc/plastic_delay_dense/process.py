"""``PlasticDelayDense``: delayed dense synapses whose weights, synaptic
delays and axonal delays learn on-line with the three-factor rule of arXiv:2601.00668.

Learned delays really move spikes: the delay line routes every spike with
the current (rounded) learned delay. This is what lava-nc's ``LearningDense``
cannot do (it has no delays, and a ``dd`` rule only writes ``tag_2``).
"""
import typing as ty

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_delays.errors import ParameterError, ShapeError
from lava_delays.fixed_point import check_delays, check_finite, loihi_weights
from lava_delays.proc.base import CheckedProcess

LEARNABLE = ("weights", "synaptic", "axonal")


class PlasticDelayDense(CheckedProcess):
    """Plastic delayed dense connection (see
    :class:`lava_delays.kernels.plasticity.PlasticSynapses`).

    Ports
    -----
    s_in : presynaptic spikes (n_pre,)
    a_out : synaptic input to the post neurons (n_post,), sent first each
        step (a spike at t with delay d arrives at t + 1 + d)
    psi_in : surrogate derivative of the post neurons (n_post,); leave it
        unconnected for psi == 1 (a linear read-out)
    l_in : learning signal, the third factor (n_post,); the update is applied
        at the last step of every sample (``reset_interval``)

    Parameters
    ----------
    weights : ndarray (n_post, n_pre)
        Float, or integer (fixed point: even, in [-254, 254]).
    syn_delays : ndarray (n_post, n_pre) or None
        Initial synaptic delays in steps (learned if "synaptic" in learn).
    axonal_delays : ndarray (n_pre,) or None
        Initial axonal delays of the presynaptic neurons (learned if
        "axonal" in learn); the routed delay of (j, i) is their sum.
    max_delay : int
        Bound of learned delays and of the buffer (0..62).
    learn : sequence of {"weights", "synaptic", "axonal"}
    rates : dict
        Float learning rates, or fixed-point ``(m, k)`` pairs.
    time_weights : ndarray (reset_interval,)
        c(t) of each step of a sample (float, or 8-bit ints).
    trace_du, trace_dv : float/int or None
        Decays of the post neuron (the pre trace's filter); None = raw spikes.
    reset_interval : int
        Sample length T: state is cleared every T steps and the update is
        applied at the last step of each sample.
    seed : int
        Stochastic-rounding seed (fixed point).
    momentum : float in [0, 1)
        Momentum of the updates (see ``PlasticSynapses``).
    """

    def __init__(self, *, weights, syn_delays=None, axonal_delays=None, max_delay: int = 0,
                 learn=("weights",), rates=None, time_weights=None, trace_du=None,
                 trace_dv=None, reset_interval: int = 0, seed: int = 0,
                 momentum: float = 0.0, name: ty.Optional[str] = None,
                 log_config: ty.Optional[LogConfig] = None, **kwargs) -> None:
        where = f"PlasticDelayDense {name or ''}".strip()
        weights = check_finite(weights, "weights", where)
        if weights.ndim != 2:
            raise ShapeError(f"weights in {where} must be 2-D, got shape {weights.shape}")
        if weights.dtype.kind in "iu":
            loihi_weights(weights, where=where)
        check_delays(max_delay, "max_delay", where)
        n_post, n_pre = weights.shape
        if syn_delays is not None:
            syn = check_finite(syn_delays, "syn_delays", where)
            if syn.shape != weights.shape:
                raise ShapeError(f"syn_delays in {where} have shape {syn.shape}, "
                                 f"expected {weights.shape}")
            check_delays(np.round(syn), "syn_delays", where, max_delay)
        if axonal_delays is not None:
            ax = check_finite(axonal_delays, "axonal_delays", where)
            if ax.shape != (n_pre,):
                raise ShapeError(f"axonal_delays in {where} have shape {ax.shape}, "
                                 f"expected ({n_pre},)")
            check_delays(np.round(ax), "axonal_delays", where, max_delay)
        learn = tuple(learn)
        bad = set(learn) - set(LEARNABLE)
        if bad:
            raise ParameterError(f"{where}: unknown learnable parameter(s) {sorted(bad)}")
        if "synaptic" in learn and syn_delays is None:
            raise ParameterError(f"{where}: cannot learn synaptic delays without syn_delays")
        if "axonal" in learn and axonal_delays is None:
            raise ParameterError(f"{where}: cannot learn axonal delays without axonal_delays")
        rates = dict(rates or {})
        for kind in learn:
            r = rates.get(kind)
            fixed_ok = isinstance(r, tuple) and len(r) == 2 and int(r[0]) >= 0
            float_ok = np.isscalar(r) and np.isfinite(r) and r >= 0
            if not (fixed_ok or float_ok):
                raise ParameterError(f"{where}: learning rate for {kind!r} must be a finite "
                                     f"float >= 0 or a fixed-point (m, k) pair, got {r!r}")
        if not (np.isfinite(momentum) and 0 <= momentum < 1):
            raise ParameterError(f"{where}: momentum must lie in [0, 1), got {momentum}")
        if int(reset_interval) < 1:
            raise ParameterError(f"{where}: reset_interval (the sample length) must be >= 1")
        c = np.zeros(int(reset_interval)) if time_weights is None else check_finite(
            time_weights, "time_weights", where)
        if c.shape != (int(reset_interval),):
            raise ShapeError(f"time_weights in {where} must have shape ({reset_interval},), "
                             f"got {c.shape}")
        super().__init__(weights=weights, syn_delays=syn_delays, axonal_delays=axonal_delays,
                         max_delay=int(max_delay), learn=learn, rates=rates, time_weights=c,
                         trace_du=trace_du, trace_dv=trace_dv, reset_interval=int(reset_interval),
                         seed=int(seed), momentum=float(momentum), name=name,
                         log_config=log_config, **kwargs)
        self.s_in = InPort(shape=(n_pre,))
        self.a_out = OutPort(shape=(n_post,))
        self.psi_in = InPort(shape=(n_post,))
        self.l_in = InPort(shape=(n_post,))
        self.weights = Var(shape=weights.shape, init=weights)
        self.delays = Var(shape=weights.shape, init=0)
        self.syn_delay_steps = Var(shape=weights.shape, init=0)
        self.axonal_delay_steps = Var(shape=(n_pre,), init=0)
        self.a_buff = Var(shape=(n_post, int(max_delay) + 1), init=0)
        self.clamp_count = Var(shape=(1,), init=0)
