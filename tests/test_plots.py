"""helpers.plots: each figure draws what it promises and names bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from helpers import drawing, plots

pytestmark = pytest.mark.usefixtures("no_figures_left")
IMAGES = np.random.default_rng(0).integers(0, 256, size=(15, 28, 28), dtype=np.uint8)
LABELS = np.array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1])
RED = to_hex("red")


def one_hot_like(labels, confidence=0.91):
    p = np.full((len(labels), 10), (1 - confidence) / 9)
    p[np.arange(len(labels)), labels] = confidence
    return p


def history_of(epochs):
    falling, rising = list(np.linspace(0.4, 0.05, epochs)), list(np.linspace(0.9, 0.99, epochs))
    return {"loss": falling, "accuracy": rising, "val_loss": falling, "val_accuracy": rising}


def assert_whole_pixel_ticks(ax):
    ax.figure.canvas.draw()
    for ticks in (ax.get_xticks(), ax.get_yticks()):
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)


def test_architecture_digit_confusion_matrix_and_class_counts_show_their_numbers():
    texts = " ".join(t.get_text() for t in plots.plot_architecture().axes[0].texts)
    assert all(s in texts for s in ("784 units", "100 units", "10 units", "Dense(100, relu)"))
    fig = plots.plot_digit(IMAGES[0], 7)
    assert len(fig.axes) == 2 and fig.axes[0].get_title() == "label: 7"  # the image and its colorbar
    assert_whole_pixel_ticks(fig.axes[0])
    matrix = np.eye(10, dtype=int) * 980
    matrix[4, 9] = 12
    texts = [t.get_text() for t in plots.plot_confusion_matrix(matrix).axes[0].texts]
    assert len(texts) == 100 and texts[49] == "12" and texts.count("980") == 10
    counts = plots.plot_class_counts(np.array([0, 0, 1, 9])).axes[0].texts
    assert [t.get_text() for t in counts[:2]] == ["2", "1"]


@pytest.mark.parametrize("true", [5, 3, None])
def test_a_prediction_shows_the_image_its_caption_and_a_red_bar_whether_right_or_wrong(true):
    image_ax, ax = plots.plot_prediction(IMAGES[0], one_hot_like([3])[0], true).axes
    assert len(image_ax.images) == 1
    assert image_ax.get_xlabel() == "predicted 3 (91.0%)" + ("" if true is None else f", true {true}")
    colours = [to_hex(bar.get_facecolor()) for bar in ax.patches]
    assert colours == [RED if digit == 3 else to_hex(plots.GREY) for digit in range(10)]
    markers = [x for line in ax.lines for x in line.get_xdata()]  # drawn above the bars at the true digit
    assert markers == ([] if true is None else [true])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["predicted digit"] + ([] if true is None else ["true digit"])


def test_grid_captions_are_blue_when_right_and_red_and_bold_when_wrong_and_never_overlap():
    p = one_hot_like(LABELS)
    p[[1, 4]] = one_hot_like([3, 3])  # two wrong predictions
    titles = [ax.title for ax in plots.plot_digit_grid(IMAGES, LABELS, p).axes]
    # Not by hue alone: a wrong caption is bold as well.
    marks = [(to_hex(t.get_color()) == RED, t.get_fontweight() == "bold") for t in titles]
    assert marks == [(i in (1, 4),) * 2 for i in range(len(LABELS))]
    right_and_wrong = [t.get_text() for t in titles[:2]]
    assert right_and_wrong == ["predicted 7 (91.0%), true 7", "predicted 3 (91.0%), true 2"]
    fig = plots.plot_digit_grid(IMAGES[:10], LABELS[:10], one_hot_like([8] * 10, confidence=1.0))
    assert any(plots.GRID_KEY in t.get_text() for t in fig.texts)  # the key to the colours
    fig.canvas.draw()
    for row in (fig.axes[:5], fig.axes[5:10]):  # the longest caption: "predicted 8 (>99.9%), true 0"
        boxes = [ax.title.get_window_extent(fig.canvas.get_renderer()) for ax in row]
        assert all(left.x1 < right.x0 for left, right in zip(boxes, boxes[1:])), row[0].get_title()
    fig = plots.plot_digit_grid(IMAGES[:7], LABELS[:7], ncols=5)
    assert [ax.get_title() for ax in fig.axes[:7]] == [str(x) for x in LABELS[:7]]
    assert len(fig.axes) == 10  # two rows of five, three left empty


def test_mistakes_come_most_confident_first_and_no_percentage_reads_100():
    shown = [plots.percent(p) for p in (0.0, 0.1404, 0.9994, 0.99951, 1.0)]
    assert shown == ["0.0%", "14.0%", "99.9%", ">99.9%", ">99.9%"]
    p = one_hot_like([0, 5, 6, 3], confidence=0.6)
    p[2] = one_hot_like([6], confidence=0.99)[0]
    assert plots.most_confident_mistakes(np.arange(4), p, n=5).tolist() == [2, 1]
    p = one_hot_like([5, 6, 2], confidence=1 - 1e-6)  # float32 softmax can round to this
    fig = plots.plot_mistakes(IMAGES[:3], np.arange(3), p)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["predicted 5 (>99.9%), true 0", "predicted 6 (>99.9%), true 1"]


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


@pytest.mark.parametrize("epochs", [1, plots.MAX_EPOCH_TICKS, plots.MAX_EPOCH_TICKS + 1, 60])
def test_history_ticks_every_epoch_of_a_short_run_and_a_few_whole_epochs_of_a_long_one(epochs):
    fig = plots.plot_history(history_of(epochs))
    fig.canvas.draw()
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax in fig.axes:
        assert len(ax.lines) == 2 and len(ax.lines[0].get_xdata()) == epochs  # every epoch is drawn
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        if epochs <= plots.MAX_EPOCH_TICKS:
            assert ticks == list(range(1, epochs + 1))
        else:
            assert 2 <= len(ticks) <= plots.MAX_EPOCH_TICKS and all(float(t).is_integer() for t in ticks)


@pytest.mark.parametrize(
    "name, x_range, jumps", [("relu", (-5, 5), True), ("sigmoid", (-5, 5), False), ("relu", (1, 5), False)]
)
def test_a_derivative_that_jumps_is_drawn_as_a_step_and_a_smooth_one_as_one_line(name, x_range, jumps):
    derivative_ax = plots.plot_activation(name, x_range).axes[1]
    pieces = [line for line in derivative_ax.lines if len(line.get_xdata()) > 2]
    if not jumps:
        assert [len(line.get_xdata()) for line in pieces] == [201]
        return
    assert len(pieces) == 2  # left of 0 and right of 0, no line joining them
    values = np.concatenate([line.get_ydata() for line in pieces])
    assert set(np.unique(values)) == {0.0, 1.0}  # never a value in between: no steep line
    dots = [line for line in derivative_ax.lines if line.get_marker() == "o"]
    faces = {float(dot.get_ydata()[0]): to_hex(dot.get_markerfacecolor()) for dot in dots}
    assert faces == {0.0: to_hex("tab:orange"), 1.0: to_hex("white")}  # filled: relu'(0) is taken as 0


def test_preprocessing_shows_the_three_steps_in_whole_pixels():
    ink = drawing.draw_stroke(np.zeros((280, 280)), [(40, 200), (250, 215)], 22)
    fig = plots.plot_preprocessing(ink)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "1. drawing 280x280, ink box"
    assert titles[1] in ("2. box scaled to 20x3", "2. box scaled to 20x4")
    assert np.array_equal(fig.axes[2].images[0].get_array(), drawing.preprocess_drawing(ink))
    for ax in fig.axes[:3]:
        assert_whole_pixel_ticks(ax)


# --- figures for every reader: grayscale, red-green colour blindness -------------------------------

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
LUMA = [0.299, 0.587, 0.114]


@pytest.mark.parametrize("vision", VISIONS)
def test_the_red_bar_differs_from_the_others_in_lightness(vision):
    fig = plots.plot_prediction(IMAGES[0], one_hot_like([3], 0.6)[0], 5)
    fig.canvas.draw()
    rendered = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255
    boxes = [bar.get_window_extent() for bar in fig.axes[1].patches]  # each bar's centre pixel
    rgb = np.array([rendered[-int((b.y0 + b.y1) / 2), int((b.x0 + b.x1) / 2)] for b in boxes])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ VISIONS[vision].T, 0, 1)
    shown = np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055) @ LUMA
    # A quarter of the grayscale range: the red bar reads as a different bar without its hue.
    assert np.all(np.abs(np.delete(shown, 3) - shown[3]) >= 0.25), (vision, shown.round(2))
    assert to_hex(rgb[3]) == RED  # the post's red stays


def test_curves_in_one_panel_differ_by_line_style_and_marker_and_panels_have_y_labels():
    figures = [
        plots.plot_history(history_of(3)),
        plots.plot_activation("sigmoid"),
        plots.plot_probabilities(one_hot_like([2])[0], 4),
        plots.plot_class_counts(LABELS),
    ]
    for ax in [ax for fig in figures for ax in fig.axes]:
        assert ax.get_ylabel(), f"a panel titled {ax.get_title()!r} has no y label"
        styles = [(line.get_linestyle(), line.get_marker()) for line in ax.lines if len(line.get_xdata()) > 2]
        assert len({s for s, _ in styles}) == len({m for _, m in styles}) == len(styles), styles
