"""Load the MNIST handwritten digits and check that they are the canonical data set.

``load_mnist()`` returns exactly what ``keras.datasets.mnist.load_data()`` returns, from one of two
sources, in this order:

1. the ``.npz`` file named by the environment variable ``MNIST_NPZ`` (for offline machines);
2. Keras' own download, cached in ``~/.keras/datasets/mnist.npz`` (or under ``$KERAS_HOME``).

Either way the four arrays are verified against the sha256 digests of the canonical MNIST, so a
truncated download or a different data set is reported instead of silently training on it.

Run ``python -m helpers.data`` to download (if needed), verify and print where the data is.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from helpers.environment import quiet_tensorflow

# What every MNIST image and target looks like; the model, the checks and the figures read it here.
NUM_CLASSES = 10  # the digits 0-9
IMAGE_SHAPE = (28, 28)

ENV_VAR = "MNIST_NPZ"
DOWNLOAD_COMMAND = "python -m helpers.data"

# name: (shape, dtype, sha256 of array.tobytes())
CANONICAL = {
    "x_train": (
        (60000, *IMAGE_SHAPE),
        "uint8",
        "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    ),
    "y_train": ((60000,), "uint8", "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13"),
    "x_test": (
        (10000, *IMAGE_SHAPE),
        "uint8",
        "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    ),
    "y_test": ((10000,), "uint8", "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"),
}
KEYS = tuple(CANONICAL)


class MNISTError(RuntimeError):
    """MNIST could not be loaded, or what was loaded is not the canonical data set."""


def load_mnist():
    """Return ``((x_train, t_train), (x_test, t_test))`` as ``keras.datasets.mnist.load_data()`` does.

    Images are uint8 arrays of shape (n, 28, 28) with values 0-255, targets uint8 digits 0-9:
    60,000 training and 10,000 test examples. Reads the file named by ``$MNIST_NPZ`` when it is
    set, otherwise lets Keras download (once) and cache the data. Raises ``MNISTError`` with a
    message saying what to do when the data is missing, unreadable or not the canonical MNIST.
    """
    arrays, origin = _load_arrays()
    verify(arrays, origin)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def normalize(images):
    """Min-max scale uint8 pixel values (0-255) to float32 values in [0, 1].

    float32 is what Keras computes in anyway; it takes half the memory of NumPy's default
    float64 (188 MB instead of 376 MB for the 60,000 training images).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(
            f"normalize() expects raw uint8 pixels (0-255), got dtype {images.dtype}: "
            "normalize the images returned by load_mnist(), and only once."
        )
    scaled = images.astype(np.float32)
    scaled /= 255.0  # in place: no second 188 MB temporary
    return scaled


def verify(arrays, origin):
    """Check keys, shapes, dtypes and sha256 digests of MNIST arrays; raise ``MNISTError`` if off.

    ``arrays`` maps the npz keys (x_train, y_train, x_test, y_test) to arrays; ``origin`` names
    where they came from, for the error message.
    """
    missing = [key for key in KEYS if key not in arrays]
    if missing:
        raise MNISTError(
            f"{origin} has keys {sorted(arrays)}, but MNIST needs {', '.join(KEYS)} "
            f"(missing: {', '.join(missing)}).\n"
            "Use an mnist.npz in the layout of keras.datasets.mnist."
        )
    for key, (shape, dtype, digest) in CANONICAL.items():
        array = arrays[key]
        if array.shape != shape or array.dtype != np.dtype(dtype):
            raise MNISTError(
                f"{key} in {origin} has shape {array.shape} and dtype {array.dtype}; "
                f"MNIST's {key} has shape {shape} and dtype {dtype}.\n"
                "Use an mnist.npz in the layout of keras.datasets.mnist."
            )
        actual = hashlib.sha256(np.ascontiguousarray(array)).hexdigest()  # == of tobytes()
        if actual != digest:
            raise MNISTError(
                f"{key} in {origin} is not the canonical MNIST (sha256 {actual[:12]}…, "
                f"expected {digest[:12]}…): the file is corrupted or holds different data.\n"
                + (
                    f"Point {ENV_VAR} at a good copy of mnist.npz, or unset it to let Keras download MNIST."
                    if origin.startswith(f"{ENV_VAR}=")
                    else f"Delete that file and run `{DOWNLOAD_COMMAND}` for a fresh download."
                )
            )


def keras_cache_path():
    """Where Keras keeps its downloaded copy of MNIST."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "mnist.npz"


def _load_arrays():
    path = os.environ.get(ENV_VAR)
    if path:
        return read_npz(path), f"{ENV_VAR}={path}"
    return _download(), f"Keras' cached copy {keras_cache_path()}"


def read_npz(path):
    """Read the four MNIST arrays from an npz file; raise ``MNISTError`` if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise MNISTError(
            f"{ENV_VAR} names {path}, but there is no such file.\n"
            f"Fix the path, or unset {ENV_VAR} to let Keras download MNIST."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise MNISTError(
            f"{path} is not a readable .npz file ({type(error).__name__}: {error}); "
            "it may be truncated or damaged.\n"
            f"Replace it with a fresh copy of mnist.npz, or unset {ENV_VAR} to let Keras download it."
        ) from error


def _download():
    import keras  # deferred: importing Keras starts TensorFlow, needed only to download

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # Keras wraps every fetch failure in a bare Exception
        # Chain Keras' one-line reason, not its urllib traceback: the message is what matters.
        error.__suppress_context__ = True
        raise MNISTError(
            "Could not download MNIST: no network connection, or the download was refused.\n"
            f"Offline, set {ENV_VAR} to the path of an mnist.npz file.\n"
            f"Online, run `{DOWNLOAD_COMMAND}` to download and cache it "
            f"in {keras_cache_path().parent}.\n"
            f"Cause: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
        ) from error.with_traceback(None)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def main():
    """Download MNIST if needed, verify it and print where it is."""
    # The command line is as quiet as the lessons: Keras' download imports TensorFlow.
    quiet_tensorflow()
    try:
        (x_train, _), (x_test, _) = load_mnist()
    except MNISTError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    where = os.environ.get(ENV_VAR) or keras_cache_path()
    print(f"MNIST verified: {len(x_train):,} training and {len(x_test):,} test images in {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
