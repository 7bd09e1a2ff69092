"""helpers.data: the verified MNIST loader, its error messages and the normalization."""

import os
import re
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from helpers import data
from helpers.data import MNISTError

CLOSED_PROXY = "http://127.0.0.1:9"  # refuses every connection: offline on any machine


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
    path = tmp_path_factory.mktemp("data") / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def test_load_mnist_returns_the_canonical_arrays_in_keras_order_copying_none_to_verify(arrays):
    # verify() checks each array's shape, dtype and digest under the key load_mnist's position
    # gives it. Hashing must read the buffers in place (a copy of x_train alone is 47 MB): measured
    # in bytes allocated, not in seconds, so a busy machine cannot make it fail.
    tracemalloc.start()
    try:
        data.verify(arrays, "test")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < arrays["x_test"].nbytes / 10


def test_normalize_gives_float32_in_unit_range_once(mnist):
    (x_train, _), _ = mnist
    scaled = data.normalize(x_train[:100])
    assert scaled.dtype == np.float32 and scaled.min() == 0.0 and scaled.max() == 1.0
    assert np.allclose(scaled * 255, x_train[:100])  # and the input is left alone
    with pytest.raises(ValueError, match="uint8.*only once"):
        data.normalize(scaled)


def one_byte_changed(array):
    changed = array.copy()
    changed[1234, 14, 14] ^= 1
    return changed


# Each way an mnist.npz can be wrong: its content (bytes, npz arrays or no file) made from the good
# arrays and file, and what the message must say.
BAD_FILES = {
    "missing": (lambda a, good: None, ["no such file", "unset MNIST_NPZ"]),
    "not an npz": (lambda a, good: b"no zip", ["not a readable .npz", "fresh copy"]),
    "truncated": (lambda a, good: good.read_bytes()[: good.stat().st_size // 2], ["truncated or damaged"]),
    "wrong keys": (
        lambda a, good: {"x_train": a["x_train"], "labels": a["y_train"]},
        ["missing: y_train, x_test, y_test"],
    ),
    "wrong shape": (
        lambda a, good: {**a, "x_test": a["x_test"][:9000]},
        [r"x_test .* \(9000, 28, 28\).*\(10000, 28, 28\)"],
    ),
    "wrong dtype": (
        lambda a, good: {**a, "y_train": a["y_train"].astype(np.int64)},
        ["dtype int64.*dtype uint8"],
    ),
    "one byte changed": (
        lambda a, good: {**a, "x_test": one_byte_changed(a["x_test"])},
        ["x_test .* is not the canonical MNIST", "Point MNIST_NPZ at a good copy"],
    ),
}


@pytest.mark.parametrize("bad", BAD_FILES)
def test_a_bad_file_is_named_with_what_to_do(bad, arrays, good_npz, monkeypatch, tmp_path):
    content, expected = BAD_FILES[bad]
    path, content = tmp_path / "mnist.npz", content(arrays, good_npz)
    if isinstance(content, dict):
        np.savez(path, **content)
    elif content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("MNIST_NPZ", str(path))
    with pytest.raises(MNISTError) as error:
        data.load_mnist()
    for pattern in [re.escape(str(path)), *expected]:
        assert re.search(pattern, str(error.value), re.S), str(error.value)


def test_digest_mismatch_in_keras_cache_says_to_download_again(arrays):
    arrays["y_train"] = arrays["y_train"][::-1].copy()
    with pytest.raises(MNISTError, match="y_train .* not the canonical") as error:
        data.verify(arrays, "Keras' cached copy /home/student/.keras/datasets/mnist.npz")
    assert "Delete that file and run `python -m helpers.data`" in str(error.value)


def run_cli(tmp_path, **env):
    environ = {**{k: v for k, v in os.environ.items() if k != "MNIST_NPZ"}, **env}
    command = [sys.executable, "-m", "helpers.data"]
    return subprocess.run(command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120)


def test_cli_reports_where_the_verified_data_is(tmp_path, good_npz):
    result = run_cli(tmp_path, MNIST_NPZ=str(good_npz))
    assert result.returncode == 0, result.stderr
    assert f"MNIST verified: 60,000 training and 10,000 test images in {good_npz}" in result.stdout


def test_cli_offline_gives_a_short_message(tmp_path):
    # An empty Keras cache and a proxy that refuses every connection.
    proxies = dict.fromkeys(["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"], CLOSED_PROXY)
    result = run_cli(tmp_path, KERAS_HOME=str(tmp_path / "keras"), HOME=str(tmp_path), **proxies)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    message = result.stderr.strip().splitlines()
    assert message[0].startswith("error: Could not download MNIST") and len(message) <= 5
    assert any("MNIST_NPZ" in line for line in message)
    assert any("python -m helpers.data" in line for line in message)


def test_offline_error_chains_the_cause_without_its_traceback(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    for name in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, CLOSED_PROXY)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(MNISTError) as error:
        data.load_mnist()
    cause = error.value.__cause__
    assert f"Cause: {str(cause).splitlines()[0]}" in str(error.value)  # Keras' reason, one line
    assert cause.__traceback__ is None and cause.__suppress_context__
