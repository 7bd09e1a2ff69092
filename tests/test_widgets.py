"""helpers.widgets, driven from Python as a front end would: set a control's value, read the output."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import activations, drawing, pixel_pad, plots, widgets

pytestmark = pytest.mark.usefixtures("no_figures_left")
SEVEN = [(60, 50), (220, 50), (130, 250)]
DASH = [(40, 200), (250, 215)]


def png(output):
    """The PNG (base64) an Output widget shows; fails if it shows anything else."""
    (shown,) = output.outputs
    return shown["data"]["image/png"]


@pytest.fixture
def mnist_like():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    x[:, :3] = 0  # a black border, as in MNIST: the minimum is 0
    t = rng.integers(0, 10, size=40).astype(np.uint8)
    return x[:30], t[:30], x[30:], t[30:]


# --- activation_explorer ------------------------------------------------------------------------


def test_activation_explorer_redraws_for_each_function():
    explorer = widgets.activation_explorer()
    assert repr(explorer) == "activation_explorer: relu on [-5.0, 5.0]"
    images = {"relu": png(explorer.output)}
    assert "<b>1.000</b>" in explorer.info.value
    explorer.function.value = "sigmoid"
    images["sigmoid"] = png(explorer.output)
    assert "<b>0.250</b>" in explorer.info.value  # sigmoid' peaks at 0.25, at x = 0
    explorer.function.value = "tanh"
    images["tanh"] = png(explorer.output)
    assert "<b>1.000</b>" in explorer.info.value and "tanh" in explorer.info.value
    assert len(set(images.values())) == 3


def test_activation_explorer_range_changes_the_figure():
    explorer = widgets.activation_explorer("sigmoid")
    before = png(explorer.output)
    explorer.x_range.value = (2.0, 8.0)  # 0 is outside: the derivative's peak is at x = 2
    assert png(explorer.output) != before
    expected = activations.sigmoid_derivative(2.0)
    assert f"<b>{expected:.3f}</b>" in explorer.info.value
    assert repr(explorer) == "activation_explorer: sigmoid on [2.0, 8.0]"


def test_activation_explorer_checks_its_arguments():
    with pytest.raises(ValueError, match="function must be one of"):
        widgets.activation_explorer("softplus")
    with pytest.raises(ValueError, match="x_range"):
        widgets.activation_explorer(x_range=(3, 1))


# --- softmax_explorer ---------------------------------------------------------------------------


def test_softmax_explorer_sum_stays_one_and_bars_change():
    explorer = widgets.softmax_explorer()
    assert len(explorer.logits) == 5
    seen = {png(explorer.output)}
    for value in (-5.0, 0.0, 4.9):
        explorer.logits[2].value = value
        seen.add(png(explorer.output))
        assert "<b>1.000</b>" in explorer.total.value
    for temperature in (0.1, 5.0):
        explorer.temperature.value = temperature
        seen.add(png(explorer.output))
        assert "<b>1.000</b>" in explorer.total.value
    assert len(seen) == 6
    assert repr(explorer) == "softmax_explorer: logits 2.0, 1.0, 4.9, -1.0, 0.5; T = 5.0"


def test_softmax_explorer_checks_its_arguments():
    with pytest.raises(ValueError, match="5 numbers"):
        widgets.softmax_explorer(logits=(1, 2))
    with pytest.raises(ValueError, match="temperature"):
        widgets.softmax_explorer(temperature=0)


# --- mnist_browser ------------------------------------------------------------------------------


def test_mnist_browser_label_follows_the_index(mnist_like):
    x_train, t_train, x_test, t_test = mnist_like
    browser = widgets.mnist_browser(x_train, t_train, x_test, t_test)
    assert browser.index.max == len(x_train) - 1
    before = png(browser.output)
    browser.index.value = 7
    assert png(browser.output) != before
    assert f"label <b>{t_train[7]}</b>" in browser.info.value
    browser.split.value = "test"
    assert browser.index.max == len(x_test) - 1 and browser.index.value == 7
    for i in (0, 3, 9):
        browser.index.value = i
        assert f"test image {i}: label <b>{t_test[i]}</b>" in browser.info.value
    assert repr(browser) == "mnist_browser: test image 9, raw pixels"


def test_mnist_browser_shows_raw_and_normalized_ranges(mnist_like):
    browser = widgets.mnist_browser(*mnist_like)
    high = mnist_like[0][0].max()
    assert f"uint8 pixels from <b>0</b> to <b>{high}</b>" in browser.info.value
    raw = png(browser.output)
    browser.view.value = "normalized"
    assert f"float32 pixels from <b>0.000</b> to <b>{high / 255:.3f}</b>" in browser.info.value
    assert png(browser.output) != raw  # the colorbar reads 0-1 instead of 0-255


def test_mnist_browser_wants_raw_pixels(mnist_like):
    x_train, t_train, x_test, t_test = mnist_like
    with pytest.raises(ValueError, match="uint8"):
        widgets.mnist_browser(x_train / 255, t_train, x_test, t_test)
    with pytest.raises(ValueError, match="one digit per image"):
        widgets.mnist_browser(x_train, t_train[:3], x_test, t_test)


# --- prediction_explorer ------------------------------------------------------------------------


def test_prediction_explorer_steps_through_mistakes(mnist_like):
    _, _, x_test, t_test = mnist_like
    predictions = np.full((len(x_test), 10), 0.05)
    predictions[np.arange(len(x_test)), t_test] = 0.55  # right everywhere ...
    wrong = [2, 5]
    for i in wrong:  # ... except here
        predictions[i] = 0.05
        predictions[i, (t_test[i] + 1) % 10] = 0.55
    explorer = widgets.prediction_explorer(predictions, x_test / 255, t_test)
    assert explorer.index.max == len(x_test) - 1
    explorer.index.value = 4
    assert explorer.shown_index() == 4
    assert plots.caption(predictions[4], int(t_test[4])) in explorer.caption.value
    assert "right" in explorer.caption.value
    before = png(explorer.output)
    explorer.mistakes_only.value = True
    assert explorer.index.max == len(wrong) - 1
    assert explorer.shown_index() == 2 and "wrong" in explorer.caption.value
    assert png(explorer.output) != before
    explorer.index.value = 1
    assert explorer.shown_index() == 5
    assert f"test image 5: <b>{plots.caption(predictions[5], int(t_test[5]))}</b>" in explorer.caption.value
    assert repr(explorer) == "prediction_explorer: test image 5 of 10, mistakes only"


def test_prediction_explorer_checks_predictions(mnist_like):
    _, _, x_test, t_test = mnist_like
    with pytest.raises(ValueError, match="predictions for x_test"):
        widgets.prediction_explorer(np.ones((3, 10)) / 10, x_test, t_test)


@pytest.fixture(scope="module")
def tiny_model():
    """An untrained Keras model with the course's input and output shapes."""
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )


def test_prediction_explorer_predicts_with_a_model(mnist_like, tiny_model):
    _, _, x_test, t_test = mnist_like
    x = (x_test / 255).astype(np.float32)
    explorer = widgets.prediction_explorer(tiny_model, x, t_test)
    expected = tiny_model.predict(x, verbose=0)
    explorer.index.value = 3
    assert plots.caption(expected[3], int(t_test[3])) in explorer.caption.value


def stroke_image(points, size=280, width=22):
    return drawing.draw_stroke(np.zeros((size, size)), points, width)


# --- digit_canvas -------------------------------------------------------------------------------


def fake_model(batch):
    """Probabilities that depend on the input: digit = rows of ink (a stand-in for a network)."""
    digit = int((batch[0].sum(axis=1) > 0).sum()) % 10
    probabilities = np.full((1, 10), 0.02)
    probabilities[0, digit] = 0.82
    return probabilities


def test_digit_canvas_starts_empty_and_says_so():
    demo = widgets.digit_canvas(fake_model)
    assert "empty" in demo.info.value
    assert demo.output.outputs[0]["output_type"] == "stream"
    assert demo.probabilities is None


def test_digit_canvas_predicts_the_preprocessed_drawing():
    demo = widgets.digit_canvas(fake_model)
    demo.draw_stroke(SEVEN)
    expected = drawing.preprocess_drawing(stroke_image(SEVEN))
    assert np.allclose(demo.preprocessed, expected, atol=1e-6)
    digit = int((expected.sum(axis=1) > 0).sum()) % 10
    assert demo.probabilities.argmax() == digit
    assert f"prediction: <b>{digit}</b> with probability <b>82.0%</b>" == demo.info.value
    first = png(demo.output)
    demo.draw_stroke(DASH)  # a second stroke changes the input and the figure
    assert png(demo.output) != first
    demo.clear()
    assert "empty" in demo.info.value and not demo.ink.any()


def test_digit_canvas_follows_front_end_mouse_events():
    demo = widgets.digit_canvas(fake_model)
    send = demo.canvas._handle_frontend_event
    send(None, {"event": "mouse_down", "x": 140, "y": 40}, [])
    send(None, {"event": "mouse_move", "x": 140, "y": 240}, [])
    assert demo.probabilities is None  # the prediction comes when the stroke ends
    send(None, {"event": "mouse_up", "x": 140, "y": 240}, [])
    assert demo.probabilities is not None and demo.ink[140, 140] == 1
    send(None, {"event": "mouse_move", "x": 10, "y": 10}, [])  # no button down: no ink
    assert demo.ink[10, 10] == 0


def test_digit_canvas_with_a_keras_model(tiny_model):
    demo = widgets.digit_canvas(tiny_model)
    demo.draw_stroke(SEVEN)
    expected = tiny_model.predict(demo.preprocessed[None], verbose=0)[0]
    assert np.allclose(demo.probabilities, expected, atol=1e-6)
    assert np.isclose(demo.probabilities.sum(), 1, atol=1e-5)


# --- no figure leaks ----------------------------------------------------------------------------


def test_no_figure_leak_in_any_widget(mnist_like):
    # Every widget draws through the same code; a leak shows from the first update, three suffice.
    before = len(plt.get_fignums())
    moves = [
        (widgets.softmax_explorer(), lambda e, i: setattr(e.logits[0], "value", i / 2)),
        (widgets.activation_explorer(), lambda e, i: setattr(e.x_range, "value", (-5.0, 1.0 + i))),
        (widgets.mnist_browser(*mnist_like), lambda e, i: setattr(e.index, "value", i)),
        (
            widgets.prediction_explorer(np.full((10, 10), 0.1), mnist_like[2], mnist_like[3]),
            lambda e, i: setattr(e.index, "value", i),
        ),
        (widgets.digit_canvas(fake_model), lambda e, i: e.draw_stroke([(50 + 10 * i, 60), (150, 200)])),
        (pixel_pad.pixel_pad(fake_model), lambda e, i: e.draw_stroke([(i, 2), (i, 12)])),
    ]
    for explorer, move in moves:
        for i in range(1, 4):
            move(explorer, i)
        assert len(plt.get_fignums()) == before, repr(explorer)
