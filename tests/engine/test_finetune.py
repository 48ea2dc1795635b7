"""On-device fine-tuning: a deployed (trained, quantized, exported) network
becomes the starting point of on-line learning, with the same behaviour."""
import dataclasses
import json

import numpy as np
import pytest

from lava_delays.cli import main
from lava_delays.data.spec import load_split
from lava_delays.deploy import quantize_model, save_hdf5
from lava_delays.engine import OnlineConfig, OnlineLearner, simulate, train_online
from lava_delays.engine.finetune import learner_parameters
from lava_delays.errors import ParameterError, UnsupportedFeatureError
from lava_delays.train import load_model, train

DATA = "timing:classes=3,channels=4,gap=4,max_offset=10,repeats=1,length=90,train=192,test=96"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    train(DATA, out, preset="none", epochs=2, qat_epochs=1, hidden=(12,), max_delay=16,
          batch=16, delays="both")
    return out


def test_float_network_round_trips_into_the_learner(trained):
    model = load_model(trained)
    net = model.to_network(fixed=False)
    learner = OnlineLearner.from_network(net, OnlineConfig(max_delay=16))
    assert learner.cfg.delays == "both" and learner.cfg.hidden == (12,)
    back = learner.network()
    np.testing.assert_array_equal(back.layers[0].ff.weights, net.layers[0].ff.weights)
    np.testing.assert_array_equal(back.layers[1].ff.weights, net.layers[1].ff.weights)
    _, (x, y), _ = load_split(DATA)
    # the learner folds axonal delays into the synaptic matrix: same routing
    np.testing.assert_array_equal(learner.predict(x), simulate(net, x).predict())


def test_fixed_network_starts_where_the_deployed_one_is(trained):
    net, _ = quantize_model(load_model(trained))
    learner = OnlineLearner.from_network(net)
    _, (x, y), _ = load_split(DATA)
    deployed = float((simulate(net, x).predict() == y).mean())
    assert abs(learner.evaluate(x, y) - deployed) <= 0.05


def test_fine_tuning_improves_a_weak_model(trained, tmp_path):
    net = load_model(trained).to_network(fixed=False)
    learner = OnlineLearner.from_network(net, OnlineConfig(max_delay=16, seed=1))
    tr, te, _ = load_split(DATA)
    before = learner.evaluate(*te)
    hist = train_online(learner, tr, te, epochs=3, batch=16)
    assert hist[-1]["test_accuracy"] > before + 0.05


def test_cli_online_init(trained, tmp_path):
    net, _ = quantize_model(load_model(trained))
    save_hdf5(net, tmp_path / "net.h5")
    assert main(["online", "--data", DATA, "--init", str(tmp_path / "net.h5"), "--epochs", "1",
                 "--out", str(tmp_path / "ft")]) == 0
    m = json.loads((tmp_path / "ft" / "metrics.json").read_text())
    assert m["init"].endswith("net.h5") and 0 <= m["initial_accuracy"] <= 1
    assert m["delays"] == "both" and m["hidden"] == [12]
    assert set(m["learn"]) == {"weights", "synaptic", "axonal"}     # all the network has
    assert main(["online", "--data", DATA, "--init", str(tmp_path / "net.h5"), "--epochs", "1",
                 "--learn", "axonal", "--out", str(tmp_path / "ft2")]) == 0
    assert json.loads((tmp_path / "ft2" / "metrics.json").read_text())["learn"] == ["axonal"]
    assert main(["online", "--data", "timing:train=8,test=8", "--init",
                 str(tmp_path / "net.h5"), "--out", str(tmp_path / "bad")]) == 2


def test_unsupported_networks(trained):
    net = load_model(trained).to_network(fixed=False)
    import copy
    ad = copy.deepcopy(net)
    from lava_delays.engine import AdLIFNeurons
    ad.layers[0].neurons = AdLIFNeurons(alpha=np.full(12, 0.9), beta=np.full(12, 0.99),
                                        a=np.zeros(12), b=np.zeros(12))
    with pytest.raises(UnsupportedFeatureError, match="LIF neurons only"):
        learner_parameters(ad)
    no_ro = copy.deepcopy(net)
    no_ro.layers = no_ro.layers[:1]
    with pytest.raises(UnsupportedFeatureError, match="followed by a read-out"):
        learner_parameters(no_ro)
    rb = copy.deepcopy(net)
    rb.layers[1].neurons = dataclasses.replace(rb.layers[1].neurons, bias_mant=0.5)
    with pytest.raises(UnsupportedFeatureError, match="output layer: biases"):
        learner_parameters(rb)
    rpn = copy.deepcopy(net)
    rpn.layers[1].neurons = dataclasses.replace(rpn.layers[1].neurons, dv=np.full(3, 0.05))
    with pytest.raises(UnsupportedFeatureError, match="output layer: per-neuron dv"):
        learner_parameters(rpn)
    rd = copy.deepcopy(net)
    rd.layers[1].ff.delays = np.ones(rd.layers[1].ff.shape, int)
    with pytest.raises(UnsupportedFeatureError, match="read-out delays"):
        learner_parameters(rd)


def test_readout_scale_from_deploy_metadata(trained, tmp_path):
    """The read-out starts in the trainer's float units (the scale ``deploy``
    stores), not in raw mantissas that would saturate the softmax."""
    from lava_delays.deploy import load_hdf5_metadata
    from lava_delays.engine.finetune import readout_scale_of
    model = load_model(trained)
    net, _ = quantize_model(model)
    save_hdf5(net, tmp_path / "n.h5", metadata={"scales": [b.scale for b in model.blocks]})
    scale = readout_scale_of(load_hdf5_metadata(tmp_path / "n.h5"))
    assert scale == model.blocks[-1].scale
    w_trained = model.blocks[-1].ff.weight.detach().double().numpy()
    w_start = learner_parameters(net, scale)["w_out"]
    # 8-bit rounding moves a weight by <= 1/scale; the percentile scale clips a few
    assert np.mean(np.abs(w_start - w_trained) <= 1.0 / scale + 1e-12) > 0.95
    assert np.abs(learner_parameters(net)["w_out"]).max() == pytest.approx(1.0)
    assert readout_scale_of({}) is None


def test_float_export_read_out_is_not_rescaled(trained, tmp_path):
    """A float file is already in float units: the learner starts from it
    unscaled, even when deploy stored scales (the model went through QAT)."""
    from lava_delays.deploy import deploy_run, load_hdf5, load_hdf5_metadata
    from lava_delays.engine.finetune import readout_scale_of
    deploy_run(trained, tmp_path / "f.h5", fixed=False)
    net = load_hdf5(tmp_path / "f.h5")
    assert readout_scale_of(load_hdf5_metadata(tmp_path / "f.h5")) is None
    w = learner_parameters(net, 236.0)["w_out"]          # a scale given anyway: ignored
    np.testing.assert_array_equal(w, net.layers[-1].ff.weights)


def test_online_init_adapts_to_a_variant_of_the_timing_task(trained, tmp_path):
    """The timing task has no encoder: a deployed network adapts to a
    variant of it (other gaps, as the tutorial's fallback does); data of
    another kind is refused (audio encoders: tests/data/test_audio.py)."""
    from lava_delays.deploy import deploy_run
    from lava_delays.online import check_same_encoding
    deploy_run(trained, tmp_path / "net.h5")
    other = DATA.replace("gap=4", "gap=5")
    assert main(["online", "--data", other, "--init", str(tmp_path / "net.h5"), "--epochs",
                 "1", "--out", str(tmp_path / "ft")]) == 0
    with pytest.raises(ParameterError, match="encoded otherwise"):
        check_same_encoding("net.h5", DATA, "fsdd:/somewhere")
