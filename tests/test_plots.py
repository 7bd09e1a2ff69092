"""helpers.plots: each figure draws what it promises and names bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from helpers import drawing, plots

pytestmark = pytest.mark.usefixtures("no_figures_left")
rng = np.random.default_rng(0)
IMAGES = rng.integers(0, 256, size=(15, 28, 28), dtype=np.uint8)
LABELS = np.array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1])


def one_hot_like(labels, confidence=0.91):
    p = np.full((len(labels), 10), (1 - confidence) / 9)
    p[np.arange(len(labels)), labels] = confidence
    return p


def bar_colours(ax):
    return [to_hex(bar.get_facecolor()) for bar in ax.patches]


def test_architecture_names_the_three_layers():
    fig = plots.plot_architecture()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for expected in ("784 units", "100 units", "10 units", "Dense(100, relu)", "Dense(10, softmax)"):
        assert expected in texts
    assert "79,510" in fig.axes[0].get_title()


def test_digit_has_a_colorbar_and_its_label():
    fig = plots.plot_digit(IMAGES[0], 7)
    assert len(fig.axes) == 2  # the image and its colorbar
    assert fig.axes[0].get_title() == "label: 7"
    assert_whole_pixel_ticks(fig.axes[0])


def assert_whole_pixel_ticks(ax):
    ax.figure.canvas.draw()
    for ticks in (ax.get_xticks(), ax.get_yticks()):
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)


def test_caption_reads_predicted_probability_true():
    p = one_hot_like([7], confidence=0.97)[0]
    assert plots.caption(p, 7) == "predicted 7 (97.0%), true 7"
    assert plots.caption(p, 2) == "predicted 7 (97.0%), true 2"
    assert plots.caption(p) == "predicted 7 (97.0%)"


@pytest.mark.parametrize(
    "probability, text",
    [(0.0, "0.0%"), (0.1404, "14.0%"), (0.9994, "99.9%"), (0.99951, ">99.9%"), (1.0, ">99.9%")],
)
def test_percent_never_reads_100(probability, text):
    assert plots.percent(probability) == text


@pytest.mark.parametrize("true", [5, 3, None])
def test_predicted_bar_is_red_whether_right_or_wrong_and_the_true_digit_is_marked(true):
    ax = plots.plot_probabilities(one_hot_like([3])[0], true_label=true).axes[0]
    colours = bar_colours(ax)
    assert colours[3] == to_hex("red") and colours.count(to_hex(plots.GREY)) == 9
    markers = [x for line in ax.lines for x in line.get_xdata()]  # drawn above the bars at the true digit
    assert markers == ([] if true is None else [true])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["predicted digit"] + ([] if true is None else ["true digit"])


def test_prediction_shows_image_and_bars_with_caption():
    fig = plots.plot_prediction(IMAGES[0], one_hot_like([7])[0], 7)
    image_ax, bars_ax = fig.axes
    assert len(image_ax.images) == 1 and len(bars_ax.patches) == 10
    assert image_ax.get_xlabel() == "predicted 7 (91.0%), true 7"
    assert bar_colours(bars_ax)[7] == to_hex("red")
    fig = plots.plot_prediction(IMAGES[0], one_hot_like([7])[0])
    assert fig.axes[0].get_xlabel() == "predicted 7 (91.0%)"


def test_grid_captions_are_blue_when_right_and_red_when_wrong():
    p = one_hot_like(LABELS)
    p[[1, 4]] = one_hot_like([3, 3])  # two wrong predictions
    fig = plots.plot_digit_grid(IMAGES, LABELS, p)
    titles = [ax.title for ax in fig.axes]
    assert [to_hex(t.get_color()) for t in titles].count(to_hex("red")) == 2
    assert titles[1].get_text() == "predicted 3 (91.0%), true 2"
    assert titles[0].get_text() == "predicted 7 (91.0%), true 7"
    # Not by hue alone: a wrong caption is bold as well.
    assert [t.get_fontweight() for t in titles[:5]] == ["normal", "bold", "normal", "normal", "bold"]
    assert any(plots.GRID_KEY in t.get_text() for t in fig.texts)  # the key to the colours


def test_mistakes_never_read_100_percent():
    labels = np.array([0, 1, 2])
    p = one_hot_like([5, 6, 2], confidence=1 - 1e-6)  # float32 softmax can round to this
    fig = plots.plot_mistakes(IMAGES[:3], labels, p)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["predicted 5 (>99.9%), true 0", "predicted 6 (>99.9%), true 1"]


def test_grid_without_predictions_shows_labels():
    fig = plots.plot_digit_grid(IMAGES[:7], LABELS[:7], ncols=5)
    assert [ax.get_title() for ax in fig.axes[:7]] == [str(x) for x in LABELS[:7]]
    assert len(fig.axes) == 10  # two rows of five, three left empty


def test_confusion_matrix_writes_every_count():
    matrix = np.eye(10, dtype=int) * 980
    matrix[4, 9] = 12
    fig = plots.plot_confusion_matrix(matrix)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 100 and "12" in texts and texts.count("980") == 10
    assert fig.axes[0].get_xlabel() == "predicted digit"


def test_most_confident_mistakes_come_first():
    labels = np.array([0, 1, 2, 3])
    p = one_hot_like([0, 5, 6, 3], confidence=0.6)
    p[2] = one_hot_like([6], confidence=0.99)[0]
    assert plots.most_confident_mistakes(labels, p, n=5).tolist() == [2, 1]


def test_class_counts_label_every_bar():
    fig = plots.plot_class_counts(np.array([0, 0, 1, 9]))
    assert [t.get_text() for t in fig.axes[0].texts][:2] == ["2", "1"]


@pytest.mark.parametrize(
    "call, message",
    [
        # each figure checks its input (what each check says is test_checks')
        (lambda: plots.plot_prediction(IMAGES[0], np.full(9, 0.1)), "10 values per image"),
        (lambda: plots.plot_prediction(np.zeros((27, 28)), np.full(10, 0.1)), "28x28 MNIST image"),
        (lambda: plots.plot_digit(IMAGES[0], 10), "digit from 0 to 9"),
        (lambda: plots.plot_digit_grid(IMAGES, LABELS[:3]), "one digit per image"),
        (lambda: plots.plot_digit_grid(IMAGES[:2], LABELS[:2], np.full((3, 10), 0.1)), "one row per image"),
        (lambda: plots.plot_probabilities(np.full(10, 1.5)), "between 0 and 1"),
        (lambda: plots.plot_history({"loss": [1.0]}), "'accuracy'"),
        (lambda: plots.plot_confusion_matrix(np.zeros((9, 10), dtype=int)), "10x10"),
        (lambda: plots.plot_architecture(shown=(8, 8)), "3 layers"),
        (lambda: plots.plot_mistakes(IMAGES[:3], LABELS[:3], one_hot_like(LABELS[:3])), "no mistakes"),
        (lambda: plots.plot_activation("softplus"), "relu, sigmoid, tanh"),
        (lambda: plots.plot_preprocessing(np.zeros((50, 50))), "empty"),
    ],
)
def test_bad_input_raises_a_value_error_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert plt.get_fignums() == []  # nothing half-drawn is left open


# --- training curves: one tick per epoch, a few whole-epoch ticks for long runs -------------


def history_of(epochs):
    falling = list(np.linspace(0.4, 0.05, epochs))
    rising = list(np.linspace(0.9, 0.99, epochs))
    return {"loss": falling, "accuracy": rising, "val_loss": falling, "val_accuracy": rising}


@pytest.mark.parametrize("epochs", [1, 10, plots.MAX_EPOCH_TICKS])
def test_history_has_loss_and_accuracy_with_validation_and_ticks_every_epoch_of_a_short_run(epochs):
    fig = plots.plot_history(history_of(epochs))
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax in fig.axes:
        assert len(ax.lines) == 2 and list(ax.get_xticks()) == list(range(1, epochs + 1))


@pytest.mark.parametrize("epochs", [plots.MAX_EPOCH_TICKS + 1, 27, 60])
def test_history_ticks_a_few_whole_epochs_of_a_long_run(epochs):
    fig = plots.plot_history(history_of(epochs))
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert 2 <= len(ticks) <= plots.MAX_EPOCH_TICKS
        assert all(float(t).is_integer() for t in ticks)
        assert len(ax.lines[0].get_xdata()) == epochs  # every epoch is still drawn


# --- activations: a derivative that jumps is drawn as a step ---------------------------------


def test_relu_derivative_is_drawn_as_a_step():
    fig = plots.plot_activation("relu")
    derivative_ax = fig.axes[1]
    pieces = [line for line in derivative_ax.lines if len(line.get_xdata()) > 2]
    assert len(pieces) == 2  # left of 0 and right of 0, no line joining them
    values = np.concatenate([line.get_ydata() for line in pieces])
    assert set(np.unique(values)) == {0.0, 1.0}  # never a value in between: no steep line
    dots = [line for line in derivative_ax.lines if line.get_marker() == "o"]
    faces = {float(dot.get_ydata()[0]): to_hex(dot.get_markerfacecolor()) for dot in dots}
    assert set(faces) == {0.0, 1.0} and faces[1.0] == to_hex("white")  # open: relu'(0) is taken as 0


@pytest.mark.parametrize("name, x_range", [("sigmoid", (-5, 5)), ("tanh", (-5, 5)), ("relu", (1, 5))])
def test_smooth_derivatives_are_one_line(name, x_range):
    fig = plots.plot_activation(name, x_range)
    assert [len(line.get_xdata()) for line in fig.axes[1].lines if len(line.get_xdata()) > 2] == [201]


# --- the drawing lesson's preprocessing ------------------------------------------------------


def test_preprocessing_shows_the_three_steps_in_whole_pixels():
    ink = drawing.draw_stroke(np.zeros((280, 280)), [(40, 200), (250, 215)], 22)
    fig = plots.plot_preprocessing(ink)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "1. drawing 280x280, ink box"
    assert titles[1] in ("2. box scaled to 20x3", "2. box scaled to 20x4")
    assert np.array_equal(fig.axes[2].images[0].get_array(), drawing.preprocess_drawing(ink))
    for ax in fig.axes[:3]:
        assert_whole_pixel_ticks(ax)


# --- figures for every reader: grayscale, red-green colour blindness, one caption format --------

# Machado, Oliveira & Fernandes (2009), severity 1: what a protanope and a deuteranope see, as a
# matrix on linear RGB. Lightness is compared as grayscale (ITU-R BT.601 luma, Pillow's "L").
VISIONS = {
    "grayscale": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
}


def lightness(rgb, vision):
    """Grayscale value (0-1) of sRGB colours ``rgb`` (..., 3) as seen with ``vision``."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ VISIONS[vision].T, 0, 1)
    srgb = np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)
    return srgb @ np.array([0.299, 0.587, 0.114])


def bar_pixels(fig, ax):
    """The rendered colour (RGB, 0-1) at the centre of each bar of ``ax``."""
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255
    height = pixels.shape[0]
    centres = [bar.get_window_extent() for bar in ax.patches]
    return np.array([pixels[height - int((b.y0 + b.y1) / 2), int((b.x0 + b.x1) / 2)] for b in centres])


@pytest.mark.parametrize("vision", VISIONS)
def test_the_red_bar_differs_from_the_others_in_lightness(vision):
    p = np.full(10, 0.4 / 9)
    p[3] = 0.6
    fig = plots.plot_prediction(IMAGES[0], p, 5)
    pixels = bar_pixels(fig, fig.axes[1])
    shown = lightness(pixels, vision)
    # A quarter of the grayscale range: the red bar reads as a different bar without its hue.
    assert np.all(np.abs(np.delete(shown, 3) - shown[3]) >= 0.25), (vision, shown.round(2))
    assert to_hex(pixels[3]) == to_hex("red")  # the post's red stays


def test_curves_in_one_panel_differ_by_line_style_and_marker_and_panels_have_y_labels():
    figures = [
        plots.plot_history(history_of(3)),
        plots.plot_activation("sigmoid"),
        plots.plot_probabilities(one_hot_like([2])[0], 4),
        plots.plot_class_counts(LABELS),
    ]
    for fig in figures:
        for ax in fig.axes:
            assert ax.get_ylabel(), f"a panel titled {ax.get_title()!r} has no y label"
            curves = [line for line in ax.lines if len(line.get_xdata()) > 2]
            styles = [(line.get_linestyle(), line.get_marker()) for line in curves]
            assert len({s for s, _ in styles}) == len(styles), styles
            assert len({m for _, m in styles}) == len(styles), styles


def test_grid_captions_do_not_run_into_each_other():
    p = one_hot_like([8] * 10, confidence=1.0)  # the longest caption: "predicted 8 (>99.9%), true 0"
    fig = plots.plot_digit_grid(IMAGES[:10], LABELS[:10], p)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for row in (fig.axes[:5], fig.axes[5:10]):
        boxes = [ax.title.get_window_extent(renderer) for ax in row]
        for left, right in zip(boxes, boxes[1:]):
            assert left.x1 < right.x0, f"{row[0].get_title()!r} overlaps its neighbour"
