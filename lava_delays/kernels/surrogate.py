"""Gaussian surrogate derivative psi of the three-factor rule (arXiv:2601.00668).

``psi = exp(-(v - vth)**2 / (2 sigma**2))`` measures how close a neuron is to
its threshold. The three-factor rules use it *only* inside eligibility traces.

Fixed point: psi is an 8-bit unsigned value (255 == 1.0) read from a 64-entry
look-up table indexed by ``|v - vth| >> shift`` -- cheap on a neuro-core and
identical in every runner because every runner reads the same table.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lava_delays.errors import ParameterError
from lava_delays.fixed_point import PSI_ONE

LUT_SIZE = 64


@dataclass(frozen=True)
class GaussianSurrogate:
    """Width of the Gaussian surrogate.

    Parameters
    ----------
    sigma : float
        Standard deviation in voltage units (float models) or in *scaled*
        fixed-point voltage units, i.e. the units of ``v`` (fixed models).
    fixed : bool
        Whether psi is computed from a fixed-point voltage.
    """
    sigma: float
    fixed: bool = False
    lut: np.ndarray = field(init=False, repr=False, compare=False)
    shift: int = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not np.isfinite(self.sigma) or self.sigma <= 0:
            raise ParameterError(f"surrogate sigma must be a positive finite "
                                 f"number, got {self.sigma}")
        # table covers |v - vth| up to 4 sigma with LUT_SIZE entries
        shift = max(0, int(np.ceil(np.log2(4.0 * self.sigma / LUT_SIZE))))
        centres = (np.arange(LUT_SIZE) << shift) + ((1 << shift) - 1) / 2.0
        lut = np.round(PSI_ONE * np.exp(-centres ** 2 / (2.0 * self.sigma ** 2)))
        object.__setattr__(self, "shift", shift)
        object.__setattr__(self, "lut", lut.astype(np.int64))


def gaussian_psi(v: np.ndarray, vth, surrogate: GaussianSurrogate) -> np.ndarray:
    """Surrogate derivative of the spike w.r.t. the voltage.

    Parameters
    ----------
    v : ndarray, shape (batch, n)
        Membrane voltage *before* reset.
    vth : float or int or ndarray
        Threshold in the same units as ``v`` (fixed: already << 6).

    Returns
    -------
    ndarray, shape (batch, n)
        float64 in (0, 1] (float) or int64 in 0..255 (fixed).
    """
    if surrogate.fixed:
        idx = np.minimum(np.abs(v - vth) >> surrogate.shift, LUT_SIZE - 1)
        return surrogate.lut[idx]
    return np.exp(-((v - vth) ** 2) / (2.0 * surrogate.sigma ** 2))
