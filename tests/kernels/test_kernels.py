"""The pure-numpy kernels against lava-nc's reference arithmetic.

Each reference below re-implements, line by line, what lava's own process
model does in one step (``AbstractPyDelayDenseModel`` / ``PyDelayDenseModel*``
for the delay line, ``AbstractPyLifModelFloat/Fixed.subthr_dynamics`` for the
LIF neuron), so the kernels are checked against Lava, not against themselves.
"""
import unittest

import numpy as np
from lava.proc.dense.models import AbstractPyDelayDenseModel
from lava.utils.weightutils import (clip_weights, determine_sign_mode,
                                    truncate_weights)

from lava_delays.errors import NonFiniteError, ParameterError
from lava_delays.fixed_point import (STATE_LIMIT, OverflowCounter,
                                     loihi_weights, scale_bias,
                                     scale_threshold)
from lava_delays.kernels import (GaussianSurrogate, SynapseTable,
                                 adlif_params_to_fixed, adlif_step,
                                 axonal_delay_step, check_adlif_params,
                                 clamp_adlif_params, delay_line_step,
                                 gaussian_psi, lif_step, new_axon_buffer,
                                 new_buffer)
from lava_delays.kernels.adlif import (ALPHA_RANGE, A_RANGE, BETA_RANGE,
                                       B_RANGE)
from lava_delays.kernels.surrogate import LUT_SIZE


# --------------------------------------------------------------------------
# delay line
# --------------------------------------------------------------------------
class LavaDelayDenseRef:
    """One sample of lava's DelayDense, step by step (float or bit-accurate)."""

    def __init__(self, weights, delays, max_delay, weight_exp, fixed):
        self.fixed = fixed
        if fixed:
            sign_mode = determine_sign_mode(weights)
            w = clip_weights(weights, sign_mode, num_bits=8)
            self.weights = truncate_weights(w, sign_mode, 8).astype(np.int64)
        else:
            self.weights = np.asarray(weights, dtype=np.float64)
        self.delays = delays
        self.weight_exp = weight_exp
        self.a_buff = np.zeros((weights.shape[0], max_delay + 1),
                               dtype=np.int64 if fixed else np.float64)

    def calc_act(self, s_in):
        # AbstractPyDelayDenseModel.calc_act
        return np.reshape(
            np.sum(AbstractPyDelayDenseModel.get_delay_wgts_mat(
                self.weights, self.delays, self.a_buff.shape[-1] - 1) * s_in,
                axis=1),
            (self.a_buff.shape[-1], self.weights.shape[0])).T

    def step(self, s_in):
        out = self.a_buff[:, 0].copy()
        a_accum = self.calc_act(s_in)
        self.a_buff[:, 0] = 0
        self.a_buff = np.roll(self.a_buff, -1)
        if self.fixed:
            self.a_buff += (np.left_shift(a_accum, self.weight_exp)
                            if self.weight_exp > 0
                            else np.right_shift(a_accum, -self.weight_exp))
        else:
            self.a_buff += a_accum
        return out


def _run_kernel(weights, delays, max_delay, weight_exp, fixed, spikes):
    """spikes: (batch, T, n_pre) -> a_out (batch, T, n_post) from the kernel."""
    batch, steps, _ = spikes.shape
    kw = loihi_weights(weights) if fixed else weights.astype(np.float64)
    table = SynapseTable(kw, delays)
    buf = new_buffer(batch, weights.shape[0], max_delay, fixed)
    scratch = {}
    out = np.zeros((batch, steps, weights.shape[0]), buf.dtype)
    for t in range(steps):
        out[:, t] = delay_line_step(buf, spikes[:, t], table, weight_exp, scratch)
    return out


def _run_ref(weights, delays, max_delay, weight_exp, fixed, spikes_1):
    ref = LavaDelayDenseRef(weights, delays, max_delay, weight_exp, fixed)
    return np.stack([ref.step(s) for s in spikes_1])


class TestDelayLineVsLava(unittest.TestCase):

    def _case(self, rng, fixed, graded, batch):
        n_pre, n_post = rng.integers(1, 13), rng.integers(1, 11)
        top = int(rng.integers(0, 12))
        delays = rng.integers(0, top + 1, (n_post, n_pre))
        max_delay = top + int(rng.integers(0, 3))  # buffer may be larger
        weight_exp = int(rng.integers(-4, 4))
        kind = rng.integers(0, 3)  # mixed / excitatory / inhibitory
        if fixed:
            w = rng.integers(-256, 256, (n_post, n_pre))
            w = np.abs(w) % 256 if kind == 1 else (-(np.abs(w) % 256) if kind == 2 else w)
        else:
            w = rng.integers(-256, 256, (n_post, n_pre)) / 64.0  # exact sums
        steps = 25
        if graded:
            spikes = rng.integers(0, 8, (batch, steps, n_pre)) * (
                rng.random((batch, steps, n_pre)) < 0.4)
        else:
            spikes = (rng.random((batch, steps, n_pre)) < 0.4).astype(np.int64)
        if not fixed:
            spikes = spikes.astype(np.float64)
        got = _run_kernel(w, delays, max_delay, weight_exp, fixed, spikes)
        nonzero = 0
        for b in range(batch):
            s_b = spikes[b] if graded else spikes[b].astype(bool)
            ref = _run_ref(w, delays, max_delay, weight_exp, fixed, s_b)
            np.testing.assert_array_equal(
                got[b], ref, err_msg=f"fixed={fixed} graded={graded} b={b} "
                f"shape={w.shape} max_delay={max_delay} weight_exp={weight_exp}")
            nonzero += np.count_nonzero(ref)
        return nonzero

    def test_fixed_binary_spikes(self):
        rng = np.random.default_rng(10)
        total = sum(self._case(rng, True, False, 3) for _ in range(25))
        self.assertGreater(total, 100)

    def test_fixed_graded_spikes(self):
        rng = np.random.default_rng(11)
        total = sum(self._case(rng, True, True, 3) for _ in range(25))
        self.assertGreater(total, 100)

    def test_float_binary_spikes(self):
        rng = np.random.default_rng(12)
        total = sum(self._case(rng, False, False, 2) for _ in range(20))
        self.assertGreater(total, 100)

    def test_float_graded_spikes(self):
        rng = np.random.default_rng(13)
        total = sum(self._case(rng, False, True, 2) for _ in range(20))
        self.assertGreater(total, 100)

    def test_negative_weight_exp_floors_the_sum_not_each_weight(self):
        # two spikes of weight 3 at the same step, weight_exp=-1:
        # floor((3 + 3) / 2) = 3, not floor(3/2) + floor(3/2) = 2
        w = np.array([[3, 3]])
        d = np.zeros((1, 2), np.int64)
        out = _run_kernel(w, d, 0, -1, True, np.array([[[1, 1], [0, 0]]]))
        np.testing.assert_array_equal(out[0, :, 0], [0, 3])
        # a negative sum floors toward -inf, as numpy's (and Loihi's) >>
        w = np.array([[-3, -4]])
        out = _run_kernel(w, d, 0, -2, True, np.array([[[1, 1], [0, 0]]]))
        np.testing.assert_array_equal(out[0, :, 0], [0, -2])

    def test_single_spike_arrives_at_t_plus_1_plus_d(self):
        for fixed in (True, False):
            for d in (0, 1, 5, 62):
                for t0 in (0, 3):
                    steps = t0 + d + 4
                    spikes = np.zeros((1, steps, 1), np.int64 if fixed else float)
                    spikes[0, t0, 0] = 1
                    w = np.array([[7]]) if fixed else np.array([[0.75]])
                    out = _run_kernel(w, np.array([[d]]), d, 0, fixed, spikes)[0, :, 0]
                    expected = np.zeros(steps)
                    expected[t0 + 1 + d] = 7 if fixed else 0.75
                    np.testing.assert_array_equal(out, expected,
                                                  err_msg=f"fixed={fixed} d={d} t0={t0}")

    def test_batch_rows_independent(self):
        rng = np.random.default_rng(14)
        w = rng.integers(-256, 256, (5, 6))
        d = rng.integers(0, 7, (5, 6))
        spikes = (rng.random((4, 30, 6)) < 0.3).astype(np.int64)
        together = _run_kernel(w, d, 6, -2, True, spikes)
        for b in range(4):
            alone = _run_kernel(w, d, 6, -2, True, spikes[b:b + 1])
            np.testing.assert_array_equal(together[b], alone[0])
        self.assertGreater(np.count_nonzero(together), 0)
        # and rows really differ (different inputs -> different outputs)
        self.assertFalse(np.array_equal(together[0], together[1]))

    def test_set_delays_and_weights(self):
        table = SynapseTable(np.array([[5, 6]]), np.array([[0, 1]]))
        table.set_delays(np.array([[2, 0]]))
        table.set_weights(np.array([[1, 2]]))
        buf = new_buffer(1, 1, 3, True)
        outs = [delay_line_step(buf, np.array([[1, 1]]) if t == 0 else np.zeros((1, 2)),
                                table)[0, 0] for t in range(5)]
        self.assertEqual(outs, [0, 2, 0, 1, 0])


# --------------------------------------------------------------------------
# axonal delay
# --------------------------------------------------------------------------
class TestAxonalDelay(unittest.TestCase):

    def _run(self, spikes, delays, top=None):
        batch, steps, n = spikes.shape
        top = int(delays.max()) if top is None else top
        buf = new_axon_buffer(batch, n, top)
        return np.stack([axonal_delay_step(buf, spikes[:, t].astype(float), delays)
                         for t in range(steps)], axis=1)

    def test_spike_leaves_at_t_plus_a(self):
        for a in (0, 1, 4, 62):
            for t0 in (0, 2):
                steps = t0 + a + 3
                s = np.zeros((1, steps, 1))
                s[0, t0, 0] = 1
                out = self._run(s, np.array([a]))[0, :, 0]
                expected = np.zeros(steps)
                expected[t0 + a] = 1
                np.testing.assert_array_equal(out, expected, err_msg=f"a={a} t0={t0}")

    def test_random_trains_are_shifted_copies(self):
        rng = np.random.default_rng(20)
        n, steps = 7, 40
        delays = rng.integers(0, 9, n)
        delays[0] = 0
        spikes = (rng.random((3, steps, n)) < 0.3).astype(float)
        out = self._run(spikes, delays, top=10)
        for i in range(n):
            a = delays[i]
            expected = np.zeros((3, steps))
            expected[:, a:] = spikes[:, :steps - a, i]
            np.testing.assert_array_equal(out[:, :, i], expected)
        self.assertGreater(out.sum(), 0)

    def test_batch_independent(self):
        rng = np.random.default_rng(21)
        delays = rng.integers(0, 5, 6)
        spikes = (rng.random((4, 25, 6)) < 0.3).astype(float)
        together = self._run(spikes, delays)
        for b in range(4):
            np.testing.assert_array_equal(together[b], self._run(spikes[b:b + 1], delays)[0])


# --------------------------------------------------------------------------
# LIF
# --------------------------------------------------------------------------
class LavaLifFloatRef:
    """lava.proc.lif.models.PyLifModelFloat, one step."""

    def __init__(self, n, du, dv, bias, vth):
        self.u, self.v = np.zeros(n), np.zeros(n)
        self.du, self.dv, self.bias_mant, self.vth = du, dv, bias, vth

    def step(self, activation_in):
        self.u[:] = self.u * (1 - self.du)
        self.u[:] += activation_in
        self.v[:] = self.v * (1 - self.dv) + self.u + self.bias_mant
        s = self.v > self.vth
        self.v[s] = 0
        return s


class LavaLifBitAccRef:
    """lava.proc.lif.models.PyLifModelBitAcc, one step, with event counts."""

    def __init__(self, n, du, dv, bias_mant, bias_exp, vth):
        self.u = np.zeros(n, np.int32)
        self.v = np.zeros(n, np.int32)
        self.du, self.dv = du, dv
        self.ds_offset, self.dm_offset = 1, 0
        self.max_uv_val = 2 ** 23
        self.decay_unity, self.decay_shift = 2 ** 12, 12
        bias_mant = np.asarray(bias_mant).astype(np.int32)
        self.effective_bias = np.where(bias_exp >= 0, np.left_shift(bias_mant, bias_exp),
                                       np.right_shift(bias_mant, -bias_exp))
        self.effective_vth = np.left_shift(vth, 6)
        self.n_wrap = self.n_sat = 0

    def step(self, activation_in):
        decay_const_u = self.du + self.ds_offset
        decayed_curr = np.int64(self.u) * (self.decay_unity - decay_const_u)
        decayed_curr = np.sign(decayed_curr) * np.right_shift(
            np.abs(decayed_curr), self.decay_shift)
        decayed_curr = np.int32(decayed_curr)
        activation_in = np.left_shift(activation_in, 6)
        decayed_curr += activation_in
        self.n_wrap += np.count_nonzero((decayed_curr > self.max_uv_val)
                                        | (decayed_curr <= -self.max_uv_val))
        wrapped_curr = np.where(decayed_curr > self.max_uv_val,
                                decayed_curr - 2 * self.max_uv_val, decayed_curr)
        wrapped_curr = np.where(wrapped_curr <= -self.max_uv_val,
                                decayed_curr + 2 * self.max_uv_val, wrapped_curr)
        self.u[:] = wrapped_curr
        decay_const_v = self.dv + self.dm_offset
        neg_voltage_limit = -np.int32(self.max_uv_val) + 1
        pos_voltage_limit = np.int32(self.max_uv_val) - 1
        decayed_volt = np.int64(self.v) * (self.decay_unity - decay_const_v)
        decayed_volt = np.sign(decayed_volt) * np.right_shift(
            np.abs(decayed_volt), self.decay_shift)
        decayed_volt = np.int32(decayed_volt)
        updated_volt = decayed_volt + self.u + self.effective_bias
        self.n_sat += np.count_nonzero((updated_volt > pos_voltage_limit)
                                       | (updated_volt < neg_voltage_limit))
        self.v[:] = np.clip(updated_volt, neg_voltage_limit, pos_voltage_limit)
        s = self.v > self.effective_vth
        self.v[s] = 0
        return s


class TestLifVsLava(unittest.TestCase):

    def test_float_matches_lava(self):
        rng = np.random.default_rng(30)
        n, steps, batch = 20, 80, 3
        du, dv, vth = 0.3, 0.1, 1.5
        bias = rng.uniform(-0.05, 0.1, n)
        a_in = rng.normal(0.2, 0.6, (batch, steps, n))
        u, v = np.zeros((batch, n)), np.zeros((batch, n))
        n_spikes = 0
        for b in range(batch):
            ref = LavaLifFloatRef(n, du, dv, bias, vth)
            for t in range(steps):
                s_ref = ref.step(a_in[b, t])
                s, psi = lif_step(u[b:b + 1], v[b:b + 1], a_in[b:b + 1, t], du=du, dv=dv,
                                  bias=bias, vth=vth, fixed=False)
                np.testing.assert_array_equal(s[0], s_ref)
                np.testing.assert_array_equal(u[b], ref.u)
                np.testing.assert_array_equal(v[b], ref.v)
                self.assertIsNone(psi)
                n_spikes += s_ref.sum()
        self.assertGreater(n_spikes, 0)
        self.assertLess(n_spikes, batch * steps * n)

    def test_fixed_matches_lava_bit_accurate_with_wrap_and_saturation(self):
        rng = np.random.default_rng(31)
        n, steps, batch = 24, 120, 2
        du = 3  # slow current decay: strong drive accumulates past 2**23
        dv = 200
        vth = 100_000  # effective 6.4e6 < 2**23
        bias_mant = rng.integers(-200, 200, n)
        bias_exp = rng.integers(0, 4, n)
        # per-neuron drift: strongly positive, strongly negative, or noise
        drift = np.repeat([20_000, -20_000, 0], n // 3)
        a_in = (drift + rng.integers(-8000, 8000, (batch, steps, n))).astype(np.int32)
        a_in = np.clip(a_in, -2 ** 15, 2 ** 15 - 1).astype(np.int32)
        bias = scale_bias(bias_mant, bias_exp)
        vth_eff = scale_threshold(vth)
        n_spikes = 0
        total_wrap = total_sat = 0
        c = OverflowCounter()
        u = np.zeros((batch, n), np.int64)
        v = np.zeros((batch, n), np.int64)
        for b in range(batch):
            ref = LavaLifBitAccRef(n, du, dv, bias_mant, bias_exp, vth)
            for t in range(steps):
                s_ref = ref.step(a_in[b, t])
                s, _ = lif_step(u[b:b + 1], v[b:b + 1], a_in[b:b + 1, t], du=du, dv=dv,
                                bias=bias, vth=vth_eff, fixed=True, counter=c)
                np.testing.assert_array_equal(s[0], s_ref, err_msg=f"b={b} t={t}")
                np.testing.assert_array_equal(u[b], ref.u, err_msg=f"b={b} t={t}")
                np.testing.assert_array_equal(v[b], ref.v, err_msg=f"b={b} t={t}")
                n_spikes += s_ref.sum()
            total_wrap += ref.n_wrap
            total_sat += ref.n_sat
        # the test exercises what it claims to
        self.assertGreater(total_wrap, 0)
        self.assertGreater(total_sat, 0)
        self.assertGreater(n_spikes, 0)
        self.assertEqual(c["u_wrap"], total_wrap)
        self.assertEqual(c["v_saturate"], total_sat)
        self.assertEqual(c["activation_overflow"], 0)

    def test_activation_overflow_counted(self):
        c = OverflowCounter()
        u = np.zeros((1, 3), np.int64)
        v = np.zeros((1, 3), np.int64)
        lif_step(u, v, np.array([[2 ** 15, -2 ** 15 - 1, 2 ** 15 - 1]]), du=0, dv=0,
                 bias=0, vth=2 ** 30, fixed=True, counter=c)
        self.assertEqual(c["activation_overflow"], 2)

    def test_readout_never_spikes(self):
        u = np.zeros((2, 3))
        v = np.zeros((2, 3))
        for _ in range(5):
            s, _ = lif_step(u, v, np.full((2, 3), 10.0), du=0.5, dv=0.1, bias=0.0,
                            vth=None, fixed=False)
            self.assertFalse(s.any())
        self.assertTrue(np.all(v > 10))

    def test_psi_returned_for_pre_reset_voltage(self):
        u = np.zeros((1, 2))
        v = np.zeros((1, 2))
        sur = GaussianSurrogate(sigma=0.5)
        s, psi = lif_step(u, v, np.array([[1.0, 3.0]]), du=1.0, dv=1.0, bias=0.0,
                          vth=1.0, fixed=False, surrogate=sur)
        # v = [1, 3] before reset; 3 > vth spikes and is reset afterwards
        np.testing.assert_array_equal(s[0], [False, True])
        np.testing.assert_allclose(psi[0], [1.0, np.exp(-4.0 / 0.5)])
        np.testing.assert_array_equal(v[0], [1.0, 0.0])


# --------------------------------------------------------------------------
# AdLIF
# --------------------------------------------------------------------------
class TestAdLIF(unittest.TestCase):

    def _params(self, rng, n):
        return dict(alpha=rng.uniform(*ALPHA_RANGE, n), beta=rng.uniform(*BETA_RANGE, n),
                    a=rng.uniform(*A_RANGE, n), b=rng.uniform(*B_RANGE, n))

    def test_float_and_fixed_spike_counts_agree(self):
        """Documented tolerance: the 12-bit parameters and toward-zero
        rounding of the fixed model cost at most 3 spikes per neuron over 300
        steps and 3 % of the total spike count at this drive."""
        rng = np.random.default_rng(40)
        n, steps = 50, 300
        p = self._params(rng, n)
        pf = adlif_params_to_fixed(**p)
        # drive in multiples of 1/64 so that float and fixed inputs are equal
        drive = np.round(rng.uniform(1.0, 6.0, n) * 64) / 64
        inp = (rng.random((steps, n)) < 0.5) * drive
        uf, wf, sf = np.zeros((1, n)), np.zeros((1, n)), np.zeros((1, n), bool)
        ux, wx, sx = (np.zeros((1, n), np.int64), np.zeros((1, n), np.int64),
                      np.zeros((1, n), bool))
        cf, cx = np.zeros(n), np.zeros(n)
        counter = OverflowCounter()
        for t in range(steps):
            s, _ = adlif_step(uf, wf, sf, inp[t][None], **p, vth=1.0, fixed=False)
            cf += s[0]
            a_fixed = np.round(inp[t][None] * 64).astype(np.int64)
            s, _ = adlif_step(ux, wx, sx, a_fixed, **pf, vth=scale_threshold(64),
                              fixed=True, counter=counter)
            cx += s[0]
        self.assertGreater(cf.sum(), 200)
        self.assertGreater(np.count_nonzero(cf), n // 2)
        self.assertLessEqual(np.abs(cf - cx).max(), 3)
        self.assertLessEqual(np.abs(cf - cx).sum() / cf.sum(), 0.03)
        self.assertEqual(counter.total, 0)

    def test_adaptation_reduces_firing(self):
        rng = np.random.default_rng(41)
        n, steps = 10, 200
        p = self._params(rng, n)
        counts = []
        for a, b in ((0.0, 0.0), (1.0, 2.0)):
            q = dict(p, a=np.full(n, a), b=np.full(n, b))
            u, w, s_prev = np.zeros((1, n)), np.zeros((1, n)), np.zeros((1, n), bool)
            c = 0
            for _ in range(steps):
                s, _ = adlif_step(u, w, s_prev, np.full((1, n), 3.0), **q, vth=1.0,
                                  fixed=False)
                c += s.sum()
            counts.append(c)
        self.assertGreater(counts[0], 0)
        self.assertLess(counts[1], counts[0])

    def test_fixed_saturation_counted(self):
        p = adlif_params_to_fixed(alpha=np.full(2, ALPHA_RANGE[0]),
                                  beta=np.full(2, BETA_RANGE[0]),
                                  a=np.zeros(2), b=np.zeros(2))
        u, w, s = np.zeros((1, 2), np.int64), np.zeros((1, 2), np.int64), np.zeros((1, 2), bool)
        c = OverflowCounter()
        for _ in range(100):
            # beyond the 16-bit activation range: << 6 exceeds 2**23
            adlif_step(u, w, s, np.array([[200_000, -200_000]]), **p, vth=2 ** 30,
                       fixed=True, counter=c)
        self.assertGreater(c["u_saturate"], 0)
        self.assertEqual(c["activation_overflow"], 200)
        self.assertTrue(np.all(np.abs(u) <= STATE_LIMIT - 1))

    def test_clamp_helpers(self):
        out = clamp_adlif_params(alpha=np.array([0.0, 0.9, 1.0]), beta=np.array([0.5, 0.99, 2.0]),
                                 a=np.array([-1.0, 0.5, 3.0]), b=np.array([-1.0, 1.0, 5.0]))
        np.testing.assert_allclose(out["alpha"], [ALPHA_RANGE[0], 0.9, ALPHA_RANGE[1]])
        np.testing.assert_allclose(out["beta"], [BETA_RANGE[0], 0.99, BETA_RANGE[1]])
        np.testing.assert_allclose(out["a"], [0.0, 0.5, 1.0])
        np.testing.assert_allclose(out["b"], [0.0, 1.0, 2.0])
        # clamped values pass the range check
        check_adlif_params(**out)

    def test_params_to_fixed_rounds(self):
        out = adlif_params_to_fixed(alpha=np.array([0.9]), a=np.array([0.5]))
        np.testing.assert_array_equal(out["alpha"], [3686])  # round(3686.4)
        np.testing.assert_array_equal(out["a"], [2048])

    def test_parameter_range_errors(self):
        with self.assertRaises(ParameterError) as cm:
            check_adlif_params("AdLIF hidden", alpha=np.array([0.5]))
        self.assertIn("alpha", str(cm.exception))
        self.assertIn("AdLIF hidden", str(cm.exception))
        for k, bad in (("beta", 0.5), ("a", -0.1), ("b", 2.5), ("alpha", 0.99)):
            with self.subTest(k), self.assertRaises(ParameterError):
                check_adlif_params(**{k: np.array([bad])})
        with self.assertRaises(NonFiniteError):
            check_adlif_params(alpha=np.array([np.nan]))
        check_adlif_params(alpha=np.array(ALPHA_RANGE), beta=np.array(BETA_RANGE),
                           a=np.array(A_RANGE), b=np.array(B_RANGE))


# --------------------------------------------------------------------------
# surrogate
# --------------------------------------------------------------------------
class TestSurrogate(unittest.TestCase):

    def test_float_peak_symmetry_monotonicity(self):
        sur = GaussianSurrogate(sigma=0.3)
        vth = 1.0
        self.assertEqual(float(gaussian_psi(np.array([vth]), vth, sur)[0]), 1.0)
        dv = np.linspace(0, 2, 50)
        up = gaussian_psi(vth + dv, vth, sur)
        down = gaussian_psi(vth - dv, vth, sur)
        np.testing.assert_allclose(up, down)
        self.assertTrue(np.all(np.diff(up) < 0))
        np.testing.assert_allclose(gaussian_psi(np.array([1.3]), 1.0, sur),
                                   [np.exp(-0.5)])

    def test_fixed_lut_peak_symmetry_monotonicity(self):
        for sigma in (3.0, 40.0, 0.3 * 4096, 0.3 * 64 * 1000):
            with self.subTest(sigma=sigma):
                sur = GaussianSurrogate(sigma=sigma, fixed=True)
                vth = 4096
                self.assertEqual(len(sur.lut), LUT_SIZE)
                self.assertEqual(int(gaussian_psi(np.array([vth]), vth, sur)[0]), 255)
                k = np.arange(0, int(6 * sigma) + 2)
                up = gaussian_psi(vth + k, vth, sur)
                down = gaussian_psi(vth - k, vth, sur)
                np.testing.assert_array_equal(up, down)
                self.assertTrue(np.all(np.diff(up) <= 0))  # non-increasing
                self.assertTrue(np.any(np.diff(up) < 0))
                self.assertEqual(int(up[-1]), 0)  # far from threshold
                self.assertTrue(np.all((up >= 0) & (up <= 255)))
                self.assertEqual(up.dtype, np.int64)
                # close to the float Gaussian
                ref = 255 * np.exp(-k ** 2 / (2 * sigma ** 2))
                self.assertLess(np.abs(up - ref).max(), 0.05 * 255)

    def test_bad_sigma(self):
        for bad in (0, -1.0, np.nan, np.inf):
            with self.subTest(bad), self.assertRaises(ParameterError):
                GaussianSurrogate(sigma=bad)
