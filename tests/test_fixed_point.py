"""Tests of :mod:`lava_delays.fixed_point`, the one fixed-point spec.

Reference arithmetic is lava-nc's own (``lava.utils.weightutils`` and the
formulas of ``PyLifModelBitAcc``), so a failure here means the library drifted
from Lava, not from a second copy of our own code.
"""
import unittest

import numpy as np
from lava.utils.weightutils import (SignMode, clip_weights,
                                    determine_sign_mode as lava_sign_mode,
                                    truncate_weights)

from lava_delays.errors import (DelayRangeError, LavaDelaysError,
                                NonFiniteError, ParameterError,
                                WeightRangeError)
from lava_delays.fixed_point import (MAX_DELAY, STATE_LIMIT, WEIGHT_EXP_MAX,
                                     WEIGHT_EXP_MIN, OverflowCounter,
                                     check_delays, check_weight_exp, decay,
                                     determine_sign_mode, loihi_weights,
                                     quantize_weights, rshift_toward_zero,
                                     saturate_state, scale_bias,
                                     scale_threshold, weight_range, wrap_state)

SIGN_MODES = (SignMode.EXCITATORY, SignMode.INHIBITORY, SignMode.MIXED)


def _random_weights(rng, sign_mode, shape=(7, 9)):
    """Random in-range 8-bit weights of one sign mode (with the extremes)."""
    lo, hi = weight_range(sign_mode)
    w = rng.integers(lo, hi + 1, size=shape)
    w.flat[0], w.flat[1] = lo, hi  # always include both ends of the range
    if sign_mode == SignMode.MIXED:
        w.flat[2], w.flat[3] = -1, 1  # make sure the mode really is mixed
    return w.astype(np.int64)


def _lava_loihi_weights(w, sign_mode, num_weight_bits):
    """What lava's PyDelayDenseModelBitAcc does with integer weights."""
    w = clip_weights(w, sign_mode, num_bits=8)
    return truncate_weights(w, sign_mode, num_weight_bits)


class TestLoihiWeights(unittest.TestCase):

    def test_equals_lava_clip_and_truncate_explicit_sign_mode(self):
        rng = np.random.default_rng(1)
        for sign_mode in SIGN_MODES:
            for nb in range(1, 9):
                w = _random_weights(rng, sign_mode)
                ours = loihi_weights(w, nb, sign_mode)
                ref = _lava_loihi_weights(w, sign_mode, nb)
                np.testing.assert_array_equal(ours, ref, err_msg=f"{sign_mode} nb={nb}")
                self.assertEqual(ours.dtype, np.int64)

    def test_equals_lava_with_sign_mode_determined_from_weights(self):
        rng = np.random.default_rng(2)
        for sign_mode in SIGN_MODES:
            for nb in range(1, 9):
                w = _random_weights(rng, sign_mode)
                self.assertEqual(determine_sign_mode(w), lava_sign_mode(w))
                self.assertEqual(determine_sign_mode(w), sign_mode)
                np.testing.assert_array_equal(
                    loihi_weights(w, nb), _lava_loihi_weights(w, sign_mode, nb),
                    err_msg=f"{sign_mode} nb={nb}")

    def test_truncation_actually_drops_bits(self):
        # guards against a reference that is trivially the identity
        w = np.array([[255, 7, 1]])
        np.testing.assert_array_equal(loihi_weights(w, 8), w)
        np.testing.assert_array_equal(loihi_weights(w, 6), [[252, 4, 0]])
        mixed = np.array([[255, -255, 3, -3]])
        np.testing.assert_array_equal(loihi_weights(mixed, 8), [[254, -256, 2, -4]])
        inh = np.array([[-255, -7, -1, 0]])
        np.testing.assert_array_equal(loihi_weights(inh, 6), [[-252, -4, 0, 0]])

    def test_integer_valued_float_weights_accepted(self):
        w = np.array([[3.0, -4.0], [10.0, 0.0]])
        np.testing.assert_array_equal(loihi_weights(w), [[2, -4], [10, 0]])

    def test_out_of_range_mixed(self):
        with self.assertRaises(WeightRangeError) as cm:
            loihi_weights(np.array([[-3, 256]]), where="layer 2 ff")
        self.assertIn("layer 2 ff", str(cm.exception))
        self.assertIn("256", str(cm.exception))
        with self.assertRaises(WeightRangeError):
            loihi_weights(np.array([[-257, 3]]))
        # the extremes themselves are fine
        loihi_weights(np.array([[-256, 255]]))

    def test_out_of_range_excitatory(self):
        with self.assertRaises(WeightRangeError):
            loihi_weights(np.array([[256, 0]]))
        # -1 alone would be determined as inhibitory (in range) ...
        loihi_weights(np.array([[-1, 0]]))
        # ... but not with an explicit excitatory sign mode
        with self.assertRaises(WeightRangeError) as cm:
            loihi_weights(np.array([[-1, 5]]), sign_mode=SignMode.EXCITATORY)
        self.assertIn("EXCITATORY", str(cm.exception))

    def test_out_of_range_inhibitory(self):
        # -256 alone is inhibitory, whose range ends at -255
        with self.assertRaises(WeightRangeError):
            loihi_weights(np.array([[-256, 0]]))
        with self.assertRaises(WeightRangeError):
            loihi_weights(np.array([[-3, 2]]), sign_mode=SignMode.INHIBITORY)

    def test_non_integer_weights(self):
        with self.assertRaises(WeightRangeError) as cm:
            loihi_weights(np.array([[1.5, 2.0]]), where="layer 0 ff")
        self.assertIn("integer", str(cm.exception))
        self.assertIn("layer 0 ff", str(cm.exception))

    def test_nan_weights(self):
        with self.assertRaises(NonFiniteError):
            loihi_weights(np.array([[np.nan, 2.0]]))

    def test_num_weight_bits_range(self):
        for nb in (0, 9):
            with self.assertRaises(ParameterError):
                loihi_weights(np.array([[1, 2]]), nb)

    def test_errors_are_value_errors(self):
        self.assertTrue(issubclass(WeightRangeError, ValueError))
        self.assertTrue(issubclass(WeightRangeError, LavaDelaysError))
        self.assertTrue(issubclass(DelayRangeError, ValueError))


class TestCheckDelays(unittest.TestCase):

    def test_bad_delays_raise_delay_range_error(self):
        cases = {"negative": -1, "63": 63, "fraction": 1.5}
        for label, bad in cases.items():
            arr = np.array([[0, 3], [bad, 2]])
            with self.subTest(label), self.assertRaises(DelayRangeError) as cm:
                check_delays(arr, "delays", "SynapticDelayDense ff0")
            self.assertIn("SynapticDelayDense ff0", str(cm.exception))

    def test_nan_delay_raises_delay_range_error(self):
        # errors.DelayRangeError: "A delay is negative, above the maximum
        # (62), non-integer or not finite."
        for bad in (np.nan, np.inf):
            with self.subTest(bad), self.assertRaises(DelayRangeError):
                check_delays(np.array([[0.0, bad]]), "delays", "ff0")

    def test_bool_delays_rejected(self):
        with self.assertRaises(DelayRangeError):
            check_delays(np.array([[True, False]]))

    def test_accepts_extremes(self):
        out = check_delays(np.array([[0, 62], [5, 1]]))
        self.assertEqual(out.dtype, np.int64)
        np.testing.assert_array_equal(out, [[0, 62], [5, 1]])
        np.testing.assert_array_equal(check_delays(np.array([3.0, 0.0])), [3, 0])
        self.assertEqual(int(check_delays(MAX_DELAY)), 62)

    def test_custom_max_delay(self):
        with self.assertRaises(DelayRangeError):
            check_delays(np.array([5]), max_delay=4)
        check_delays(np.array([4]), max_delay=4)
        with self.assertRaises(DelayRangeError):
            check_delays(np.array([1]), max_delay=63)


class TestCheckWeightExp(unittest.TestCase):

    def test_valid(self):
        for e in (WEIGHT_EXP_MIN, 0, WEIGHT_EXP_MAX, np.int64(3)):
            self.assertEqual(check_weight_exp(e), int(e))

    def test_invalid(self):
        for bad in (WEIGHT_EXP_MAX + 1, WEIGHT_EXP_MIN - 1, 9, 1.5, 2.0, True, "3", None):
            with self.subTest(bad=bad), self.assertRaises(ParameterError) as cm:
                check_weight_exp(bad, where="layer 1")
            self.assertIn("weight_exp", str(cm.exception))
            self.assertIn("layer 1", str(cm.exception))


class TestQuantizeWeights(unittest.TestCase):

    def _check_round_trip(self, w, nb):
        m, exp, n_clipped = quantize_weights(w, num_weight_bits=nb)
        self.assertEqual(n_clipped, 0)
        self.assertTrue(WEIGHT_EXP_MIN <= exp <= WEIGHT_EXP_MAX)
        self.assertEqual(m.dtype, np.int64)
        # quantize_weights quantizes for the sign mode the *mantissa* ends up
        # with (rounding can zero every weight of one sign)
        mode = determine_sign_mode(m)
        mixed = mode == SignMode.MIXED
        step = 2.0 ** (8 - nb + int(mixed)) * 2.0 ** exp
        # within half a quantization step
        err = np.abs(m * 2.0 ** exp - w)
        self.assertLessEqual(err.max(), step / 2 + 1e-12, f"nb={nb}")
        # the mantissa survives the Loihi conversion unchanged
        np.testing.assert_array_equal(loihi_weights(m, nb), m)
        # the exponent is the smallest that fits the largest weight
        if exp > WEIGHT_EXP_MIN:
            lo, hi = weight_range(mode)
            s = 2 ** (8 - nb + int(mixed))
            lo_q, hi_q = -((-lo) // s) * s, (hi // s) * s
            e1 = 2.0 ** (exp - 1)
            self.assertTrue(w.max() > hi_q * e1 or w.min() < lo_q * e1)
        return m, exp

    def test_round_trip_random(self):
        rng = np.random.default_rng(3)
        for trial in range(40):
            scale = 10.0 ** rng.uniform(-2, 1)
            kind = trial % 3
            w = rng.normal(0, scale, (6, 8))
            if kind == 1:
                w = np.abs(w)
            elif kind == 2:
                w = -np.abs(w)
            for nb in (8, 6, 3, 1):
                self._check_round_trip(w, nb)

    def test_round_trip_known_value(self):
        w = np.array([[0.5, -0.25, 0.0, 0.1]])
        m, exp = self._check_round_trip(w, 8)
        # 0.5 needs 2**-8 * 254 >= 0.5 -> exp = -8, m = 128 (even: mixed)
        self.assertEqual(exp, -8)
        np.testing.assert_array_equal(m, [[128, -64, 0, 26]])

    def test_mixed_weights_that_round_to_one_sign_survive_loihi_weights(self):
        # Mixed-sign float weights whose positive part rounds to 0: the
        # mantissa is then all <= 0 (lava's rule calls it INHIBITORY, range
        # -255..0), so a mantissa of -256 (allowed for MIXED) no longer fits.
        w = np.array([[-1.0, 1e-6]])
        m, exp, n_clipped = quantize_weights(w)
        self.assertEqual(n_clipped, 0)
        np.testing.assert_array_equal(loihi_weights(m), m)

    def test_explicit_small_exponent_clips_and_counts(self):
        w = np.array([[10.0, 0.5, -0.25, 3.0]])
        m, exp, n_clipped = quantize_weights(w, weight_exp=-4)
        self.assertEqual(exp, -4)
        # 10 * 16 = 160 fits? mixed hi_q = 254 -> yes; 3*16 = 48 yes: none clipped
        self.assertEqual(n_clipped, 0)
        m, exp, n_clipped = quantize_weights(w, weight_exp=-6)
        # 10 * 64 = 640 > 254 and 3 * 64 = 192 fits -> one clipped
        self.assertEqual(n_clipped, 1)
        self.assertEqual(m[0, 0], 254)
        m, exp, n_clipped = quantize_weights(w, weight_exp=-8)
        # 2560, 128, -64, 768 -> two clipped
        self.assertEqual(n_clipped, 2)
        np.testing.assert_array_equal(m, [[254, 128, -64, 254]])
        np.testing.assert_array_equal(loihi_weights(m), m)

    def test_bad_explicit_exponent(self):
        with self.assertRaises(ParameterError):
            quantize_weights(np.ones((2, 2)), weight_exp=8)

    def test_nan(self):
        with self.assertRaises(NonFiniteError):
            quantize_weights(np.array([[np.inf, 1.0]]))


def _lava_wrap(x):
    # lines from lava.proc.lif.models.AbstractPyLifModelFixed.subthr_dynamics
    max_uv_val = 2 ** 23
    wrapped = np.where(x > max_uv_val, x - 2 * max_uv_val, x)
    wrapped = np.where(wrapped <= -max_uv_val, x + 2 * max_uv_val, wrapped)
    return wrapped


def _lava_clip(x):
    max_uv_val = 2 ** 23
    return np.clip(x, -max_uv_val + 1, max_uv_val - 1)


class TestStateArithmetic(unittest.TestCase):

    def setUp(self):
        rng = np.random.default_rng(4)
        edges = np.array([0, 1, -1, STATE_LIMIT - 1, STATE_LIMIT, STATE_LIMIT + 1,
                          -STATE_LIMIT + 1, -STATE_LIMIT, -STATE_LIMIT - 1,
                          2 * STATE_LIMIT - 1, -2 * STATE_LIMIT + 1])
        self.x = np.concatenate([edges, rng.integers(-2 * STATE_LIMIT + 1,
                                                     2 * STATE_LIMIT, 500)])

    def test_wrap_state_matches_lava_and_counts(self):
        c = OverflowCounter()
        out = wrap_state(self.x, c)
        np.testing.assert_array_equal(out, _lava_wrap(self.x))
        expected = np.count_nonzero((self.x > STATE_LIMIT) | (self.x <= -STATE_LIMIT))
        self.assertGreater(expected, 0)
        self.assertEqual(c["u_wrap"], expected)
        self.assertEqual(c.total, expected)
        self.assertTrue(np.all(np.abs(out) <= STATE_LIMIT))

    def test_wrap_state_custom_name_and_no_counter(self):
        c = OverflowCounter()
        wrap_state(np.array([STATE_LIMIT + 5]), c, name="w_wrap")
        self.assertEqual(dict(c), {"w_wrap": 1})
        np.testing.assert_array_equal(wrap_state(np.array([STATE_LIMIT + 5])),
                                      [-STATE_LIMIT + 5])

    def test_saturate_state_matches_lava_and_counts(self):
        c = OverflowCounter()
        out = saturate_state(self.x, c)
        np.testing.assert_array_equal(out, _lava_clip(self.x))
        lim = STATE_LIMIT - 1
        expected = np.count_nonzero((self.x > lim) | (self.x < -lim))
        self.assertGreater(expected, 0)
        self.assertEqual(c["v_saturate"], expected)

    def test_decay_rounds_toward_zero(self):
        np.testing.assert_array_equal(decay(np.array([5, -5, 3, -3, 0]), 2048),
                                      [2, -2, 1, -1, 0])
        rng = np.random.default_rng(5)
        x = rng.integers(-STATE_LIMIT, STATE_LIMIT, 1000)
        for d in (0, 1, 7, 1000, 2048, 4095, 4096):
            ref = np.trunc(x * (4096 - d) / 4096.0).astype(np.int64)
            np.testing.assert_array_equal(decay(x, d), ref, err_msg=f"d={d}")
        # per-neuron decay constants broadcast
        d = rng.integers(0, 4096, 1000)
        np.testing.assert_array_equal(
            decay(x, d), np.trunc(x * (4096 - d) / 4096.0).astype(np.int64))

    def test_decay_matches_lava_formula(self):
        rng = np.random.default_rng(6)
        u = rng.integers(-STATE_LIMIT, STATE_LIMIT, 1000).astype(np.int32)
        du = 117
        decay_const_u = du + 1
        ref = np.int64(u) * (4096 - decay_const_u)
        ref = np.sign(ref) * np.right_shift(np.abs(ref), 12)
        np.testing.assert_array_equal(decay(u, du + 1), ref)

    def test_rshift_toward_zero(self):
        np.testing.assert_array_equal(rshift_toward_zero(np.array([-7, 7, -8, 8]), 2),
                                      [-1, 1, -2, 2])

    def test_scale_threshold_and_bias(self):
        np.testing.assert_array_equal(scale_threshold(np.array([1, 10])), [64, 640])
        np.testing.assert_array_equal(scale_bias(np.array([3, 3, -8]), np.array([2, 0, -2])),
                                      [12, 3, -2])


class TestOverflowCounter(unittest.TestCase):

    def test_add_and_total(self):
        c = OverflowCounter()
        c.add("u_wrap", 0)
        self.assertNotIn("u_wrap", c)  # zero adds create no key
        c.add("u_wrap", np.int64(3))
        c.add("v_saturate", 2)
        c.add("u_wrap", 1)
        self.assertEqual(c["u_wrap"], 4)
        self.assertEqual(c.total, 6)
        self.assertIsInstance(c.total, int)
        self.assertEqual(OverflowCounter().total, 0)

    def test_merge(self):
        a, b = OverflowCounter(), OverflowCounter()
        a.add("x", 2)
        b.add("x", 3)
        b.add("y", 1)
        a.update(b)
        self.assertEqual(a.total, 6)
        self.assertEqual(a["x"], 5)
