"""Softmax outputs of a trained model, for the figures and widgets that show predictions.

This module does not import Keras: a lesson passes its model in, so widgets that never predict
(and lessons without TensorFlow) stay light.
"""

from __future__ import annotations

import numpy as np

from helpers import checks


def predict(model, images):
    """The model's softmax outputs for ``images`` (n, 28, 28): one row of 10 probabilities per image.

    ``model`` is a Keras model (its ``predict`` is called without a progress bar) or any function
    that maps a batch of images to probabilities. The output is checked and returned as float.
    """
    images = checks.images(images)
    if hasattr(model, "predict"):
        output = model.predict(images, verbose=0)
    elif callable(model):
        output = model(images)
    else:
        raise ValueError(
            f"model must be a Keras model or a function of a batch of images, got {type(model).__name__}."
        )
    return checks.probability_rows(np.asarray(output), len(images), "the model's output")
