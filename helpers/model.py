"""The post's model and training recipe, for lessons that need a trained network.

Lessons 05 and 06 build and train the model in the notebook, step by step; this module holds the
same recipe so that later lessons (and widgets) can get a trained model without repeating it.
Import it only after setting the TensorFlow environment variables of the lesson's setup cell.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import keras
import numpy as np

from helpers import checks
from helpers.data import IMAGE_SHAPE, NUM_CLASSES

# The post's recipe: Flatten -> Dense(100, relu) -> Dense(10, softmax), adam, 10 epochs of 100.
RECIPE = {
    "hidden_units": 100,
    "optimizer": "adam",
    "loss": "categorical_crossentropy",
    "epochs": 10,
    "batch_size": 100,
    "seed": 42,
}
CACHE_ENV_VAR = "DLA_CACHE_DIR"


def build_model(hidden_units=RECIPE["hidden_units"]):
    """Return the post's (uncompiled) network: 28x28 input, Flatten, Dense(relu), Dense(10, softmax)."""
    return keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Flatten(),
            keras.layers.Dense(units=hidden_units, activation="relu"),
            keras.layers.Dense(units=NUM_CLASSES, activation="softmax"),
        ]
    )


def compile_model(model):
    """Compile ``model`` as the post does: adam, categorical cross-entropy, accuracy. Returns it."""
    model.compile(optimizer=RECIPE["optimizer"], loss=RECIPE["loss"], metrics=["accuracy"])
    return model


def train_post_model(x_train, t_train, *, seed=RECIPE["seed"], cache=False, verbose=0):
    """Build, compile and train the post's model on normalized images and integer targets.

    ``x_train``: float images in [0, 1], shape (n, 28, 28) (``helpers.data.normalize``);
    ``t_train``: integer digits 0-9, shape (n,); they are one-hot encoded here, as in the post.
    The seed (the recipe's 42 unless ``seed`` says otherwise) is fixed, so the same data gives the
    same weights on the same CPU.

    With ``cache=True`` the trained weights are kept on disk (``$DLA_CACHE_DIR``, by default
    ``~/.cache/dl-architecture``) under a key made of the recipe and seed, the Keras version and a digest of
    the data, and are loaded instead of training again. Returns ``(model, history)``, where
    ``history`` is the dict of per-epoch metrics that ``model.fit`` records.
    """
    x_train = checks.images(x_train, "x_train", pixels="normalized")
    t_train = checks.labels(t_train, len(x_train), "t_train")
    path = cache_path(x_train, t_train, seed) if cache else None
    if path is not None and path.with_suffix(".json").is_file():
        # Load before compiling: the file also holds the trained optimizer's state, and loading it
        # into a compiled (but unbuilt) optimizer makes Keras warn on stderr. Only weights matter.
        model = build_model()
        model.load_weights(path.with_suffix(".weights.h5"))
        compile_model(model)
        history = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return model, history

    keras.utils.set_random_seed(seed)
    model = compile_model(build_model())
    fit = model.fit(
        x_train,
        keras.utils.to_categorical(t_train, NUM_CLASSES),
        epochs=RECIPE["epochs"],
        batch_size=RECIPE["batch_size"],
        verbose=verbose,
    )
    history = {name: [float(v) for v in values] for name, values in fit.history.items()}
    if path is not None:
        _save(model, history, path)
    return model, history


def cache_path(x_train, t_train, seed=RECIPE["seed"]):
    """Where ``train_post_model(..., cache=True)`` keeps the weights for this data, recipe and seed."""
    digest = hashlib.sha256()
    digest.update(json.dumps({**RECIPE, "seed": seed}, sort_keys=True).encode())
    digest.update(keras.__version__.encode())
    for array in (x_train, t_train):
        digest.update(str((array.shape, array.dtype.str)).encode())
        digest.update(np.ascontiguousarray(array))  # hashes the buffer: no 188 MB copy
    root = os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "dl-architecture"
    return Path(root) / f"post-model-{digest.hexdigest()[:16]}"


def _save(model, history, path):
    # Write to temporary names, then rename: two kernels training at once never leave half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        weights = Path(tmp) / "model.weights.h5"
        model.save_weights(weights)
        os.replace(weights, path.with_suffix(".weights.h5"))
        meta = Path(tmp) / "history.json"
        meta.write_text(json.dumps(history), encoding="utf-8")
        os.replace(meta, path.with_suffix(".json"))
