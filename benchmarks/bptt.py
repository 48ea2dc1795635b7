"""Plain torch BPTT of the network :class:`~lava_delays.engine.online.OnlineLearner`
trains on-line -- the reference the three-factor rule is compared with.

Network (float, one hidden layer, as the on-line learner's): input -> CUBA LIF
(``du``, ``dv``, ``vth`` of an :class:`~lava_delays.engine.online.OnlineConfig`)
with per-synapse delays ``d_ji`` and optional axonal delays ``a_i``, both
learnable *real* numbers -> leaky read-out (``readout_du``, ``readout_dv``)
-> cross-entropy of the summed read-out voltage / T. It is exactly the network
of ``tests/engine/test_online_gradient.py::_bptt``:

* the input reaching neuron j at step t was sent at ``t - 1 - D_ji`` with
  ``D = d + a`` (clipped to ``max_delay``), linearly interpolated between the
  integer taps ``lo = floor(D)`` and ``lo + 1`` -- so the gradient of a delay
  is the backward difference of the input, as in the three-factor rule;
* the hidden neurons are the trainer's :class:`~lava_delays.train.lif.LIF`
  (float, threshold ``vth``): spikes ``z = v > vth`` with the Gaussian
  surrogate ``exp(-(v - vth)^2 / (2 (psi_sigma vth)^2))`` in the backward
  pass, and ``reset_passes_gradient=True``: the reset (``v <- 0`` on a spike)
  is invisible to the gradient, as in the three-factor rule;
* the read-out is linear, so its leaky two-stage filter and the sum over time
  are applied in closed form, ``y = sum_s c(s) W_out z(s)`` with ``c(s)`` the
  summed impulse response from step s + 1 on (computed here, independently
  of the library's :func:`~lava_delays.kernels.plasticity.readout_time_weights`).

With integer delays and float64 the forward pass equals the engine's
spike for spike, and the gradient equals the three-factor gradient
(``OnlineLearner.gradients`` with ``delay_spread=0``); both are checked in
``tests/test_bench_online_smoke.py``.

Efficiency: the input current of *all* steps is computed before the time
loop, vectorised over batch, steps and synapses (no per-synapse Python
loops); only the neuron recurrence runs step by step. Two equivalent ways
(``gather=``), identical values and gradients (float64: to ~1e-15):

* ``"conv"`` (default): the sum as a 1-D convolution over time with a kernel
  of ``max_delay + 2`` taps per synapse that holds ``w (1 - f)`` at tap
  ``lo`` and ``w f`` at tap ``lo + 1``, computed tap by tap: one in-place
  ``addmm`` of a time-shifted *view* of the (time-major) input per tap
  (torch's ``conv1d`` would unfold the input: O(batch T n_in taps) memory).
  Autograd keeps only the input and the kernel: O(batch T n_in).
* ``"index"``: index tensors ``t - 1 - lo`` of shape (T, n_post, n_in)
  gather the delayed inputs ``x0``, ``x1`` of every synapse and step,
  (batch, T, n_post, n_in), at once; ``a = (x0 + f (x1 - x0)) . w``. It keeps
  those gathered tensors for backward: O(batch T n_post n_in).

Measured (one thread, T = 90, batch 32): ``conv`` trains ~1.5x faster than
``index`` (hidden 32: 0.26 vs 0.42 s per 10 batches; hidden 64: 0.44 vs
0.64 s), and at T = 10000 autograd saves 45 MiB with ``conv`` against 664 MiB
with ``index`` (``bench online_memory``), hence the default.

What deploys: learned parameters go back into a copy of the
:class:`OnlineLearner` (weights, real delays) whose :meth:`network` routes the
delays rounded half up; :func:`deployed_accuracy` runs that network with
:func:`lava_delays.engine.simulate`. ``test_accuracy`` in the history is that
deployed accuracy; ``test_accuracy_float`` is the torch model's own accuracy
with the real (interpolated) delays.
"""
from __future__ import annotations

import copy
import time
from typing import Callable, Optional

import numpy as np
import torch

from lava_delays.engine.online import OnlineConfig, OnlineLearner
from lava_delays.errors import ParameterError
from lava_delays.kernels.plasticity import readout_time_weights
from lava_delays.train.delays import delayed_current
from lava_delays.train.lif import LIF

__all__ = ["BPTTModel", "train_bptt", "evaluate", "deployed_accuracy"]


class BPTTModel:
    """Parameters and forward pass of the network; initialised from (a copy
    of) an :class:`OnlineLearner` so both start from identical parameters.

    Parameters
    ----------
    learner : OnlineLearner
        Float learner with one hidden layer, no recurrence. It is copied; the
        copy is the template the deployed network is built from.
    dtype : torch dtype (float64 default: matches the engine bit for bit at
        integer delays).
    gather : "conv" or "index" (see the module docstring).
    """

    def __init__(self, learner: OnlineLearner, dtype=torch.float64, gather: str = "conv"):
        cfg = learner.cfg
        if cfg.fixed:
            raise ParameterError("BPTT reference is float only (config.fixed=True)")
        if len(cfg.hidden) != 1 or cfg.recurrent:
            raise ParameterError("BPTT reference supports one hidden layer without "
                                 f"recurrence, got hidden={tuple(cfg.hidden)}, "
                                 f"recurrent={cfg.recurrent}")
        if gather not in ("index", "conv"):
            raise ParameterError(f"gather must be 'index' or 'conv', got {gather!r}")
        self.template = copy.deepcopy(learner)
        self.cfg, self.dtype, self.gather = cfg, dtype, gather
        self.n_in, self.n_classes = learner.n_in, learner.n_classes
        h = learner.ff[0]
        learn = set(cfg.learn)
        t = lambda a, g: torch.tensor(np.array(a, dtype=np.float64), dtype=dtype,  # noqa: E731
                                      requires_grad=g)
        self.w = t(h.weights, "weights" in learn)
        self.d = None if h.syn is None else t(h.syn.steps(), "synaptic" in learn)
        self.a = None if h.ax is None else t(h.ax.steps(), "axonal" in learn)
        self.w_out = t(learner.out.weights, True)
        self.neurons = LIF(h.weights.shape[0], du=cfg.du, dv=cfg.dv, psi_sigma=cfg.psi_sigma,
                           vth=cfg.vth, reset_passes_gradient=True)
        self.d_init = None if self.d is None else self.d.detach().clone()
        self.a_init = None if self.a is None else self.a.detach().clone()
        self.clamps = 0

    # --- parameters ---------------------------------------------------------------
    def param_groups(self, lr_weights: float, lr_synaptic: float, lr_axonal: float,
                     lr_readout: float) -> list:
        groups = [{"params": [self.w_out], "lr": lr_readout, "name": "readout"}]
        for p, lr, name in ((self.w, lr_weights, "weights"), (self.d, lr_synaptic, "synaptic"),
                            (self.a, lr_axonal, "axonal")):
            if p is not None and p.requires_grad:
                groups.append({"params": [p], "lr": lr, "name": name})
        return groups

    def clamp_delays(self) -> None:
        """Keep learned delays in [0, max_delay] (counted, as the rule does)."""
        top = self.cfg.max_delay
        with torch.no_grad():
            for p in (self.d, self.a):
                if p is not None and p.requires_grad:
                    self.clamps += int(((p < 0) | (p > top)).sum())
                    p.clamp_(0, top)

    def total_delays(self) -> torch.Tensor:
        """Real delay of every synapse, d + a, clipped to max_delay as the
        engine clips the routed sum. The clip passes the gradient straight
        through (as the three-factor rule, which differentiates the trace at
        the clipped delay); it only acts when both kinds of delay exist."""
        shape = self.w.shape
        tot = torch.zeros(shape, dtype=self.dtype)
        if self.d is not None:
            tot = tot + self.d
        if self.a is not None:
            tot = tot + self.a[None, :]
        return tot - (tot.detach() - self.cfg.max_delay).clamp(min=0)

    # --- forward -----------------------------------------------------------------
    def input_current(self, x: torch.Tensor) -> torch.Tensor:
        """Synaptic input of every step, (batch, T, n_post), from input
        spikes (batch, T, n_in): ``a_j(t) = sum_i w_ji x_i(t - 1 - D_ji)``
        with D linearly interpolated."""
        batch, steps, n_in = x.shape
        D = self.total_delays()
        lo = torch.floor(D.detach()).long().clamp(0, self.cfg.max_delay)
        f = D - lo.to(self.dtype)                       # 0 at integer delays, grad 1
        P = self.cfg.max_delay + 2                      # taps lo and lo + 1 <= max_delay + 1
        xp = torch.cat([torch.zeros(batch, P, n_in, dtype=self.dtype), x], 1)
        need_f = D.requires_grad or bool((f.detach() != 0).any())
        if self.gather == "index":
            tt = torch.arange(steps)[:, None, None] + (P - 1) - lo[None]   # (T, n_post, n_in)
            ii = torch.arange(n_in)[None, None, :]
            x0 = xp[:, tt, ii]                                               # (B, T, n_post, n_in)
            a = torch.einsum("btji,ji->btj", x0, self.w)
            if need_f:
                dx = xp[:, tt - 1, ii] - x0
                a = a + torch.einsum("btji,ji->btj", dx, self.w * f)
            return a
        # "conv": the trainer's tap-by-tap interpolated delay layer
        return delayed_current(x, self.w, D, self.cfg.max_delay)

    def forward(self, x) -> torch.Tensor:
        """Summed read-out voltage (batch, n_classes) for input spikes
        (batch, T, n_in), numpy or torch."""
        cfg = self.cfg
        x = torch.as_tensor(np.asarray(x), dtype=self.dtype) if not torch.is_tensor(x) \
            else x.to(self.dtype)
        batch, steps, _ = x.shape
        current = self.input_current(x)
        a_steps = current.unbind(1)                     # unbind: one backward node
        state = self.neurons.init_state(batch, current)
        params = self.neurons.params()
        zs = []
        for t in range(steps):
            z, state = self.neurons.step(state, a_steps[t], params)
            zs.append(z)
        Z = torch.stack(zs, 1)                          # (B, T, n_post)
        del zs
        c = torch.tensor(readout_time_weights(steps, cfg.readout_du, cfg.readout_dv),
                         dtype=self.dtype)
        return torch.einsum("btj,t,kj->bk", Z, c, self.w_out)

    def loss(self, x, labels) -> tuple:
        y = self.forward(x)
        steps = np.shape(x)[1]
        labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        loss = torch.nn.functional.cross_entropy(y / steps, labels)
        return loss, y

    # --- deployment ---------------------------------------------------------------
    def to_learner(self) -> OnlineLearner:
        """A copy of the template learner holding the learned parameters
        (real delays; its network routes them rounded half up)."""
        lrn = copy.deepcopy(self.template)
        h = lrn.ff[0]
        h.weights = self.w.detach().double().numpy().copy()
        if h.syn is not None:
            h.syn.value = self.d.detach().double().numpy().copy()
        if h.ax is not None:
            h.ax.value = self.a.detach().double().numpy().copy()
        h.reroute()
        lrn.out.weights = self.w_out.detach().double().numpy().copy()
        return lrn

    def delay_shift(self) -> float:
        """Mean |routed delay - initial delay| over learned delays (steps) --
        the on-line learner's :meth:`~OnlineLearner.delay_shift`."""
        return self.to_learner().delay_shift()

    def delay_shift_real(self) -> float:
        """Mean |real delay - initial delay| over learned delays (steps)."""
        moved = [float((p.detach() - p0).abs().mean()) for p, p0 in
                 ((self.d, self.d_init), (self.a, self.a_init))
                 if p is not None and p.requires_grad]
        return float(np.mean(moved)) if moved else 0.0


def deployed_accuracy(learner: OnlineLearner, x, labels, batch: int = 256) -> float:
    """Accuracy of ``learner.network()`` (integer routed delays) run by
    :func:`lava_delays.engine.simulate` -- what deploys."""
    from lava_delays.engine import simulate
    net = learner.network()
    preds = np.concatenate([simulate(net, x[i:i + batch]).predict()
                            for i in range(0, len(x), batch)])
    return float(np.mean(preds == np.asarray(labels)))


def evaluate(model: BPTTModel, x, labels, batch: int = 256) -> dict:
    """``deployed``: engine accuracy of the learned parameters with rounded
    delays (:func:`deployed_accuracy`); ``float``: the torch model's accuracy
    with its real delays; ``loss``: torch cross-entropy."""
    correct, losses = 0, []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            loss, y = model.loss(x[i:i + batch], labels[i:i + batch])
            correct += int((y.argmax(1).numpy() == np.asarray(labels[i:i + batch])).sum())
            losses.append(float(loss) * len(x[i:i + batch]))
    return {"deployed": deployed_accuracy(model.to_learner(), x, labels, batch),
            "float": correct / len(x), "loss": float(np.sum(losses) / len(x))}


def train_bptt(learner_or_config, train, test=None, *, epochs: int = 20, batch: int = 32,
               lr_weights: float = 3e-3, lr_synaptic: float = 3e-2,
               lr_axonal: Optional[float] = None, lr_readout: float = 3e-3,
               seed: int = 0, n_classes: Optional[int] = None, dtype=torch.float64,
               gather: str = "conv", threads: Optional[int] = 1,
               progress: Optional[Callable] = None,
               model_out: Optional[list] = None) -> list:
    """Train the network of ``learner_or_config`` by BPTT with Adam.

    Parameters
    ----------
    learner_or_config : OnlineLearner, OnlineConfig or BPTTModel
        Start from this learner's parameters (it is not changed); a config
        builds ``OnlineLearner(n_in, n_classes, config)`` first (same seed,
        same parameters as the on-line run).
    train, test : (x, labels)
        Spikes (n, T, n_in) and labels.
    lr_weights, lr_synaptic, lr_axonal, lr_readout : float
        Adam rates per kind; delays in steps (``lr_axonal`` defaults to
        ``lr_synaptic``). Which parameters learn follows ``config.learn``
        (weights only: delays stay fixed); the read-out always learns.
    seed : int
        Mini-batch order (``np.random.default_rng(seed).permutation`` per
        epoch, as :func:`~lava_delays.engine.online.train_online`).
    gather : "conv" (default) or "index"
        How the delayed inputs are formed (module docstring).
    threads : int or None
        ``torch.set_num_threads`` while training (restored afterwards); 1 by
        default -- the on-line learner runs on one core too, and on a small
        shared machine torch's intra-op threads on these small tensors were
        up to 3x *slower* than one thread. None: leave torch's setting.
    model_out : list, optional
        The trained :class:`BPTTModel` is appended to it.

    Returns
    -------
    list of dict, one per epoch: ``epoch``, ``loss`` (mean train batch
    loss), ``train_accuracy`` (torch, during the epoch), ``test_accuracy``
    (deployed: engine, rounded delays), ``test_accuracy_float`` (torch, real
    delays), ``delay_shift`` (routed, as the on-line learner reports it),
    ``delay_shift_real``, ``delay_clamps``, ``train_seconds`` (cumulative,
    evaluation excluded).
    """
    x, y = train
    if len(x) == 0:
        raise ParameterError("training data is empty")
    if epochs < 1 or batch < 1:
        raise ParameterError(f"epochs and batch must be >= 1, got {epochs}, {batch}")
    if isinstance(learner_or_config, BPTTModel):
        model = learner_or_config
    else:
        learner = learner_or_config
        if isinstance(learner, OnlineConfig):
            n_cls = n_classes if n_classes is not None else int(np.max(y)) + 1
            learner = OnlineLearner(x.shape[2], n_cls, learner)
        model = BPTTModel(learner, dtype=dtype, gather=gather)
    if model_out is not None:
        model_out.append(model)
    prev_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _train(model, x, y, test, epochs, batch, lr_weights, lr_synaptic, lr_axonal,
                      lr_readout, seed, progress)
    finally:
        torch.set_num_threads(prev_threads)


def _train(model, x, y, test, epochs, batch, lr_weights, lr_synaptic, lr_axonal, lr_readout,
           seed, progress) -> list:
    lr_ax = lr_synaptic if lr_axonal is None else lr_axonal
    opt = torch.optim.Adam(model.param_groups(lr_weights, lr_synaptic, lr_ax, lr_readout))
    rng = np.random.default_rng(seed)
    history, train_s = [], 0.0
    for epoch in range(epochs):
        t0 = time.perf_counter()
        order = rng.permutation(len(x))
        losses, accs = [], []
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss, out = model.loss(x[idx], y[idx])
            loss.backward()
            opt.step()
            model.clamp_delays()
            losses.append(float(loss))
            accs.append(float((out.detach().argmax(1).numpy() == y[idx]).mean()))
        train_s += time.perf_counter() - t0
        record = {"epoch": epoch + 1, "loss": float(np.mean(losses)),
                  "train_accuracy": float(np.mean(accs)),
                  "delay_shift": model.delay_shift(),
                  "delay_shift_real": model.delay_shift_real(),
                  "delay_clamps": model.clamps, "train_seconds": train_s}
        if test is not None:
            ev = evaluate(model, *test)
            record["test_accuracy"] = ev["deployed"]
            record["test_accuracy_float"] = ev["float"]
        history.append(record)
        if progress is not None:
            progress(record)
    return history
