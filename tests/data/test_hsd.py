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
    assert x.shape == (1, 10, 140) and x[0, 3, 1] == 1 and x.sum() == 1  # ch 5, 6 -> 1
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
