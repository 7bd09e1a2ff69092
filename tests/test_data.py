"""helpers.data: the verified MNIST loader, its error messages and the normalization."""

import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from helpers import data
from helpers.data import MNISTError


def save_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.fixture
def arrays(mnist):
    """The four MNIST arrays under their npz keys: a fresh dict whose entries a test may replace
    (never change an array in place: the arrays are the session's)."""
    (x_train, y_train), (x_test, y_test) = mnist
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


@pytest.fixture(scope="module")
def good_npz(mnist, tmp_path_factory):
    """A canonical mnist.npz written from the session's arrays (the tests never touch the real file)."""
    (x_train, y_train), (x_test, y_test) = mnist
    return save_npz(
        tmp_path_factory.mktemp("data") / "mnist.npz",
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
    )


# --- the canonical data -------------------------------------------------------------------------


def test_load_mnist_returns_what_keras_returns(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    assert (x_train.shape, t_train.shape) == ((60000, 28, 28), (60000,))
    assert (x_test.shape, t_test.shape) == ((10000, 28, 28), (10000,))
    assert {a.dtype for a in (x_train, t_train, x_test, t_test)} == {np.dtype(np.uint8)}
    assert t_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert t_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(t_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    scaled = x_train / 255.0
    assert round(scaled.mean(), 4) == 0.1307 and round(scaled.std(), 4) == 0.3081


def test_verifying_the_digests_copies_no_array(mnist):
    # Hashing must read the arrays' buffers in place: a copy of x_train alone is 47 MB. Measured
    # in bytes allocated, not in seconds, so a busy machine cannot make it fail.
    (x_train, t_train), (x_test, t_test) = mnist
    arrays = {"x_train": x_train, "y_train": t_train, "x_test": x_test, "y_test": t_test}
    tracemalloc.start()
    try:
        data.verify(arrays, "test")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < x_test.nbytes / 10


def test_normalize_gives_float32_in_unit_range(mnist):
    (x_train, _), _ = mnist
    scaled = data.normalize(x_train[:100])
    assert scaled.dtype == np.float32
    assert scaled.min() == 0.0 and scaled.max() == 1.0
    assert np.allclose(scaled * 255, x_train[:100])
    assert x_train.dtype == np.uint8  # the input is left alone


def test_normalize_refuses_already_scaled_images():
    with pytest.raises(ValueError, match="uint8.*only once"):
        data.normalize(np.zeros((2, 28, 28), dtype=np.float32))


# --- each failure, with a message that says what to do ------------------------------------------


def test_missing_file(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "nowhere.npz"))
    with pytest.raises(MNISTError, match="no such file") as error:
        data.load_mnist()
    assert "nowhere.npz" in str(error.value) and "unset MNIST_NPZ" in str(error.value)


def test_not_an_npz_file(monkeypatch, tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("this is not a zip archive")
    monkeypatch.setenv("MNIST_NPZ", str(path))
    with pytest.raises(MNISTError, match="not a readable .npz file") as error:
        data.load_mnist()
    assert str(path) in str(error.value) and "fresh copy" in str(error.value)


def test_truncated_file(monkeypatch, tmp_path, good_npz):
    whole = good_npz.read_bytes()
    path = tmp_path / "mnist.npz"
    path.write_bytes(whole[: len(whole) // 2])
    monkeypatch.setenv("MNIST_NPZ", str(path))
    with pytest.raises(MNISTError, match="truncated or damaged"):
        data.load_mnist()


def test_wrong_keys(monkeypatch, tmp_path, arrays):
    path = save_npz(tmp_path / "mnist.npz", x_train=arrays["x_train"], labels=arrays["y_train"])
    monkeypatch.setenv("MNIST_NPZ", str(path))
    with pytest.raises(MNISTError, match="missing: y_train, x_test, y_test"):
        data.load_mnist()


def test_wrong_shape(monkeypatch, tmp_path, arrays):
    arrays["x_test"] = arrays["x_test"][:9000]
    path = save_npz(tmp_path / "mnist.npz", **arrays)
    monkeypatch.setenv("MNIST_NPZ", str(path))
    with pytest.raises(MNISTError, match=r"x_test .* shape \(9000, 28, 28\).*\(10000, 28, 28\)"):
        data.load_mnist()


def test_wrong_dtype(monkeypatch, tmp_path, arrays):
    arrays["x_train"] = arrays["x_train"] / 255.0
    path = save_npz(tmp_path / "mnist.npz", **arrays)
    monkeypatch.setenv("MNIST_NPZ", str(path))
    with pytest.raises(MNISTError, match="dtype float64.*dtype uint8"):
        data.load_mnist()


def test_digest_mismatch_names_the_array_and_the_fix(monkeypatch, tmp_path, arrays):
    arrays["x_test"] = arrays["x_test"].copy()
    arrays["x_test"][1234, 14, 14] ^= 1  # one byte of x_test
    path = save_npz(tmp_path / "mnist.npz", **arrays)
    monkeypatch.setenv("MNIST_NPZ", str(path))
    with pytest.raises(MNISTError, match="x_test .* is not the canonical MNIST") as error:
        data.load_mnist()
    message = str(error.value)
    assert str(path) in message and "Point MNIST_NPZ at a good copy" in message


def test_digest_mismatch_in_keras_cache_says_to_download_again(arrays):
    arrays["y_train"] = arrays["y_train"][::-1].copy()
    with pytest.raises(MNISTError, match="y_train .* not the canonical") as error:
        data.verify(arrays, "Keras' cached copy /home/student/.keras/datasets/mnist.npz")
    assert "Delete that file and run `python -m helpers.data`" in str(error.value)


# --- the command line ---------------------------------------------------------------------------


def run_cli(env_changes, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MNIST_NPZ"}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "-m", "helpers.data"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_reports_where_the_verified_data_is(tmp_path, good_npz):
    result = run_cli({"MNIST_NPZ": str(good_npz)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "MNIST verified: 60,000 training and 10,000 test images" in result.stdout
    assert str(good_npz) in result.stdout


def test_cli_offline_gives_a_short_message(tmp_path):
    # An empty Keras cache and a proxy that refuses every connection: offline on any machine.
    closed = "http://127.0.0.1:9"
    result = run_cli(
        {
            "KERAS_HOME": str(tmp_path / "keras"),
            "HOME": str(tmp_path),
            "https_proxy": closed,
            "HTTPS_PROXY": closed,
            "http_proxy": closed,
            "HTTP_PROXY": closed,
        },
        tmp_path,
    )
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()
    assert message[0].startswith("error: Could not download MNIST")
    assert len(message) <= 5
    assert any("MNIST_NPZ" in line for line in message)
    assert any("python -m helpers.data" in line for line in message)
    assert "Traceback" not in result.stderr


def test_offline_error_chains_the_cause_without_its_traceback(monkeypatch, tmp_path):
    closed = "http://127.0.0.1:9"
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    for name in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, closed)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(MNISTError) as error:
        data.load_mnist()
    cause = error.value.__cause__
    assert cause is not None
    assert f"Cause: {str(cause).splitlines()[0]}" in str(error.value)  # Keras' reason, one line
    assert cause.__traceback__ is None and cause.__suppress_context__
