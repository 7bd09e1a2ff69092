"""helpers.checks and helpers.prediction: one place that says what is wrong with an input."""

import numpy as np
import pytest

from helpers import checks
from helpers.prediction import predict

IMAGES = np.zeros((3, 28, 28), dtype=np.uint8)


def uniform(batch):
    return np.full((len(batch), 10), 0.1)


class KerasLike:
    """Stands in for a Keras model: ``predict(x, verbose=0)``."""

    def predict(self, x, verbose=1):
        assert verbose == 0  # no progress bar in a lesson's output
        return uniform(x)


def test_right_input_comes_back_as_arrays():
    assert checks.images(IMAGES, pixels="raw").dtype == np.uint8
    assert checks.images(IMAGES / 255, pixels="normalized").dtype.kind == "f"
    assert checks.labels([1, 2, 3], 3).tolist() == [1, 2, 3]
    assert checks.label(np.uint8(7)) == 7 and checks.label(None) is None
    assert checks.probability_row([0.1] * 10).shape == (10,)
    assert checks.probability_rows(np.full((3, 10), 0.1), 3).shape == (3, 10)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: checks.image(np.zeros((28, 27))), r"one 28x28 MNIST image, got shape \(28, 27\)"),
        (lambda: checks.images(np.zeros((0, 28, 28))), "non-empty stack"),
        (lambda: checks.images(np.zeros((3, 784)), "x_train"), r"x_train .* shape \(n, 28, 28\)"),
        (lambda: checks.images(IMAGES / 255, pixels="raw"), "raw uint8 pixels"),
        (lambda: checks.images(IMAGES, pixels="normalized"), "normalize the uint8 images first"),
        (lambda: checks.images(np.full((3, 28, 28), 255.0), pixels="normalized"), r"in \[0, 1\]"),
        (lambda: checks.images(IMAGES, pixels="scaled"), "pixels must be"),
        (lambda: checks.label(10, "true_label"), "true_label must be a digit from 0 to 9, got 10"),
        (lambda: checks.label(3.0), "digit"),
        (lambda: checks.labels(np.eye(10)[:3], 3), "not one-hot rows"),
        (lambda: checks.labels([1, 2], 3, "t_test"), r"t_test must hold one digit per image, shape \(3,\)"),
        (lambda: checks.labels([1.5, 2, 3], 3), "integer digits"),
        (lambda: checks.probability_row(np.full(9, 0.1)), "10 values per image"),
        (lambda: checks.probability_row(np.full((2, 10), 0.1)), "one row of 10"),
        (lambda: checks.probability_rows(np.full((2, 10), 0.1), 3), r"one row per image \(3\)"),
        (lambda: checks.probability_rows(np.full((2, 10), 1.5)), "between 0 and 1"),
        (lambda: predict("model", IMAGES), "Keras model or a function"),
        (lambda: predict(lambda batch: uniform(batch[:1]), IMAGES), "model's output must have one row per"),
    ],
)
def test_bad_input_is_named_with_what_is_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("model", [uniform, KerasLike()])
def test_predict_takes_a_model_or_a_function(model):
    assert np.array_equal(predict(model, IMAGES), np.full((3, 10), 0.1))
