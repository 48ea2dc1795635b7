"""The neuron registry: one :class:`NeuronModel` per neuron model, looked up
by name or by the type of its parameters.

A model bundles everything the library needs to know about one kind of
neuron, so that no runner branches on the neuron type:

* the **description** -- ``params``, the dataclass a :class:`Layer` holds,
  and :meth:`NeuronModel.check` (its ranges);
* the **dynamics** -- :meth:`~NeuronModel.kernel_params` (float or
  fixed-point kernel arguments), :meth:`~NeuronModel.init_state` and
  :meth:`~NeuronModel.step`, a pure step function on (state, input, params)
  that calls the model's kernel; the batched engine runs it;
* the **Lava process** -- :meth:`~NeuronModel.lava_process`;
* the **trainer module** -- :meth:`~NeuronModel.trainer` (a
  :class:`lava_delays.train.neuron.TrainNeurons`) and
  :meth:`~NeuronModel.from_trainer`, the export back to ``params``;
* the **files** -- ``name`` (hdf5 ``neuron/model``), ``file_type`` (netx's
  ``neuron/type``) and the dataclass fields (``neuron/<field>``);
* :meth:`~NeuronModel.cuba` -- the model as lava's CUBA LIF, when it is one.
  Stock netx, NIR (``CubaLIF`` / ``CubaLI``) and the on-line learner (whose
  eligibility traces are the CUBA filter) express CUBA neurons only: a model
  without this form is refused by each of them with a named error.

A model registers itself when its module is imported::

    register(MyModel())
    lookup("my")                 # by name (files, --neuron, ModelConfig)
    lookup(MyNeurons(...))       # by the parameters of a layer
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Dict, List, Optional, Union

import numpy as np

from lava_delays.errors import ParameterError, ShapeError
from lava_delays.fixed_point import check_finite


@dataclass(frozen=True)
class CubaParams:
    """Parameters of lava's CUBA ``LIF`` (``lava.proc.lif.process.LIF``).

    Float or fixed point as the network is; ``vth=None`` is a non-spiking
    leaky integrator (the read-out).
    """
    du: object
    dv: object
    vth: object
    bias_mant: object
    bias_exp: object


class NeuronModel:
    """Base class of the registered neuron models.

    Subclasses set the class attributes and implement the dynamics
    (:meth:`kernel_params`, :meth:`init_state`, :meth:`step`) and
    :meth:`lava_process`. The rest is optional: without a trainer module, a
    CUBA form or example parameters, the trainer, netx / NIR / on-line
    learning and the random-network factory refuse the model with a named
    error.

    Attributes
    ----------
    name : str
        Key in network files (hdf5 ``neuron/model``), ``--neuron`` and
        ``ModelConfig.neuron``.
    params : type
        Dataclass of the parameters (scalars or arrays of shape (n,)).
    label : str
        Name in messages ("LIF", "AdLIF", ...).
    file_type : str
        hdf5 ``neuron/type`` (netx's neuron type).
    spiking : bool
        False: a non-spiking read-out. It must be the last layer; its output
        is its voltage, not spikes (Lava process: ``v_out``, not ``s_out``).
    """
    name: str
    params: type
    label: str
    file_type: str
    spiking: bool = True

    # --- description --------------------------------------------------------
    def validate(self, params, n: int, fixed: bool, where: str) -> None:
        """Every field finite and a scalar or of shape (n,), then :meth:`check`."""
        for name, value in vars(params).items():
            arr = check_finite(value, name, where)
            if arr.ndim and arr.shape != (n,):
                raise ShapeError(f"{where}: neuron parameter {name} has shape "
                                 f"{arr.shape}, expected ({n},) or a scalar")
        self.check(params, fixed, where)

    def check(self, params, fixed: bool, where: str) -> None:
        """Model-specific ranges; raise :class:`ParameterError` naming ``where``."""

    # --- dynamics (runner 2: the batched engine) ------------------------------
    def kernel_params(self, params, fixed: bool) -> dict:
        """Keyword arguments of :meth:`step`: the parameters in the units of
        the float or the fixed-point kernel."""
        raise NotImplementedError

    def init_state(self, batch: int, n: int, fixed: bool) -> dict:
        """Zero state, arrays of shape (batch, n) (int64 in fixed point)."""
        raise NotImplementedError

    def step(self, state: dict, a_in: np.ndarray, params: dict, *, fixed: bool,
             counter=None, surrogate=None):
        """Advance one step (``state`` is updated in place).

        Returns
        -------
        spikes : ndarray of bool, shape (batch, n)
        psi : ndarray or None
            The surrogate derivative, when ``surrogate`` is given.
        """
        raise NotImplementedError

    def output(self, state: dict, spikes: np.ndarray) -> np.ndarray:
        """What the layer sends on: its spikes (the read-out: its voltage)."""
        return spikes

    # --- Lava (runner 1) ------------------------------------------------------
    def lava_process(self, params, n: int, *, name: str, reset_interval: int):
        """The Lava process of a layer of ``n`` neurons: an ``a_in`` port,
        ``s_out`` (spiking) or ``v_out`` (read-out), and an
        ``overflow_count`` Var."""
        raise NotImplementedError

    # --- trainer (runner 3) -----------------------------------------------------
    def trainer(self, n: int, options: dict, seed: int):
        """The trainer's torch module for ``n`` neurons. ``options`` are the
        :class:`~lava_delays.train.model.ModelConfig` neuron settings
        (``du``, ``dv``, ``psi_sigma``); a model takes the ones it has."""
        raise ParameterError(f"the trainer has no module for {self.label} neurons")

    def from_trainer(self, module, fixed: bool, scale: Optional[int]):
        """``params`` of a trained module: fixed point (threshold mantissa
        ``scale``) or float."""
        raise ParameterError(f"the trainer has no module for {self.label} neurons")

    # --- other representations ----------------------------------------------------
    def cuba(self, params) -> Optional[CubaParams]:
        """The model as lava's CUBA LIF, or None if it is not one."""
        return None

    def example_params(self, n: int, fixed: bool, rng: np.random.Generator):
        """Parameters of a typical layer (for random test networks)."""
        raise ParameterError(f"{self.label} neurons have no example parameters")

    def example_gain(self, fixed: bool) -> float:
        """Spread of random input weights that makes :meth:`example_params`
        neurons fire at roughly 10-20 % for 5 % input rates."""
        raise ParameterError(f"{self.label} neurons have no example parameters")

    def field_names(self) -> List[str]:
        """Names of the ``params`` fields (hdf5 ``neuron/<field>``)."""
        return [f.name for f in fields(self.params)]


_BY_NAME: Dict[str, NeuronModel] = {}
_BY_PARAMS: Dict[type, NeuronModel] = {}


def register(model: NeuronModel) -> NeuronModel:
    """Add ``model`` to the registry; returns it. A name or parameter type
    that is taken raises :class:`ParameterError`."""
    if not getattr(model, "name", "") or model.name in _BY_NAME:
        raise ParameterError(f"neuron model name {model.name!r} is empty or taken")
    if model.params in _BY_PARAMS:
        raise ParameterError(f"{model.params.__name__} already belongs to neuron model "
                             f"{_BY_PARAMS[model.params].name!r}")
    _BY_NAME[model.name] = model
    _BY_PARAMS[model.params] = model
    return model


def lookup(key: Union[str, object]) -> NeuronModel:
    """The model named ``key``, or the model whose ``params`` ``key`` is."""
    if isinstance(key, str):
        model = _BY_NAME.get(key)
        what = f"neuron model {key!r}"
    else:
        model = _BY_PARAMS.get(type(key))
        what = f"neuron parameters {type(key).__name__}"
    if model is None:
        raise ParameterError(f"unknown {what} (known: {', '.join(names())})")
    return model


def names(spiking: Optional[bool] = None) -> List[str]:
    """Registered model names in registration order (only spiking or only
    non-spiking models if ``spiking`` is given)."""
    return [name for name, model in _BY_NAME.items()
            if spiking is None or model.spiking == spiking]


__all__ = ["CubaParams", "NeuronModel", "register", "lookup", "names"]
