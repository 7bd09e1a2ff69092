"""helpers.model: the post's architecture, its recipe, and the weight cache."""

import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from helpers import model as post  # noqa: E402 (only once Keras is known to import)


@pytest.fixture(scope="module")
def small_data(mnist):
    from helpers.data import normalize

    (x_train, t_train), _ = mnist
    return normalize(x_train[:2000]), t_train[:2000]


def test_architecture_and_recipe_are_the_posts():
    model = post.compile_model(post.build_model())
    assert [type(layer).__name__ for layer in model.layers] == ["Flatten", "Dense", "Dense"]
    assert [layer.units for layer in model.layers[1:]] == [100, 10]
    assert [layer.activation.__name__ for layer in model.layers[1:]] == ["relu", "softmax"]
    assert model.count_params() == 784 * 100 + 100 + 100 * 10 + 10
    assert type(model.optimizer).__name__ == "Adam" and model.loss == "categorical_crossentropy"


def test_training_is_reproducible_learns_and_is_cached_only_when_asked(small_data, tmp_path, monkeypatch):
    monkeypatch.setenv(post.CACHE_ENV_VAR, str(tmp_path))
    x, t = small_data
    first, history = post.train_post_model(x, t)
    assert list(tmp_path.iterdir()) == []
    assert len(history["loss"]) == post.RECIPE["epochs"]
    assert history["loss"][-1] < history["loss"][0] and history["accuracy"][-1] > 0.9
    trained, trained_history = post.train_post_model(x, t, cache=True)  # trains again: nothing cached
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".h5", ".json"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded, cached_history = post.train_post_model(x, t, cache=True)
    assert [str(w.message) for w in caught] == [] and cached_history == trained_history
    assert type(loaded.optimizer).__name__ == "Adam"
    predictions = [m.predict(x[:50], verbose=0) for m in (first, trained, loaded)]
    assert np.array_equal(predictions[0], predictions[1]) and np.array_equal(predictions[1], predictions[2])


def test_the_cache_is_keyed_on_data_and_seed(small_data):
    x, t = small_data
    changed = t.copy()
    changed[0] = (changed[0] + 1) % 10
    key = post.cache_path(x, t)
    assert key == post.cache_path(x, t, seed=post.RECIPE["seed"])
    others = [post.cache_path(x[:1000], t[:1000]), post.cache_path(x, changed), post.cache_path(x, t, seed=0)]
    assert key not in others


@pytest.mark.parametrize(  # the images and the labels are checked (what each check says is test_checks')
    "x, t, message",
    [
        (np.zeros((4, 28, 28), np.uint8), np.zeros(4, int), r"float pixels in \[0, 1\]"),
        (np.zeros((4, 28, 28), np.float32), np.eye(10)[:4], "not one-hot rows"),
    ],
)
def test_bad_training_data_is_named(x, t, message):
    with pytest.raises(ValueError, match=message):
        post.train_post_model(x, t)
