"""Tests for lava_delays.data.timing (the synthetic timing task)."""
import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest

try:
    from lava_delays.data.timing import TimingTask, TimingTaskConfig, TimingTaskError
except ImportError:  # package __init__ not importable (yet): load the module file directly
    _path = pathlib.Path(__file__).resolve().parents[2] / "lava_delays" / "data" / "timing.py"
    _spec = importlib.util.spec_from_file_location("_lava_delays_timing", _path)
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = _mod
    _spec.loader.exec_module(_mod)
    TimingTask, TimingTaskConfig, TimingTaskError = _mod.TimingTask, _mod.TimingTaskConfig, _mod.TimingTaskError


# ----------------------------------------------------------------------------- helpers
def _softmax_accuracy(f_train, y_train, f_test, y_test, classes, steps=300, lr=0.5):
    """Multinomial logistic regression (full-batch GD on standardized features); test accuracy."""
    mu, sd = f_train.mean(0), f_train.std(0) + 1e-8
    a, b = (f_train - mu) / sd, (f_test - mu) / sd
    w, c = np.zeros((a.shape[1], classes)), np.zeros(classes)
    onehot = np.eye(classes)[y_train]
    for _ in range(steps):
        z = a @ w + c
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        g = (p - onehot) / len(a)
        w -= lr * (a.T @ g + 1e-4 * w)
        c -= lr * g.sum(0)
    return float(((b @ w + c).argmax(1) == y_test).mean())


def _box(x, w):
    """xs[n, t, i] = number of spikes of input i in steps t-w..t+w."""
    cs = np.cumsum(np.pad(x.astype(np.float64), ((0, 0), (w + 1, w), (0, 0))), axis=1)
    return cs[:, 2 * w + 1:] - cs[:, :-2 * w - 1]


def counting_features(x):
    return x.sum(1).astype(np.float64)


def coincidence_features(x, window=3):
    """Per unordered input pair: number of spike pairs with |t_i - t_j| <= window."""
    co = np.transpose(x, (0, 2, 1)).astype(np.float64) @ _box(x, window)
    i, j = np.triu_indices(x.shape[2], 1)
    return co[:, i, j]


def delayed_coincidence_features(x, delay, window=2):
    """Per ordered pair (i, j): spike pairs with |t_j - t_i - delay| <= window (timing-aware)."""
    xs = _box(x, window)
    shifted = np.zeros_like(xs)
    shifted[:, :-delay] = xs[:, delay:]
    co = np.transpose(x, (0, 2, 1)).astype(np.float64) @ shifted
    i, j = np.where(~np.eye(x.shape[2], dtype=bool))
    return co[:, i, j]


@pytest.fixture(scope="module")
def default_data():
    task = TimingTask()
    return task, task.split(2000, 1000, seed=0)


# ----------------------------------------------------------------------------- basics
def test_shapes_dtypes_and_attributes():
    task = TimingTask(repeats=3)
    x, y = task.sample(7, seed=3)
    assert x.shape == (7, 110, 12) and x.dtype == np.uint8
    assert y.shape == (7,) and y.dtype == np.int64
    assert set(np.unique(x)) <= {0, 1}
    assert task.n_inputs == 12 and task.n_classes == 10 and task.length == 110
    assert task.templates.shape == (10, 4) and task.templates.dtype == np.int64
    assert ((0 <= y) & (y < 10)).all()
    x0, y0 = task.sample(0, seed=0)
    assert x0.shape == (0, 110, 12) and y0.shape == (0,)


def test_determinism():
    task = TimingTask()
    x1, y1 = task.sample(50, seed=5)
    x2, y2 = TimingTask().sample(50, seed=5)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    x3, y3 = task.sample(50, seed=6)
    assert not np.array_equal(x1, x3)
    assert not np.array_equal(TimingTask(seed=1).templates, task.templates)
    np.testing.assert_array_equal(TimingTask(seed=1).templates, TimingTask(seed=1).templates)


def test_labels_balanced():
    _, y = TimingTask().sample(1003, seed=0)
    counts = np.bincount(y, minlength=10)
    assert counts.min() >= 100 and counts.max() <= 101


def test_templates_are_distinct_permutations():
    for classes, channels in [(10, 8), (6, 3), (2, 2), (24, 4)]:
        task = TimingTask(classes=classes, channels=channels, length=200)
        gap = task.config.gap
        expected = np.arange(channels) * gap
        for row in task.templates:
            np.testing.assert_array_equal(np.sort(row), expected)
        assert len({tuple(r) for r in task.templates}) == classes
        np.testing.assert_array_equal(task.templates, np.argsort(task.orders, 1) * gap)


def test_clean_samples_match_template_plus_offset():
    task = TimingTask(noise=0.0, jitter=0.0, repeats=3)
    x, y = task.sample(600, seed=1)
    C, R = 4, 3
    assert (x.sum(axis=(1, 2)) == C * R).all()
    assert (x.sum(1) == 1).all()  # every input spikes exactly once
    times = x.argmax(1).reshape(600, R, C)
    offset = times - task.templates[y][:, None, :]
    assert (offset == offset[:, :1, :1]).all()  # one global offset per sample
    assert offset.min() >= 0 and offset.max() <= 40
    assert len(np.unique(offset[:, 0, 0])) == 41


def test_all_classes_same_channels_and_counts():
    task = TimingTask(noise=0.0, jitter=0.0)
    x, y = task.sample(300, seed=2)
    per_class = np.stack([x[y == k].sum(axis=(0, 1)) / (y == k).sum() for k in range(10)])
    np.testing.assert_array_equal(per_class, np.ones((10, 8)))      # 4 channels x 2 copies
    with_jitter = TimingTask(noise=0.0).sample(300, seed=2)[0]
    assert (with_jitter.sum(1) == 1).all()  # jitter moves events, never adds/removes them


def test_noise_rate():
    x, _ = TimingTask(noise=0.05, jitter=0.0).sample(400, seed=0)
    extra = x.sum() - 400 * 8
    assert abs(extra / (400 * 110 * 8) - 0.05) < 0.005


def test_jitter_spread():
    task = TimingTask(noise=0.0, jitter=2.0, max_offset=0, length=120, repeats=1)
    x, y = task.sample(500, seed=0)
    dev = x.argmax(1) - task.templates[y]
    late = task.templates[y] > 0  # events at template time 0 may be clipped at t=0
    assert dev[late].std() == pytest.approx(2.0, abs=0.2)
    assert abs(dev[late].mean()) < 0.1
    assert (dev == np.rint(dev)).all()


def test_split_disjoint():
    task = TimingTask()
    (xtr, ytr), (xte, yte) = task.split(100, 100, seed=0)
    assert xtr.shape == xte.shape == (100, 110, 8)
    assert not np.array_equal(xtr, xte)
    flat_tr = {r.tobytes() for r in xtr}
    assert not any(r.tobytes() in flat_tr for r in xte)
    (xtr1, _), _ = task.split(100, 100, seed=1)
    assert not np.array_equal(xtr, xtr1)
    (xtr0, ytr0), _ = task.split(100, 5, seed=0)
    np.testing.assert_array_equal(xtr0, xtr)


# ----------------------------------------------------------------------------- baselines
def test_counting_baseline_near_chance(default_data):
    task, ((xtr, ytr), (xte, yte)) = default_data
    acc = _softmax_accuracy(counting_features(xtr), ytr, counting_features(xte), yte, 10)
    assert acc < 0.2, acc


def test_coincidence_baseline_weak(default_data):
    task, ((xtr, ytr), (xte, yte)) = default_data
    acc = _softmax_accuracy(coincidence_features(xtr), ytr, coincidence_features(xte), yte, 10)
    assert acc < 0.3, acc


def test_timing_aware_features_solve_task(default_data):
    task, ((xtr, ytr), (xte, yte)) = default_data
    gap = task.config.gap
    acc = _softmax_accuracy(delayed_coincidence_features(xtr, gap), ytr,
                            delayed_coincidence_features(xte, gap), yte, 10)
    assert acc > 0.9, acc


def test_counting_classifier_can_succeed_sanity():
    """Sanity check that the counting classifier *can* succeed when counts differ."""
    task, rng = TimingTask(noise=0.0), np.random.default_rng(0)
    (xtr, ytr), (xte, yte) = task.split(500, 300)
    extra = rng.random((10, 8)) < 0.5  # class-dependent extra spikes at the last step
    xtr, xte = xtr.copy(), xte.copy()
    xtr[:, -1, :] |= extra[ytr].astype(np.uint8)
    xte[:, -1, :] |= extra[yte].astype(np.uint8)
    assert _softmax_accuracy(counting_features(xtr), ytr, counting_features(xte), yte, 10) > 0.5


# ----------------------------------------------------------------------------- config / spec
def test_overrides_and_config():
    cfg = TimingTaskConfig(classes=4, gap=6)
    task = TimingTask(cfg, noise=0.0)
    assert task.config == TimingTaskConfig(classes=4, gap=6, noise=0.0)
    assert TimingTask().config == TimingTaskConfig()
    with pytest.raises(TimingTaskError, match="bogus"):
        TimingTask(bogus=1)
    with pytest.raises(TimingTaskError, match="config"):
        TimingTask(config={"classes": 3})


@pytest.mark.parametrize("field, value", [
    ("classes", 1), ("classes", 2.5), ("classes", True), ("classes", 7), ("channels", 1),
    ("gap", 0), ("jitter", -0.5), ("jitter", float("nan")), ("jitter", float("inf")),
    ("noise", -0.1), ("noise", 1.0), ("noise", "0.1"), ("max_offset", -1), ("length", 69),
    ("repeats", 0), ("seed", -1),
])
def test_config_validation(field, value):
    kwargs = {field: value}
    if (field, value) == ("classes", 7):
        kwargs["channels"] = 3  # 7 > 3! = 6
    with pytest.raises(TimingTaskError, match=field) as info:
        TimingTaskConfig(**kwargs)
    assert isinstance(info.value, ValueError)
    shown = str(value) if not isinstance(value, str) else repr(value)
    assert shown in str(info.value) or repr(value) in str(info.value)


def test_length_error_states_minimum():
    assert TimingTaskConfig().min_length == 40 + 3 * 20 + 3 + 1
    TimingTaskConfig(length=104)  # exactly the minimum is fine
    with pytest.raises(TimingTaskError, match=r"length must be >= 104"):
        TimingTaskConfig(length=103)
    with pytest.raises(TimingTaskError, match=r">= 71"):
        TimingTaskConfig(gap=10, jitter=0.0, max_offset=40, length=70)


def test_max_classes_is_factorial():
    assert TimingTask(classes=math.factorial(4), channels=4).n_classes == 24
    with pytest.raises(TimingTaskError, match="classes"):
        TimingTaskConfig(classes=25, channels=4)


def test_from_spec():
    assert TimingTask.from_spec("timing").config == TimingTaskConfig()
    assert TimingTask.from_spec("timing:").config == TimingTaskConfig()
    task = TimingTask.from_spec("timing:seed=1,classes=10,gap=6,noise=0.02")
    assert task.config == TimingTaskConfig(seed=1, classes=10, gap=6, noise=0.02)
    assert TimingTask.from_spec(" timing : jitter = 0 , repeats=2 ").config == \
        TimingTaskConfig(jitter=0.0, repeats=2)
    assert isinstance(TimingTask.from_spec("timing:jitter=2").config.jitter, float)


@pytest.mark.parametrize("spec, pattern", [
    ("timingx", "timing"), ("shd:classes=3", "timing"), ("timing:foo=1", "foo"),
    ("timing:classes=ten", "classes"), ("timing:gap=1.5", "gap"), ("timing:noise=abc", "noise"),
    ("timing:classes", "classes"), ("timing:classes=3,classes=4", "duplicate"),
    ("timing:noise=2", "noise"), ("timing:classes=1", "classes"), ("timing:gap=30", "length"),
])
def test_from_spec_errors(spec, pattern):
    with pytest.raises(TimingTaskError, match=pattern):
        TimingTask.from_spec(spec)


def test_sample_argument_errors():
    task = TimingTask()
    with pytest.raises(TimingTaskError, match="n"):
        task.sample(-1, seed=0)
    with pytest.raises(TimingTaskError, match="seed"):
        task.sample(3, seed=-2)
    with pytest.raises(TimingTaskError, match="seed"):
        task.sample(3, seed=1.5)


@pytest.mark.parametrize("repeats", [1, 2])
def test_matched_delays_make_each_class_one_coincidence(repeats):
    task = TimingTask(jitter=0.0, noise=0.0, repeats=repeats)
    d = task.matched_delays(margin=3)
    assert d.shape == (task.n_classes, task.n_inputs) and d.dtype == np.int64
    assert d.min() == 3 and d.max() == 3 + (task.config.channels - 1) * task.config.gap
    x, y = task.sample(20, seed=0)
    for spikes, label in zip(x, y):
        t, i = np.nonzero(spikes)
        arrivals = t + d[label, i]
        assert np.unique(arrivals).size == 1              # all events coincide
        other = d[(label + 1) % task.n_classes, i]
        assert np.unique(t + other).size > 1              # not for another class's delays


def test_matched_delays_margin_errors():
    with pytest.raises(TimingTaskError, match="margin"):
        TimingTask().matched_delays(margin=-1)
    with pytest.raises(TimingTaskError, match="margin"):
        TimingTask().matched_delays(margin=1.5)
