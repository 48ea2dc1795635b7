"""Export and import a :class:`~lava_delays.network.Network` as a NIR graph
(Neuromorphic Intermediate Representation, the ``nir`` package).

Graph of layer k (time in units of ``dt``; :func:`export_nir` writes
``dt = 1``, i.e. time steps, into the graph metadata)::

    previous ─► [axon<k>] ─► ff<k>_d<d> ─► [ff<k>_d<d>_delay] ─► neurons<k> ─► next
    (input)      Delay       Linear, one    Delay, if d > 0       CubaLIF /   (output)
                             per delay d                          CubaLI
                 neurons<k> ─► rec<k>_d<d> ─► [rec<k>_d<d>_delay] ─► neurons<k>

* **Per-synapse delays** have no NIR node, so a connection with delays
  becomes one ``Linear`` per distinct delay value ``d`` (holding the weights
  of the synapses with that delay, zero elsewhere) followed by a ``Delay``
  node of ``d * dt`` for every target neuron (no ``Delay`` node for
  ``d = 0``); NIR sums the branches into the neurons. A connection with
  ``delays=None`` is one ``Linear`` named ``ff<k>`` (``rec<k>``).
* **Axonal delays** of the previous population are a ``Delay`` node
  (``axon<k>``, shape ``(n_pre,)``) in front of the layer's branches.
* The one-step latency every synapse has in Lava/Loihi (a spike at step t
  reaches the neuron at t + 1 + d) is *implicit*, as in Lava: the ``Delay``
  nodes hold the delays ``d`` of the network, not ``d + 1``.
* **LIF** neurons are ``CubaLIF``, the **read-out** is ``CubaLI`` -- every
  neuron model with a CUBA form
  (:meth:`lava_delays.neurons.registry.NeuronModel.cuba`) is one of the two. The
  discrete neuron (:mod:`lava_delays.kernels.lif`) is the forward-Euler step
  of NIR's equations, current first::

      du = dt / tau_syn,  dv = dt / tau_mem,  w_in = tau_syn / dt,
      r = tau_mem / dt,   v_leak = bias * tau_mem / dt,
      v_threshold = vth,  v_reset = 0

  (so ``du * w_in = dv * r = 1``; a foreign graph with other ``w_in``, ``r``
  is imported with the gains folded into its input weights). ``du = 0`` or
  ``dv = 0`` (an infinite time constant) cannot be exported.
* **Fixed-point** networks are written in float units of the same
  dynamics: weights ``loihi_weights(w) * 2**weight_exp``, decays
  ``(du + 1) / 4096`` and ``dv / 4096``, ``vth`` the mantissa, bias
  ``(bias_mant << bias_exp) / 64``. Import converts them back exactly.
* **AdLIF** neurons (any model without a CUBA form) have no NIR node:
  :class:`~lava_delays.errors.UnsupportedFeatureError`.

Metadata: the graph holds ``{"lava_delays_format": 1, "fixed": 0/1,
"dt": dt}``; each ``Linear`` its ``weight_exp``; each neuron node the exact
neuron fields and the buffer sizes (``max_delay``, ``axonal_max_delay``)
under ``"lava_delays"``. Import uses the neuron fields only where they agree
with the NIR parameters (another tool may have edited the graph), so a
round trip gives back the network with these exceptions, none of which
changes its dynamics: delays of zero-weight synapses become 0, a delay
matrix of all zeros becomes ``None``, weights come back as int64 (fixed) or
float64, and odd mixed-sign fixed-point weights come back with their (never
applied) lowest bit cleared.

Graphs from other tools are imported as float networks when they have this
shape: a chain of ``CubaLIF`` / ``CubaLI`` nodes fed by ``Linear`` (or
``Affine`` with zero bias) nodes, each optionally behind and/or followed by a
``Delay`` node.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Optional

import numpy as np

from lava_delays.atomic import atomic_path
from lava_delays.errors import (DelayRangeError, FormatVersionError,
                                LavaDelaysError, NetworkFileError,
                                ParameterError, ShapeError,
                                UnsupportedFeatureError, WeightRangeError)
from lava_delays.fixed_point import (ACTIVATION_SHIFT, DECAY_UNITY, check_delays,
                                     current_decay_to_fixed, current_decay_to_float,
                                     loihi_weights, scale_bias, voltage_decay_to_fixed,
                                     voltage_decay_to_float)
from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import CubaParams, lookup

from .netx import uniform_or_array

#: version of the graph layout written by :func:`export_nir`
NIR_FORMAT_VERSION = 1
_META = "lava_delays"
#: relative tolerance when checking NIR floats against stored exact values
_RTOL = 1e-9
#: the neuron model each NIR neuron node is imported as
NIR_NEURON_MODELS = {"CubaLIF": "lif", "CubaLI": "readout"}


def _nir():
    try:
        import nir
    except ImportError as e:  # pragma: no cover - nir is a dependency
        raise UnsupportedFeatureError("NIR export/import needs the 'nir' package "
                                      "(pip install nir)") from e
    return nir


# --- neuron parameters in float units ----------------------------------------
@dataclass
class _FloatParams:
    """Per-neuron float-unit parameters, each of shape (n,)."""
    du: np.ndarray
    dv: np.ndarray
    bias: np.ndarray
    vth: Optional[np.ndarray]


def _float_params(cuba: CubaParams, n: int, fixed: bool) -> _FloatParams:
    def vec(x):
        return np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)).copy()
    if fixed:
        du = vec(current_decay_to_float(cuba.du))
        dv = vec(voltage_decay_to_float(cuba.dv))
        bias = vec(scale_bias(cuba.bias_mant, cuba.bias_exp) / 2.0 ** ACTIVATION_SHIFT)
    else:
        du, dv, bias = vec(cuba.du), vec(cuba.dv), vec(cuba.bias_mant)
    vth = None if cuba.vth is None else vec(cuba.vth)
    return _FloatParams(du, dv, bias, vth)


def _params_close(a: _FloatParams, b: _FloatParams) -> bool:
    pairs = [(a.du, b.du), (a.dv, b.dv), (a.bias, b.bias)]
    if (a.vth is None) != (b.vth is None):
        return False
    if a.vth is not None:
        pairs.append((a.vth, b.vth))
    return all(np.allclose(x, y, rtol=_RTOL, atol=1e-12) for x, y in pairs)


# --- export --------------------------------------------------------------------
def _neuron_node(nir, nrn, n: int, fixed: bool, dt: float, where: str, extra: dict):
    model = lookup(nrn)
    cuba = model.cuba(nrn)
    if cuba is None:
        raise UnsupportedFeatureError(
            f"{where}: NIR has no {model.label} neuron node; only LIF (CubaLIF) and "
            "read-out (CubaLI) layers can be exported")
    p = _float_params(cuba, n, fixed)
    for name, value in (("du", p.du), ("dv", p.dv)):
        if np.any(value == 0):
            raise UnsupportedFeatureError(
                f"{where}: {name} = 0 (no leak) is an infinite NIR time constant; "
                "NIR's CubaLIF/CubaLI cannot express it")
    tau_syn, tau_mem = dt / p.du, dt / p.dv
    # 0-d arrays as Python scalars: nir.write compresses arrays, and HDF5
    # scalar datasets cannot be compressed
    meta = {f.name: _py(getattr(nrn, f.name)) for f in fields(nrn)}
    meta.update(extra)
    common = dict(tau_syn=tau_syn, tau_mem=tau_mem, r=tau_mem / dt,
                  v_leak=p.bias * tau_mem / dt, w_in=tau_syn / dt,
                  metadata={_META: meta})
    if p.vth is None:
        return nir.CubaLI(**common)
    return nir.CubaLIF(v_threshold=p.vth, v_reset=np.zeros(n), **common)


def _add_connection(nir, nodes, edges, conn: Connection, prefix: str, pre: str,
                    post: str, fixed: bool, dt: float) -> None:
    if fixed:
        weights = loihi_weights(conn.weights) * 2.0 ** conn.weight_exp
    else:
        weights = np.asarray(conn.weights, dtype=np.float64)
    meta = {_META: {"weight_exp": int(conn.weight_exp)}}
    if conn.delays is None:
        nodes[prefix] = nir.Linear(weight=weights, metadata=meta)
        edges += [(pre, prefix), (prefix, post)]
        return
    delays = conn.delay_matrix()
    used = np.unique(delays[weights != 0]) if np.any(weights) else np.array([0])
    for d in used:
        name = f"{prefix}_d{d}"
        nodes[name] = nir.Linear(weight=np.where(delays == d, weights, 0.0), metadata=meta)
        edges.append((pre, name))
        if d == 0:
            edges.append((name, post))
            continue
        nodes[name + "_delay"] = nir.Delay(delay=np.full(conn.shape[0], d * dt))
        edges += [(name, name + "_delay"), (name + "_delay", post)]


def network_to_nir(net: Network, dt: float = 1.0):
    """The ``nir.NIRGraph`` of ``net`` (see module docstring).

    Raises
    ------
    UnsupportedFeatureError
        Neurons without a CUBA form (AdLIF), or a decay of 0 (infinite time
        constant).
    """
    nir = _nir()
    net.validate()
    if not (np.isfinite(dt) and dt > 0):
        raise ParameterError(f"dt must be a positive number, got {dt}")
    nodes = {"input": nir.Input(input_type={"input": np.array([net.n_in])})}
    edges = []
    source = "input"
    for k, layer in enumerate(net.layers):
        where = f"layer {k}"
        neurons = f"neurons{k}"
        pre = source
        if layer.axonal_delays is not None:
            pre = f"axon{k}"
            nodes[pre] = nir.Delay(delay=np.asarray(layer.axonal_delays, dtype=np.float64) * dt)
            edges.append((source, pre))
        _add_connection(nir, nodes, edges, layer.ff, f"ff{k}", pre, neurons, net.fixed, dt)
        if layer.rec is not None:
            _add_connection(nir, nodes, edges, layer.rec, f"rec{k}", neurons, neurons,
                            net.fixed, dt)
        extra = {key: value for key, value in (
            ("max_delay", layer.ff.max_delay), ("axonal_max_delay", layer.axonal_max_delay),
            ("rec_max_delay", None if layer.rec is None else layer.rec.max_delay))
            if value is not None}
        nodes[neurons] = _neuron_node(nir, layer.neurons, layer.n_out, net.fixed, dt,
                                      where, extra)
        source = neurons
    nodes["output"] = nir.Output(output_type={"output": np.array([net.n_out])})
    edges.append((source, "output"))
    meta = {"lava_delays_format": NIR_FORMAT_VERSION, "fixed": int(net.fixed),
            "dt": float(dt)}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def export_nir(net: Network, path, *, dt: float = 1.0) -> Path:
    """Write ``net`` as a NIR graph file (HDF5, ``nir.write``), atomically.

    Parameters
    ----------
    net : Network
        LIF / read-out layers (float or fixed point).
    path : str or Path
    dt : float
        Length of one time step in the graph's time unit (time constants
        and delays are multiples of it); default 1 = time steps.

    Returns
    -------
    Path
    """
    nir = _nir()
    graph = network_to_nir(net, dt)
    with atomic_path(path) as tmp:
        nir.write(tmp, graph)
    return Path(path)


# --- import --------------------------------------------------------------------
@dataclass
class _Branch:
    """One path ``source -> [pre Delay] -> Linear -> [post Delay] -> neurons``."""
    source: str
    linear: str
    pre_delay: Optional[str]
    post_delay: Optional[str]


def _py(value):
    arr = np.asarray(value)
    return arr.item() if arr.ndim == 0 else arr


class _GraphReader:
    def __init__(self, graph, path: Path, dt: float):
        self.nir = _nir()
        self.graph, self.path, self.dt = graph, path, dt
        self.nodes = graph.nodes
        self.preds, self.succs = defaultdict(list), defaultdict(list)
        for a, b in graph.edges:
            for name in (a, b):
                if name not in self.nodes:
                    raise NetworkFileError(f"{path}: edge ({a}, {b}) names no node {name!r}")
            self.preds[b].append(a)
            self.succs[a].append(b)
        meta = graph.metadata if isinstance(graph.metadata, dict) else {}
        self.fixed = bool(_py(meta.get("fixed", 0)))

    def fail(self, msg: str, error=NetworkFileError):
        return error(f"{self.path}: {msg}")

    def is_a(self, name: str, *types) -> bool:
        return isinstance(self.nodes[name], tuple(getattr(self.nir, t) for t in types))

    def single_pred(self, name: str) -> str:
        preds = self.preds[name]
        if len(preds) != 1:
            raise self.fail(f"node {name!r} must have exactly one input, has {len(preds)}",
                            UnsupportedFeatureError)
        return preds[0]

    def check_supported(self) -> None:
        known = ("Input", "Output", "Linear", "Affine", "Delay", "CubaLIF", "CubaLI")
        for name, node in self.nodes.items():
            if not self.is_a(name, *known):
                raise self.fail(f"node {name!r} is a {type(node).__name__}; lava-delays "
                                f"imports only {', '.join(known)} nodes",
                                UnsupportedFeatureError)
            if self.is_a(name, "Affine") and np.any(np.asarray(node.bias)):
                raise self.fail(f"node {name!r}: an Affine bias (a constant input current) "
                                "has no lava-delays equivalent", UnsupportedFeatureError)

    def branch(self, start: str, neurons: str) -> _Branch:
        node, post = start, None
        if self.is_a(node, "Delay"):
            post, node = node, self.single_pred(node)
        if not self.is_a(node, "Linear", "Affine"):
            raise self.fail(f"input {start!r} of {neurons!r} must be a Linear/Affine node, "
                            "optionally followed by a Delay", UnsupportedFeatureError)
        linear, node = node, self.single_pred(node)
        pre = None
        if self.is_a(node, "Delay"):
            pre, node = node, self.single_pred(node)
        if not self.is_a(node, "Input", "CubaLIF", "CubaLI"):
            raise self.fail(f"the path into {neurons!r} through {linear!r} starts at "
                            f"{node!r}, not at the input or a neuron node",
                            UnsupportedFeatureError)
        return _Branch(node, linear, pre, post)

    def delays(self, name: Optional[str], n: int) -> np.ndarray:
        """Delay node values in time steps (int64, shape (n,)); zeros if None."""
        if name is None:
            return np.zeros(n, dtype=np.int64)
        steps = np.asarray(self.nodes[name].delay, dtype=np.float64) / self.dt
        if steps.shape != (n,):
            raise ShapeError(f"{self.path}: Delay node {name!r} has shape {steps.shape}, "
                             f"expected ({n},)")
        rounded = np.round(steps)
        bad = ~np.isclose(steps, rounded, rtol=0, atol=1e-6)
        if np.any(bad) or not np.all(np.isfinite(steps)):
            raise DelayRangeError(f"{self.path}: Delay node {name!r} holds "
                                  f"{steps[bad | ~np.isfinite(steps)][:3]} time steps "
                                  f"(dt = {self.dt}); delays must be whole steps")
        return check_delays(rounded, f"Delay node {name!r}", str(self.path))

    def connection(self, branches, n_post: int, n_pre: int, gain: np.ndarray,
                   shared_pre: Optional[str]) -> Connection:
        weights = np.zeros((n_post, n_pre))
        delays = np.zeros((n_post, n_pre), dtype=np.int64)
        used = np.zeros((n_post, n_pre), dtype=bool)
        has_delay = False
        exps = set()
        for b in branches:
            lin = self.nodes[b.linear]
            w = np.asarray(lin.weight, dtype=np.float64)
            if w.shape != (n_post, n_pre):
                raise ShapeError(f"{self.path}: node {b.linear!r} has weights of shape "
                                 f"{w.shape}, expected ({n_post}, {n_pre})")
            meta = lin.metadata.get(_META, {}) if isinstance(lin.metadata, dict) else {}
            exp = int(_py(meta.get("weight_exp", 0)))
            exps.add(exp)
            if self.fixed:
                self.check_mantissas(w, exp, b.linear)
            pre = None if b.pre_delay == shared_pre else b.pre_delay
            d = self.delays(b.post_delay, n_post)[:, None] + self.delays(pre, n_pre)[None, :]
            has_delay |= b.post_delay is not None or pre is not None
            mask = w != 0
            if np.any(mask & used):
                raise self.fail(f"node {b.linear!r} connects neuron pairs another path "
                                "already connects; lava-delays has one synapse per pair",
                                UnsupportedFeatureError)
            weights[mask] = w[mask]
            delays[mask] = d[mask]
            used |= mask
        if len(exps) != 1:
            raise self.fail(f"the Linear nodes {[b.linear for b in branches]} disagree on "
                            f"weight_exp {sorted(exps)}")
        weight_exp = exps.pop()
        if not np.allclose(gain, 1.0, rtol=_RTOL, atol=0):
            weights = weights * gain[:, None]
        if self.fixed:
            weights = weights / 2.0 ** weight_exp
            where = f"{self.path}, node {branches[0].linear!r}"
            loihi_weights(weights, where=where)  # integers in range, else named error
            weights = weights.astype(np.int64)
        if has_delay:
            check_delays(delays, f"delays into {branches[0].linear!r}", str(self.path))
        return Connection(weights=weights, delays=delays if has_delay else None,
                          weight_exp=weight_exp)

    def check_mantissas(self, w: np.ndarray, exp: int, name: str) -> None:
        """Fixed point: a Linear node's weights must be integers times
        2**weight_exp (its metadata)."""
        mant = w / 2.0 ** exp
        bad = mant != np.round(mant)
        if np.any(bad):
            raise WeightRangeError(
                f"{self.path}, node {name!r}: fixed-point weights must be integer "
                f"mantissas times 2**weight_exp = 2**{exp}; got e.g. {w[bad][0]}")

    def neurons(self, name: str, n: int):
        node = self.nodes[name]
        spiking = self.is_a(name, "CubaLIF")
        values = {}
        for key in ("tau_syn", "tau_mem", "r", "v_leak", "w_in") + (
                ("v_threshold", "v_reset") if spiking else ()):
            arr = np.broadcast_to(np.asarray(getattr(node, key), dtype=np.float64), (n,))
            if not np.all(np.isfinite(arr)):
                raise self.fail(f"node {name!r}: {key} is not finite", ParameterError)
            values[key] = arr
        if spiking and np.any(values["v_reset"] != 0):
            raise self.fail(f"node {name!r}: v_reset must be 0 (lava's LIF resets to 0)",
                            UnsupportedFeatureError)
        du, dv = self.dt / values["tau_syn"], self.dt / values["tau_mem"]
        q = _FloatParams(du=du, dv=dv, bias=values["v_leak"] * dv,
                         vth=values["v_threshold"] if spiking else None)
        # input gain: the current takes du * w_in of a spike, the voltage dv * r of u
        gain = du * values["w_in"] * dv * values["r"]
        model = lookup(NIR_NEURON_MODELS["CubaLIF" if spiking else "CubaLI"])
        meta = node.metadata.get(_META, {}) if isinstance(node.metadata, dict) else {}
        names = model.field_names()
        if all(k in meta for k in names):
            stored = model.params(**{k: _py(meta[k]) for k in names})
            try:
                if _params_close(_float_params(model.cuba(stored), n, self.fixed), q):
                    return stored, gain, meta
            except (TypeError, ValueError):
                pass  # unusable metadata: derive from the NIR parameters below
        return self.derive_neurons(model, q, name, meta), gain, meta

    def derive_neurons(self, model, q: _FloatParams, name: str, meta: dict):
        kw = {}
        if self.fixed:
            for key, value, to_fixed, to_float in (
                    ("du", q.du, current_decay_to_fixed, current_decay_to_float),
                    ("dv", q.dv, voltage_decay_to_fixed, voltage_decay_to_float)):
                ticks = to_fixed(value, key, f"{self.path}, node {name!r}")
                if not np.allclose(to_float(ticks), value, rtol=0, atol=1e-6 / DECAY_UNITY):
                    raise self.fail(f"node {name!r}: {key} = {value} is not a 12-bit "
                                    "fixed-point decay", ParameterError)
                kw[key] = uniform_or_array(ticks)
            bias = q.bias * 2.0 ** ACTIVATION_SHIFT
            if not np.allclose(bias, np.round(bias), rtol=0, atol=1e-6):
                raise self.fail(f"node {name!r}: the bias is not a fixed-point value",
                                ParameterError)
            kw["bias_mant"] = uniform_or_array(np.round(bias).astype(np.int64))
            if q.vth is not None:
                kw["vth"] = uniform_or_array(np.round(q.vth).astype(np.int64))
        else:
            kw.update(du=uniform_or_array(q.du), dv=uniform_or_array(q.dv),
                      bias_mant=uniform_or_array(q.bias))
            if q.vth is not None:
                kw["vth"] = uniform_or_array(q.vth)
        # fields NIR has no parameter for (LIF: psi_sigma) come from the metadata
        cuba_fields = {f.name for f in fields(CubaParams)}
        for key in model.field_names():
            if key not in cuba_fields and key in meta:
                kw[key] = _py(meta[key])
        return model.params(**kw)

    def network(self) -> Network:
        self.check_supported()
        inputs = [k for k in self.nodes if self.is_a(k, "Input")]
        outputs = [k for k in self.nodes if self.is_a(k, "Output")]
        if len(inputs) != 1 or len(outputs) != 1:
            raise self.fail(f"the graph must have one Input and one Output node, has "
                            f"{inputs} and {outputs}", UnsupportedFeatureError)
        n_in = int(np.prod(self.nodes[inputs[0]].input_type["input"]))
        neuron_nodes = [k for k in self.nodes if self.is_a(k, "CubaLIF", "CubaLI")]
        incoming = {k: [self.branch(p, k) for p in self.preds[k]] for k in neuron_nodes}
        layers, source, n_prev, seen = [], inputs[0], n_in, set()
        while True:
            nxt = [k for k in neuron_nodes if k not in seen and any(
                b.source == source for b in incoming[k])]
            if not nxt:
                break
            if len(nxt) > 1:
                raise self.fail(f"{source!r} feeds several neuron nodes {nxt}; lava-delays "
                                "imports a chain of layers", UnsupportedFeatureError)
            name = nxt[0]
            layers.append(self.layer(name, incoming[name], source, n_prev))
            seen.add(name)
            source, n_prev = name, layers[-1].n_out
        if len(seen) != len(neuron_nodes) or not layers:
            raise self.fail(f"neuron nodes {sorted(set(neuron_nodes) - seen)} are not on the "
                            "chain from the input", UnsupportedFeatureError)
        if self.preds[outputs[0]] != [source]:
            raise self.fail(f"the Output node must be fed by the last layer {source!r} only, "
                            f"is fed by {self.preds[outputs[0]]}", UnsupportedFeatureError)
        return Network(n_in=n_in, layers=layers, fixed=self.fixed)

    def layer(self, name: str, branches, source: str, n_pre: int) -> Layer:
        node = self.nodes[name]
        n = int(np.prod(node.output_type["output"]))
        ff = [b for b in branches if b.source == source]
        rec = [b for b in branches if b.source == name]
        other = [b.source for b in branches if b.source not in (source, name)]
        if other:
            raise self.fail(f"{name!r} has inputs from {other}: only the previous layer and "
                            "itself (recurrent) may feed a layer", UnsupportedFeatureError)
        neurons, gain, meta = self.neurons(name, n)
        pres = {b.pre_delay for b in ff}
        shared = pres.pop() if len(pres) == 1 else None
        if shared is not None and len(self.succs[shared]) != len(ff):
            shared = None  # the Delay feeds other nodes too: fold it into the synapses
        axonal = None if shared is None else self.delays(shared, n_pre)
        layer = Layer(ff=self.connection(ff, n, n_pre, gain, shared), neurons=neurons,
                      axonal_delays=axonal,
                      rec=self.connection(rec, n, n, gain, None) if rec else None)
        layer.ff.max_delay = _opt_int(meta.get("max_delay"))
        if axonal is not None:
            layer.axonal_max_delay = _opt_int(meta.get("axonal_max_delay"))
        if layer.rec is not None:
            layer.rec.max_delay = _opt_int(meta.get("rec_max_delay"))
        return layer


def _opt_int(value) -> Optional[int]:
    return None if value is None else int(_py(value))


def nir_to_network(graph, dt: Optional[float] = None, path="<graph>") -> Network:
    """Build a validated :class:`Network` from a ``nir.NIRGraph``."""
    meta = graph.metadata if isinstance(graph.metadata, dict) else {}
    version = _py(meta.get("lava_delays_format", NIR_FORMAT_VERSION))
    if not isinstance(version, int) or version < 1:
        raise NetworkFileError(f"{path}: graph metadata lava_delays_format must be a "
                               f"positive integer, got {version!r}")
    if version > NIR_FORMAT_VERSION:
        raise FormatVersionError(f"{path}: graph metadata lava_delays_format is {version}; "
                                 f"this lava-delays reads up to {NIR_FORMAT_VERSION}")
    if dt is None:
        dt = float(_py(meta.get("dt", 1.0)))
    if not (np.isfinite(dt) and dt > 0):
        raise ParameterError(f"{path}: dt must be a positive number, got {dt}")
    net = _GraphReader(graph, Path(str(path)), dt).network()
    try:
        return net.validate()
    except LavaDelaysError as e:
        raise type(e)(f"{path}: {e}") from e


def import_nir(path, *, dt: Optional[float] = None) -> Network:
    """Read a NIR graph file into a :class:`Network`.

    Parameters
    ----------
    path : str or Path
        Written by :func:`export_nir` or another NIR tool (see the module
        docstring for the graph shapes that can be imported).
    dt : float, optional
        Time-step length in the graph's time unit; default the graph
        metadata's ``dt``, else 1.

    Raises
    ------
    NetworkFileError
        Not a readable NIR file (not HDF5, truncated, corrupt).
    FormatVersionError
        Written by a newer lava-delays NIR layout.
    UnsupportedFeatureError
        Nodes or a graph shape lava-delays has no equivalent for.
    ShapeError, DelayRangeError, WeightRangeError, ParameterError, NonFiniteError
        Invalid values (message names the file and node).
    """
    nir = _nir()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NIR file {path} does not exist")
    try:
        graph = nir.read(path)
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, AssertionError,
            AttributeError) as e:
        raise NetworkFileError(f"{path}: not a readable NIR graph file (truncated, "
                               f"corrupt or another format?): {type(e).__name__}: {e}") from e
    if not isinstance(graph, nir.NIRGraph):
        raise NetworkFileError(f"{path}: holds a {type(graph).__name__}, not a NIR graph")
    return nir_to_network(graph, dt, path)


__all__ = ["NIR_FORMAT_VERSION", "export_nir", "import_nir", "network_to_nir",
           "nir_to_network"]
