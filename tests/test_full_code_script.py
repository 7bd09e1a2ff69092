"""Lesson 09 is the post's full training script: copied out of the notebook, it runs on its own.

The script cell is run from a file away from the repository in a plain Python process, as a student
who copies it would: it must train, evaluate and print its accuracy. Offline, ``MNIST_NPZ`` stands in
for Keras' download as in the lesson: the process first runs the setup cell's ``setup()``, and nothing
of the script is changed."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from compat import printed_accuracy

from helpers.environment import TF_ENV

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "09_full_code.ipynb"
# The setup cell's setup(), then the script. 6,000 training images: the script runs whole (10
# epochs, evaluate, plots) in a fifth of the time; the full run's accuracy band is checked by
# lesson 09 itself under make test.
RUN_SCRIPT = """
import runpy, sys
from helpers import data
from helpers.environment import setup

all_of_mnist = data.load_mnist

def first_6000_training_images():
    (x_train, t_train), test = all_of_mnist()
    return (x_train[:6000], t_train[:6000]), test

data.load_mnist = first_6000_training_images
setup()
runpy.run_path(sys.argv[1], run_name="__main__")
"""


def script_cells():
    code = [c.source for c in nbformat.read(LESSON, as_version=4).cells if c.cell_type == "code"]
    return [
        source for source in code if "mnist.load_data()" in source and not source.startswith("# 추가 코드")
    ]


def test_the_lesson_holds_one_script_that_needs_nothing_from_the_course():
    scripts = script_cells()
    assert len(scripts) == 1, "09_full_code must show the post's script in one cell"
    assert not re.search(r"^\s*(from|import)\s+helpers\b", scripts[0], re.M), (
        "the script must run without the course's helpers"
    )


@pytest.mark.skipif(
    not os.environ.get("MNIST_NPZ") and not (Path.home() / ".keras/datasets/mnist.npz").is_file(),
    reason="needs MNIST: set MNIST_NPZ, or download it once with `python -m helpers.data`",
)
def test_the_copied_script_runs_as_a_plain_python_program(tmp_path):
    (script,) = script_cells()
    path = tmp_path / "full_code.py"
    path.write_text(script + "\n", encoding="utf-8")
    env = {**os.environ, **TF_ENV, "MPLBACKEND": "Agg"}
    command = [sys.executable, "-c", RUN_SCRIPT, str(path)]
    result = subprocess.run(command, cwd=tmp_path, env=env, text=True, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    accuracy = printed_accuracy(result.stdout)
    assert accuracy is not None, f"the script did not print its test accuracy:\n{result.stdout[-2000:]}"
    assert accuracy >= 0.90, "the copied script did not learn"
    assert "Epoch 10/10" in result.stdout
