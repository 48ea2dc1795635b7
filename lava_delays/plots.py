"""Plots the CLI writes (Agg backend, atomic files)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from lava_delays.atomic import save_figure


def figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """A figure and its axes drawn without pyplot, so writing plot files
    never switches the backend of a notebook or GUI session (``squeeze`` as
    ``plt.subplots``)."""
    from matplotlib.figure import Figure
    squeeze = kwargs.pop("squeeze", True)
    fig = Figure(figsize=kwargs.pop("figsize", None))
    return fig, fig.subplots(nrows, ncols, squeeze=squeeze, **kwargs)


def learning_curve(history: List[dict], path: Path, title: str = "",
                   initial_accuracy: Optional[float] = None) -> Path:
    """Loss and train/test accuracy per epoch; epochs of the
    quantization-aware phase (records with ``quantized``) are shaded, and
    ``initial_accuracy`` (learning from a deployed network) is drawn at
    epoch 0."""
    epochs = [r["epoch"] for r in history]
    fig, (ax1, ax2) = figure(1, 2, figsize=(10, 3.6))
    ax1.plot(epochs, [r["loss"] for r in history], marker="o")
    ax1.set(xlabel="epoch", ylabel="training loss", title="loss")
    ax2.plot(epochs, [r["train_accuracy"] for r in history], marker="o", label="train")
    if "test_accuracy" in history[0]:
        test = [r["test_accuracy"] for r in history]
        xs = epochs
        if initial_accuracy is not None:
            xs, test = [0] + epochs, [initial_accuracy] + test
            ax2.annotate(f"start {initial_accuracy:.3f}", (0, initial_accuracy),
                         textcoords="offset points", xytext=(4, -12), fontsize=8)
        ax2.plot(xs, test, marker="s", label="test")
    qat = [r["epoch"] for r in history if r.get("quantized")]
    for ax in (ax1, ax2):
        if qat:
            ax.axvspan(min(qat) - 0.5, max(qat) + 0.5, color="0.85", zorder=0,
                       label="quantization-aware" if ax is ax2 else None)
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax2.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), title=title or "accuracy")
    ax2.legend()
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    return Path(path)


def delay_histogram(before: Dict[str, np.ndarray], after: Dict[str, np.ndarray], path: Path,
                    max_delay: Optional[int] = None) -> Path:
    """Histograms of delays before and after learning, one panel per kind."""
    kinds = list(after)
    fig, axes = figure(1, max(len(kinds), 1), figsize=(5 * max(len(kinds), 1), 3.4),
                       squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        top = max_delay if max_delay is not None else int(max(np.max(before[kind]),
                                                              np.max(after[kind])))
        bins = np.arange(-0.5, top + 1.5, 1)
        # the initial delays as an outline over the filled learned ones: both
        # stay readable where they overlap
        ax.hist(np.ravel(after[kind]), bins=bins, color="C1", alpha=0.6, label="learned")
        ax.hist(np.ravel(before[kind]), bins=bins, histtype="step", color="C0", linewidth=1.5,
                label="initial")
        ax.set(xlabel="delay (steps)", ylabel="count", title=f"{kind} delays")
        ax.legend()
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    return Path(path)
