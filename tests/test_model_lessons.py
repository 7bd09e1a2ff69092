"""Helpers used by the model, training and full-code lessons (05, 06, 08)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_figures_left")


def history_of(epochs):
    falling = list(np.linspace(0.4, 0.05, epochs))
    rising = list(np.linspace(0.9, 0.99, epochs))
    return {"loss": falling, "accuracy": rising, "val_loss": falling, "val_accuracy": rising}


def visible_ticks(ax):
    fig = ax.figure
    fig.canvas.draw()
    low, high = ax.get_xlim()
    return [t for t in ax.get_xticks() if low <= t <= high]


@pytest.mark.parametrize("epochs", [1, 10, plots.MAX_EPOCH_TICKS])
def test_history_ticks_every_epoch_of_a_short_run(epochs):
    fig = plots.plot_history(history_of(epochs))
    for ax in fig.axes:
        assert list(ax.get_xticks()) == list(range(1, epochs + 1))


@pytest.mark.parametrize("epochs", [plots.MAX_EPOCH_TICKS + 1, 27, 60])
def test_history_ticks_a_few_whole_epochs_of_a_long_run(epochs):
    fig = plots.plot_history(history_of(epochs))
    for ax in fig.axes:
        ticks = visible_ticks(ax)
        assert 2 <= len(ticks) <= plots.MAX_EPOCH_TICKS
        assert all(float(t).is_integer() for t in ticks)
        assert len(ax.lines[0].get_xdata()) == epochs  # every epoch is still drawn
