"""SHD/SSC loading through tonic, on tiny files written in the real HDF5
layout (the real data sets cannot be downloaded here)."""
import h5py
import numpy as np
import pytest

from lava_delays.data.hsd import HSDDataError, load_hsd
from lava_delays.data.spec import DataSpecError, load_split


def _write(root, kind, split, samples, marker=True):
    folder = root / kind.upper()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}_{split}.h5"
    vlen_f = h5py.vlen_dtype(np.dtype("float32"))
    vlen_u = h5py.vlen_dtype(np.dtype("uint16"))
    with h5py.File(path, "w") as f:
        times = f.create_dataset("spikes/times", (len(samples),), dtype=vlen_f)
        units = f.create_dataset("spikes/units", (len(samples),), dtype=vlen_u)
        for i, (t, u, _) in enumerate(samples):
            times[i] = np.asarray(t, np.float32)
            units[i] = np.asarray(u, np.uint16)
        f["labels"] = np.array([lab for *_, lab in samples], np.uint8)
        f["extra/keys"] = np.array([b"zero", b"one", b"two"])
        f["extra/speaker"] = np.arange(len(samples), dtype=np.uint8)
    if marker:
        (folder / f"{path.name}.zip").write_bytes(b"")
    return path


@pytest.fixture
def shd_root(tmp_path):
    train = [([0.0005, 0.0125, 0.505], [3, 10, 699], 1), ([0.025], [0], 2)]
    test = [([0.031, 0.031], [5, 6], 0)]
    _write(tmp_path, "shd", "train", train)
    _write(tmp_path, "shd", "test", test)
    return tmp_path


def test_events_land_in_the_right_bins(shd_root):
    x, y, spk = load_hsd("shd", shd_root, "train", steps=60, dt_ms=10)
    assert x.shape == (2, 60, 700) and y.tolist() == [1, 2] and spk.tolist() == [0, 1]
    # 0.5 ms -> bin 0 ch 3; 12.5 ms -> bin 1 ch 10; 505 ms -> bin 50 ch 699
    assert set(zip(*np.nonzero(x[0]))) == {(0, 3), (1, 10), (50, 699)}
    assert set(zip(*np.nonzero(x[1]))) == {(2, 0)}


def test_channel_pooling_and_spec(shd_root):
    x, _, _ = load_hsd("shd", shd_root, "test", steps=10, dt_ms=10, pool=5)
    assert x.shape == (1, 10, 140) and x[0, 3, 1] == 1 and np.asarray(x).sum() == 1  # 5, 6 -> 1
    train, test, info = load_split(f"shd:{shd_root}:steps=60,pool=7")
    assert info == {"n_classes": 3, "n_inputs": 100}
    assert train[0].shape == (2, 60, 100) and test[0].shape == (1, 60, 100)


def test_missing_files_never_download(tmp_path):
    with pytest.raises(HSDDataError, match="nothing is downloaded"):
        load_hsd("shd", tmp_path, "train")
    _write(tmp_path, "ssc", "valid", [([0.1], [1], 0)], marker=False)
    with pytest.raises(HSDDataError, match="zip"):
        load_hsd("ssc", tmp_path, "valid")


def test_malformed_files_and_bad_options(tmp_path, shd_root):
    folder = tmp_path / "bad" / "SHD"
    folder.mkdir(parents=True)
    (folder / "shd_train.h5").write_bytes(b"truncated")
    (folder / "shd_train.h5.zip").write_bytes(b"")
    with pytest.raises(HSDDataError, match="not a readable HDF5"):
        load_hsd("shd", tmp_path / "bad", "train")
    with h5py.File(folder / "shd_train.h5", "w") as f:
        f["labels"] = np.zeros(1)
    with pytest.raises(HSDDataError, match="spikes/times"):
        load_hsd("shd", tmp_path / "bad", "train")
    with pytest.raises(HSDDataError, match="pool"):
        load_hsd("shd", shd_root, "train", pool=3)
    with pytest.raises(HSDDataError, match="splits"):
        load_hsd("shd", shd_root, "valid")
    with pytest.raises(DataSpecError, match="unknown shd option"):
        load_split(f"shd:{shd_root}:colour=1")


# -- lava-delays encode: recordings -> the SHD layout ----------------------------------
def _tones(folder, speakers=("ann", "bob"), labels=(0, 1, 2)):
    import wave
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(4000) / 8000
    for label in labels:
        for speaker in speakers:
            tone = np.sin(2 * np.pi * (300 + 400 * label) * t) * np.hanning(len(t))
            with wave.open(str(folder / f"{label}_{speaker}_0.wav"), "wb") as f:
                f.setnchannels(1)
                f.setsampwidth(2)
                f.setframerate(8000)
                f.writeframes((tone * 20000).astype("<i2").tobytes())
    return folder


def test_encode_writes_what_tonic_and_shd_spec_read(tmp_path):
    """The file ``encode`` writes reads back through tonic's SHD class with
    the same events and labels, and through the ``shd:`` spec."""
    import h5py
    import tonic

    from lava_delays.data.cochlea import CochleaEncoder
    from lava_delays.data.encode import encode_to_hsd
    from lava_delays.data.audio import load_wave
    rec = _tones(tmp_path / "rec")
    enc = CochleaEncoder(sample_rate=8000)
    for split in ("train", "test"):
        summary = encode_to_hsd(rec, tmp_path / "root" / "SHD" / f"shd_{split}.h5", encoder=enc)
    assert summary["samples"] == 6 and summary["classes"] == ["0", "1", "2"]
    ds = tonic.datasets.SHD(save_to=str(tmp_path / "root"), train=True)
    with h5py.File(tmp_path / "root" / "SHD" / "shd_train.h5") as f:
        assert list(f["extra/speaker_names"][()]) == [b"ann", b"bob"]
    for i, (path, label, speaker) in enumerate(scan(rec)):
        events, target = ds[i]
        times, units = enc.encode(load_wave(path, 8000))
        assert target == label and ds.speaker[i] == ["ann", "bob"].index(speaker)
        np.testing.assert_array_equal(events["x"], units)
        # tonic truncates float32 seconds to whole microseconds
        np.testing.assert_allclose(events["t"], np.asarray(times, np.float32) * 1e6, atol=1)
    # a 1.1 kHz tone drives channels near 1.1 kHz most
    fc = enc.centre_frequencies
    _, units = enc.encode(load_wave(rec / "2_ann_0.wav", 8000))
    assert abs(fc[np.bincount(units, minlength=700).argmax()] - 1100) < 100
    train, test, info = load_split(f"shd:{tmp_path / 'root'}:steps=60")
    assert info["n_inputs"] == 700 and train[0].shape == (6, 60, 700)
    assert np.asarray(train[0]).any()


def scan(folder):
    from lava_delays.data.audio import scan_folder
    return scan_folder(folder)


def test_encode_list_file_and_bad_input(tmp_path):
    from lava_delays.cli import main
    from lava_delays.data.audio import AudioDataError
    from lava_delays.data.encode import encode_to_hsd, read_list
    rec = _tones(tmp_path / "rec", speakers=("ann",))
    (rec / "list.txt").write_text("# recordings\n0_ann_0.wav yes ann\n1_ann_0.wav no ann  # c\n")
    out = tmp_path / "x.h5"
    s = encode_to_hsd(rec, out, list_file=rec / "list.txt")
    assert s["classes"] == ["no", "yes"] and s["samples"] == 2
    assert main(["encode", str(rec), "--out", str(out)]) == 2            # exists: refused
    (rec / "bad.txt").write_text("0_ann_0.wav yes\n")
    with pytest.raises(AudioDataError, match="bad.txt:1: expected 'PATH LABEL SPEAKER'"):
        read_list(rec, rec / "bad.txt")
    (rec / "gone.txt").write_text("9_zed_0.wav 9 zed\n")
    assert main(["encode", str(rec), "--list", str(rec / "gone.txt"), "--out",
                 str(tmp_path / "y.h5")]) == 2
    assert not (tmp_path / "y.h5").exists()
    with pytest.raises(AudioDataError, match="names no recordings"):
        (rec / "empty.txt").write_text("# nothing\n")
        read_list(rec, rec / "empty.txt")
    assert main(["encode", str(rec), "--out", str(tmp_path / "z.h5"), "--f-max", "9000",
                 "--sample-rate", "8000"]) == 2


@pytest.mark.parametrize("fault, match", [
    ("units", "channel 700 is outside 0..699"),
    ("negative", "must be >= 0 and ascending"),
    ("unsorted", "must be >= 0 and ascending"),
    ("label", "label 7 is outside the 3 classes"),
    ("keys", "dataset 'extra/keys' missing"),
])
def test_files_that_are_not_shd_shaped(fault, match, tmp_path):
    sample = {"units": ([0.1], [700], 0), "negative": ([-0.1], [3], 0),
              "unsorted": ([0.2, 0.1], [3, 4], 0), "label": ([0.1], [3], 7),
              "keys": ([0.1], [3], 0)}[fault]
    path = _write(tmp_path, "shd", "train", [([0.01], [1], 1), sample])
    if fault == "keys":
        import h5py
        with h5py.File(path, "a") as f:
            del f["extra/keys"]
    with pytest.raises(HSDDataError, match=match):
        x, _, _ = load_hsd("shd", tmp_path, "train")
        x[1]


def test_a_split_is_read_batch_by_batch(shd_root, monkeypatch):
    """Indexing reads only the samples asked for (memory does not grow with
    the split); a trainer takes the lazy array as it is."""
    x, y, _ = load_hsd("shd", shd_root, "train", steps=60)
    read = []
    real = type(x).sample
    monkeypatch.setattr(type(x), "sample", lambda self, i: read.append(i) or real(self, i))
    assert x[np.array([1])].shape == (1, 60, 700) and read == [1]
    from lava_delays.train.model import ModelConfig
    from lava_delays.train.trainer import Trainer, TrainConfig
    t = Trainer(ModelConfig(n_in=700, n_classes=3, hidden=(4,), max_delay=2),
                TrainConfig(epochs=1, qat_epochs=0, batch=1), shd_root / "run")
    hist = t.fit((x, y), (x, y))
    assert len(hist) == 1 and sorted(read[1:]) == [0, 0, 1, 1]   # one epoch + one test pass
