"""The drawing pad that works in Colab: core-widget squares, preprocessed like the canvas' drawing."""

import numpy as np
import pytest

from helpers.drawing import preprocess_drawing
from helpers.pixel_pad import grid_to_drawing, pixel_pad


class RecordingModel:
    """Stands in for the trained model: records its inputs, answers 'more ink, higher digit'."""

    def __init__(self):
        self.inputs = []

    def predict(self, batch, verbose=0):
        self.inputs.append(np.array(batch))
        scores = np.arange(10) * float(batch.mean())
        return (np.exp(scores) / np.exp(scores).sum())[None]


def test_clicking_a_square_inks_it_and_clicking_again_erases_it():
    model = RecordingModel()
    pad = pixel_pad(model, squares=10)
    pad.buttons[23].click()
    assert pad.grid[2, 3] == 1 and pad.grid.sum() == 1
    assert pad.buttons[23].style.button_color == "#000000"
    assert {b.style.button_color for i, b in enumerate(pad.buttons) if i != 23} == {"#ffffff"}
    assert pad.probabilities is not None and len(model.inputs) == 1
    pad.buttons[23].click()
    assert pad.grid.sum() == 0 and pad.buttons[23].style.button_color == "#ffffff"
    assert pad.probabilities is None


def test_an_empty_pad_predicts_nothing_and_a_stroke_reaches_the_model_preprocessed_like_the_canvas_drawing():
    model = RecordingModel()
    pad = pixel_pad(model)
    assert pad.probabilities is None and pad.preprocessed is None
    assert "empty" in pad.info.value and model.inputs == []
    assert repr(pad) == "pixel_pad: 16x16 squares, click to draw"
    pad.draw_stroke([(3, 3), (12, 3), (6, 14)])  # a 7
    assert pad.grid[3, 3:13].all() and pad.grid[14, 6] == 1
    expected = preprocess_drawing(grid_to_drawing(pad.grid), ink="light")
    assert np.array_equal(pad.preprocessed, expected)
    assert np.array_equal(model.inputs[-1][0], expected)
    assert pad.probabilities.shape == (10,) and pad.probabilities.sum() == pytest.approx(1)
    assert "prediction: <b>9</b>" in pad.info.value
    (shown,) = pad.output.outputs  # the figure lives in the widget, not in the cell's outputs
    assert shown["data"]["image/png"]
    pad.clear()
    assert pad.grid.sum() == 0 and pad.probabilities is None and pad.output.outputs == ()
    assert "empty" in pad.info.value
    assert {b.style.button_color for b in pad.buttons} == {"#ffffff"}


def test_grid_to_drawing_scales_each_square():
    drawing = grid_to_drawing([[0, 1], [1, 0]], scale=3)
    assert drawing.shape == (6, 6) and drawing[:3, 3:].all() and not drawing[:3, :3].any()
    with pytest.raises(ValueError, match="2-D"):
        grid_to_drawing(np.zeros(4))


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="between 8 and 40"):
        pixel_pad(RecordingModel(), squares=3)
    with pytest.raises(ValueError, match="at least one"):
        pixel_pad(RecordingModel()).draw_stroke([])
