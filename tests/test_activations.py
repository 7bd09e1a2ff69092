"""helpers.activations: the lessons' ReLU, sigmoid, tanh and softmax."""

import numpy as np
import pytest

from helpers import activations


def test_relu_keeps_positives_and_zeroes_the_rest():
    assert activations.relu(np.array([-2.0, -0.5, 0.0, 0.5, 2.0])).tolist() == [0, 0, 0, 0.5, 2]
    assert activations.relu(3) == 3


def test_relu_derivative_is_zero_or_one():
    assert activations.relu_derivative(np.array([-1.0, 0.0, 1e-9, 4.0])).tolist() == [0, 0, 1, 1]


def test_sigmoid_derivative_peaks_at_a_quarter():
    x = np.linspace(-5, 5, 101)
    d = activations.sigmoid_derivative(x)
    assert d.max() == pytest.approx(0.25) and x[d.argmax()] == 0.0
    assert d[0] < 0.01


def test_softmax_is_a_probability_distribution():
    p = activations.softmax(np.array([2.0, 1.0, 0.1]))
    assert p.sum() == pytest.approx(1.0)
    assert np.allclose(p, [0.659001, 0.242433, 0.098566], atol=1e-6)


def test_softmax_is_stable_where_the_naive_formula_overflows():
    z = np.array([1000.0, 1001.0, 1002.0])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(activations.softmax_naive(z)).all()
    assert np.allclose(activations.softmax(z), activations.softmax(z - 1000))
    assert np.allclose(activations.softmax(z - 1000), activations.softmax_naive(z - 1000))


def test_softmax_works_row_by_row_on_a_batch():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    p = activations.softmax(z)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(p[1], 1 / 3)
    assert np.allclose(p[0], activations.softmax(z[0]))


@pytest.mark.parametrize(
    "bad, message", [(np.array([]), "at least one value"), (np.array(["a", "b"]), "needs numbers")]
)
def test_bad_input_is_named(bad, message):
    with pytest.raises(ValueError, match=message):
        activations.softmax(bad)
    with pytest.raises(ValueError, match=message):
        activations.relu(bad)


# --- tanh, and every function's derivative ------------------------------------------------------


def test_tanh_matches_numpy_and_is_odd():
    x = np.linspace(-4, 4, 81)
    assert np.allclose(activations.tanh(x), np.tanh(x))
    assert np.allclose(activations.tanh(-x), -activations.tanh(x))
    assert activations.tanh_derivative(0.0) == 1.0


@pytest.mark.parametrize("name", list(activations.WITH_DERIVATIVES))
def test_each_derivative_matches_finite_differences(name):
    function, derivative = activations.WITH_DERIVATIVES[name]
    x = np.linspace(-3.05, 3.05, 62)  # 0 is not a sample: ReLU has no derivative there
    h = 1e-6
    numeric = (function(x + h) - function(x - h)) / (2 * h)
    assert np.allclose(derivative(x), numeric, atol=1e-6)


def test_tanh_rejects_text():
    with pytest.raises(ValueError, match="tanh"):
        activations.tanh(["a"])
