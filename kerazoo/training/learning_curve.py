"""A PNG of the learning curve, redrawn after every epoch."""

import os

import keras
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kerazoo.training.run_history import RunHistory
from kerazoo.utils.atomic import atomic_path
from kerazoo.utils.checks import check_path, check_type


def plot_learning_curve(history: dict, path: str | os.PathLike) -> None:
    """Draws training and validation loss against optimizer steps to a PNG.

    The per-step training loss is a faint line; each epoch's training mean is
    marked in the middle of its epoch and its validation loss at its end. The
    file is written atomically. The figure is drawn on matplotlib's Agg canvas
    directly, without `pyplot`, so it neither needs a display nor changes the
    backend of a notebook or an interactive shell.

    Args:
        history: A run history in the layout of `run_history.empty_history`.
        path: The PNG file to write.
    """
    epochs = history["epochs"]
    steps = history["steps"]
    figure = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if steps["step"]:
        axes.plot(
            steps["step"],
            _floats(steps["loss"]),
            color="tab:blue",
            alpha=0.3,
            linewidth=0.8,
            label="train (step)",
        )
    if epochs["step"]:
        ends = np.array(epochs["step"], dtype=float)
        # A training mean covers its whole epoch, so it sits mid-epoch; a
        # validation loss is measured when the epoch ends.
        middles = (np.concatenate([[0.0], ends[:-1]]) + ends) / 2
        for name, where, color, label in (
            ("loss", middles, "tab:blue", "train (epoch mean)"),
            ("val_loss", ends, "tab:orange", "validation (epoch end)"),
        ):
            if name in epochs:
                axes.plot(
                    where, _floats(epochs[name]), color=color, marker="o", label=label
                )
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("loss (mean cross-entropy per token)")
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend()
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png")


class LearningCurvePlot(keras.callbacks.Callback):
    """Redraws `path` from a `RunHistory` at the end of every epoch.

    Put it after `run_history` in the callback list, so it draws the epoch that
    has just been recorded.

    Args:
        run_history: The callback that records the run.
        path: The PNG file to write, usually `run_dir/"learning_curve.png"`.
    """

    def __init__(self, run_history: RunHistory, path: str | os.PathLike):
        super().__init__()
        check_type("run_history", run_history, RunHistory, "a RunHistory callback")
        self.run_history = run_history
        self.path = check_path("path", path)

    def on_epoch_end(self, epoch, logs=None):
        plot_learning_curve(self.run_history.history, self.path)


def _floats(values: list) -> np.ndarray:
    # `None` (a non-finite value in the history) becomes NaN, a gap in the line.
    return np.array([np.nan if v is None else v for v in values], dtype=float)
