"""train -> quantize -> export -> load -> engine / Lava fixed point: the
quantized trainer, the engine and Lava produce identical spikes, and the CLI
commands chain (as ``make demo`` does)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from lava_delays.data.spec import load_split
from lava_delays.deploy.evaluate import evaluate_file, run_backend, spike_parity
from lava_delays.deploy.export import deploy_run
from lava_delays.deploy.hdf5 import load_hdf5
from lava_delays.deploy.quantize import quantize_model
from lava_delays.engine import simulate
from lava_delays.errors import ParameterError, ShapeError
from lava_delays.train import load_model, train

DATA = "timing:train=64,test=48"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    metrics = train(DATA, out, epochs=2, qat_epochs=1, hidden=(12,), max_delay=10,
                    delays="both", neuron="lif", lr_weights=1e-2)
    return out, metrics


def _cli(*args):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "lava_delays.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600)


def test_trainer_engine_and_file_agree_spike_for_spike(run, tmp_path):
    out, metrics = run
    model = load_model(out)
    assert model.quantized
    _, (x, y), _ = load_split(DATA)
    deploy_run(out, tmp_path / "net.h5")
    net = load_hdf5(tmp_path / "net.h5")                     # what deploys: the file
    report = json.loads((tmp_path / "metrics.json").read_text())["layers"]
    assert [r["layer"] for r in report] == [0, 1] and all(r["scale"] >= 1 for r in report)
    h = torch.tensor(x, dtype=torch.float64)
    with torch.no_grad():
        hidden = model.blocks[0](h).numpy().astype(bool)
        voltage = model(h).numpy()
    res = simulate(net, x)
    np.testing.assert_array_equal(hidden, res.spikes[0])
    np.testing.assert_array_equal(voltage.sum(1).argmax(-1), res.predict())
    assert metrics["accuracy"] == pytest.approx(float((res.predict() == y).mean()), abs=0)


def test_deploy_refuses_to_write_into_a_run(run, tmp_path):
    out, _ = run
    with pytest.raises(ParameterError, match="holds a training run"):
        deploy_run(out, out / "net.h5")


def test_cli_deploy_then_eval_engine_and_lava(run, tmp_path):
    out, metrics = run
    net_file, nir_file = tmp_path / "net.h5", tmp_path / "net.nir"
    proc = _cli("deploy", str(out), "--out", str(net_file), "--nir", str(nir_file))
    assert proc.returncode == 0, proc.stderr[-2000:]
    dep = json.loads((tmp_path / "metrics.json").read_text())
    assert dep["fixed"] and len(dep["layers"]) == 2 and "weights_clipped" in dep
    assert nir_file.stat().st_size > 0
    ev = evaluate_file(net_file, DATA, tmp_path / "engine")
    assert ev["accuracy"] == metrics["accuracy"] and ev["n_test"] == 48
    proc = _cli("eval", str(net_file), "--data", DATA, "--backend", "lava", "--limit", "6",
                "--out", str(tmp_path / "lava"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    lava = json.loads((tmp_path / "lava" / "metrics.json").read_text())
    assert lava["spike_parity"] == 1.0 and lava["compared_with"] == "engine"
    assert lava["accuracy"] == lava["engine_accuracy"]


def test_eval_warns_when_the_encoding_differs_from_training(run, tmp_path, capsys):
    """The file records its training data spec; evaluating on data encoded
    otherwise (same channel count) is flagged, other sample counts are not."""
    from lava_delays.deploy.hdf5 import load_hdf5_metadata
    out, _ = run
    deploy_run(out, tmp_path / "net.h5")
    assert load_hdf5_metadata(tmp_path / "net.h5")["data"] == DATA
    ev = evaluate_file(tmp_path / "net.h5", "timing:train=8,test=16", tmp_path / "same")
    assert "encoding_mismatch" not in ev and "warning" not in capsys.readouterr().err
    ev = evaluate_file(tmp_path / "net.h5", "timing:train=8,test=16,gap=5", tmp_path / "other")
    assert ev["encoding_mismatch"]["evaluated_on"]["gap"] == 5
    assert ev["encoding_mismatch"]["trained_on"]["gap"] == 20
    assert "trained on 'timing:train=64,test=48'" in capsys.readouterr().err


def test_encoding_of_ignores_which_samples():
    from lava_delays.data.spec import encoding_of
    assert encoding_of("fsdd:/a:speakers=x,y,test_speaker=x,delta=0.3") == \
        encoding_of("fsdd:/b:delta=0.3")
    # defaults written out or left out are the same encoding
    assert encoding_of("fsdd:/a:duration=44,delta=3") == encoding_of("fsdd:/a")
    assert encoding_of("fsdd:/a:duration=044") == encoding_of("fsdd:/a:duration=44")
    assert encoding_of("timing:gap=20,train=5") == encoding_of("timing")
    assert encoding_of("fsdd:/a:duration=0") != encoding_of("fsdd:/a")
    assert encoding_of("fsdd:/a:gate=0") != encoding_of("fsdd:/a")
    assert encoding_of("timing:gap=5") != encoding_of("timing")
    assert encoding_of("shd:/r:pool=2,limit=5") == encoding_of("shd:/q:pool=2") == \
        {"kind": "shd", "steps": 100, "dt_ms": 10.0, "pool": 2}
    # a spec that does not parse is compared as text, never raises here
    assert encoding_of("fsdd:/a:colour=red") == {"kind": "fsdd", "spec": "colour=red"}


def test_float_export_and_float_backend(run, tmp_path):
    out, _ = run
    proc = _cli("deploy", str(out), "--out", str(tmp_path / "f.h5"), "--float")
    assert proc.returncode == 0, proc.stderr[-2000:]
    net = load_hdf5(tmp_path / "f.h5")
    assert not net.fixed
    _, (x, _), _ = load_split(DATA)
    assert run_backend(net, x[:4], "float").readout.dtype == np.float64


def test_eval_bad_inputs(run, tmp_path):
    out, _ = run
    net_file = tmp_path / "net.h5"
    assert _cli("deploy", str(out), "--out", str(net_file)).returncode == 0
    net = load_hdf5(net_file)
    with pytest.raises(ParameterError, match="needs a float network"):
        run_backend(net, np.zeros((1, 5, net.n_in)), "float")
    with pytest.raises(ParameterError, match="backend must be"):
        run_backend(net, np.zeros((1, 5, net.n_in)), "gpu")
    with pytest.raises(ShapeError, match="input channels"):
        evaluate_file(net_file, "timing:train=4,test=4,channels=5,repeats=1,gap=10",
                      tmp_path / "e")
    with pytest.raises(ParameterError, match="--limit"):
        evaluate_file(net_file, DATA, tmp_path / "e", limit=0)
    proc = _cli("deploy", str(tmp_path / "no_run"), "--out", str(tmp_path / "x.h5"))
    assert proc.returncode == 2 and "no checkpoint" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_spike_parity_detects_one_flipped_spike(run):
    out, _ = run
    net, _ = quantize_model(load_model(out))
    _, (x, _), _ = load_split(DATA)
    a, b = simulate(net, x[:5]), simulate(net, x[:5])
    assert spike_parity(a, b).all()
    t, n = np.argwhere(b.spikes[0][2])[0]
    b.spikes[0][2, t, n] = False
    assert spike_parity(a, b).tolist() == [True, True, False, True, True]
