"""Save and load a :class:`~lava_delays.network.Network` as an HDF5 file in
lava-dl netx's layout, extended with what netx has no place for.

Layout (format version 1). Names in ``camelCase`` and ``weight``, ``delay``,
``bias``, ``weight_rec``, ``type``, ``shape`` are netx's/slayer's (see
:mod:`lava_delays.deploy.netx` for their meaning); names in ``snake_case`` are
lava-delays extensions, named after the :class:`Network` field they hold
(netx ignores them)::

    /                        attrs: lava_delays_format = 1, fixed (bool),
                                    created_by, metadata (JSON, optional)
    /layer/0/type            "input"                        (S10, shape (1,))
    /layer/0/shape           [n_in]
    /layer/<k+1>/            Network.layers[k]
        type                 "dense", or "dense_rec" if the layer is recurrent
        shape                [n_post]
        inFeatures           n_pre   (slayer writes it; checked when present)
        outFeatures          n_post
        weight               ff.weights, (n_post, n_pre); int mantissas (fixed)
        delay                ff.delays, (n_post, n_pre) int 0..62 -- per
                             synapse, as netx's 2-D ``delay`` (DelayDense);
                             absent if ff.delays is None
        weight_exp           ff.weight_exp, int -8..7
        max_delay            ff.max_delay (absent if None)
        axonal_delay         axonal_delays of the previous population, (n_pre,)
        axonal_max_delay     (each absent if None)
        weight_rec           rec.weights, (n_post, n_post)       [dense_rec]
        delay_rec, weight_exp_rec, max_delay_rec                  [dense_rec]
        bias                 fixed LIF/read-out: effective bias >> 6, (n_post,)
                             -- netx's bias mantissa at bias_exp 6; absent
                             when the bias is not a multiple of 64
        neuron/type          the model's ``file_type``: "CUBA" (LIF, read-out)
                             or "ADLIF"
        neuron/model         the model's ``name`` (lava_delays.neurons): "lif",
                             "readout", "adlif", ...
        neuron/<field>       every field of the neurons' dataclass, scalar or
                             (n_post,): du, dv, vth, bias_mant, bias_exp,
                             psi_sigma (LIF); du, dv, bias_mant, bias_exp
                             (read-out); alpha, beta, a, b, vth, psi_sigma
                             (AdLIF)
        neuron/iDecay, vDecay, vThMant, refDelay, gradedSpike
                             fixed CUBA neurons (LIF/read-out) only: netx's
                             CUBA parameters, derived from du, dv, vth
                             (read-out: vThMant = 1 << 17, never spikes)

Arrays keep the dtype they have in the network, so a save/load round trip
gives an identical network. The netx datasets are derived copies; the loader
checks they agree with the lava-delays fields and refuses a file where they
do not (netx would run a different network than lava-delays).

Files are written atomically (temporary file + rename). Loading checks
everything and raises a named error from :mod:`lava_delays.errors` naming
the file and dataset: :class:`~lava_delays.errors.NetworkFileError` (not
HDF5, truncated, missing or malformed dataset),
:class:`~lava_delays.errors.FormatVersionError` (newer format),
:class:`~lava_delays.errors.ShapeError`, ``DelayRangeError``,
``WeightRangeError``, ``NonFiniteError``, ``ParameterError``.
"""
from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Optional

import h5py
import numpy as np

from lava_delays.atomic import atomic_path
from lava_delays.errors import (FormatVersionError, LavaDelaysError,
                                NetworkFileError, ParameterError, ShapeError)
from lava_delays.fixed_point import (check_delays, check_finite,
                                     check_weight_exp, loihi_weights)
from lava_delays.network import Connection, Layer, Network
from lava_delays.neurons import lookup, names

from .netx import cuba_device_params, netx_bias
from .netx_import import is_netx_file, read_netx

#: version of the layout written by :func:`save_hdf5`
FORMAT_VERSION = 1
FORMAT_ATTR = "lava_delays_format"


# --- writing -----------------------------------------------------------------
def _write_type(group: h5py.Group, text: str) -> None:
    # slayer's layout: fixed-length ASCII, shape (1,)
    group.create_dataset("type", (1,), "S10", [text.encode("ascii")])


def _write_connection(g: h5py.Group, conn: Connection, suffix: str) -> None:
    g.create_dataset("weight" + suffix, data=np.asarray(conn.weights))
    if conn.delays is not None:
        g.create_dataset("delay" + suffix, data=np.asarray(conn.delays))
    g.create_dataset("weight_exp" + suffix, data=int(conn.weight_exp))
    if conn.max_delay is not None:
        g.create_dataset("max_delay" + suffix, data=int(conn.max_delay))


def _write_neurons(g: h5py.Group, nrn, n: int, fixed: bool) -> None:
    model = lookup(nrn)
    ng = g.create_group("neuron")
    ng.create_dataset("type", data=model.file_type)
    ng.create_dataset("model", data=model.name)
    for f in fields(nrn):
        ng.create_dataset(f.name, data=np.asarray(getattr(nrn, f.name)))
    cuba = model.cuba(nrn)
    if fixed and cuba is not None:
        for key, value in cuba_device_params(cuba).items():
            if key != "type":
                ng.create_dataset(key, data=value)
        bias = netx_bias(cuba, n)
        if bias is not None:
            g.create_dataset("bias", data=bias)


def _write_layer(g: h5py.Group, layer: Layer, fixed: bool) -> None:
    n_post, n_pre = layer.ff.shape
    _write_type(g, "dense" if layer.rec is None else "dense_rec")
    g.create_dataset("shape", data=np.array([n_post]))
    g.create_dataset("inFeatures", data=n_pre)
    g.create_dataset("outFeatures", data=n_post)
    _write_connection(g, layer.ff, "")
    if layer.axonal_delays is not None:
        g.create_dataset("axonal_delay", data=np.asarray(layer.axonal_delays))
    if layer.axonal_max_delay is not None:
        g.create_dataset("axonal_max_delay", data=int(layer.axonal_max_delay))
    if layer.rec is not None:
        _write_connection(g, layer.rec, "_rec")
    _write_neurons(g, layer.neurons, n_post, fixed)


def _json_value(value):
    """numpy numbers/arrays and paths as JSON values (json's ``default``)."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


def _metadata_json(metadata: Optional[dict]) -> Optional[str]:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise ParameterError(f"metadata must be a dict, got {type(metadata).__name__}")
    try:
        return json.dumps(metadata, sort_keys=True, default=_json_value)
    except (TypeError, ValueError) as e:
        raise ParameterError(f"metadata must be JSON-serializable: {e}") from e


def save_hdf5(net: Network, path, *, metadata: Optional[dict] = None) -> Path:
    """Write ``net`` to ``path`` in netx's hdf5 layout (see module docstring).

    Parameters
    ----------
    net : Network
        Float or fixed-point network; validated first (nothing is written
        if it is invalid).
    path : str or Path
        Output file (``.h5``/``.net``); written atomically.
    metadata : dict, optional
        JSON-serializable information stored with the network (root
        attribute ``metadata``); read back with :func:`load_hdf5_metadata`.

    Returns
    -------
    Path
        ``path``.
    """
    from lava_delays import __version__
    net.validate()
    meta = _metadata_json(metadata)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs[FORMAT_ATTR] = FORMAT_VERSION
        f.attrs["fixed"] = bool(net.fixed)
        f.attrs["created_by"] = f"lava-delays {__version__}"
        if meta is not None:
            f.attrs["metadata"] = meta
        layers = f.create_group("layer")
        g0 = layers.create_group("0")
        _write_type(g0, "input")
        g0.create_dataset("shape", data=np.array([int(net.n_in)]))
        for k, layer in enumerate(net.layers):
            _write_layer(layers.create_group(str(k + 1)), layer, net.fixed)
    return Path(path)


# --- reading -----------------------------------------------------------------
class _Reader:
    """Checked access to the objects of an open network file; every error
    names the file and the dataset."""

    def __init__(self, f: h5py.File, path: Path):
        self.f, self.path = f, path

    def where(self, name: str) -> str:
        return f"{self.path}, dataset {name}"

    def has(self, group: h5py.Group, name: str) -> bool:
        return name in group

    def _member(self, parent: h5py.Group, name: str, kind: type, label: str):
        full = f"{parent.name.rstrip('/')}/{name}"
        if name not in parent:
            raise NetworkFileError(f"{self.path}: {label} {full} is missing")
        obj = parent[name]
        if not isinstance(obj, kind):
            raise NetworkFileError(f"{self.path}: {full} must be a {label}")
        return obj

    def group(self, parent: h5py.Group, name: str) -> h5py.Group:
        return self._member(parent, name, h5py.Group, "group")

    def dataset(self, group: h5py.Group, name: str) -> h5py.Dataset:
        return self._member(group, name, h5py.Dataset, "dataset")

    def numbers(self, group: h5py.Group, name: str, finite: bool = True) -> np.ndarray:
        """A numeric dataset as an array (0-d for scalars), checked finite."""
        ds = self.dataset(group, name)
        arr = np.asarray(ds[()])
        if arr.dtype.kind not in "iuf" and arr.dtype != bool:
            raise NetworkFileError(f"{self.where(ds.name)} holds {arr.dtype}, "
                                   "expected numbers")
        if finite:
            check_finite(arr, f"dataset {ds.name}", str(self.path))
        return arr

    def shaped(self, group: h5py.Group, name: str, shape: tuple,
               finite: bool = True) -> np.ndarray:
        arr = self.numbers(group, name, finite)
        if arr.shape != tuple(shape):
            raise ShapeError(f"{self.where(group[name].name)} has shape {arr.shape}, "
                             f"expected {tuple(shape)}")
        return arr

    def integer(self, group: h5py.Group, name: str) -> int:
        arr = self.numbers(group, name)
        if arr.ndim or arr.dtype.kind not in "iu":
            raise NetworkFileError(f"{self.where(group[name].name)} must be one "
                                   f"integer, got {arr!r}")
        return int(arr)

    def text(self, group: h5py.Group, name: str) -> str:
        ds = self.dataset(group, name)
        value = ds[()]
        if isinstance(value, np.ndarray) and value.shape == (1,):
            value = value[0]
        if isinstance(value, bytes):
            value = value.decode("ascii", errors="replace")
        if not isinstance(value, str):
            raise NetworkFileError(f"{self.where(ds.name)} must be a string, got {value!r}")
        return value

    def scalar_or_vector(self, group: h5py.Group, name: str, n: int):
        """A neuron parameter: a Python scalar, or an array of shape (n,)."""
        arr = self.numbers(group, name)
        if arr.ndim == 0:
            return arr.item()
        if arr.shape != (n,):
            raise ShapeError(f"{self.where(group[name].name)} has shape {arr.shape}, "
                             f"expected ({n},) or a scalar")
        return arr

    # --- network parts ---------------------------------------------------
    def version(self) -> int:
        if FORMAT_ATTR not in self.f.attrs:
            raise NetworkFileError(
                f"{self.path}: not a lava-delays network file (root attribute "
                f"{FORMAT_ATTR} is missing, and it is not a netx/slayer export either)")
        version = self.f.attrs[FORMAT_ATTR]
        if not isinstance(version, (int, np.integer)) or version < 1:
            raise NetworkFileError(f"{self.path}: root attribute {FORMAT_ATTR} must be "
                                   f"a positive integer, got {version!r}")
        if version > FORMAT_VERSION:
            raise FormatVersionError(
                f"{self.path} has {FORMAT_ATTR} {int(version)}; this lava-delays "
                f"reads versions up to {FORMAT_VERSION} (upgrade lava-delays)")
        return int(version)

    def fixed(self) -> bool:
        value = self.f.attrs.get("fixed")
        if not isinstance(value, (bool, np.bool_)):
            raise NetworkFileError(f"{self.path}: root attribute 'fixed' must be a bool, "
                                   f"got {value!r}")
        return bool(value)

    def layer_groups(self) -> list:
        layers = self.group(self.f, "layer")
        names = sorted(layers.keys(), key=lambda s: (len(s), s))
        expected = [str(i) for i in range(len(names))]
        if names != expected or len(names) < 2:
            raise NetworkFileError(f"{self.path}: group /layer must hold layers 0 (input) "
                                   f"to N numbered without gaps, got {names}")
        return [layers[name] for name in names]

    def size(self, g: h5py.Group, label: str) -> int:
        """A layer's ``shape`` dataset: [n] with an integer n >= 1."""
        shape = self.shaped(g, "shape", (1,))
        if shape.dtype.kind not in "iu" or shape[0] < 1:
            raise NetworkFileError(f"{self.where(g.name + '/shape')} must be [{label}] "
                                   f"with {label} >= 1, got {shape}")
        return int(shape[0])

    def n_in(self, g: h5py.Group) -> int:
        if self.text(g, "type") != "input":
            raise NetworkFileError(f"{self.where(g.name + '/type')} must be 'input' "
                                   "(the input layer)")
        return self.size(g, "n_in")

    def connection(self, g: h5py.Group, suffix: str, n_post: int, n_pre: int,
                   fixed: bool) -> Connection:
        wname = "weight" + suffix
        weights = self.shaped(g, wname, (n_post, n_pre))
        if fixed:
            loihi_weights(weights, where=self.where(g[wname].name))
        delays = None
        if self.has(g, "delay" + suffix):
            ds = g["delay" + suffix]
            delays = self.shaped(g, "delay" + suffix, (n_post, n_pre), finite=False)
            check_delays(delays, f"dataset {ds.name}", str(self.path))
        weight_exp = self.integer(g, "weight_exp" + suffix)
        check_weight_exp(weight_exp, self.where(g["weight_exp" + suffix].name))
        max_delay = self.optional_delay(g, "max_delay" + suffix)
        return Connection(weights=weights, delays=delays, weight_exp=weight_exp,
                          max_delay=max_delay)

    def optional_delay(self, g: h5py.Group, name: str) -> Optional[int]:
        if not self.has(g, name):
            return None
        value = self.integer(g, name)
        check_delays(value, f"dataset {g[name].name}", str(self.path))
        return value

    def neurons(self, g: h5py.Group, n: int):
        ng = self.group(g, "neuron")
        name = self.text(ng, "model")
        if name not in names():
            raise NetworkFileError(f"{self.where(ng.name + '/model')}: unknown neuron "
                                   f"model {name!r} (known: {', '.join(names())})")
        model = lookup(name)
        found_type = self.text(ng, "type")
        if found_type != model.file_type:
            raise NetworkFileError(f"{self.where(ng.name + '/type')} is {found_type!r}, "
                                   f"but neuron/model {name!r} needs {model.file_type!r}")
        return model.params(**{key: self.scalar_or_vector(ng, key, n)
                               for key in model.field_names()})

    def layer(self, g: h5py.Group, n_pre: int, fixed: bool) -> Layer:
        kind = self.text(g, "type")
        if kind not in ("dense", "dense_rec"):
            raise NetworkFileError(f"{self.where(g.name + '/type')}: layer type {kind!r} "
                                   "is not one lava-delays reads (dense, dense_rec)")
        n_post = self.size(g, "n")
        for name, expected in (("inFeatures", n_pre), ("outFeatures", n_post)):
            if self.has(g, name) and self.integer(g, name) != expected:
                raise ShapeError(f"{self.where(g[name].name)} is {self.integer(g, name)}, "
                                 f"expected {expected}")
        ff = self.connection(g, "", n_post, n_pre, fixed)
        axonal = None
        if self.has(g, "axonal_delay"):
            axonal = self.shaped(g, "axonal_delay", (n_pre,), finite=False)
            check_delays(axonal, f"dataset {g['axonal_delay'].name}", str(self.path))
        axonal_max = self.optional_delay(g, "axonal_max_delay")
        rec = None
        if kind == "dense_rec":
            rec = self.connection(g, "_rec", n_post, n_post, fixed)
        elif self.has(g, "weight_rec"):
            raise NetworkFileError(f"{self.where(g.name + '/weight_rec')} exists but "
                                   f"{g.name}/type is 'dense' (expected 'dense_rec')")
        return Layer(ff=ff, neurons=self.neurons(g, n_post), axonal_delays=axonal,
                     rec=rec, axonal_max_delay=axonal_max)

    def network(self) -> Network:
        self.version()
        fixed = self.fixed()
        groups = self.layer_groups()
        n_in = n_prev = self.n_in(groups[0])
        layers = []
        for g in groups[1:]:
            layers.append(self.layer(g, n_prev, fixed))
            n_prev = layers[-1].n_out
        return Network(n_in=n_in, layers=layers, fixed=fixed)

    def check_netx_copies(self, net: Network) -> None:
        """The netx datasets of a (validated) fixed network must equal what
        :func:`save_hdf5` derives from the lava-delays fields."""
        if not net.fixed:
            return
        groups = self.layer_groups()[1:]
        for g, layer in zip(groups, net.layers, strict=True):
            cuba, n = lookup(layer.neurons).cuba(layer.neurons), layer.n_out
            if cuba is None:
                continue
            ng = g["neuron"]
            for key, expected in cuba_device_params(cuba).items():
                if key == "type":
                    continue
                found = self.numbers(ng, key)
                if found.shape not in ((), (n,)) or not np.array_equal(
                        np.broadcast_to(found, (n,)), np.broadcast_to(expected, (n,))):
                    raise NetworkFileError(
                        f"{self.where(ng[key].name)} = {found} disagrees with the "
                        f"lava-delays neuron fields (expected {expected}); netx would "
                        "run a different network")
            expected = netx_bias(cuba, n)
            if expected is None:
                if self.has(g, "bias"):
                    raise NetworkFileError(
                        f"{self.where(g.name + '/bias')} exists, but the effective bias "
                        "of neuron/bias_mant, bias_exp is not a multiple of 64")
                continue
            found = self.numbers(g, "bias")
            if found.shape != (n,) or not np.array_equal(found, expected):
                raise NetworkFileError(
                    f"{self.where(g.name + '/bias')} = {found} disagrees with neuron/"
                    f"bias_mant << bias_exp >> 6 = {expected}; netx would run a "
                    "different network")


def _open(path) -> tuple:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"network file {path} does not exist")
    try:
        return h5py.File(path, "r"), path
    except OSError as e:
        raise NetworkFileError(f"{path}: not a readable HDF5 file (truncated or "
                               f"corrupt?): {e}") from e


def _with_path(error: LavaDelaysError, path: Path) -> LavaDelaysError:
    """The same named error with the file name in front and each "layer k"
    of :meth:`Network.validate` pointed to its group ``/layer/<k+1>``."""
    msg = re.sub(r"\blayer (\d+)\b",
                 lambda m: f"layer {m[1]} (group /layer/{int(m[1]) + 1})", str(error))
    return type(error)(msg if str(path) in msg else f"{path}: {msg}")


def load_hdf5(path) -> Network:
    """Read a network written by :func:`save_hdf5` -- or by lava-dl itself
    (slayer's ``export_hdf5``, :mod:`lava_delays.deploy.netx_import`) -- and
    validate it.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Network
        Identical to the saved network (same values, dtypes, Nones).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    NetworkFileError
        Not HDF5, truncated/corrupt, not a lava-delays or netx file, a
        dataset missing or malformed, or netx's copies disagree with our
        fields.
    UnsupportedFeatureError
        A netx file (written by lava-dl slayer's ``export_hdf5``) with
        blocks this library has no model for, all of them named.
    FormatVersionError
        Written by a newer format version.
    ShapeError, DelayRangeError, WeightRangeError, NonFiniteError, ParameterError
        The stored network is invalid (message names file and dataset or
        layer).
    """
    f, path = _open(path)
    try:
        with f:
            if FORMAT_ATTR not in f.attrs and is_netx_file(f):
                # a file lava-dl itself wrote (slayer export_hdf5)
                net, _ = read_netx(f, path)
                try:
                    return net.validate()
                except LavaDelaysError as e:
                    raise _with_path(e, path) from e
            reader = _Reader(f, path)
            net = reader.network()
            try:
                net.validate()
            except LavaDelaysError as e:
                raise _with_path(e, path) from e
            reader.check_netx_copies(net)
    except LavaDelaysError:
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError) as e:
        # h5py reports damaged objects found while reading this way
        raise NetworkFileError(f"{path}: cannot be read, corrupt? ({e})") from e
    return net


def load_hdf5_metadata(path) -> dict:
    """The ``metadata`` dict given to :func:`save_hdf5` ({} if none)."""
    f, path = _open(path)
    try:
        with f:
            raw = f.attrs.get("metadata")
    except OSError as e:
        raise NetworkFileError(f"{path}: cannot be read, corrupt? ({e})") from e
    if raw is None:
        return {}
    try:
        meta = json.loads(raw)
    except (TypeError, ValueError) as e:
        raise NetworkFileError(f"{path}: root attribute 'metadata' is not JSON: {e}") from e
    if not isinstance(meta, dict):
        raise NetworkFileError(f"{path}: root attribute 'metadata' is not a JSON object")
    return meta


__all__ = ["FORMAT_VERSION", "load_hdf5", "load_hdf5_metadata", "save_hdf5"]
