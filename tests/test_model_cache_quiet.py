"""helpers.model: loading cached weights is silent, so a lesson's output is the same cold or warm."""

import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from helpers import model as post  # noqa: E402


def test_loading_cached_weights_warns_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(post.CACHE_ENV_VAR, str(tmp_path))
    rng = np.random.default_rng(0)
    x = rng.random((200, 28, 28), dtype=np.float32)
    t = rng.integers(0, 10, 200)
    trained, _ = post.train_post_model(x, t, cache=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded, _ = post.train_post_model(x, t, cache=True)
    assert [str(w.message) for w in caught] == []
    assert loaded.optimizer is not None and type(loaded.optimizer).__name__ == "Adam"
    assert np.array_equal(trained.predict(x[:20], verbose=0), loaded.predict(x[:20], verbose=0))
