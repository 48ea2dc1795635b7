"""On-line learning as a graph of Lava processes (runner 1 of the
three-factor rule): ``PlasticDelayDense`` synapses, ``LIF`` neurons emitting
psi, a ``LeakyReadout``, a ``ReadoutError`` and one ``LearningSignal`` per
hidden layer. Built from an :class:`~lava_delays.engine.online.OnlineLearner`
so that the same configuration learns in the engine (``batch=1``) and in
Lava -- bit-identically in fixed point.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg

from lava_delays.errors import ParameterError, ShapeError
from lava_delays.proc.graph import neuron_process, stream_source
from lava_delays.proc.learning_signal.process import LearningSignal
from lava_delays.proc.plastic_delay_dense.process import PlasticDelayDense
from lava_delays.proc.readout_error.process import ReadoutError


def _pdd(syn, rates, c, du, dv, steps, name):
    return PlasticDelayDense(
        weights=syn.weights.copy(), syn_delays=None if syn.syn is None else syn.syn.steps(),
        axonal_delays=None if syn.ax is None else syn.ax.steps(), max_delay=syn.max_delay,
        learn=tuple(sorted(syn.learn)), rates=rates, time_weights=c, trace_du=du, trace_dv=dv,
        reset_interval=steps, seed=syn.seed, momentum=syn.momentum, name=name)


class OnlineLavaGraph:
    """The learner's network as plastic Lava processes, fed with samples.

    Parameters
    ----------
    learner : lava_delays.engine.online.OnlineLearner
        Supplies architecture, current parameters and learning rates. Its
        feedback must be ``"random"`` (fixed B): symmetric feedback would need
        the read-out weights transported to every layer.
    x : ndarray, shape (n_samples, T, n_in)
    labels : ndarray of int, shape (n_samples,)
    """

    def __init__(self, learner, x: np.ndarray, labels: np.ndarray):
        cfg = learner.cfg
        if cfg.feedback != "random":
            raise ParameterError("the Lava learning graph needs feedback='random' (a fixed "
                                 "feedback matrix); symmetric feedback is engine-only")
        # what the Lava processes do not carry must not be dropped silently
        if any(syn.spread > 0 for syn in learner.synapses()):
            raise ParameterError("the Lava learning graph has no delay-gradient spread; set it "
                                 "to 0 first (learner.set_delay_spread(0), --delay-spread 0)")
        if any(syn.carries_momentum for syn in learner.synapses()):
            raise ParameterError("this learner carries momentum from engine training, which "
                                 "the Lava learning graph would drop; continue it on the "
                                 "engine, or start Lava learning from a fresh learner "
                                 "(e.g. OnlineLearner.from_network)")
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != learner.n_in or len(labels) != len(x):
            raise ShapeError(f"x must be (n_samples, T, {learner.n_in}) with one label per "
                             f"sample, got {x.shape} and {len(labels)} labels")
        n, steps, _ = x.shape
        self.learner, self.steps, self.n = learner, steps, n
        net = learner.network()
        c, c_ro, _, _ = learner.time_weights(steps)
        hidden_rates, out_rates = learner.rates(steps, 1)
        du, dv = learner.neuron_decays()
        self.source = stream_source(x, cfg.fixed)
        self.ff, self.rec, self.neurons, self.signals = [], [], [], []
        pre = self.source.s_out
        for k, (ff, rec) in enumerate(zip(learner.ff, learner.rec)):
            lif = neuron_process(net.layers[k], f"lif{k}", steps)
            syn = _pdd(ff, hidden_rates, c, du, dv, steps, f"ff{k}")
            signal = LearningSignal(feedback=learner.feedback[k], name=f"signal{k}")
            pre.connect(syn.s_in)
            syn.a_out.connect(lif.a_in)
            lif.psi_out.connect(syn.psi_in)
            signal.l_out.connect(syn.l_in)
            rsyn = None
            if rec is not None:
                rsyn = _pdd(rec, hidden_rates, c, du, dv, steps, f"rec{k}")
                lif.s_out.connect(rsyn.s_in)
                rsyn.a_out.connect(lif.a_in)
                lif.psi_out.connect(rsyn.psi_in)
                signal.l_out.connect(rsyn.l_in)
            self.ff.append(syn)
            self.rec.append(rsyn)
            self.neurons.append(lif)
            self.signals.append(signal)
            pre = lif.s_out
        self.out = _pdd(learner.out, out_rates, c_ro, None, None, steps, "readout_syn")
        self.readout = neuron_process(net.layers[-1], "readout", steps)
        self.error = ReadoutError(n_classes=learner.n_classes, labels=np.asarray(labels),
                                  reset_interval=steps,
                                  logit_scale=learner.logit_scale(steps), name="error")
        pre.connect(self.out.s_in)
        self.out.a_out.connect(self.readout.a_in)
        self.readout.v_out.connect(self.error.v_in)
        self.error.err_out.connect(self.out.l_in)
        for signal in self.signals:
            self.error.err_out.connect(signal.err_in)

    def run(self, tag: Optional[str] = None) -> dict:
        """Learn on all samples in one Lava run; return the learned
        parameters and the running (before-update) accuracy and loss."""
        tag = tag or ("fixed_pt" if self.learner.cfg.fixed else "floating_pt")
        try:
            self.source.run(condition=RunSteps(num_steps=self.n * self.steps),
                            run_cfg=Loihi2SimCfg(select_tag=tag))
            out = {
                "weights": [s.weights.get() for s in self.ff],
                "delays": [s.delays.get() for s in self.ff],
                "syn_delay_steps": [s.syn_delay_steps.get() for s in self.ff],
                "axonal_delay_steps": [s.axonal_delay_steps.get() for s in self.ff],
                "rec_weights": [None if s is None else s.weights.get() for s in self.rec],
                "rec_delays": [None if s is None else s.delays.get() for s in self.rec],
                "rec_syn_delay_steps": [None if s is None else s.syn_delay_steps.get()
                                        for s in self.rec],
                "readout_weights": self.out.weights.get(),
                "n_correct": int(self.error.n_correct.get()[0]),
                "n_seen": int(self.error.n_seen.get()[0]),
                "loss_sum": float(self.error.loss_sum.get()[0]),
            }
        finally:
            self.source.stop()
        out["accuracy"] = out["n_correct"] / max(out["n_seen"], 1)
        return out
