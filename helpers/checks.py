"""Checks of what a lesson passes in: images, digit labels and softmax outputs.

Each function returns its input as a NumPy array (or an int) when it is right, and otherwise raises
``ValueError`` with a message that names the argument, says what is wrong and what is expected.
The model, the figures and the widgets all check their input here, so a mistake reads the same
wherever it is made.
"""

from __future__ import annotations

import numpy as np

from helpers.data import IMAGE_SHAPE, NUM_CLASSES

_SIZE = "x".join(map(str, IMAGE_SHAPE))  # "28x28"


def image(value, name="image"):
    """One MNIST image: shape (28, 28), any pixel scale."""
    value = np.asarray(value)
    if value.shape != IMAGE_SHAPE:
        raise ValueError(f"{name} must be one {_SIZE} MNIST image, got shape {value.shape}.")
    return value


def images(value, name="images", *, pixels=None):
    """A non-empty stack of MNIST images, shape (n, 28, 28).

    ``pixels="raw"`` also requires the uint8 values 0-255 of ``helpers.data.load_mnist()``;
    ``pixels="normalized"`` requires float values in [0, 1] (``helpers.data.normalize``).
    """
    if pixels not in (None, "raw", "normalized"):
        raise ValueError(f"pixels must be None, 'raw' or 'normalized', got {pixels!r}.")
    value = np.asarray(value)
    if value.ndim != 3 or value.shape[1:] != IMAGE_SHAPE or len(value) == 0:
        raise ValueError(
            f"{name} must be a non-empty stack of {_SIZE} images, shape (n, "
            f"{', '.join(map(str, IMAGE_SHAPE))}), got shape {value.shape}."
        )
    if pixels == "raw" and value.dtype != np.uint8:
        raise ValueError(
            f"{name} must hold the raw uint8 pixels (0-255) of load_mnist(), "
            f"got dtype {value.dtype}: pass the images before normalizing them."
        )
    if pixels == "normalized" and (value.dtype.kind != "f" or value.min() < 0 or value.max() > 1):
        raise ValueError(
            f"{name} must be float pixels in [0, 1]: normalize the uint8 images "
            "first (helpers.data.normalize)."
        )
    return value


def label(value, name="label"):
    """One digit 0-9, as an int; ``None`` (no label) passes through."""
    if value is None:
        return None
    if not (isinstance(value, (int, np.integer)) and 0 <= value < NUM_CLASSES):
        raise ValueError(f"{name} must be a digit from 0 to {NUM_CLASSES - 1}, got {value!r}.")
    return int(value)


def labels(value, count, name="labels"):
    """One integer digit 0-9 per image: shape (count,)."""
    value = np.asarray(value)
    if value.shape != (count,):
        # One-hot rows are the likeliest mix-up after lesson 04: say so.
        hint = " (pass the integer digits, not one-hot rows)" if value.shape == (count, NUM_CLASSES) else ""
        raise ValueError(
            f"{name} must hold one digit per image, shape ({count},), got shape {value.shape}{hint}."
        )
    if value.dtype.kind not in "iu" or value.min() < 0 or value.max() >= NUM_CLASSES:
        raise ValueError(f"{name} must be integer digits from 0 to {NUM_CLASSES - 1}.")
    return value


def probability_row(value, name="probabilities"):
    """The softmax output for one image: 10 values in [0, 1], as float."""
    value = _probabilities(value, name)
    if value.ndim != 1:
        raise ValueError(f"{name} must be one row of {NUM_CLASSES} values, got shape {value.shape}.")
    return value


def probability_rows(value, count=None, name="probabilities"):
    """Softmax outputs, one row of 10 values in [0, 1] per image; ``count`` rows when given."""
    value = _probabilities(value, name)
    if value.ndim != 2 or (count is not None and len(value) != count):
        rows = "one row per image" + (f" ({count})" if count is not None else "")
        raise ValueError(f"{name} must have {rows}, shape (n, {NUM_CLASSES}), got shape {value.shape}.")
    return value


def _probabilities(value, name):
    value = np.asarray(value, dtype=float)
    if value.shape[-1:] != (NUM_CLASSES,):
        raise ValueError(
            f"{name} must have {NUM_CLASSES} values per image (one per digit), got shape {value.shape}."
        )
    if np.any(value < 0) or np.any(value > 1):
        raise ValueError(f"{name} must be softmax outputs between 0 and 1.")
    return value
