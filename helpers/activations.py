"""Activation functions with NumPy, as the lessons define them (ReLU in 01, softmax in 02).

``tanh`` is here for the activation explorer widget of lesson 01 (``helpers.widgets``);
``WITH_DERIVATIVES`` names the functions a figure or widget can draw with their derivatives.
"""

import numpy as np


def _as_float_array(values, name):
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name}() needs numbers, got an array of dtype {array.dtype}.")
    if array.size == 0:
        raise ValueError(f"{name}() needs at least one value, got an empty array.")
    return array


def relu(x):
    """Rectified linear unit, element-wise: x where x > 0, else 0."""
    return np.maximum(0, _as_float_array(x, "relu"))


def relu_derivative(x):
    """Derivative of ReLU, element-wise: 1 where x > 0, else 0 (0 is used at x = 0)."""
    return (_as_float_array(x, "relu_derivative") > 0).astype(float)


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), element-wise."""
    return 1.0 / (1.0 + np.exp(-_as_float_array(x, "sigmoid")))


def sigmoid_derivative(x):
    """Derivative of the sigmoid, s(x) * (1 - s(x)): at most 0.25, near 0 for large |x|."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    """Hyperbolic tangent, element-wise: like a sigmoid stretched to (-1, 1) and centred at 0."""
    return np.tanh(_as_float_array(x, "tanh"))


def tanh_derivative(x):
    """Derivative of tanh, 1 - tanh(x)**2: at most 1 (at x = 0), near 0 for large |x|."""
    return 1.0 - tanh(x) ** 2


# name -> (function, derivative): the choices of helpers.plots.plot_activation and its widget.
WITH_DERIVATIVES = {
    "relu": (relu, relu_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
}


def softmax_naive(z):
    """Softmax exactly as the formula reads: exp(z) / sum(exp(z)). Overflows for large z."""
    exp_z = np.exp(_as_float_array(z, "softmax_naive"))
    return exp_z / np.sum(exp_z)


def softmax(z, axis=-1):
    """Numerically stable softmax along ``axis``: the largest value is subtracted before exp().

    Subtracting a constant from every logit leaves the result unchanged (it cancels between
    numerator and denominator) but keeps exp() from overflowing. Works on one vector of logits
    or on a batch (one row per example, with the default ``axis=-1``).
    """
    z = _as_float_array(z, "softmax")
    exp_z = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return exp_z / np.sum(exp_z, axis=axis, keepdims=True)
