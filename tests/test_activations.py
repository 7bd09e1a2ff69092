"""helpers.activations: the lessons' ReLU, sigmoid, tanh and softmax (tanh itself is NumPy's; the
derivatives' peaks are the activation explorer's, tests/test_widgets.py)."""

import numpy as np
import pytest

from helpers import activations


def test_relu_keeps_positives_and_its_derivative_is_zero_or_one():
    assert activations.relu(np.array([-2.0, -0.5, 0.0, 0.5, 2.0])).tolist() == [0, 0, 0, 0.5, 2]
    assert activations.relu(3) == 3
    assert activations.relu_derivative(np.array([-1.0, 0.0, 1e-9, 4.0])).tolist() == [0, 0, 1, 1]  # 0 at 0


def test_softmax_is_a_probability_distribution_row_by_row_and_stable_where_the_formula_overflows():
    assert np.allclose(
        activations.softmax(np.array([2.0, 1.0, 0.1])), [0.659001, 0.242433, 0.098566], atol=1e-6
    )
    batch = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    assert np.allclose(activations.softmax(batch), [activations.softmax(batch[0]), np.full(3, 1 / 3)])
    z = np.array([1000.0, 1001.0, 1002.0])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(activations.softmax_naive(z)).all()
    assert np.allclose(activations.softmax(z), activations.softmax_naive(z - 1000))


@pytest.mark.parametrize("name", list(activations.WITH_DERIVATIVES))
def test_each_derivative_matches_finite_differences(name):
    function, derivative = activations.WITH_DERIVATIVES[name]
    x = np.linspace(-3.05, 3.05, 62)  # 0 is not a sample: ReLU has no derivative there
    h = 1e-6
    numeric = (function(x + h) - function(x - h)) / (2 * h)
    assert np.allclose(derivative(x), numeric, atol=1e-6)


@pytest.mark.parametrize("name", ["relu", "tanh", "softmax"])
@pytest.mark.parametrize("bad, message", [([], "needs at least one value"), (["a", "b"], "needs numbers")])
def test_bad_input_is_named(name, bad, message):
    with pytest.raises(ValueError, match=rf"{name}\(\) {message}"):
        getattr(activations, name)(np.array(bad))
