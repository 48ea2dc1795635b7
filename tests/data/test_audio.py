"""Audio folders -> spikes: the encoder on real FSDD files, and every
bad-input path with a named error."""
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from lava_delays.data.audio import (AUGMENT_WARP, AudioDataError, AudioEncoder, augmented,
                                    encode_augmented, encode_folder, resample_frames,
                                    scan_folder)
from lava_delays.data.spec import DataSpecError, load_split

FSDD = Path(__file__).resolve().parents[3] / "shared" / "data" / "fsdd"


def _wav(path: Path, samples: np.ndarray, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes((samples * 20000).astype("<i2").tobytes())
    return path


@pytest.fixture
def folder(tmp_path):
    t = np.arange(4000) / 8000
    for label in range(3):
        for speaker in ("ann", "bob"):
            tone = np.sin(2 * np.pi * (300 + 200 * label) * t) * np.hanning(len(t))
            _wav(tmp_path / f"{label}_{speaker}_0.wav", tone)
    return tmp_path


def test_encoder_shapes_and_spikes(folder):
    enc = AudioEncoder(n_mels=16, steps=32)
    x, y, spk = encode_folder(folder, enc)
    assert x.shape == (6, 32, 32) and x.dtype == np.uint8
    assert sorted(set(y.tolist())) == [0, 1, 2] and set(spk) == {"ann", "bob"}
    assert 0 < x.mean() < 0.5
    # different tones give different spike patterns
    assert not np.array_equal(x[y == 0][0], x[y == 2][0])


def test_split_by_speaker(folder):
    train, test, info = load_split(f"fsdd:{folder}:n_mels=16,steps=32")
    assert info["test_speakers"] == ["bob"] and info["train_speakers"] == ["ann"]
    assert len(train[1]) == len(test[1]) == 3
    train, test, info = load_split(f"fsdd:{folder}:speakers=ann,bob,n_mels=8")
    assert info["n_inputs"] == 16
    train, test, info = load_split(f"fsdd:{folder}:test_speaker=ann,n_mels=8")
    assert info["test_speakers"] == ["ann"] and info["train_speakers"] == ["bob"]
    with pytest.raises(DataSpecError, match="test_speaker 'cyd'"):
        load_split(f"fsdd:{folder}:test_speaker=cyd,n_mels=8")
    with pytest.raises(DataSpecError, match="drop test_speaker"):
        load_split(f"fsdd:{folder}:test_speaker=ann,n_mels=8", f"fsdd:{folder}:n_mels=8")
    with pytest.raises(DataSpecError, match="needs a speaker name"):
        load_split(f"fsdd:{folder}:test_speaker=,n_mels=8")


def test_folder_path_with_colons(folder):
    """A path may contain colons (``C:/...``, ``/mnt/a:b``): the options are
    only what follows the last colon when it starts with ``key=``."""
    from lava_delays.data.spec import encoding_of
    odd = folder / "take:2"
    odd.mkdir()
    for f in folder.glob("*.wav"):
        (odd / f.name).write_bytes(f.read_bytes())
    for spec in (f"fsdd:{odd}", f"fsdd:{odd}:", f"fsdd:{odd}:n_mels=8,steps=32"):
        train, test, info = load_split(spec)
        assert info["test_speakers"] == ["bob"] and len(train[1]) == 3
    assert info["n_inputs"] == 16 and train[0].shape[1] == 32
    assert encoding_of(f"fsdd:{odd}:n_mels=8")["n_mels"] == 8
    assert encoding_of(f"fsdd:{odd}") == encoding_of(f"fsdd:{folder}")
    # a missing folder is named whole, with a hint when a colon may have cut it
    with pytest.raises(DataSpecError, match=r"take:2x' does not exist \(options follow"):
        load_split(f"fsdd:{odd}x")
    with pytest.raises(DataSpecError, match=r"n_mels=8' does not exist \(options follow"):
        load_split(f"fsdd:{folder}:n_mels=8:")          # a stray colon after the options
    # a last part that does not start with key= is part of the path
    lr = folder / "run:1" / "lr=0.1"
    lr.mkdir(parents=True)
    for f in folder.glob("*.wav"):
        (lr / f.name).write_bytes(f.read_bytes())
    assert load_split(f"fsdd:{lr}")[2]["n_inputs"] == 80
    assert load_split(f"fsdd:{lr}:n_mels=8")[2]["n_inputs"] == 16
    for spec in ("fsdd:", "fsdd::n_mels=8"):
        with pytest.raises(DataSpecError, match="fsdd needs a folder"):
            load_split(spec)


def test_resample_frames_is_linear_in_time():
    frames = np.stack([np.arange(5.0), 10 * np.arange(5.0)], axis=1)
    out = resample_frames(frames, 9)
    np.testing.assert_allclose(out[:, 0], np.linspace(0, 4, 9))
    np.testing.assert_allclose(out[:, 1], 10 * np.linspace(0, 4, 9))
    np.testing.assert_allclose(resample_frames(frames, 5), frames)


def _chirp(seconds: float, total: float = 0.8) -> np.ndarray:
    """A rising chirp (300 -> 2300 Hz) of ``seconds`` in the middle of
    ``total`` s of faint noise: the same "word" said fast or slowly."""
    rng = np.random.default_rng(0)
    t = np.arange(int(total * 8000)) / 8000
    x = 1e-4 * rng.standard_normal(len(t))
    on = np.abs(t - total / 2) < seconds / 2
    tau = t[on] - t[on][0]
    phase = 2 * np.pi * (300 * tau + 2000 * tau ** 2 / (2 * seconds))
    x[on] += np.sin(phase) * np.hanning(on.sum())
    return x


def test_duration_normalises_speaking_rate():
    """A fast and a slow chirp cover the same frames once the voiced part is
    resampled; without it they do not."""
    fast, slow = _chirp(0.2), _chirp(0.45)
    # gate and floor off: this checks the time axis alone
    plain = AudioEncoder(duration=0, gate=0, floor_db=0)
    norm = AudioEncoder(duration=30, gate=0, floor_db=0)

    def peak_band(logm):
        return logm.argmax(axis=1)

    a, b = norm.log_mel(fast), norm.log_mel(slow)
    assert a.shape == b.shape == (30, 40)
    # the chirp rises through the 30 frames at the same pace in both
    pa, pb = peak_band(a)[5:-5], peak_band(b)[5:-5]
    assert np.all(np.diff(pa) >= -1) and pa[-1] - pa[0] > 10
    assert np.abs(pa - pb).max() <= 2
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.9
    # without normalisation the two clips stay apart (same length, other tempo)
    pf, ps = plain.log_mel(fast), plain.log_mel(slow)
    assert pf.shape == ps.shape == (81, 40)
    assert np.corrcoef(pf.ravel(), ps.ravel())[0, 1] < 0.8
    assert norm.encode(fast).shape == (64, 80) and not norm.encode(fast)[30:].any()


def test_non_finite_and_too_short_audio(folder):
    with pytest.raises(AudioDataError, match="NaN"):
        AudioEncoder(duration=20).encode(np.full(4000, np.nan))
    with pytest.raises(AudioDataError, match="too short"):
        AudioEncoder().encode(np.zeros(100))
    _wav(folder / "3_eve_0.wav", np.full(100, 0.5))
    with pytest.raises(AudioDataError, match="3_eve_0.wav.*too short"):
        encode_folder(folder, speakers=["eve"])


@pytest.mark.parametrize("kw, match", [({"duration": 1}, "duration"), ({"duration": -3}, "duration"),
                                        ({"duration": 2.5}, "duration"),
                                        ({"duration": None}, "duration"),
                                        ({"delta": 0.0}, "delta"), ({"delta": float("nan")}, "delta"),
                                        ({"steps": 0}, "steps"), ({"hop_ms": -1.0}, "hop_ms"),
                                        ({"gate": -1.0}, "gate"),
                                        ({"floor_db": float("inf")}, "floor_db"),
                                        ({"noise_percentile": 101.0}, "noise_percentile"),
                                        ({"hop_ms": 0.01}, "hop_ms")])
def test_bad_encoder_settings(kw, match):
    with pytest.raises(AudioDataError, match=match):
        AudioEncoder(**kw)


def test_duration_in_the_data_spec(folder):
    train, _, _ = load_split(f"fsdd:{folder}:n_mels=8,steps=32,duration=20")
    assert train[0].shape == (3, 32, 16) and not train[0][:, 20:].any()
    with pytest.raises(DataSpecError, match="duration"):
        load_split(f"fsdd:{folder}:duration=1")


@pytest.mark.skipif(not FSDD.is_dir(), reason="shared FSDD folder not present")
def test_real_fsdd_files_encode():
    x, y, spk = encode_folder(FSDD, AudioEncoder(), speakers=["lucas"])
    assert x.shape[1:] == (64, 80) and len(x) == 500
    assert set(y.tolist()) == set(range(10))
    assert 0.02 < x.mean() < 0.3


def test_empty_and_missing_folder(tmp_path):
    with pytest.raises(AudioDataError, match="no .wav"):
        scan_folder(tmp_path)
    with pytest.raises(AudioDataError, match="does not exist"):
        scan_folder(tmp_path / "nope")


def test_mislabelled_file(folder):
    _wav(folder / "seven_ann_0.wav", np.zeros(100))
    with pytest.raises(AudioDataError, match="seven_ann_0.wav"):
        scan_folder(folder)


def test_not_audio_and_zero_length(folder):
    (folder / "1_cat_0.wav").write_bytes(b"this is not a wav file")
    with pytest.raises(AudioDataError, match="not a readable audio file"):
        encode_folder(folder, speakers=["cat"])
    (folder / "1_cat_0.wav").unlink()
    _wav(folder / "2_dog_0.wav", np.zeros(0))
    with pytest.raises(AudioDataError, match="zero-length|not a readable"):
        encode_folder(folder, speakers=["dog"])


def test_unknown_speaker_and_bad_specs(folder):
    with pytest.raises(AudioDataError, match="zed"):
        scan_folder(folder, speakers=["zed"])
    with pytest.raises(DataSpecError, match="unknown fsdd option"):
        load_split(f"fsdd:{folder}:colour=red")
    with pytest.raises(DataSpecError, match="unknown data spec"):
        load_split("mnist:/x")
    with pytest.raises(DataSpecError, match="integers"):
        load_split("timing:train=lots")
    with pytest.raises(DataSpecError, match="at least two speakers"):
        load_split(f"fsdd:{folder}:speakers=ann")


def test_gate_and_floor_silence_the_noise_of_quiet_frames():
    """A tone between stretches of faint noise: without gate and floor the
    noise makes send-on-delta spikes in the quiet frames, with them it does
    not (quiet frames sit on the gate), and a noise-free recording gets the
    floor instead."""
    rng = np.random.default_rng(0)
    t = np.arange(8000) / 8000
    tone = np.sin(2 * np.pi * 440 * t) * (np.abs(t - 0.5) < 0.15)
    noisy = tone + 3e-3 * rng.standard_normal(len(t))
    raw = AudioEncoder(duration=0, steps=101, gate=0, floor_db=0)
    gated = AudioEncoder(duration=0, steps=101)
    quiet = slice(0, 25)                     # frames well before the tone
    assert raw.encode(noisy)[quiet].sum() > 20
    assert gated.encode(noisy)[quiet].sum() == 0
    assert gated.encode(tone)[quiet].sum() == 0          # the floor: no log-of-zero spikes
    assert gated.encode(noisy)[30:70].sum() > 0          # the tone itself still spikes


def test_augmented_recordings(folder):
    rng = np.random.default_rng(1)
    wave_ = np.sin(np.arange(4000) / 5.0).astype(np.float32)
    noisy, warp = augmented(wave_, rng)
    assert noisy.shape == wave_.shape and not np.array_equal(noisy, wave_)
    assert abs(warp - 1) <= AUGMENT_WARP
    a = encode_augmented(folder, AudioEncoder(n_mels=8, steps=32), ["ann"], copies=2, seed=3)
    b = encode_augmented(folder, AudioEncoder(n_mels=8, steps=32), ["ann"], copies=2, seed=3)
    assert a[0].shape == (6, 32, 16) and list(a[1]) == [0, 1, 2, 0, 1, 2]
    assert np.array_equal(a[0], b[0])                     # deterministic in the seed
    assert encode_augmented(folder, AudioEncoder(n_mels=8, steps=32), ["ann"], 0)[0].shape == (
        0, 32, 16)
    with pytest.raises(AudioDataError, match="augment"):
        encode_augmented(folder, AudioEncoder(), ["ann"], copies=-1)


def test_augment_in_load_split_touches_only_training_data(folder):
    spec = f"fsdd:{folder}:n_mels=8,steps=32"
    (x, y), (xt, yt), info = load_split(spec, augment=2)
    assert info["test_speakers"] == ["bob"] and len(y) == 3 * 3 and len(yt) == 3
    (x0, _), (xt0, _), _ = load_split(spec)
    assert np.array_equal(x[:3], x0) and np.array_equal(xt, xt0)
    with pytest.raises(DataSpecError, match="augment applies to audio folders"):
        load_split("timing:train=8,test=8", augment=1)


def test_encoding_cache_follows_contents_and_settings(folder, tmp_path, monkeypatch):
    """A second encode reads the cache; changing a file's contents or an
    encoder setting encodes again; LAVA_DELAYS_CACHE=off disables it."""
    import lava_delays.data.audio as audio
    cache = tmp_path / "cache"
    monkeypatch.setenv("LAVA_DELAYS_CACHE", str(cache))
    calls = []
    real = audio.file_log_mel
    monkeypatch.setattr(audio, "file_log_mel", lambda *a: calls.append(1) or real(*a))
    enc = AudioEncoder(n_mels=8, steps=32)
    first = encode_folder(folder, enc)
    assert len(calls) == 6 and len(list(cache.glob("*.npz"))) == 1
    again = encode_folder(folder, enc)
    assert len(calls) == 6 and all(np.array_equal(a, b) for a, b in zip(first, again))
    _wav(folder / "2_bob_0.wav", np.sin(np.arange(4000) / 3.0) * np.hanning(4000))
    changed = encode_folder(folder, enc)
    assert len(calls) == 12 and not np.array_equal(changed[0], first[0])
    encode_folder(folder, AudioEncoder(n_mels=8, steps=32, delta=2.0))
    assert len(calls) == 18 and len(list(cache.glob("*.npz"))) == 3
    monkeypatch.setenv("LAVA_DELAYS_CACHE", "off")
    encode_folder(folder, enc)
    assert len(calls) == 24


def test_one_speaker_folder_for_eval_and_online_init(tmp_path, capsys):
    """``eval`` scores every recording it is given (a folder of one speaker
    too), and ``online --init`` learns from one speaker's recordings."""
    from lava_delays.cli import main
    from lava_delays.deploy.hdf5 import save_hdf5
    from lava_delays.engine.factory import random_network
    t = np.arange(4000) / 8000
    for folder, indices in ((tmp_path / "few", (0,)), (tmp_path / "rest", (1, 2))):
        folder.mkdir()
        for label in range(3):
            for i in indices:
                tone = np.sin(2 * np.pi * (300 + 200 * label + 20 * i) * t) * np.hanning(len(t))
                _wav(folder / f"{label}_eve_{i}.wav", tone)
    net = random_network(16, (6, 3), seed=1)
    net.layers[-1].ff.delays = None                   # the on-line learner's read-out
    opts = ":n_mels=8,steps=32"
    save_hdf5(net, tmp_path / "net.h5", metadata={"data": f"fsdd:{tmp_path / 'rest'}{opts}"})
    assert main(["eval", str(tmp_path / "net.h5"), "--data", f"fsdd:{tmp_path / 'rest'}{opts}",
                 "--out", str(tmp_path / "ev")]) == 0
    assert json.loads((tmp_path / "ev" / "metrics.json").read_text())["n_test"] == 6
    assert main(["online", "--init", str(tmp_path / "net.h5"), "--data",
                 f"fsdd:{tmp_path / 'few'}{opts}", "--test-data", f"fsdd:{tmp_path / 'rest'}{opts}",
                 "--epochs", "1", "--out", str(tmp_path / "ft")]) == 0
    m = json.loads((tmp_path / "ft" / "metrics.json").read_text())
    assert m["n_train"] == 3 and m["n_test"] == 6 and m["arithmetic"] == "fixed"
    assert m["preset"] == "speech" and m["run"]["epochs"] == 1
    # recordings encoded otherwise than the network's training data: refused
    assert main(["online", "--init", str(tmp_path / "net.h5"), "--data",
                 f"fsdd:{tmp_path / 'few'}{opts},delta=2", "--epochs", "1",
                 "--out", str(tmp_path / "ft2")]) == 2
    err = capsys.readouterr().err
    assert "encoded otherwise" in err and "delta" in err
    assert not (tmp_path / "ft2").exists()
