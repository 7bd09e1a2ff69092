"""Figures the lessons show but do not teach: each function draws one figure and returns it.

Text in figures is English (Hangul a student writes in a title is drawn too: the setup cell adds a
Korean font, ``helpers.environment.korean_font``). Lessons call a function, then ``plt.show()``.
Every function checks its input (``helpers.checks``) and raises ``ValueError`` naming the problem.

Every figure reads in grayscale and for red-green colour-blind readers, so colour is never the only
difference. One rule everywhere: light grey for other classes and red for the prediction (as in
the post's figure), far apart in lightness too; blue for the true class (a marker, never the
bar's colour) and for a right prediction's caption, a wrong one's is red and bold. Curves differ
by line style and marker, and every axis that has a value has a label. A prediction is captioned
in one format everywhere: ``predicted 7 (97.0%), true 7`` (``caption``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from helpers import activations, checks
from helpers.data import NUM_CLASSES
from helpers.drawing import preprocess_steps

# Grey is light so that the red bar differs by lightness, not by hue alone: in grayscale 0.80
# against red's 0.30, and 0.52 where a deuteranope sees red (tests/test_plots.py). The darker
# outline keeps light bars visible on white.
GREY, EDGE, RED, BLUE = "#cccccc", "#808080", "red", "blue"


def _pixel_axes(ax):
    """Label an image's axes in pixels, with whole-pixel ticks only."""
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    for axis in (ax.xaxis, ax.yaxis):
        # Round steps (0, 5, 10, ... or 0, 50, 100, ...) that never fall between two pixels.
        axis.set_major_locator(MaxNLocator(nbins=5, integer=True, steps=[1, 2, 5, 10]))


# --- figures ------------------------------------------------------------------------------------


def plot_architecture(shown=(8, 8, 10)):
    """Draw the network: 784 inputs -> 100 ReLU units -> 10 softmax outputs.

    ``shown`` is how many units of each layer are drawn; the rest are elided with dots.
    """
    sizes = (784, 100, 10)
    names = (
        "Input\n28x28 pixels, flattened",
        "Hidden layer\nDense(100, relu)",
        "Output layer\nDense(10, softmax)",
    )
    if len(shown) != 3 or any(not 2 <= s <= 12 for s in shown):
        raise ValueError(f"shown must give 2 to 12 drawn units for each of the 3 layers, got {shown!r}.")
    fig, ax = plt.subplots(figsize=(8, 5.2))
    xs = (0.0, 1.0, 2.0)
    positions = [(x, np.linspace(0.9, 0.1, count)) for x, count in zip(xs, shown)]
    # In a layer with more units than drawn, the middle slot shows dots instead of a unit.
    drawn_units = [
        ys if count == size else np.delete(ys, count // 2)
        for (_, ys), size, count in zip(positions, sizes, shown)
    ]
    for x0, x1, ys0, ys1 in zip(xs, xs[1:], drawn_units, drawn_units[1:]):
        for y0 in ys0:
            for y1 in ys1:
                ax.plot([x0, x1], [y0, y1], color="#bbbbbb", linewidth=0.4, zorder=1)
    colours = ("#9ecae1", "#fdae6b", "#a1d99b")
    for (x, ys), drawn, size, count, colour, name in zip(
        positions, drawn_units, sizes, shown, colours, names
    ):
        ax.scatter(np.full(len(drawn), x), drawn, s=260, color=colour, edgecolor="black", zorder=2)
        if count < size:
            ax.text(x, ys[count // 2], "...", ha="center", va="center", fontsize=16, rotation=90)
        ax.text(x, 1.0, name, ha="center", va="bottom", fontsize=11)
        ax.text(x, 0.0, f"{size} units", ha="center", va="top", fontsize=10, color="#444444")
    for y, digit in zip(positions[2][1], range(NUM_CLASSES)):
        ax.text(2.12, y, f"P({digit})", va="center", fontsize=9)
    ax.annotate("", xy=(-0.12, 0.5), xytext=(-0.38, 0.5), arrowprops={"arrowstyle": "->"})
    ax.text(-0.4, 0.56, "image", ha="left", fontsize=10)
    ax.set_xlim(-0.45, 2.45)
    ax.set_ylim(-0.1, 1.22)
    ax.set_title("Flatten -> Dense(100, relu) -> Dense(10, softmax): 79,510 parameters", pad=4)
    ax.axis("off")
    return fig


def plot_digit(image, label=None, *, colorbar=True, ax=None):
    """Show one 28x28 image in black on white (``cmap=binary``), with a colorbar of pixel values."""
    image = checks.image(image)
    label = checks.label(label)
    fig, ax = plt.subplots(figsize=(4.2, 3.6)) if ax is None else (ax.figure, ax)
    shown = ax.imshow(image, cmap=plt.cm.binary)
    if colorbar:
        fig.colorbar(shown, ax=ax, label="pixel value")
    ax.set_title("28x28 image" if label is None else f"label: {label}")
    _pixel_axes(ax)
    return fig


def percent(probability):
    """A probability as a percentage with one decimal, "97.3%".

    What would round to "100.0%" reads ">99.9%": a softmax output is never exactly 1, and "100%"
    on a wrong prediction would claim a certainty the model does not have.
    """
    text = f"{100 * probability:.1f}"
    return ">99.9%" if float(text) >= 100 else f"{text}%"


def caption(probabilities, true_label=None):
    """Caption for one prediction, the same in every figure: "predicted 7 (97.0%), true 7".

    The predicted digit, its probability in brackets (``percent``), then the true digit if given.
    """
    probabilities = checks.probability_row(probabilities)
    true_label = checks.label(true_label, "true_label")
    predicted = int(np.argmax(probabilities))
    text = f"predicted {predicted} ({percent(probabilities[predicted])})"
    return text if true_label is None else f"{text}, true {true_label}"


def plot_digit_grid(images, labels, probabilities=None, *, ncols=5):
    """Show images in a grid, captioned with their labels.

    With ``probabilities`` (one softmax row per image) each caption reads "predicted 7 (97.0%),
    true 7" (``caption``): blue when the prediction is right, red and bold when it is wrong; a
    line under the grid says so.
    """
    images = checks.images(images)
    labels = checks.labels(labels, len(images))
    if probabilities is not None:
        probabilities = checks.probability_rows(probabilities, len(images))
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}.")
    nrows = -(-len(images) // ncols)
    width = 1.7 if probabilities is None else 2.1  # room for "predicted 7 (>99.9%), true 7"
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, 1.9 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        ax.imshow(images[i], cmap=plt.cm.binary)
        if probabilities is None:
            ax.set_title(str(labels[i]))
        else:
            right = int(np.argmax(probabilities[i])) == labels[i]
            ax.set_title(
                caption(probabilities[i], labels[i]),
                fontsize=8.5,
                color=BLUE if right else RED,
                fontweight="normal" if right else "bold",
            )
    fig.tight_layout()
    if probabilities is not None:
        fig.text(0.5, 0, GRID_KEY, ha="center", va="top", fontsize=9)
    return fig


GRID_KEY = "blue: right, red and bold: wrong"


def plot_probabilities(probabilities, true_label=None, *, ax=None):
    """Bar chart of the 10 softmax outputs: grey bars, the predicted digit's bar red.

    The true digit, when given, is marked by a blue triangle above its bar (and a blue outline),
    so the predicted bar stays red whether the prediction is right or wrong. A legend says so.
    """
    probabilities = checks.probability_row(probabilities)
    true_label = checks.label(true_label, "true_label")
    fig, ax = plt.subplots(figsize=(4, 3)) if ax is None else (ax.figure, ax)
    bars = prediction_bars(ax, range(NUM_CLASSES), probabilities)
    legend = [Patch(color=RED, label="predicted digit")]
    if true_label is not None:
        bars[true_label].set_edgecolor(BLUE)
        bars[true_label].set_linewidth(1.5)
        # A marker, not a colour: a wrong prediction's true bar can be too short to see.
        ax.plot(true_label, probabilities[true_label] + 0.07, "v", color=BLUE, markersize=9)
        legend.append(
            Line2D([], [], linestyle="none", marker="v", color=BLUE, markersize=9, label="true digit")
        )
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_yticks(np.arange(0, 1.1, 0.2))
    ax.set_ylim(0, 1.15)  # room for the marker above a bar of height 1
    ax.set_xlabel("digit")
    ax.set_ylabel("probability")
    ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    return fig


def prediction_bars(ax, x, probabilities):
    """Bars of ``probabilities`` at ``x`` on ``ax``: light grey, the largest one red (the post's)."""
    bars = ax.bar(x, probabilities, color=GREY, edgecolor=EDGE, linewidth=0.8)
    bars[int(np.argmax(probabilities))].set_color(RED)
    return bars


def plot_prediction(image, probabilities, true_label=None):
    """The post's figure: the image beside the bar chart of its 10 predicted probabilities.

    The predicted digit's bar is red, as in the post; a true digit is marked with a blue triangle.
    Under the image, the caption: "predicted 7 (97.0%), true 7" (``caption``).
    """
    image = checks.image(image)
    probabilities = checks.probability_row(probabilities)
    true_label = checks.label(true_label, "true_label")
    fig, (left, right) = plt.subplots(1, 2, figsize=(7, 3), width_ratios=(1, 1.4))
    left.imshow(image, cmap=plt.cm.binary)
    left.set_xticks([])
    left.set_yticks([])
    plot_probabilities(probabilities, true_label, ax=right)
    left.set_xlabel(caption(probabilities, true_label))
    right.set_title("softmax output")
    fig.tight_layout()
    return fig


def plot_activation(name, x_range=(-5.0, 5.0)):
    """An activation function (left) and its derivative (right) on ``x_range``.

    ``name`` is a key of ``helpers.activations.WITH_DERIVATIVES`` (relu, sigmoid, tanh). A
    derivative that jumps at 0 (ReLU's: 0 on the left, 1 on the right) is drawn as a step with
    an open and a filled dot, not as a steep line through 0 that the derivative does not have.
    """
    if name not in activations.WITH_DERIVATIVES:
        raise ValueError(f"name must be one of {', '.join(activations.WITH_DERIVATIVES)}, got {name!r}.")
    low, high = map(float, x_range)
    if not low < high:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}.")
    function, derivative = activations.WITH_DERIVATIVES[name]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    x = np.linspace(low, high, 201)
    left.plot(x, function(x), color="tab:blue")
    left.set_title(f"{name}(x)")
    left.set_ylabel(f"{name}(x)")
    _plot_with_jump_at_zero(right, derivative, low, high, color="tab:orange")
    right.set_title(f"{name}'(x)  (derivative)")
    right.set_ylabel(f"{name}'(x)")
    for ax in (left, right):
        ax.set_xlabel("x")
        ax.set_xlim(low, high)
        ax.axhline(0.0, color="grey", linewidth=0.8)
        if low < 0 < high:
            ax.axvline(0.0, color="grey", linestyle="--", alpha=0.8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _plot_with_jump_at_zero(ax, f, low, high, **style):
    """Plot ``f`` on [low, high]; if it jumps at 0, as two pieces with the value at 0 marked."""
    tiny = 1e-9  # the one-sided limits at 0
    left_limit, right_limit, at_zero = (float(f(np.array(v))) for v in (-tiny, tiny, 0.0))
    if not (low < 0 < high) or np.isclose(left_limit, right_limit):
        x = np.linspace(low, high, 201)
        ax.plot(x, f(x), **style)
        return
    for piece in (np.linspace(low, -tiny, 101), np.linspace(tiny, high, 101)):
        ax.plot(piece, f(piece), **style)
    colour = style.get("color")
    for value in (left_limit, right_limit):  # filled: the value used at 0; open: the other limit
        ax.plot(
            0.0,
            value,
            "o",
            color=colour,
            markersize=6,
            zorder=3,
            markerfacecolor=colour if value == at_zero else "white",
        )


MAX_EPOCH_TICKS = 15


def plot_history(history):
    """Loss and accuracy per epoch from ``model.fit(...).history`` (or the History itself).

    Two panels side by side; validation curves are drawn dashed when the history has them.
    Every epoch gets a tick up to ``MAX_EPOCH_TICKS`` epochs; longer runs get a few whole epochs.
    """
    history = getattr(history, "history", history)
    if not isinstance(history, dict) or "loss" not in history or "accuracy" not in history:
        raise ValueError(
            "history must be model.fit(...).history (or the History object) with 'loss' and "
            "'accuracy': compile the model with metrics=['accuracy']."
        )
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        ax.plot(epochs, history[metric], "o-", label=f"training {metric}")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], "s--", label=f"validation {metric}")
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        if len(epochs) <= MAX_EPOCH_TICKS:
            ax.set_xticks(epochs)
        else:  # one tick per epoch would overlap: let matplotlib pick a few whole epochs
            ax.xaxis.set_major_locator(plt.MaxNLocator(nbins=MAX_EPOCH_TICKS, integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix):
    """Heatmap of a 10x10 confusion matrix (rows: true digit, columns: predicted), with counts."""
    matrix = np.asarray(matrix)
    if matrix.shape != (NUM_CLASSES, NUM_CLASSES):
        raise ValueError(f"matrix must be 10x10 (true x predicted digit), got shape {matrix.shape}.")
    if matrix.dtype.kind not in "iu" or matrix.min() < 0:
        raise ValueError("matrix must hold non-negative integer counts.")
    fig, ax = plt.subplots(figsize=(6.8, 5.8))
    # Log-like colours: the diagonal (about 1,000 each) would otherwise wash out the mistakes.
    shown = ax.imshow(np.log1p(matrix), cmap="Blues")
    threshold = np.log1p(matrix).max() / 2
    for i in range(NUM_CLASSES):
        for j in range(NUM_CLASSES):
            ax.text(
                j,
                i,
                str(matrix[i, j]),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if np.log1p(matrix[i, j]) > threshold else "black",
            )
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_yticks(range(NUM_CLASSES))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title("Confusion matrix (test set)")
    bar = fig.colorbar(shown, ax=ax)
    bar.set_label("count (log scale)")
    ticks = [t for t in (1, 10, 100, 1000) if t <= matrix.max()]
    bar.set_ticks(np.log1p(ticks))
    bar.set_ticklabels([str(t) for t in ticks])
    fig.tight_layout()
    return fig


def most_confident_mistakes(labels, probabilities, n=10):
    """Indices of the ``n`` wrong predictions made with the highest probability, most confident first."""
    probabilities = checks.probability_rows(probabilities)
    labels = checks.labels(labels, len(probabilities))
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    order = np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")
    return wrong[order][:n]


def plot_mistakes(images, labels, probabilities, n=10, *, ncols=5):
    """Gallery of the ``n`` most confident mistakes, captioned "predicted 7 (97.0%), true 1" in red."""
    images = checks.images(images)
    indices = most_confident_mistakes(labels, probabilities, n)
    if len(indices) == 0:
        raise ValueError("there are no mistakes to show: every prediction is right.")
    fig = plot_digit_grid(
        images[indices], np.asarray(labels)[indices], np.asarray(probabilities)[indices], ncols=ncols
    )
    fig.suptitle("Most confident mistakes", y=1.02)
    return fig


def plot_class_counts(labels, title="Examples per digit"):
    """Bar chart of how many examples each digit 0-9 has."""
    labels = np.asarray(labels)
    labels = checks.labels(labels, len(labels))
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(range(NUM_CLASSES), counts, color=GREY, edgecolor=EDGE, linewidth=0.8)
    for digit, count in enumerate(counts):
        ax.text(digit, count, f"{count:,}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_xlabel("digit")
    ax.set_ylabel("count")
    ax.set_ylim(0, counts.max() * 1.12)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_preprocessing(drawing, *, ink="auto"):
    """The steps of ``helpers.drawing.preprocess_drawing`` side by side.

    1. the drawing with the box around its ink, 2. the box scaled to 20 pixels, 3. the 28x28
    input, with the centre of the field (13.5, 13.5) and the centre of mass of the ink marked.
    Axes count whole pixels.
    """
    steps = preprocess_steps(drawing, ink=ink)
    top, bottom, left, right = steps["crop"]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    axes[0].imshow(steps["ink"], cmap=plt.cm.binary, vmin=0, vmax=1)
    axes[0].add_patch(
        plt.Rectangle(
            (left - 0.5, top - 0.5), right - left, bottom - top, fill=False, edgecolor=RED, linewidth=1.5
        )
    )
    axes[0].set_title(f"1. drawing {steps['ink'].shape[1]}x{steps['ink'].shape[0]}, ink box")
    axes[1].imshow(steps["scaled"], cmap=plt.cm.binary, vmin=0, vmax=1)
    height, width = steps["scaled"].shape
    axes[1].set_title(f"2. box scaled to {width}x{height}")
    image = steps["input"]
    axes[2].imshow(image, cmap=plt.cm.binary, vmin=0, vmax=1)
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    axes[2].plot(
        (cols * image).sum() / mass,
        (rows * image).sum() / mass,
        "x",
        color=RED,
        markersize=10,
        label="centre of mass",
    )
    axes[2].axhline(13.5, color=BLUE, linewidth=0.8)
    axes[2].axvline(13.5, color=BLUE, linewidth=0.8, label="centre of the field")
    axes[2].legend(loc="lower center", bbox_to_anchor=(0.5, -0.3), fontsize=8, ncol=2)
    axes[2].set_title("3. 28x28 input, centred by mass")
    for ax in axes:
        _pixel_axes(ax)
    fig.tight_layout()
    return fig
