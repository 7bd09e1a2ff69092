"""helpers.widgets, driven from Python as a front end would: set a control's value, read the output."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import activations, drawing, pixel_pad, plots, widgets

SEVEN = [(60, 50), (220, 50), (130, 250)]
_rng = np.random.default_rng(0)
X = _rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
X[:, :3] = 0  # a black border, as in MNIST: the minimum is 0
T = _rng.integers(0, 10, size=40).astype(np.uint8)
X_TRAIN, T_TRAIN, X_TEST, T_TEST = X[:30], T[:30], X[30:], T[30:]


@pytest.fixture(autouse=True)
def no_figure_leaks():
    """Every widget redraws into its Output: a figure left open on each update would pile up."""
    yield
    left = plt.get_fignums()
    plt.close("all")
    assert left == [], "a widget left figures open"


def png(output):
    """The PNG (base64) an Output widget shows; fails if it shows anything else."""
    (shown,) = output.outputs
    return shown["data"]["image/png"]


def ink_rows(image):
    """The digit ``fake_model`` sees in ``image``: its rows of ink, modulo 10."""
    return int((image.sum(axis=1) > 0).sum()) % 10


def fake_model(batch):
    """Probabilities that depend on the input (a stand-in for a network)."""
    probabilities = np.full((1, 10), 0.02)
    probabilities[0, ink_rows(batch[0])] = 0.82
    return probabilities


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: widgets.activation_explorer("softplus"), "function must be one of"),
        (lambda: widgets.activation_explorer(x_range=(3, 1)), "x_range"),
        (lambda: widgets.softmax_explorer(logits=(1, 2)), "5 numbers"),
        (lambda: widgets.softmax_explorer(temperature=0), "temperature"),
        (lambda: widgets.mnist_browser(X_TRAIN / 255, T_TRAIN, X_TEST, T_TEST), "uint8"),
        (lambda: widgets.mnist_browser(X_TRAIN, T_TRAIN[:3], X_TEST, T_TEST), "one digit per image"),
        (lambda: widgets.prediction_explorer(np.full((3, 10), 0.1), X_TEST, T_TEST), "for x_test"),
        (lambda: widgets.digit_canvas(fake_model).draw_stroke([]), "at least one"),
        (lambda: pixel_pad.pixel_pad(fake_model).draw_stroke([]), "at least one"),
        (lambda: pixel_pad.pixel_pad(fake_model, squares=3), "between 8 and 40"),
        (lambda: pixel_pad.grid_to_drawing(np.zeros(4)), "2-D"),
    ],
)
def test_bad_arguments_say_what_is_wrong(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_activation_explorer_redraws_for_each_function_and_range():
    explorer = widgets.activation_explorer("sigmoid")
    images = set()
    for name, peak in (("sigmoid", 0.25), ("relu", 1.0), ("tanh", 1.0)):  # each derivative's peak, at 0
        explorer.function.value = name
        images.add(png(explorer.output))
        assert f"<b>{name}</b>" in explorer.info.value and f"<b>{peak:.3f}</b>" in explorer.info.value
    explorer.function.value = "sigmoid"
    explorer.x_range.value = (2.0, 8.0)  # 0 is outside: the derivative's peak is at x = 2
    images.add(png(explorer.output))
    assert len(images) == 4 and f"<b>{activations.sigmoid_derivative(2.0):.3f}</b>" in explorer.info.value
    assert repr(explorer) == "activation_explorer: sigmoid on [2.0, 8.0]"


def test_softmax_explorer_sum_stays_one_and_bars_change():
    explorer = widgets.softmax_explorer()
    seen = {png(explorer.output)}
    moves = [(explorer.logits[2], value) for value in (-5.0, 0.0, 4.9)]
    for slider, value in moves + [(explorer.temperature, t) for t in (0.1, 5.0)]:
        slider.value = value
        seen.add(png(explorer.output))
        assert "<b>1.000</b>" in explorer.total.value
    assert len(seen) == 6
    assert repr(explorer) == "softmax_explorer: logits 2.0, 1.0, 4.9, -1.0, 0.5; T = 5.0"


def test_mnist_browser_follows_the_index_the_set_and_the_pixel_view():
    browser = widgets.mnist_browser(X_TRAIN, T_TRAIN, X_TEST, T_TEST)
    assert f"uint8 pixels from <b>0</b> to <b>{X_TRAIN[0].max()}</b>" in browser.info.value
    raw = png(browser.output)
    browser.view.value = "normalized"
    assert f"float32 pixels from <b>0.000</b> to <b>{X_TRAIN[0].max() / 255:.3f}</b>" in browser.info.value
    assert png(browser.output) != raw  # the colorbar reads 0-1 instead of 0-255
    browser.view.value = "raw"
    browser.index.value = 7
    assert png(browser.output) != raw and f"label <b>{T_TRAIN[7]}</b>" in browser.info.value
    browser.split.value = "test"
    assert browser.index.max == len(X_TEST) - 1 and browser.index.value == 7
    for i in (0, 9):
        browser.index.value = i
        assert f"test image {i}: label <b>{T_TEST[i]}</b>" in browser.info.value
    assert repr(browser) == "mnist_browser: test image 9, raw pixels"


def test_prediction_explorer_steps_through_mistakes():
    predicted = T_TEST.copy()
    predicted[[2, 5]] += 1  # two wrong predictions
    predictions = np.full((len(X_TEST), 10), 0.05)
    predictions[np.arange(len(X_TEST)), predicted % 10] = 0.55
    explorer = widgets.prediction_explorer(predictions, X_TEST / 255, T_TEST)
    explorer.index.value = 4
    assert explorer.shown_index() == 4 and "right" in explorer.caption.value
    assert plots.caption(predictions[4], int(T_TEST[4])) in explorer.caption.value
    before = png(explorer.output)
    explorer.mistakes_only.value = True
    assert explorer.index.max == 1 and explorer.shown_index() == 2 and "wrong" in explorer.caption.value
    assert png(explorer.output) != before
    explorer.index.value = 1
    assert f"test image 5: <b>{plots.caption(predictions[5], int(T_TEST[5]))}</b>" in explorer.caption.value
    assert repr(explorer) == "prediction_explorer: test image 5 of 10, mistakes only"


def test_prediction_explorer_and_digit_canvas_predict_with_a_keras_model():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(  # untrained, with the course's input and output shapes
        [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    x = (X_TEST / 255).astype(np.float32)
    explorer = widgets.prediction_explorer(model, x, T_TEST)
    explorer.index.value = 3
    assert plots.caption(model.predict(x, verbose=0)[3], int(T_TEST[3])) in explorer.caption.value
    demo = widgets.digit_canvas(model)
    demo.draw_stroke(SEVEN)
    assert np.allclose(demo.probabilities, model.predict(demo.preprocessed[None], verbose=0)[0], atol=1e-6)


def test_digit_canvas_predicts_the_preprocessed_drawing_from_strokes_and_mouse_events():
    demo = widgets.digit_canvas(fake_model)
    assert "empty" in demo.info.value and demo.probabilities is None
    demo.draw_stroke(SEVEN)
    expected = drawing.preprocess_drawing(drawing.draw_stroke(np.zeros((280, 280)), SEVEN, 22))
    assert np.allclose(demo.preprocessed, expected, atol=1e-6)
    assert demo.info.value == f"prediction: <b>{ink_rows(expected)}</b> with probability <b>82.0%</b>"
    first = png(demo.output)
    demo.draw_stroke([(40, 200), (250, 215)])  # a second stroke changes the input and the figure
    assert png(demo.output) != first
    demo.clear()
    assert "empty" in demo.info.value and not demo.ink.any()
    send = demo.canvas._handle_frontend_event
    send(None, {"event": "mouse_down", "x": 140, "y": 40}, [])
    send(None, {"event": "mouse_move", "x": 140, "y": 240}, [])
    assert demo.probabilities is None  # the prediction comes when the stroke ends
    send(None, {"event": "mouse_up", "x": 140, "y": 240}, [])
    assert demo.probabilities is not None and demo.ink[140, 140] == 1
    send(None, {"event": "mouse_move", "x": 10, "y": 10}, [])  # no button down: no ink
    assert demo.ink[10, 10] == 0


def test_pixel_pad_predicts_its_squares_preprocessed_like_the_canvas_drawing():
    seen = []
    pad = pixel_pad.pixel_pad(lambda batch: seen.append(batch) or fake_model(batch), squares=10)

    def colours():
        return {i: b.style.button_color for i, b in enumerate(pad.buttons)}

    assert pad.probabilities is None and seen == [] and "empty" in pad.info.value
    pad.buttons[23].click()  # clicking a square inks it, clicking again erases it
    assert pad.grid[2, 3] == 1 and pad.grid.sum() == 1 and len(seen) == 1  # one prediction a click
    assert colours() == {**dict.fromkeys(range(100), "#ffffff"), 23: "#000000"}  # black ink on white
    pad.buttons[23].click()
    assert pad.grid.sum() == 0 and pad.probabilities is None and set(colours().values()) == {"#ffffff"}
    pad.draw_stroke([(3, 3), (8, 3), (5, 9)])  # a 7
    assert pad.grid[3, 3:9].all() and pad.grid[9, 5] == 1
    expected = drawing.preprocess_drawing(pixel_pad.grid_to_drawing(pad.grid), ink="light")
    assert np.array_equal(pad.preprocessed, expected) and np.array_equal(seen[-1][0], expected)
    assert f"prediction: <b>{ink_rows(expected)}</b>" in pad.info.value and png(pad.output)
    pad.clear()
    assert pad.grid.sum() == 0 and pad.probabilities is None and pad.output.outputs == ()
    assert set(colours().values()) == {"#ffffff"}
    scaled = pixel_pad.grid_to_drawing([[0, 1], [1, 0]], scale=3)
    assert scaled.shape == (6, 6) and scaled[:3, 3:].all() and not scaled[:3, :3].any()
