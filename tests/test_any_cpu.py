"""The stored outputs hold on any CPU: what nbval compares exactly does not depend on trained weights.

`make test` runs every lesson under strict nbval with Keras' seed shifted (tests/shifted_seed).
These tests check the pieces it stands on: that the shift really moves the weights (and only
Keras' draws), and that nbval still catches a regression in a cell that does not depend on training.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SHIFTED_SEED = ROOT / "tests" / "shifted_seed"

WEIGHTS = """
import json, keras, numpy as np
import tensorflow.keras.utils as tf_keras_utils
out = {}
for name, seed in (("keras", keras.utils.set_random_seed), ("tf.keras", tf_keras_utils.set_random_seed)):
    seed(42)
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    out[name] = [layer.get_weights()[0].ravel().tolist(), np.random.rand(2).tolist()]
print(json.dumps(out))
"""


def run_weights(shift):
    env = {**os.environ, "PYTHONPATH": str(SHIFTED_SEED), "DLA_SEED_SHIFT": str(shift)}
    command = [sys.executable, "-c", WEIGHTS]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_shifted_seed_moves_keras_weights_but_not_numpy():
    same, shifted = run_weights(0), run_weights(1)
    for alias in ("keras", "tf.keras"):
        assert same[alias][0] != shifted[alias][0], f"{alias}.utils.set_random_seed was not shifted"
        assert same[alias][1] == shifted[alias][1], "NumPy's draws must keep the lesson's seed"
    assert same["keras"] == same["tf.keras"]


# --- nbval still compares the cells that do not depend on training ------------------------------

LESSON = ROOT / "notebooks" / "06_training.ipynb"
DATA_CELL = "x_train = normalize(x_train)"


def opening(tmp_path, edit=None):
    """The lesson's stored cells up to its data cell (no training), optionally with an edited line."""
    nb = nbformat.read(LESSON, as_version=4)
    end = next(i for i, c in enumerate(nb.cells) if DATA_CELL in c.source) + 1
    nb.cells = nb.cells[:end]
    if edit:
        nb.cells[-1].source = nb.cells[-1].source.replace(*edit)
    path = tmp_path / LESSON.name
    nbformat.write(nb, path)
    return path


def nbval(path):
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-o", "addopts="]
    sanitize = ROOT / "nbval_sanitize.cfg"
    command += ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(sanitize)]
    return subprocess.run([*command, str(path)], cwd=path.parent, capture_output=True, text=True, timeout=600)


def test_nbval_catches_a_regression_in_a_deterministic_cell(tmp_path):
    (tmp_path / "control").mkdir()
    control = nbval(opening(tmp_path / "control"))
    assert control.returncode == 0, control.stdout[-2000:]
    # The post's float64 division: the data cell prints another dtype, and nbval must say so.
    broken = nbval(opening(tmp_path, edit=(DATA_CELL, "x_train = x_train / 255.")))
    assert broken.returncode == 1, broken.stdout[-2000:]
    assert "float64" in broken.stdout and "1 failed" in broken.stdout
