"""Figures the lessons show but do not teach: each function draws one figure and returns it.

Text in figures is English ASCII, so no font setup is needed for Hangul. Lessons call a function,
then ``plt.show()``. Every function checks its input and raises ``ValueError`` naming the problem.
Colours follow one rule everywhere: grey for other classes, red for the prediction, blue for the
true class (or for a correct prediction).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

GREY, RED, BLUE = "#777777", "red", "blue"
NUM_CLASSES = 10


# --- input checks -------------------------------------------------------------------------------

def _image(image, name="image"):
    image = np.asarray(image)
    if image.shape != (28, 28):
        raise ValueError(f"{name} must be one 28x28 MNIST image, got shape {image.shape}.")
    return image


def _images(images, name="images"):
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) == 0:
        raise ValueError(f"{name} must be a non-empty stack of 28x28 images, got shape {images.shape}.")
    return images


def _probabilities(probabilities, name="probabilities"):
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.shape[-1:] != (NUM_CLASSES,):
        raise ValueError(
            f"{name} must have {NUM_CLASSES} values per image (one per digit), "
            f"got shape {probabilities.shape}."
        )
    if np.any(probabilities < 0) or np.any(probabilities > 1):
        raise ValueError(f"{name} must be softmax outputs between 0 and 1.")
    return probabilities


def _probability_row(probabilities):
    probabilities = _probabilities(probabilities)
    if probabilities.ndim != 1:
        raise ValueError(f"probabilities must be one row of 10 values, got shape {probabilities.shape}.")
    return probabilities


def _label(label, name="label"):
    if label is None:
        return None
    if not (isinstance(label, (int, np.integer)) and 0 <= label < NUM_CLASSES):
        raise ValueError(f"{name} must be a digit from 0 to 9, got {label!r}.")
    return int(label)


def _labels(labels, count, name="labels"):
    labels = np.asarray(labels)
    if labels.shape != (count,):
        raise ValueError(f"{name} must hold one digit per image ({count}), got shape {labels.shape}.")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"{name} must be integer digits from 0 to 9.")
    return labels


# --- figures ------------------------------------------------------------------------------------

def plot_architecture(shown=(8, 8, 10)):
    """Draw the network: 784 inputs -> 100 ReLU units -> 10 softmax outputs.

    ``shown`` is how many units of each layer are drawn; the rest are elided with dots.
    """
    sizes = (784, 100, 10)
    names = ("Input\n28x28 pixels, flattened", "Hidden layer\nDense(100, relu)",
             "Output layer\nDense(10, softmax)")
    if len(shown) != 3 or any(not 2 <= s <= 12 for s in shown):
        raise ValueError(f"shown must give 2 to 12 drawn units for each of the 3 layers, got {shown!r}.")
    fig, ax = plt.subplots(figsize=(8, 5.2))
    xs = (0.0, 1.0, 2.0)
    positions = [(x, np.linspace(0.9, 0.1, count)) for x, count in zip(xs, shown)]
    # In a layer with more units than drawn, the middle slot shows dots instead of a unit.
    drawn_units = [ys if count == size else np.delete(ys, count // 2)
                   for (_, ys), size, count in zip(positions, sizes, shown)]
    for x0, x1, ys0, ys1 in zip(xs, xs[1:], drawn_units, drawn_units[1:]):
        for y0 in ys0:
            for y1 in ys1:
                ax.plot([x0, x1], [y0, y1], color="#bbbbbb", linewidth=0.4, zorder=1)
    colours = ("#9ecae1", "#fdae6b", "#a1d99b")
    for (x, ys), drawn, size, count, colour, name in zip(positions, drawn_units, sizes, shown,
                                                          colours, names):
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
    image = _image(image)
    label = _label(label)
    fig, ax = (plt.subplots(figsize=(4.2, 3.6)) if ax is None else (ax.figure, ax))
    shown = ax.imshow(image, cmap=plt.cm.binary)
    if colorbar:
        fig.colorbar(shown, ax=ax, label="pixel value")
    ax.set_title("28x28 image" if label is None else f"label: {label}")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    return fig


def plot_digit_grid(images, labels, probabilities=None, *, ncols=5):
    """Show images in a grid, captioned with their labels.

    With ``probabilities`` (one softmax row per image) each caption reads "pred prob% (true)",
    blue when the prediction is right and red when it is wrong.
    """
    images = _images(images)
    labels = _labels(labels, len(images))
    if probabilities is not None:
        probabilities = _probabilities(probabilities)
        if len(probabilities) != len(images):
            raise ValueError(
                f"probabilities must have one row per image ({len(images)}), got {len(probabilities)}."
            )
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}.")
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.7 * ncols, 1.9 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        ax.imshow(images[i], cmap=plt.cm.binary)
        if probabilities is None:
            ax.set_title(str(labels[i]))
        else:
            predicted = int(np.argmax(probabilities[i]))
            colour = BLUE if predicted == labels[i] else RED
            ax.set_title(caption(probabilities[i], labels[i]), color=colour, fontsize=10)
    fig.tight_layout()
    return fig


def caption(probabilities, true_label):
    """Caption for one prediction: "7 97% (7)", predicted digit, its probability, true digit."""
    probabilities = _probabilities(probabilities)
    predicted = int(np.argmax(probabilities))
    return f"{predicted} {100 * probabilities[predicted]:.0f}% ({_label(true_label, 'true_label')})"


def plot_probabilities(probabilities, true_label=None, *, ax=None):
    """Bar chart of the 10 softmax outputs: grey bars, predicted bar red, true bar blue."""
    probabilities = _probability_row(probabilities)
    true_label = _label(true_label, "true_label")
    fig, ax = (plt.subplots(figsize=(4, 3)) if ax is None else (ax.figure, ax))
    bars = ax.bar(range(NUM_CLASSES), probabilities, color=GREY)
    predicted = int(np.argmax(probabilities))
    bars[predicted].set_color(RED)
    if true_label is not None:
        bars[true_label].set_color(BLUE)  # a right prediction shows blue; a wrong one red and blue
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_yticks(np.arange(0, 1.1, 0.2))
    ax.set_ylim(0, 1)
    ax.set_xlabel("digit")
    ax.set_ylabel("probability")
    return fig


def plot_prediction(image, probabilities, true_label=None):
    """The post's figure: the image beside the bar chart of its 10 predicted probabilities."""
    image = _image(image)
    probabilities = _probability_row(probabilities)
    true_label = _label(true_label, "true_label")
    fig, (left, right) = plt.subplots(1, 2, figsize=(7, 3))
    left.imshow(image, cmap=plt.cm.binary)
    left.set_xticks([])
    left.set_yticks([])
    plot_probabilities(probabilities, true_label, ax=right)
    text = caption(probabilities, true_label) if true_label is not None else None
    left.set_xlabel(text if text else f"predicted: {int(np.argmax(probabilities))}")
    right.set_title("softmax output")
    fig.tight_layout()
    return fig


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
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if np.log1p(matrix[i, j]) > threshold else "black")
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
    probabilities = _probabilities(probabilities)
    labels = _labels(labels, len(probabilities))
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    order = np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")
    return wrong[order][:n]


def plot_mistakes(images, labels, probabilities, n=10, *, ncols=5):
    """Gallery of the ``n`` most confident mistakes, captioned "pred prob% (true)" in red."""
    images = _images(images)
    indices = most_confident_mistakes(labels, probabilities, n)
    if len(indices) == 0:
        raise ValueError("there are no mistakes to show: every prediction is right.")
    fig = plot_digit_grid(images[indices], np.asarray(labels)[indices],
                          np.asarray(probabilities)[indices], ncols=ncols)
    fig.suptitle("Most confident mistakes", y=1.02)
    return fig


def plot_class_counts(labels, title="Examples per digit"):
    """Bar chart of how many examples each digit 0-9 has."""
    labels = np.asarray(labels)
    labels = _labels(labels, len(labels))
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(range(NUM_CLASSES), counts, color=GREY)
    for digit, count in enumerate(counts):
        ax.text(digit, count, f"{count:,}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_xlabel("digit")
    ax.set_ylabel("count")
    ax.set_ylim(0, counts.max() * 1.12)
    ax.set_title(title)
    fig.tight_layout()
    return fig
